"""The saved state's file: checksummed pickled segments, to which a save appends only those that changed.

A big site's state is millions of objects (at 10,000 articles some 270 MB
of pickle). Pickled as one, saving it took 10–13 s and half a gigabyte
more memory (the pickler's memo of every object, with the argument tuple
of every dataclass kept alive by it), and loading it held the file twice.
So the file is a list of segments (`segment` below: one article's
cached records, say), each pickled on its own, with its own memo and its
own checksum:

- a save re-pickles only the segments whose rows are not the very objects
  a load read from the last file, and leaves the others where they are: it
  appends the new segments and a new index to that file and then points
  the header at the new index (`save_state_file`). An edit costs the
  segments it touched: before, every save copied every unchanged segment
  into a new file (390 MB at 10,000 articles, read, checked and written
  again for a few MB pickled);
- memory while saving or loading is one segment's, beyond the objects;
- a segment is read when it is first asked for (`Origin.read`), its
  checksum checked then: a build after an edit reads the index and the
  segments it needs, not the whole file; or its bytes are read and checked
  first and unpickled later, if ever (`Origin.hold`: the articles' bodies);
- identity is kept within a segment, and with the objects a segment names
  as *references* (``refs``: objects of another segment, read before it,
  pickled as their position in that list instead of copied; or, for a
  segment whose referenced objects change with other segments than its own,
  as a key the reader looks up: `Keyed`). What else the
  caches share across segments comes back as equal copies, which costs a
  cache lookup by identity a miss (work done again, never a wrong result).

Layout: a header line of fixed length (`FORMAT`, the code fingerprint,
where the index is, its length and SHA-256), then segments and indexes: each
save's index a pickled list of (name, offset, length, SHA-256) per segment,
in the order written, naming segments anywhere before it. Only the header's
index is live; the bytes of segments it no longer names are dead. A save
appends, flushes to disk (``fsync``), and only then rewrites the header in
place: a save killed at any byte leaves the header naming the last whole
index (its bytes untouched: nothing is ever written over but the header),
or the new one; a header half rewritten no longer matches the index it
names, and the file is `Damaged` (a full build, never a wrong one). Saves
take an exclusive lock on the file (``flock``), a load a shared one while it
reads the header and index. When the
dead bytes outgrow the live ones, or the file at the path is not the one
the state was read from (another build replaced it), the save writes a
whole new file beside it and renames it in (*compaction*), copying each
unchanged segment, checked, from the old file.

A segment whose bytes do not match its checksum is `Damaged`: found while
loading, the whole file is unusable; found in a segment read later, the
caller decides (savedstate treats such a segment as never saved: what it
held is made again). A segment no one read is left where it is unchecked
by an appending save (its checksum is checked whenever it is read); so is
one a save keeps as it was read (`Kept`), which a compaction copies checked
and must not lose.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import gc
import hashlib
import io
import operator
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

FORMAT = "digest-state/6"
HEADER_FIELDS = 5
NUMBER_WIDTH = 16
"""Hex digits of the index's offset and length in the header: a placeholder of fixed length is rewritten at the end."""


class Damaged(Exception):
    """The file is cut short or its bytes do not match their checksums."""


class OtherFormat(Exception):
    """The file was written by another version of digest (or is no state file at all)."""


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a segment's pickle lies in a state file."""

    name: str
    offset: int
    length: int
    checksum: bytes


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment to write: its rows, and the objects of other segments it names rather than copies."""

    name: str
    rows: Any
    """A list of row tuples (compared with what was read, to copy unchanged bytes), or any object."""
    refs: tuple | Keyed = ()
    """Objects read before this segment (from other segments) that its rows share: pickled as
    their position in this tuple, and given back in the same order to read it (`Origin.read`);
    or as the keys of a `Keyed`, given back as a mapping from key to object."""
    equal: bool = False
    """Kept while its rows are equal (``==``) to what was read, not only while they are the very objects:
    for plain data a build makes anew but equal (the build state's tables: strings, bytes, tuples,
    frozen records), compared in C. Its rows must not be changed in place after they are read."""
    reducers: Mapping[type, Callable[[Any], tuple]] | None = None
    """How to pickle some classes in this segment instead of whole (an article without its body: `hollow.reduce_head`)."""


@dataclass(frozen=True, slots=True)
class Keyed:
    """References named by key rather than position: ``keys`` maps ``id(obj)`` to the key it is pickled as.

    For a segment that names a few objects among many segments' (the merged
    claims name their occurrences, each in its article's segment): a list of
    positions would change whenever any of those segments did. The reader
    passes a mapping from each key to its object (`Origin.read`). Whether the
    copied bytes of such a segment still name the right objects is the
    writer's to ensure: `Origin.reusable` compares its rows alone."""

    keys: dict[int, Any]


@dataclass(frozen=True, slots=True)
class Unread:
    """A segment of the origin file that no one read: its bytes are copied as they are.

    Only for segments that hold what can be made again (memos): if its bytes
    turn out damaged, it is left out of the new file instead of failing the save."""

    name: str


@dataclass(frozen=True, slots=True)
class Kept:
    """A segment of the origin file kept as it was read (the build left all it holds as it was), without
    its rows being made again and compared: it stays where it is, or its bytes are copied, checked
    (`Damaged` if they no longer match: unlike an `Unread` one, it cannot be left out)."""

    name: str


@dataclass(frozen=True, slots=True)
class Origin:
    """The file a state was loaded from: where each segment lies, and what each segment read decoded to.

    Keeps the file open (a save appends to this very file, or, if another
    build has replaced it since, copies the very bytes that were read) and the decoded rows
    themselves (their objects then stay alive, so ``is`` comparisons with
    them are sound)."""

    stream: BinaryIO
    placed: dict[str, Placed]
    """Every segment the header's index names, in the order the save gave them."""
    header: int = 0
    """The length of the file's header line (an appending save rewrites it in place: the same length)."""
    live: int = 0
    """Bytes of the file that state is made of: the header, the segments the index names and the index."""
    end: int = 0
    """Where that index ends: the file's end when its save was the last (a killed save may have left bytes after)."""
    decoded: dict[str, tuple[Any, tuple]] = dataclasses.field(default_factory=dict)
    """Segment -> (its rows, the references it was read with), for each segment read so far."""
    held: dict[str, bytes] = dataclasses.field(default_factory=dict)
    """Segment -> its bytes, checked when read from the file (`hold`) and not unpickled yet."""

    def hold(self, name: str) -> None:
        """Read a segment's bytes and check them now, to unpickle them later (`read`) if ever.

        Checking costs a small part of unpickling (SHA-256 runs at about
        2 GB/s here); the bytes held in memory cannot be changed by anyone
        after this check, so a segment found whole at load never turns out
        damaged in the middle of a build."""
        place = self.placed[name]
        self.held[name] = _read(self.stream, place.offset, place.length, place.checksum)

    def read(self, name: str, refs: tuple | Mapping[Any, Any] = (), keep: bool = True) -> Any:
        """A segment's rows, checked against its checksum first (`Damaged` if they do not match);
        ``refs``: the objects it was written with (`Segment.refs`), in the same order, or by key
        for a segment written with `Keyed` references (a missing key raises `KeyError`).
        ``keep``: remember them as read (`decoded`), for a save to compare its rows with."""
        data = self.held.pop(name, None)
        if data is None:
            place = self.placed[name]
            data = _read(self.stream, place.offset, place.length, place.checksum)
        with collector_paused():
            if refs:
                unpickler = pickle.Unpickler(io.BytesIO(data))
                unpickler.persistent_load = refs.__getitem__  # type: ignore[method-assign]
                rows = unpickler.load()
            else:
                rows = pickle.loads(data)
        if keep:
            self.decoded[name] = (rows, refs if isinstance(refs, tuple) else ())
        return rows

    def reusable(self, name: str, rows: Any, refs: tuple | Keyed = (), equal: bool = False) -> Placed | None:
        """The segment's place in the old file if ``rows`` (and ``refs``) are exactly the objects read from it
        (a `Keyed` segment's rows alone: see `Keyed`), or, ``equal``, equal to them (see `Segment.equal`)."""
        if isinstance(refs, Keyed):
            refs = ()
        known = self.decoded.get(name)
        if equal:
            return self.placed[name] if known is not None and type(known[0]) is type(rows) and known[0] == rows else None
        if known is None or len(known[0]) != len(rows) or len(known[1]) != len(refs):
            return None
        if not all(map(operator.is_, known[1], refs)):
            return None
        return self.placed[name] if all(map(_same_row, known[0], rows)) else None

    def close(self) -> None:
        self.stream.close()


def _same_row(old: tuple, new: tuple) -> bool:
    """Rows are (table, key, value, *objects): the same when table and key are equal, the objects the very
    same, and the value the very same or a tuple of the very same objects and equal plain values.

    A build re-reads every source file: its entry in `Caches.files` is a new
    tuple of the file's stat, the same parsed record and an equal text."""
    return (
        len(old) == len(new) and old[0] == new[0] and old[1] == new[1] and _same_value(old[2], new[2])
        and all(a is b for a, b in zip(old[3:], new[3:], strict=True))
    )


PLAIN = (str, bytes, int, float, bool, type(None))


def _same_value(old: Any, new: Any) -> bool:
    if old is new:
        return True
    if type(old) is not type(new):
        return False
    if type(old) is tuple:
        return len(old) == len(new) and all(map(_same_value, old, new))
    return type(old) in PLAIN and old == new


@dataclass(frozen=True, slots=True)
class Written:
    segments: int
    """Segments pickled by this save."""
    reused: int
    """Segments of the file the state was loaded from kept: left where they are, or copied into a whole new file."""
    dropped: int = 0
    """Unread segments left out because their bytes were found damaged while copying them."""
    bytes: int = 0
    """Bytes this save wrote: what an appending save added to the file, or the whole new file; and the header
    written last (the one that names the new index)."""
    whole: bool = True
    """Whether the save wrote a whole new file (a first save, a compaction) rather than appending to the old one."""


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a save or a load, and away from what they made.

    Loading makes millions of objects, none of them garbage; the collector,
    run every 700 allocations, walked them again and again: at 1,000
    articles it was half the time of a load (0.95 s with it, 0.42 s without).
    Re-enabled as it was, its next collection still walked every object made
    while it was paused (all young), and each full collection of the build
    after walked them again (at 10,000 articles: 0.9 s after the load, 2 s a
    full collection). So they are frozen first (`gc.freeze`, as a watch
    session does after its first build): what a load reads lives as long as
    the build, and a cycle among them that turns into garbage is not
    collected (the objects that are not in one are freed as ever)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def save_state_file(path: Path, code: str, segments: Iterable[Segment | Unread | Kept], origin: Origin | None) -> Written:
    """Save a state at ``path``: appended to the file ``origin`` was read from, or as a whole new file.

    Appends (`append_segments`) while the file at ``path`` is still the one
    the origin was read from (the same inode, no shorter than that state)
    and its dead bytes do not outnumber its live ones; otherwise writes a
    whole new file beside it, flushed to disk, and renames it in
    (`write_segments`). Raises `OSError`, or `Damaged` if an unchanged
    segment read for a compaction no longer matches its checksum; the old
    file is then as it was, or holds appended bytes its header does not name."""
    if origin is not None:
        appended = _append_if_fit(path, code, segments, origin)
        if appended is not None:
            return appended
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "wb") as whole:
            written = write_segments(whole, code, segments, origin)
            whole.flush()
            os.fsync(whole.fileno())  # the new file's bytes on disk before its name is
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return written


def _append_if_fit(path: Path, code: str, segments: Iterable[Segment | Unread | Kept], origin: Origin) -> Written | None:
    """Append to the file at ``path`` if it may be (`_appendable`); None, with nothing written, if not."""
    try:
        stream = open(path, "r+b")  # noqa: SIM115 - closed below
    except OSError:  # gone, or not writable (a folder that is): a whole new file, renamed in
        return None
    with stream:
        with contextlib.suppress(OSError):  # a file system without locks: appended without
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX)  # one save at a time; released when closed
        end = os.fstat(stream.fileno()).st_size
        if not _appendable(stream, origin, end, len(_header(code, 0, 0, bytes(32)))):
            return None
        return append_segments(stream, code, segments, origin, end)


def _appendable(stream: BinaryIO, origin: Origin, end: int, header: int) -> bool:
    """Whether a save may append to ``stream``: the very file ``origin`` was read from, whole, not mostly dead,
    with a header of the length of the one to write (``header``)."""
    here, there = os.fstat(stream.fileno()), os.fstat(origin.stream.fileno())
    if (here.st_dev, here.st_ino) != (there.st_dev, there.st_ino) or end < origin.end or header != origin.header:
        return False
    return end - origin.live <= origin.live


def write_segments(stream: BinaryIO, code: str, segments: Iterable[Segment | Unread | Kept], origin: Origin | None) -> Written:
    """Write a whole state file into ``stream``: each segment pickled, or copied from ``origin``.

    A `Segment` whose rows are a list is copied when they (and its
    references) are the very objects read from the origin (or equal to
    them: `Segment.equal`); a segment that
    must always be written again (the build state) is given as any other
    object. An `Unread` segment is copied, or left out if found damaged."""
    stream.write(_header(code, 0, 0, b"\0" * 32))
    placed, written, reused, dropped = _write_all(stream, segments, origin, copy=True)
    offset, length, checksum = _write_index(stream, placed)
    size = stream.tell()
    header = _header(code, offset, length, checksum)
    stream.seek(0)
    stream.write(header)
    return Written(written, reused, dropped, size + len(header))


def append_segments(stream: BinaryIO, code: str, segments: Iterable[Segment | Unread | Kept], origin: Origin, end: int) -> Written:
    """Append to ``origin``'s file (open in ``stream``, at whose ``end``) the segments that changed and a new index,
    then point the header at it; every unchanged segment, read or not, stays where it is.

    The appended bytes reach the disk before the header is rewritten: a save
    killed at any moment leaves the old state (the header still names the
    old index, whose bytes are untouched) or the new one."""
    stream.seek(end)
    placed, written, reused, dropped = _write_all(stream, segments, origin, copy=False)
    offset, length, checksum = _write_index(stream, placed)
    size = stream.tell() - end
    stream.flush()
    os.fsync(stream.fileno())
    header = _header(code, offset, length, checksum)
    stream.seek(0)
    stream.write(header)
    stream.flush()
    os.fsync(stream.fileno())
    return Written(written, reused, dropped, size + len(header), whole=False)


def _write_all(stream: BinaryIO, segments: Iterable[Segment | Unread | Kept], origin: Origin | None, copy: bool) -> tuple[list[Placed], int, int, int]:
    """Write the segments that changed at the stream's position; those that did not are copied
    from ``origin`` (``copy``) or keep their place in it. Their places, and how many were
    pickled, kept and dropped."""
    pickler = _SegmentPickler(stream)
    placed: list[Placed] = []
    written = reused = dropped = 0
    with collector_paused():
        for segment in segments:
            if isinstance(segment, Unread | Kept):
                assert origin is not None, "only a loaded state has unread or kept segments"
                unread = origin.placed[segment.name]
                try:
                    placed.append(_copy(origin, stream, unread) if copy else unread)
                    reused += 1
                except Damaged:  # nothing of it was written: `_copy` checks before it writes
                    if isinstance(segment, Kept):
                        raise
                    dropped += 1
                continue
            comparable = origin is not None and (segment.equal or isinstance(segment.rows, list))
            old = origin.reusable(segment.name, segment.rows, segment.refs, segment.equal) if comparable else None  # type: ignore[union-attr]
            if old is not None:
                placed.append(_copy(origin, stream, old) if copy else old)  # type: ignore[arg-type]
                reused += 1
            else:
                placed.append(pickler.dump(segment.name, segment.rows, segment.refs, segment.reducers))
                written += 1
    return placed, written, reused, dropped


def _write_index(stream: BinaryIO, placed: list[Placed]) -> tuple[int, int, bytes]:
    """Write the index of ``placed`` at the stream's position: its offset, length and checksum."""
    index = pickle.dumps([(p.name, p.offset, p.length, p.checksum) for p in placed], protocol=pickle.HIGHEST_PROTOCOL)
    offset = stream.tell()
    stream.write(index)
    return offset, len(index), hashlib.sha256(index).digest()


def open_state(stream: BinaryIO, code: str) -> Origin:
    """A state file's index, checked, with nothing read yet but the header and the index.

    Raises `OtherFormat` for a file of another format or code, `Damaged` for
    one cut short or whose index does not match its checksum."""
    with _shared_lock(stream):  # not while a save rewrites the header
        line = stream.readline(4096)
        fields = line.decode("ascii", "replace").split()
        if len(fields) != HEADER_FIELDS or fields[0] != FORMAT or fields[1] != code:
            raise OtherFormat
        try:
            offset, length, checksum = int(fields[2], 16), int(fields[3], 16), bytes.fromhex(fields[4])
        except ValueError:
            raise Damaged from None
        index = pickle.loads(_read(stream, offset, length, checksum))
    placed = {name: Placed(name, at, size, digest) for name, at, size, digest in index}
    live = len(line) + length + sum(place.length for place in placed.values())
    return Origin(stream, placed, len(line), live, offset + length)


@contextlib.contextmanager
def _shared_lock(stream: BinaryIO) -> Iterator[None]:
    locked = False
    with contextlib.suppress(OSError):  # a file system without locks: read without
        fcntl.flock(stream.fileno(), fcntl.LOCK_SH)
        locked = True
    try:
        yield
    finally:
        if locked:
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)


def read_segments(stream: BinaryIO, code: str) -> Iterator[tuple[Placed, Any]]:
    """Each segment of a state file (written without references), checked and unpickled, in the order written."""
    origin = open_state(stream, code)
    for name, place in origin.placed.items():
        yield place, origin.read(name)


def _read(stream: BinaryIO, offset: int, length: int, checksum: bytes) -> bytes:
    if offset + length > os.fstat(stream.fileno()).st_size:  # a header half rewritten may name any place
        raise Damaged
    data = os.pread(stream.fileno(), length, offset)
    if len(data) != length or hashlib.sha256(data).digest() != checksum:
        raise Damaged
    return data


def _copy(origin: Origin, target: BinaryIO, old: Placed) -> Placed:
    """Copy one segment's bytes from the old file, checked before a byte is written
    (again for a segment that was read: the file may have changed under us since),
    or the bytes held since they were checked at load (`Origin.hold`)."""
    data = origin.held.get(old.name)
    if data is None:
        data = _read(origin.stream, old.offset, old.length, old.checksum)
    offset = target.tell()
    target.write(data)
    return Placed(old.name, offset, old.length, old.checksum)


def _header(code: str, offset: int, length: int, checksum: bytes) -> bytes:
    return f"{FORMAT} {code} {offset:0{NUMBER_WIDTH}x} {length:0{NUMBER_WIDTH}x} {checksum.hex()}\n".encode("ascii")


class _SegmentPickler:
    """Pickles segments one after another into the file, each with a fresh memo, hashing the bytes on their way.

    A fresh pickler for each: ``clear_memo`` keeps the memo table at its
    largest size and walks all of it, and the first segment (the build
    state) makes it large; 10,000 clears of it took 13 s."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.writer = _HashingWriter(stream)
        self.reducers = _dataclass_reducers()

    def dump(self, name: str, rows: Any, refs: tuple | Keyed = (), reducers: Mapping[type, Callable[[Any], tuple]] | None = None) -> Placed:
        offset = self.stream.tell()
        self.writer.digest = hashlib.sha256()
        pickler = pickle.Pickler(self.writer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = self.reducers if not reducers else {**self.reducers, **reducers}
        if refs:
            positions = refs.keys if isinstance(refs, Keyed) else {id(obj): number for number, obj in enumerate(refs)}
            pickler.persistent_id = lambda obj: positions.get(id(obj))  # type: ignore[method-assign]
        pickler.dump(rows)
        return Placed(name, offset, self.stream.tell() - offset, self.writer.digest.digest())


class _HashingWriter:
    """A file that also hashes what is written to it: the pickler's output, checksummed on its way to disk."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.stream.write(data)


def _dataclass_reducers() -> dict[type, Callable[[Any], tuple]]:
    """How this pickler reduces each of digest's slotted dataclasses: to its class and field values.

    A slotted dataclass pickles through `dataclasses`' own ``__getstate__``
    and ``__setstate__``, which look its fields up again for every object.
    A class whose ``__init__`` is the one `dataclasses` generated, taking
    every field in order, is rebuilt by calling it (about half the time of
    setting each field from Python); any other through `_rebuild_dataclass`.
    The table is this pickler's own, not the global `copyreg` one."""
    reducers: dict[type, Callable[[Any], tuple]] = {}
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("digest."):
            continue
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and "__slots__" in vars(value) and value not in reducers:
                names = tuple(f.name for f in dataclasses.fields(value))
                if _generated_init(value):
                    reducers[value] = functools.partial(_reduce_to_init, names)
                else:
                    reducers[value] = functools.partial(_reduce_dataclass, names)
    return reducers


def _generated_init(cls: type) -> bool:
    """Whether ``cls(*field values)`` rebuilds an object exactly: the generated ``__init__``, nothing after it."""
    fields = dataclasses.fields(cls)
    params = getattr(cls, "__dataclass_params__", None)
    code = getattr(vars(cls).get("__init__"), "__code__", None)
    return (
        params is not None and params.init
        and all(f.init and not f.kw_only for f in fields)
        and not hasattr(cls, "__post_init__")
        and code is not None and code.co_filename == "<string>"  # made by dataclasses, not written in the class
        and code.co_argcount == len(fields) + 1
    )


def _reduce_to_init(names: tuple[str, ...], obj: Any) -> tuple:
    return type(obj), tuple([getattr(obj, name) for name in names])


def _reduce_dataclass(names: tuple[str, ...], obj: Any) -> tuple:
    return _rebuild_dataclass, (type(obj), names, tuple([getattr(obj, name) for name in names]))


def _rebuild_dataclass(cls: type, names: tuple[str, ...], values: tuple) -> Any:
    obj: Any = object.__new__(cls)
    for name, value in zip(names, values, strict=True):
        object.__setattr__(obj, name, value)
    return obj

