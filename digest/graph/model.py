"""The linked site graph: what every page is rendered from.

Built once per build by `link.py`; templates only read it. Entities refer to
each other by id, and the `SiteGraph` holds the indexes (who is mentioned
where, which articles carry a claim) so that no template has to search.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from digest.errors import Location
from digest.graph.versions import ArticleVersion
from digest.text.anchor import Span
from digest.text.dates import EDTFDate
from digest.text.i18n import ENGLISH, N_, SiteLocale
from digest.text.people_match import NameMatch
from digest.text.seedtext import SeedText

DEFAULT_STATUSES: dict[str, tuple[str, str]] = {
    "confirmed": (N_("Confirmed"), N_("Established by on-record statements, documents or independent verification.")),
    "reported": (N_("Reported"), N_("Reported citing sources, not independently confirmed.")),
    "unverified": (N_("Unverified"), N_("Asserted, but not yet checked or impossible to check so far.")),
    "disputed": (N_("Disputed"), N_("Contradicted by other credible sources or evidence.")),
    "denied": (N_("Denied"), N_("Denied on the record by the people or institutions concerned.")),
    "false": (N_("False"), N_("Shown to be untrue by the available evidence.")),
}
"""English labels and descriptions; a site without its own ``claim_statuses`` shows them in its language."""


@dataclass(frozen=True, slots=True)
class Status:
    id: str
    label: str
    description: str


def translated_statuses(locale: SiteLocale) -> dict[str, Status]:
    """The built-in statuses in the site's language."""
    return {sid: Status(sid, locale.gettext(label), locale.gettext(text)) for sid, (label, text) in DEFAULT_STATUSES.items()}


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str
    base_url: str
    """Always ends in '/'."""
    base_path: str
    """The path part of base_url, e.g. '/repo/'; every internal URL starts with it."""
    description: str = ""
    intro: str = ""
    language: str = "en"
    theme: str = "default"
    statuses: dict[str, Status] = field(default_factory=dict)
    own_statuses: bool = False
    """The site's own ``claim_statuses``: shown as written, not translated."""
    cname: str = ""
    article_text: str = "full"
    """'full' or 'excerpts': how much of each article the site republishes."""
    search: bool = True
    """Build a search index and the /search/ page."""


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    role: str = ""
    organization: str = ""
    country: str = ""
    description: str = ""
    links: tuple[tuple[str, str], ...] = ()
    source: Location = field(default=Location(""), repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Passage:
    """One highlighted stretch of an article: a claim's or event's quote."""

    kind: str
    """'claim' or 'event'."""
    target: str
    """The claim or event id."""
    anchor: str
    """The element id on the article page, e.g. 'claim-x' or 'claim-x-2'."""
    span: Span
    verbatim: bool = True
    """False when the quote matched only after whitespace/quote normalisation."""
    loc: Location = field(default=Location(""), repr=False, compare=False)
    """Where the quote is written."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A claim or event as one article carries it."""

    article: str
    """The article's stem."""
    anchors: tuple[str, ...]
    quotes: tuple[str, ...]
    """The article's own wording, as found in its text."""
    sourcing: str = ""
    date_text: str = ""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """An earlier status of a claim, for its history."""

    date: datetime.date
    status: str
    note: str = ""


@dataclass(slots=True)
class Claim:
    id: str
    text: str = ""
    status: str = ""
    claimant: str = ""
    claimant_text: str = ""
    about: list[str] = field(default_factory=list)
    note: str = ""
    evidence: list[dict[str, str]] = field(default_factory=list)
    reviewed: datetime.date | None = None
    history: list[StatusChange] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    source: Location = field(default=Location(""), repr=False, compare=False)
    """Where it was first given; not part of its identity or fingerprint."""


@dataclass(slots=True)
class Event:
    id: str
    date: EDTFDate | None = None
    title: str = ""
    people: list[str] = field(default_factory=list)
    description: str = ""
    source_url: str = ""
    date_text: str = ""
    """The words of timeline.yaml, when the event comes from there."""
    occurrences: list[Occurrence] = field(default_factory=list)
    source: Location = field(default=Location(""), repr=False, compare=False)

    def sort_key(self) -> tuple:
        assert self.date is not None
        return (*self.date.sort_key(), self.id)


@dataclass(slots=True)
class Article:
    stem: str
    seed_path: str
    sidecar_path: str | None
    slug: str
    title: str
    text: SeedText
    outlet: str = ""
    published: datetime.date | None = None
    subtitle: str = ""
    url: str = ""
    author: str = ""
    draft: bool = False
    language: str = ""
    """BCP 47 tag of the text when it differs from the site's."""
    script: str = ""
    """ISO 15924 code of the text's letters when its language is not declared and the site's
    language is not written in them (`language.unstated_script`): the page marks the text as of
    unknown language, in that script's direction."""
    text_mode: str = "full"
    """'full' or 'excerpts' (only annotated passages, with a sentence of context)."""
    captured: datetime.date | None = None
    """When the current text was saved (the sidecar's ``captured``)."""
    versions: tuple[ArticleVersion, ...] = ()
    """Earlier texts the outlet replaced, oldest first, each with how the next one differs."""
    passages: list[Passage] = field(default_factory=list)
    names: list[list[NameMatch]] = field(default_factory=list)
    """Person links per block of ``text``."""
    named: tuple[str, ...] = ()
    """The people ``names`` links, sorted (link sets both): what the graph's index reads of every article, so
    that a saved state can keep ``names`` with the article's body, read on first use (`pipeline/hollow.py`).
    Sorted, not a set: digests of an article are of its repr, which must not depend on the process."""

    def sort_key(self) -> tuple:
        """Newest first, then by title, so lists read like a news feed."""
        ordinal = self.published.toordinal() if self.published else 0
        return (-ordinal, self.title, self.stem)


@dataclass(frozen=True, slots=True)
class Mention:
    article: str
    count: int
    snippet: str


@dataclass(frozen=True, slots=True)
class PeopleGroup:
    """The people one article names, or one event lists, for pages of who appears with whom."""

    members: frozenset[str]
    by_name: tuple[str, ...]
    """The members ordered by name (then id; an unknown id by itself), sorted once per graph."""


@dataclass(slots=True)
class GraphIndex:
    """Who is where, computed once per graph so no page has to scan everything."""

    claims_in: dict[str, list[str]]
    """Article stem -> ids of the claims it carries, in claim order."""
    events_in: dict[str, list[str]]
    """Article stem -> ids of the events it carries, in timeline order."""
    named_in: dict[str, frozenset[str]]
    """Article stem -> ids of the people its text names."""
    named_by: dict[str, list[str]]
    """Person id -> stems of the articles naming them, in article order."""
    events_with: dict[str, list[str]]
    """Person id -> ids of their events, in timeline order."""
    claims_by: dict[str, list[str]]
    """Person id -> ids of the claims they made."""
    claims_about: dict[str, list[str]]
    """Person id -> ids of the claims about them."""
    article_people: dict[str, PeopleGroup]
    """Article stem -> the people its text names."""
    event_people: dict[str, PeopleGroup]
    """Event id -> the people it lists."""


def build_index(graph: SiteGraph) -> GraphIndex:
    claims_in: dict[str, list[str]] = {}
    events_in: dict[str, list[str]] = {}
    claims_by: dict[str, list[str]] = {}
    claims_about: dict[str, list[str]] = {}
    events_with: dict[str, list[str]] = {}
    for cid, claim in graph.claims.items():
        for stem in dict.fromkeys(o.article for o in claim.occurrences):
            claims_in.setdefault(stem, []).append(cid)
        if claim.claimant:
            claims_by.setdefault(claim.claimant, []).append(cid)
        for pid in claim.about:
            claims_about.setdefault(pid, []).append(cid)
    for eid, event in graph.events.items():
        for stem in dict.fromkeys(o.article for o in event.occurrences):
            events_in.setdefault(stem, []).append(eid)
        for pid in dict.fromkeys(event.people):
            events_with.setdefault(pid, []).append(eid)
    named_in = {stem: frozenset(article.named) for stem, article in graph.articles.items()}
    named_by: dict[str, list[str]] = {}
    for stem, named in named_in.items():
        for pid in named:
            named_by.setdefault(pid, []).append(stem)
    article_people = {stem: people_group(graph, named) for stem, named in named_in.items()}
    event_people = {eid: people_group(graph, frozenset(event.people)) for eid, event in graph.events.items()}
    return GraphIndex(claims_in, events_in, named_in, named_by, events_with, claims_by, claims_about, article_people, event_people)


def people_group(graph: SiteGraph, members: frozenset[str]) -> PeopleGroup:
    return PeopleGroup(members, tuple(sorted(members, key=lambda pid: person_order(graph, pid))))


def person_order(graph: SiteGraph, pid: str) -> tuple[str, str]:
    """How lists of people are ordered: by name, then id (an id without a person file by itself)."""
    person = graph.people.get(pid)
    return (person.name if person is not None else pid, pid)


@dataclass(frozen=True, slots=True)
class Relinked:
    """What a session's link made again since its last link (`link.py`), so that what is derived from
    the whole graph (its index, the page list) is updated from that graph's instead of made again."""

    since: dict[str, Article]
    """The articles of the graph the last link made: that graph's (`SiteGraph.articles`), which says which graph this is relative to."""
    articles: frozenset[str]
    """Stems linked again, added or gone; every other article is the very same object."""
    entities: frozenset[tuple[str, str]]
    """Claims and events, as (kind, id), merged again, added or gone; every other one is the very same object."""


@dataclass(slots=True)
class SiteGraph:
    config: SiteConfig
    people: dict[str, Person]
    articles: dict[str, Article]
    """By stem, in display order (newest first)."""
    claims: dict[str, Claim]
    events: dict[str, Event]
    """In timeline order."""
    mentions: dict[str, list[Mention]] = field(default_factory=dict)
    """Person id -> articles naming them, most mentions first."""
    drafts_left_out: tuple[str, ...] = ()
    """Seeds of draft articles this build leaves out."""
    assets: dict[str, str] = field(default_factory=dict)
    """Theme file name -> its path in the site ('style.css' -> 'assets/style.1a2b3c4d.css')."""
    locale: SiteLocale = ENGLISH
    """The site's language with its catalogues, loaded by the render stage."""
    _index: GraphIndex | None = field(default=None, repr=False, compare=False)
    relinked: Relinked | None = field(default=None, repr=False, compare=False)
    """What link made again since the graph before it in the session; None for a first link."""
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Groupings of this graph that many pages read, made once on first use (see `listing.per_graph`)."""

    @property
    def index(self) -> GraphIndex:
        """Lookup tables over the finished graph (built on first use)."""
        if self._index is None:
            self._index = build_index(self)
        return self._index

    def claims_by_person(self, person: str) -> tuple[list[Claim], list[Claim]]:
        """Claims the person made, and claims about them."""
        index = self.index
        made = [self.claims[c] for c in index.claims_by.get(person, [])]
        about = [self.claims[c] for c in index.claims_about.get(person, [])]
        return made, about

    def events_with(self, person: str) -> list[Event]:
        return [self.events[e] for e in self.index.events_with.get(person, [])]

    def outlets(self) -> list[str]:
        return sorted({a.outlet for a in self.articles.values() if a.outlet})
