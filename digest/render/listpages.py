"""The list pages, split so that none of them grows with the archive (see `listing.py`).

Each list page reads only the slice it shows: a timeline year reads that
year's events, so an edit to an event of 2021 renders the 2021 page again
and no other list.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import partial
from typing import Any

from digest.graph.model import Event, SiteGraph
from digest.render import site_queries
from digest.render.page import Page, numbered_pages
from digest.text.days import Day
from digest.text.language import same_language
from digest.views import queries
from digest.views.listing import (
    ARTICLES_PER_PAGE,
    CLAIMS_PER_PAGE,
    COMPARE_ROWS_PER_PAGE,
    LATEST_ARTICLES,
    LATEST_CLAIMS,
    OUTLET_ROWS_PER_PAGE,
    PEOPLE_PER_PAGE,
    UNDATED,
    articles_by_month,
    claims_by_status,
    comparison_order,
    events_by_year,
    month_label,
    month_path,
    status_path,
    timeline_fits,
    year_path,
)
from digest.views.outlets import Cell, outlet_page_count, outlet_slugs, wording_diff
from digest.views.paging import Pager, page_count
from digest.views.reads import Reader
from digest.views.timeline_layout import group_label, item_for, layout_timeline, layout_vertical

TIMELINE_LATEST = 8
"""The most recent events, listed on the timeline's index under the years."""


def list_pages(graph: SiteGraph) -> list[Page]:
    pages = [Page("articles/index.html", "articles.html", articles_index_context)]
    for key, stems in articles_by_month(graph).items():
        pages += numbered_pages(month_path(graph, key), page_count(len(stems), ARTICLES_PER_PAGE), "articles-month.html", month_context, key=key)
    pages += numbered_pages("people/", page_count(len(graph.people), PEOPLE_PER_PAGE), "people.html", people_context)
    pages += numbered_pages("compare/", page_count(len(comparison_order(graph)), COMPARE_ROWS_PER_PAGE), "compare.html", compare_context)
    for slug in outlet_slugs(graph).values():
        pages += numbered_pages(f"outlets/{slug}/", outlet_page_count(graph, slug), "outlet.html", outlet_context, slug=slug)
    if timeline_fits(graph):
        pages.append(Page("timeline/index.html", "timeline.html", timeline_whole_context))
        pages.append(Page("timeline/filter.css", "", timeline_whole_filter_context, timeline_filter_css))
    else:
        pages.append(Page("timeline/index.html", "timeline-years.html", timeline_index_context))
    for year in events_by_year(graph):
        pages.append(Page(f"{year_path(year)}index.html", "timeline.html", partial(timeline_year_context, year=year)))
        pages.append(Page(f"{year_path(year)}filter.css", "", partial(timeline_filter_context, year=year), timeline_filter_css))
    pages.append(Page("claims/index.html", "claims.html", claims_index_context))
    for sid, ids in claims_by_status(graph).items():
        if ids:
            pages += numbered_pages(status_path(sid), page_count(len(ids), CLAIMS_PER_PAGE), "claim-status.html", status_context, sid=sid)
    return pages


# --- claims ------------------------------------------------------------------


def claims_index_context(reader: Reader) -> dict[str, Any]:
    """Each status with its number of claims, then all the claims by status while they fit, else those of the newest articles."""
    whole = queries.claims_whole(reader)
    if whole is not None:
        statuses = queries.config(reader).statuses
        return {"counts": queries.claim_status_counts(reader), "whole": [(statuses[sid], claims) for sid, claims in whole], "latest": ()}
    return {"counts": queries.claim_status_counts(reader), "whole": None, "latest": queries.latest_claims(reader, LATEST_CLAIMS)}


def status_context(reader: Reader, sid: str, number: int) -> dict[str, Any]:
    """One page of one status's claims."""
    claims, total = queries.status_claims(reader, sid, number)
    return {
        "status": queries.config(reader).statuses[sid],
        "claims": claims,
        "pager": Pager(status_path(sid), number, total, CLAIMS_PER_PAGE),
        "statuses": queries.claim_statuses_used(reader),
    }


# --- articles ----------------------------------------------------------------


def articles_index_context(reader: Reader) -> dict[str, Any]:
    """The newest articles, then every month with its number of articles, by year."""
    years: list[dict[str, Any]] = []
    locale = queries.locale(reader)
    for key, path, count in queries.article_archive(reader):
        if key == UNDATED:
            year, month = locale.gettext("Undated"), locale.gettext("Articles without a publication date")
        else:
            year, month = locale.year(int(key.split("-")[0])), locale.month_name(int(key.split("-")[1]))
        if not years or years[-1]["label"] != year:
            years.append({"label": year, "months": []})
        years[-1]["months"].append({"label": month, "path": path, "count": count})
    whole = queries.articles_whole(reader)
    return {
        "whole": whole is not None,
        "latest": whole if whole is not None else queries.latest_articles(reader, LATEST_ARTICLES),
        "article_count": queries.article_count(reader),
        "years": years,
    }


def month_context(reader: Reader, key: str, number: int) -> dict[str, Any]:
    """One page of one month's articles, and the months either side."""
    articles, total = queries.month_articles(reader, key, number)
    months = queries.article_months(reader)
    position = next(index for index, (other, _) in enumerate(months) if other == key)
    locale = queries.locale(reader)
    return {
        "month": month_label(key, locale),
        "articles": articles,
        "pager": Pager(months[position][1], number, total, ARTICLES_PER_PAGE),
        "newer": (month_label(months[position - 1][0], locale), months[position - 1][1]) if position > 0 else None,
        "older": (month_label(months[position + 1][0], locale), months[position + 1][1]) if position + 1 < len(months) else None,
    }


# --- people ------------------------------------------------------------------


def people_context(reader: Reader, number: int) -> dict[str, Any]:
    """One page of the people, A to Z, with how often the articles name each."""
    people, total = queries.people_page(reader, number)
    return {"people": people, "pager": Pager("people/", number, total, PEOPLE_PER_PAGE)}


# --- outlets side by side ------------------------------------------------------


def compare_context(reader: Reader, number: int) -> dict[str, Any]:
    """One page of the comparison: claims first, then events, each against every outlet."""
    table = site_queries.comparison_page(reader, number)
    total = table.total_claims + table.total_events
    pager = Pager("compare/", number, total, COMPARE_ROWS_PER_PAGE)
    first = pager.first_item
    return {
        "comparison": table,
        "pager": pager,
        "claim_range": (first, first + len(table.claims) - 1, table.total_claims),
        "event_range": (first + len(table.claims) - table.total_claims, pager.last_item - table.total_claims, table.total_events),
    }


def outlet_context(reader: Reader, slug: str, number: int) -> dict[str, Any]:
    """One page of an outlet: a slice of its articles, of its claims with how its wording differs, and of its events."""
    view = site_queries.outlet_page(reader, slug, number)
    graph = reader.graph  # for the word diffs' memo only: a pure function of the wordings read through ``view``
    claims = []
    for row in view.claims:
        own = row.cells[view.column]
        assert own is not None, "an outlet's page lists only the claims its articles carry"
        others = [(view.outlets[i], cell) for i, cell in enumerate(row.cells) if cell is not None and i != view.column]
        diffs = [
            (outlet, cell, wording_diff(graph, own.wording, cell.wording), wording_diff(graph, cell.wording, own.wording))
            if _one_language(own, cell) else (outlet, cell, None, None)
            for outlet, cell in others
            if own.quotes and cell.quotes
        ]
        claims.append({"row": row, "own": own, "others": [outlet for outlet, _ in others], "diffs": diffs})
    outlet = view.outlet
    pager = Pager(f"outlets/{slug}/", number, max(outlet.articles, outlet.claims, outlet.events), OUTLET_ROWS_PER_PAGE)
    return {
        "view": view,
        "outlet": outlet,
        "pager": pager,
        "claims": claims,
        "events": [(row, row.cells[view.column]) for row in view.events],
        "ranges": {
            name: (pager.first_item, pager.first_item + len(shown) - 1, total)
            for name, shown, total in (("articles", view.articles, outlet.articles), ("claims", view.claims, outlet.claims), ("events", view.events, outlet.events))
        },
    }


def _one_language(own: Cell, other: Cell) -> bool:
    """Whether two outlets' wordings are in one language: only then does a word diff mean anything."""
    languages = {*own.languages, *other.languages}
    first = next(iter(languages), "")
    return all(same_language(first, language) for language in languages)


# --- the timeline ------------------------------------------------------------


def timeline_index_context(reader: Reader) -> dict[str, Any]:
    """The years, each with its events by month, and the latest events."""
    return {
        "years": queries.timeline_overview(reader),
        "latest": queries.latest_events(reader, TIMELINE_LATEST),
        "event_count": queries.event_count(reader),
    }


def timeline_whole_context(reader: Reader) -> dict[str, Any]:
    """The whole timeline, while it fits: the chart, every event by month, the people to filter by, and the years' pages."""
    events = _whole_timeline(reader)
    context = _timeline_context(reader, events, window=None)
    return context | {
        "year": None,
        "previous_year": None,
        "next_year": None,
        "continuing": (),
        "filter_path": "timeline/filter.css",
        "filter_version": filter_css_version(_filter_people(events)),
    }


def timeline_whole_filter_context(reader: Reader) -> dict[str, Any]:
    return {"people": _filter_people(_whole_timeline(reader))}


def _whole_timeline(reader: Reader) -> tuple[Event, ...]:
    """Every event, for the pages that exist only while the whole timeline fits on its index (see `list_pages`)."""
    events = queries.timeline_whole(reader)
    assert events is not None, "list_pages makes the whole timeline's pages only while it fits"
    return events


def timeline_year_context(reader: Reader, year: int) -> dict[str, Any]:
    """One year: its chart, its events grouped by month, the people to filter by, and the other years."""
    context = _timeline_context(reader, queries.timeline_year(reader, year), window=(Day(year, 1, 1), Day(year, 12, 31)))
    years = context["years"]
    position = years.index(year)
    return context | {
        "year": year,
        "previous_year": years[position - 1] if position > 0 else None,
        "next_year": years[position + 1] if position + 1 < len(years) else None,
        "continuing": queries.timeline_continuing(reader, year),
        "filter_path": f"{year_path(year)}filter.css",
        "filter_version": filter_css_version(timeline_filter_context(reader, year)["people"]),
    }


def _timeline_context(reader: Reader, events: tuple[Event, ...], window: tuple[Day, Day] | None) -> dict[str, Any]:
    """What a page of the timeline shows of its events: the chart, the events by month, the filter by person."""
    entries: list[dict[str, Any]] = []
    locale = queries.locale(reader)
    for event in events:
        assert event.date is not None, "the graph keeps only dated events (link.link_site)"
        people = [queries.person_summary(reader, pid) for pid in event.people]
        entries.append({"event": event, "people": people, "sources": queries.event_sources(reader, event.id), "group": group_label(event.date, locale)})
    groups: list[dict[str, Any]] = []
    for entry in entries:
        if not groups or groups[-1]["label"] != entry["group"]:
            groups.append({"label": entry["group"], "entries": [], "people": set()})
        groups[-1]["entries"].append(entry)
        groups[-1]["people"].update(person.id for person in entry["people"])
    items = [item_for(e["event"].id, e["event"].date, e["event"].title) for e in entries]
    layout = layout_timeline(items, window=window, loc=locale)
    vertical = layout_vertical(items, window=window, loc=locale)
    by_id = {e["event"].id: e for e in entries}
    return {
        "years": queries.timeline_years(reader),
        "entries": entries,
        "groups": groups,
        "chart": layout,
        "marks": [(mark, by_id[mark.id]) for mark in layout.marks],
        "vertical": vertical,
        "vertical_marks": [(mark, by_id[mark.id]) for mark in vertical.marks],
        "filter": _people_by_event_count(entries),
    }


def _people_by_event_count(entries: list[dict[str, Any]]) -> list[tuple[Any, int]]:
    counts: Counter[str] = Counter(person.id for entry in entries for person in entry["people"])
    people = {person.id: person for entry in entries for person in entry["people"]}
    return [(people[pid], count) for pid, count in sorted(counts.items(), key=lambda item: (-item[1], people[item[0]].name))]


def timeline_filter_context(reader: Reader, year: int) -> dict[str, Any]:
    return {"people": _filter_people(queries.timeline_year(reader, year))}


def _filter_people(events: tuple[Event, ...]) -> list[str]:
    return sorted({pid for event in events for pid in event.people})


def timeline_filter_css(context: dict[str, Any]) -> bytes:
    """A year's filter by person, without JavaScript: ``#with-<id>`` as the target hides everyone else's events.

    One stylesheet per year (and one for the whole timeline while it fits), naming only that year's people, so that a new
    person on the timeline changes the stylesheet (and the pages linking it)
    of their own year alone.
    """
    rules = ["/* Generated by digest: the timeline's filter by person (see timeline.html). */"]
    for pid in context["people"]:
        target, value = _css_identifier(f"with-{pid}"), _css_string(pid)
        rules.append(f"#{target}:target ~ * [data-people]:not([data-people~={value}]) {{ display: none; }}")
        rules.append(f"#{target}:target ~ .filter-notes [data-for={value}] {{ display: block; }}")
    return ("\n".join(rules) + "\n").encode()


def filter_css_version(people: list[str]) -> str:
    """A short digest of who the filter stylesheet knows, so browsers fetch it again when that changes."""
    return hashlib.blake2b("\n".join(people).encode(), digest_size=5).hexdigest()


def _css_identifier(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else f"\\{ord(c):x} " for c in text)


def _css_string(text: str) -> str:
    return '"' + "".join(f"\\{ord(c):x} " if c in '"\\\n' or not c.isprintable() else c for c in text) + '"'
