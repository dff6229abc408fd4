"""The typed read queries: one per read kind, each recording the key it always did and returning what it says.

`queries.py` and `site_queries.py` are the only places that spell a read
kind or format its argument. A kind renamed in `SITE_READS` without its
query, a query left over, two queries of one kind, or an argument formatted
differently (the keys are saved in the build state and compared between
builds) fails here; so does a query whose declared return type is not what
its read returns on a real site, since mypy takes the declaration on trust.
"""

from __future__ import annotations

import datetime
import inspect
import types
from collections.abc import Callable
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from digest.errors import Diagnostics
from digest.graph.link import link_site
from digest.graph.model import SiteGraph
from digest.render import site_queries
from digest.render.export import EXPORT_RECORDS
from digest.render.site_reads import SITE_READS
from digest.source.load import load_site
from digest.views import queries
from digest.views.listing import articles_by_month, claims_by_status, events_by_year
from digest.views.outlets import outlet_slugs
from digest.views.reads import FeedEntry, Reader

from conftest import SITES

QUERIES = {
    fn.__name__: fn
    for module in (queries, site_queries)
    for fn in vars(module).values()
    if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not fn.__name__.startswith("_")
}
"""Every public function of the two query modules: each must be the query of one read kind."""

KEYS: list[tuple[Callable[..., Any], tuple[Any, ...], str]] = [
    (queries.config, (), "config:"),
    (queries.assets, (), "assets:"),
    (queries.locale, (), "locale:"),
    (queries.article, ("a-b",), "article:a-b"),
    (queries.article_summary, ("a-b",), "article-summary:a-b"),
    (queries.article_people, ("a-b",), "article-people:a-b"),
    (queries.article_count, (), "article-count:"),
    (queries.latest_articles, (10,), "latest-articles:10"),
    (queries.articles_whole, (), "articles-whole:"),
    (queries.article_archive, (), "article-archive:"),
    (queries.article_months, (), "article-months:"),
    (queries.month_articles, ("2022-11", 2), "month-articles:2022-11/2"),
    (queries.person, ("p",), "person:p"),
    (queries.person_summary, ("p",), "person-summary:p"),
    (queries.people_page, (3,), "people-page:3"),
    (queries.people_top, (12,), "people-top:12"),
    (queries.person_lists, ("p",), "person-lists:p"),
    (queries.mentions_page, ("p", 2), "mentions-page:p/2"),
    (queries.events_with_page, ("p", 1), "events-with-page:p/1"),
    (queries.claims_made_page, ("p", 4), "claims-made-page:p/4"),
    (queries.claims_about_page, ("p", 5), "claims-about-page:p/5"),
    (queries.person_activity, ("p",), "person-activity:p"),
    (queries.person_latest, ("p", 50), "person-latest:p/50"),
    (queries.related, ("p",), "related:p"),
    (queries.claim, ("c",), "claim:c"),
    (queries.claim_summary, ("c",), "claim-summary:c"),
    (queries.claim_status_counts, (), "claim-status-counts:"),
    (queries.claim_statuses_used, (), "claim-statuses-used:"),
    (queries.status_claims, ("reported", 2), "status-claims:reported/2"),
    (queries.latest_claims, (6,), "latest-claims:6"),
    (queries.claims_whole, (), "claims-whole:"),
    (queries.comparison_page_of, ("c",), "comparison-page-of:c"),
    (queries.event, ("e",), "event:e"),
    (queries.event_sources, ("e",), "event-sources:e"),
    (queries.events, (), "events:"),
    (queries.event_count, (), "event-count:"),
    (queries.latest_events, (8,), "latest-events:8"),
    (queries.timeline_years, (), "timeline-years:"),
    (queries.timeline_year, (-44,), "timeline-year:-44"),
    (queries.timeline_overview, (), "timeline-overview:"),
    (queries.timeline_whole, (), "timeline-whole:"),
    (queries.timeline_continuing, (2022,), "timeline-continuing:2022"),
    (queries.feed_entry, ("a-b",), "feed-entry:a-b"),
    (site_queries.outlets, (), "outlets:"),
    (site_queries.outlets_top, (10,), "outlets-top:10"),
    (site_queries.outlet_page, ("rt", 2), "outlet-page:rt/2"),
    (site_queries.outlet_slugs, (), "outlet-slugs:"),
    (site_queries.comparison_page, (7,), "comparison-page:7"),
    (site_queries.sitemap, (), "sitemap:"),
    (site_queries.export_head, (), "export-head:"),
    (site_queries.export_ids, (), "export-ids:"),
    (site_queries.export_article, ("a-b",), "export-article:a-b"),
    (site_queries.export_person, ("p",), "export-person:p"),
    (site_queries.export_claim, ("c",), "export-claim:c"),
    (site_queries.export_event, ("e",), "export-event:e"),
]
"""Each query with arguments and the key it records: written out, so a change to a key's format shows here."""


def _echo_reader() -> Reader:
    """A reader whose every read answers (kind, arg): the keys are all that matter here."""
    reads = {kind: (lambda graph, arg, kind=kind: (kind, arg)) for kind in SITE_READS}
    return Reader(SiteGraph.__new__(SiteGraph), reads)


@pytest.mark.parametrize(("query", "args", "key"), KEYS, ids=[query.__name__ for query, _, _ in KEYS])
def test_a_query_records_its_key_alone(query: Callable[..., Any], args: tuple[Any, ...], key: str) -> None:
    reader = _echo_reader()
    with reader.recording() as keys:
        value = query(reader, *args)
    assert keys == {key}
    assert value == tuple(key.split(":", 1))


def test_every_read_kind_has_exactly_one_query_named_after_it() -> None:
    kinds = [key.partition(":")[0] for _, _, key in KEYS]
    assert sorted(kinds) == sorted(SITE_READS), "a read kind without a query, or a query of a kind that does not exist"
    assert sorted(query.__name__ for query, _, _ in KEYS) == sorted(QUERIES), "a query left out of KEYS, or listed twice"
    assert all(query.__name__ == kind.replace("-", "_") for (query, _, _), kind in zip(KEYS, kinds))


def test_every_export_record_has_its_query() -> None:
    assert set(site_queries.EXPORT_RECORD) == set(EXPORT_RECORDS.values())
    assert all(query.__name__ == f"export_{kind}" for kind, query in site_queries.EXPORT_RECORD.items())


# --- what the queries return ---------------------------------------------------


def conforms(value: Any, hint: Any) -> bool:
    """Whether a value is of a type as annotated (the forms the queries use: classes, unions, tuples, dicts, TypedDicts)."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return True
    if hint is None or hint is type(None):
        return value is None
    if origin in (Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if origin is Literal:
        return value in args
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(item, args[0]) for item in value)
        return len(value) == len(args) and all(conforms(item, arg) for item, arg in zip(value, args))
    if origin is dict:
        return isinstance(value, dict) and all(conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items())
    if is_typeddict(hint):
        fields = get_type_hints(hint)
        return isinstance(value, dict) and set(value) == set(fields) and all(conforms(value[name], fields[name]) for name in fields)
    if hint is int:
        return type(value) is int  # not a bool
    if hint is datetime.date:
        return type(value) is datetime.date  # not a datetime
    return isinstance(value, hint)


@pytest.mark.parametrize(
    ("value", "hint", "expected"),
    [
        ((1, 2), tuple[int, ...], True),
        ((1, "2"), tuple[int, ...], False),
        ((1, "2"), tuple[int, str], True),
        ((1, "2", 3), tuple[int, str], False),
        ([1, 2], tuple[int, ...], False),
        (None, tuple[int, ...] | None, True),
        (True, int, False),
        (datetime.datetime(2022, 1, 1), datetime.date, False),
        ({"a": "b"}, dict[str, str], True),
        ({"a": 1}, dict[str, str], False),
        ({"summary": "", "claims": (), "updated": None}, FeedEntry, True),
        ({"summary": "", "claims": ()}, FeedEntry, False),
        ({"summary": "", "claims": [], "updated": None}, FeedEntry, False),
    ],
)
def test_conforms_tells_types_apart(value: Any, hint: Any, expected: bool) -> None:
    assert conforms(value, hint) is expected


@pytest.fixture(scope="module")
def graph() -> SiteGraph:
    diagnostics = Diagnostics()
    linked = link_site(load_site(SITES / "basic", diagnostics), diagnostics)
    assert linked is not None and not diagnostics.errors, [str(d) for d in diagnostics.items]
    return linked


def _arguments(graph: SiteGraph) -> dict[str, Any]:
    """A real argument for each parameter name the queries use, chosen so the reads have something to show."""
    named_most = max(graph.people, key=lambda pid: len(graph.mentions.get(pid, [])))
    return {
        "stem": next(iter(graph.articles)),
        "pid": named_most,
        "cid": next(iter(graph.claims)),
        "eid": next(iter(graph.events)),
        "sid": next(sid for sid, ids in claims_by_status(graph).items() if ids),
        "key": next(iter(articles_by_month(graph))),
        "slug": next(iter(outlet_slugs(graph).values())),
        "year": next(iter(events_by_year(graph))),
        "number": 1,
        "count": 5,
    }


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_a_query_returns_what_it_declares(graph: SiteGraph, name: str) -> None:
    query = QUERIES[name]
    hints = get_type_hints(query)
    parameters = list(inspect.signature(query).parameters)[1:]
    arguments = _arguments(graph)
    value = query(Reader(graph, SITE_READS), *(arguments[parameter] for parameter in parameters))
    assert conforms(value, hints["return"]), f"{name} returned {value!r:.300}, not {hints['return']}"


def test_the_basic_site_gives_the_queries_something_to_return(graph: SiteGraph) -> None:
    """Type checks over empty tuples would prove nothing: the basic site has each kind of thing."""
    assert graph.articles and graph.people and graph.claims and graph.events and graph.mentions
