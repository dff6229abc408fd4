"""Watch mode's search index, redone in a background thread after the pages are written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import copy_site, read_tree, run_cli
from digest import search
from digest.session import SearchUpdate, SiteBuilder

SIDECAR = "content/articles/plain-one.yaml"
CLAIM_TEXT = "The talks were not useful."


def clean_build(site: Path, out: Path) -> dict[str, bytes]:
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    return read_tree(out)


def edit(site: Path, new: str) -> None:
    sidecar = site / SIDECAR
    sidecar.write_text(sidecar.read_text().replace(CLAIM_TEXT, new))


def test_pages_come_first_then_the_index_and_the_site_equals_a_clean_build(tmp_path):
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search_in_background=True)
    updates: list[SearchUpdate] = []
    builder.on_search_update = updates.append
    try:
        assert builder.build().ok
        index_before = {p: d for p, d in read_tree(tmp_path / "live").items() if p.startswith("pagefind/")}
        edit(site, "The talks were pointless.")
        rebuild = builder.build({SIDECAR})
        assert rebuild.ok
        assert not any(p.startswith("pagefind/") for p in rebuild.written), "the build itself leaves the index alone"
        assert {p: d for p, d in read_tree(tmp_path / "live").items() if p.startswith("pagefind/")} == index_before
        assert builder.wait_for_search(60)
        assert [u.ok for u in updates] == [True] and updates[0].written
        assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".digest-search-")], "the snapshot of the pages is removed"
        again = builder.build({SIDECAR})
        assert again.ok and again.written == []
        assert builder.wait_for_search(60) and len(updates) == 1, "nothing changed: no index run"
    finally:
        builder.close()


def test_a_newer_build_cancels_the_index_being_made_and_only_the_newest_is_written(tmp_path, monkeypatch):
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search_in_background=True)
    updates: list[SearchUpdate] = []
    builder.on_search_update = updates.append
    started, release = threading.Event(), threading.Event()
    real_index_folder = search.index_folder
    runs: list[str] = []

    def slow_index_folder(folder, records, cancel=None):
        runs.append("run")
        if len(runs) == 1:  # hold the first run until a second build has asked for a newer index
            started.set()
            release.wait(30)
            if cancel is not None and cancel.is_set():
                raise search.IndexCancelled("cancelled")
        return real_index_folder(folder, records, cancel)

    try:
        assert builder.build().ok
        monkeypatch.setattr(search, "index_folder", slow_index_folder)
        edit(site, "The talks were pointless.")
        assert builder.build({SIDECAR}).ok
        assert started.wait(30)
        edit(site, "The talks were fruitless.")
        assert builder.build({SIDECAR}).ok
        release.set()
        assert builder.wait_for_search(60)
        assert len(runs) == 2 and len(updates) == 1 and updates[0].ok
        assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")
    finally:
        builder.close()


def test_an_index_failure_is_reported_and_the_last_index_stays(tmp_path, monkeypatch):
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search_in_background=True)
    updates: list[SearchUpdate] = []
    builder.on_search_update = updates.append
    try:
        assert builder.build().ok
        before = {p: d for p, d in read_tree(tmp_path / "live").items() if p.startswith("pagefind/")}

        def broken(folder, records, cancel=None):
            raise search.SearchIndexError("the Pagefind indexer failed (exit 1): boom")

        monkeypatch.setattr(search, "index_folder", broken)
        edit(site, "The talks were pointless.")
        assert builder.build({SIDECAR}).ok
        assert builder.wait_for_search(60)
        assert [(u.ok, u.error) for u in updates] == [(False, "the Pagefind indexer failed (exit 1): boom")]
        assert {p: d for p, d in read_tree(tmp_path / "live").items() if p.startswith("pagefind/")} == before
    finally:
        builder.close()


def test_cancelling_stops_the_indexer_process(tmp_path):
    """The real indexer, cancelled soon after it starts: it stops at once, leaving nothing behind."""
    import pytest

    site = tmp_path / "site"
    for number in range(600):
        page = site / f"p{number}/index.html"
        page.parent.mkdir(parents=True)
        words = " ".join(f"w{number}x{i}" for i in range(2000))
        page.write_text(f"<html><body data-pagefind-body><p>{words}</p></body></html>")
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(search.IndexCancelled):
            search.index_folder(site, (), cancel)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 3
    assert not (site / "pagefind").exists() and not (site / search.RECORDS).exists()
