"""The last build's state, kept between runs so `digest build` is incremental too.

After a successful `digest build`, what a watch session keeps in memory is
saved under ``.digest-cache/``: the `BuildState` (what each page read, the
fingerprints of those reads, the digest of every output file) and the
session's `Caches` (parsed files and seeds, anchored quotes, names found).
The next `digest build` into the same output starts from it: it re-reads
only files whose stat changed, re-links only what they feed, renders only
pages whose reads or templates changed, and hard-links every other page
from the site it is replacing.

The state is trusted only when it is whole and was made for this site as
it is now: the file carries a format line, the version and code digest of
the digest that wrote it and a checksum of the payload, and every file the
build wrote must still hold what it wrote: a file whose size or
modification time moved since (a restore from a CI cache, an edit by hand)
is read and compared with the digest the build recorded. Anything else (no
file, another version, a truncated or corrupt file, an output changed by
hand) is a clean build, with a one-line note saying why; it never yields a
wrong site.
The file is a list of pickled segments, each with its checksum (see
`statefile.py`): a save pickles again only the segments an edit changed.
Like the sources themselves, ``.digest-cache/`` must only be writable by
those who may change the site.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from digest.caches import Caches
from digest.memo import ByIdentity
from digest.pipeline.buildcache import CACHE_FOLDER, make_cache_folder, record_key
from digest.pipeline.buildstate import BuildState, digest_bytes
from digest.pipeline.statefile import Damaged, Origin, OtherFormat, Written, collector_paused, read_segments, write_segments
from digest.search.index import BUNDLE as SEARCH_BUNDLE
from digest.search.index import shard_of

STATE_SEGMENT = "state"
"""The segment of the `BuildState` and the output's stats: made anew by every build, always written."""


@dataclass(frozen=True, slots=True)
class SavedState:
    state: BuildState
    caches: Caches
    stats: dict[str, tuple[int, int]]
    """Each output file's (size, modification time in ns) as the build left it."""
    origin: Origin | None = None
    """The file it was read from, so the next save copies what did not change (see `statefile.py`)."""


@dataclass(frozen=True, slots=True)
class Loaded:
    saved: SavedState | None
    note: str | None
    """Why no saved state is used, when there was one to use (None when none was there)."""


def state_path(root: Path, output: Path) -> Path:
    return root / CACHE_FOLDER / f"state-{record_key(output)}.bin"


def save_state(root: Path, output: Path, state: BuildState, caches: Caches, code: str, loaded: SavedState | None = None) -> Written | None:
    """Save the state of a build just written to ``output``; failing to save only costs the next build time.

    ``code``: the `buildcache.code_fingerprint` of the digest that built it.
    ``loaded``: the saved state this build started from; the cached records
    it read and the build kept are copied from its file, not pickled again.
    Returns how many segments were pickled and copied (None if it could not save)."""
    path = state_path(root, output)
    origin = loaded.origin if loaded is not None else None
    temporary = path.with_name(path.name + ".tmp")
    try:
        with collector_paused():  # hundreds of thousands of rows, none of them garbage
            stats = _output_stats(output, state.outputs)
            segments: list[tuple[str, Any]] = [(STATE_SEGMENT, (state, stats)), *_cache_segments(caches)]
            make_cache_folder(root)
            with open(temporary, "wb") as stream:
                written = write_segments(stream, code, segments, origin)
        os.replace(temporary, path)
    except (OSError, Damaged):  # Damaged: the old file changed under us, so nothing of it may be copied
        temporary.unlink(missing_ok=True)
        return None
    finally:
        if origin is not None:
            origin.close()
    return written


def load_state(root: Path, output: Path, code: str) -> Loaded:
    """The saved state of the last build into ``output``, if it can be trusted now
    by the digest whose `buildcache.code_fingerprint` is ``code``."""
    path = state_path(root, output)
    if not output.is_dir():  # nothing to start from: a first build
        return Loaded(None, None)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - kept open in the Origin, for the next save to copy from
    except FileNotFoundError:
        return Loaded(None, None)
    except OSError as exc:
        return Loaded(None, f"cannot read {CACHE_FOLDER}/{path.name} ({exc.strerror}); building everything")
    try:
        saved = _read_state(stream, code)
    except OtherFormat:
        return _unusable(path, stream, "written by another version of digest")
    except Damaged:
        return _unusable(path, stream, "damaged (its checksum does not match)")
    except OSError as exc:
        return _unusable(path, stream, f"unreadable ({exc.strerror})")
    except Exception as exc:  # noqa: BLE001 - any failure to read it back means: build without it
        return _unusable(path, stream, f"unreadable ({type(exc).__name__})")
    changed, missing = _changed_output(output, saved)
    if changed:
        return _unusable(path, stream, f"out of date: the output folder changed since that build ({changed})")
    _forget_missing(saved.state, missing)
    return Loaded(saved, None)


def _read_state(stream: Any, code: str) -> SavedState:
    """The state, the stats and the caches, from a file whose header and checksums `read_segments` checks."""
    segments = read_segments(stream, code)
    first, (state, stats) = next(segments)
    if first.name != STATE_SEGMENT or not isinstance(state, BuildState) or not isinstance(stats, dict):
        raise TypeError("not a saved build state")
    caches = Caches()
    identity: dict[str, list] = {}
    decoded = {}
    for place, rows in segments:
        decoded[place.name] = (place, rows)
        for row in rows:
            table = getattr(caches, row[0])
            if isinstance(table, dict):
                table[row[1]] = row[2]
            else:
                identity.setdefault(row[0], []).append((row[3:], row[1], row[2]))
    for name, entries in identity.items():
        table = getattr(caches, name)
        table.__setstate__((table.limit, entries))
    return SavedState(state, caches, stats, Origin(stream, decoded))


def _cache_segments(caches: Caches) -> list[tuple[str, list]]:
    """The session's caches as rows, one segment per source file (an article's seed and sidecar together).

    A row is (table, key, value) of a dict, or (table, key, value, *objects)
    of a `ByIdentity` table. What was made from an article's seed (its parsed
    text, the names and quotes found in it...) goes with the file it came
    from, found through the objects it is keyed by, so that an edit changes
    the segments of the files edited and leaves the others byte for byte.
    The Jinja environment, the compiled language and the tables marked ``saved: False`` are not saved."""
    groups: dict[str, list] = {}
    owner: dict[Any, str] = {}
    """id of an object a row was made from -> its segment (all of them are alive in the caches
    meanwhile); and a seed's text -> its segment (a build reads the seed again: an equal new text)."""
    for field in dataclasses.fields(caches):
        table = getattr(caches, field.name)
        if isinstance(table, dict):
            rows = [(field.name, key, value) for key, value in table.items()]
        elif isinstance(table, ByIdentity):
            rows = [(field.name, key, value, *objects) for objects, key, value in table.__getstate__()[1]]
        else:
            continue
        if not field.metadata.get("saved", True):
            continue
        for row in rows:
            group = _segment_of(row, owner)
            groups.setdefault(group, []).append(row)
            _own(row, group, owner)
    return sorted(groups.items())


def _segment_of(row: tuple, owner: dict[Any, str]) -> str:
    table, key = row[0], row[1]
    if table == "files":
        return _file_segment(key[1])
    if table == "parsed":
        return _file_segment(key[0])
    if table == "seeds":
        found = owner.get(key[0])
    elif table == "names_in_block":
        found = owner.get(id(key[1]))
    elif len(row) > 3:
        found = owner.get(id(row[3]))
    else:
        found = None
    return found if found is not None else table


def _file_segment(rel: str) -> str:
    """A seed and its sidecar share a segment; any other file has its own."""
    path = PurePosixPath(rel)
    if rel.startswith(("seeds/", "content/articles/")):
        return f"article {path.stem}"
    return f"file {rel}"


def _own(row: tuple, group: str, owner: dict[Any, str]) -> None:
    """Note the objects a row made, for the rows made from them to join its segment."""
    table, value = row[0], row[2]
    if table == "files" and isinstance(value[1], str):  # a seed's text: the key of its parsed blocks
        owner.setdefault(value[1], group)
    elif table == "parsed":
        owner.setdefault(id(value[0]), group)
    elif table == "seeds":
        for part in value:
            owner.setdefault(id(part), group)
            for block in getattr(part, "blocks", ()):
                owner.setdefault(id(block.text), group)
    elif table == "names_in_text":
        owner.setdefault(id(value), group)


def _output_stats(output: Path, outputs: dict[str, bytes]) -> dict[str, tuple[int, int]]:
    stats = {}
    folder = str(output)
    for rel in outputs:
        try:
            stat = os.stat(os.path.join(folder, rel))  # plain strings: some 67,000 files at 10,000 articles
        except OSError:
            continue
        stats[rel] = (stat.st_size, stat.st_mtime_ns)
    return stats


def _changed_output(output: Path, saved: SavedState) -> tuple[str | None, list[str]]:
    """The first file the build wrote that no longer holds what it wrote, if any, and the files that are gone.

    A file whose size and modification time are as recorded is taken as
    is; any other is read and compared with its recorded digest, so a copy
    restored with coarser times (a CI cache) is still trusted. A missing
    file is no harm: the next build makes it again (`_forget_missing`)."""
    missing = []
    folder = str(output)
    for rel, digest in saved.state.outputs.items():
        try:
            stat = os.stat(os.path.join(folder, rel))
        except FileNotFoundError:
            missing.append(rel)
            continue
        except OSError:
            return rel, missing
        if saved.stats.get(rel) == (stat.st_size, stat.st_mtime_ns):
            continue
        try:
            data = (output / rel).read_bytes()
        except OSError:
            return rel, missing
        if digest_bytes(data) != digest:
            return rel, missing
    return None, missing


def _forget_missing(state: BuildState, missing: list[str]) -> None:
    """Make the state say what the output holds now: a page that is gone is rendered again, a search shard remade.

    The build then never needs to look at the old site to decide what to
    keep from it (the write stage hard-links what it keeps)."""
    for rel in missing:
        del state.outputs[rel]
        state.pages.pop(rel, None)
        if rel.startswith(SEARCH_BUNDLE):
            shard = shard_of(rel)
            if shard is None:  # a file all shards share: index everything again
                state.search_shards.clear()
            else:
                state.search_shards.pop(shard, None)


def _unusable(path: Path, stream: Any, why: str) -> Loaded:
    with contextlib.suppress(OSError):
        stream.close()
    return Loaded(None, f"note: the saved build state {CACHE_FOLDER}/{path.name} is {why}; building everything")
