"""data.json written record by record: each record encoded once when made, the records joined as bytes (`export.records_json_bytes`)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.render.export import compact_json_bytes, records_json_bytes

from conftest import copy_site, read_tree
from test_incremental import CHANGES, clean_build


def one_record_per_line(head: dict, lists: dict[str, list[bytes]]) -> bytes:
    """The export as `json` writes it, then each list's records put one per line: what the join must equal."""
    fields = [f"  {json.dumps(name)}: {json.dumps(value, ensure_ascii=False, separators=(', ', ': '))}".encode() for name, value in head.items()]
    for name, records in lists.items():
        key = f"  {json.dumps(name)}: ".encode()
        fields.append(key + b"[\n    " + b",\n    ".join(records) + b"\n  ]" if records else key + b"[]")
    return b"{\n" + b",\n".join(fields) + b"\n}\n"


RECORD = st.builds(lambda number, text: compact_json_bytes({"id": number, "text": text}), st.integers(0, 5), st.text(max_size=8))
LISTS = st.fixed_dictionaries({name: st.lists(RECORD, max_size=4) for name in ("articles", "people", "claims")})
HEAD = st.sampled_from([{}, {"format": "digest-data/1"}, {"format": "digest-data/1", "site": {"title": "Ünïcode"}}])


@settings(max_examples=200, deadline=None)
@given(HEAD, LISTS)
def test_the_joined_export_is_json_with_one_record_per_line(head, lists):
    data = records_json_bytes(head, lists)
    assert data == one_record_per_line(head, lists)
    assert json.loads(data) == {**head, **{name: [json.loads(record) for record in records] for name, records in lists.items()}}


@pytest.mark.parametrize("change", ["sidecar", "person"])
def test_a_session_writes_data_json_with_the_bytes_of_a_clean_build(change, tmp_path):
    from digest.pipeline.session import SiteBuilder

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    CHANGES[change](site)
    rebuild = builder.build()
    assert rebuild.ok and "data.json" in rebuild.written
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")
