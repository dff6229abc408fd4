"""data.json written record by record: a session's next export spliced into the last one's bytes (`export.splice_records`)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.render import export
from digest.render.export import RecordsFile, compact_json_bytes, records_file, splice_records

from conftest import copy_site, read_tree
from test_incremental import CHANGES, clean_build


def joined(head: dict, lists: dict[str, list[bytes]]) -> bytes:
    """The export as one join of every record, the way it was written before splicing: what a splice must equal."""
    fields = [f"  {json.dumps(name)}: {export.compact_json(value)}".encode() for name, value in head.items()]
    for name, records in lists.items():
        key = f"  {json.dumps(name)}: ".encode()
        fields.append(key + b"[\n    " + b",\n    ".join(records) + b"\n  ]" if records else key + b"[]")
    return b"{\n" + b",\n".join(fields) + b"\n}\n"


RECORD = st.builds(lambda number, text: compact_json_bytes({"id": number, "text": text}), st.integers(0, 5), st.text(max_size=8))
LISTS = st.fixed_dictionaries({name: st.lists(RECORD, max_size=4) for name in ("articles", "people", "claims")})
HEAD = st.sampled_from([{}, {"format": "digest-data/1"}, {"format": "digest-data/1", "site": {"title": "Ünïcode"}}])


@settings(max_examples=200, deadline=None)
@given(HEAD, LISTS, st.data())
def test_a_spliced_export_has_the_bytes_of_one_written_whole(head, lists, data):
    """Records replaced (longer, shorter, equal but not the same object), or lists of another length: the same bytes."""
    last = records_file(head, lists)
    assert last.data == joined(head, lists)
    json.loads(last.data)
    for _ in range(data.draw(st.integers(1, 4))):
        edited = {}
        for name, records in lists.items():
            if data.draw(st.booleans()):  # another list: records added or removed
                edited[name] = data.draw(st.lists(RECORD, max_size=4))
            else:  # each record kept, replaced, or copied (equal bytes, another object)
                how = st.sampled_from(["kept", "copied", "replaced"])
                edited[name] = [record if (way := data.draw(how)) == "kept" else bytes(bytearray(record)) if way == "copied" else data.draw(RECORD)
                                for record in records]
        lists = edited
        last = splice_records(last, head, lists)
        assert last == records_file(head, lists)
        assert last.data == joined(head, lists)


def test_an_export_without_a_changed_record_is_the_last_one_itself():
    lists = {"articles": [b'{"id": 1}', b'{"id": 2}'], "people": []}
    last = records_file({"format": "x"}, lists)
    assert splice_records(last, {"format": "x"}, {name: list(records) for name, records in lists.items()}) is last


@pytest.mark.parametrize("change", ["sidecar", "person"])
def test_a_session_splices_data_json_with_the_bytes_of_a_clean_build(change, tmp_path, monkeypatch):
    """After its first data.json, a session writes the next ones by splicing: no export is written whole again."""
    from digest.pipeline.session import SiteBuilder

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    whole: list[RecordsFile] = []
    monkeypatch.setattr(export, "records_file", lambda head, lists: whole.append(original(head, lists)) or whole[-1])
    original = records_file
    CHANGES[change](site)
    rebuild = builder.build()
    assert rebuild.ok and "data.json" in rebuild.written
    assert whole == [], "spliced into the last data.json, not joined whole"
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")
