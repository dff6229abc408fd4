"""The atomic write: whole-site swaps, reuse of unchanged files, no leftovers."""

from __future__ import annotations

import errno
import os

import pytest

from digest.errors import MachineFault, OutputError
from digest.pipeline import write
from digest.pipeline.write import OWNER_MARK, OWNER_NOTE, remove_stale_stages, write_site

from conftest import read_tree

MARK = {OWNER_MARK: OWNER_NOTE}


def leftovers(output):
    return [p.name for p in output.parent.iterdir() if ".stage-" in p.name]


def test_first_write_creates_the_site(tmp_path):
    out = tmp_path / "site"
    report = write_site(out, {"index.html": b"home", "a/index.html": b"a"})
    assert read_tree(out) == {"a/index.html": b"a", "index.html": b"home"} | MARK
    assert (report.written, report.unchanged, report.removed) == (2, 0, 0)
    assert leftovers(out) == []
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)


def test_rewrite_replaces_everything_and_reuses_unchanged_files(tmp_path):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"home", "old.html": b"gone", "same/index.html": b"same"})
    inode = (out / "same/index.html").stat().st_ino
    report = write_site(out, {"index.html": b"new home", "same/index.html": b"same"})
    assert read_tree(out) == {"index.html": b"new home", "same/index.html": b"same"} | MARK
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
    assert read_tree(out) == {"index.html": b"old"} | MARK
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


def test_a_folder_of_someone_elses_is_never_replaced(tmp_path):
    out = tmp_path / "docs"
    (out / "sub").mkdir(parents=True)
    (out / "important.txt").write_bytes(b"mine")
    (out / "sub" / "thesis.tex").write_bytes(b"also mine")
    with pytest.raises(OutputError) as refused:
        write_site(out, {"index.html": b"site"})
    assert "2 files digest did not write (important.txt, sub/thesis.tex)" in refused.value.message
    assert "--clean" in refused.value.message
    assert read_tree(out) == {"important.txt": b"mine", "sub/thesis.tex": b"also mine"}
    assert leftovers(out) == []


def test_clean_replaces_a_folder_of_someone_elses_when_told(tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "important.txt").write_bytes(b"mine")
    report = write_site(out, {"index.html": b"site"}, clean=True)
    assert read_tree(out) == {"index.html": b"site"} | MARK
    assert report.removed == 1


@pytest.mark.parametrize("existing", [{}, {"index.html": b"an older site of the same pages"}])
def test_a_folder_whose_files_the_new_site_replaces_is_taken_over(tmp_path, existing):
    """An empty folder, or a site of a digest from before the mark: nothing but its own files goes."""
    out = tmp_path / "site"
    out.mkdir()
    for rel, data in existing.items():
        (out / rel).write_bytes(data)
    write_site(out, {"index.html": b"new"})
    assert read_tree(out) == {"index.html": b"new"} | MARK


def test_digest_replaces_its_own_site_whole(tmp_path):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"one", "gone.html": b"a page since deleted"})
    report = write_site(out, {"index.html": b"two"})
    assert read_tree(out) == {"index.html": b"two"} | MARK
    assert report.removed == 1


@pytest.mark.parametrize("make", [
    lambda path: path.write_bytes(b"a file"),
    lambda path: os.mkfifo(path),
], ids=["regular-file", "fifo"])
def test_an_output_that_is_not_a_folder_is_refused(tmp_path, make):
    out = tmp_path / "a-file.txt"
    make(out)
    with pytest.raises(OutputError) as refused:
        write_site(out, {"index.html": b"site"}, clean=True)
    assert "is not a folder" in refused.value.message
    assert not out.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file.txt"]


def test_a_symlinked_output_is_followed_and_swapped_at_its_target(tmp_path):
    target = tmp_path / "elsewhere"
    link = tmp_path / "site"
    link.symlink_to(target)
    write_site(link, {"index.html": b"one"})
    write_site(link, {"index.html": b"two"})
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert (target / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "site"], "no stage or link left behind"


def test_a_symlink_to_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_bytes(b"notes")
    link = tmp_path / "site"
    link.symlink_to(tmp_path / "notes.txt")
    with pytest.raises(OutputError) as refused:
        write_site(link, {"index.html": b"site"})
    assert "is a link to" in refused.value.message
    assert (tmp_path / "notes.txt").read_bytes() == b"notes"


def test_a_symlink_left_as_a_stage_by_older_versions_is_removed_without_touching_its_target(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_bytes(b"keep")
    (tmp_path / ".site.stage-old123").symlink_to(target)
    write_site(tmp_path / "site", {"index.html": b"x"})
    assert not (tmp_path / ".site.stage-old123").is_symlink()
    assert (target / "keep.txt").read_bytes() == b"keep"


def test_the_old_site_is_swapped_out_then_removed_by_a_thread_the_caller_can_wait_for(tmp_path):
    from digest.pipeline.write import Stage

    out = tmp_path / "site"
    write_site(out, {"index.html": b"one", "a/b/old.html": b"old"})
    stage = Stage(out)
    stage.put("index.html", b"two")
    report = stage.commit()
    assert read_tree(out) == {"index.html": b"two"} | MARK, "the new site is in place as soon as the commit returns"
    assert report.removal is not None
    report.removal.wait()
    assert leftovers(out) == []
    assert report.removed == 1


def test_carrying_files_makes_each_stage_folder_once(tmp_path, monkeypatch):
    """An edit of a big site carries tens of thousands of files: one mkdir per folder, not per file."""
    from digest.pipeline.write import Stage

    out = tmp_path / "site"
    files = {f"{folder}/page-{number}/index.html": b"page" for folder in ("articles", "people", "claims") for number in range(20)}
    write_site(out, files)
    made: list[str] = []
    real_makedirs = os.makedirs
    monkeypatch.setattr(write.os, "makedirs", lambda path, *a, **k: made.append(path) or real_makedirs(path, *a, **k))
    stage = Stage(out)
    for rel in files:
        assert stage.carry(rel)
    assert len(made) == len(set(made)) == len(files) + 3, "each page's folder and the three above them, each made once"
    assert not stage.carry("articles/gone/index.html"), "a file the live site does not have is reported, not raised"
    report = stage.commit()
    report.removal.wait()
    assert read_tree(out) == files | MARK
