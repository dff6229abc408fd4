"""Faults of the machine during `digest build`: one line naming the path, exit 1, the old site untouched, no stage left.

No root tricks: each fault is injected by making one write step raise the
`OSError` the kernel would give (ENOSPC, EROFS, EACCES, ENAMETOOLONG). The
tests run as root, whom permissions do not stop, so read-only folders are
simulated by an unlink/rmdir that honours the folder's mode bits.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

import pytest

from digest.pipeline import write
from digest.search import index as search

from conftest import SITES, read_tree, run_cli
from fresh import fork_workers, in_fresh_process


@pytest.fixture
def built(tmp_path, monkeypatch) -> tuple[Path, Path, dict[str, bytes]]:
    """A copy of tests/sites/basic, built once into out/ (the previous site); the current folder is its parent."""
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    output = tmp_path / "out"
    first = run_cli("build", "--source", source, "--output", output)
    assert first.code == 0, first.err
    return source, output, read_tree(output)


def without_kept_tree(output: Path) -> None:
    """Delete the kept tree the first build left (`Stage` with ``keep_first``), so the next build stages afresh."""
    assert (output.parent / ".out.previous/site").is_dir()
    shutil.rmtree(output.parent / ".out.previous")


def rebuild(source: Path, output: Path):
    # A different base URL, so every page changes and the build cannot be skipped as up to date.
    return run_cli("build", "--source", source, "--output", output, "--base-url", "https://example.org/fault/")


def assert_clean_failure(result, output: Path, before: dict[str, bytes], shown: str, problem: str) -> None:
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    lines = [line for line in result.err_lines if line]
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"{shown}: error: "), lines[0]
    assert problem in lines[0], lines[0]
    assert lines[0].endswith(")"), "says what to do, in parentheses"
    assert read_tree(output) == before, "the previous site is untouched"
    assert [p.name for p in output.parent.iterdir() if ".stage-" in p.name] == [], "no stage left behind"


def oserror(code: int, filename: str | None = None) -> OSError:
    return OSError(code, os.strerror(code), filename)


class FailingFile:
    """What ``open`` gives on a full disk: opening works, writing fails."""

    def __init__(self, code: int):
        self.code = code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write(self, data):
        raise oserror(self.code)


FAULTS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENAMETOOLONG: "file name too long",
}


@pytest.mark.parametrize("code", sorted(FAULTS), ids=lambda c: errno.errorcode[c])
@pytest.mark.parametrize(("step", "kept"), [
    ("open", False), ("write", False), ("mkdir", False), ("exchange", False), ("stage", False),
    ("open", True), ("write", True), ("mkdir", True), ("exchange", True),
], ids=lambda value: {True: "kept-tree", False: "new-stage"}.get(value, value) if isinstance(value, bool) else value)
def test_a_fault_at_each_write_step_is_one_line_and_changes_nothing(built, monkeypatch, step, kept, code):
    """``kept``: the build brings the kept previous site up to date (a build before made one) instead of staging a new one."""
    source, output, before = built
    if kept:
        again = run_cli("build", "--source", source, "--output", output, "--base-url", "https://example.org/before/")
        assert again.code == 0 and (output.parent / ".out.previous/site").is_dir(), again.err
        before = read_tree(output)
    else:
        without_kept_tree(output)
    if step == "open":
        monkeypatch.setattr(write, "open", lambda *a, **k: (_ for _ in ()).throw(oserror(code)), raising=False)
        shown = "out/index.html"
    elif step == "write":
        monkeypatch.setattr(write, "open", lambda *a, **k: FailingFile(code), raising=False)
        shown = "out/index.html"
    elif step == "mkdir":
        real_place = write._place

        def place(stage, output_folder, rel, data):
            if "/" in rel:
                raise oserror(code, str(stage / rel))
            return real_place(stage, output_folder, rel, data)

        monkeypatch.setattr(write, "_place", place)
        shown = None
    elif step == "exchange":
        monkeypatch.setattr(write, "_renameat2_exchange", lambda first, second: (_ for _ in ()).throw(oserror(code, str(second))))
        shown = "out"
    else:
        monkeypatch.setattr(write.tempfile, "mkdtemp", lambda **k: (_ for _ in ()).throw(oserror(code, str(output.parent / ".out.stage-x"))))
        shown = str(output.parent)
    result = rebuild(source, output)
    if shown is None:  # the first page in a folder, whichever the build writes first
        shown = result.err_lines[0].partition(": error: ")[0] if result.err_lines else ""
        assert shown.startswith("out/") and not shown.startswith("out/."), result.err
    assert_clean_failure(result, output, before, shown, FAULTS[code])


def _rebuild_on_a_full_disk_with_workers(source: str, output: str, writers: str) -> tuple:
    """In a fresh process (see `fresh.py`): a rebuild rendered by forked workers onto a full disk,
    each process that tries to write the site noted in ``writers``."""
    fork_workers()

    def full_disk(*args, **kwargs):
        with open(writers, "a") as note:  # the real open: which process tried to write
            note.write(f"{os.getpid()}\n")
        return FailingFile(errno.ENOSPC)

    write.open = full_disk  # type: ignore[attr-defined]
    os.chdir(Path(output).parent)
    return rebuild(Path(source), Path(output)), os.getpid()


def test_a_full_disk_in_a_big_build_is_one_line_and_only_the_build_process_writes(built, tmp_path):
    """Big builds render in forked workers, which send pages back as bytes: the write stage alone writes."""
    source, output, before = built
    writers = tmp_path / "writers"
    result, builder = in_fresh_process(_rebuild_on_a_full_disk_with_workers, str(source), str(output), str(writers))
    line = result.err_lines[0] if result.err_lines else ""
    assert line.startswith("out/") and ": error: cannot write the site: no space left on the device" in line, result.err
    assert_clean_failure(result, output, before, line.partition(": error: ")[0], "no space left")
    assert set(writers.read_text().split()) == {str(builder)}, "only the build's own process writes the site"


def test_a_full_disk_while_writing_the_search_index_is_one_line(built, monkeypatch):
    source, output, before = built
    real_put = write.Stage.put

    def put(stage, rel, data, digest=None):
        if rel.startswith(search.BUNDLE):
            raise oserror(errno.ENOSPC, str(stage.folder / rel))
        real_put(stage, rel, data, digest)

    monkeypatch.setattr(write.Stage, "put", put)
    assert_clean_failure(rebuild(source, output), output, before, "out", "cannot write the search index: no space left")


@pytest.mark.skipif(search.pagefind_binary() is None, reason="Pagefind is not installed")
def test_a_search_index_cut_short_is_one_line(built, monkeypatch):
    """A bundle file that ends too soon (Pagefind short of memory or disk) must not crash the build."""
    source, output, before = built
    real_canonical = search.canonical_bundle

    def truncate_then_canonical(files):
        entry = "pagefind-entry.json"
        return real_canonical({**files, entry: files[entry][: len(files[entry]) // 2]})

    monkeypatch.setattr(search, "canonical_bundle", truncate_then_canonical)
    assert_clean_failure(rebuild(source, output), output, before, "out", "the search index came out cut short")


def test_the_output_parent_not_writable_is_one_line(built, monkeypatch):
    source, output, before = built
    without_kept_tree(output)
    monkeypatch.setattr(write.tempfile, "mkdtemp", lambda **k: (_ for _ in ()).throw(PermissionError(errno.EACCES, "Permission denied", str(output.parent / ".out.stage-x"))))
    result = rebuild(source, output)
    assert_clean_failure(result, output, before, str(output.parent), "cannot make the new site beside the output: permission denied")


# -- read-only folders: nothing left behind -----------------------------------------


def honour_folder_modes(monkeypatch) -> None:
    """Make unlink and rmdir fail in folders without write permission, as they do for anyone but root."""
    real_unlink, real_rmdir = os.unlink, os.rmdir

    def writable(path, dir_fd) -> bool:
        mode = os.fstat(dir_fd).st_mode if dir_fd is not None else os.stat(os.path.dirname(os.fspath(path)) or ".").st_mode
        return bool(mode & stat.S_IWUSR)

    def unlink(path, *, dir_fd=None):
        if not writable(path, dir_fd):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_unlink(path, dir_fd=dir_fd)

    def rmdir(path, *, dir_fd=None):
        if not writable(path, dir_fd):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_rmdir(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "rmdir", rmdir)


def make_read_only(folder: Path) -> None:
    for directory, _, _ in os.walk(folder, topdown=False):
        os.chmod(directory, 0o555)


def test_a_read_only_old_site_is_replaced_kept_and_then_updated(built, monkeypatch, tmp_path):
    """The old site (read-only folders, writable parent) is kept after the swap; the next build brings it up to
    date all the same, and publishes it with the folder modes of a new stage."""
    source, output, before = built
    make_read_only(output)
    honour_folder_modes(monkeypatch)
    result = rebuild(source, output)
    assert result.code == 0, result.err
    assert read_tree(output) != before
    assert [p.name for p in output.parent.iterdir() if ".stage-" in p.name] == []
    kept = output.parent / ".out.previous/site"
    assert read_tree(kept) == before, "the read-only old site is the kept tree"
    again = run_cli("build", "--source", source, "--output", output)  # the first base URL again: the kept tree's pages come back
    assert again.code == 0, again.err
    assert read_tree(output) == before
    assert "0 files written" not in again.out and "rendered" in again.out
    modes = {oct(os.stat(folder).st_mode & 0o777) for folder, _, _ in os.walk(output)}
    assert modes == {oct(0o755)}, "the published folders are readable by the web server, as a new stage's are"


def test_a_failed_build_over_a_read_only_old_site_leaves_nothing(built, monkeypatch):
    source, output, before = built
    make_read_only(output)
    honour_folder_modes(monkeypatch)
    monkeypatch.setattr(write, "_renameat2_exchange", lambda first, second: (_ for _ in ()).throw(oserror(errno.EROFS, str(second))))
    assert_clean_failure(rebuild(source, output), output, before, "out", "the file system is read-only")


def test_remove_tree_removes_folders_made_read_only(tmp_path, monkeypatch):
    honour_folder_modes(monkeypatch)
    folder = tmp_path / "stage"
    (folder / "a/b").mkdir(parents=True)
    (folder / "a/b/page.html").write_text("x")
    (folder / "top.html").write_text("x")
    make_read_only(folder)
    shutil.rmtree(folder, ignore_errors=True)
    assert folder.exists(), "the simulation stops rmtree as permissions stop a user"
    write.remove_tree(folder)
    assert not folder.exists()
