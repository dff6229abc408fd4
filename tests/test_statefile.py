"""The saved state's file: segments pickled on their own, copied when unchanged, each checked on reading."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from digest.errors import Location
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
