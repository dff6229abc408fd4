"""The previous site, kept beside the output so the next `digest build` updates it instead of staging a new one.

A build swaps its new tree in with the live one (`write.py`); what comes
out of the swap is the site as the build before left it. Removing it costs
as much as the site is big (67,000 files at 10,000 articles), and so does
staging the next site from scratch (a hard link for each unchanged file).
Both are O(site) for an edit that changes a handful of files. So the old
tree is kept, in digest's own folder beside the output::

    .site.previous/           (for an output folder named site/)
        .gitignore            "*": git ignores the folder; says it is digest's
        site/                 the previous site: mostly hard links to the live site's files

and the next build (one with a saved state it trusts, see `savedstate.py`)
brings it up to date and swaps it in, touching only the files that differ
between the two trees. Which ones differ is not recorded anywhere: a file
of the kept tree is up to date exactly when it is the same inode as the
live site's file (unchanged files are hard links of each other), and the
live site holds what the saved state says (`savedstate.load_state` checks
it, with a ``stat`` of each file, which gives its inode too: `LiveFiles`).
The kept tree is listed with ``scandir``, which gives each entry's inode
without a ``stat``. So whatever happened to the kept tree (a build killed
halfway through updating it, files added to the live site by hand before it
became the kept tree) it describes itself; there is no record to get out of
step with it. What the listing costs (about 0.3 s of CPU at 10,000
articles) is directory reads, not writes. A first build, with no site to
swap out, makes the kept tree as hard links of the new site's files, in a
thread after its swap (`write.Stage` with ``keep_first``): a tree that
lacks some (a build killed while making it) is still one that describes
itself.

The kept tree shares inodes with the live site: nothing in digest ever
writes into a file of either in place (files are replaced by new ones:
unlink then create, or a temporary file renamed over). Deleting
``.NAME.previous/`` is always safe: the next build then stages the site
afresh, as a first build does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PREVIOUS_SUFFIX = ".previous"
TREE = "site"
"""The kept tree's name inside the folder (whatever the output's name)."""
NOTE_NAME = ".gitignore"
NOTE = (
    b"# This folder is digest's: the site as the build before last left it, kept (mostly as hard links to the live\n"
    b"# site's files) so that the next `digest build` only updates what changed. It is safe to delete.\n*\n"
)


def previous_folder(output: Path) -> Path:
    """Digest's folder beside ``output`` (a real path, see `write.output_target`) for the kept tree."""
    return output.parent / f".{output.name}{PREVIOUS_SUFFIX}"


def is_digests(folder: Path) -> bool:
    """Whether ``folder`` is digest's: a real folder (not a link) holding digest's note, byte for byte.

    A folder of that name that is not digest's is never touched."""
    try:
        return not folder.is_symlink() and folder.is_dir() and (folder / NOTE_NAME).read_bytes() == NOTE
    except OSError:
        return False


def kept_tree(output: Path) -> Path | None:
    """The previous site kept beside ``output``, if there is one digest may use."""
    folder = previous_folder(output)
    tree = folder / TREE
    if is_digests(folder) and tree.is_dir() and not tree.is_symlink():
        return tree
    return None


def make_previous_folder(output: Path) -> Path:
    """Digest's folder beside ``output`` with its note, made if missing; where the kept tree goes."""
    folder = previous_folder(output)
    if not is_digests(folder):
        folder.mkdir()  # FileExistsError for someone else's: the caller then keeps no tree
        (folder / NOTE_NAME).write_bytes(NOTE)
    return folder / TREE


@dataclass(frozen=True, slots=True)
class Listing:
    """Every file and folder below a tree, site-relative, from directory reads (and a ``stat`` of each file, if asked)."""

    files: dict[str, int]
    """Path -> inode number (``d_ino``: no ``stat``)."""
    folders: set[str]
    """Every folder, the tree itself as ""."""
    empty: set[str]
    """Folders that held nothing."""
    stats: dict[str, tuple[int, int]] | None = None
    """Path -> (size, modification time in ns), when listed with ``stats``; a file that could not be
    stat'ed (a dangling link...) is in `files` and not here."""


@dataclass(frozen=True, slots=True)
class LiveFiles:
    """The files of the live site that a saved state says the last build wrote, as its load found them.

    The load checks each with a ``stat`` anyway (`savedstate._changed_output`),
    which gives its inode too: so the write needs no listing of the live site
    to know which files of the kept tree are the live ones, and knows the
    stat of each file it takes from the live site (for the no-change record,
    `buildcache.remember`) without another."""

    inodes: dict[str, int]
    stats: dict[str, tuple[int, int]]
    """Path -> (size, modification time in ns)."""


def list_tree(folder: Path, stats: bool = False) -> Listing:
    """List a tree with ``scandir`` on plain strings (a big site has 67,000 files in 29,000 folders).

    ``stats``: also each file's size and modification time (`Listing.stats`),
    for the no-change check (`buildcache.output_fingerprint`).
    Symbolic links are files here, never followed, except for their stat
    (that of what they point to, as ``os.stat`` gives it)."""
    files: dict[str, int] = {}
    seen: dict[str, tuple[int, int]] | None = {} if stats else None
    folders: set[str] = set()
    empty: set[str] = set()
    pending = [("", os.fspath(folder))]
    while pending:
        prefix, directory = pending.pop()
        folders.add(prefix.rstrip("/"))
        found = False
        with os.scandir(directory) as entries:
            for entry in entries:
                found = True
                if entry.is_dir(follow_symlinks=False):
                    pending.append((prefix + entry.name + "/", entry.path))
                    continue
                rel = prefix + entry.name
                files[rel] = entry.inode()
                if seen is not None:
                    try:
                        stat = entry.stat()
                    except OSError:
                        continue
                    seen[rel] = (stat.st_size, stat.st_mtime_ns)
        if not found:
            empty.add(prefix.rstrip("/"))
    return Listing(files, folders, empty, seen)
