"""The atomic write: whole-site swaps, reuse of unchanged files, no leftovers."""

from __future__ import annotations

import errno
import os

import pytest

from conftest import read_tree
from digest import write
from digest.errors import MachineFault
from digest.write import remove_stale_stages, write_site


def leftovers(output):
    return [p.name for p in output.parent.iterdir() if ".stage-" in p.name]


def test_first_write_creates_the_site(tmp_path):
    out = tmp_path / "site"
    report = write_site(out, {"index.html": b"home", "a/index.html": b"a"})
    assert read_tree(out) == {"a/index.html": b"a", "index.html": b"home"}
    assert (report.written, report.unchanged, report.removed) == (2, 0, 0)
    assert leftovers(out) == []
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)


def test_rewrite_replaces_everything_and_reuses_unchanged_files(tmp_path):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"home", "old.html": b"gone", "same/index.html": b"same"})
    inode = (out / "same/index.html").stat().st_ino
    report = write_site(out, {"index.html": b"new home", "same/index.html": b"same"})
    assert read_tree(out) == {"index.html": b"new home", "same/index.html": b"same"}
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert (out / "same/index.html").stat().st_ino == inode, "unchanged file is hard-linked, not rewritten"
    assert leftovers(out) == []


def test_a_failure_while_staging_leaves_the_old_site(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"old"})

    def explode(stage, output, rel, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write, "_place", explode)
    with pytest.raises(MachineFault, match="no space left"):
        write_site(out, {"index.html": b"new"})
    assert read_tree(out) == {"index.html": b"old"}
    assert leftovers(out) == []


def test_stale_stages_from_a_killed_build_are_removed(tmp_path):
    out = tmp_path / "site"
    stale = tmp_path / ".site.stage-abc123"
    (stale / "x").mkdir(parents=True)
    unrelated = tmp_path / ".other.stage-abc"
    unrelated.mkdir()
    write_site(out, {"index.html": b"x"})
    assert not stale.exists()
    assert unrelated.exists(), "only this output's stages are touched"
    remove_stale_stages(tmp_path / "missing" / "site")


def test_exchange_is_one_step(tmp_path):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"one"})
    before = os.stat(out).st_ino
    write_site(out, {"index.html": b"two"})
    assert os.stat(out).st_ino != before, "the folder itself was swapped"
    assert (out / "index.html").read_bytes() == b"two"
