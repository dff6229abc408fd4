"""What the graph's parts were when a page read them: topics, each with a digest.

A read's value can only change if a part of the graph it is made from
changed. Each read kind declares those parts as *topics* (its scope, see
`reads.SCOPES`): one entity (``article:<stem>``, ``summary:<stem>``,
``person:<id>``, ``mentions:<id>``, ``claim:<id>``, ``event:<id>``), a whole
collection (``articles``: every article's summary in order; ``people``,
``mentions``, ``claims``, ``events``), a list of ids (``claims-by:<person>``,
``claims-about:<person>``, ``claims-in:<article>``, ``events-in:<article>``, ``carried:<outlet slug>``,
``outlets``, ``comparison``, ``claims-status:<status>``), what places each claim among the pages
without its words (``claim-place:<id>``, and ``claim-places`` for all of them), and ``site`` (the configuration,
theme assets and language), which every read depends on.

A build keeps the digest of every topic its pages' reads depend on; the
next build compares them with the digests of its own graph, and a read
whose topics all kept their digest keeps its fingerprint without being
computed again (`Reader.fingerprint`), and a kept value (data.json's
records: kept with a session's state, or the live site's file for `digest
build`) is taken as it is. When the graph was linked right after the one the
digests are of (a session's last graph, or in a new process the saved link,
`build._saved_topics_basis`), only the topics of what link made again are
digested and the others carried (`_carry`); else the check costs one digest
per topic (a lookup for the entities kept: `savedstate._known_topic_digests`)
and one set test per read. A one-claim edit at 10,000 articles digests a few
dozen topics and computes the few hundred reads about that claim again
instead of every read of every page.

A scope that forgets a part its read uses would leave pages stale, so tests
run with ``DIGEST_CHECK_SCOPES=1``: every fingerprint kept this way is then
computed anyway and compared (`ScopeCheck`), on every incremental build the
suite makes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet

from digest.graph.model import Article, Claim, Event, SiteGraph
from digest.memo import ByIdentity
from digest.views.listing import claims_by_status, comparison_order
from digest.views.outlets import carried, outlet_name, outlet_slugs
from digest.views.reads import ArticleSummary, Scope, digest_value

ABSENT = b"absent"
"""The digest of an entity the graph does not have."""

CHECK_SCOPES = "DIGEST_CHECK_SCOPES"
"""Environment variable: when set, every fingerprint kept because its topics are unchanged is computed and compared."""


def verifying_scopes() -> bool:
    """Whether kept fingerprints and values are computed anyway and compared (``DIGEST_CHECK_SCOPES``: the tests)."""
    return bool(os.environ.get(CHECK_SCOPES))


class Topics:
    """The digests of one graph's topics, each computed on first use."""

    def __init__(self, graph: SiteGraph, memo: ByIdentity[bytes] | None):
        self.graph = graph
        self._memo = memo
        """A session's digests of the entities of earlier graphs, by identity (see `_kept`); None
        for a first build, which has nothing to compare them with (and a big site's memory to spare)."""
        self.digests: dict[str, bytes] = {}

    def digest(self, topic: str) -> bytes:
        found = self.digests.get(topic)
        if found is None:
            kind, _, name = topic.partition(":")
            try:
                found = self._make(kind, name)
            except KeyError:
                found = ABSENT
            self.digests[topic] = found
        return found

    def _make(self, kind: str, name: str) -> bytes:
        graph = self.graph
        if kind in _COLLECTIONS and not name:
            member, ids = _COLLECTIONS[kind]
            return self._combined(member, ids(graph))
        if kind == "site":
            return digest_value((graph.config, graph.assets, graph.locale))
        if kind == "article":
            return self._entity(graph.articles[name])
        if kind == "summary":
            article = graph.articles[name]
            return self._kept(article, "summary", lambda: digest_value(tuple(getattr(article, field) for field in _SUMMARY_FIELDS)))
        if kind == "person":
            return digest_value(graph.people[name])
        if kind == "mentions":  # each Mention is made once per version of its article's names (`link._mentions`)
            found = graph.mentions.get(name, [])
            return self._kept(found, "mentions", lambda: digest_value(found))
        if kind == "claim":
            return self._entity(graph.claims[name])
        if kind == "event":
            return self._entity(graph.events[name])
        if kind in _INDEX_LISTS:
            return digest_value(getattr(graph.index, _INDEX_LISTS[kind]).get(name, ()))
        if kind == "outlets":
            return digest_value(tuple(outlet_slugs(graph).items()))
        if kind == "carried":
            return digest_value(carried(graph)[outlet_name(graph, name)])
        if kind == "comparison":
            return digest_value(comparison_order(graph))
        if kind == "claims-status":
            return digest_value(claims_by_status(graph).get(name, ()))
        if kind == "claim-place":
            claim = graph.claims[name]
            return self._kept(claim, "place", lambda: digest_value(_claim_place(claim)))
        raise ValueError(f"unknown topic '{kind}:{name}'")

    def _entity(self, entity: Article | Claim | Event) -> bytes:
        """An article's, claim's or event's digest (`reads.digest_value`: an article's is its read's)."""
        return self._kept(entity, "", lambda: digest_value(entity))

    def _kept(self, part: object, kind: str, make: Callable[[], bytes]) -> bytes:
        """A digest remembered for the very object: a session's link hands back the objects of the
        last graph for what did not change, and never changes them after link (`link.py`), so a
        rebuild digests only what it linked again."""
        return make() if self._memo is None else self._memo.get((part,), (kind,), make)

    def _combined(self, member: str, ids: Iterable[str]) -> bytes:
        """A collection's digest: its members' ids, in order, with each member's digest."""
        combined = hashlib.blake2b(member.encode("utf-8"), digest_size=16)
        for entity_id in ids:
            combined.update(entity_id.encode("utf-8") + b"\0" + self.digest(f"{member}:{entity_id}"))
        return combined.digest()


_SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(ArticleSummary))
"""What a summary of an article shows (`reads.summarise_article`), read straight off the article."""

_COLLECTIONS: Mapping[str, tuple[str, Callable[[SiteGraph], Iterable[str]]]] = {
    "articles": ("summary", lambda graph: graph.articles),
    "people": ("person", lambda graph: graph.people),
    "mentions": ("mentions", lambda graph: graph.mentions),
    "claims": ("claim", lambda graph: graph.claims),
    "claim-places": ("claim-place", lambda graph: graph.claims),
    "events": ("event", lambda graph: graph.events),
}
"""A collection topic -> the topic of each member and the members, in the graph's order."""

def _claim_place(claim: Claim) -> tuple:
    """What places a claim among the site's pages, without its words: its status (which list it is on),
    review date, claimant and subjects (their pages' lengths) and the articles carrying it (its dates)."""
    return (claim.status, claim.reviewed, claim.claimant, tuple(claim.about), tuple(o.article for o in claim.occurrences))


_INDEX_LISTS: Mapping[str, str] = {"claims-by": "claims_by", "claims-about": "claims_about", "claims-in": "claims_in", "events-in": "events_in"}
"""Topics that are one entry of the graph's index (`model.GraphIndex`): which claims a person made,
which are about them, which an article carries (ids, in order)."""


class ScopeCheck:
    """Which reads of the previous build can have changed, from the digests of their topics alone.

    The previous build saved, for every read its pages made, the topics of
    its scope (``previous_scopes``) and the digest of each topic
    (``previous_topics``). Comparing each topic's digest with this graph's
    finds the changed topics; a read is *stale* if its scope names one (or
    it has no scope). Every other read keeps its fingerprint. This costs one
    digest per topic and one set test per read, whatever the edit.
    """

    def __init__(
        self,
        topics: Topics,
        scopes: Mapping[str, Scope],
        previous_topics: Mapping[str, bytes],
        previous_scopes: Mapping[str, tuple[str, ...] | None],
        basis: SiteGraph | None = None,
    ):
        """``basis``: the graph ``previous_topics`` were digested from, when known (a session's last build):
        if this graph was linked right after it, only the topics of what link made again are digested."""
        self.topics = topics
        self._scopes = scopes
        self._previous_scopes = previous_scopes
        digest = topics.digest
        touched = _carry(basis, topics, previous_topics)
        if touched is None:
            self.changed = {topic for topic, before in previous_topics.items() if digest(topic) != before}
        else:
            self.changed = {topic for topic in touched if topic in previous_topics and digest(topic) != previous_topics[topic]}
        """Topics whose digest is not what it was."""
        self.carried = touched is not None
        """Whether the last build's digests were carried (only the touched topics digested)."""
        self.digested = len(previous_topics) if touched is None else len(touched)
        """Topics whose digest this check worked out, rather than carried from the last build (tests count them)."""
        changed = self.changed
        if "site" in changed or (previous_scopes and "site" not in previous_topics):  # every read depends on it
            self.stale = set(previous_scopes)
        else:
            self.stale = {key for key, names in previous_scopes.items() if names is None or not changed.isdisjoint(names)}
        """Reads of the previous build that must be computed again to know whether they changed."""
        self.verify = verifying_scopes()
        """Compute kept fingerprints anyway and compare (tests)."""
        if self.verify and touched is not None:
            _verify_carried(topics, previous_topics)

    def unchanged(self, key: str) -> bool:
        """True when ``key`` ("kind:arg") was read last build and none of its topics changed since."""
        return key in self._previous_scopes and key not in self.stale

    def scope(self, key: str) -> tuple[str, ...] | None:
        """The topics of a read in this graph besides ``site``, which every read has; None if its kind
        declares none, or names an entity that is gone. (A scope of whole collections is one tuple
        shared by all the reads of its kind: a big site has some 150,000 reads.)"""
        kind, _, arg = key.partition(":")
        scope = self._scopes.get(kind)
        if scope is None:
            return None
        try:
            names = scope(self.topics.graph, arg)
        except KeyError:
            return None
        return names if type(names) is tuple else tuple(names)

    def record(self, keys: Collection[str]) -> tuple[dict[str, tuple[str, ...] | None], dict[str, bytes]]:
        """The scope of each of ``keys`` (this build's reads) and the digest of every topic they name:
        what the next build compares with. An unchanged read keeps the scope it had.

        When this check carried the last build's digests, only the reads that are new or stale have their
        scope worked out and their topics digested: the others' topics are among those carried. The digests
        then keep the topics no read names any more (entities gone, reads dropped: a comparison each next
        time, and no read to make stale) until a check that digests every topic (a new process) drops them."""
        previous, stale = self._previous_scopes, self.stale
        if self.carried:
            present = keys if isinstance(keys, (set, frozenset)) else set(keys)
            scopes = dict(previous)
            for key in previous.keys() - present:
                del scopes[key]
            named = {"site"}
            for key in (present - previous.keys()) | (stale & present):
                names = scopes[key] = self.scope(key)
                if names is not None:
                    named.update(names)
            for topic in named:
                self.topics.digest(topic)
            return scopes, self.topics.digests
        scopes = {key: previous[key] if key in previous and key not in stale else self.scope(key) for key in keys}
        named = {"site"}
        for names in scopes.values():
            if names is not None:
                named.update(names)
        digest = self.topics.digest
        for topic in named:
            digest(topic)
        digests = self.topics.digests  # given away, not copied: a big site has some 70,000 topics
        for topic in digests.keys() - named:
            del digests[topic]
        return scopes, digests

    def kept(self, keys: AbstractSet[str]) -> AbstractSet[str]:
        """Those of ``keys`` that are unchanged (`unchanged`), by set operations rather than a test each."""
        return (keys & self._previous_scopes.keys()) - self.stale

def _carry(basis: SiteGraph | None, topics: Topics, previous_topics: Mapping[str, bytes]) -> set[str] | None:
    """Give ``topics`` the digests of ``previous_topics`` (those ``basis`` gave them) but for the topics whose
    digest may differ, and return those: the topics of what link made again (`SiteGraph.relinked`), the lists
    they are in, and the collections with a member whose digest changed or whose order did; every other topic
    is made of the very same objects and keeps its digest. None when that cannot be told (no basis, or this
    graph was not linked right after it, or the site or the people changed): then every topic is digested."""
    graph = topics.graph
    relinked = graph.relinked
    if basis is None or relinked is None or relinked.since is not basis.articles or graph.people is not basis.people:
        return None
    if topics.digest("site") != previous_topics.get("site") or outlet_slugs(graph) != outlet_slugs(basis):
        return None
    claims_moved = list(basis.claims) != list(graph.claims)
    events_moved = list(basis.events) != list(graph.events)
    articles_moved = list(basis.articles) != list(graph.articles)
    touched = {"site", "outlets"}
    outlets: set[str] = set()
    """Outlets whose lists (`outlets.carried`) may differ: an article of theirs changed outlet, or a claim or
    event changed the articles carrying it (or any list's order changed: every outlet)."""
    for stem in relinked.articles:
        touched.update((f"article:{stem}", f"summary:{stem}", f"claims-in:{stem}", f"events-in:{stem}"))
        versions = (basis.articles.get(stem), graph.articles.get(stem))
        if versions[0] is None or versions[1] is None or versions[0].outlet != versions[1].outlet:
            outlets.update(found.outlet for found in versions if found is not None)
    for kind, eid in relinked.entities:
        touched.update((f"claim:{eid}", f"claim-place:{eid}") if kind == "claim" else (f"event:{eid}",))
        entities: list[Claim | Event | None] = [(version.claims if kind == "claim" else version.events).get(eid) for version in (basis, graph)]
        carriers = [None if entity is None else tuple(o.article for o in entity.occurrences) for entity in entities]
        for version, entity in zip((basis, graph), entities):
            if entity is None:
                continue
            for occurrence in entity.occurrences:
                touched.add(f"{kind}s-in:{occurrence.article}")
                if carriers[0] != carriers[1] and (carrier := version.articles.get(occurrence.article)) is not None:
                    outlets.add(carrier.outlet)
            if isinstance(entity, Claim):
                touched.add(f"claims-status:{entity.status}")
                touched.update(f"claims-about:{pid}" for pid in entity.about)
                if entity.claimant:
                    touched.add(f"claims-by:{entity.claimant}")
    slugs = outlet_slugs(graph)
    if articles_moved or claims_moved or events_moved:
        outlets = set(slugs)
    touched.update(f"carried:{slugs[name]}" for name in outlets if name in slugs)
    mentions = {f"mentions:{pid}" for pid in basis.mentions.keys() | graph.mentions.keys() if basis.mentions.get(pid) is not graph.mentions.get(pid)}
    touched |= mentions
    if claims_moved or events_moved:
        touched.add("comparison")
    digests = topics.digests
    digests.update(previous_topics)
    for topic in touched:
        digests.pop(topic, None)
    for collection, moved in (
        ("articles", articles_moved),
        ("claims", claims_moved),
        ("claim-places", claims_moved),
        ("events", events_moved),
        ("mentions", list(basis.mentions) != list(graph.mentions)),
    ):
        prefix = _COLLECTIONS[collection][0] + ":"
        members = [topic for topic in touched if topic.startswith(prefix)]
        if moved or any(topic not in previous_topics or topics.digest(topic) != previous_topics[topic] for topic in members):
            touched.add(collection)
            digests.pop(collection, None)
    return touched


def _verify_carried(topics: Topics, previous_topics: Mapping[str, bytes]) -> None:
    """Digest every topic of the last build afresh and compare with what the check carried (tests:
    ``DIGEST_CHECK_SCOPES``): a topic `_carry` forgot would keep a stale page."""
    fresh = Topics(topics.graph, topics._memo)
    for topic in previous_topics:
        if fresh.digest(topic) != topics.digest(topic):
            raise AssertionError(f"topic '{topic}' changed although link made none of its parts again: `_carry` misses it")
