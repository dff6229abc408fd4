"""How the site's long lists are split, so that no page and no edit grows with the archive.

Every value a page shows is a recorded read, and a page is rendered again
when one of its reads changes (see `reads.py`). A page that read "every
event" or "every claim" would be rendered by nearly every edit, and would
grow with the archive. So the lists are split along lines that stay put
as the archive grows:

- the timeline by year (`timeline/<year>/`): an event is listed once, under
  the year its date can start in;
- the articles by month of publication (`articles/<yyyy>/<mm>/`), newest first;
- the claims by status (`claims/status/<status>/`), in pages;
- the people, the comparison and each outlet's page, in numbered pages.

A small digest needs none of this: while a list fits on one page (up to
`WHOLE_TIMELINE_MAX` events, `WHOLE_CLAIMS_MAX` claims, `WHOLE_ARTICLES_MAX`
articles), its index page shows the whole of it, and an edit renders that
page as well. The split pages are made all the same, at the same addresses,
so that links to them (from articles, feeds, the search index and other
sites) keep working when the archive grows past the limit.

This module groups the graph's ids along those lines (once per graph: every
page of a build asks for the same grouping) and says where each list
lives; `reads.py` turns the groups into the values pages read.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import TypeVar

from digest.graph.model import SiteGraph
from digest.text.dates import EDTFDate
from digest.text.i18n import ENGLISH, SiteLocale
from digest.text.slugs import transliterate
from digest.views.paging import page_count

T = TypeVar("T")

CLAIMS_PER_PAGE = 100
"""Claims on one page of a status's list."""
LATEST_CLAIMS = 8
"""Claims of the newest articles, shown on the home page and on /claims/."""
ARTICLES_PER_PAGE = 100
"""Articles on one page of a month (a month rarely needs a second page)."""
LATEST_ARTICLES = 20
"""The newest articles, shown on /articles/ above the archive by month."""

WHOLE_TIMELINE_MAX = 300
"""Up to this many events, /timeline/ shows them all, with the chart and the filter by person.

Past it, it shows the years (each on its own page) and the latest events.
A few hundred events still make a page of a few hundred kilobytes, and an
edit to one event then renders two pages instead of one.
"""
WHOLE_CLAIMS_MAX = 300
"""Up to this many claims, /claims/ lists them all by status; past it, the counts and the latest."""
WHOLE_ARTICLES_MAX = 300
"""Up to this many articles, /articles/ lists them all; past it, the newest and the months."""

PEOPLE_PER_PAGE = 100
"""People on one page of the people index."""
PERSON_ROWS_PER_PAGE = 100
"""Articles, events and claims of each kind on one page of a person's page."""
COMPARE_ROWS_PER_PAGE = 50
"""Rows (claims, then events) on one page of the comparison: each row holds every outlet's quotes."""
OUTLET_ROWS_PER_PAGE = 50
"""Articles, claims (with their wording differences) and events on one page of an outlet's page."""

UNDATED = "undated"
"""The month key of articles without a publication date (a seed without a sidecar)."""


def per_graph(function: Callable[[SiteGraph], T]) -> Callable[[SiteGraph], T]:
    """Compute once per graph: a build's pages all ask for the same grouping of the same graph.

    The value is kept on the graph itself (`SiteGraph.derived`), which is
    never changed after linking (a rebuild links a new one): it lives as
    long as the graph, and a thread working on another graph never sees it.
    """
    key = f"{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def cached(graph: SiteGraph) -> T:
        try:
            return graph.derived[key]
        except KeyError:
            value = graph.derived[key] = function(graph)
            return value

    return cached


# --- whole lists ---------------------------------------------------------------


def timeline_fits(graph: SiteGraph) -> bool:
    """Whether /timeline/ shows every event (read at call time, so that tests can lower the limit)."""
    return len(graph.events) <= WHOLE_TIMELINE_MAX


def claims_fit(graph: SiteGraph) -> bool:
    """Whether /claims/ lists every claim."""
    return len(graph.claims) <= WHOLE_CLAIMS_MAX


def articles_fit(graph: SiteGraph) -> bool:
    """Whether /articles/ lists every article."""
    return len(graph.articles) <= WHOLE_ARTICLES_MAX


# --- the timeline, by year ---------------------------------------------------


def timeline_year(date: EDTFDate) -> int:
    """The one year an event is listed under: the year its date can start in.

    "c. 2021", "2021-23" (autumn) and "2021-10/2022-03" are all listed under
    2021; an open or unknown start ("../2022-03") under the year it ends.
    """
    day = date.earliest or date.latest
    assert day is not None, "an EDTF date has at least one side"
    return day.year


def year_path(year: int) -> str:
    """'timeline/2022/'; a year before 0 as ISO writes it, 'timeline/-0044/'."""
    return f"timeline/{'-' if year < 0 else ''}{abs(year):04d}/"


def event_path(event_id: str, date: EDTFDate | None) -> str:
    """An event's entry on its year's timeline page (the timeline's index for an undated one)."""
    if date is None:
        return "timeline/"
    return f"{year_path(timeline_year(date))}#event-{event_id}"


@per_graph
def events_by_year(graph: SiteGraph) -> dict[int, tuple[str, ...]]:
    """Year -> ids of the events listed under it, in timeline order; years ascending."""
    years: dict[int, list[str]] = {}
    for eid, event in graph.events.items():
        if event.date is not None:
            years.setdefault(timeline_year(event.date), []).append(eid)
    return {year: tuple(ids) for year, ids in sorted(years.items())}


@per_graph
def events_ending_in(graph: SiteGraph) -> dict[int, tuple[str, ...]]:
    """Year -> ids of the events listed under an earlier year that can end in it, in timeline order.

    A year's page names these ("Winter 2021", "2021-10/2022-03" on 2022's
    page). Only the year an event can end in, not every year it may span, and
    not events with an open end: each event is named on one more page at
    most, so no year's page grows with the years before it.
    """
    years: dict[int, list[str]] = {}
    for eid, event in graph.events.items():
        last = event.date.latest if event.date is not None else None
        if event.date is not None and last is not None and last.year > timeline_year(event.date):
            years.setdefault(last.year, []).append(eid)
    return {year: tuple(ids) for year, ids in years.items()}


# --- claims, by status -------------------------------------------------------


def status_path(status_id: str) -> str:
    """A status's list of claims. Status ids are validated as lowercase words joined by hyphens."""
    return f"claims/status/{status_id}/"


@per_graph
def claims_by_status(graph: SiteGraph) -> dict[str, tuple[str, ...]]:
    """Status id -> ids of its claims, in claim order; every status of the vocabulary, empty ones too."""
    groups: dict[str, list[str]] = {sid: [] for sid in graph.config.statuses}
    for cid, claim in graph.claims.items():
        groups.setdefault(claim.status, []).append(cid)
    return {sid: tuple(ids) for sid, ids in groups.items()}


# --- articles, by month of publication ----------------------------------------


def month_key(published: datetime.date | None) -> str:
    """'2022-11', or UNDATED."""
    return f"{published.year:04d}-{published.month:02d}" if published else UNDATED


def month_label(key: str, locale: SiteLocale = ENGLISH) -> str:
    """'November 2022', or 'Undated', in the site's language."""
    if key == UNDATED:
        return locale.gettext("Undated")
    year, month = key.split("-")
    return locale.month(int(year), int(month))


@per_graph
def articles_by_month(graph: SiteGraph) -> dict[str, tuple[str, ...]]:
    """Month key -> stems of its articles, newest first; months newest first, undated last.

    A month's list only changes when one of its own articles does: adding
    an article never moves the others to another page, as numbering the
    whole archive newest first would.
    """
    months: dict[str, list[str]] = {}
    for stem, article in graph.articles.items():  # in display order: newest first, undated last
        months.setdefault(month_key(article.published), []).append(stem)
    return {key: tuple(stems) for key, stems in months.items()}


@per_graph
def undated_path(graph: SiteGraph) -> str:
    """Where undated articles are listed: 'articles/undated/', unless an article's own slug is 'undated'."""
    slugs = {article.slug for article in graph.articles.values()}
    name, number = UNDATED, 2
    while name in slugs:
        name, number = f"{UNDATED}-{number}", number + 1
    return f"articles/{name}/"


def month_path(graph: SiteGraph, key: str) -> str:
    """'articles/2022/11/': two levels deep, so that no article (one level, any slug) can take its place."""
    if key == UNDATED:
        return undated_path(graph)
    year, month = key.split("-")
    return f"articles/{year}/{month}/"


# --- people, A to Z ----------------------------------------------------------


def name_order(name: str) -> str:
    """Sort key for a name as readers scan a list: 'Élodie' among the Es."""
    return transliterate(name).casefold()


@per_graph
def people_in_order(graph: SiteGraph) -> tuple[str, ...]:
    """Person ids by name, A to Z.

    Not by how often they are named (counts change with most edits and would
    move people from page to page): a page of the index changes only when
    one of its own people does, or someone is added before it.
    """
    return tuple(sorted(graph.people, key=lambda pid: (name_order(graph.people[pid].name), graph.people[pid].name, pid)))



def person_lists(graph: SiteGraph, pid: str) -> tuple[int, int, int, int]:
    """How many articles name a person, and how many events, claims made and claims about them there are."""
    index = graph.index
    return (
        len(graph.mentions.get(pid, ())), len(index.events_with.get(pid, ())),
        len(index.claims_by.get(pid, ())), len(index.claims_about.get(pid, ())),
    )


def person_page_count(graph: SiteGraph, pid: str) -> int:
    """Pages of a person's page: as many as their longest list needs."""
    return page_count(max(person_lists(graph, pid)), PERSON_ROWS_PER_PAGE)


# --- the comparison ------------------------------------------------------------


@per_graph
def comparison_order(graph: SiteGraph) -> tuple[tuple[str, str], ...]:
    """The comparison's rows as (kind, id): every claim, then every event in timeline order."""
    return tuple(("claim", cid) for cid in graph.claims) + tuple(("event", eid) for eid in graph.events)


@per_graph
def comparison_pages(graph: SiteGraph) -> dict[tuple[str, str], int]:
    """(kind, id) -> the number of the comparison page that shows its row."""
    return {row: index // COMPARE_ROWS_PER_PAGE + 1 for index, row in enumerate(comparison_order(graph))}
