"""Watch mode's search index, redone in a background thread after the pages are written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from digest.pipeline.session import SearchUpdate, SiteBuilder
from digest.search import index as search

from conftest import copy_site, read_tree, run_cli

SIDECAR = "content/articles/plain-one.yaml"
CLAIM_TEXT = "The talks were not useful."


def clean_build(site: Path, out: Path) -> dict[str, bytes]:
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    return read_tree(out)


def edit(site: Path, new: str) -> None:
    sidecar = site / SIDECAR
    sidecar.write_text(sidecar.read_text().replace(CLAIM_TEXT, new))


def search_files(output: Path) -> dict[str, bytes]:
    return {path: data for path, data in read_tree(output).items() if path.startswith("pagefind/")}


@pytest.fixture
def live(tmp_path):
    """The basic site built once by a builder that indexes in the background; (site, builder, updates)."""
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search_in_background=True)
    updates: list[SearchUpdate] = []
    builder.on_search_update = updates.append
    assert builder.build().ok
    try:
        yield site, builder, updates
    finally:
        builder.close()


def test_pages_come_first_then_the_index_and_the_site_equals_a_clean_build(live, tmp_path):
    site, builder, updates = live
    index_before = search_files(tmp_path / "live")
    edit(site, "The talks were pointless.")
    rebuild = builder.build({SIDECAR})
    assert rebuild.ok
    assert not any(p.startswith("pagefind/") for p in rebuild.written), "the build itself leaves the index alone"
    assert search_files(tmp_path / "live") == index_before
    assert builder.wait_for_search(60)
    assert [u.ok for u in updates] == [True] and updates[0].written
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".digest-search-")], "the snapshot of the pages is removed"
    again = builder.build({SIDECAR})
    assert again.ok and again.written == []
    assert builder.wait_for_search(60) and len(updates) == 1, "nothing changed: no index run"


def test_a_newer_build_cancels_the_index_being_made_and_only_the_newest_is_written(live, tmp_path, monkeypatch):
    site, builder, updates = live
    started, release = threading.Event(), threading.Event()
    real_index_shard = search.index_shard
    runs: list[str] = []

    def slow_index_shard(pages, records, language, cancel=None):
        runs.append("run")
        if len(runs) == 1:  # hold the first run until a second build has asked for a newer index
            started.set()
            release.wait(30)
            if cancel is not None and cancel.is_set():
                raise search.IndexCancelled("cancelled")
        return real_index_shard(pages, records, language, cancel)

    monkeypatch.setattr(search, "index_shard", slow_index_shard)
    edit(site, "The talks were pointless.")
    assert builder.build({SIDECAR}).ok
    assert started.wait(30)
    edit(site, "The talks were fruitless.")
    assert builder.build({SIDECAR}).ok
    release.set()
    assert builder.wait_for_search(60)
    assert len(runs) >= 2 and len(updates) == 1 and updates[0].ok, "the first index was dropped, the newest written"
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_an_index_failure_is_reported_and_the_last_index_stays(live, tmp_path, monkeypatch):
    site, builder, updates = live
    before = search_files(tmp_path / "live")

    def broken(pages, records, language, cancel=None):
        raise search.SearchIndexError("the Pagefind indexer failed (exit 1): boom")

    monkeypatch.setattr(search, "index_shard", broken)
    edit(site, "The talks were pointless.")
    assert builder.build({SIDECAR}).ok
    assert builder.wait_for_search(60)
    assert [(u.ok, u.error) for u in updates] == [(False, "the Pagefind indexer failed (exit 1): boom")]
    assert search_files(tmp_path / "live") == before


def test_cancelling_stops_the_indexer_process(tmp_path):
    """The real indexer, cancelled soon after it starts: it stops at once, leaving nothing behind."""
    pages = []
    for number in range(600):
        words = " ".join(f"w{number}x{i}" for i in range(2000))
        pages.append((f"p{number}/index.html", f"<html><body data-pagefind-body><p>{words}</p></body></html>".encode()))
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(search.IndexCancelled):
            search.index_shard(pages, (), "en", cancel)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 3
