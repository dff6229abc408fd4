"""The reads of a whole site: the graph reads of `reads.py` and those that need the site's other parts.

A few reads are about the site as a whole rather than the graph: the
sitemap lists every page `pages.site_pages` makes; the outlet and
comparison reads come from `outlets.py`, the export from `export.py`. They
sit here, above all of those, so that the modules they draw on never import
one another in a circle; a `Reader` is given `SITE_READS`.
"""

from __future__ import annotations

import datetime
from types import MappingProxyType

from digest.graph.model import Article, SiteGraph
from digest.render.export import article_record, claim_record, compact_json_bytes, event_record, export_head, person_record
from digest.render.pages import site_pages
from digest.views.listing import COMPARE_ROWS_PER_PAGE, OUTLET_ROWS_PER_PAGE, articles_by_month, comparison_order, month_path
from digest.views.outlets import ComparisonPage, OutletPage, OutletSummary, carried, comparison_page, outlet_name, outlet_page, outlet_slugs, outlets
from digest.views.paging import page_number, page_slice, split_page_arg
from digest.views.reads import READS, SCOPES, Read, Scope


def _sitemap(graph: SiteGraph, _: str) -> tuple[tuple[str, datetime.date | None], ...]:
    """Every HTML page with the date its content last changed (from the content, not the clock).

    The pages are those `site_pages` makes, so a new kind of list page can
    never be left out. A page about one thing, or a month's list, is dated
    by the newest article it draws on (all its numbered pages alike); any
    other list by the newest article of all.
    """
    dates = [a.published for a in graph.articles.values() if a.published]
    newest = max(dates, default=None)
    dated: dict[str, datetime.date | None] = {}
    by_outlet: dict[str, list[Article]] = {}
    for article in graph.articles.values():
        by_outlet.setdefault(article.outlet, []).append(article)
        dated[f"articles/{article.slug}/"] = article.published
    for outlet, slug in outlet_slugs(graph).items():
        published = [a.published for a in by_outlet.get(outlet, []) if a.published]
        dated[f"outlets/{slug}/"] = max(published, default=None)
    for pid in graph.people:
        named = [graph.articles[m.article].published for m in graph.mentions.get(pid, [])]
        dated[f"people/{pid}/"] = max((d for d in named if d), default=None)
    for cid, claim in graph.claims.items():
        carried = [graph.articles[o.article].published for o in claim.occurrences if o.article in graph.articles]
        dated[f"claims/{cid}/"] = claim.reviewed or max((d for d in carried if d), default=None)
    for key, stems in articles_by_month(graph).items():
        dated[month_path(graph, key)] = graph.articles[stems[0]].published
    pages = [page.url_path for page in site_pages(graph) if page.path.endswith("index.html")]
    return tuple(sorted((path, dated.get(_first_page(path), newest)) for path in pages))


def _first_page(url_path: str) -> str:
    """'claims/status/reported/page/2/' -> 'claims/status/reported/'."""
    head, found, number = url_path.rstrip("/").rpartition("/page/")
    return head + "/" if found and number.isdigit() else url_path


def _outlets(graph: SiteGraph, _: str) -> tuple[OutletSummary, ...]:
    return outlets(graph)


def _outlets_top(graph: SiteGraph, count: str) -> tuple[tuple[OutletSummary, ...], int]:
    """The outlets with the most articles, and how many outlets there are in all."""
    ranked = sorted(outlets(graph), key=lambda outlet: (-outlet.articles, outlet.name))
    return tuple(ranked[: int(count)]), len(ranked)


def _outlet_page(graph: SiteGraph, arg: str) -> OutletPage:
    """One page of an outlet's page ('rt/2'): see digest.views.outlets."""
    slug, number = split_page_arg(arg)
    return outlet_page(graph, slug, number)


def _outlet_slugs(graph: SiteGraph, _: str) -> tuple[tuple[str, str], ...]:
    return tuple(outlet_slugs(graph).items())


def _comparison_page(graph: SiteGraph, number: str) -> ComparisonPage:
    """One page of the comparison: its claims and events against every outlet (digest.views.outlets)."""
    return comparison_page(graph, page_number(number))


def _export_ids(graph: SiteGraph, _: str) -> tuple[tuple[str, ...], ...]:
    """The ids of data.json's records, in its order: articles, people, claims, events."""
    return tuple(graph.articles), tuple(graph.people), tuple(graph.claims), tuple(graph.events)


def _occurrence_summaries(entity: str) -> Scope:
    """A claim's or event's record: the entity and the slugs of the articles it links to (their summaries)."""

    def scope(graph: SiteGraph, eid: str) -> tuple[str, ...]:
        found = (graph.claims if entity == "claim" else graph.events)[eid]
        return (f"{entity}:{eid}", *(f"summary:{stem}" for stem in dict.fromkeys(o.article for o in found.occurrences)))

    return scope


def _outlet_page_scope(graph: SiteGraph, arg: str) -> tuple[str, ...]:
    """An outlet's page: which articles, claims and events the outlet carries, and the rows on this page
    (each row shows every outlet's articles: their summaries)."""
    slug, number = split_page_arg(arg)
    lists = carried(graph)[outlet_name(graph, slug)]
    part = slice((number - 1) * OUTLET_ROWS_PER_PAGE, number * OUTLET_ROWS_PER_PAGE)
    rows = [f"claim:{cid}" for cid in lists.claims[part]] + [f"event:{eid}" for eid in lists.events[part]]
    return ("outlets", f"carried:{slug}", "articles", *rows)


def _comparison_page_scope(graph: SiteGraph, arg: str) -> tuple[str, ...]:
    """A page of the comparison: the order of all rows (it shows their number) and the rows on this page."""
    rows = page_slice(comparison_order(graph), page_number(arg), COMPARE_ROWS_PER_PAGE)
    return ("comparison", "outlets", "articles", *(f"{kind}:{entity_id}" for kind, entity_id in rows))


SITE_SCOPES: MappingProxyType[str, Scope] = MappingProxyType({
    **SCOPES,
    # Not "claims": a claim's words are on no page's address or date (an edit of them left the sitemap to be
    # computed again, every page of the site listed: 0.1 s at 10,000 articles).
    "sitemap": lambda graph, _: ("articles", "people", "mentions", "claim-places", "events"),
    "outlets": lambda graph, _: ("articles", "claims", "events"),
    "outlets-top": lambda graph, _: ("articles", "claims", "events"),
    "outlet-page": _outlet_page_scope,
    "outlet-slugs": lambda graph, _: ("articles",),
    "comparison-page": _comparison_page_scope,
    "export-head": lambda graph, _: (),
    "export-ids": lambda graph, _: ("articles", "people", "claims", "events"),
    "export-article": lambda graph, stem: (f"article:{stem}", f"claims-in:{stem}", f"events-in:{stem}"),
    "export-person": lambda graph, pid: (f"person:{pid}", f"mentions:{pid}"),
    "export-claim": _occurrence_summaries("claim"),
    "export-event": _occurrence_summaries("event"),
})
"""What each read of `SITE_READS` is made from (see `topics.py`)."""

CARRIED_READS = frozenset({"export-article", "export-person", "export-claim", "export-event"})
"""Reads whose values a watch session keeps for its next build, taken as they are while their topics
keep their digests: data.json's records (JSON text, one per article, person, claim and event), so that
an edit writes data.json again by computing only the records it changed."""


SITE_READS: MappingProxyType[str, Read] = MappingProxyType({
    **READS,
    "sitemap": _sitemap,
    "export-head": lambda graph, _: export_head(graph),
    "export-ids": _export_ids,
    "export-article": lambda graph, stem: compact_json_bytes(article_record(graph, stem)),
    "export-person": lambda graph, pid: compact_json_bytes(person_record(graph, pid)),
    "export-claim": lambda graph, cid: compact_json_bytes(claim_record(graph, cid)),
    "export-event": lambda graph, eid: compact_json_bytes(event_record(graph, eid)),
    "outlets": _outlets,
    "outlets-top": _outlets_top,
    "outlet-page": _outlet_page,
    "outlet-slugs": _outlet_slugs,
    "comparison-page": _comparison_page,
})
