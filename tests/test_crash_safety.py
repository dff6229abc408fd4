"""Crash safety: a build killed at any moment leaves a complete site, and the next build cleans up.

`python -m digest build` runs as a subprocess over an output folder that holds
a good build of different content (the basic site); the new build is the
demo. It is killed with SIGKILL at each step of the write stage
(DIGEST_TEST_KILL_AT, see digest/pipeline/write.py) and at random moments. The output
must then be byte-identical to the old site or to the complete new one,
never a mix; a stage folder may be left beside it, and the next normal build
must succeed and remove it.

The dev server's builder (digest.pipeline.session.SiteBuilder, digest.live.watch) must
survive the content folder being deleted and recreated and a seed being
replaced by a folder: errors reported, nothing raised, recovery once fixed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from digest.live.watch import safe_build, watch
from digest.pipeline.previoussite import is_digests, previous_folder
from digest.pipeline.session import Rebuild, SiteBuilder

from conftest import REPO, copy_site, read_tree, run_cli

KILL_STEPS = ("staging", "staged", "exchanged")
EDITED = "content/articles/000_6be69f254f387b69.yaml"


CODE: list[Path] = []
"""PYTHONPATH of the subprocess builds: a snapshot of digest/ and themes/ taken once per module.

Every build of a comparison must run the same code; a snapshot keeps that true even while
files of the checkout are being edited during the run. (The builds no test kills run in this
process, `build_here`, on the code it imported at the start.)
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict:
    """The old site (basic) and the new one (a copy of the demo), each built once as a reference."""
    base = tmp_path_factory.mktemp("crash")
    code = base / "code"
    shutil.copytree(REPO / "digest", code / "digest", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "themes", code / "themes", ignore=shutil.ignore_patterns("__pycache__"))
    CODE[:] = [code]
    demo = copy_site("demo", base / "sources")
    old, new = base / "old-site", base / "new-site"
    for source, output in ((copy_site("basic", base / "sources"), old), (demo, new)):
        process = digest_build(source, output)  # the same code path as the builds under test
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
    old_tree, new_tree = read_tree(old), read_tree(new)
    assert old_tree != new_tree
    assert set(old_tree) - set(new_tree) and set(new_tree) - set(old_tree), "both sites should have files of their own"
    return {"demo": demo, "old": old, "old_tree": old_tree, "new_tree": new_tree}


def digest_build(source: Path, output: Path, kill_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(CODE[0] if CODE else REPO)}
    env.pop("DIGEST_TEST_KILL_AT", None)
    if kill_at:
        env["DIGEST_TEST_KILL_AT"] = kill_at
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "build", "--source", str(source), "--output", str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def old_output(sites: dict, tmp_path: Path) -> Path:
    output = tmp_path / "work" / "site"
    shutil.copytree(sites["old"], output)
    assert read_tree(output) == sites["old_tree"]
    return output


def leftovers(output: Path) -> list[str]:
    """What is beside the output but digest's kept previous site (see `previoussite.py`), which a build leaves on purpose."""
    kept = previous_folder(output)
    assert not kept.exists() or is_digests(kept), "a folder named as digest's kept site that is not digest's"
    return sorted(p.name for p in output.parent.iterdir() if p not in (output, kept))


def build_here(source: Path, output: Path) -> str:
    """A build no test kills: `digest build` in this process (`run_cli`), which proves the same as a
    subprocess without paying an interpreter's start and imports (most of a small build's CPU)."""
    result = run_cli("build", "--source", source, "--output", output)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return result.out


def assert_next_build_cleans_up(sites: dict, output: Path) -> None:
    build_here(sites["demo"], output)
    assert read_tree(output) == sites["new_tree"]
    assert leftovers(output) == [], "the next build left temporary folders behind"


@pytest.mark.parametrize("step", KILL_STEPS)
def test_kill_at_a_write_step_leaves_one_whole_site(sites, tmp_path, step):
    output = old_output(sites, tmp_path)
    process = digest_build(sites["demo"], output, kill_at=step)
    _, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, (process.returncode, err.decode())

    tree = read_tree(output)
    if step == "exchanged":
        assert tree == sites["new_tree"], "after the swap the output must be the whole new site"
    else:
        assert tree == sites["old_tree"], "before the swap the output must be the old site, byte for byte"
    for name in leftovers(output):
        assert name.startswith(f".{output.name}.stage-"), f"unexpected leftover {name!r}"
    assert_next_build_cleans_up(sites, output)


@pytest.mark.parametrize("step", KILL_STEPS)
def test_kill_during_a_first_build_leaves_no_partial_site(sites, tmp_path, step):
    output = tmp_path / "work" / "site"
    output.parent.mkdir()
    process = digest_build(sites["demo"], output, kill_at=step)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    if step == "exchanged":
        assert read_tree(output) == sites["new_tree"]
    else:
        assert not output.exists(), "a partial site appeared at the output path"
    assert_next_build_cleans_up(sites, output)


def edit(source: Path, number: int) -> None:
    """Revise one claim of one sidecar: a few pages change, as after an editor's save."""
    path = source / EDITED
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("held undisclosed conversations", f"held undisclosed conversations ({number})", 1) if number == 1
                    else text.replace(f"({number - 1})", f"({number})"), encoding="utf-8")


@pytest.mark.parametrize("step", KILL_STEPS)
def test_kill_while_the_kept_site_is_updated_leaves_one_whole_site(sites, tmp_path, step):
    """An edit after two builds: the build brings the kept previous site up to date in place and swaps it in.

    Killed at each step of that (SIGKILL), the output is the old site or the new one; the next build
    recovers (the half-updated kept tree describes itself) and equals a clean build."""
    source = copy_site("demo", tmp_path / "source")
    output = tmp_path / "work" / "site"
    for number in (0, 1):
        if number:
            edit(source, number)
        build_here(source, output)
    assert (previous_folder(output) / "site").is_dir(), "the second build kept the first one's site"
    old_tree = read_tree(output)
    edit(source, 2)
    process = digest_build(source, output, kill_at=step)
    _, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, (process.returncode, err.decode())
    clean = tmp_path / "clean" / "site"
    build_here(source, clean)
    new_tree = read_tree(clean)
    assert new_tree != old_tree
    tree = read_tree(output)
    assert tree == (new_tree if step == "exchanged" else old_tree), "the output is the old site or the whole new one"
    assert leftovers(output) == [], "an update leaves no stage: the kept tree is the stage"
    out = build_here(source, output)
    assert read_tree(output) == new_tree, out
    assert leftovers(output) == []


def test_a_stage_left_by_a_killed_build_does_not_reach_the_next_site(sites, tmp_path):
    """Leftover files in a stage (a killed build's half-written pages) never end up published."""
    output = old_output(sites, tmp_path)
    process = digest_build(sites["demo"], output, kill_at="staging")
    process.communicate(timeout=60)
    (stage,) = [output.parent / name for name in leftovers(output)]
    (stage / "stray.html").write_text("left behind", encoding="utf-8")
    assert_next_build_cleans_up(sites, output)
    assert "stray.html" not in read_tree(output)


def test_random_kills_leave_the_old_or_the_new_site(sites, tmp_path):
    """SIGKILL after random delays: the output is always one complete site; the next build cleans up.

    The delays cluster around the end of a build (measured over the same old output), where
    the write stage is; most kills still land before or after it, which is the point: the
    chosen-step tests above cover the window itself.
    """
    output = old_output(sites, tmp_path)
    timing = tmp_path / "timing" / "site"
    shutil.copytree(sites["old"], timing)
    started = time.monotonic()
    process = digest_build(sites["demo"], timing)
    process.communicate(timeout=60)
    duration = time.monotonic() - started
    assert process.returncode == 0

    rng = random.Random()
    outcomes = []
    for attempt in range(7):
        shutil.rmtree(output)
        shutil.copytree(sites["old"], output)
        delay = rng.uniform(0.6, 1.2) * duration
        process = digest_build(sites["demo"], output)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        tree = read_tree(output)
        state = "old" if tree == sites["old_tree"] else "new" if tree == sites["new_tree"] else "MIXED"
        outcomes.append((attempt, round(delay, 3), process.returncode, state, leftovers(output)))
        assert state != "MIXED", f"attempt {attempt}: the output is neither the old nor the new site: {outcomes}"
        assert_next_build_cleans_up(sites, output)


# -- the dev server's builder ---------------------------------------------------------------


def clean_tree(source: Path, out: Path) -> dict[str, bytes]:
    result = run_cli("build", "--source", source, "--output", out)
    assert result.code == 0, result.err
    return read_tree(out)


def test_builder_survives_the_content_folder_deleted_and_recreated(tmp_path):
    site = copy_site("basic", tmp_path)
    live = tmp_path / "live"
    builder = SiteBuilder(site, live)
    assert builder.build().ok
    good = read_tree(live)
    saved = tmp_path / "saved-content"
    shutil.copytree(site / "content", saved)

    shutil.rmtree(site / "content")
    broken = safe_build(builder)
    assert not broken.ok
    assert broken.errors and all(d.code != "crash" for d in broken.errors), [str(d) for d in broken.errors]
    assert read_tree(live) == good, "a failed build changed the served site"

    (site / "content").mkdir()  # recreated empty first, as a checkout or a sync tool may do
    assert not safe_build(builder).ok
    shutil.rmtree(site / "content")
    shutil.copytree(saved, site / "content")
    recovered = safe_build(builder)
    assert recovered.ok, [str(d) for d in recovered.errors]
    assert read_tree(live) == clean_tree(site, tmp_path / "clean")


def test_builder_survives_a_seed_replaced_by_a_folder(tmp_path):
    site = copy_site("basic", tmp_path)
    live = tmp_path / "live"
    builder = SiteBuilder(site, live)
    assert builder.build().ok
    good = read_tree(live)
    seed = site / "seeds/plain-one.txt"
    text = seed.read_text(encoding="utf-8")

    seed.unlink()
    seed.mkdir()
    (seed / "inner.txt").write_text("a file inside the folder", encoding="utf-8")
    broken = safe_build(builder)
    assert not broken.ok
    assert all(d.code != "crash" for d in broken.errors), [str(d) for d in broken.errors]
    assert any(d.location.path == "seeds/plain-one.txt" for d in broken.errors), [str(d) for d in broken.errors]
    assert read_tree(live) == good

    shutil.rmtree(seed)
    seed.write_text(text.replace("this winter", "this spring"), encoding="utf-8")
    plain = site / "content/articles/plain-one.yaml"
    plain.write_text(plain.read_text(encoding="utf-8").replace("this winter", "this spring"), encoding="utf-8")
    recovered = safe_build(builder)
    assert recovered.ok, [str(d) for d in recovered.errors]
    assert read_tree(live) == clean_tree(site, tmp_path / "clean")


def test_builder_survives_the_output_folder_deleted(tmp_path):
    site = copy_site("basic", tmp_path)
    live = tmp_path / "live"
    builder = SiteBuilder(site, live)
    assert builder.build().ok
    shutil.rmtree(live)
    again = safe_build(builder)
    assert again.ok, [str(d) for d in again.errors]
    assert read_tree(live) == clean_tree(site, tmp_path / "clean")


class Watcher:
    """watch() in a daemon thread, recording rebuilds."""

    def __init__(self, builder: SiteBuilder):
        self.builder = builder
        self.stop = threading.Event()
        self.rebuilds: list[tuple[Rebuild, set[str]]] = []
        self.crash: BaseException | None = None
        self.condition = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            watch(self.builder, self._record, self.stop)
        except BaseException as exc:
            self.crash = exc

    def _record(self, rebuild: Rebuild, changed: set[str]) -> None:
        with self.condition:
            self.rebuilds.append((rebuild, changed))
            self.condition.notify_all()

    def wait_until(self, predicate, timeout: float = 10.0) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: predicate(self.rebuilds) or self.crash is not None, timeout)


@pytest.fixture
def watching(tmp_path):
    """A basic site built once and watched by watch() in a thread (stopped at teardown)."""
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    watcher = Watcher(builder)
    watcher.thread.start()
    # Wait until the watcher sees changes: rewrite a file with its own bytes until a rebuild comes.
    probe = site / "content/site.yaml"
    deadline = time.monotonic() + 10
    while not watcher.wait_until(lambda r: len(r) > 0, timeout=0.5):
        assert time.monotonic() < deadline, "the watcher never reported a rebuild"
        probe.write_bytes(probe.read_bytes())
    time.sleep(0.5)  # let any rebuilds of the probe burst finish
    yield site, watcher
    watcher.stop.set()
    watcher.thread.join(10)
    assert not watcher.thread.is_alive()
    assert watcher.crash is None, repr(watcher.crash)


def restore(saved: Path, folder: Path) -> None:
    """Put a whole folder back at once (copied beside it, then renamed), as a sync tool would."""
    staging = folder.with_name(".restoring")
    shutil.copytree(saved, staging)
    os.rename(staging, folder)


def test_watch_reports_a_deleted_content_folder_and_recovers(watching, tmp_path):
    site, watcher = watching
    saved = tmp_path / "saved-content"
    shutil.copytree(site / "content", saved)
    shutil.rmtree(site / "content")
    assert watcher.wait_until(lambda r: any(not rebuild.ok for rebuild, _ in r)), "no rebuild after content/ was deleted"
    failed = [rebuild for rebuild, _ in watcher.rebuilds if not rebuild.ok]
    assert failed[0].errors and all(d.code != "crash" for d in failed[0].errors)
    count = len(watcher.rebuilds)
    restore(saved, site / "content")
    assert watcher.wait_until(lambda r: len(r) > count and r[-1][0].ok), "no good rebuild after content/ came back"
    assert watcher.thread.is_alive()
    assert read_tree(tmp_path / "live") == clean_tree(site, tmp_path / "clean")


def test_watch_sees_edits_inside_a_recreated_content_folder(watching, tmp_path):
    site, watcher = watching
    saved = tmp_path / "saved-content"
    shutil.copytree(site / "content", saved)
    shutil.rmtree(site / "content")
    assert watcher.wait_until(lambda r: any(not rebuild.ok for rebuild, _ in r))
    count = len(watcher.rebuilds)
    restore(saved, site / "content")
    assert watcher.wait_until(lambda r: len(r) > count and r[-1][0].ok)
    time.sleep(0.5)
    count = len(watcher.rebuilds)
    sidecar = site / "content/articles/plain-one.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("The talks were not useful.", "Pointless talks."), encoding="utf-8")
    assert watcher.wait_until(lambda r: len(r) > count, timeout=3.0), "an edit inside the recreated content/ was not seen"
    assert read_tree(tmp_path / "live") == clean_tree(site, tmp_path / "clean")


def test_watch_survives_a_seed_replaced_by_a_folder(watching, tmp_path):
    site, watcher = watching
    seed = site / "seeds/plain-one.txt"
    text = seed.read_text(encoding="utf-8")
    seed.unlink()
    seed.mkdir()
    assert watcher.wait_until(lambda r: any(not rebuild.ok for rebuild, _ in r)), "no rebuild after the seed became a folder"
    failed = [rebuild for rebuild, _ in watcher.rebuilds if not rebuild.ok][0]
    assert any(d.location.path == "seeds/plain-one.txt" for d in failed.errors), [str(d) for d in failed.errors]
    assert all(d.code != "crash" for d in failed.errors)
    count = len(watcher.rebuilds)
    seed.rmdir()
    seed.write_text(text, encoding="utf-8")
    assert watcher.wait_until(lambda r: len(r) > count and r[-1][0].ok), "no good rebuild after the seed came back"
    assert watcher.thread.is_alive()
    assert read_tree(tmp_path / "live") == clean_tree(site, tmp_path / "clean")
