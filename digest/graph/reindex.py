"""The graph's index updated from the index of the graph before it, for what link made again.

`model.build_index` goes over every article, claim and event: about 0.2 s at
10,000 articles, made again for each new graph of a watch session, before
most pages can be rendered. Link knows what it made again (`Relinked`):
every other article, claim and event is the very same object as in the
graph before. So the lists those touched are updated in place of a copy
(the graph before keeps its index as it was) and everything else is taken
as it is; the result equals `build_index` of the new graph (a property test
checks it on generated edits), in work proportional to the change, plus a
copy of each table (a C-level copy of its references).

The order of each list is the graph's: claims by id (the order link keeps
them in), events in timeline order (`Event.sort_key`), articles in display
order (`Article.sort_key`), people by `person_order`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from digest.graph.model import GraphIndex, SiteGraph, people_group


@dataclass(frozen=True, slots=True)
class IndexUpdate:
    """What updating an index touched: the work, for tests and benchmarks to count."""

    articles: int
    claims: int
    events: int
    people: int
    """People whose name changed, came or went (their groups are ordered again)."""


def updated_index(before: SiteGraph, graph: SiteGraph) -> tuple[GraphIndex, IndexUpdate] | None:
    """``graph``'s index from ``before``'s, when ``graph`` was linked right after ``before`` and ``before``
    has its index; None otherwise (then `build_index` it is)."""
    relinked = graph.relinked
    if relinked is None or relinked.since is not before.articles or before._index is None:
        return None
    old = before._index
    new = GraphIndex(
        dict(old.claims_in), dict(old.events_in), dict(old.named_in), dict(old.named_by), dict(old.events_with),
        dict(old.claims_by), dict(old.claims_about), dict(old.article_people), dict(old.event_people),
    )
    claims = [cid for kind, cid in relinked.entities if kind == "claim"]
    events = [eid for kind, eid in relinked.entities if kind == "event"]
    # Every list loses what changed before anything is put back: a list is then in the new graph's order
    # and holds only what it still has, so each insertion finds its place by bisection.
    for cid in claims:
        if (claim := before.claims.get(cid)) is not None:
            _remove(new.claims_in, dict.fromkeys(o.article for o in claim.occurrences), cid)
            _remove(new.claims_by, [claim.claimant] if claim.claimant else [], cid)
            _remove(new.claims_about, claim.about, cid)
    for eid in events:
        if (event := before.events.get(eid)) is not None:
            _remove(new.events_in, dict.fromkeys(o.article for o in event.occurrences), eid)
            _remove(new.events_with, dict.fromkeys(event.people), eid)
            del new.event_people[eid]
    for stem in relinked.articles:
        if stem in before.articles:
            _remove(new.named_by, new.named_in.pop(stem), stem)
            del new.article_people[stem]
    for cid in claims:
        if (claim := graph.claims.get(cid)) is not None:
            _insert(new.claims_in, dict.fromkeys(o.article for o in claim.occurrences), cid, _same)
            _insert(new.claims_by, [claim.claimant] if claim.claimant else [], cid, _same)
            _insert(new.claims_about, claim.about, cid, _same)
    in_timeline = _order_of(graph.events)
    for eid in events:
        if (event := graph.events.get(eid)) is not None:
            _insert(new.events_in, dict.fromkeys(o.article for o in event.occurrences), eid, in_timeline)
            _insert(new.events_with, dict.fromkeys(event.people), eid, in_timeline)
            new.event_people[eid] = people_group(graph, frozenset(event.people))
    in_display = _order_of(graph.articles)
    for stem in relinked.articles:
        if (article := graph.articles.get(stem)) is not None:
            named = new.named_in[stem] = frozenset(article.named)
            _insert(new.named_by, named, stem, in_display)
            new.article_people[stem] = people_group(graph, named)
    renamed = _renamed_people(before, graph)
    for pid in renamed:
        for stem in new.named_by.get(pid, ()):
            new.article_people[stem] = people_group(graph, new.named_in[stem])
        for eid in new.events_with.get(pid, ()):
            new.event_people[eid] = people_group(graph, frozenset(graph.events[eid].people))
    return new, IndexUpdate(len(relinked.articles), len(claims), len(events), len(renamed))


def _same(claim_id: str) -> str:
    """Claims are in the order of their ids (link keeps them so)."""
    return claim_id


def _order_of(entities: dict[str, Any]) -> Callable[[str], Any]:
    """Where an article or event is in the graph's order: its sort key."""
    return lambda entity_id: entities[entity_id].sort_key()


def _remove(table: dict[str, list[str]], keys: Iterable[str], item: str) -> None:
    """Take ``item`` out of the list of each of ``keys`` (every time it is there), dropping lists left empty."""
    for key in keys:
        kept = [other for other in table[key] if other != item]
        if kept:
            table[key] = kept
        else:
            del table[key]


def _insert(table: dict[str, list[str]], keys: Iterable[str], item: str, position: Callable[[str], Any]) -> None:
    """Put ``item`` into the list of each of ``keys`` (once per time a key is given), in the order ``position`` says."""
    for key in keys:
        items = list(table.get(key, ()))  # a new list: the index before keeps its own
        bisect.insort(items, item, key=position)
        table[key] = items


def _renamed_people(before: SiteGraph, graph: SiteGraph) -> list[str]:
    """People whose place in lists of people (`person_order`: their name, or their id without a file) changed."""
    if before.people is graph.people:
        return []
    old, now = before.people, graph.people
    return [pid for pid in old.keys() | now.keys() if (old.get(pid) and old[pid].name) != (now.get(pid) and now[pid].name)]


def carry_index(before: SiteGraph | None, graph: SiteGraph) -> IndexUpdate | None:
    """Give ``graph`` its index updated from ``before``'s (the graph a session rendered last), when it can be;
    what was updated, or None (``graph`` then makes its own on first use)."""
    found = updated_index(before, graph) if before is not None else None
    if found is None:
        return None
    graph._index = found[0]
    return found[1]
