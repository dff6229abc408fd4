"""Outlets side by side: who carries which claim and event, and in whose words.

The reads behind `/outlets/`, `/outlets/<slug>/` and `/compare/`. A row is a
claim or an event; a cell is one outlet's telling of it (its quotes, across
all its articles), or None where the outlet does not mention it. The
comparison and each outlet's page come in numbered pages, and a page's rows
are made for that page alone, so an edit to one claim changes the pages
that show it and no other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from digest.graph.model import Occurrence, SiteGraph
from digest.text.slugs import safe_slug, slugify
from digest.text.wording import WordDiff, word_diff
from digest.views.listing import COMPARE_ROWS_PER_PAGE, OUTLET_ROWS_PER_PAGE, comparison_order, event_path, per_graph
from digest.views.paging import page_count, page_slice
from digest.views.reads import ArticleSummary, summarise_article


@dataclass(frozen=True, slots=True)
class Column:
    """An outlet as a column of the comparison: its name and where its page is."""

    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class OutletSummary:
    name: str
    slug: str
    articles: int
    claims: int
    events: int


@dataclass(frozen=True, slots=True)
class Quote:
    article: ArticleSummary
    text: str
    anchor: str
    """The passage's id on the article page."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One outlet's telling of a claim or event."""

    outlet: str
    articles: tuple[ArticleSummary, ...]
    quotes: tuple[Quote, ...]
    sourcing: tuple[str, ...] = ()
    date_texts: tuple[tuple[str, str], ...] = ()
    """The articles' own words for the date, each with its article's language ('' for the site's)."""
    languages: tuple[str, ...] = ()
    """The languages its quotes are in (the site's where an article declares none), first seen first."""

    @property
    def wording(self) -> str:
        """All its quoted passages as one text, for comparing wordings."""
        return " … ".join(quote.text for quote in self.quotes)


@dataclass(frozen=True, slots=True)
class Row:
    kind: str
    """'claim' or 'event'."""
    id: str
    text: str
    """The claim's statement or the event's title."""
    status: str = ""
    """A claim's status id."""
    date: str = ""
    """An event's date as displayed."""
    cells: tuple[Cell | None, ...] = ()
    """Aligned with the comparison's outlets."""
    link: str = ""
    """Where the row's own page or entry is: 'claims/<id>/' or 'timeline/<year>/#event-<id>'."""


@dataclass(frozen=True, slots=True)
class ComparisonPage:
    """One page of the comparison: its rows (claims first, then events) against every outlet."""

    outlets: tuple[Column, ...]
    claims: tuple[Row, ...]
    events: tuple[Row, ...]
    total_claims: int
    total_events: int

    SHARED_PARTS: ClassVar[tuple[str, ...]] = ("claims", "events")
    """Fields whose items other reads' values hold too (a row is made once per graph and shows on its comparison
    page and on the page of each outlet carrying it): a read's fingerprint digests each once (`reads.digest_value`)."""


@dataclass(frozen=True, slots=True)
class OutletPage:
    """One page of an outlet's page: a slice of each of its lists."""

    outlet: OutletSummary
    column: int
    """This outlet's index in ``outlets`` and in every row's cells."""
    outlets: tuple[Column, ...]
    articles: tuple[ArticleSummary, ...]
    claims: tuple[Row, ...]
    """Rows of the claims it carries, with every outlet's cell."""
    events: tuple[Row, ...]

    SHARED_PARTS: ClassVar[tuple[str, ...]] = ("claims", "events")
    """See `ComparisonPage.SHARED_PARTS`."""


@dataclass(frozen=True, slots=True)
class Carried:
    """What one outlet carries, as ids in site order."""

    articles: tuple[str, ...]
    claims: tuple[str, ...]
    events: tuple[str, ...]


@per_graph
def outlet_slugs(graph: SiteGraph) -> dict[str, str]:
    """Outlet name -> URL slug, unique (a clash or an empty slug gets a number)."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for name in graph.outlets():
        base = safe_slug(slugify(name) or "outlet", "outlet")  # an outlet named "CON" or "Ｃｏｎ" needs a folder Windows can hold
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        slugs[name] = slug
    return slugs


def columns(graph: SiteGraph) -> tuple[Column, ...]:
    return tuple(Column(name, slug) for name, slug in outlet_slugs(graph).items())


@per_graph
def carried(graph: SiteGraph) -> dict[str, Carried]:
    """Outlet name -> its articles, and the claims and events its articles carry."""
    lists: dict[str, tuple[list[str], list[str], list[str]]] = {name: ([], [], []) for name in outlet_slugs(graph)}
    for stem, article in graph.articles.items():
        if article.outlet in lists:
            lists[article.outlet][0].append(stem)
    for index, entities in ((1, graph.claims), (2, graph.events)):
        for eid, entity in entities.items():
            for outlet in dict.fromkeys(graph.articles[o.article].outlet for o in entity.occurrences if o.article in graph.articles):
                if outlet in lists:
                    lists[outlet][index].append(eid)
    return {name: Carried(tuple(a), tuple(c), tuple(e)) for name, (a, c, e) in lists.items()}


def outlets(graph: SiteGraph) -> tuple[OutletSummary, ...]:
    """Every outlet with how many articles, claims and events it carries."""
    lists = carried(graph)
    return tuple(
        OutletSummary(name, slug, len(lists[name].articles), len(lists[name].claims), len(lists[name].events))
        for name, slug in outlet_slugs(graph).items()
    )


@per_graph
def _column(graph: SiteGraph) -> dict[str, int]:
    """Outlet name -> its index in every row's cells."""
    return {name: index for index, name in enumerate(outlet_slugs(graph))}


@per_graph
def _rows(graph: SiteGraph) -> dict[tuple[str, str], Row]:
    """The rows made so far of this graph, by (kind, id): a claim's row shows on its page of the comparison and on
    the page of every outlet that carries it, each of which made it again (a tenth of a cold build's render)."""
    return {}


def comparison_page(graph: SiteGraph, number: int) -> ComparisonPage:
    """The rows of one page of the comparison (each made once per graph, `_rows`): an edit to one claim changes the
    pages that show it and no other."""
    rows = page_slice(comparison_order(graph), number, COMPARE_ROWS_PER_PAGE)
    return ComparisonPage(
        columns(graph),
        tuple(claim_row(graph, cid) for kind, cid in rows if kind == "claim"),
        tuple(event_row(graph, eid) for kind, eid in rows if kind == "event"),
        len(graph.claims),
        len(graph.events),
    )


def outlet_name(graph: SiteGraph, slug: str) -> str:
    """The outlet a slug stands for; KeyError for none (a read of an outlet that is gone)."""
    for name, other in outlet_slugs(graph).items():
        if other == slug:
            return name
    raise KeyError(slug)


def outlet_page_count(graph: SiteGraph, slug: str) -> int:
    """Pages of an outlet's page: as many as its longest list needs."""
    lists = carried(graph)[outlet_name(graph, slug)]
    return page_count(max(len(lists.articles), len(lists.claims), len(lists.events)), OUTLET_ROWS_PER_PAGE)


def outlet_page(graph: SiteGraph, slug: str, number: int) -> OutletPage:
    """Page ``number`` of an outlet's page: that slice of its articles, claims and events (each may run out first)."""
    if number > outlet_page_count(graph, slug):
        raise KeyError(number)
    name = outlet_name(graph, slug)
    lists = carried(graph)[name]

    def part(ids: tuple[str, ...]) -> tuple[str, ...]:
        return ids[(number - 1) * OUTLET_ROWS_PER_PAGE : number * OUTLET_ROWS_PER_PAGE]

    return OutletPage(
        OutletSummary(name, slug, len(lists.articles), len(lists.claims), len(lists.events)),
        _column(graph)[name],
        columns(graph),
        tuple(summarise_article(graph.articles[stem]) for stem in part(lists.articles)),
        tuple(claim_row(graph, cid) for cid in part(lists.claims)),
        tuple(event_row(graph, eid) for eid in part(lists.events)),
    )


def claim_row(graph: SiteGraph, cid: str) -> Row:
    """A claim against every outlet (made once per graph)."""
    claim = graph.claims[cid]
    return _row(graph, "claim", cid, lambda: Row(
        "claim", claim.id, claim.text, status=claim.status, cells=_cells(graph, claim.occurrences, _column(graph)), link=f"claims/{claim.id}/",
    ))


def event_row(graph: SiteGraph, eid: str) -> Row:
    """An event against every outlet (made once per graph)."""
    event = graph.events[eid]
    return _row(graph, "event", eid, lambda: Row(
        "event", event.id, event.title, date=event.date.display(graph.locale) if event.date else "",
        cells=_cells(graph, event.occurrences, _column(graph)), link=event_path(event.id, event.date),
    ))


def _row(graph: SiteGraph, kind: str, key: str, make: Callable[[], Row]) -> Row:
    """The row of (kind, key) this graph made already (`_rows`), else ``make()``'s, kept."""
    rows = _rows(graph)
    row = rows.get((kind, key))
    if row is None:
        row = rows[kind, key] = make()
    return row


def _cells(graph: SiteGraph, occurrences: list[Occurrence], column: dict[str, int]) -> tuple[Cell | None, ...]:
    by_outlet: dict[str, list[Occurrence]] = {}
    for occurrence in occurrences:
        article = graph.articles.get(occurrence.article)
        if article is not None and article.outlet in column:
            by_outlet.setdefault(article.outlet, []).append(occurrence)
    cells: list[Cell | None] = [None] * len(column)
    for outlet, carried_by in by_outlet.items():
        articles = tuple(summarise_article(graph.articles[o.article]) for o in carried_by)
        quotes = tuple(
            Quote(summary, text, anchor)
            for summary, o in zip(articles, carried_by)
            for text, anchor in zip(o.quotes, o.anchors)
        )
        cells[column[outlet]] = Cell(
            outlet, articles, quotes,
            tuple(dict.fromkeys(o.sourcing for o in carried_by if o.sourcing)),
            tuple(dict.fromkeys((o.date_text, graph.articles[o.article].language) for o in carried_by if o.date_text)),
            tuple(dict.fromkeys(graph.articles[o.article].language or graph.config.language for o in carried_by if o.quotes)),
        )
    return tuple(cells)


@per_graph
def _wording_diffs(graph: SiteGraph) -> dict[tuple[str, str], WordDiff]:
    """The word diffs made so far for this graph's outlet pages, by (one wording, the other)."""
    return {}


def wording_diff(graph: SiteGraph, mine: str, theirs: str) -> WordDiff:
    """`wording.word_diff`, once per pair of wordings and graph: two outlets' page each show the pair's diffs in
    both directions, which were made twice."""
    diffs = _wording_diffs(graph)
    diff = diffs.get((mine, theirs))
    if diff is None:
        diff = diffs[mine, theirs] = word_diff(mine, theirs)
    return diff
