"""The saved state's file: segments pickled on their own, kept in place when unchanged, each checked on reading."""

from __future__ import annotations

import gc
import os
import tracemalloc
from pathlib import Path

import pytest

from digest.errors import Location
from digest.pipeline import statefile
from digest.pipeline.statefile import Damaged, Origin, OtherFormat, Segment, Unread, collector_paused, open_state, read_segments, write_segments


def rows_of(name: str, size: int) -> list[tuple]:
    """Rows as the caches give them: (table, key, value), the value holding dataclasses and shared objects."""
    shared = Location(f"content/articles/{name}.yaml", 3, 5)
    return [("parsed", (name, number), (shared, [Location(shared.path, number, 1)] * 3, f"text {name} {number}")) for number in range(size)]


def write(path: Path, segments: list, origin: Origin | None = None, code: str = "code"):
    """Write (name, rows) pairs, or `Segment`s and `Unread`s as they are."""
    with open(path, "wb") as stream:
        return write_segments(stream, code, [s if isinstance(s, (Segment, Unread)) else Segment(*s) for s in segments], origin)


def read(path: Path, code: str = "code") -> Origin:
    """Every segment of the file read (none written with references)."""
    stream = open(path, "rb")  # noqa: SIM115 - the Origin keeps it, closed below
    origin = open_state(stream, code)
    for name in origin.placed:
        origin.read(name)
    return origin


def rows_read(origin: Origin) -> dict:
    return {name: rows for name, (rows, _) in origin.decoded.items()}


def test_segments_come_back_equal_and_keep_identity_within_a_segment(tmp_path):
    segments = [("state", {"pages": 3}), ("article a", rows_of("a", 4)), ("article b", rows_of("b", 2))]
    written = write(tmp_path / "state.bin", segments)
    assert (written.segments, written.reused) == (3, 0)
    origin = read(tmp_path / "state.bin")
    try:
        assert rows_read(origin) == dict(segments)
        first, second = origin.decoded["article a"][0][:2]
        assert first[2][0] is second[2][0], "an object shared within a segment is shared again once read"
    finally:
        origin.close()


def test_a_save_copies_the_segments_whose_rows_are_the_objects_it_read(tmp_path):
    write(tmp_path / "old.bin", [("state", 1), ("article a", rows_of("a", 3)), ("article b", rows_of("b", 3)), ("article c", rows_of("c", 3))])
    origin = read(tmp_path / "old.bin")
    kept = rows_read(origin)
    edited = [*kept["article b"][:2], ("parsed", ("b", 2), "edited")]
    segments = [("state", 2), ("article a", list(kept["article a"])), ("article b", edited), ("article c", list(kept["article c"]))]
    written = write(tmp_path / "new.bin", segments, origin)
    origin.close()
    assert (written.segments, written.reused) == (2, 2), "the state and the edited segment are pickled, a and c copied"
    again = read(tmp_path / "new.bin")
    try:
        assert rows_read(again) == dict(segments)
    finally:
        again.close()


def test_equal_rows_that_are_new_objects_are_pickled_again(tmp_path):
    """Only the very objects read are known to be what the old bytes say; an equal copy may be a different thing."""
    write(tmp_path / "old.bin", [("article a", rows_of("a", 3))])
    origin = read(tmp_path / "old.bin")
    written = write(tmp_path / "new.bin", [("article a", rows_of("a", 3))], origin)
    origin.close()
    assert (written.segments, written.reused) == (1, 0)


def test_saving_holds_one_segment_at_a_time(tmp_path):
    """A big site's state is hundreds of megabytes: the pickler's memo must not grow with all of it."""
    segments = [(f"article {number}", rows_of(str(number), 120)) for number in range(1200)]
    tracemalloc.start()
    try:
        write(tmp_path / "state.bin", segments)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = (tmp_path / "state.bin").stat().st_size
    assert size > 5_000_000
    # One pickle of everything held about six times the file (the memo of every object, and the
    # argument tuple of every dataclass kept alive by it); segment by segment, under a tenth.
    assert peak < size / 10, f"saving {size:,} bytes held {peak:,} bytes at once"


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def flip_a_segment_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[data.index(b"\n") + 20] ^= 0xFF
    path.write_bytes(bytes(data))


def cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-30])


@pytest.mark.parametrize("damage", [flip_last_byte, flip_a_segment_byte, cut_short], ids=["index", "segment", "truncated"])
def test_damage_anywhere_is_found(tmp_path, damage):
    write(tmp_path / "state.bin", [("state", 1), ("article a", rows_of("a", 30))])
    damage(tmp_path / "state.bin")
    with open(tmp_path / "state.bin", "rb") as stream, pytest.raises(Damaged):
        list(read_segments(stream, "code"))


def test_another_code_or_format_is_told_apart(tmp_path):
    write(tmp_path / "state.bin", [("state", 1)], code="old-code")
    with open(tmp_path / "state.bin", "rb") as stream, pytest.raises(OtherFormat):
        list(read_segments(stream, "new-code"))
    (tmp_path / "other.bin").write_bytes(b"digest-state/1 code 0123\n" + b"x" * 100)
    with open(tmp_path / "other.bin", "rb") as stream, pytest.raises(OtherFormat):
        list(read_segments(stream, "code"))


def test_a_segment_is_read_only_when_asked_for_and_checked_then(tmp_path):
    """A build after an edit reads the segments it needs: the others are neither unpickled nor trusted unread."""
    write(tmp_path / "state.bin", [("state", 1), ("article a", rows_of("a", 3)), ("article b", rows_of("b", 3))])
    data = bytearray((tmp_path / "state.bin").read_bytes())
    at = data.index(b"text b 1")
    data[at] ^= 0xFF  # inside article b's pickle
    (tmp_path / "state.bin").write_bytes(bytes(data))
    with open(tmp_path / "state.bin", "rb") as stream:
        origin = open_state(stream, "code")
        assert origin.decoded == {}, "opening reads the index only"
        assert origin.read("article a") == rows_of("a", 3)
        assert set(origin.decoded) == {"article a"}
        with pytest.raises(Damaged):
            origin.read("article b")


def test_references_are_the_objects_given_not_copies(tmp_path):
    """A memo segment keyed by the objects of the segment read before it finds them again by identity."""
    text, record = "the seed's text " * 20, Location("content/articles/a.yaml", 1, 1)
    rows = [("normalised", (), "its normalised text", text), ("anchored", ("claim",), "passages", text, record)]
    write(tmp_path / "state.bin", [Segment("memo a", rows, (text, record))])
    again_text, again_record = "the seed's text " * 20, Location("content/articles/a.yaml", 1, 1)
    with open(tmp_path / "state.bin", "rb") as stream:
        origin = open_state(stream, "code")
        read_back = origin.read("memo a", (again_text, again_record))
        assert read_back == rows
        assert read_back[0][3] is again_text and read_back[1][4] is again_record
        assert origin.reusable("memo a", read_back, (again_text, again_record)) is not None
        assert origin.reusable("memo a", read_back, (text, record)) is None, "other references: the old bytes name other objects"


def test_an_unread_segment_is_copied_or_left_out_when_damaged(tmp_path):
    write(tmp_path / "old.bin", [("state", 1), ("memo a", rows_of("a", 3)), ("memo b", rows_of("b", 3))])
    data = bytearray((tmp_path / "old.bin").read_bytes())
    data[data.index(b"text b 1")] ^= 0xFF
    (tmp_path / "old.bin").write_bytes(bytes(data))
    with open(tmp_path / "old.bin", "rb") as stream:
        origin = open_state(stream, "code")
        written = write(tmp_path / "new.bin", [Segment("state", 2), Unread("memo a"), Unread("memo b")], origin)
    assert (written.segments, written.reused, written.dropped) == (1, 1, 1)
    again = read(tmp_path / "new.bin")
    try:
        assert rows_read(again) == {"state": 2, "memo a": rows_of("a", 3)}
    finally:
        again.close()


def test_what_is_made_while_the_collector_is_paused_is_kept_out_of_later_collections():
    """A load's millions of objects are not walked by every collection of the build after it (`gc.freeze`);
    a nested pause leaves that to the outer one, and the collector is on again after."""
    assert gc.isenabled()
    try:
        with collector_paused():
            with collector_paused():
                inner = [[number] for number in range(100)]
            assert not gc.isenabled()
            collected = {id(obj) for generation in range(3) for obj in gc.get_objects(generation)}
            assert all(id(item) in collected for item in inner), "not frozen before the outer pause ends"
            made = [[number] for number in range(1_000)]
        assert gc.isenabled()
        collected = {id(obj) for generation in range(3) for obj in gc.get_objects(generation)}
        assert not any(id(item) in collected for item in [*inner, *made])
    finally:
        gc.unfreeze()


def saved(path: Path, segments: list, origin: Origin | None = None, code: str = "code"):
    """Save (name, rows) pairs at ``path`` as a build does: appended to the origin's file when it may be."""
    return statefile.save_state_file(path, code, [s if isinstance(s, (Segment, Unread)) else Segment(*s) for s in segments], origin)


def edited_segments(origin: Origin, edited: str = "article b") -> list:
    """The segments read, every one kept but ``edited``'s last row (a new object: never the one read) and the state."""
    kept = rows_read(origin)
    return [("state", kept["state"] + 1), *((name, list(rows) if name != edited else [*rows[:-1], ("parsed", ("b", 99), Location("edited", 1, 1))])
                                              for name, rows in kept.items() if name != "state")]


def test_a_save_after_an_edit_appends_the_changed_segments_and_leaves_the_others_in_place(tmp_path, monkeypatch):
    """An edit costs what it changed: the unchanged segments are neither read, copied nor written again."""
    path = tmp_path / "state.bin"
    saved(path, [("state", 1), *((f"article {name}", rows_of(name, 200)) for name in "abcdefgh")])
    before = path.read_bytes()
    origin = read(path)
    places = dict(origin.placed)
    segments = edited_segments(origin)
    reads = []
    real_pread = os.pread
    monkeypatch.setattr(os, "pread", lambda fd, length, offset: reads.append(length) or real_pread(fd, length, offset))
    written = saved(path, segments, origin)
    monkeypatch.undo()
    origin.close()
    assert (written.segments, written.reused, written.whole) == (2, 7, False)
    assert reads == [], "no unchanged segment is read again"
    after = path.read_bytes()
    assert len(after) == len(before) + written.bytes - len(after.split(b"\n", 1)[0]) - 1, "appended, and the header rewritten"
    assert after[len(before):].find(b"text a 1") == -1, "article a is not written again"
    assert written.bytes < places["article b"].length + 2_000, "the edited segment, the state and an index"
    header = len(before.split(b"\n", 1)[0]) + 1
    assert after[header: len(before)] == before[header:], "nothing but the header is written over"
    again = read(path)
    try:
        assert rows_read(again) == dict(segments)
        assert all(again.placed[name] == places[name] for name in places if name not in ("state", "article b"))
    finally:
        again.close()


class Killed(BaseException):
    """The process died here (nothing of digest's catches a BaseException of its own)."""


class DyingFile:
    """A state file that takes its first ``budget`` bytes written (all if None), then dies: what a save killed
    at that byte leaves. Notes each write's offset in ``events``."""

    def __init__(self, path: Path, mode: str, budget: int | None, events: list):
        self.raw = open(path, mode, buffering=0)  # noqa: SIM115 - closed by close()
        self.budget = budget
        self.events = events

    def write(self, data: bytes) -> int:
        data = bytes(data)
        self.events.append(("write", self.raw.tell()))
        if self.budget is not None and len(data) > self.budget:
            self.raw.write(data[: self.budget])
            self.budget = 0
            raise Killed
        if self.budget is not None:
            self.budget -= len(data)
        return self.raw.write(data)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.raw.close()


@pytest.mark.parametrize("compaction", [False, True], ids=["append", "whole-file"])
def test_a_save_killed_at_any_byte_leaves_the_old_state_or_the_new(tmp_path, monkeypatch, compaction):
    """Killed anywhere in its writes, a save leaves a file that reads back as the old state or the new one,
    or (the header torn while it was rewritten) is found damaged: never a state that is neither."""
    path = tmp_path / "state.bin"
    old_segments = [("state", 1), ("article a", rows_of("a", 3)), ("article b", rows_of("b", 3)), ("memo b", rows_of("mb", 2))]
    saved(path, old_segments)
    old_bytes = path.read_bytes()
    header = len(old_bytes.split(b"\n", 1)[0]) + 1

    def save_killed_at(budget: int | None) -> tuple[list, object]:
        path.write_bytes(old_bytes)
        if compaction:  # another build has replaced the file since this one read it: written whole
            os.rename(path, tmp_path / "moved.bin")
            path.write_bytes(old_bytes)
        origin = read(tmp_path / "moved.bin" if compaction else path)
        segments = edited_segments(origin)
        events.clear()
        monkeypatch.setattr(statefile, "open", lambda p, mode: DyingFile(p, mode, budget, events), raising=False)
        monkeypatch.setattr(os, "fsync", lambda fd: events.append(("fsync",)))  # noted, not waited for: the order is what counts
        real_replace = os.replace
        monkeypatch.setattr(os, "replace", lambda a, b: events.append(("rename",)) or real_replace(a, b))
        try:
            return segments, saved(path, segments, origin)
        except Killed:
            return segments, None
        finally:
            monkeypatch.undo()
            origin.close()

    events: list = []
    new_segments, written = save_killed_at(None)
    assert written.whole is compaction
    last_write = max(number for number, event in enumerate(events) if event[0] == "write")
    if compaction:
        assert events[last_write:] == [events[last_write], ("fsync",), ("rename",)], "the new file on disk before it is named"
    else:
        assert events[last_write] == ("write", 0) and events[last_write - 1] == ("fsync",), "what is appended is on disk before the header names it"
        assert all(event[1] >= len(old_bytes) for event in events[:last_write] if event[0] == "write"), "nothing written over but the header"
    total, rewritten = written.bytes, header  # the count includes the header, written last
    # Every few bytes of the segments and the index (all alike), every byte of the header rewritten last.
    budgets = sorted({*range(0, total - rewritten, 11), *range(max(total - rewritten - 2, 0), total + 1)})
    outcomes = set()
    for budget in budgets:
        _, result = save_killed_at(budget)
        (tmp_path / "state.bin.tmp").unlink(missing_ok=True)  # what a killed whole-file save leaves beside, unnamed
        try:
            state = rows_read(read(path))
        except Damaged:
            assert not compaction and budget > total - rewritten, f"damaged when killed at byte {budget}, before the header was touched"
            outcomes.add("damaged")
            continue
        assert state in (dict(old_segments), dict(new_segments)), f"killed at byte {budget}: neither state"
        outcomes.add("new" if state == dict(new_segments) else "old")
        if result is not None:
            assert state == dict(new_segments)
    assert {"old", "new"} <= outcomes


def test_a_file_mostly_dead_is_written_whole_again(tmp_path):
    """Each append leaves the bytes of the segments it replaced dead: once they outnumber the live ones, a save
    compacts (a whole new file, renamed in), so the file stays within about twice what the state needs."""
    path = tmp_path / "state.bin"
    saved(path, [("state", 1), *((f"article {name}", rows_of(name, 50)) for name in "abcd")])
    kinds = []
    for _ in range(8):
        origin = read(path)
        written = saved(path, edited_segments(origin, "article a"), origin)
        origin.close()
        kinds.append(written.whole)
        again = read(path)
        assert path.stat().st_size <= 2 * again.live + 3 * max(p.length for p in again.placed.values())
        again.close()
    assert False in kinds and True in kinds, kinds
    assert path.stat().st_size == again.live if kinds[-1] else True


@pytest.mark.parametrize(("table", "kept"), [({"a": b"1", "b": (1, "x")}, True), ({"a": b"1", "b": (1, "y")}, False), ({"a": b"1"}, False)])
def test_a_table_of_plain_values_is_kept_while_equal_to_what_was_read(tmp_path, table, kept):
    """The build state's tables are made anew by every build: equal (``==``) is enough to keep their bytes."""
    path = tmp_path / "state.bin"
    saved(path, [("state", 1), Segment("table", {"a": b"1", "b": (1, "x")}, equal=True)])
    origin = read(path)
    written = saved(path, [("state", 2), Segment("table", dict(table), equal=True)], origin)
    origin.close()
    assert (written.segments, written.reused) == ((1, 1) if kept else (2, 0))
    again = read(path)
    try:
        assert rows_read(again) == {"state": 2, "table": table}
    finally:
        again.close()
