"""The build stages as a whole: parallel rendering gives the bytes of a single-process build."""

from __future__ import annotations

import pytest

import digest.build
from conftest import REPO, copy_site, read_tree
from digest.build import render_site
from digest.session import SiteBuilder


@pytest.mark.parametrize("site", ["demo", "basic"])
def test_parallel_rendering_gives_the_same_bytes_and_records(site, tmp_path, monkeypatch):
    root = copy_site(site, tmp_path) if site == "basic" else REPO
    serial = render_site(root)
    monkeypatch.setattr(digest.build, "PARALLEL_MINIMUM", 1)
    parallel = render_site(root)
    assert parallel.outputs == serial.outputs
    assert parallel.state.pages == serial.state.pages
    assert parallel.state.fingerprints == serial.state.fingerprints


def test_a_session_after_a_parallel_first_build_rebuilds_incrementally(tmp_path, monkeypatch):
    monkeypatch.setattr(digest.build, "PARALLEL_MINIMUM", 1)
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search=False)
    assert builder.build().ok
    again = builder.build()
    assert again.ok and again.rendered == [] and again.written == []
    assert read_tree(tmp_path / "live")
