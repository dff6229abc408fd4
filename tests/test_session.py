"""Watch mode and the dev server under faults of the machine: a failed build of one line, the last good site kept.

`SiteBuilder` is what `digest watch` and `digest serve` rebuild with; its
`Rebuild` diagnostics are what both print and what the server's overlay shows.
"""

from __future__ import annotations

import errno
import os

from digest.live.watch import safe_build
from digest.pipeline import write
from digest.pipeline.session import SiteBuilder

from conftest import copy_site, read_tree


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
