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
The payload is a pickle: like the sources themselves, ``.digest-cache/``
must only be writable by those who may change the site.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from digest.caches import Caches
from digest.pipeline.buildcache import CACHE_FOLDER, make_cache_folder, record_key
from digest.pipeline.buildstate import BuildState, digest_bytes
from digest.search.index import BUNDLE as SEARCH_BUNDLE
from digest.search.index import shard_of

FORMAT = "digest-state/1"


@dataclass(frozen=True, slots=True)
class SavedState:
    state: BuildState
    caches: Caches
    stats: dict[str, tuple[int, int]]
    """Each output file's (size, modification time in ns) as the build left it."""


@dataclass(frozen=True, slots=True)
class Loaded:
    saved: SavedState | None
    note: str | None
    """Why no saved state is used, when there was one to use (None when none was there)."""


def state_path(root: Path, output: Path) -> Path:
    return root / CACHE_FOLDER / f"state-{record_key(output)}.bin"


def save_state(root: Path, output: Path, state: BuildState, caches: Caches, code: str) -> None:
    """Save the state of a build just written to ``output``; failing to save only costs the next build time.

    ``code``: the `buildcache.code_fingerprint` of the digest that built it."""
    path = state_path(root, output)
    stats = _output_stats(output, state.outputs)
    saved = SavedState(state, dataclasses.replace(caches, environment=None, locale=None), stats)
    temporary = path.with_name(path.name + ".tmp")
    try:
        make_cache_folder(root)
        with open(temporary, "wb") as stream:
            # The pickle goes straight into the file (a big site's state is hundreds of megabytes,
            # which a bytes object would hold again); the checksum, known only at the end, then
            # replaces a placeholder of the same length in the header.
            stream.write(_header(code, "0" * 64))
            hashing = _HashingWriter(stream)
            _dump(saved, hashing)
            stream.seek(0)
            stream.write(_header(code, hashing.digest.hexdigest()))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def _header(code: str, checksum: str) -> bytes:
    return (" ".join((FORMAT, code, checksum)) + "\n").encode("ascii")


class _HashingWriter:
    """A file that also hashes what is written to it: the pickler's output, checksummed on its way to disk."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.stream.write(data)


def load_state(root: Path, output: Path, code: str) -> Loaded:
    """The saved state of the last build into ``output``, if it can be trusted now
    by the digest whose `buildcache.code_fingerprint` is ``code``."""
    path = state_path(root, output)
    if not output.is_dir():  # nothing to start from: a first build
        return Loaded(None, None)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Loaded(None, None)
    except OSError as exc:
        return Loaded(None, f"cannot read {CACHE_FOLDER}/{path.name} ({exc.strerror}); building everything")
    header, _, payload = data.partition(b"\n")
    fields = header.decode("ascii", "replace").split(" ")
    if len(fields) != 3 or fields[0] != FORMAT:
        return _unusable(path, "written by another version of digest")
    checksum = fields[2]
    if fields[1] != code:
        return _unusable(path, "written by another version of digest")
    if hashlib.sha256(payload).hexdigest() != checksum:
        return _unusable(path, "damaged (its checksum does not match)")
    try:
        saved = pickle.loads(payload)
    except Exception as exc:  # noqa: BLE001 - any failure to read it back means: build without it
        return _unusable(path, f"unreadable ({type(exc).__name__})")
    if not isinstance(saved, SavedState):
        return _unusable(path, "not a saved build state")
    changed, missing = _changed_output(output, saved)
    if changed:
        return _unusable(path, f"out of date: the output folder changed since that build ({changed})")
    _forget_missing(saved.state, missing)
    return Loaded(saved, None)


def _dump(saved: SavedState, stream: Any) -> None:
    """Pickle the state into ``stream``, digest's dataclasses as plain tuples of their fields.

    A slotted dataclass pickles through `dataclasses`' own ``__getstate__``,
    which looks its fields up again for every object: most of the time of
    saving a big site's state. A dispatch table of this pickler alone (not
    the global `copyreg` one) reduces each to its class and field values.
    """
    pickler = pickle.Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dataclass_reducers()
    pickler.dump(saved)


def _dataclass_reducers() -> dict[type, Callable[[Any], tuple]]:
    reducers: dict[type, Callable[[Any], tuple]] = {}
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("digest."):
            continue
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and "__slots__" in vars(value) and value not in reducers:
                names = tuple(f.name for f in dataclasses.fields(value))
                reducers[value] = functools.partial(_reduce_dataclass, names)
    return reducers


def _reduce_dataclass(names: tuple[str, ...], obj: Any) -> tuple:
    return _rebuild_dataclass, (type(obj), names, tuple(getattr(obj, name) for name in names))


def _rebuild_dataclass(cls: type, names: tuple[str, ...], values: tuple) -> Any:
    obj: Any = object.__new__(cls)
    for name, value in zip(names, values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


def _output_stats(output: Path, outputs: dict[str, bytes]) -> dict[str, tuple[int, int]]:
    stats = {}
    for rel in outputs:
        try:
            stat = os.stat(output / rel)
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
    for rel, digest in saved.state.outputs.items():
        try:
            stat = os.stat(output / rel)
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


def _unusable(path: Path, why: str) -> Loaded:
    return Loaded(None, f"note: the saved build state {CACHE_FOLDER}/{path.name} is {why}; building everything")
