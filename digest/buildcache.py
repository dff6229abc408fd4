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
from pathlib import Path

CACHE_FOLDER = ".digest-cache"
SOURCE_FOLDERS = ("content", "seeds", "themes")


def _tree_stats(folder: Path, base: Path) -> list[tuple[str, int, int]]:
    found = []
    for directory, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((path.relative_to(base).as_posix(), stat.st_size, stat.st_mtime_ns))
    return found


def input_fingerprint(root: Path, options: dict) -> str:
    """A digest of everything a build reads: sources, theme, options and digest's own code."""
    from digest import __version__
    from digest.render import builtin_theme

    package = Path(__file__).parent
    parts: list = [__version__, sorted(options.items())]
    for name in SOURCE_FOLDERS:
        if (root / name).is_dir():
            parts.append(_tree_stats(root / name, root))
    parts.append(_tree_stats(package, package))
    parts.append(_tree_stats(builtin_theme(), builtin_theme()))
    return hashlib.blake2b(json.dumps(parts).encode(), digest_size=20).hexdigest()


def _record_path(root: Path, output: Path) -> Path:
    key = hashlib.blake2b(str(output.absolute()).encode(), digest_size=8).hexdigest()
    return root / CACHE_FOLDER / f"build-{key}.json"


def output_fingerprint(output: Path) -> list[tuple[str, int, int]]:
    return _tree_stats(output, output) if output.is_dir() else []


def up_to_date(root: Path, output: Path, inputs: str) -> dict | None:
    """The record of the last build if nothing it read or wrote has changed since."""
    path = _record_path(root, output)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("inputs") != inputs:
        return None
    if record.get("outputs") != [list(item) for item in output_fingerprint(output)]:
        return None
    return record


def remember(root: Path, output: Path, inputs: str, pages: int, messages: list[str]) -> None:
    """Record a successful build; a failure to record only costs the next build its shortcut."""
    path = _record_path(root, output)
    record = {"inputs": inputs, "outputs": output_fingerprint(output), "pages": pages, "messages": messages}
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass
