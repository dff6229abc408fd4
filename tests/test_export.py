"""data.json written record by record: each record encoded once when made, the records joined as bytes (`export.records_json_bytes`)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.render.export import EXPORT_RECORDS, compact_json_bytes, records_by_read, records_json_bytes

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


KINDS = st.sampled_from(sorted(EXPORT_RECORDS))
IDS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(KINDS, IDS, st.text(max_size=6)), max_size=8), st.lists(st.text(max_size=4), max_size=2))
def test_the_records_of_a_written_export_are_found_by_the_read_that_made_each(rows, statuses):
    """Ids with quotes, backslashes, newlines and non-Latin letters; the statuses (a list of the head,
    made by no carried read) are left out."""
    lists: dict[str, list[bytes]] = {name: [] for name in EXPORT_RECORDS}
    expected: dict[str, bytes] = {}
    for name, entity_id, text in rows:
        record = compact_json_bytes({"id": entity_id, "text": text, "list": [1, {"id": "inner"}]})
        lists[name].append(record)
        expected[f"export-{EXPORT_RECORDS[name]}:{entity_id}"] = record
    head = {"format": "digest-data/1", "site": {"title": "x"}}
    data = records_json_bytes(head, {"statuses": [compact_json_bytes({"id": status}) for status in statuses], **lists})
    assert records_by_read(data) == expected
    assert records_by_read(b"not an export\n    {\"id\": \"x\"}\n") == {}


def test_digest_build_takes_data_json_s_unchanged_records_from_the_live_site(tmp_path, monkeypatch):
    """After a claim edit, `digest build` computes that claim's record alone (the others are the live data.json's
    lines), saves no record in its state, and writes a clean build's data.json."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.render import site_reads

    site, output = copy_site("basic", tmp_path), tmp_path / "site"
    first = build_site(site, output, caches=Caches())
    assert first.state.values == {}, "digest build keeps no record in its state"
    CHANGES["sidecar"](site)
    made: list[str] = []
    for name in ("article_record", "person_record", "claim_record", "event_record"):
        original = getattr(site_reads, name)
        monkeypatch.setattr(site_reads, name, lambda graph, entity_id, original=original, name=name: made.append(name) or original(graph, entity_id))
    monkeypatch.delenv("DIGEST_CHECK_SCOPES")  # the check computes every carried record: count what a build does
    second = build_site(site, output, previous=first.state, caches=Caches())
    monkeypatch.undo()
    assert "data.json" in second.rendered and second.state.values == {}
    assert made == ["claim_record"]
    assert read_tree(output) == clean_build(site, tmp_path / "clean")


def test_a_build_that_keeps_data_json_does_not_read_the_live_one(tmp_path, monkeypatch):
    from digest.caches import Caches
    from digest.pipeline import build
    from digest.pipeline.build import build_site

    site, output = copy_site("basic", tmp_path), tmp_path / "site"
    first = build_site(site, output, caches=Caches())
    (site / "content/static/extra.txt").write_text("changed static file\n")
    monkeypatch.setattr(build, "records_by_read", lambda data: pytest.fail("the live data.json was read"))
    second = build_site(site, output, previous=first.state, caches=Caches())
    assert second.rendered == []
