"""Watch mode and the dev server under faults of the machine: a failed build of one line, the last good site kept.

`SiteBuilder` is what `digest watch` and `digest serve` rebuild with; its
`Rebuild` diagnostics are what both print and what the server's overlay shows.
"""

from __future__ import annotations

import errno
import os

import pytest

from digest.live.watch import safe_build
from digest.pipeline import write
from digest.pipeline.session import SiteBuilder

from conftest import copy_site, read_tree
from fresh import in_fresh_process


class FullDisk:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def full_disk(monkeypatch) -> None:
    """Every write of the site fails as on a full disk: whole-stage writes and in-place replacements."""
    monkeypatch.setattr(write, "open", lambda *a, **k: FullDisk(), raising=False)
    monkeypatch.setattr(write.os, "fdopen", lambda *a, **k: (os.close(a[0]), FullDisk())[1])


def test_a_full_disk_on_the_first_build_is_one_diagnostic(tmp_path, monkeypatch):
    site = copy_site("basic", tmp_path)
    output = tmp_path / "out"
    full_disk(monkeypatch)
    rebuild = safe_build(SiteBuilder(site, output))
    assert not rebuild.ok
    assert [str(d) for d in rebuild.errors] == [
        f"{output}/index.html: error: cannot write the site: no space left on the device (free some space and run it again)"
    ]
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir() if ".stage-" in p.name] == []


def test_a_full_disk_on_a_rebuild_keeps_the_last_good_site(tmp_path, monkeypatch):
    site = copy_site("basic", tmp_path)
    output = tmp_path / "out"
    builder = SiteBuilder(site, output)
    assert builder.build().ok
    before = read_tree(output)
    person = site / "content/people/jake-sullivan.yaml"
    person.write_text(person.read_text(encoding="utf-8").replace("Jake Sullivan", "Jake Sullivan Jr", 1), encoding="utf-8")
    full_disk(monkeypatch)
    rebuild = safe_build(builder, {"content/people/jake-sullivan.yaml"})
    assert not rebuild.ok
    assert len(rebuild.errors) == 1
    line = str(rebuild.errors[0])
    assert line.startswith(f"{output}/") and ": error: cannot write the site: no space left on the device (" in line, line
    assert read_tree(output) == before, "pages written ahead of the failed build are put back"
    monkeypatch.undo()
    assert safe_build(builder, {"content/people/jake-sullivan.yaml"}).ok, "the next save, with space again, builds"
    assert "Jake Sullivan Jr" in (output / "people/jake-sullivan/index.html").read_text(encoding="utf-8")


def test_serve_without_room_for_its_preview_folder_is_one_line(tmp_path, monkeypatch):
    import tempfile

    from conftest import run_cli

    site = copy_site("basic", tmp_path)
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    result = run_cli("serve", "--source", site)
    assert result.code == 1
    assert result.err_lines == [f"{tempfile.gettempdir()}: error: cannot make the preview folder: no space left on the device "
                                "(free some space and run it again)"], result.err


def test_event_search_records_are_made_again_only_for_the_events_a_save_changed(tmp_path, monkeypatch):
    """The indexer's event records (`remembered_event_records`) equal `event_records` of the new graph after
    each save, and only the records of events whose parts changed are made again."""
    from digest.caches import Caches
    from digest.memo import ByIdentity
    from digest.pipeline import session
    from digest.pipeline.build import render_site
    from digest.search.index import event_records

    from test_incremental import CHANGES

    site = copy_site("basic", tmp_path)
    caches, memo = Caches(), ByIdentity(1000)
    graph = render_site(site, caches=caches).graph
    assert session.remembered_event_records(graph, memo) == event_records(graph)
    made: list[str] = []
    original = session.event_record
    monkeypatch.setattr(session, "event_record", lambda graph, event, words: made.append(event.id) or original(graph, event, words))
    carried = sorted(eid for eid, event in graph.events.items() if any(o.article == "plain-one" for o in event.occurrences))
    assert carried
    for change, remade in [("sidecar", carried), ("timeline", ["invasion"]), ("site", [])]:  # the title is in no record
        CHANGES[change](site)  # the sidecar's article is linked again: the events it carries are made again (their outlets)
        made.clear()
        graph = render_site(site, caches=caches).graph
        assert session.remembered_event_records(graph, memo) == event_records(graph), change
        assert sorted(made) == remade, change


def _counting(monkeypatch, log: list[str]) -> None:
    """Log each page listing, index made from scratch and whole load, in order with the pages written early."""
    from digest.graph import model
    from digest.pipeline import build, session

    for module, name in [(build, "site_pages"), (model, "build_index"), (session, "load_site")]:
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, __original=original, __name=name, **k: log.append(__name) or __original(*a, **k))


def test_a_sidecar_save_writes_its_page_before_any_whole_site_work(tmp_path, monkeypatch):
    """The saved article's page is written from the last load with the saved file read again: before the
    site's pages are listed or its content files are looked at; the index is updated, never made again."""
    from test_incremental import CHANGES, PLAIN, clean_build, edit

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    log: list[str] = []
    builder.on_page_written = lambda path: log.append(path)
    _counting(monkeypatch, log)
    for number, change in enumerate([CHANGES["sidecar"], lambda s: edit(s / "content/articles/plain-one.yaml", "troops", "soldiers")]):
        change(site)
        log.clear()
        assert builder.build({"content/articles/plain-one.yaml"}).ok
        assert log[0] == PLAIN, log
        # a claim's words: the last page list is kept (`pages.same_pages`), the index updated, never made again
        assert log.count("load_site") == 1 and "site_pages" not in log and "build_index" not in log, log
        assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / f"clean-{number}")


@pytest.mark.parametrize("missed", ["other sidecar", "person the page names", "new seed"])
def test_a_change_the_watcher_missed_is_read_in_the_same_build_after_the_saved_page(tmp_path, missed):
    """The quick look takes the saved file alone; the whole load after the saved page finds the rest, and
    the build starts again from it: the site equals a clean build, the saved page included."""
    from test_incremental import CHANGES, PLAIN, clean_build, edit

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    written: list[str] = []
    builder.on_page_written = written.append
    assert builder.build().ok
    CHANGES["sidecar"](site)
    if missed == "other sidecar":
        edit(site / "content/articles/markdown-two.yaml", "outlet:", "subtitle: A new subtitle\noutlet:")
    elif missed == "person the page names":
        edit(site / "content/people/sean-obrien.yaml", "role: Spokesperson", "role: Press secretary")
    else:
        (site / "seeds/zz-new.txt").write_text("A new report\n\nSullivan met Zelensky.\n", encoding="utf-8")
    rebuild = builder.build({"content/articles/plain-one.yaml"})
    assert rebuild.ok and PLAIN in written
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_quick_look_that_fails_is_not_the_last_word(tmp_path):
    """A save that breaks the saved file fails with the whole load's errors, and the next good save builds."""
    from test_incremental import CHANGES, clean_build, edit

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    good = read_tree(tmp_path / "live")
    edit(site / "content/articles/plain-one.yaml", "status: reported", "status: reportd")
    failed = builder.build({"content/articles/plain-one.yaml"})
    assert not failed.ok and [d.code for d in failed.errors] == ["unknown-status"], failed.errors
    assert read_tree(tmp_path / "live") == good
    edit(site / "content/articles/plain-one.yaml", "status: reportd", "status: reported")
    CHANGES["sidecar"](site)
    assert builder.build({"content/articles/plain-one.yaml"}).ok
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def _records_made_by_saves(folder: str, first_in_workers: bool) -> dict:
    """In a fresh process: a session's first build (in workers or not), then two saves, one rendered in
    the session's process and one in workers; which of data.json's records each made, and where."""
    from pathlib import Path

    from digest.pipeline import build
    from digest.pipeline.build import render_site
    from digest.render import site_reads
    from digest.views import topics

    from fresh import fork_workers
    from test_incremental import CHANGES, edit

    os.environ.pop(topics.CHECK_SCOPES, None)  # which records are made is counted: none made only to be checked
    fork_workers()
    build.PARALLEL_MINIMUM = 1 if first_in_workers else 300
    tmp_path = Path(folder)
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search=False)
    assert builder.build().ok
    report: dict = {"kept": sorted(builder.state.values), "session": os.getpid()}
    made = tmp_path / "made"
    originals = {name: getattr(site_reads, name) for name in ("article_record", "person_record", "claim_record", "event_record")}
    for name, original in originals.items():  # appended to a file: render workers make records too
        setattr(site_reads, name, lambda graph, key, __original=original: (made.open("a").write(f"{os.getpid()} {key}\n"), __original(graph, key))[1])
    build.PARALLEL_MINIMUM = 300  # the first save renders in the session's process
    CHANGES["sidecar"](site)
    assert builder.build({"content/articles/plain-one.yaml"}).ok
    report["in the session"] = made.read_text().splitlines()
    made.unlink()
    build.PARALLEL_MINIMUM = 1  # the second in workers
    edit(site / "content/articles/plain-one.yaml", "Russian troops will not", "Russian soldiers will not")
    assert builder.build({"content/articles/plain-one.yaml"}).ok
    report["in workers"] = made.read_text().splitlines()
    for name, original in originals.items():
        setattr(site_reads, name, original)
    report["same"] = (tmp_path / "live/data.json").read_bytes() == render_site(site).outputs["data.json"]
    return report


def test_saves_make_only_the_records_they_changed_wherever_the_last_build_rendered(tmp_path):
    """Render workers send back data.json's records (`Rendering.session`), and take those the
    session kept: a save makes again only the records of what it changed, the first after a build in
    workers too, and wherever data.json is rendered."""
    ran = {first: in_fresh_process(_records_made_by_saves, str(tmp_path / str(first)), first) for first in (True, False)}
    for report in ran.values():
        assert report["same"], "data.json has the bytes of a clean build"
        kept = report["kept"]
        assert len(kept) >= 10 and {key.partition(":")[0] for key in kept} == {"export-article", "export-person", "export-claim", "export-event"}
        for where in ("in the session", "in workers"):
            made = [tuple(line.split(" ", 1)) for line in report[where]]
            assert 0 < len(made) < len(kept) / 2, (where, made)
            assert len({key for _, key in made}) == len(made), f"a record made twice {where}: {made}"
        assert {line.split(" ")[0] for line in report["in the session"]} == {str(report["session"])}
    for where in ("in the session", "in workers"):
        assert sorted(line.split(" ", 1)[1] for line in ran[True][where]) == sorted(line.split(" ", 1)[1] for line in ran[False][where]), where


def test_pages_open_in_a_browser_are_made_first_and_written_as_soon_as_made(tmp_path, monkeypatch):
    """A template edit makes two claim pages again: the one open in a tab (`digest serve` names it) is made
    before the other and written at once (its tab reloads then), the rest of the site after; a page open
    that the edit does not change is neither made nor written; the site is a clean build's."""
    from digest.pipeline import build

    from test_incremental import CHANGES, PLAIN, clean_build

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    made: list[str] = []
    original = build.render_page
    monkeypatch.setattr(build, "render_page", lambda env, page, reader: (made.append(page.path), original(env, page, reader))[1])
    written: list[str] = []
    builder.on_page_written = written.append
    CHANGES["template"](site)
    viewed = "claims/talks-not-useful/index.html"
    other = "claims/no-winter-advance/index.html"
    rebuild = builder.build({"themes/default/templates/claim.html"}, {viewed, PLAIN})
    assert rebuild.ok
    assert made == [viewed, other], "the open page first; without a tab the site's order puts it second"
    assert written == [viewed], "written ahead of the build's other files"
    assert {viewed, other} <= set(rebuild.written) and PLAIN not in rebuild.written
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_page_open_in_a_browser_comes_right_after_the_saved_persons_own_page(tmp_path, monkeypatch):
    """A person edit makes the person's own page, then the pages that show them in reading order, each written
    as made (if changed); an article open in a tab goes before the others, wherever reading order would put it."""
    from test_incremental import clean_build, edit

    orders = {}
    for name, viewed in [("unviewed", None), ("viewed", "last")]:
        site = copy_site("basic", tmp_path / name)
        builder = SiteBuilder(site, tmp_path / name / "live")
        assert builder.build().ok
        written: list[str] = []  # delivered early, changed or not
        deliver = SiteBuilder._deliver
        monkeypatch.setattr(SiteBuilder, "_deliver", lambda self, path, *args, log=written, real=deliver: (log.append(path), real(self, path, *args))[1])
        edit(site / "content/people/jake-sullivan.yaml", "name: Jake Sullivan", "name: Jake Sullivan\nrole: National Security Advisor")
        tab = [[path for path in orders["unviewed"] if path.startswith("articles/")][-1]] if viewed else []
        assert builder.build({"content/people/jake-sullivan.yaml"}, tab).ok
        monkeypatch.setattr(SiteBuilder, "_deliver", deliver)
        orders[name] = written
        assert read_tree(tmp_path / name / "live") == clean_build(site, tmp_path / name / "clean")
    unviewed = orders["unviewed"]
    tab = [path for path in unviewed if path.startswith("articles/")][-1]
    assert unviewed[0] == "people/jake-sullivan/index.html" and unviewed.index(tab) > 1, unviewed
    assert orders["viewed"] == [unviewed[0], tab, *[path for path in unviewed[1:] if path != tab]]
