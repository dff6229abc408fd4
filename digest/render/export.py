"""The annotation graph as plain data, for /data.json (format documented in the README)."""

from __future__ import annotations

import json
import re
from typing import Any

from digest.graph.model import SiteGraph
from digest.views.listing import event_path


def export_graph(graph: SiteGraph) -> dict[str, Any]:
    """The whole export as one value (data.json is written record by record: see `publish._data_json`)."""
    return {
        **export_head(graph),
        "articles": [article_record(graph, stem) for stem in graph.articles],
        "people": [person_record(graph, pid) for pid in graph.people],
        "claims": [claim_record(graph, cid) for cid in graph.claims],
        "events": [event_record(graph, eid) for eid in graph.events],
    }


EXPORT_RECORDS = {"articles": "article", "people": "person", "claims": "claim", "events": "event"}
"""The export's lists of records, in the order data.json gives them, with the read of each record (``export-<kind>``)."""


def export_head(graph: SiteGraph) -> dict[str, Any]:
    config = graph.config
    return {
        "format": "digest-data/1",
        "site": {"title": config.title, "url": config.base_url, "description": config.description, "language": config.language},
        "statuses": [{"id": s.id, "label": s.label, "description": s.description} for s in config.statuses.values()],
    }


def _article_url(graph: SiteGraph, stem: str) -> str:
    return f"{graph.config.base_url}articles/{graph.articles[stem].slug}/"


def article_record(graph: SiteGraph, stem: str) -> dict[str, Any]:
    a = graph.articles[stem]
    return {
        "id": a.stem,
        "url": _article_url(graph, a.stem),
        "title": a.title,
        "subtitle": a.subtitle,
        "outlet": a.outlet,
        "published": a.published.isoformat() if a.published else None,
        "author": a.author,
        "original_url": a.url,
        "captured": a.captured.isoformat() if a.captured else None,
        "versions": [
            {"number": v.number, "file": v.file, "captured": v.captured.isoformat(),
             "replaced": v.next_captured.isoformat() if v.next_captured else None,
             "changes": [{"before": _diff_text(c.before), "after": _diff_text(c.after),
                          "removed": [t for t, changed in c.before if changed], "added": [t for t, changed in c.after if changed]}
                         for c in v.changes]}
            for v in a.versions
        ],
        "claims": sorted(graph.index.claims_in.get(a.stem, [])),
        "events": sorted(graph.index.events_in.get(a.stem, [])),
        "people": [{"id": pid, "mentions": count} for pid, count in _mention_counts(graph, a.stem)],
    }


def person_record(graph: SiteGraph, pid: str) -> dict[str, Any]:
    p = graph.people[pid]
    return {
        "id": p.id,
        "url": f"{graph.config.base_url}people/{p.id}/",
        "name": p.name,
        "aliases": list(p.aliases),
        "role": p.role,
        "organization": p.organization,
        "country": p.country,
        "description": p.description,
        "links": dict(p.links),
        "articles": [m.article for m in graph.mentions.get(p.id, [])],
    }


def claim_record(graph: SiteGraph, cid: str) -> dict[str, Any]:
    c = graph.claims[cid]
    return {
        "id": c.id,
        "url": f"{graph.config.base_url}claims/{c.id}/",
        "text": c.text,
        "status": c.status,
        "claimant": c.claimant or None,
        "claimant_text": c.claimant_text or None,
        "about": list(c.about),
        "note": c.note,
        "evidence": list(c.evidence),
        "reviewed": c.reviewed.isoformat() if c.reviewed else None,
        "history": [{"date": h.date.isoformat(), "status": h.status, "note": h.note} for h in c.history],
        "appearances": [
            {"article": o.article, "sourcing": o.sourcing or None, "quotes": list(o.quotes),
             "urls": [f"{_article_url(graph, o.article)}#{anchor}" for anchor in o.anchors]}
            for o in c.occurrences
        ],
    }


def event_record(graph: SiteGraph, eid: str) -> dict[str, Any]:
    e = graph.events[eid]
    return {
        "id": e.id,
        "url": graph.config.base_url + event_path(e.id, e.date),
        "date": e.date.text if e.date else None,
        "display_date": e.date.display(graph.locale) if e.date else None,
        "earliest": e.date.earliest.isoformat() if e.date and e.date.earliest else None,
        "latest": e.date.latest.isoformat() if e.date and e.date.latest else None,
        "throughout": e.date.is_interval if e.date else None,
        "title": e.title,
        "people": list(e.people),
        "description": e.description,
        "source_url": e.source_url or None,
        "appearances": [
            {"article": o.article, "date_text": o.date_text or None, "quotes": list(o.quotes),
             "urls": [f"{_article_url(graph, o.article)}#{anchor}" for anchor in o.anchors]}
            for o in e.occurrences
        ],
    }


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
"""One encoder for every record (json.dumps would make one per call); immutable once made."""


def compact_json(value: Any) -> str:
    """A value as JSON on one line, by `json`'s C encoder."""
    return _ENCODER.encode(value)


def compact_json_bytes(value: Any) -> bytes:
    """`compact_json` as UTF-8: data.json's records are kept so, and joined as bytes (see `records_json_bytes`)."""
    return _ENCODER.encode(value).encode()


def records_json(head: dict[str, Any], lists: dict[str, list[str]]) -> bytes:
    """An export with one record per line: each field of ``head`` on its own line, then each list of
    ``lists`` (records already written by `compact_json`), one record per line.

    A diff of two exports then shows which records changed, as with indented
    JSON, and every record is written by the C encoder, which indented output
    cannot use (about seven times faster); data.json's records are each a read
    of their own, so an edit writes again only the records it changed."""
    return records_json_bytes(head, {name: [record.encode() for record in records] for name, records in lists.items()})


def records_json_bytes(head: dict[str, Any], lists: dict[str, list[bytes]]) -> bytes:
    """`records_json` of records already encoded: data.json's 34 MB at 10,000 articles are joined as bytes,
    each record encoded once when it is made (a watch session keeps them), not the whole text on every save.

    (Splicing a session's changed records into its last data.json's bytes was tried, and taken out: it saved
    about 12 ms of a 37 ms join at 10,000 articles, benchmarks/RESULTS.md.)"""
    pieces = [b"{\n"]
    for name, value in head.items():
        pieces += [f"  {compact_json(name)}: {compact_json(value)}".encode(), b",\n"]
    for name, records in lists.items():
        pieces.append(f"  {compact_json(name)}: ".encode())
        pieces += [b"[\n    ", b",\n    ".join(records), b"\n  ]"] if records else [b"[]"]
        pieces.append(b",\n")
    if len(pieces) > 1:
        pieces.pop()  # no comma after the last field
    pieces.append(b"\n}\n")
    return b"".join(pieces)  # joined once: each `+` of the big lists copied them again (0.08 -> 0.02 s at 10,000 articles)


_RECORD_ID = re.compile(rb'\{"id": "((?:[^"\\]|\\.)*)"')
"""The id a record of data.json starts with (`compact_json` puts ``id`` first in every record)."""
_ID_START = b'{"id": "'
_ID_AT = len(_ID_START)


def records_by_read(data: bytes) -> dict[str, bytes]:
    """The records of a data.json that `records_json_bytes` wrote, each by the read that made it
    (``export-claim:<id>``...; `site_reads.CARRIED_READS`): a build that writes data.json again takes
    the records whose reads are unchanged from the live site's file rather than computing 37,000
    records at 10,000 articles, or keeping 34 MB of them in the saved state. A line that is not such a
    record (another shape of file) is left out: its record is then computed."""
    found: dict[str, bytes] = {}
    kind: str | None = None
    for line in data.split(b"\n"):
        if line[:5] == b"    {":
            if kind is None:
                continue
            record = line[4:-1] if line[-1:] == b"," else line[4:]
            entity_id = _record_id(record)
            if entity_id is not None:
                found[f"export-{kind}:{entity_id}"] = record
        elif line.startswith(b'  "'):
            name = line[3:].partition(b'"')[0].decode(errors="replace")
            kind = EXPORT_RECORDS.get(name)
    return found


def _record_id(record: bytes) -> str | None:
    """The id of one record of data.json (its first field, `_RECORD_ID`), None for a line that is not a record.

    Found with ``find`` for a plain id, the expression only for one with an escape in it: 37,000 records at 10,000 articles."""
    if record[:_ID_AT] != _ID_START or record[-1:] != b"}":
        return None
    end = record.find(b'"', _ID_AT)
    raw = record[_ID_AT:end]
    if end < 0 or b"\\" in raw:
        match = _RECORD_ID.match(record)
        return None if match is None else json.loads(b'"' + match.group(1) + b'"')
    return raw.decode()


def _diff_text(pieces: tuple[tuple[str, bool], ...]) -> str | None:
    """A paragraph of a word diff as plain text; None for a side that is not there (added or removed)."""
    return "".join(text for text, _ in pieces) if pieces else None


def _mention_counts(graph: SiteGraph, stem: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for block in graph.articles[stem].names:
        for match in block:
            counts[match.person] = counts.get(match.person, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
