"""Link validated records into one `SiteGraph` (the link stage).

Here ids are resolved (with "did you mean" when they are not), claims and
events given in several sidecars are merged field by field, quotes are
anchored to spans of their article's text and people's names are found in
every article. Problems are collected, never raised.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from digest.caches import Caches, remember
from digest.errors import Diagnostics, Location, closest, did_you_mean
from digest.graph.model import (
    DEFAULT_STATUSES,
    Article,
    Claim,
    Event,
    Mention,
    Occurrence,
    Passage,
    Person,
    SiteConfig,
    SiteGraph,
    Status,
    StatusChange,
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
from digest.text.people_match import NameIndex, NameMatch, build_name_index, find_names_cached, fold_name
from digest.text.reanchor import RELOCATE_BUDGET, propose_fix, relocate_work
from digest.text.seedtext import SeedText, parse_markdown, parse_plain
from digest.text.slugs import safe_slug, slugify

CLAIM_SHARED_FIELDS = ("text", "status", "claimant", "claimant_text", "note", "reviewed")
EVENT_SHARED_FIELDS = ("date", "title", "description", "source_url")
SNIPPET_RADIUS = 90


def link_site(
    loaded: LoadedSite, diagnostics: Diagnostics, base_url: str | None = None, drafts: bool = False, caches: Caches | None = None
) -> SiteGraph | None:
    """Build the graph; None when the site config itself is unusable.

    Draft articles (``draft: true``) and what only they feed are left out
    unless ``drafts`` is set (the dev server and `digest check` set it).
    ``caches``: the session's, holding what earlier links made of unchanged
    seeds and entries.
    """
    caches = caches if caches is not None else Caches()
    config = site_config(loaded.config, base_url) if loaded.config else None
    people = {pid: _person(pid, record) for pid, record in sorted(loaded.people.items())}
    names = _name_index(people, loaded, diagnostics)
    left_out: list[str] = []
    articles = _articles(loaded, diagnostics, drafts, left_out, caches)
    claims: dict[str, Claim] = {}
    events: dict[str, Event] = {}
    merged = _Merger(diagnostics)
    for stem, article in articles.items():
        record = loaded.sidecars.get(stem)
        if record is not None:
            _annotate(article, record, claims, events, merged, diagnostics, caches)
    for record in loaded.timeline:
        if "id" not in record.values:
            continue
        event = events.setdefault(record.values["id"], Event(record.values["id"], source=record.where("id")))
        merged.merge(event, "event", record, EVENT_SHARED_FIELDS, ("people",))
        event.date_text = event.date_text or record.get("date_text", "")
    statuses = config.statuses if config else {k: Status(k, *v) for k, v in DEFAULT_STATUSES.items()}
    known_people = None if "people" in loaded.failed else people
    complete = not ({"articles", "timeline", "seeds"} & loaded.failed)
    _check_claims(claims, known_people, statuses, merged, complete, diagnostics)
    _check_events(events, known_people, merged, complete, diagnostics)
    for article in articles.values():
        _find_people(article, names, caches)
    if config is None:
        return None
    for article in articles.values():
        article.text_mode = article.text_mode or config.article_text
        if not article.language:  # the letters' script is worked out once per version of a seed
            script = caches.scripts.get((article.text,), (article.title,), lambda: main_script(_opening(article))[0])  # noqa: B023
            article.script = unstated_script(script, config.language)
    ordered_articles = dict(sorted(articles.items(), key=lambda item: item[1].sort_key()))
    position = {stem: index for index, stem in enumerate(ordered_articles)}
    entities: list[Claim | Event] = [*claims.values(), *events.values()]
    for entity in entities:
        entity.occurrences.sort(key=lambda occurrence: position[occurrence.article])
    ordered_events = dict(sorted(((k, e) for k, e in events.items() if e.date), key=lambda item: item[1].sort_key()))
    graph = SiteGraph(config, people, ordered_articles, dict(sorted(claims.items())), ordered_events)
    graph.mentions = _mentions(graph, caches)
    graph.drafts_left_out = tuple(left_out)
    return graph


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


def _name_index(people: dict[str, Person], loaded: LoadedSite, diagnostics: Diagnostics) -> NameIndex:
    """Index every name and alias; one written for two people links neither.

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
    return build_name_index(unique)


def _articles(loaded: LoadedSite, diagnostics: Diagnostics, drafts: bool, left_out: list[str], caches: Caches) -> dict[str, Article]:
    for stem, sidecar in loaded.sidecars.items():
        if stem not in loaded.seeds and stem not in loaded.seed_files and "folder:seeds" not in loaded.failed:
            hint = did_you_mean(stem, loaded.seeds)
            diagnostics.error(Location(sidecar.loc.path), f"no seed for this sidecar: expected seeds/{stem}.txt or seeds/{stem}.md{hint}", "missing-seed")
    articles: dict[str, Article] = {}
    for stem, seed in loaded.seeds.items():
        record = loaded.sidecars.get(stem)
        if record is not None and record.get("draft") and not drafts:
            left_out.append(seed.path)
            continue
        if record is None and stem not in loaded.sidecar_files:
            diagnostics.warning(Location(seed.path), f"no sidecar content/articles/{stem}.yaml; the article is built from its text alone", "missing-sidecar")
        article = _article(seed, record, diagnostics, caches.seeds)
        if article is not None:
            article.versions = _article_versions(seed, record, loaded.versions, diagnostics) if record is not None else ()
            articles[stem] = article
    _check_slugs(articles, loaded, diagnostics)
    _check_outlets(articles, loaded, diagnostics)
    return articles


def _article(seed: Seed, record: Record | None, diagnostics: Diagnostics, parsed_seeds: dict) -> Article | None:
    values: dict[str, Any] = record.values if record else {}
    omit = {line.strip() for line in values.get("omit", [])}
    if omit and record is not None:
        _check_omit_lines(seed, record, diagnostics)
    title = values.get("title")
    key = (seed.text, seed.is_markdown, title, frozenset(omit), values.get("url", ""))
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


def _check_outlets(articles: dict[str, Article], loaded: LoadedSite, diagnostics: Diagnostics) -> None:
    """Warn where an outlet is spelt unlike its usual spelling: each spelling becomes an outlet of its own.

    The usual spelling is the one most articles use (the first seen, on a tie);
    every other is reported at its sidecar's ``outlet:``.
    """
    spellings: dict[str, dict[str, list[Article]]] = {}
    for article in articles.values():
        key = _outlet_key(article.outlet)
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


class _Merger:
    """Merges the shared fields of a claim or event given in several places."""

    def __init__(self, diagnostics: Diagnostics):
        self.diagnostics = diagnostics
        self.where: dict[tuple[str, str, str], Location] = {}
        self.given: set[tuple[str, str, str]] = set()
        """Fields given with a value that was rejected (already reported)."""

    def merge(self, entity: Claim | Event, kind: str, record: Record, scalars: tuple[str, ...], lists: tuple[str, ...]) -> None:
        for name in record.invalid.intersection(scalars):
            self.given.add((kind, entity.id, name))
        values = record.values
        for name in scalars:
            if name not in values:
                continue
            value = values[name]
            current = getattr(entity, name)
            key = (kind, entity.id, name)
            if current in ("", None):
                setattr(entity, name, value)
                self.where[key] = record.where(name)
            elif current != value:
                first = self.where[key]
                self.diagnostics.error(
                    record.where(name),
                    f"conflicting '{name}' for {kind} '{entity.id}': {_show(value)} here, {_show(current)} at {first}",
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
                for key in ((kind, entity.id, name), (kind, entity.id, f"{name}.{value}")):
                    if key not in self.where:
                        self.where[key] = record.where(name, index)
                if value not in target:
                    target.append(value)

    def location(self, kind: str, entity_id: str, name: str, default: Location) -> Location:
        return self.where.get((kind, entity_id, name), default)


def _show(value: Any) -> str:
    text = getattr(value, "text", value)
    return f"'{text}'"


def _annotate(
    article: Article, record: Record, claims: dict[str, Claim], events: dict[str, Event], merged: _Merger, diagnostics: Diagnostics, caches: Caches
) -> None:
    """Anchor one sidecar's claims and events in its article and merge them into the site's."""
    haystack = caches.normalised.get((article.text,), (), lambda: normalise_blocks(article.text.blocks))
    for kind, entries, table, shared, lists in (
        ("claim", record.get("claims", []), claims, CLAIM_SHARED_FIELDS, ("about", "evidence", "history")),
        ("event", record.get("events", []), events, EVENT_SHARED_FIELDS, ("people",)),
    ):
        seen: set[str] = set()
        for entry in entries:
            entity_id = entry.get("id")
            if entity_id is None:
                continue
            if entity_id in seen:
                diagnostics.error(entry.where("id"), f"{kind} '{entity_id}' is given twice in this article", "duplicate-id")
                continue
            seen.add(entity_id)
            entity = table.get(entity_id)
            if entity is None:  # the first article to give it
                if kind == "claim":
                    entity = claims[entity_id] = Claim(entity_id, source=entry.where("id"))
                else:
                    entity = events[entity_id] = Event(entity_id, source=entry.where("id"))
            merged.merge(entity, kind, entry, shared, lists)
            passages, occurrence = _anchored(article, haystack, kind, entity_id, entry, diagnostics, caches.anchored)
            article.passages.extend(passages)
            entity.occurrences.append(occurrence)


def _anchored(
    article: Article, haystack: Any, kind: str, entity_id: str, entry: Record, diagnostics: Diagnostics, anchored: ByIdentity
) -> tuple[tuple[Passage, ...], Occurrence]:
    """An entry's passages in its article and the occurrence they make, remembered for
    rebuilds while the seed and the entry are unchanged."""

    def make() -> tuple[tuple[Passage, ...], Occurrence, tuple]:
        found = Diagnostics()
        passages = tuple(_anchor_quotes(article, haystack, kind, entity_id, entry, found))
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


def _check_person(pid: str, people: dict[str, Person] | None, where: Location, diagnostics: Diagnostics) -> None:
    if people is not None and pid not in people:
        diagnostics.error(where, f"unknown person '{pid}'{did_you_mean(pid, people)}", "unknown-person")


def _check_claims(claims: dict[str, Claim], people: dict[str, Person] | None, statuses: dict[str, Status], merged: _Merger, complete: bool, diagnostics: Diagnostics) -> None:
    """Check merged claims; ``people`` is None when some person file could not be read."""
    for claim in claims.values():
        for name in ("text", "status"):
            if complete and not getattr(claim, name) and ("claim", claim.id, name) not in merged.given:
                hint = _near_id("claim", claim.id, name, claims, merged) or "give it in one of the sidecars that carry it"
                diagnostics.error(claim.source, f"claim '{claim.id}' has no '{name}' ({hint})", "missing-field")
        if claim.status and claim.status not in statuses:
            where = merged.location("claim", claim.id, "status", claim.source)
            diagnostics.error(where, f"unknown status '{claim.status}'{did_you_mean(claim.status, statuses)}; known: {', '.join(statuses)}", "unknown-status")
        for change in claim.history:
            if change.status not in statuses:
                where = merged.location("claim", claim.id, "history", claim.source)
                diagnostics.error(where, f"unknown status '{change.status}' in the history of claim '{claim.id}'{did_you_mean(change.status, statuses)}", "unknown-status")
        if claim.claimant and claim.claimant_text:
            where = merged.location("claim", claim.id, "claimant_text", claim.source)
            diagnostics.error(where, f"claim '{claim.id}' has both 'claimant' and 'claimant_text'; give one", "conflict")
        if claim.claimant:
            _check_person(claim.claimant, people, merged.location("claim", claim.id, "claimant", claim.source), diagnostics)
        for pid in claim.about:
            _check_person(pid, people, merged.location("claim", claim.id, f"about.{pid}", claim.source), diagnostics)


def _near_id(kind: str, entity_id: str, name: str, entities: dict[str, Claim] | dict[str, Event], merged: _Merger) -> str:
    """'did you mean ...' for an id that lacks ``name`` and is like one that has it: a misspelt shared id."""
    having = [other for other, entity in entities.items() if other != entity_id and getattr(entity, name)]
    near = closest(entity_id, having)
    if near is None:
        return ""
    given_in = merged.location(kind, near, name, entities[near].source).path
    return f"did you mean '{near}' ({given_in})?"


def _check_events(events: dict[str, Event], people: dict[str, Person] | None, merged: _Merger, complete: bool, diagnostics: Diagnostics) -> None:
    for event in events.values():
        for name in ("date", "title"):
            if complete and not getattr(event, name) and ("event", event.id, name) not in merged.given:
                hint = _near_id("event", event.id, name, events, merged) or "give it in one of the files that mention it"
                diagnostics.error(event.source, f"event '{event.id}' has no '{name}' ({hint})", "missing-field")
        for pid in event.people:
            _check_person(pid, people, merged.location("event", event.id, f"people.{pid}", event.source), diagnostics)


def _find_people(article: Article, names: NameIndex, caches: Caches) -> None:
    """Find person names per block, except inside links, code, or across a highlight's edge."""
    edges: dict[int, list[int]] = {}
    for passage in article.passages:
        edges.setdefault(passage.span.block, []).extend((passage.span.start, passage.span.end))
    key = (names.key, tuple(sorted((block, tuple(cuts)) for block, cuts in edges.items())))
    article.names = caches.names_in_text.get((article.text,), key, lambda: _names_in_blocks(article.text, names, edges, caches.names_in_block))


def _names_in_blocks(text: SeedText, names: NameIndex, edges: dict[int, list[int]], found_before: dict) -> list[list[NameMatch]]:
    found: list[list[NameMatch]] = []
    for index, block in enumerate(text.blocks):
        if not block.link_people:
            found.append([])
            continue
        blocked = [(s.start, s.end) for s in block.spans if s.is_link]
        cuts = edges.get(index, [])
        found.append([
            match for match in find_names_cached(block.text, names, found_before)
            if not any(start < match.end and match.start < end for start, end in blocked)
            and not any(match.start < cut < match.end for cut in cuts)
        ])
    return found


def _mentions(graph: SiteGraph, caches: Caches) -> dict[str, list[Mention]]:
    found: dict[str, list[Mention]] = {}
    for article in graph.articles.values():
        for mention in _article_mentions(article, caches.mentions):
            found.setdefault(mention[0], []).append(mention[1])
    order = {stem: position for position, stem in enumerate(graph.articles)}
    for mentions in found.values():
        mentions.sort(key=lambda m: (-m.count, order[m.article]))
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
