"""Outlets side by side: who carries which claim and event, and in whose words.

The reads behind `/outlets/`, `/outlets/<slug>/` and `/compare/`. A row is a
claim or an event; a cell is one outlet's telling of it (its quotes, across
all its articles), or None where the outlet does not mention it.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.listing import event_path
from digest.model import Occurrence, SiteGraph
from digest.reads import ArticleSummary, summarise_article
from digest.slugs import slugify


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
    date_texts: tuple[str, ...] = ()

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
class Comparison:
    outlets: tuple[OutletSummary, ...]
    claims: tuple[Row, ...]
    events: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class OutletPage:
    outlet: OutletSummary
    column: int
    """This outlet's index in ``outlets`` and in every row's cells."""
    outlets: tuple[OutletSummary, ...]
    articles: tuple[ArticleSummary, ...]
    claims: tuple[Row, ...]
    """Rows of the claims it carries, with every outlet's cell."""
    events: tuple[Row, ...]


def outlet_slugs(graph: SiteGraph) -> dict[str, str]:
    """Outlet name -> URL slug, unique (a clash or an empty slug gets a number)."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for name in graph.outlets():
        base = slugify(name) or "outlet"
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        slugs[name] = slug
    return slugs


_last_comparison: list = [None, None]
"""[graph, its comparison]: every outlet page reads the same table, so compute it once per graph."""


def comparison(graph: SiteGraph, _: str = "") -> Comparison:
    if _last_comparison[0] is graph:
        return _last_comparison[1]
    table = _comparison(graph)
    _last_comparison[:] = [graph, table]
    return table


def _comparison(graph: SiteGraph) -> Comparison:
    slugs = outlet_slugs(graph)
    names = list(slugs)
    column = {name: index for index, name in enumerate(names)}
    claims = tuple(
        Row("claim", claim.id, claim.text, status=claim.status, cells=_cells(graph, claim.occurrences, column), link=f"claims/{claim.id}/")
        for claim in graph.claims.values()
    )
    events = tuple(
        Row("event", event.id, event.title, date=event.date.display() if event.date else "", cells=_cells(graph, event.occurrences, column),
            link=event_path(event.id, event.date))
        for event in graph.events.values()
    )
    article_counts: dict[str, int] = {}
    for article in graph.articles.values():
        article_counts[article.outlet] = article_counts.get(article.outlet, 0) + 1
    outlets = tuple(
        OutletSummary(
            name, slugs[name],
            article_counts.get(name, 0),
            sum(1 for row in claims if row.cells[column[name]] is not None),
            sum(1 for row in events if row.cells[column[name]] is not None),
        )
        for name in names
    )
    return Comparison(outlets, claims, events)


def _cells(graph: SiteGraph, occurrences: list[Occurrence], column: dict[str, int]) -> tuple[Cell | None, ...]:
    by_outlet: dict[str, list[Occurrence]] = {}
    for occurrence in occurrences:
        article = graph.articles.get(occurrence.article)
        if article is not None and article.outlet in column:
            by_outlet.setdefault(article.outlet, []).append(occurrence)
    cells: list[Cell | None] = [None] * len(column)
    for outlet, carried in by_outlet.items():
        articles = tuple(summarise_article(graph.articles[o.article]) for o in carried)
        quotes = tuple(
            Quote(summary, text, anchor)
            for summary, o in zip(articles, carried)
            for text, anchor in zip(o.quotes, o.anchors)
        )
        cells[column[outlet]] = Cell(
            outlet, articles, quotes,
            tuple(dict.fromkeys(o.sourcing for o in carried if o.sourcing)),
            tuple(dict.fromkeys(o.date_text for o in carried if o.date_text)),
        )
    return tuple(cells)


def outlets(graph: SiteGraph, _: str = "") -> tuple[OutletSummary, ...]:
    return comparison(graph).outlets


def outlet_page(graph: SiteGraph, slug: str) -> OutletPage:
    table = comparison(graph)
    index = next(i for i, outlet in enumerate(table.outlets) if outlet.slug == slug)
    outlet = table.outlets[index]
    return OutletPage(
        outlet,
        index,
        table.outlets,
        tuple(summarise_article(a) for a in graph.articles.values() if a.outlet == outlet.name),
        tuple(row for row in table.claims if row.cells[index] is not None),
        tuple(row for row in table.events if row.cells[index] is not None),
    )
