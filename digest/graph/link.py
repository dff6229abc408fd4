"""Link validated records into one `SiteGraph` (the link stage).

Here ids are resolved (with "did you mean" when they are not), claims and
events given in several sidecars are merged field by field (`merge.py`),
quotes are anchored to spans of their article's text and people's names
are found in every article. Problems are collected, never raised.

Linking is incremental within a session: each article is linked on its
own (`_link_article`: its text parsed, its quotes anchored, names found,
mentions counted) and what that gave is kept in the session's `LinkMemory`,
keyed by the very seed text and sidecar record the load returned. The next
link redoes only articles whose seed, sidecar or a name they contain
changed, merges again only the claims and events those articles (or the
timeline) give, and keeps every other result, which nothing changes once
made: a graph shares them with the graph before it. The passes over the
whole site (slugs, outlets, the lists in display order) are plain loops
over those results, and every problem a clean link would report is
reported again. A new process (`digest build` after an edit) starts from
the `LinkMemory` a saved state kept (its per-article results and merged
entities, see `savedstate._saved_memory`) and links exactly as a session
would; from the per-article results alone (`SavedLink`, when the merged
entities could not be read) it links again only the articles whose inputs
changed, and merges every claim and event from the results.

Articles are linked in this process, one after the other. Sharing them out
over forked workers was tried (seventh session) and taken out: it cost a
fifth more CPU (pickling results back, copy-on-write) for no wall time
that could be told from the noise (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import functools
import hashlib
import operator
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from digest.caches import Caches, remember
from digest.errors import Diagnostic, Diagnostics, Location, did_you_mean
from digest.graph.merge import Checked, Contribution, EntityKey, MergedEntity, check_entity, merge_entity
from digest.graph.model import (
    DEFAULT_STATUSES,
    Article,
    Claim,
    Event,
    Mention,
    Occurrence,
    Passage,
    Person,
    Relinked,
    SiteConfig,
    SiteGraph,
    Status,
)
from digest.graph.versions import ArticleVersion, text_changes
from digest.graph.versions import paragraphs as version_paragraphs
from digest.memo import ByIdentity
from digest.source.load import LoadedSite, Seed, version_of
from digest.source.schema import Record
from digest.text.anchor import (
    CLOSEST_PASSAGE_BUDGET,
    ContextMiss,
    NormalisedText,
    Span,
    closest_passage,
    closest_passage_work,
    context_misses,
    find_all,
    matches_verbatim,
    normalise,
    normalise_blocks,
    visible_text,
)
from digest.text.language import main_script, unstated_script
from digest.text.people_match import (
    NameIndex,
    NameMatch,
    build_name_index,
    changed_spellings,
    find_names_cached,
    fold_name,
    spelling_finder,
)
from digest.text.reanchor import RELOCATE_BUDGET, propose_fix, relocate_work
from digest.text.seedtext import SeedText, parse_markdown, parse_plain
from digest.text.slugs import safe_slug, slugify

SNIPPET_RADIUS = 90


@dataclass(frozen=True, slots=True)
class LinkedArticle:
    """What linking one article gave, and what it was made from."""

    text: str
    """The seed's text."""
    record: Record | None
    """The sidecar's record (compared by identity: the load returns the same object for unchanged bytes)."""
    inputs: tuple
    """Everything else the result depends on (see `_article_inputs`)."""
    article: Article | None
    """None when the article is left out (a draft) or cannot be made (no title)."""
    left_out: str
    """The seed's path when it is a draft left out, else ''."""
    entries: tuple[tuple[EntityKey, Record, Occurrence], ...]
    """The claims and events its sidecar gives, each with its occurrence here."""
    mentions: tuple[tuple[str, Mention], ...]
    outlet_key: str
    problems: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class LinkedPeople:
    """The people and the index of their names, made again only when a person file changed."""

    records: dict[str, Record]
    people: dict[str, Person]
    ids: frozenset[str]
    aliases: dict[str, str]
    """Folded name or alias -> the one person it links."""
    names: NameIndex
    problems: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class LinkMemory:
    """The last link of a session, for the next one to reuse (`Caches.link`); replaced whole, never changed."""

    people: LinkedPeople
    articles: dict[str, LinkedArticle]
    """Seed stem -> its result, in the order seeds are loaded."""
    groups: dict[EntityKey, dict[str, Contribution]]
    """Each claim and event -> its contributions, by article stem."""
    timeline: list[Record]
    timeline_groups: dict[str, tuple[Record, ...]]
    """Event id -> its records in timeline.yaml."""
    entities: dict[EntityKey, MergedEntity]
    check_context: tuple
    """What every check reads: the people's ids (None when some could not be read), the statuses, whether all was read."""
    checks: dict[EntityKey, Checked]
    rereads: frozenset[EntityKey]
    """Entities whose check reads other entities, checked again on every link."""
    ordered_articles: dict[str, Article]
    claims: dict[str, Claim]
    events: dict[str, Event]
    """The dated events, in timeline order."""
    mentions: dict[str, list[Mention]]


@dataclass(frozen=True, slots=True)
class SavedLink:
    """What a saved state kept of the last link (`Caches.saved_link`), for a process that has no `LinkMemory`."""

    people: LinkedPeople | None
    """The people's names when last linked: the articles a changed spelling may concern are linked again."""
    articles: dict[str, LinkedArticle]
    """Seed stem -> its result, taken as it is while its seed, sidecar and inputs are unchanged."""


def link_site(
    loaded: LoadedSite,
    diagnostics: Diagnostics,
    base_url: str | None = None,
    drafts: bool = False,
    caches: Caches | None = None,
) -> SiteGraph | None:
    """Build the graph; None when the site config itself is unusable.

    Draft articles (``draft: true``) and what only they feed are left out
    unless ``drafts`` is set (the dev server and `digest check` set it).
    ``caches``: the session's, holding the last link (`LinkMemory`) and what
    earlier links made of unchanged seeds and entries.
    """
    caches = caches if caches is not None else Caches()
    memory: LinkMemory | None = caches.link
    saved: SavedLink | None = caches.saved_link if memory is None else None
    config = site_config(loaded.config, base_url) if loaded.config else None
    people_before = memory.people if memory else saved.people if saved else None
    people = _link_people(loaded, people_before)
    diagnostics.items.extend(people.problems)
    still_named = _names_unchanged(people_before, people)
    previous = memory.articles if memory else saved.articles if saved else {}
    kept: dict[str, LinkedArticle] = {}
    todo: list[_Todo] = []
    for stem, seed in loaded.seeds.items():
        record = loaded.sidecars.get(stem)
        before = previous.get(stem)
        inputs = _article_inputs(seed, record, loaded, drafts, config, before)
        if before is not None and before.record is record and before.inputs == inputs and before.text == seed.text and still_named(before):
            kept[stem] = before
        else:
            todo.append(_Todo(seed, record, inputs))
    made = _link_articles(todo, loaded, drafts, people.names, config, caches)
    linked = {stem: kept[stem] if stem in kept else made[stem] for stem in loaded.seeds}
    changed = set(made)
    changed.update(previous.keys() - linked.keys())
    if memory is None:  # no merged claims and events to update: each is merged from every article's result
        changed.update(linked)
    caches.saved_link = None
    articles = _gather_articles(loaded, linked, diagnostics)
    _check_slugs(articles, loaded, diagnostics)
    _check_outlets(articles, linked, loaded, diagnostics)

    groups, touched = _regroup(memory, previous, linked, changed)
    timeline_groups = _timeline_groups(memory, loaded.timeline, touched)
    entities = dict(memory.entities) if memory else {}
    for key in touched:
        contributions = groups.get(key, {})
        records = timeline_groups.get(key[1], ()) if key[0] == "event" else ()
        if contributions or records:
            entities[key] = merge_entity(*key, sorted(contributions.values(), key=operator.attrgetter("seed_path")), records, articles)
        else:
            entities.pop(key, None)
    statuses = config.statuses if config else {k: Status(k, *v) for k, v in DEFAULT_STATUSES.items()}
    known_people = None if "people" in loaded.failed else people.people
    complete = not ({"articles", "timeline", "seeds"} & loaded.failed)
    context = (None if known_people is None else people.ids, statuses, complete)
    checks, rereads = _check_entities(memory, context, entities, touched, known_people, statuses, complete)
    for merged in entities.values():
        diagnostics.items.extend(merged.problems)
    for checked in checks.values():
        diagnostics.items.extend(checked.problems)

    ordered_articles, resorted = _display_order(memory, articles, changed)
    claims = _claims(memory, entities, touched)
    events = _dated_events(memory, entities, touched)
    mentions = _mentions(memory, linked, ordered_articles, changed, resorted)
    caches.link = LinkMemory(
        people, linked, groups, loaded.timeline, timeline_groups, entities, context, checks, rereads, ordered_articles, claims, events, mentions
    )
    if config is None:
        return None
    graph = SiteGraph(config, people.people, ordered_articles, claims, events)
    graph.mentions = mentions
    graph.drafts_left_out = tuple(done.left_out for done in linked.values() if done.left_out)
    if memory is not None:
        graph.relinked = Relinked(memory.ordered_articles, frozenset(changed), frozenset(touched))
    return graph


@dataclass(frozen=True, slots=True)
class _Todo:
    """An article to link again: its seed, sidecar record (None: none) and other inputs (`_article_inputs`)."""

    seed: Seed
    record: Record | None
    inputs: tuple


def _link_articles(
    todo: list[_Todo], loaded: LoadedSite, drafts: bool, names: NameIndex, config: SiteConfig | None, caches: Caches
) -> dict[str, LinkedArticle]:
    """Link each article of ``todo`` on its own (`_link_article`): stem -> result."""
    for item in todo:
        caches.restore_article(item.seed.stem)  # what a saved state kept of it: its parsed text, quotes, names
    return {item.seed.stem: _link_article(item.seed, item.record, item.inputs, loaded, drafts, names, config, caches) for item in todo}


def _link_people(loaded: LoadedSite, before: LinkedPeople | None) -> LinkedPeople:
    """The people and their names index, reused while every person file gave the very same record
    (or, for a saved state's, an equal one)."""
    records = loaded.people
    if before is not None and before.records.keys() == records.keys() and all(
        before.records[pid] is record or before.records[pid] == record for pid, record in records.items()
    ):
        return before
    people = {pid: _person(pid, record) for pid, record in sorted(records.items())}
    found = Diagnostics()
    aliases = _aliases(people, loaded, found)
    names = build_name_index(aliases)
    return LinkedPeople(dict(records), people, frozenset(people), aliases, names, tuple(found.items))


def _aliases(people: dict[str, Person], loaded: LoadedSite, diagnostics: Diagnostics) -> dict[str, str]:
    """Every name and alias, folded -> its person; one written for two people links neither.

    Spellings are compared as they are matched (`fold_name`), so "Ana de la
    Cruz" and "Ana de la\u00a0Cruz" are one name.
    """
    owners: dict[str, dict[str, tuple[str, Location]]] = {}
    for pid, person in people.items():
        record = loaded.people[pid]
        spellings = [(person.name, record.where("name"))]
        spellings += [(alias, record.where("aliases", i)) for i, alias in enumerate(person.aliases)]
        for spelling, loc in spellings:
            owners.setdefault(fold_name(spelling), {}).setdefault(pid, (spelling.strip(), loc))
    unique = {}
    for folded, by_person in owners.items():
        if len(by_person) == 1:
            unique[folded] = next(iter(by_person))
            continue
        for pid, (spelling, loc) in by_person.items():
            others = ", ".join(sorted(set(by_person) - {pid}))
            diagnostics.warning(loc, f"'{spelling}' is also a name of {others}; it links neither", "shared-alias")
    return unique


def _names_unchanged(before: LinkedPeople | None, now: LinkedPeople) -> Callable[[LinkedArticle], bool]:
    """Whether an article linked with the last link's names finds the same names with today's.

    When a person file changed, only articles whose text may hold a spelling
    that was added, removed or given to another person are linked again
    (see `people_match.changed_spellings`); the others' names stand.
    """
    if before is None or before.names.key == now.names.key:
        return lambda done: True
    finder = spelling_finder(changed_spellings(before.aliases, now.aliases))
    if finder is None:
        return lambda done: True

    def stands(done: LinkedArticle) -> bool:
        article = done.article
        return article is None or not any(finder.search(block.text) for block in article.text.blocks if block.link_people)

    return stands


def _article_inputs(
    seed: Seed, record: Record | None, loaded: LoadedSite, drafts: bool, config: SiteConfig | None, before: LinkedArticle | None = None
) -> tuple:
    """What an article's link depends on besides its seed's text and its sidecar's record (and the names index).

    ``before``: the article's last result; while its record is the very same,
    the files its versions name are taken from it, so the record itself is
    not read (a saved state's is read on first use: `pipeline/hollow.py`)."""
    files = before.inputs[VERSIONS_INPUT][0] if before is not None and before.record is record else _version_files(record)
    return (
        seed.path,
        seed.is_markdown,
        drafts,
        seed.stem in loaded.sidecar_files,
        (files, tuple([loaded.versions.get(file) if file is not None else None for file in files])),
        config.article_text if config else None,
        config.language if config else None,
    )


VERSIONS_INPUT = 4
"""Where `_article_inputs` puts the files a sidecar's versions name and their texts as the load found them (None: no such file)."""


def _version_files(record: Record | None) -> tuple[str | None, ...]:
    """The earlier texts' files a sidecar lists (None for an entry that names none)."""
    listed = record.values.get("versions") if record is not None else None
    if not listed:
        return ()
    return tuple(entry.get("file") if isinstance(entry, Record) else None for entry in listed)


def _link_article(
    seed: Seed, record: Record | None, inputs: tuple, loaded: LoadedSite, drafts: bool, names: NameIndex, config: SiteConfig | None, caches: Caches
) -> LinkedArticle:
    """Link one article on its own: its text, versions, quotes, names and mentions."""
    found = Diagnostics()
    if record is not None and record.get("draft") and not drafts:
        return LinkedArticle(seed.text, record, inputs, None, seed.path, (), (), "", ())
    if record is None and seed.stem not in loaded.sidecar_files:
        found.warning(Location(seed.path), f"no sidecar content/articles/{seed.stem}.yaml; the article is built from its text alone", "missing-sidecar")
    article = _article(seed, record, found, caches.seeds)
    if article is None:
        return LinkedArticle(seed.text, record, inputs, None, "", (), (), "", tuple(found.items))
    entries: tuple[tuple[EntityKey, Record, Occurrence], ...] = ()
    if record is not None:
        article.versions = _article_versions(seed, record, loaded.versions, found)
        entries = _annotate(article, record, found, caches)
    _find_people(article, names, caches)
    mentions: tuple[tuple[str, Mention], ...] = ()
    if config is not None:
        article.text_mode = article.text_mode or config.article_text
        if not article.language:  # the letters' script is worked out once per version of a seed
            script = caches.scripts.get((article.text,), (article.title,), lambda: main_script(_opening(article))[0])
            article.script = unstated_script(script, config.language)
        mentions = tuple(_article_mentions(article, caches.mentions))
    return LinkedArticle(seed.text, record, inputs, article, "", entries, mentions, _outlet_key(article.outlet), tuple(found.items))


def _gather_articles(loaded: LoadedSite, linked: dict[str, LinkedArticle], diagnostics: Diagnostics) -> dict[str, Article]:
    """The articles of the graph, in the order seeds are loaded, with every problem linking them found."""
    for stem, sidecar in loaded.sidecars.items():
        if stem not in loaded.seeds and stem not in loaded.seed_files and "folder:seeds" not in loaded.failed:
            hint = did_you_mean(stem, loaded.seeds)
            diagnostics.error(Location(sidecar.loc.path), f"no seed for this sidecar: expected seeds/{stem}.txt or seeds/{stem}.md{hint}", "missing-seed")
    articles: dict[str, Article] = {}
    for stem, done in linked.items():
        diagnostics.items.extend(done.problems)
        if done.article is not None:
            articles[stem] = done.article
    return articles


def _regroup(
    memory: LinkMemory | None, previous: dict[str, LinkedArticle], linked: dict[str, LinkedArticle], changed: set[str]
) -> tuple[dict[EntityKey, dict[str, Contribution]], set[EntityKey]]:
    """Each entity's contributions, updated for the articles linked again or gone; and the entities that changed."""
    changes: dict[EntityKey, dict[str, Contribution | None]] = {}
    for stem in changed:
        before, now = previous.get(stem), linked.get(stem)
        if before is not None:
            for key, _, _ in before.entries:
                changes.setdefault(key, {})[stem] = None
        if now is not None and now.article is not None:
            for key, entry, occurrence in now.entries:
                changes.setdefault(key, {})[stem] = Contribution(now.article.seed_path, entry, occurrence)
    groups = dict(memory.groups) if memory else {}
    for key, by_stem in changes.items():
        group = dict(groups.get(key, {}))  # a new dict: the last link's stays as it was
        for stem, contribution in by_stem.items():
            if contribution is None:
                group.pop(stem, None)
            else:
                group[stem] = contribution
        if group:
            groups[key] = group
        else:
            groups.pop(key, None)
    return groups, set(changes)


def _timeline_groups(memory: LinkMemory | None, timeline: list[Record], touched: set[EntityKey]) -> dict[str, tuple[Record, ...]]:
    """Each event's records in timeline.yaml; events whose records changed are added to ``touched``."""
    if memory is not None and (memory.timeline is timeline or not (memory.timeline or timeline)):
        return memory.timeline_groups
    grouped: dict[str, list[Record]] = {}
    for record in timeline:
        if "id" in record.values:
            grouped.setdefault(record.values["id"], []).append(record)
    groups = {event_id: tuple(records) for event_id, records in grouped.items()}
    before = memory.timeline_groups if memory else {}
    touched.update(("event", event_id) for event_id in groups.keys() | before.keys() if groups.get(event_id) != before.get(event_id))
    return groups


def _check_entities(
    memory: LinkMemory | None,
    context: tuple,
    entities: dict[EntityKey, MergedEntity],
    touched: set[EntityKey],
    people: dict[str, Person] | None,
    statuses: dict[str, Status],
    complete: bool,
) -> tuple[dict[EntityKey, Checked], frozenset[EntityKey]]:
    """Each entity's check: made again for the entities merged again, those whose check reads others,
    or all when what every check reads (the people's ids, the statuses) changed."""
    same = memory is not None and memory.check_context == context
    checks = dict(memory.checks) if memory is not None and same else {}
    again = touched | memory.rereads if memory is not None and same else entities.keys()
    rereads = set(memory.rereads - again) if memory is not None and same else set()
    for key in again:
        merged = entities.get(key)
        if merged is None:
            checks.pop(key, None)
            continue
        checked = checks[key] = check_entity(key, merged, people, statuses, complete, lambda: entities)
        if checked.reads_others:
            rereads.add(key)
    return checks, frozenset(rereads)


def _same_place(before: Article | None, now: Article | None) -> bool:
    if before is None or now is None:
        return before is now
    return before.sort_key() == now.sort_key()


def _display_order(memory: LinkMemory | None, articles: dict[str, Article], changed: set[str]) -> tuple[dict[str, Article], bool]:
    """The articles newest first (`Article.sort_key`), and whether that order differs from the last link's."""
    if memory is not None and all(_same_place(memory.ordered_articles.get(stem), articles.get(stem)) for stem in changed):
        ordered = dict(memory.ordered_articles)
        ordered.update((stem, articles[stem]) for stem in changed if stem in articles)
        return ordered, False
    return dict(sorted(articles.items(), key=lambda item: item[1].sort_key())), True


def _claims(memory: LinkMemory | None, entities: dict[EntityKey, MergedEntity], touched: set[EntityKey]) -> dict[str, Claim]:
    """The claims by id; the last link's order is kept while no claim came or went."""
    keys = [key for key in touched if key[0] == "claim"]
    if memory is not None and all((key[1] in memory.claims) == (key in entities) for key in keys):
        claims = dict(memory.claims)
        claims.update((key[1], _claim(entities[key])) for key in keys if key in entities)
        return claims
    return dict(sorted((key[1], _claim(merged)) for key, merged in entities.items() if key[0] == "claim"))


def _claim(merged: MergedEntity) -> Claim:
    assert isinstance(merged.entity, Claim), "claims are keyed ('claim', id)"
    return merged.entity


def _event(merged: MergedEntity | None) -> Event | None:
    """The merged event when it has a date (only those are in the graph)."""
    if merged is None:
        return None
    assert isinstance(merged.entity, Event), "events are keyed ('event', id)"
    return merged.entity if merged.entity.date else None


def _dated_events(memory: LinkMemory | None, entities: dict[EntityKey, MergedEntity], touched: set[EntityKey]) -> dict[str, Event]:
    """The dated events in timeline order; the last link's order is kept while no event came, went or moved."""
    keys = [key for key in touched if key[0] == "event"]
    if memory is not None and all(_same_date(memory.events.get(key[1]), _event(entities.get(key))) for key in keys):
        events = dict(memory.events)
        events.update((key[1], event) for key in keys if (event := _event(entities.get(key))) is not None)
        return events
    dated = ((key[1], event) for key, merged in entities.items() if key[0] == "event" and (event := _event(merged)) is not None)
    return dict(sorted(dated, key=lambda item: item[1].sort_key()))


def _same_date(before: Event | None, now: Event | None) -> bool:
    if before is None or now is None:
        return before is now
    return before.sort_key() == now.sort_key()


def _mentions(
    memory: LinkMemory | None, linked: dict[str, LinkedArticle], ordered: dict[str, Article], changed: set[str], resorted: bool
) -> dict[str, list[Mention]]:
    """Person id -> the articles naming them, most mentions first, then in display order.

    While the display order stands, only the people the changed articles
    name (or named) get new lists; the others keep the last link's.
    """
    if memory is None or resorted:
        found: dict[str, list[Mention]] = {}
        for stem in ordered:
            for pid, mention in linked[stem].mentions:
                found.setdefault(pid, []).append(mention)
        for mentions in found.values():
            mentions.sort(key=lambda mention: -mention.count)  # stable: display order among equals
        return found
    found = dict(memory.mentions)
    added: dict[str, list[Mention]] = {}
    affected: set[str] = set()
    for stem in changed:
        before, now = memory.articles.get(stem), linked.get(stem)
        if before is not None:
            affected.update(pid for pid, _ in before.mentions)
        if now is not None:
            for pid, mention in now.mentions:
                added.setdefault(pid, []).append(mention)
                affected.add(pid)
    for pid in affected:
        mentions = [mention for mention in found.get(pid, ()) if mention.article not in changed] + added.get(pid, [])
        mentions.sort(key=lambda mention: (-mention.count, ordered[mention.article].sort_key()))
        if mentions:
            found[pid] = mentions
        else:
            found.pop(pid, None)
    return found


def site_config(record: Record, base_url: str | None = None) -> SiteConfig:
    url = base_url or record.get("base_url", "http://localhost/")
    url = url if url.endswith("/") else url + "/"
    path = urlsplit(url).path or "/"
    statuses = record.get("claim_statuses") or DEFAULT_STATUSES
    return SiteConfig(
        title=record.get("title", ""),
        base_url=url,
        base_path=path if path.endswith("/") else path + "/",
        description=record.get("description", ""),
        intro=record.get("intro", ""),
        language=record.get("language", "en"),
        theme=record.get("theme", "default"),
        statuses={sid: Status(sid, label, text) for sid, (label, text) in statuses.items()},
        own_statuses=bool(record.get("claim_statuses")),
        cname=record.get("cname", ""),
        article_text=record.get("article_text", "full"),
        search=record.get("search", True),
    )


def _person(pid: str, record: Record) -> Person:
    return Person(
        id=pid,
        name=record.get("name", pid),
        aliases=tuple(record.get("aliases", [])),
        role=record.get("role", ""),
        organization=record.get("organization", ""),
        country=record.get("country", ""),
        description=record.get("description", ""),
        links=tuple(record.get("links", {}).items()),
        source=record.loc,
    )


def seeds_to_parse(loaded: LoadedSite, drafts: bool, parsed: dict) -> list[tuple]:
    """The keys of the seeds a link of ``loaded`` will parse (`parse_seed`), in the order it asks for them, less
    those ``parsed`` holds: what another process can parse ahead of the link (`pipeline.build.SeedPrefetch`)."""
    keys = []
    for stem, seed in loaded.seeds.items():
        record = loaded.sidecars.get(stem)
        if record is not None and record.get("draft") and not drafts:
            continue
        key = _parse_key(seed, record.values if record else {})
        if key not in parsed:
            keys.append(key)
    return keys


def _parse_key(seed: Seed, values: dict[str, Any]) -> tuple:
    """What a seed's parse depends on: its text and kind, and the sidecar's title, omitted lines and URL."""
    omit = frozenset(line.strip() for line in values.get("omit", []))
    return (seed.text, seed.is_markdown, values.get("title"), omit, values.get("url", ""))


def parse_seed(key: tuple) -> tuple[str | None, SeedText]:
    """A seed parsed, by its `_parse_key`."""
    return _parse_seed(*key)


def _article(seed: Seed, record: Record | None, diagnostics: Diagnostics, parsed_seeds: dict) -> Article | None:
    values: dict[str, Any] = record.values if record else {}
    key = _parse_key(seed, values)
    if key[3] and record is not None:
        _check_omit_lines(seed, record, diagnostics)
    title = values.get("title")
    parsed = parsed_seeds.get(key)
    heading, text = parsed if parsed is not None else remember(parsed_seeds, key, _parse_seed(*key))
    title = title or heading
    if not title:
        where = record.loc if record else Location(seed.path)
        diagnostics.error(where, "missing 'title': the seed has no first line or '# heading' to use", "missing-field")
        return None
    slug = safe_slug(values.get("slug") or slugify(title) or slugify(seed.stem) or "article-" + hashlib.sha1(seed.stem.encode()).hexdigest()[:10], "article")
    return Article(
        stem=seed.stem,
        seed_path=seed.path,
        sidecar_path=record.loc.path if record else None,
        slug=slug,
        title=title.strip(),
        text=text,
        outlet=values.get("outlet", ""),
        published=values.get("published"),
        subtitle=values.get("subtitle", ""),
        url=values.get("url", ""),
        author=values.get("author", ""),
        text_mode=values.get("article_text", ""),
        draft=bool(values.get("draft")),
        language=values.get("language", ""),
        captured=values.get("captured"),
    )


def _article_versions(seed: Seed, record: Record, texts: dict[str, str], diagnostics: Diagnostics) -> tuple[ArticleVersion, ...]:
    """The earlier texts a sidecar lists, each diffed against the text that replaced it."""
    listed = []
    for entry in record.get("versions", []):
        file, captured = entry.get("file"), entry.get("captured")
        if file is None or captured is None:
            continue  # already an error: a required field is missing
        found = version_of(file.removeprefix("seeds/").rpartition(".")[0], {seed.stem}) if file.startswith("seeds/") else None
        if found is None or file not in texts:
            diagnostics.error(
                entry.where("file"), f"no earlier text '{file}': an earlier text of this article is a file seeds/{seed.stem}.v<N>.md (or .txt)", "missing-version"
            )
            continue
        listed.append((file, captured, version_paragraphs(texts[file], file.endswith(".md"))))
    if not listed:  # most articles: no earlier text, so the current one need not be parsed a second time
        return ()
    later = [paragraphs for _, _, paragraphs in listed[1:]] + [version_paragraphs(seed.text, seed.is_markdown)]
    later_dates = [captured for _, captured, _ in listed[1:]] + [record.get("captured")]
    return tuple(
        ArticleVersion(number, file, captured, next_captured, text_changes(paragraphs, next_paragraphs))
        for number, ((file, captured, paragraphs), next_paragraphs, next_captured) in enumerate(zip(listed, later, later_dates), start=1)
    )


def _parse_seed(text: str, is_markdown: bool, title: str | None, omit: frozenset[str], url: str) -> tuple[str | None, SeedText]:
    """A seed's blocks and its own title (first line or leading heading).

    ``url`` is the article's original address, which relative links in a Markdown seed resolve against.
    """
    if is_markdown:
        return parse_markdown(text, set(omit), drop_first_h1=title is None, base_url=url)
    parsed = parse_plain(text, title, set(omit))
    return parsed.title_line, parsed


def _check_omit_lines(seed: Seed, record: Record, diagnostics: Diagnostics) -> None:
    lines = {line.strip() for line in seed.text.split("\n")}
    for index, line in enumerate(record.get("omit", [])):
        if line.strip() not in lines:
            diagnostics.error(record.where("omit", index), f"omit line not found in {seed.path}: '{line}'", "omit-not-found")


def _check_slugs(articles: dict[str, Article], loaded: LoadedSite, diagnostics: Diagnostics) -> None:
    seen: dict[str, Article] = {}
    for article in articles.values():
        first = seen.setdefault(article.slug, article)
        if first is article:
            continue
        record = loaded.sidecars.get(article.stem)
        where = record.where("slug") if record and "slug" in record.values else Location(article.sidecar_path or article.seed_path)
        other = first.sidecar_path or first.seed_path
        diagnostics.error(where, f"slug '{article.slug}' is already used by {other}; set a different 'slug'", "duplicate-slug")


def _outlet_key(name: str) -> str:
    """An outlet name without case, spacing or punctuation: 'RT', 'Rt' and 'R.T.' are one."""
    return "".join(char for char in unicodedata.normalize("NFKC", name).casefold() if char.isalnum())


def _check_outlets(articles: dict[str, Article], linked: dict[str, LinkedArticle], loaded: LoadedSite, diagnostics: Diagnostics) -> None:
    """Warn where an outlet is spelt unlike its usual spelling: each spelling becomes an outlet of its own.

    The usual spelling is the one most articles use (the first seen, on a tie);
    every other is reported at its sidecar's ``outlet:``.
    """
    spellings: dict[str, dict[str, list[Article]]] = {}
    for article in articles.values():
        key = linked[article.stem].outlet_key
        if key:
            spellings.setdefault(key, {}).setdefault(article.outlet, []).append(article)
    for by_spelling in spellings.values():
        if len(by_spelling) < 2:
            continue
        usual = max(by_spelling, key=lambda name: len(by_spelling[name]))
        example = by_spelling[usual][0]
        for name, users in by_spelling.items():
            if name == usual:
                continue
            for article in users:
                record = loaded.sidecars.get(article.stem)
                where = record.where("outlet") if record else Location(article.seed_path)
                diagnostics.warning(
                    where,
                    f"outlet '{name}' differs from '{usual}' only in case, spacing or punctuation, so they make two outlets "
                    f"(did you mean '{usual}', as in {example.sidecar_path or example.seed_path}?)",
                    "outlet-spelling",
                )


def _annotate(article: Article, record: Record, diagnostics: Diagnostics, caches: Caches) -> tuple[tuple[EntityKey, Record, Occurrence], ...]:
    """Anchor one sidecar's claims and events in its article: each entry with its occurrence here.

    Merging them with what other files give is `merge.py`'s. The text is normalised for matching
    (`anchor.normalise_blocks`) only if a quote must be anchored again, and not kept: it is as large
    as the text, and normalising it again is cheap next to anchoring (a relink that changed no entry
    finds every quote in ``caches.anchored``)."""
    haystack = functools.cache(lambda: normalise_blocks(article.text.blocks))
    entries = []
    for kind, listed in (("claim", record.get("claims", [])), ("event", record.get("events", []))):
        seen: set[str] = set()
        for entry in listed:
            entity_id = entry.get("id")
            if entity_id is None:
                continue
            if entity_id in seen:
                diagnostics.error(entry.where("id"), f"{kind} '{entity_id}' is given twice in this article", "duplicate-id")
                continue
            seen.add(entity_id)
            passages, occurrence = _anchored(article, haystack, kind, entity_id, entry, diagnostics, caches.anchored)
            article.passages.extend(passages)
            entries.append(((kind, entity_id), entry, occurrence))
    return tuple(entries)


def _anchored(
    article: Article, haystack: Callable[[], NormalisedText], kind: str, entity_id: str, entry: Record, diagnostics: Diagnostics, anchored: ByIdentity
) -> tuple[tuple[Passage, ...], Occurrence]:
    """An entry's passages in its article and the occurrence they make, remembered for
    rebuilds while the seed and the entry are unchanged. ``haystack``: the article's normalised text, made when first called."""

    def make() -> tuple[tuple[Passage, ...], Occurrence, tuple]:
        found = Diagnostics()
        passages = tuple(_anchor_quotes(article, haystack(), kind, entity_id, entry, found))
        occurrence = Occurrence(
            article=article.stem,
            anchors=tuple(p.anchor for p in passages),
            quotes=tuple(_passage_text(article, p) for p in passages),
            sourcing=entry.get("sourcing", ""),
            date_text=entry.get("date_text", ""),
        )
        return passages, occurrence, tuple(found.items)

    passages, occurrence, problems = anchored.get((article.text, entry), (kind, article.title, article.seed_path, article.stem), make)
    diagnostics.items.extend(problems)
    return passages, occurrence


def _anchor_quotes(article: Article, haystack: Any, kind: str, entity_id: str, entry: Record, diagnostics: Diagnostics) -> list[Passage]:
    passages: list[Passage] = []
    for selector in entry.get("quote", []):
        spans = find_all(haystack, selector.exact, selector.prefix, selector.suffix)
        if not spans:
            misses = context_misses(haystack, selector.exact, selector.prefix, selector.suffix)
            if misses:
                diagnostics.error(selector.loc, _context_message(article, misses, selector.prefix, selector.suffix), "quote-context")
                continue
            hint = _not_found_hint(article, haystack, selector.exact, selector.prefix, selector.suffix)
            diagnostics.error(selector.loc, f"quote not found in {article.seed_path}{hint}", "quote-not-found")
            continue
        if len(spans) > 1:
            diagnostics.error(
                selector.loc,
                f"quote is ambiguous: found {len(spans)} times in {article.seed_path} ({_places(article, spans)}); "
                "lengthen it or write it as {exact, prefix, suffix} to pick one",
                "quote-ambiguous",
            )
            continue
        number = len(passages) + 1
        anchor = f"{kind}-{entity_id}" if number == 1 else f"{kind}-{entity_id}-{number}"
        verbatim = matches_verbatim(article.text.blocks, spans[0], selector.exact)
        passages.append(Passage(kind, entity_id, anchor, spans[0], verbatim, selector.loc))
    return passages


def _line_and_column(article: Article, span: Span) -> tuple[int, int]:
    """Where a span starts in the seed: its block's line plus the line breaks before it, and the
    column in the text a reader sees on that line (markup such as ``**`` is not counted)."""
    text = article.text.blocks[span.block].text[: span.start]
    return article.text.blocks[span.block].line + text.count("\n"), span.start - (text.rfind("\n") + 1) + 1


def _places(article: Article, spans: list[Span]) -> str:
    """"lines 4, 6", or "at 2:5, 2:40" when two are on one line."""
    places = [_line_and_column(article, span) for span in spans]
    lines = [line for line, _ in places]
    if len(set(lines)) < len(lines):
        return "at " + ", ".join(f"{line}:{column}" for line, column in places)
    return "lines " + ", ".join(str(line) for line in lines)


def _context_message(article: Article, misses: list[ContextMiss], prefix: str, suffix: str) -> str:
    """Say that a quote's words are in the text but its prefix/suffix is not, and what the text has there."""
    nearest = misses[0]
    if len(misses) == 1:
        found = f"quote found in {article.seed_path} (line {_line_and_column(article, nearest.span)[0]}) but not with its context:"
    else:
        found = (
            f"quote found {len(misses)} times in {article.seed_path} ({_places(article, sorted((m.span for m in misses), key=lambda span: (span.block, span.start)))}) but never with its context;"
            f" the nearest, at line {_line_and_column(article, nearest.span)[0]}:"
        )
    parts = []
    for side, found_there, wanted in (("before", nearest.prefix_found, f'the prefix "{normalise(prefix)}"'), ("after", nearest.suffix_found, f'the suffix "{normalise(suffix)}"')):
        if found_there:
            parts.append(f'the text {side} it reads "{visible_text(found_there)}", not {wanted}')
        elif found_there is not None:
            parts.append(f"the text has nothing {side} it, not {wanted}")
    which = "prefix and suffix or remove them" if len(parts) == 2 else ("prefix" if nearest.prefix_found is not None else "suffix") + " or remove it"
    return f"{found} {'; '.join(parts)}; correct the {which}"


def _not_found_hint(article: Article, haystack: NormalisedText, exact: str, prefix: str, suffix: str) -> str:
    """Say why a quote was not found: it is in the title, or here is the nearest text (and whether --fix may take it)."""
    if normalise(exact) in normalise(article.title):
        return "; it is in the title, which is not searched"
    blocks = article.text.blocks
    if relocate_work(blocks, exact) > RELOCATE_BUDGET or closest_passage_work(blocks, exact) > CLOSEST_PASSAGE_BUDGET:
        return "; too long to look for a closest passage"
    repair = propose_fix(haystack, exact, prefix, suffix)
    if repair is not None and repair.concerns:
        return (
            f'; closest passage: "{repair.new}", but {" and ".join(repair.concerns)}, which may change what the quote says:'
            " check the article and update the quote by hand (digest check --fix leaves it)"
        )
    if repair is not None:
        return f'; closest passage: "{repair.new}" (digest check --fix can update the quote to it)'
    closest = closest_passage(blocks, exact)
    return f'; closest passage: "{visible_text(closest)}"' if closest else ""


def _passage_text(article: Article, passage: Passage) -> str:
    block = article.text.blocks[passage.span.block]
    return block.text[passage.span.start : passage.span.end]


def _find_people(article: Article, names: NameIndex, caches: Caches) -> None:
    """Find person names per block, except inside links, code, or across a highlight's edge."""
    edges: dict[int, list[int]] = {}
    for passage in article.passages:
        edges.setdefault(passage.span.block, []).extend((passage.span.start, passage.span.end))
    key = (names.key, tuple(sorted((block, tuple(cuts)) for block, cuts in edges.items())))
    article.names = caches.names_in_text.get((article.text,), key, lambda: _names_in_blocks(article.text, names, edges, caches.names_in_block))
    article.named = tuple(sorted({match.person for block in article.names for match in block}))


def _names_in_blocks(text: SeedText, names: NameIndex, edges: dict[int, list[int]], found_before: dict) -> list[list[NameMatch]]:
    found: list[list[NameMatch]] = []
    for index, block in enumerate(text.blocks):
        if not block.link_people:
            found.append([])
            continue
        blocked = [(s.start, s.end) for s in block.spans if s.is_link]
        cuts = edges.get(index, [])
        named = find_names_cached(block.text, names, found_before)
        kept = [
            match for match in named
            if not any(start < match.end and match.start < end for start, end in blocked)
            and not any(match.start < cut < match.end for cut in cuts)
        ]
        found.append(named if len(kept) == len(named) else kept)  # the block's own list when none is left out: one list, not two
    return found


def _article_mentions(article: Article, mentions: ByIdentity) -> list[tuple[str, Mention]]:
    """Each person the article names: how often, and a snippet around the first time."""
    return mentions.get((article.names,), (article.stem, article.text_mode), lambda: _count_mentions(article))


def _count_mentions(article: Article) -> list[tuple[str, Mention]]:
    counts: dict[str, int] = {}
    first: dict[str, tuple[int, NameMatch]] = {}
    for block_index, matches in enumerate(article.names):
        for match in matches:
            counts[match.person] = counts.get(match.person, 0) + 1
            first.setdefault(match.person, (block_index, match))
    mentions = []
    for person, count in counts.items():
        block_index, match = first[person]
        # With excerpts only, no text beyond the annotated passages may be published.
        snippet = "" if article.text_mode == "excerpts" else _snippet(article.text.blocks[block_index].text, match.start, match.end)
        mentions.append((person, Mention(article.stem, count, snippet)))
    return mentions


def _snippet(text: str, start: int, end: int) -> str:
    """A short window of text around a name, cut at word boundaries."""
    left = max(0, start - SNIPPET_RADIUS)
    right = min(len(text), end + SNIPPET_RADIUS)
    if left > 0:
        space = text.find(" ", left)
        left = space + 1 if 0 <= space < start else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space > end else right
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    return f"{prefix}{text[left:right].strip()}{suffix}"


def _opening(article: Article, enough: int = 2_000) -> str:
    """The title and the first blocks of an article's text: enough letters to tell the script."""
    parts, length = [article.title], len(article.title)
    for block in article.text.blocks:
        if length >= enough:
            break
        parts.append(block.text)
        length += len(block.text)
    return "\n".join(parts)
