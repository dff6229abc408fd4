"""Merge a claim or event given in several places into one, and check it (part of the link stage).

A claim's shared fields (its text, status...) may be written in any of the
sidecars that carry it, an event's also in timeline.yaml. Each entity is
merged from its own contributions alone, in a fixed order (sidecars by
seed path, then the timeline), so a rebuild merges again only the entities
whose contributions changed and keeps the others as they were (`link.py`).
Problems are returned with the result, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from digest.errors import Diagnostic, Diagnostics, Location, closest, did_you_mean
from digest.graph.model import Article, Claim, Event, Occurrence, Person, Status, StatusChange
from digest.source.schema import Record

CLAIM_SHARED_FIELDS = ("text", "status", "claimant", "claimant_text", "note", "reviewed")
EVENT_SHARED_FIELDS = ("date", "title", "description", "source_url")
CLAIM_LISTS = ("about", "evidence", "history")
EVENT_LISTS = ("people",)

EntityKey = tuple[str, str]
"""('claim' or 'event', its id)."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """A claim or event as one sidecar gives it."""

    seed_path: str
    """Its article's seed: contributions merge in the order of these paths (the order seeds are loaded in)."""
    entry: Record
    occurrence: Occurrence


@dataclass(frozen=True, slots=True)
class MergedEntity:
    """One claim or event merged from all its contributions; never changed once made."""

    entity: Claim | Event
    where: dict[str, Location]
    """Field (or ``list.value``) -> where it was first given."""
    given: frozenset[str]
    """Fields given somewhere with a value that was rejected (already reported)."""
    problems: tuple[Diagnostic, ...]
    """Conflicting values."""


def merge_entity(
    kind: str, entity_id: str, contributions: Iterable[Contribution], timeline: Iterable[Record], articles: Mapping[str, Article]
) -> MergedEntity:
    """Merge one entity from its sidecars' entries (in seed order) and, for an event, its timeline records.

    Its occurrences are in the order its articles are listed (`Article.sort_key`).
    There is at least one contribution or timeline record.
    """
    given = list(contributions)
    records = list(timeline)
    found = Diagnostics()
    merger = _Merger(found)
    source = given[0].entry.where("id") if given else records[0].where("id")
    entity: Claim | Event = Claim(entity_id, source=source) if kind == "claim" else Event(entity_id, source=source)
    shared, lists = (CLAIM_SHARED_FIELDS, CLAIM_LISTS) if kind == "claim" else (EVENT_SHARED_FIELDS, EVENT_LISTS)
    for contribution in given:
        merger.merge(entity, kind, contribution.entry, shared, lists)
        entity.occurrences.append(contribution.occurrence)
    for record in records:
        assert isinstance(entity, Event), "only events are given in the timeline"
        merger.merge(entity, kind, record, EVENT_SHARED_FIELDS, EVENT_LISTS)
        entity.date_text = entity.date_text or record.get("date_text", "")
    entity.occurrences.sort(key=lambda occurrence: articles[occurrence.article].sort_key())
    return MergedEntity(entity, merger.where, frozenset(merger.given), tuple(found.items))


class _Merger:
    """Merges the shared fields of one claim or event given in several places."""

    def __init__(self, diagnostics: Diagnostics):
        self.diagnostics = diagnostics
        self.where: dict[str, Location] = {}
        self.given: set[str] = set()

    def merge(self, entity: Claim | Event, kind: str, record: Record, scalars: tuple[str, ...], lists: tuple[str, ...]) -> None:
        self.given.update(record.invalid.intersection(scalars))
        values = record.values
        for name in scalars:
            if name not in values:
                continue
            value = values[name]
            current = getattr(entity, name)
            if current in ("", None):
                setattr(entity, name, value)
                self.where[name] = record.where(name)
            elif current != value:
                self.diagnostics.error(
                    record.where(name),
                    f"conflicting '{name}' for {kind} '{entity.id}': {_show(value)} here, {_show(current)} at {self.where[name]}",
                    "conflict",
                )
        for name in lists:
            if name not in values:
                continue
            target = getattr(entity, name)
            for index, value in enumerate(values[name]):
                if isinstance(value, Record):  # a claim's history entry
                    if "date" not in value.values or "status" not in value.values:
                        continue
                    value = StatusChange(value.values["date"], value.values["status"], value.get("note", ""))
                for key in (name, f"{name}.{value}"):
                    if key not in self.where:
                        self.where[key] = record.where(name, index)
                if value not in target:
                    target.append(value)


def _show(value: Any) -> str:
    text = getattr(value, "text", value)
    return f"'{text}'"


@dataclass(frozen=True, slots=True)
class Checked:
    """What checking one merged entity found."""

    problems: tuple[Diagnostic, ...]
    reads_others: bool
    """The check looked at other entities (a missing field's "did you mean"), so it is done again on every link."""


def check_entity(
    key: EntityKey,
    merged: MergedEntity,
    people: Mapping[str, Person] | None,
    statuses: Mapping[str, Status],
    complete: bool,
    entities: Callable[[], Mapping[EntityKey, MergedEntity]],
) -> Checked:
    """Check a merged claim or event; ``people`` is None when some person file could not be read.

    ``complete``: every sidecar, seed and the timeline were read, so a field given nowhere is missing.
    ``entities``: every merged entity, asked for only to suggest a near id.
    """
    found = Diagnostics()
    kind, entity_id = key
    entity = merged.entity
    reads_others = False
    for name in ("text", "status") if kind == "claim" else ("date", "title"):
        if complete and not getattr(entity, name) and name not in merged.given:
            reads_others = True
            default = "give it in one of the sidecars that carry it" if kind == "claim" else "give it in one of the files that mention it"
            hint = _near_id(kind, entity_id, name, entities()) or default
            found.error(entity.source, f"{kind} '{entity_id}' has no '{name}' ({hint})", "missing-field")
    if isinstance(entity, Claim):
        _check_claim(entity, merged, people, statuses, found)
    else:
        for pid in entity.people:
            _check_person(pid, people, merged.where.get(f"people.{pid}", entity.source), found)
    return Checked(tuple(found.items), reads_others)


def _check_claim(claim: Claim, merged: MergedEntity, people: Mapping[str, Person] | None, statuses: Mapping[str, Status], found: Diagnostics) -> None:
    where = merged.where
    if claim.status and claim.status not in statuses:
        found.error(where.get("status", claim.source), f"unknown status '{claim.status}'{did_you_mean(claim.status, statuses)}; known: {', '.join(statuses)}", "unknown-status")
    for change in claim.history:
        if change.status not in statuses:
            found.error(where.get("history", claim.source), f"unknown status '{change.status}' in the history of claim '{claim.id}'{did_you_mean(change.status, statuses)}", "unknown-status")
    if claim.claimant and claim.claimant_text:
        found.error(where.get("claimant_text", claim.source), f"claim '{claim.id}' has both 'claimant' and 'claimant_text'; give one", "conflict")
    if claim.claimant:
        _check_person(claim.claimant, people, where.get("claimant", claim.source), found)
    for pid in claim.about:
        _check_person(pid, people, where.get(f"about.{pid}", claim.source), found)


def _check_person(pid: str, people: Mapping[str, Person] | None, where: Location, diagnostics: Diagnostics) -> None:
    if people is not None and pid not in people:
        diagnostics.error(where, f"unknown person '{pid}'{did_you_mean(pid, people)}", "unknown-person")


def _near_id(kind: str, entity_id: str, name: str, entities: Mapping[EntityKey, MergedEntity]) -> str:
    """'did you mean ...' for an id that lacks ``name`` and is like one that has it: a misspelt shared id."""
    having = {other: merged for (other_kind, other), merged in entities.items() if other_kind == kind and other != entity_id and getattr(merged.entity, name)}
    near = closest(entity_id, having)
    if near is None:
        return ""
    given_in = having[near].where.get(name, having[near].entity.source).path
    return f"did you mean '{near}' ({given_in})?"
