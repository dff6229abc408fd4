"""The annotation graph as plain data, for /data.json (format documented in the README)."""

from __future__ import annotations

from typing import Any

from digest.graph.model import SiteGraph
from digest.views.listing import event_path


def export_graph(graph: SiteGraph) -> dict[str, Any]:
    config = graph.config
    base = config.base_url

    def article_url(stem: str) -> str:
        return f"{base}articles/{graph.articles[stem].slug}/"

    return {
        "format": "digest-data/1",
        "site": {"title": config.title, "url": base, "description": config.description, "language": config.language},
        "statuses": [{"id": s.id, "label": s.label, "description": s.description} for s in config.statuses.values()],
        "articles": [
            {
                "id": a.stem,
                "url": article_url(a.stem),
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
            for a in graph.articles.values()
        ],
        "people": [
            {
                "id": p.id,
                "url": f"{base}people/{p.id}/",
                "name": p.name,
                "aliases": list(p.aliases),
                "role": p.role,
                "organization": p.organization,
                "country": p.country,
                "description": p.description,
                "links": dict(p.links),
                "articles": [m.article for m in graph.mentions.get(p.id, [])],
            }
            for p in graph.people.values()
        ],
        "claims": [
            {
                "id": c.id,
                "url": f"{base}claims/{c.id}/",
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
                     "urls": [f"{article_url(o.article)}#{anchor}" for anchor in o.anchors]}
                    for o in c.occurrences
                ],
            }
            for c in graph.claims.values()
        ],
        "events": [
            {
                "id": e.id,
                "url": base + event_path(e.id, e.date),
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
                     "urls": [f"{article_url(o.article)}#{anchor}" for anchor in o.anchors]}
                    for o in e.occurrences
                ],
            }
            for e in graph.events.values()
        ],
    }


def _diff_text(pieces: tuple[tuple[str, bool], ...]) -> str | None:
    """A paragraph of a word diff as plain text; None for a side that is not there (added or removed)."""
    return "".join(text for text, _ in pieces) if pieces else None


def _mention_counts(graph: SiteGraph, stem: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for block in graph.articles[stem].names:
        for match in block:
            counts[match.person] = counts.get(match.person, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
