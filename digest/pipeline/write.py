"""Write a whole site atomically (the write stage: the only one that touches the output).

The new site is staged in a hidden folder beside the output, reusing (hard
linking) every file whose bytes did not change, and then swapped with the
old one in a single ``renameat2(RENAME_EXCHANGE)`` call: a reader, or a
crash, sees the old site or the new one, never a mix. The old site is then
kept beside the output (`previoussite.py`; a first build keeps hard links of
its own site there), and the next build whose saved
state describes the live site brings that tree up to date, touching only
the files that differ, and swaps it in the same way: an edit costs what it
changed, not a folder of 67,000 hard links and the removal of another. A
stage left behind by a killed build is removed by the next one; a kept tree
a build was updating when it was killed is simply updated again.

The swap replaces the whole output folder, so it must never take over a
folder of someone else's: the first build into a folder that is not empty
and carries no `OWNER_MARK` (the file digest leaves in every site it
writes) is refused if it would remove a file digest did not write, unless
the caller says ``clean``. An output that is a symbolic link is followed,
and the swap happens at its target; anything there but a folder is refused.

Under faults of the machine (disk full, read-only file system, permission
denied, name too long) every write step raises a `MachineFault` naming the
file or folder, a new stage is removed (even where the old site's folders
were made read-only), and the output is left as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import os
import shutil
import signal
import stat
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from digest.errors import OutputError, machine_fault
from digest.pipeline.buildstate import digest_bytes
from digest.pipeline.previoussite import Listing, LiveFiles, kept_tree, list_tree, make_previous_folder
from digest.pipeline.workers import may_fork, parent_death_signal

_T = TypeVar("_T")

STAGE_MARKER = ".stage-"
OWNER_MARK = ".digest-site"
"""A file in every site digest writes: the folder is digest's to replace."""
OWNER_NOTE = b"This folder is written by digest (a static-site generator): each build replaces it whole.\n"


FORKED_TREE_WORK = 5_000
"""Files in a site from which the tree work after its swap runs in a forked process instead of a thread."""


class OldSiteRemoval:
    """Old trees (a kept tree a new stage replaced), being removed beside the command; or
    the kept tree of a first build, being made (`Stage` with ``keep_first``).

    Removing a big site is thousands of ``unlink`` and ``rmdir`` calls (at
    10,000 articles 67,000 files in 29,000 folders, 1.5 to 3.5 s), and so
    is linking one; they wait on the disk, not on Python, so they run while
    the command goes on to save its state. For a site of `FORKED_TREE_WORK`
    files or more they run in a forked process (where forking is safe:
    `workers.may_fork`): in a thread, each call waited for the interpreter
    lock again behind the state's save, which holds it for seconds, so the
    67,000 links of a first build at 10,000 articles took up to 23 s instead
    of 4 s of the kernel's time, and the command waited for them after its
    save. Either way the command waits for the work before it ends (a thread
    is not a daemon; a process is waited for, and dies with the command if
    that is killed: `workers.parent_death_signal`). If the command is killed
    first, what is left is named as a stage folder, which the next build
    removes."""

    def __init__(self, folders: list[Path], then: Callable[[], None] | None = None, files: int = 0):
        self.thread: threading.Thread | None = None
        self.pid: int | None = None
        if files >= FORKED_TREE_WORK and may_fork():
            self.pid = os.fork()
            if self.pid == 0:
                _tree_work_in_child(folders, then)
        else:
            self.thread = threading.Thread(target=_remove_trees, args=(folders, then), name="digest-old-site-removal")
            self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
        elif self.pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None


def _tree_work_in_child(folders: list[Path], then: Callable[[], None] | None) -> None:
    """`_remove_trees` in the forked process, which then ends without running anything of its parent's
    (exit handlers, buffers). It collects no garbage: a collection would walk, and so copy, the parent's
    whole heap. Ctrl-C (sent to the whole process group) is the parent's to act on; the work finishes."""
    code = 1
    try:
        gc.disable()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        parent_death_signal(signal.SIGKILL)
        _remove_trees(folders, then)
        code = 0
    except BaseException:  # noqa: BLE001 - shown as a thread's would be, then the process ends
        traceback.print_exc()
    finally:
        os._exit(code)


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: int
    """Files whose bytes are new or changed."""
    unchanged: int
    removed: int
    """Files of the live site the new one lacks (when the stage was given `LiveFiles`: of those the saved state describes)."""
    removal: OldSiteRemoval | None = field(default=None, compare=False)
    """The removal of a tree the build replaced, still going on when the write returns (`OldSiteRemoval.wait`)."""
    operations: int = 0
    """Files created, hard-linked or deleted in the tree swapped in: every file for a new stage, the
    files that differ when a kept tree is brought up to date (`Stage`)."""
    site: Mapping[str, tuple[int, int]] | None = field(default=None, compare=False)
    """Each file of the site swapped in: (size, modification time in ns), for the no-change record
    (`buildcache.remember`); None if the stage could not tell."""


def stage_prefix(output: Path) -> str:
    return f".{output.name}{STAGE_MARKER}"


def remove_stale_stages(output: Path) -> None:
    """Delete stages a killed build left beside the output.

    A symbolic link among them is what older versions left of a symlinked
    output: removing the link leaves its target alone."""
    parent = output.parent
    if not parent.is_dir():
        return
    for leftover in parent.glob(stage_prefix(output) + "*"):
        if leftover.is_symlink():
            leftover.unlink()
        elif leftover.is_dir():
            remove_tree(leftover)


def _remove_trees(folders: list[Path], then: Callable[[], None] | None = None) -> None:
    for folder in folders:
        if os.path.lexists(folder):
            remove_tree(folder)
    if then is not None:
        then()


def remove_tree(folder: Path) -> None:
    """Delete a folder digest made, even one holding read-only folders; never raises.

    After a swap the stage holds the old site, whose folders the user may
    have made read-only: plain ``rmtree`` then leaves them behind. Their
    owner may always make them writable again, so retry after doing that.
    """
    failed: list[str] = []
    shutil.rmtree(folder, onerror=lambda function, path, info: failed.append(path))
    if failed and os.path.lexists(folder):
        _make_writable(str(folder))
        shutil.rmtree(folder, ignore_errors=True)


def _make_writable(folder: str, mode: int = stat.S_IRWXU) -> None:
    """Give ``folder`` and every folder under it (not following links) ``mode``: at least the owner's full access."""
    pending = [folder]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            os.chmod(current, mode)
        try:
            with os.scandir(current) as entries:
                pending.extend(entry.path for entry in entries if entry.is_dir(follow_symlinks=False))
        except OSError:
            continue


@contextlib.contextmanager
def output_faults(path: Path, doing: str) -> Iterator[None]:
    """Turn an OS error in the block into a `MachineFault` about ``path``."""
    try:
        yield
    except OSError as exc:
        raise machine_fault(exc, path, doing) from exc


def output_target(output: Path) -> Path:
    """Where a site for ``output`` really goes: through symbolic links, and only ever a folder.

    Raises `OutputError` for anything that exists there and is not a folder
    (a regular file, a socket...): replacing it would hide or destroy it."""
    target = Path(os.path.realpath(output.absolute()))
    if target.exists() and not target.is_dir():
        what = "is not a folder" if target == output.absolute() else f"is a link to {target}, which is not a folder"
        raise OutputError(output, f"the output {what}; choose a folder for the site, or move the file away (nothing was written)")
    return target


def foreign_files(output: Path, keeping: set[str]) -> list[str]:
    """Files in ``output`` that a swap would remove although digest may not have written them.

    A folder with digest's `OWNER_MARK` is digest's own. Without it (a new
    folder, someone's folder, or a site of a digest before the mark) only
    files the new site replaces are known to be safe to remove."""
    if not output.is_dir() or (output / OWNER_MARK).is_file():
        return []
    return sorted(_list_files(output) - keeping)


def write_site(
    output: Path, files: dict[str, bytes], clean: bool = False, previous: Mapping[str, bytes] | None = None,
    live: LiveFiles | None = None, keep_first: bool = False,
) -> WriteReport:
    """Replace ``output`` with exactly ``files`` (site-relative path -> bytes).

    ``previous``, ``live`` and ``keep_first``: see `Stage`."""
    with output_faults(output.parent, "cannot make the new site beside the output"):
        stage = Stage(output, clean, previous, live, keep_first)
    try:
        for rel, data in sorted(files.items()):
            stage.put(rel, data)
        report = stage.commit()
    except BaseException:
        stage.discard()
        raise
    if report.removal is not None:
        report.removal.wait()
    return report


class Stage:
    """A new site put together file by file beside the output, then swapped in whole.

    A full build streams its pages here as they are rendered, so it never
    holds the whole site in memory. Only the build's own process writes
    here: render workers send their pages back as bytes.

    Two ways, one result. Given ``previous`` (the digest of every file of
    the live site, from a saved state that was checked against it) and a
    kept tree beside the output (`previoussite.py`), the stage *is* that
    tree, brought up to date: a file that is the live site's inode and holds
    the bytes wanted stays, any other is replaced (a hard link of the live
    file when the bytes are the live site's, else written), and files the new
    site lacks are deleted; the work is the files that differ. Otherwise the
    stage is a new folder, filled with every file. Either way the commit
    swaps it in whole, and the tree swapped out is kept for the next build.

    ``live``: the live site's files as the load of the saved state checked them (each
    one's inode and stat, `previoussite.LiveFiles`), so the live site is not listed, and
    the (size, modification time) of each file the new site takes from it is known without
    a ``stat`` (`WriteReport.site`).
    ``keep_first``: when there was no site before (a first build), make the kept tree anyway,
    hard links of the new site's files made by a thread after the swap, so that the next
    build (`digest build` after an edit) updates it rather than staging the whole site.
    """

    def __init__(
        self, output: Path, clean: bool = False, previous: Mapping[str, bytes] | None = None,
        live: LiveFiles | None = None, keep_first: bool = False,
    ):
        self.requested = output
        self.output = output_target(output)
        self.clean = clean
        """Replace the output even if it holds files digest did not write."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_stages(self.output)
        self.paths: set[str] = set()
        self.written = self.unchanged = self.operations = 0
        self.previous: Mapping[str, bytes] = previous or {}
        self.keep_first = keep_first
        self.live_stats: Mapping[str, tuple[int, int]] = live.stats if live is not None else {}
        """What each live file's (size, modification time) was when the load checked it."""
        self.site: dict[str, tuple[int, int]] | None = {}
        """Each file of the stage: (size, modification time), see `WriteReport.site`; None once one is unknown."""
        self.update = _open_kept_tree(self.output, live.inodes if live is not None else None) if previous is not None else None
        """The kept tree being brought up to date, or None: a new stage folder."""
        if self.update is not None:
            self.folder = self.update.tree
            self.folders = set(self.update.kept.folders)
        else:
            self.folder = Path(tempfile.mkdtemp(prefix=stage_prefix(self.output), dir=self.output.parent))
            os.chmod(self.folder, 0o755)
            self.folders = {""}
            """Folders that exist in the stage (site-relative): each is made once, not tried again for every file in it."""

    def _make_parent(self, rel: str) -> None:
        parent = rel.rpartition("/")[0]
        if parent not in self.folders:
            try:
                os.makedirs(os.path.join(self.folder, parent), exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                if self.update is None:
                    raise
                self.update.clear_files_above(parent)  # a file of the old site where the new one has a folder
                os.makedirs(os.path.join(self.folder, parent), exist_ok=True)
            while parent not in self.folders:
                self.folders.add(parent)
                parent = parent.rpartition("/")[0]

    def put(self, rel: str, data: bytes, digest: bytes | None = None) -> None:
        """Put one file in the stage, hard-linking the live site's copy when it holds the same bytes.

        ``digest``: the file's `digest_bytes`, if the caller has it. Raises `MachineFault` for an OS error."""
        with output_faults(self.output / rel, "cannot write the site"):
            if self.update is not None:
                self._update(rel, data, digest if digest is not None else digest_bytes(data))
                return
            if rel in self.paths:  # never write through a hard link into the live site
                (self.folder / rel).unlink(missing_ok=True)
            self._make_parent(rel)
            self._count(rel, _place(self.folder, self.output, rel, data))

    def _update(self, rel: str, data: bytes, digest: bytes) -> None:
        """`put` into the kept tree: its file stays if it is the live one and the bytes are the live ones."""
        assert self.update is not None
        same = self.previous.get(rel) == digest
        if same and rel in self.update.current and rel not in self.paths:
            self._count(rel, True, touched=False)
            return
        self.update.writable(functools.partial(self._replace, rel, data, same))

    def _replace(self, rel: str, data: bytes, link: bool) -> None:
        """Replace a kept tree's file by a new one: a hard link of the live file (``link``: it holds ``data``), else ``data`` written."""
        assert self.update is not None
        self.update.clear(rel)
        self._make_parent(rel)
        if link:
            try:
                os.link(os.path.join(self.output, rel), os.path.join(self.folder, rel))
                self._count(rel, True)
                return
            except FileNotFoundError:
                pass
        self._count(rel, _place(self.folder, self.output, rel, data))

    def _count(self, rel: str, reused: bool, touched: bool = True) -> None:
        """Count a file put in the stage; ``reused``: it is the live site's file (its inode)."""
        self.paths.add(rel)
        if reused:
            self.unchanged += 1
        else:
            self.written += 1
        self._note(rel, reused)
        if touched:
            self.operations += 1
            _crash_point("staging")

    def carry(self, rel: str) -> bool:
        """Take a file the build did not make again from the live site (a hard link); False if it is gone.

        On plain strings, with each folder made once: an edit of a big site
        carries tens of thousands of files (67,000 at 10,000 articles), and a
        kept tree already holds nearly all of them."""
        if self.update is not None and rel in self.update.current and rel not in self.paths:
            self._count(rel, True, touched=False)
            return True
        try:
            if self.update is not None:
                self.update.writable(functools.partial(self.update.clear, rel))
            self._make_parent(rel)
            os.link(os.path.join(self.output, rel), os.path.join(self.folder, rel))
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) and not os.path.lexists(os.path.join(self.output, rel)):
                return False
            raise machine_fault(exc, self.output / rel, "cannot write the site") from exc
        self._count(rel, True)
        return True

    def carry_all(self, rels: list[str]) -> list[str]:
        """`carry` each of ``rels``; those gone from the live site, in order.

        The files a kept tree holds up to date (the live site's inode: nearly all of an edit's 67,000
        at 10,000 articles) are counted by set operations, not one call each; the others are carried one by one."""
        update = self.update
        fast: set[str] = set()
        if update is not None:
            fast = (set(rels) & update.current) - self.paths
            self.paths |= fast
            self.unchanged += len(fast)
            if self.site is not None:
                stats = self.live_stats
                self.site.update((rel, stats[rel]) for rel in fast & stats.keys())
                for rel in fast - stats.keys():
                    self._note(rel, True)
        return [rel for rel in rels if rel not in fast and not self.carry(rel)]

    def _note(self, rel: str, live: bool) -> None:
        """Record the (size, modification time) of the stage's file ``rel``: the live file's as listed
        when it is that file (``live``: the same inode), else from a ``stat`` (a file this build wrote)."""
        if self.site is None:
            return
        seen = self.live_stats.get(rel) if live else None
        if seen is None:
            try:
                stat = os.stat(os.path.join(self.folder, rel))
            except OSError:
                self.site = None
                return
            seen = (stat.st_size, stat.st_mtime_ns)
        self.site[rel] = seen

    def read(self, rel: str) -> bytes:
        return (self.folder / rel).read_bytes()

    def commit(self) -> WriteReport:
        """Swap the stage in as the output; the old site is kept beside it for the next build (`previoussite.py`).

        Refuses (`OutputError`) to remove files of a folder that is not
        digest's own, unless the stage was made with ``clean``. A kept tree
        this build did not use is removed by a thread that may still run
        (`WriteReport.removal`)."""
        foreign = [] if self.clean else foreign_files(self.output, self.paths)
        if foreign:
            listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            files = "1 file" if len(foreign) == 1 else f"{len(foreign)} files"
            raise OutputError(
                self.requested,
                f"the output folder holds {files} digest did not write ({listed}), and a build replaces the whole "
                "folder; choose an empty or new folder, or pass --clean to replace it (nothing was written)",
            )
        with output_faults(self.output / OWNER_MARK, "cannot write the site"):
            self._mark()
        if self.update is not None:
            with output_faults(self.output, "cannot remove a page of the old site"):
                self.operations += self.update.writable(functools.partial(self.update.remove_all_but, self.paths))
            removed = len(self.update.live.keys() - self.paths)
        else:
            removed = len(_list_files(self.output) - self.paths)
        had_site = self.output.exists()
        _crash_point("staged")
        with output_faults(self.output, "cannot swap in the new site"):
            _exchange(self.folder, self.output)
        _crash_point("exchanged")
        removal = None if self.update is not None else self._keep_old_site(had_site)
        site = self.site if self.site is not None and len(self.site) == len(self.paths) else None
        return WriteReport(self.written, self.unchanged, removed, removal, self.operations, site)

    def _mark(self) -> None:
        """Digest's `OWNER_MARK` in the new site: a kept tree's own copy stays if it holds the note."""
        self.paths.add(OWNER_MARK)
        if self.update is not None and OWNER_MARK in self.update.kept.files:
            if (self.folder / OWNER_MARK).read_bytes() == OWNER_NOTE:
                self._note(OWNER_MARK, False)
                return
            self.update.writable(functools.partial(self.update.clear, OWNER_MARK))
        (self.folder / OWNER_MARK).write_bytes(OWNER_NOTE)
        self._note(OWNER_MARK, False)

    def _keep_old_site(self, had_site: bool) -> OldSiteRemoval | None:
        """After a new stage's swap: keep the old site as the kept tree, and remove the one it replaces.

        Killed in between, what is left is named as a stage, which the next
        build removes (and then stages afresh: there is no kept tree)."""
        if not had_site:  # a first build: the stage is the empty folder the swap left
            if self.keep_first:
                return OldSiteRemoval([], functools.partial(_keep_first_site, self.output, sorted(self.paths), self.folder), len(self.paths))
            with contextlib.suppress(OSError):
                self.folder.rmdir()
            return None
        replaced = self.folder.with_name(self.folder.name + "-replaced")
        try:
            tree = make_previous_folder(self.output)
            if os.path.lexists(tree):
                os.rename(tree, replaced)
            os.rename(self.folder, tree)
        except OSError:  # a folder of that name that is not digest's, a full disk...: keep nothing
            return OldSiteRemoval([self.folder, replaced], files=len(self.paths))
        return OldSiteRemoval([replaced], files=len(self.paths)) if os.path.lexists(replaced) else None

    def discard(self) -> None:
        """Remove a new stage. A kept tree stays as the failed build left it: it describes itself (`previoussite.py`)."""
        if self.update is None:
            remove_tree(self.folder)


def _keep_first_site(output: Path, paths: list[str], folder: Path) -> None:
    """Fill ``folder`` (the empty stage a first build's swap left) with hard links of the live site's
    ``paths``, then make it the kept tree (`previoussite.py`); on any failure remove it and keep none.

    It runs in a thread after the swap, while the command saves its state. A
    folder is made with ``mkdir`` one level at a time, never ``makedirs``: if
    another build in this process removed the stage meanwhile (as stale),
    making it again would fill a tree no one removes. Killed halfway, it is
    a stage, which the next build removes; a tree that lacks files is still
    a kept tree (it describes itself): the next build links what is missing."""
    top, live = os.fspath(folder), os.fspath(output)
    made = {""}
    try:
        for rel in paths:
            parent = rel.rpartition("/")[0]
            if parent not in made:
                missing = []
                while parent not in made:
                    missing.append(parent)
                    parent = parent.rpartition("/")[0]
                for name in reversed(missing):
                    os.mkdir(os.path.join(top, name))
                    made.add(name)
            os.link(os.path.join(live, rel), os.path.join(top, rel))
        tree = make_previous_folder(output)
        if os.path.lexists(tree):
            replaced = folder.with_name(folder.name + "-replaced")
            os.rename(tree, replaced)
            os.rename(folder, tree)
            remove_tree(replaced)
        else:
            os.rename(folder, tree)
    except OSError:  # a full disk, a folder of that name that is not digest's...: keep nothing
        remove_tree(folder)


def _open_kept_tree(output: Path, live: Mapping[str, int] | None = None) -> _KeptTree | None:
    """The kept tree beside ``output``, listed, and the live site's inodes (``live``: those of the
    files the saved state describes, as its load found them; else from a listing of the live site);
    None if there is no kept tree, or it cannot be listed."""
    tree = kept_tree(output)
    if tree is None or not output.is_dir():
        return None
    try:
        if os.stat(tree).st_dev != os.stat(output).st_dev:  # inode numbers of two file systems say nothing of each other
            return None
        kept = list_tree(tree)
        if live is None:
            live = list_tree(output).files
    except OSError:  # a folder that cannot be read: stage afresh, which says what is wrong if it matters
        return None
    current = {rel for rel, inode in kept.files.items() if live.get(rel) == inode}
    return _KeptTree(tree, kept, live, current)


@dataclass(slots=True)
class _KeptTree:
    """The kept tree being brought up to date (see `Stage`)."""

    tree: Path
    kept: Listing
    """What the tree held when the build started (its files forgotten as they are replaced or deleted)."""
    live: Mapping[str, int]
    """Inode of each live file (those the saved state describes, when it was given: see `Stage`)."""
    current: set[str]
    """Files of the tree that are the live site's (the same inode): up to date whenever the live one is."""
    opened: bool = False
    """Folders of the tree were made writable (they were the live site's, which the user made read-only)."""

    def clear(self, rel: str) -> None:
        """Make way for a new file at ``rel``: delete the tree's file there, or its folder."""
        self.current.discard(rel)
        path = os.path.join(self.tree, rel)
        if rel in self.kept.folders:
            remove_tree(Path(path))
            inside = rel + "/"
            self.kept.folders.difference_update([folder for folder in self.kept.folders if folder == rel or folder.startswith(inside)])
            for gone in [name for name in self.kept.files if name.startswith(inside)]:
                del self.kept.files[gone]
            return
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # NotADirectory: a file of the old site above it
            os.unlink(path)
        self.kept.files.pop(rel, None)

    def clear_files_above(self, folder: str) -> None:
        """Delete the tree's files standing where ``folder`` or a folder above it must go."""
        parts = folder.split("/")
        for end in range(1, len(parts) + 1):
            above = "/".join(parts[:end])
            if above in self.kept.files:
                self.clear(above)

    def remove_all_but(self, keep: set[str]) -> int:
        """Delete the tree's files the new site does not have, then the folders that leaves empty; the files deleted."""
        gone = [rel for rel in self.kept.files if rel not in keep]
        for rel in gone:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self.tree, rel))
            del self.kept.files[rel]
        folders = {rel.rpartition("/")[0] for rel in gone} | self.kept.empty
        for folder in sorted(folders, key=lambda name: name.count("/"), reverse=True):
            if folder:
                _prune_empty_parents(self.tree / folder, self.tree)
        return len(gone)

    def writable(self, operation: Callable[[], _T]) -> _T:
        """Run a change of the tree; if a folder refuses it, make the tree's folders writable (once) and try again.

        The tree was the live site, whose folders the user may have made
        read-only; they get the mode a new stage's folders have."""
        try:
            return operation()
        except PermissionError:
            if self.opened:
                raise
            self.opened = True
            _make_writable(str(self.tree), 0o755)
            return operation()


def _crash_point(step: str) -> None:
    """Let tests kill the build at a chosen step of the write (DIGEST_TEST_KILL_AT=<step>)."""
    if os.environ.get("DIGEST_TEST_KILL_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _place(stage: Path, output: Path, rel: str, data: bytes) -> bool:
    """Put one file in the stage; return True if the old site's copy was reused."""
    target = stage / rel
    old = output / rel
    try:
        if old.is_file() and not old.is_symlink() and old.stat().st_size == len(data) and old.read_bytes() == data:
            os.link(old, target)
            return True
    except OSError:
        pass
    with open(target, "wb") as handle:
        handle.write(data)
    return False


def _list_files(folder: Path) -> set[str]:
    """Every file below ``folder``, site-relative (on plain strings: a big site has some 67,000)."""
    if not folder.is_dir():
        return set()
    found: set[str] = set()
    top = os.fspath(folder)
    for directory, _, names in os.walk(top):
        prefix = directory[len(top) + 1:].replace(os.sep, "/")
        found.update(f"{prefix}/{name}" if prefix else name for name in names)
    return found


def _exchange(stage: Path, output: Path) -> None:
    """Swap the stage into place; afterwards ``stage`` holds the old site (if any)."""
    if not output.exists():
        os.rename(stage, output)
        stage.mkdir()
        return
    if _renameat2_exchange(stage, output):
        return
    # Without RENAME_EXCHANGE (not Linux): two renames, a brief moment without a site.
    backup = stage.with_name(stage.name + "-old")
    os.rename(output, backup)
    os.rename(stage, output)
    os.rename(backup, stage)


def _renameat2_exchange(first: Path, second: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    function = getattr(libc, "renameat2", None)
    if function is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = function(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: file system can't exchange
            return False
        raise OSError(errno, os.strerror(errno), str(second))
    return True


def write_changes(output: Path, files: dict[str, bytes], previous: dict[str, bytes], removed: list[str]) -> list[str]:
    """Update a live output in place: write files whose bytes changed, delete removed ones.

    Each file is replaced atomically (temporary file, then ``os.replace``), so
    a server reading the folder sees the old file or the new one. ``previous``
    maps paths to the digests of what is on disk. Returns the paths written.
    """
    written = []
    for rel, data in sorted(files.items()):
        target = output / rel
        if previous.get(rel) == digest_bytes(data) and target.is_file():
            continue
        replace_file(target, data)
        written.append(rel)
    for rel in removed:
        target = output / rel
        if target.is_file() or target.is_symlink():
            with output_faults(target, "cannot remove a page of the old site"):
                target.unlink()
        _prune_empty_parents(target.parent, output)
    return written


def replace_file(target: Path, data: bytes) -> None:
    """Replace one file atomically; `MachineFault` when the machine refuses."""
    with output_faults(target, "cannot write the site"):
        _replace_file(target, data)


def _replace_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _prune_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
