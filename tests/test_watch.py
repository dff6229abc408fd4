"""Watch mode: `digest.live.watch.watch` rebuilds once per burst of real changes.

Each test runs `watch()` in a background thread on a copy of the basic site,
records every (rebuild, changed paths) it reports, and compares the output
with a clean `digest build` of the same sources. Waits poll with generous
limits (10 s) so a loaded machine does not fail them.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import digest.live.watch
from digest.errors import OutputError
from digest.live.watch import ChangeCollector, watch
from digest.pipeline.session import Rebuild, SiteBuilder

from conftest import copy_site, read_tree, run_cli

SIDECAR = "content/articles/plain-one.yaml"
CLAIM_TEXT = "The talks were not useful."
BAD_STATUS_LINE = (
    "content/articles/plain-one.yaml:10:13: error: unknown status 'reportd' (did you mean 'reported'?); "
    "known: confirmed, reported, unverified, disputed, denied, false"
)
WAIT = 10.0
"""The longest a test waits for a rebuild."""
SETTLE = 0.6
"""How long a test waits to be sure no further rebuild follows."""


class Watcher:
    """`watch()` in a daemon thread, recording what it reports."""

    def __init__(self, builder: SiteBuilder, poll: bool = False):
        self.builder = builder
        self.poll = poll
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.rebuilds: list[tuple[Rebuild, set[str]]] = []
        self.crash: BaseException | None = None
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="test-watch", daemon=True)

    def start(self, monkeypatch: pytest.MonkeyPatch) -> Watcher:
        # Know when the observer is scheduled: events before that would be lost.
        original = digest.live.watch.SourceWatcher.start

        def start(watcher: digest.live.watch.SourceWatcher) -> None:
            original(watcher)
            self.ready.set()

        monkeypatch.setattr(digest.live.watch.SourceWatcher, "start", start)
        self._thread.start()
        assert self.ready.wait(WAIT), "the watcher did not start its observer"
        return self

    def close(self) -> None:
        self.stop.set()
        self._thread.join(WAIT)
        assert not self._thread.is_alive(), "watch() did not return after stop was set"
        if self.crash is not None:
            raise AssertionError(f"watch() raised {self.crash!r}") from self.crash

    def _run(self) -> None:
        try:
            watch(self.builder, self._record, self.stop, poll=self.poll)
        except BaseException as exc:  # reported by close()
            self.crash = exc

    def _record(self, rebuild: Rebuild, changed: set[str]) -> None:
        with self._condition:
            self.rebuilds.append((rebuild, set(changed)))
            self._condition.notify_all()

    def wait_for(self, count: int, timeout: float = WAIT) -> list[tuple[Rebuild, set[str]]]:
        """Wait until at least ``count`` rebuilds were reported; return them all."""
        with self._condition:
            done = self._condition.wait_for(lambda: len(self.rebuilds) >= count or self.crash is not None, timeout)
            assert self.crash is None, f"watch() raised {self.crash!r}"
            assert done, f"expected {count} rebuild(s) within {timeout} s, got {self._describe()}"
            return list(self.rebuilds)

    def until(self, done, timeout: float = WAIT, settle: float = SETTLE) -> list[tuple[Rebuild, set[str]]]:
        """Wait until ``done(rebuilds)`` holds and no rebuild followed for ``settle`` seconds; return them all."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                count = len(self.rebuilds)
                if done(self.rebuilds) and not self._condition.wait_for(lambda count=count: len(self.rebuilds) > count or self.crash is not None, settle):
                    break
                assert self.crash is None, f"watch() raised {self.crash!r}"
                assert time.monotonic() < deadline, f"not done within {timeout} s: {self._describe()}"
                self._condition.wait(0.05)
            assert self.crash is None, f"watch() raised {self.crash!r}"
            return list(self.rebuilds)

    def exactly(self, count: int, settle: float = SETTLE) -> list[tuple[Rebuild, set[str]]]:
        """Wait for ``count`` rebuilds, then make sure no other follows for ``settle`` seconds."""
        self.wait_for(count)
        time.sleep(settle)
        with self._condition:
            assert len(self.rebuilds) == count, f"expected exactly {count} rebuild(s), got {self._describe()}"
            return list(self.rebuilds)

    def _describe(self) -> str:
        return f"{len(self.rebuilds)}: " + "; ".join(
            f"ok={r.ok} changed={sorted(c)} errors={[str(d) for d in r.errors]}" for r, c in self.rebuilds
        )


@pytest.fixture
def site(tmp_path) -> Path:
    return copy_site("basic", tmp_path)


ROBUST_QUIET = 0.6
"""The quiet period these tests use. Watchdog's inotify buffer releases events in clumps, and on
a loaded CI machine the gaps between clumps of one burst reached 0.3 s; 0.6 s keeps the
"one burst, one rebuild" assertion about the coalescing logic rather than about the machine."""


def set_quiet_period(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    monkeypatch.setattr(digest.live.watch, "QUIET_SECONDS", seconds)
    # Bug: wait_for_batch binds quiet=QUIET_SECONDS when it is defined, so the line above alone has
    # no effect (see test_the_quiet_period_follows_the_module_constant); set the bound default too.
    defaults = ChangeCollector.wait_for_batch.__defaults__
    if defaults and isinstance(defaults[-1], float):
        monkeypatch.setattr(ChangeCollector.wait_for_batch, "__defaults__", (*defaults[:-1], seconds))


@pytest.fixture
def start_watching(tmp_path, monkeypatch):
    """Build the site once, then start watching it; always stopped at teardown."""
    watchers: list[Watcher] = []

    def start(site: Path, poll: bool = False, output: Path | None = None, default_quiet: bool = False) -> Watcher:
        if not default_quiet:
            set_quiet_period(monkeypatch, ROBUST_QUIET)
        builder = SiteBuilder(site, output or tmp_path / "live")
        first = builder.build()
        assert first.ok, [str(d) for d in first.diagnostics]
        watcher = Watcher(builder, poll)
        watchers.append(watcher)
        return watcher.start(monkeypatch)

    try:
        yield start
    finally:
        for watcher in watchers:
            watcher.close()


def clean_build(site: Path, out: Path) -> dict[str, bytes]:
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    return read_tree(out)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def atomic_save(path: Path, text: str, temporary_name: str) -> None:
    """An editor's safe save: write a temporary file beside the original, then rename it over."""
    temporary = path.with_name(temporary_name)
    with open(temporary, "w") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def vim_save(path: Path, text: str) -> None:
    """Vim's default save: probe with 4913, move the original to a backup, write anew, drop the backup."""
    probe = path.with_name("4913")
    probe.write_text("")
    probe.unlink()
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)
    path.write_text(text)
    backup.unlink()


# (a) editors' atomic saves


@pytest.mark.parametrize(
    "save",
    [
        lambda p, t: atomic_save(p, t, f".{p.name}.tmp123"),
        lambda p, t: atomic_save(p, t, f"{p.name}.swp"),
        vim_save,
    ],
    ids=["hidden-tmp", "swp-name", "vim-backup"],
)
def test_atomic_save_gives_one_rebuild_equal_to_a_clean_build(save, site, tmp_path, start_watching):
    watcher = start_watching(site)
    sidecar = site / SIDECAR
    save(sidecar, sidecar.read_text().replace(CLAIM_TEXT, "The talks were pointless."))

    [(rebuild, changed)] = watcher.exactly(1)
    assert rebuild.ok, [str(d) for d in rebuild.diagnostics]
    assert changed == {SIDECAR}
    assert "claims/talks-not-useful/index.html" in rebuild.written
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")
    assert not [p for p in sidecar.parent.iterdir() if p.name != sidecar.name and p.name != "markdown-two.yaml"]


def test_atomic_save_with_the_default_quiet_period(site, tmp_path, start_watching):
    """Only the rename names the real file, so this holds whatever the quiet period."""
    watcher = start_watching(site, default_quiet=True)
    sidecar = site / SIDECAR
    atomic_save(sidecar, sidecar.read_text().replace(CLAIM_TEXT, "The talks were pointless."), f".{sidecar.name}.tmp9")
    [(rebuild, changed)] = watcher.exactly(1)
    assert rebuild.ok and changed == {SIDECAR}
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


# (b) bursts


def _people(count: int, role: str) -> dict[str, str]:
    return {f"person-{i:02d}": f"name: Person Number {i:02d}\nrole: {role}\n" for i in range(count)}


def _checkout(folder: Path, files: dict[str, str]) -> None:
    """Like `git checkout`: each file unlinked and written anew, as fast as possible."""
    for name, text in files.items():
        target = folder / f"{name}.yaml"
        target.unlink(missing_ok=True)
        with open(target, "w") as stream:
            stream.write(text)


def _renamed_in(folder: Path, files: dict[str, str]) -> None:
    """A tool that saves each file atomically: all temporaries first, then 50 renames."""
    for name, text in files.items():
        with open(folder / f".{name}.yaml.tmp", "w") as stream:
            stream.write(text)
    for name in files:
        os.replace(folder / f".{name}.yaml.tmp", folder / f"{name}.yaml")


@pytest.mark.parametrize("burst", [_checkout, _renamed_in], ids=["checkout-50-files", "rename-50-files"])
def test_a_burst_of_50_files_ends_in_a_rebuild_of_the_final_state(burst, site, tmp_path, start_watching):
    """The watcher sees every file of the burst, and the last rebuild leaves the final state's site. That the
    burst is one rebuild is a matter of timing, proved on a clock of the test's own (the collector tests below):
    on a loaded machine the observer may hand the burst over in two clumps, and then there are two."""
    people = site / "content/people"
    for name, text in _people(50, "Before").items():
        (people / f"{name}.yaml").write_text(text)
    watcher = start_watching(site)
    final = _people(50, "After the checkout")  # prepared in memory, written in one quick burst
    expected = {f"content/people/{name}.yaml" for name in final}

    burst(people, final)

    rebuilds = watcher.until(lambda rebuilds: set().union(*(changed for _, changed in rebuilds)) >= expected)
    assert rebuilds[-1][0].ok, [str(d) for d in rebuilds[-1][0].diagnostics]
    assert set().union(*(changed for _, changed in rebuilds)) == expected
    assert {f"people/{name}/index.html" for name in final} <= {path for rebuild, _ in rebuilds for path in rebuild.written}
    live = read_tree(tmp_path / "live")
    assert live == clean_build(site, tmp_path / "clean")
    assert b"After the checkout" in live["people/person-49/index.html"]


# (c) editor droppings alone


def test_swap_lock_and_backup_files_alone_trigger_no_rebuild(site, tmp_path, start_watching):
    watcher = start_watching(site)
    for folder in (site / "content/articles", site / "content/people", site / "seeds"):
        (folder / ".plain-one.yaml.swp").write_bytes(b"b0VIM 9.0")
        (folder / ".plain-one.yaml.swx").write_bytes(b"b0VIM 9.0")
        (folder / "plain-one.yaml~").write_text("outlet: Old\n")
        (folder / "4913").write_text("")
        (folder / "#plain-one.yaml#").write_text("autosave")
        os.symlink("editor@host.1234:1700000000", folder / ".#plain-one.yaml")  # emacs lock, dangling
        for noise in (".plain-one.yaml.swp", "4913", ".#plain-one.yaml", "#plain-one.yaml#"):
            (folder / noise).unlink()

    time.sleep(SETTLE)
    assert watcher.rebuilds == []

    # The watcher is still alive and the droppings left over do not show up as changes.
    edit(site / SIDECAR, CLAIM_TEXT, "The talks were pointless.")
    [(rebuild, changed)] = watcher.exactly(1)
    assert rebuild.ok and changed == {SIDECAR}


def test_output_inside_the_source_folder_does_not_cause_rebuild_loops(site, start_watching):
    """`digest watch` writes to SOURCE/site by default: its own writes must not trigger rebuilds."""
    watcher = start_watching(site, output=site / "site")
    edit(site / SIDECAR, CLAIM_TEXT, "The talks were pointless.")
    [(rebuild, changed)] = watcher.exactly(1, settle=1.0)
    assert rebuild.ok and changed == {SIDECAR}
    assert read_tree(site / "site") == clean_build(site, site.parent / "clean")


# (d) a bad save, then a good one


def test_bad_save_reports_the_error_keeps_the_output_and_the_next_good_save_recovers(site, tmp_path, start_watching):
    watcher = start_watching(site)
    before = read_tree(tmp_path / "live")
    sidecar = site / SIDECAR
    original = sidecar.read_text()

    sidecar.write_text(original.replace("status: reported", "status: reportd"))
    [(failed, changed)] = watcher.exactly(1)
    assert not failed.ok
    assert changed == {SIDECAR}
    assert [str(d) for d in failed.errors] == [BAD_STATUS_LINE]
    assert failed.written == [] and failed.removed == []
    assert read_tree(tmp_path / "live") == before

    sidecar.write_text(original.replace(CLAIM_TEXT, "The talks were useless."))
    _, (recovered, changed) = watcher.exactly(2)
    assert recovered.ok, [str(d) for d in recovered.diagnostics]
    assert changed == {SIDECAR}
    live = read_tree(tmp_path / "live")
    assert live == clean_build(site, tmp_path / "clean")
    assert b"The talks were useless." in live["claims/talks-not-useful/index.html"]


# (e) deleted and renamed files


def _delete_person(site: Path) -> None:
    (site / "content/people/sean-obrien.yaml").unlink()


def _rename_person(site: Path) -> None:
    os.rename(site / "content/people/sean-obrien.yaml", site / "content/people/sean-o-brien.yaml")


def _rename_article(site: Path) -> None:
    os.rename(site / "seeds/plain-one.txt", site / "seeds/plain-renamed.txt")
    os.rename(site / SIDECAR, site / "content/articles/plain-renamed.yaml")


@pytest.mark.parametrize(
    "change, expected_changed, expected_removed",
    [
        (_delete_person, {"content/people/sean-obrien.yaml"}, {"people/sean-obrien/index.html"}),
        (_rename_person, {"content/people/sean-obrien.yaml", "content/people/sean-o-brien.yaml"}, {"people/sean-obrien/index.html"}),
        (
            _rename_article,
            {"seeds/plain-one.txt", "seeds/plain-renamed.txt", SIDECAR, "content/articles/plain-renamed.yaml"},
            set(),
        ),
    ],
    ids=["delete-person", "rename-person", "rename-article"],
)
def test_deleting_or_renaming_a_file_rebuilds_to_equal_a_clean_build(change, expected_changed, expected_removed, site, tmp_path, start_watching):
    watcher = start_watching(site)
    change(site)
    [(rebuild, changed)] = watcher.exactly(1)
    assert rebuild.ok, [str(d) for d in rebuild.diagnostics]
    assert changed == expected_changed
    assert expected_removed <= set(rebuild.removed)
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


# (f) the polling observer


def test_poll_mode_rebuilds_after_an_edit(site, tmp_path, start_watching):
    watcher = start_watching(site, poll=True)
    assert isinstance(watcher.builder, SiteBuilder)
    edit(site / SIDECAR, CLAIM_TEXT, "The talks were pointless.")
    [(rebuild, changed)] = watcher.exactly(1)
    assert rebuild.ok and changed == {SIDECAR}
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_watch_returns_promptly_when_stopped(site, tmp_path, monkeypatch):
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    watcher = Watcher(builder).start(monkeypatch)
    started = time.monotonic()
    watcher.close()
    assert time.monotonic() - started < 5


def test_a_failed_build_of_a_half_saved_burst_is_not_reported(site, start_watching, monkeypatch):
    """A build that starts before a burst ends and fails on its half-written state stays silent;
    the build of the final state is the one reported, naming every path of the burst."""
    watcher = start_watching(site, default_quiet=True)
    person = site / "content/people/sean-obrien.yaml"
    good_person = person.read_text()
    sidecar = site / SIDECAR
    real_build = SiteBuilder.build
    results: list[Rebuild] = []

    def build(self, changed=(), viewed=()):
        result = real_build(self, changed, viewed)
        if not results:  # the rest of the burst lands while the first build runs
            person.write_text(good_person)
            sidecar.write_text(sidecar.read_text().replace(CLAIM_TEXT, "The talks were useless."))
            time.sleep(0.5)
        results.append(result)
        return result

    monkeypatch.setattr(SiteBuilder, "build", build)
    person.write_text("name: [broken\n")
    rebuild, changed = watcher.exactly(1)[0]
    assert not results[0].ok, "the first build saw the half-written state"
    assert rebuild.ok, watcher._describe()
    assert {SIDECAR, "content/people/sean-obrien.yaml"} <= changed


# Known bugs, kept as strict expected failures until they are fixed.


def test_the_quiet_period_follows_the_module_constant(tmp_path, monkeypatch):
    monkeypatch.setattr(digest.live.watch, "QUIET_SECONDS", 0.5)
    collector = ChangeCollector(tmp_path)
    collector.on_any_event(_FakeEvent(str(tmp_path / "content/people/x.yaml")))
    started = time.monotonic()
    batch = collector.wait_for_batch(threading.Event())
    assert batch == {"content/people/x.yaml"}
    assert time.monotonic() - started >= 0.45


class _FakeEvent:
    is_directory = False

    def __init__(self, src_path: str, event_type: str = "modified"):
        self.src_path = src_path
        self.event_type = event_type


def test_a_file_saved_in_place_is_built_once_it_is_closed(tmp_path, monkeypatch):
    """A save that truncates and then writes, split by the scheduler, must not give a build of the
    empty file: with an observer that reports closes, a written file holds the batch until it is closed."""
    monkeypatch.setattr(digest.live.watch, "MAX_WAIT_SECONDS", 600)
    collector = ChangeCollector(tmp_path)
    collector.reports_closes = True
    sidecar = str(tmp_path / "content/articles/a.yaml")
    collector.on_any_event(_FakeEvent(sidecar))  # the truncation
    found: list[set[str] | None] = []
    waiting = threading.Thread(target=lambda: found.append(collector.wait_for_batch(threading.Event())))
    waiting.start()
    time.sleep(digest.live.watch.QUIET_SECONDS * 5)
    assert waiting.is_alive() and not found, "no batch while the file is open for writing"
    collector.on_any_event(_FakeEvent(sidecar, "closed"))
    waiting.join(60)
    assert found == [{"content/articles/a.yaml"}]


class Clock:
    """A clock the test moves (`ChangeCollector`'s ``clock``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def waiting_for_batch(collector: ChangeCollector, quiet: float) -> tuple[threading.Thread, list[set[str] | None]]:
    found: list[set[str] | None] = []
    waiting = threading.Thread(target=lambda: found.append(collector.wait_for_batch(threading.Event(), quiet)), daemon=True)
    waiting.start()
    return waiting, found


@pytest.mark.parametrize("real_pause", [0.0, 0.2], ids=["events-at-once", "events-handled-late"])
def test_events_closer_than_the_quiet_period_are_one_batch_however_late_they_are_handled(tmp_path, real_pause):
    """A burst of 50 events, each 20 ms after the one before on the collector's clock, is one batch once that
    clock passes the quiet period after the last: however long the machine takes to hand the events over
    (``real_pause``: a loaded machine's clumps, seven times the quiet period), none is batched early."""
    clock = Clock()
    collector = ChangeCollector(tmp_path, clock)
    waiting, found = waiting_for_batch(collector, quiet=0.03)
    paths = [f"content/people/person-{number:02d}.yaml" for number in range(50)]
    for number, path in enumerate(paths):
        clock.now += 0.02
        collector.on_any_event(_FakeEvent(str(tmp_path / path)))
        if number % 10 == 9:
            time.sleep(real_pause)
    time.sleep(0.1)  # the waiter looks at the clock again (every quiet period of real time, and on each event)
    assert waiting.is_alive() and found == [], "nothing batched while the burst's events are 20 ms apart"
    clock.now += 0.031
    waiting.join(WAIT)
    assert found == [set(paths)]


def test_a_gap_longer_than_the_quiet_period_ends_a_batch(tmp_path):
    clock = Clock()
    collector = ChangeCollector(tmp_path, clock)
    collector.on_any_event(_FakeEvent(str(tmp_path / "content/people/a.yaml")))
    clock.now += 0.031
    assert collector.wait_for_batch(threading.Event(), quiet=0.03) == {"content/people/a.yaml"}
    collector.on_any_event(_FakeEvent(str(tmp_path / "content/people/b.yaml")))
    waiting, found = waiting_for_batch(collector, quiet=0.03)
    clock.now += 0.02
    collector.on_any_event(_FakeEvent(str(tmp_path / "content/people/c.yaml")))
    clock.now += 0.029
    time.sleep(0.1)
    assert waiting.is_alive() and found == []
    clock.now += 0.002
    waiting.join(WAIT)
    assert found == [{"content/people/b.yaml", "content/people/c.yaml"}]


def test_a_burst_that_never_pauses_is_batched_at_the_longest_wait(tmp_path):
    """Events 20 ms apart for longer than `MAX_WAIT_SECONDS`: the batch is taken then, not never."""
    clock = Clock()
    collector = ChangeCollector(tmp_path, clock)
    steps = int(digest.live.watch.MAX_WAIT_SECONDS / 0.02) + 5
    for number in range(steps):
        if number:
            clock.now += 0.02
        collector.on_any_event(_FakeEvent(str(tmp_path / f"content/people/p{number}.yaml")))
    waiting, found = waiting_for_batch(collector, quiet=0.03)  # the last event is now: well inside the quiet period
    waiting.join(WAIT)
    assert len(found) == 1 and found[0] is not None and len(found[0]) == steps


def test_without_close_events_a_batch_settles_after_the_quiet_period(tmp_path):
    collector = ChangeCollector(tmp_path)  # a polling observer reports no closes
    collector.on_any_event(_FakeEvent(str(tmp_path / "content/articles/a.yaml")))
    assert collector.wait_for_batch(threading.Event()) == {"content/articles/a.yaml"}


def test_a_theme_folder_created_while_watching_is_watched(site, tmp_path, start_watching):
    from digest.source.theme import builtin_theme

    watcher = start_watching(site)
    static = site / "themes/default/static"
    static.mkdir(parents=True)
    stylesheet = (builtin_theme() / "static/style.css").read_text()
    (static / "style.css").write_text(stylesheet + "\n/* first */\n")
    first = watcher.wait_for(1)
    assert first[-1][0].ok
    time.sleep(SETTLE)
    count = len(watcher.rebuilds)

    (static / "style.css").write_text(stylesheet + "\n/* second */\n")
    watcher.wait_for(count + 1)  # an unwatched folder never rebuilds: the usual wait proves it, on a loaded machine too
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_poll_mode_coalesces_a_burst_spread_over_a_second(site, tmp_path, start_watching):
    people = site / "content/people"
    watcher = start_watching(site, poll=True)
    for name, text in _people(20, "Added").items():
        (people / f"{name}.yaml").write_text(text)
        time.sleep(0.04)  # a slow checkout on a network mount: 20 files over ~0.8 s, more than one poll
    watcher.exactly(1, settle=1.0)


def test_watch_refuses_an_output_folder_of_someone_elses(tmp_path):
    source = copy_site("basic", tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "important.txt").write_text("keep me")
    with pytest.raises(OutputError):
        SiteBuilder(source, docs).build()
    assert [p.name for p in docs.iterdir()] == ["important.txt"]
    assert SiteBuilder(source, docs, clean=True).build().ok
    assert not (docs / "important.txt").exists()
