"""Everything a page may read from the graph, each read a named, recorded key.

Pages never touch the `SiteGraph` directly: they call `Reader.read(kind, arg)`.
The reader records which keys each page read, and can fingerprint any key
(a digest of the value's repr; an article's text and the comparison's rows are
digested by their fields, each once: `digest_value`). A later build re-renders only pages whose
keys, or templates, changed: this is how incremental builds know what a
change affects, from the build itself rather than from guesses about file
paths. Each read kind also declares its scope (`SCOPES`): the parts of the
graph its value is made from, so a later build computes again only the
reads whose parts changed (see `topics.py`).

Read functions return plain, immutable-looking values (dataclasses, tuples)
whose repr covers everything a template can see; "summary" reads exist so a
page that lists articles does not depend on their full text.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import heapq
import itertools
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar

from digest.graph.model import Article, Claim, Event, Mention, Person, SiteGraph, Status, person_order
from digest.memo import ByIdentity
from digest.text.dates import EDTFDate
from digest.text.people_match import NameMatch
from digest.text.seedtext import Block, InlineSpan, SeedText
from digest.views.listing import (
    ARTICLES_PER_PAGE,
    CLAIMS_PER_PAGE,
    PEOPLE_PER_PAGE,
    PERSON_ROWS_PER_PAGE,
    articles_by_month,
    articles_fit,
    claims_by_status,
    claims_fit,
    comparison_pages,
    events_by_year,
    events_ending_in,
    month_path,
    people_in_order,
    person_lists,
    timeline_fits,
    timeline_year,
)
from digest.views.paging import page_number, page_slice, split_page_arg
from digest.views.timeline_layout import Activity, YearActivity, activity_by_month, activity_by_year


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    stem: str
    slug: str
    title: str
    subtitle: str
    outlet: str
    published: datetime.date | None
    language: str = ""
    """BCP 47 tag of its text; empty for the site's language."""


@dataclass(frozen=True, slots=True)
class PersonSummary:
    id: str
    name: str
    role: str
    organization: str


@dataclass(frozen=True, slots=True)
class ClaimSummary:
    id: str
    text: str
    status: str
    outlets: int
    """How many outlets carry it."""


@dataclass(frozen=True, slots=True)
class EventSource:
    """An article passage (or, without anchors, an article) an event comes from."""

    article: ArticleSummary
    date_text: str
    anchors: tuple[str, ...]
    quotes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventLink:
    """An event as other pages name and link it: its title, date and the year page it is listed on."""

    id: str
    title: str
    date: EDTFDate
    year: int


def summarise_article(article: Article) -> ArticleSummary:
    return ArticleSummary(article.stem, article.slug, article.title, article.subtitle, article.outlet, article.published, article.language)


def summarise_person(person: Person) -> PersonSummary:
    return PersonSummary(person.id, person.name, person.role, person.organization)


def summarise_claim(graph: SiteGraph, claim: Claim) -> ClaimSummary:
    outlets = {graph.articles[o.article].outlet for o in claim.occurrences if o.article in graph.articles}
    return ClaimSummary(claim.id, claim.text, claim.status, len(outlets))


def _person_row(graph: SiteGraph, pid: str) -> tuple[PersonSummary, int, int]:
    """(person, articles naming them, mentions in all)."""
    mentions = graph.mentions.get(pid, [])
    return summarise_person(graph.people[pid]), len(mentions), sum(m.count for m in mentions)


def _people_page(graph: SiteGraph, number: str) -> tuple[tuple[tuple[PersonSummary, int, int], ...], int]:
    """One page of the people, A to Z, and how many there are in all."""
    ids = people_in_order(graph)
    return tuple(_person_row(graph, pid) for pid in page_slice(ids, page_number(number), PEOPLE_PER_PAGE)), len(ids)


def _people_top(graph: SiteGraph, count: str) -> tuple[tuple[PersonSummary, ...], int]:
    """The people named most often, and how many people there are in all."""
    rows = sorted((_person_row(graph, pid) for pid in graph.people), key=lambda row: (-row[2], row[0].name, row[0].id))
    return tuple(row[0] for row in rows[: int(count)]), len(rows)


def _latest_articles(graph: SiteGraph, count: str) -> tuple[ArticleSummary, ...]:
    """The newest articles (undated ones last)."""
    wanted = int(count)
    summaries: list[ArticleSummary] = []
    for article in graph.articles.values():
        if len(summaries) == wanted:
            break
        summaries.append(summarise_article(article))
    return tuple(summaries)


def _article_archive(graph: SiteGraph, _: str) -> tuple[tuple[str, str, int], ...]:
    """(month key, its page, its number of articles) for every month, newest first."""
    return tuple((key, month_path(graph, key), len(stems)) for key, stems in articles_by_month(graph).items())


def _month_articles(graph: SiteGraph, arg: str) -> tuple[tuple[ArticleSummary, ...], int]:
    """One page of a month's articles ('2022-11/1'), and how many it has in all."""
    key, number = split_page_arg(arg)
    stems = articles_by_month(graph)[key]
    return tuple(summarise_article(graph.articles[stem]) for stem in page_slice(stems, number, ARTICLES_PER_PAGE)), len(stems)


def _claim_status_counts(graph: SiteGraph, _: str) -> tuple[tuple[Status, int], ...]:
    """Every status of the vocabulary with its number of claims (the lists themselves are per status)."""
    groups = claims_by_status(graph)
    return tuple((status, len(groups.get(sid, ()))) for sid, status in graph.config.statuses.items())


def _status_claims(graph: SiteGraph, arg: str) -> tuple[tuple[ClaimSummary, ...], int]:
    """One page of a status's claims ('reported/2'), and how many it has in all."""
    sid, number = split_page_arg(arg)
    ids = claims_by_status(graph)[sid]
    return tuple(summarise_claim(graph, graph.claims[cid]) for cid in page_slice(ids, number, CLAIMS_PER_PAGE)), len(ids)


def _latest_claims(graph: SiteGraph, count: str) -> tuple[ClaimSummary, ...]:
    """Claims carried by the newest articles, newest first: what the story is saying now."""
    wanted, found = int(count), dict[str, None]()
    for stem in graph.articles:
        for cid in graph.index.claims_in.get(stem, ()):
            found.setdefault(cid, None)
        if len(found) >= wanted:
            break
    return tuple(summarise_claim(graph, graph.claims[cid]) for cid in list(found)[:wanted])


def _timeline_year(graph: SiteGraph, year: str) -> tuple[Event, ...]:
    """The events listed under one year, in timeline order."""
    return tuple(graph.events[eid] for eid in events_by_year(graph)[page_number(year)])


def _timeline_whole(graph: SiteGraph, _: str) -> tuple[Event, ...] | None:
    """Every event, in timeline order, while the whole timeline fits on its index; None past that."""
    return tuple(graph.events.values()) if timeline_fits(graph) else None


def _claims_whole(graph: SiteGraph, _: str) -> tuple[tuple[str, tuple[ClaimSummary, ...]], ...] | None:
    """Every status that has claims, with all of them, while they fit on the claims index; None past that."""
    if not claims_fit(graph):
        return None
    return tuple((sid, tuple(summarise_claim(graph, graph.claims[cid]) for cid in ids)) for sid, ids in claims_by_status(graph).items() if ids)


def _articles_whole(graph: SiteGraph, _: str) -> tuple[ArticleSummary, ...] | None:
    """Every article, newest first, while they fit on the articles index; None past that."""
    return tuple(summarise_article(article) for article in graph.articles.values()) if articles_fit(graph) else None


def _timeline_overview(graph: SiteGraph, _: str) -> tuple[YearActivity, ...]:
    """Each year's events by month, for the timeline's index."""
    years = events_by_year(graph)
    return activity_by_year({year: _dates(graph, ids) for year, ids in years.items()})


def _timeline_continuing(graph: SiteGraph, year: str) -> tuple[EventLink, ...]:
    """Events listed under an earlier year that can end in this one."""
    ids = events_ending_in(graph).get(page_number(year), ())
    return tuple(EventLink(eid, graph.events[eid].title, date, timeline_year(date)) for eid, date in zip(ids, _dates(graph, ids)))


def _dates(graph: SiteGraph, ids: Sequence[str]) -> list[EDTFDate]:
    """The dates of events of the timeline (linking leaves out events without one)."""
    dates = [graph.events[eid].date for eid in ids]
    return [date for date in dates if date is not None]


def _latest_events(graph: SiteGraph, count: str) -> tuple[Event, ...]:
    """The last events of the timeline (the latest to start)."""
    ids = list(graph.events)
    return tuple(graph.events[eid] for eid in ids[max(0, len(ids) - int(count)):])


T = TypeVar("T")


def _part(items: Sequence[T], number: int) -> tuple[T, ...]:
    """Page ``number`` of one of a person's lists: empty once that list has run out."""
    return tuple(items[(number - 1) * PERSON_ROWS_PER_PAGE : number * PERSON_ROWS_PER_PAGE])


def _mentions_page(graph: SiteGraph, arg: str) -> tuple[tuple[tuple[ArticleSummary, Mention], ...], int]:
    """One page of the articles that name a person ('<id>/<page>'), most mentions first, and how many there are."""
    pid, number = split_page_arg(arg)
    mentions = graph.mentions.get(pid, [])
    return tuple((summarise_article(graph.articles[m.article]), m) for m in _part(mentions, number)), len(mentions)


def _events_with_page(graph: SiteGraph, arg: str) -> tuple[tuple[Event, ...], int]:
    """One page of a person's events, in timeline order, and how many there are."""
    pid, number = split_page_arg(arg)
    ids = graph.index.events_with.get(pid, [])
    return tuple(graph.events[eid] for eid in _part(ids, number)), len(ids)


def _claims_by_page(graph: SiteGraph, arg: str, about: bool) -> tuple[tuple[ClaimSummary, ...], int]:
    pid, number = split_page_arg(arg)
    ids = (graph.index.claims_about if about else graph.index.claims_by).get(pid, [])
    return tuple(summarise_claim(graph, graph.claims[cid]) for cid in _part(ids, number)), len(ids)


def _person_activity(graph: SiteGraph, pid: str) -> tuple[Activity, tuple[tuple[int, int], ...]]:
    """A person's events by month, and by the timeline year they are listed under."""
    dates = _dates(graph, graph.index.events_with.get(pid, []))
    return activity_by_month(dates), tuple(sorted(Counter(timeline_year(date) for date in dates).items()))


def _person_latest(graph: SiteGraph, arg: str) -> tuple[ArticleSummary, ...]:
    """The newest dated articles that name a person ('<id>/<count>'), for their feed."""
    pid, count = split_page_arg(arg)
    articles = [graph.articles[m.article] for m in graph.mentions.get(pid, [])]
    dated = sorted((a for a in articles if a.published), key=lambda a: a.sort_key())
    return tuple(summarise_article(a) for a in dated[:count])


def _related(graph: SiteGraph, pid: str, limit: int = 8) -> tuple[tuple[PersonSummary, int], ...]:
    """People who appear with this one: named in the same article, or in the same event.

    Most often together first, then by name. One article may name thousands
    of people, and each of them has this list: the largest group is never
    scanned whole, or the site would cost the square of its people. Counts
    come from the other groups (plus one for those also in the largest);
    whoever is only in the largest group appears once, and the first few of
    them by name are read off the index's name order.
    """
    index = graph.index
    groups = [index.article_people[stem] for stem in index.named_by.get(pid, ())]
    groups += [index.event_people[eid] for eid in index.events_with.get(pid, ())]
    if not groups:
        return ()
    largest = max(range(len(groups)), key=lambda i: len(groups[i].members))
    together: Counter[str] = Counter()
    for number, group in enumerate(groups):
        if number != largest:
            together.update(group.members)
    biggest = groups[largest]
    for other in together:
        together[other] += other in biggest.members
    together.pop(pid, None)
    wanted = [(other, count) for other, count in together.items() if other in graph.people]
    ranked = sorted(wanted, key=lambda item: (-item[1], person_order(graph, item[0])))
    many = [item for item in ranked if item[1] > 1][:limit]
    once = (item for item in ranked if item[1] == 1)
    only_in_largest = ((other, 1) for other in biggest.by_name if other != pid and other not in together and other in graph.people)
    merged = heapq.merge(once, only_in_largest, key=lambda item: person_order(graph, item[0]))
    chosen = many + list(itertools.islice(merged, limit - len(many)))
    return tuple((summarise_person(graph.people[other]), count) for other, count in chosen)


def _event_sources(graph: SiteGraph, eid: str) -> tuple[EventSource, ...]:
    event = graph.events[eid]
    return tuple(
        EventSource(summarise_article(graph.articles[o.article]), o.date_text, o.anchors, o.quotes)
        for o in event.occurrences
        if o.article in graph.articles
    )


def _article_people(graph: SiteGraph, stem: str) -> tuple[tuple[PersonSummary, int], ...]:
    counts = Counter(match.person for block in graph.articles[stem].names for match in block)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple((summarise_person(graph.people[pid]), count) for pid, count in ranked)


class FeedEntry(TypedDict):
    """What a feed says about an article (a dict, as it always was: its repr is the read's fingerprint)."""

    summary: str
    claims: tuple[tuple[ClaimSummary, str], ...]
    """Each claim annotated in the article, with its status's label."""
    updated: datetime.date | None


def _feed_entry(graph: SiteGraph, stem: str) -> FeedEntry:
    """What a feed says about an article: a summary, the claims annotated in it, and when it last changed
    (the latest of its publication and its claims' review and status-change dates, so a new status shows)."""
    article = graph.articles[stem]
    summary = article.subtitle
    if not summary and article.text_mode == "full" and article.text.blocks:
        summary = _shorten(article.text.blocks[0].text, 280)
    claims: list[tuple[ClaimSummary, str]] = []
    dates: list[datetime.date] = [article.published] if article.published else []
    for cid in graph.index.claims_in.get(stem, ()):
        claim = graph.claims[cid]
        status = graph.config.statuses.get(claim.status)
        claims.append((summarise_claim(graph, claim), status.label if status else claim.status))
        dates += [claim.reviewed] if claim.reviewed else []
        dates += [change.date for change in claim.history]
    return {"summary": summary, "claims": tuple(claims), "updated": max(dates, default=None)}


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip(",;:") + "…"


Read = Callable[[SiteGraph, str], Any]
"""A read: the graph and the read's argument -> a value whose repr covers everything a page can see of it."""

Scope = Callable[[SiteGraph, str], Iterable[str]]
"""A read kind's scope: the graph and the read's argument -> the topics its value is made from
besides ``site`` (see `topics.py`). It may raise KeyError for an entity that is gone."""

READS: dict[str, Read] = {
    "config": lambda graph, _: graph.config,
    "assets": lambda graph, _: graph.assets,
    "locale": lambda graph, _: graph.locale,
    "article": lambda graph, stem: graph.articles[stem],
    "article-summary": lambda graph, stem: summarise_article(graph.articles[stem]),
    "article-people": _article_people,
    "article-count": lambda graph, _: len(graph.articles),
    "latest-articles": _latest_articles,
    "articles-whole": _articles_whole,
    "article-archive": _article_archive,
    "article-months": lambda graph, _: tuple((key, month_path(graph, key)) for key in articles_by_month(graph)),
    "month-articles": _month_articles,
    "person": lambda graph, pid: graph.people[pid],
    "person-summary": lambda graph, pid: summarise_person(graph.people[pid]),
    "people-page": _people_page,
    "people-top": _people_top,
    "person-lists": lambda graph, pid: person_lists(graph, pid),
    "mentions-page": _mentions_page,
    "events-with-page": _events_with_page,
    "claims-made-page": lambda graph, arg: _claims_by_page(graph, arg, about=False),
    "claims-about-page": lambda graph, arg: _claims_by_page(graph, arg, about=True),
    "person-activity": _person_activity,
    "person-latest": _person_latest,
    "related": _related,
    "claim": lambda graph, cid: graph.claims[cid],
    "claim-summary": lambda graph, cid: summarise_claim(graph, graph.claims[cid]),
    "claim-status-counts": _claim_status_counts,
    "claim-statuses-used": lambda graph, _: tuple(sid for sid, ids in claims_by_status(graph).items() if ids),
    "status-claims": _status_claims,
    "latest-claims": _latest_claims,
    "claims-whole": _claims_whole,
    "event": lambda graph, eid: graph.events[eid],
    "event-sources": _event_sources,
    "events": lambda graph, _: tuple(graph.events.values()),
    "event-count": lambda graph, _: len(graph.events),
    "latest-events": _latest_events,
    "timeline-years": lambda graph, _: tuple(events_by_year(graph)),
    "timeline-year": _timeline_year,
    "timeline-overview": _timeline_overview,
    "timeline-whole": _timeline_whole,
    "timeline-continuing": _timeline_continuing,
    "feed-entry": _feed_entry,
    "comparison-page-of": lambda graph, cid: comparison_pages(graph)[("claim", cid)],
}


def _one(kind: str) -> Scope:
    """The scope of a read about one entity, named by the whole argument."""
    return lambda graph, arg: (f"{kind}:{arg}",)


def _of(*topics: str) -> Scope:
    """The scope of a read of whole collections."""
    return lambda graph, arg: topics


def _of_person(*topics: str) -> Scope:
    """The scope of a read about a person ('<id>' or '<id>/<n>'): their mentions and whole collections."""
    return lambda graph, arg: (f"mentions:{arg.partition('/')[0]}", *topics)


def _article_people_scope(graph: SiteGraph, stem: str) -> Iterable[str]:
    """The article (its names) and each person it names (their summaries)."""
    return (f"article:{stem}", *(f"person:{pid}" for pid in graph.index.named_in[stem]))


def _claims_of_person_scope(which: str) -> Scope:
    """A page of a person's claims ('<id>/<n>'): which claims they made (or are about them), those on
    the page, and every article's summary (a claim's summary counts its outlets)."""

    def scope(graph: SiteGraph, arg: str) -> Iterable[str]:
        pid, number = split_page_arg(arg)
        ids = getattr(graph.index, which.replace("-", "_")).get(pid, [])
        return (f"{which}:{pid}", "articles", *(f"claim:{cid}" for cid in _part(ids, number)))

    return scope


def _status_claims_scope(graph: SiteGraph, arg: str) -> Iterable[str]:
    """A page of a status's claims ('<status>/<n>'): which claims have the status, those on the page, and every
    article's summary (a claim's summary counts its outlets); not every claim, which made each of the 160 pages
    of a 10,000-article site's statuses be computed again after any claim's edit."""
    sid, number = split_page_arg(arg)
    ids = claims_by_status(graph)[sid]
    return (f"claims-status:{sid}", "articles", *(f"claim:{cid}" for cid in page_slice(ids, number, CLAIMS_PER_PAGE)))


def _feed_entry_scope(graph: SiteGraph, stem: str) -> Iterable[str]:
    """An article's feed entry: the article, which claims it carries and those claims (with their outlets)."""
    return (f"article:{stem}", f"claims-in:{stem}", "articles", *(f"claim:{cid}" for cid in graph.index.claims_in.get(stem, ())))


SCOPES: dict[str, Scope] = {
    "config": _of(),
    "assets": _of(),
    "locale": _of(),
    "article": _one("article"),
    "article-summary": _one("summary"),
    "article-people": _article_people_scope,
    "article-count": _of("articles"),
    "latest-articles": _of("articles"),
    "articles-whole": _of("articles"),
    "article-archive": _of("articles"),
    "article-months": _of("articles"),
    "month-articles": _of("articles"),
    "person": _one("person"),
    "person-summary": _one("person"),
    "people-page": _of("people", "mentions"),
    "people-top": _of("people", "mentions"),
    "person-lists": _of_person("events", "claims"),
    "mentions-page": _of_person("articles"),
    "events-with-page": _of("events"),
    "claims-made-page": _claims_of_person_scope("claims-by"),
    "claims-about-page": _claims_of_person_scope("claims-about"),
    "person-activity": _of("events"),
    "person-latest": _of_person("articles"),
    "related": _of("mentions", "events", "people"),
    "claim": _one("claim"),
    "claim-summary": lambda graph, cid: (f"claim:{cid}", "articles"),
    "claim-status-counts": _of("claims"),
    "claim-statuses-used": _of("claims"),
    "status-claims": _status_claims_scope,
    "latest-claims": _of("claims", "articles"),
    "claims-whole": _of("claims", "articles"),
    "event": _one("event"),
    "event-sources": lambda graph, eid: (f"event:{eid}", "articles"),
    "events": _of("events"),
    "event-count": _of("events"),
    "latest-events": _of("events"),
    "timeline-years": _of("events"),
    "timeline-year": _of("events"),
    "timeline-overview": _of("events"),
    "timeline-whole": _of("events"),
    "timeline-continuing": _of("events"),
    "feed-entry": _feed_entry_scope,
    "comparison-page-of": _of("comparison"),
}
"""What each read of `READS` is made from (see `topics.py`); a read kind left out is computed on every build."""


def digest_value(value: Any, shared: ByIdentity[bytes] | None = None, parts: dict[int, tuple[object, bytes]] | None = None) -> bytes:
    """A digest of what a read returned; ``shared`` remembers the digests of articles'
    large shared parts (a session's), so an unchanged article is not digested again;
    ``parts`` (a reader's, for one build) those of the items other values hold too
    (a class's ``SHARED_PARTS``: the comparison's rows, on many pages each)."""
    if isinstance(value, Article):  # a hollow one too (`pipeline.hollow`): the same digest
        return article_digest(value, shared)
    if "SHARED_PARTS" in type(value).__dict__:  # no exception raised for the values without (most)
        return _digest_with_parts(value, parts if parts is not None else {})
    return hashlib.blake2b(repr(value).encode("utf-8"), digest_size=16).digest()


def _digest_with_parts(value: Any, parts: dict[int, tuple[object, bytes]]) -> bytes:
    """A digest of a dataclass's fields, each item of its ``SHARED_PARTS`` fields digested once per object."""
    shared = type(value).SHARED_PARTS
    own = tuple((field.name, getattr(value, field.name)) for field in dataclasses.fields(value) if field.name not in shared)
    digest = hashlib.blake2b(repr((type(value).__qualname__, own, [len(getattr(value, name)) for name in shared])).encode("utf-8"), digest_size=16)
    for name in shared:
        for item in getattr(value, name):
            found = parts.get(id(item))
            if found is None or found[0] is not item:
                found = parts[id(item)] = (item, hashlib.blake2b(repr(item).encode("utf-8"), digest_size=16).digest())
            digest.update(found[1])
    return digest.digest()


_ARTICLE_SHARED = ("text", "names")
"""An article's largest parts, made once per version of its seed and names and then shared
across rebuilds (see `link._article`, `link._find_people`) and never changed."""
_ARTICLE_OWN = tuple(name for name in Article.__slots__ if name not in _ARTICLE_SHARED)


def article_digest(article: Article, shared: ByIdentity[bytes] | None = None) -> bytes:
    """An article's digest (its read's fingerprint, and its topic's digest: `topics.Topics`); with ``shared``,
    its shared parts are digested once per object rather than on every build."""
    digest = hashlib.blake2b(repr(tuple(getattr(article, name) for name in _ARTICLE_OWN)).encode("utf-8"), digest_size=16)
    text, names = article.text, article.names
    if shared is None:
        digest.update(_text_digest(text))
        digest.update(_names_digest(names))
    else:
        digest.update(shared.get((text,), (), lambda: _text_digest(text)))
        digest.update(shared.get((names,), (), lambda: _names_digest(names)))
    return digest.digest()


def _other_fields(cls: type, *flattened: str) -> Callable[[Any], tuple]:
    """A getter of the fields of ``cls`` but ``flattened`` (those the caller lays out itself), as a tuple:
    a field added to ``cls`` later is in the digest without a change here."""
    names = [f.name for f in dataclasses.fields(cls) if f.name not in flattened]
    getter = operator.attrgetter(*names)
    return getter if len(names) > 1 else lambda value: (getter(value),)


_TEXT_FIELDS = _other_fields(SeedText, "blocks")
_BLOCK_FIELDS = _other_fields(Block, "text", "spans")
_SPAN_FIELDS = _other_fields(InlineSpan)
_NAME_FIELDS = _other_fields(NameMatch)


def _text_digest(text: SeedText) -> bytes:
    """A digest of every field of a parsed seed, laid out as tuples of plain values, its blocks' words as they are.

    The repr of the dataclasses cost a Python call for each block and each of its
    spans, and the repr of each block's words a look at every character (whether it
    is printable): about 50 µs an article, and every article is digested in a cold
    build, for its page's read and for its topic. Here the fields' tuples are made by
    `operator.attrgetter`, one Python step per block, and the words are digested as
    UTF-8 after the rest, which gives each block's length."""
    spans = _SPAN_FIELDS
    blocks = text.blocks
    laid_out = [(_BLOCK_FIELDS(block), len(block.text), tuple(map(spans, block.spans))) for block in blocks]
    digest = hashlib.blake2b(repr((_TEXT_FIELDS(text), laid_out)).encode("utf-8"), digest_size=16)
    digest.update("".join([block.text for block in blocks]).encode("utf-8", "surrogatepass"))
    return digest.digest()


def _names_digest(names: list[list[NameMatch]]) -> bytes:
    """A digest of the names found in each block, as tuples of their fields (see `_text_digest`)."""
    fields = _NAME_FIELDS
    return hashlib.blake2b(repr([tuple(map(fields, block)) for block in names]).encode("utf-8"), digest_size=16).digest()


class Reader:
    """Reads the graph for one build, remembering values and who read what."""

    def __init__(
        self,
        graph: SiteGraph,
        reads: Mapping[str, Read],
        shared_digests: ByIdentity[bytes] | None = None,
        unchanged: Callable[[str], bool] | None = None,
        previous: Mapping[str, bytes | None] | None = None,
        verify: bool = False,
        carried: Mapping[str, Any] | None = None,
    ):
        self.graph = graph
        self._reads = reads
        """Read kind -> the function that answers it (`site_reads.SITE_READS` for a whole site)."""
        self._shared_digests = shared_digests if shared_digests is not None else ByIdentity(100_000)
        self._unchanged = unchanged or _never
        """Whether a read's topics kept their digests since the previous build (`topics.ScopeCheck`)."""
        self._previous = previous or {}
        """The previous build's fingerprints, kept for reads that cannot have changed."""
        self._verify = verify
        """Compute kept fingerprints anyway and fail if one differs (tests: a scope that misses a topic)."""
        self._carried = carried if carried is not None else {}
        """Values of the previous build's reads, taken as they are while the read is unchanged (a mapping that
        may read them on first use: `build.LiveRecords`, so never asked for its truth or length here)."""
        self._values: dict[str, Any] = {}
        self._digests: dict[str, bytes | None] = {}
        self._part_digests: dict[int, tuple[object, bytes]] = {}
        """Digests of the items values share (`digest_value`'s ``parts``), for this build: by id, with the object."""
        self._recording: set[str] | None = None

    def read(self, kind: str, arg: str = "") -> Any:
        key = f"{kind}:{arg}"
        if self._recording is not None:
            self._recording.add(key)
        if key not in self._values:
            if key in self._carried and self._unchanged(key):
                value = self._carried[key]
                if self._verify:
                    _same_as_kept(key, self._reads[kind](self.graph, arg), value)
            else:
                value = self._reads[kind](self.graph, arg)
            self._values[key] = value
        return self._values[key]

    def carry(self, kinds: frozenset[str], unchanged: AbstractSet[str] | None = None) -> dict[str, Any]:
        """The values of reads of ``kinds`` for the next build: those read in this one, and those
        carried from the previous one that are still unchanged (``unchanged``: those keys, when the
        caller has worked them out by set operations, `topics.ScopeCheck.kept`)."""
        carried = self._carried
        if unchanged is None:
            kept = {key: value for key, value in carried.items() if self._unchanged(key)}
        else:
            kept = {key: carried[key] for key in unchanged}
        kept.update((key, value) for key, value in self._values.items() if key.partition(":")[0] in kinds)
        return kept

    def made(self, kinds: frozenset[str]) -> dict[str, Any]:
        """The values of reads of ``kinds`` this reader computed, not took as they were (a render worker sends them back)."""
        carried = self._carried
        return {key: value for key, value in self._values.items() if key.partition(":")[0] in kinds and carried.get(key) is not value}

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """Collect the keys read inside the block."""
        keys: set[str] = set()
        outer, self._recording = self._recording, keys
        try:
            yield keys
        finally:
            self._recording = outer

    def fingerprint(self, key: str) -> bytes | None:
        """Digest of a key's current value; None if it no longer exists.

        A read whose topics did not change since the previous build keeps
        that build's fingerprint without being computed."""
        if key not in self._digests:
            if key not in self._values and key in self._previous and self._unchanged(key):
                self._digests[key] = kept = self._previous[key]
                if self._verify:
                    _same_as_kept(key, self._compute(key), kept)
                return kept
            self._digests[key] = self._compute(key)
        return self._digests[key]

    @property
    def computed(self) -> Mapping[str, bytes | None]:
        """The fingerprints this reader has worked out (or kept) so far."""
        return self._digests

    def _compute(self, key: str) -> bytes | None:
        kind, _, arg = key.partition(":")
        try:
            if key not in self._values:  # kept: a page rendered again may read it next
                self._values[key] = self._reads[kind](self.graph, arg)
        except KeyError:
            return None
        return digest_value(self._values[key], self._shared_digests, self._part_digests)


def _never(key: str) -> bool:
    """No read is known unchanged: a reader without a previous build computes everything."""
    return False


def _same_as_kept(key: str, now: Any, kept: Any) -> None:
    """The check the tests run (``DIGEST_CHECK_SCOPES``): a read kept as unchanged must be unchanged."""
    if now != kept:
        raise AssertionError(f"read '{key}' changed although the topics of its scope did not: its scope misses what changed")
