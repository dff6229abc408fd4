"""Know, without building, that `digest build` would change nothing.

After a successful build we record a fingerprint of every input (each source
file's path, size and modification time, the theme, the options and the code
of digest itself) and of every output file. The next `digest build` with the
same inputs and an untouched output folder can stop at once. The record lives
in ``.digest-cache/`` in the site root: outside the published output,
git-ignored, and not watched.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from digest import PACKAGE, __version__
from digest.pipeline.previoussite import list_tree
from digest.source.theme import builtin_theme

CACHE_FOLDER = ".digest-cache"
SOURCE_FOLDERS = ("content", "seeds", "themes")


def _tree_digest(folder: Path) -> str:
    """A digest of every file's path (below ``folder``), size and modification time.

    Walked with `os.scandir` on plain strings: at 10,000 articles an output
    folder holds some 65,000 files, and this runs before every `digest build`.
    """
    digest = hashlib.blake2b(digest_size=20)
    pending = [("", str(folder))]
    while pending:
        prefix, directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in reversed(entries):  # the stack then yields them in order
            name = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((name + "/", entry.path))
                    continue
                stat = entry.stat()
            except OSError:
                continue
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def input_fingerprint(root: Path, options: dict, code: str | None = None) -> str:
    """A digest of everything a build reads: sources, theme, options and digest's own code
    (``code``: its `code_fingerprint`, when the caller has it already)."""
    parts: list = [sorted(options.items())]
    for name in SOURCE_FOLDERS:
        if (root / name).is_dir():
            parts.append([name, _tree_digest(root / name)])
    parts.append(code or code_fingerprint())
    return hashlib.blake2b(json.dumps(parts).encode(), digest_size=20).hexdigest()


def code_fingerprint() -> str:
    """A digest of the digest that is running: its version, and the bytes of its code and built-in theme.

    By content, not modification time: a CI job installs the same digest
    afresh on every run, and its saved state must still be usable."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=20)
    for folder in (PACKAGE, builtin_theme()):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def record_key(output: Path) -> str:
    """A short name for an output folder, for the records kept about it."""
    return hashlib.blake2b(str(output.absolute()).encode(), digest_size=8).hexdigest()


def _record_path(root: Path, output: Path) -> Path:
    return root / CACHE_FOLDER / f"build-{record_key(output)}.json"


def make_cache_folder(root: Path) -> Path:
    """``.digest-cache/`` in the site root, with a .gitignore so nothing in it is committed."""
    folder = root / CACHE_FOLDER
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return folder


def site_fingerprint(stats: Mapping[str, tuple[int, int]]) -> str:
    """A digest of an output folder from each file's (size, modification time), in path order.

    The build knows these for the site it has just swapped in (`write.WriteReport.site`:
    from the look at the output its load took, and a ``stat`` of each file it wrote), so
    recording a build costs no walk of the output; the next no-change check lists the
    output and must find the same."""
    digest = hashlib.blake2b(digest_size=20)
    for rel in sorted(stats):
        size, modified = stats[rel]
        digest.update(f"{rel}\0{size}\0{modified}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def output_fingerprint(output: Path) -> str | None:
    """`site_fingerprint` of the output as it is now; None (matching no record) for no folder,
    or one that cannot be listed or holds a file that cannot be stat'ed."""
    try:
        listing = list_tree(output, stats=True)
    except OSError:
        return None
    assert listing.stats is not None
    if len(listing.stats) != len(listing.files):
        return None
    return site_fingerprint(listing.stats)


def up_to_date(root: Path, output: Path, inputs: str) -> dict | None:
    """The record of the last build if nothing it read or wrote has changed since."""
    path = _record_path(root, output)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("inputs") != inputs:
        return None
    outputs = record.get("outputs")
    if outputs is None or outputs != output_fingerprint(output):
        return None
    return record


def remember(root: Path, output: Path, inputs: str, pages: int, messages: list[str],
             site: Mapping[str, tuple[int, int]] | None = None) -> None:
    """Record a successful build; a failure to record only costs the next build its shortcut.

    ``site``: each output file's (size, modification time) as the build left it, if the
    caller knows them (`write.WriteReport.site`); else the output is listed."""
    path = _record_path(root, output)
    outputs = site_fingerprint(site) if site is not None else output_fingerprint(output)
    record = {"inputs": inputs, "outputs": outputs, "pages": pages, "messages": messages, "output": str(output.absolute())}
    try:
        make_cache_folder(root)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass


def forget_gone_outputs(root: Path) -> list[str]:
    """Remove the records (and saved states) of outputs that no longer exist; the keys removed.

    Each output folder a site was ever built into has its records here, named
    by a digest of its path; builds into passing folders (a CI job's, a test's)
    would otherwise pile them up. A record from before records named their
    output is left alone."""
    removed = []
    for record_path in sorted((root / CACHE_FOLDER).glob("build-*.json")):
        try:
            output = json.loads(record_path.read_text(encoding="utf-8")).get("output")
        except (OSError, ValueError, AttributeError):
            continue
        if not isinstance(output, str) or Path(output).exists():
            continue
        key = record_path.stem.removeprefix("build-")
        for stale in (record_path, root / CACHE_FOLDER / f"state-{key}.bin"):
            try:
                stale.unlink(missing_ok=True)
            except OSError:
                continue
        removed.append(key)
    return removed
