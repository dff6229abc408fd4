"""The reads of `reads.py` as typed functions: one per read kind, named after it.

A page reads the graph through `Reader.read(kind, arg)`, whose key string
("people-page:3") is what the build state records and compares between
builds, and whose value is `Any`. The functions here are the only place
that spells a kind or formats an argument: a caller passes what it has (a
page number as an int, a person and a page number apart) and gets the
read's own type back, so mypy checks the page context builders in
`digest/render/`. The reads that need the whole site (outlets, the
comparison, the sitemap, the export) are in `render/site_queries.py`.
"""

from __future__ import annotations

from digest.graph.model import Article, Claim, Event, Mention, Person, SiteConfig, Status
from digest.text.i18n import SiteLocale
from digest.views.reads import (
    ArticleSummary,
    ClaimSummary,
    EventLink,
    EventSource,
    FeedEntry,
    PersonSummary,
    Reader,
)
from digest.views.timeline_layout import Activity, YearActivity

ClaimsPage = tuple[tuple[ClaimSummary, ...], int]
"""A page of a list of claims, and how many the whole list has."""


def _paged(name: str, number: int) -> str:
    """The argument of a read of one page of a list: '<name>/<number>'."""
    return f"{name}/{number}"


# --- the site ----------------------------------------------------------------


def config(reader: Reader) -> SiteConfig:
    return reader.read("config")


def assets(reader: Reader) -> dict[str, str]:
    """Theme file name -> its path in the site."""
    return reader.read("assets")


def locale(reader: Reader) -> SiteLocale:
    return reader.read("locale")


# --- articles ----------------------------------------------------------------


def article(reader: Reader, stem: str) -> Article:
    return reader.read("article", stem)


def article_summary(reader: Reader, stem: str) -> ArticleSummary:
    return reader.read("article-summary", stem)


def article_people(reader: Reader, stem: str) -> tuple[tuple[PersonSummary, int], ...]:
    """The people an article names, each with how often."""
    return reader.read("article-people", stem)


def article_count(reader: Reader) -> int:
    return reader.read("article-count")


def latest_articles(reader: Reader, count: int) -> tuple[ArticleSummary, ...]:
    return reader.read("latest-articles", str(count))


def articles_whole(reader: Reader) -> tuple[ArticleSummary, ...] | None:
    """Every article while they fit on the articles index; None past that."""
    return reader.read("articles-whole")


def article_archive(reader: Reader) -> tuple[tuple[str, str, int], ...]:
    """(month key, its page, its number of articles), newest first."""
    return reader.read("article-archive")


def article_months(reader: Reader) -> tuple[tuple[str, str], ...]:
    """(month key, its page), newest first."""
    return reader.read("article-months")


def month_articles(reader: Reader, key: str, number: int) -> tuple[tuple[ArticleSummary, ...], int]:
    return reader.read("month-articles", _paged(key, number))


# --- people ------------------------------------------------------------------


def person(reader: Reader, pid: str) -> Person:
    return reader.read("person", pid)


def person_summary(reader: Reader, pid: str) -> PersonSummary:
    return reader.read("person-summary", pid)


def people_page(reader: Reader, number: int) -> tuple[tuple[tuple[PersonSummary, int, int], ...], int]:
    """(person, articles naming them, mentions in all) for one page of the people, and how many there are."""
    return reader.read("people-page", str(number))


def people_top(reader: Reader, count: int) -> tuple[tuple[PersonSummary, ...], int]:
    return reader.read("people-top", str(count))


def person_lists(reader: Reader, pid: str) -> tuple[int, int, int, int]:
    return reader.read("person-lists", pid)


def mentions_page(reader: Reader, pid: str, number: int) -> tuple[tuple[tuple[ArticleSummary, Mention], ...], int]:
    return reader.read("mentions-page", _paged(pid, number))


def events_with_page(reader: Reader, pid: str, number: int) -> tuple[tuple[Event, ...], int]:
    return reader.read("events-with-page", _paged(pid, number))


def claims_made_page(reader: Reader, pid: str, number: int) -> ClaimsPage:
    return reader.read("claims-made-page", _paged(pid, number))


def claims_about_page(reader: Reader, pid: str, number: int) -> ClaimsPage:
    return reader.read("claims-about-page", _paged(pid, number))


def person_activity(reader: Reader, pid: str) -> tuple[Activity, tuple[tuple[int, int], ...]]:
    """A person's events by month, and (timeline year, events) pairs."""
    return reader.read("person-activity", pid)


def person_latest(reader: Reader, pid: str, count: int) -> tuple[ArticleSummary, ...]:
    return reader.read("person-latest", _paged(pid, count))


def related(reader: Reader, pid: str) -> tuple[tuple[PersonSummary, int], ...]:
    return reader.read("related", pid)


# --- claims ------------------------------------------------------------------


def claim(reader: Reader, cid: str) -> Claim:
    return reader.read("claim", cid)


def claim_summary(reader: Reader, cid: str) -> ClaimSummary:
    return reader.read("claim-summary", cid)


def claim_status_counts(reader: Reader) -> tuple[tuple[Status, int], ...]:
    return reader.read("claim-status-counts")


def claim_statuses_used(reader: Reader) -> tuple[str, ...]:
    return reader.read("claim-statuses-used")


def status_claims(reader: Reader, sid: str, number: int) -> ClaimsPage:
    return reader.read("status-claims", _paged(sid, number))


def latest_claims(reader: Reader, count: int) -> tuple[ClaimSummary, ...]:
    return reader.read("latest-claims", str(count))


def claims_whole(reader: Reader) -> tuple[tuple[str, tuple[ClaimSummary, ...]], ...] | None:
    """(status id, its claims) while every claim fits on the claims index; None past that."""
    return reader.read("claims-whole")


def comparison_page_of(reader: Reader, cid: str) -> int:
    """The number of the comparison page that shows a claim."""
    return reader.read("comparison-page-of", cid)


# --- events ------------------------------------------------------------------


def event(reader: Reader, eid: str) -> Event:
    return reader.read("event", eid)


def event_sources(reader: Reader, eid: str) -> tuple[EventSource, ...]:
    return reader.read("event-sources", eid)


def events(reader: Reader) -> tuple[Event, ...]:
    return reader.read("events")


def event_count(reader: Reader) -> int:
    return reader.read("event-count")


def latest_events(reader: Reader, count: int) -> tuple[Event, ...]:
    return reader.read("latest-events", str(count))


def timeline_years(reader: Reader) -> tuple[int, ...]:
    return reader.read("timeline-years")


def timeline_year(reader: Reader, year: int) -> tuple[Event, ...]:
    return reader.read("timeline-year", str(year))


def timeline_overview(reader: Reader) -> tuple[YearActivity, ...]:
    return reader.read("timeline-overview")


def timeline_whole(reader: Reader) -> tuple[Event, ...] | None:
    """Every event while the whole timeline fits on its index; None past that."""
    return reader.read("timeline-whole")


def timeline_continuing(reader: Reader, year: int) -> tuple[EventLink, ...]:
    return reader.read("timeline-continuing", str(year))


# --- feeds -------------------------------------------------------------------


def feed_entry(reader: Reader, stem: str) -> FeedEntry:
    return reader.read("feed-entry", stem)
