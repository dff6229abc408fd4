"""Generate a deterministic synthetic digest (or a plain-Markdown Hugo site) for benchmarks.

    python benchmarks/generate.py OUT --articles N [--seed 1]          # a digest site root
    python benchmarks/generate.py OUT --articles N [--seed 1] --hugo   # the same prose for Hugo

The digest site has N articles (about half ``.txt``, half ``.md`` with
emphasis, links and sub-headings), 600-900 words each; 200 people whose
names, aliases and possessives ("Velkova's", "Velkova’s") occur in the
prose; a sidecar per article with on average 3 claims and 2 events, each
quoting a passage that occurs exactly once in its own article; half of
the claim and event ids are shared by 2-4 articles (their shared fields
given once or repeated identically); varied EDTF dates; statuses from the
default vocabulary; and a ``content/timeline.yaml`` of unquoted events.

Besides the site, ``OUT/benchmark.json`` (a manifest) records each
article's stem, seed path, slug and the people it names, so a harness
knows which page a given edit must change. Same arguments, same bytes.

Standard library only: YAML is written by hand (JSON strings are valid
YAML double-quoted scalars).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

PEOPLE = 200
MIN_WORDS, MAX_WORDS = 600, 900
CLAIMS_PER_ARTICLE = (1, 2, 3, 3, 4, 5)  # mean 3
EVENTS_PER_ARTICLE = (0, 1, 2, 2, 3, 4)  # mean 2
SHARED_MULTIPLICITY = (2, 2, 3, 4)  # articles per shared id, mean 2.75
SHARE_WINDOW = 40
"""A shared id is carried by articles at most this far apart (stories cluster in time)."""
STATUSES = ("confirmed", "reported", "unverified", "disputed", "denied", "false")
SOURCING = ("on-record", "anonymous", "document", "unattributed")
MANIFEST = "benchmark.json"

# --- vocabulary -------------------------------------------------------------

FIRST_SYLLABLES = ("ma", "le", "ri", "so", "da", "ve", "ka", "no", "ti", "lu", "be", "ra", "mi", "ze", "jo", "ya")
LAST_SYLLABLES = ("var", "del", "kor", "ston", "bren", "mal", "tor", "vik", "dun", "hal", "grim", "sel", "wes", "brav", "lind", "mor")
LAST_ENDINGS = ("ov", "ova", "ski", "berg", "ton", "ley", "ez", "ard", "enko", "sen", "ic", "ham")
CITIES = (
    "Darnholm", "Vessmark", "Orlenk", "Tavira", "Kestrel Bay", "Lindfors", "Marovo", "Quellin", "Stravany",
    "Bellmoor", "Ostgard", "Pravel", "Ruskin Falls", "Sarnova", "Tellow", "Umbridge", "Valcourt", "Wendmere",
    "Ysterhof", "Zoran", "Ashcombe", "Brisk", "Corvale", "Dunmere", "Elbany", "Fennick", "Galloway Point",
)
COUNTRIES = ("Norland", "Vessaria", "Orlenkia", "Tavir", "Kestrel", "Marovia", "Quell", "Stravia", "Bellmoor", "Ostland")
ORGANIZATIONS = (
    "Ministry of Foreign Affairs", "Security Council", "Central Bank", "Ministry of Defence", "Parliament",
    "Presidential Office", "Energy Commission", "Supreme Court", "Trade Council", "National Guard",
)
ROLES = ("Minister", "Deputy Minister", "Spokesperson", "Chief of Staff", "Senator", "Governor", "Adviser", "Ambassador", "Director", "Chair")
OUTLETS = (
    "The Northern Ledger", "Daily Meridian", "Vessmark Post", "Orlenk Times", "Harbor Wire", "The Courier",
    "Evening Standard Review", "Global Dispatch", "Capital Monitor", "Tavira Herald", "Frontier Report",
    "The Observer Line", "Market Signal", "Open Record", "Civic Gazette", "The Lantern", "Metro Chronicle",
    "Atlas News", "Signal Desk", "Bulletin Nine",
)
ADJECTIVES = (
    "secret", "urgent", "fragile", "costly", "disputed", "informal", "public", "provisional", "quiet", "bilateral",
    "regional", "sweeping", "limited", "contested", "delayed", "renewed", "stalled", "emergency", "annual", "unusual",
    "narrow", "broad", "tentative", "lengthy", "heated", "cautious", "bold", "modest", "sudden", "symbolic",
    "technical", "legal", "financial", "military", "diplomatic", "economic", "rival", "leaked", "draft", "formal",
    "expanded", "frozen", "revised", "fresh", "early", "late", "closed", "open", "joint", "separate",
)
NOUNS = (
    "agreement", "ceasefire", "pipeline", "sanctions", "budget", "treaty", "summit", "inquiry", "grain corridor",
    "tariff", "loan", "election", "referendum", "reform", "bill", "memo", "dossier", "audit", "contract", "merger",
    "blockade", "convoy", "port deal", "gas deal", "border crossing", "prisoner exchange", "aid package", "hearing",
    "investigation", "proposal", "backchannel", "negotiation", "deadline", "framework", "mandate", "coalition",
    "protest", "strike", "subsidy", "levy", "quota", "embargo", "review", "verdict", "appeal", "briefing", "statement",
    "mission", "delegation", "visit", "call", "meeting", "report", "letter", "plan", "forecast", "inventory",
    "shipment", "reactor", "dam", "railway", "bridge", "airport", "refinery", "mine", "harbour", "warehouse",
)
VERBS_PAST = (
    "rejected", "approved", "delayed", "signed", "questioned", "defended", "criticised", "endorsed", "announced",
    "postponed", "leaked", "drafted", "blocked", "revived", "proposed", "suspended", "confirmed", "denied",
    "welcomed", "condemned", "renegotiated", "discussed", "reviewed", "outlined", "abandoned", "backed", "opposed",
)
VERBS_BASE = (
    "reduce", "expand", "reverse", "secure", "replace", "extend", "weaken", "strengthen", "settle", "unlock",
    "freeze", "restore", "shorten", "finance", "protect", "monitor", "rebuild", "limit", "review", "resume",
)
SAY_VERBS = ("said", "told reporters", "insisted", "argued", "claimed", "warned", "suggested", "wrote", "added", "noted")
SOURCES = (
    "two officials familiar with the talks", "a senior diplomat", "people briefed on the matter", "an internal memo",
    "documents seen by reporters", "a government spokesperson", "three people with knowledge of the plan",
    "a person close to the negotiations", "an official who asked not to be named", "leaked minutes",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
PREPOSITIONS = ("over", "with", "near", "around", "against", "for", "behind", "beyond", "under", "across")
DATE_TEXTS = ("last week", "on Tuesday", "earlier this month", "in the spring", "late last year", "two days ago",
              "this morning", "in early autumn", "last month", "at the weekend", "next year", "in March")

OMIT_LINE = "Share this story with your colleagues:"
QUOTE_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
WORD_ONLY = re.compile(r"^[A-Za-z]+$")


# --- people -----------------------------------------------------------------


@dataclass(slots=True)
class Person:
    id: str
    first: str
    last: str
    aliases: list[str]
    role: str
    organization: str
    country: str
    weight: float

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def make_people(rng: random.Random, count: int = PEOPLE) -> list[Person]:
    """People with unique names; every spelling (name, alias) belongs to one person only."""
    people: list[Person] = []
    used_words: set[str] = set()
    seen_ids: set[str] = set()
    while len(people) < count:
        first = (rng.choice(FIRST_SYLLABLES) + rng.choice(FIRST_SYLLABLES) + rng.choice("anrs")).capitalize()
        middle = rng.choice(("", "", *FIRST_SYLLABLES))
        last = (rng.choice(LAST_SYLLABLES) + middle + rng.choice(LAST_ENDINGS)).capitalize()
        if last in used_words or first == last:
            continue  # surnames are aliases: they must be unique, and no one's first name
        pid = f"{first}-{last}".lower()
        if pid in seen_ids:
            continue
        seen_ids.add(pid)
        used_words.add(last)
        aliases = [last]
        if rng.random() < 0.4:
            aliases.append(f"{first[0]}. {last}")
        people.append(
            Person(
                pid, first, last, aliases, rng.choice(ROLES), rng.choice(ORGANIZATIONS), rng.choice(COUNTRIES),
                weight=1.0 / (len(people) + 1) ** 0.8,  # a few people dominate the news, as in life
            )
        )
    firsts = {p.first for p in people}
    for person in people:  # a first name that is also a surname would make an alias ambiguous in prose
        assert person.last not in firsts
    return people


def person_yaml(person: Person, rng: random.Random) -> str:
    lines = [
        f"name: {q(person.name)}",
        "aliases: [" + ", ".join(q(a) for a in person.aliases) + "]",
        f"role: {q(person.role)}",
        f"organization: {q(person.organization)}",
        f"country: {q(person.country)}",
        f"description: {q(f'{person.role} at the *{person.organization}* of {person.country} since {rng.randint(2010, 2022)}.')}",
        "links:",
        f"  wikipedia: {q('https://en.wikipedia.org/wiki/' + person.first + '_' + person.last)}",
    ]
    return "\n".join(lines) + "\n"


# --- prose ------------------------------------------------------------------


@dataclass(slots=True)
class Block:
    """One paragraph or sub-heading: its words as a reader sees them."""

    words: list[str]
    heading: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(slots=True)
class Story:
    title: str
    blocks: list[Block]
    cast: list[Person]
    named: set[str] = field(default_factory=set)
    """Ids of the people actually named in the text."""

    def word_count(self) -> int:
        return sum(len(b.words) for b in self.blocks)


class Prose:
    """Sentences of news prose about a cast of people, with their names and possessives."""

    def __init__(self, rng: random.Random, cast: list[Person], typographic: bool):
        self.rng = rng
        self.cast = cast
        self.typographic = typographic
        self.named: set[str] = set()

    def person(self, possessive: bool = False) -> str:
        person = self.rng.choice(self.cast)
        self.named.add(person.id)
        spelling = self.rng.choice([person.name, person.name, *person.aliases])
        if possessive:
            apostrophe = "\u2019" if self.typographic and self.rng.random() < 0.5 else "'"
            return f"{spelling}{apostrophe}s"
        return spelling

    def np(self) -> str:
        r = self.rng
        return f"{r.choice(ADJECTIVES)} {r.choice(NOUNS)}"

    def a_np(self) -> str:
        """An indefinite noun phrase: 'a costly loan', 'an urgent memo'."""
        phrase = self.np()
        return f"{'an' if phrase[0] in 'aeiou' else 'a'} {phrase}"

    def sentence(self) -> str:
        r = self.rng
        forms = (
            lambda: f"{self.person()} {r.choice(VERBS_PAST)} the {self.np()} {r.choice(PREPOSITIONS)} {r.choice(CITIES)} on {r.choice(WEEKDAYS)}.",
            lambda: f"According to {r.choice(SOURCES)}, {self.person()} {r.choice(VERBS_PAST)} {self.a_np()} with {self.person()} in {r.choice(CITIES)}.",
            lambda: f"{self.person(True)} {r.choice(NOUNS)} {r.choice(VERBS_PAST)} {self.a_np()}, {r.choice(SOURCES)} {r.choice(SAY_VERBS)}.",
            lambda: f"The {self.np()} was {r.choice(VERBS_PAST)} after {self.person()} {r.choice(SAY_VERBS)} it would {r.choice(VERBS_BASE)} the {r.choice(NOUNS)} by {r.choice(MONTHS)}.",
            lambda: f"Officials in {r.choice(CITIES)} {r.choice(VERBS_PAST)} {r.randint(3, 90)} {r.choice(NOUNS)} reports {r.choice(PREPOSITIONS)} the {self.np()}.",
            lambda: f"{self.person()} {r.choice(SAY_VERBS)} that the {self.np()} was {self._quoted()} and would {r.choice(VERBS_BASE)} {self.person(True)} {r.choice(NOUNS)}.",
            lambda: f"In {r.choice(MONTHS)}, {r.choice(SOURCES)} {r.choice(SAY_VERBS)} that {self.person()} had {r.choice(VERBS_PAST)} {self.a_np()} {r.choice(PREPOSITIONS)} {r.choice(COUNTRIES)}.",
            lambda: f"Critics of {self.person()} {r.choice(SAY_VERBS)} the {self.np()} could {r.choice(VERBS_BASE)} {self.a_np()} within {r.randint(2, 30)} days.",
        )
        return r.choice(forms)()

    def _quoted(self) -> str:
        left, right = ("\u201c", "\u201d") if self.typographic and self.rng.random() < 0.5 else ('"', '"')
        return f"{left}{self.rng.choice(ADJECTIVES)} and {self.rng.choice(ADJECTIVES)}{right}"

    def paragraph(self) -> Block:
        sentences = [self.sentence() for _ in range(self.rng.randint(3, 6))]
        return Block(" ".join(sentences).split(" "))

    def heading(self) -> Block:
        return Block(f"The {self.np()} {self.rng.choice(PREPOSITIONS)} {self.rng.choice(CITIES)}".split(" "), heading=True)


def make_story(rng: random.Random, people: list[Person], markdown: bool, title_taken: set[str]) -> Story:
    cast = pick_cast(rng, people)
    prose = Prose(rng, cast, typographic=rng.random() < 0.5)
    target = rng.randint(MIN_WORDS, MAX_WORDS - 40)
    blocks: list[Block] = []
    words = 0
    while words < target:
        if markdown and blocks and not blocks[-1].heading and rng.random() < 0.15:
            blocks.append(prose.heading())
        else:
            blocks.append(prose.paragraph())
        words += len(blocks[-1].words)
    if blocks[-1].heading:
        blocks.pop()
    while True:
        lead = cast[0]
        title = f"{lead.name} {rng.choice(VERBS_PAST)} {prose.np()} {rng.choice(PREPOSITIONS)} {rng.choice(CITIES)}"
        if slugify(title) not in title_taken:
            title_taken.add(slugify(title))
            break
    story = Story(title, blocks, cast)
    story.named = set(prose.named)
    return story


def pick_cast(rng: random.Random, people: list[Person]) -> list[Person]:
    size = rng.randint(3, 7)
    cast: list[Person] = []
    weights = [p.weight for p in people]
    while len(cast) < size:
        person = rng.choices(people, weights)[0]
        if person not in cast:
            cast.append(person)
    return cast


def slugify(title: str, limit: int = 80) -> str:
    """digest's slug rule for ASCII titles: lowercase words joined by hyphens, cut at a word."""
    slug = ""
    for word in re.findall(r"[a-z0-9]+", title.replace("'", "").lower()):
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug


def plain_seed(story: Story, omit: bool) -> str:
    lines = [story.title, ""]
    for block in story.blocks:
        lines += [block.text, ""]
    if omit:
        lines += [OMIT_LINE, ""]
    return "\n".join(lines)


def markdown_seed(story: Story, rng: random.Random, link_base: str) -> str:
    """The story as Markdown: emphasis and links over whole words, never over names' punctuation."""
    lines = [f"# {story.title}", ""]
    links = 0
    for block in story.blocks:
        if block.heading:
            lines += [f"## {block.text}", ""]
            continue
        words = list(block.words)
        plain = [i for i, w in enumerate(words) if WORD_ONLY.match(w) and w[0].islower()]
        for index in rng.sample(plain, min(len(plain), rng.randint(0, 3))):
            marker = rng.choice(("*", "**", "_"))
            words[index] = f"{marker}{words[index]}{marker}"
        if links < 3 and rng.random() < 0.4:
            start = rng.randrange(len(words))
            run = [i for i in range(start, min(start + 3, len(words))) if WORD_ONLY.match(words[i])]
            if len(run) >= 2 and run == list(range(run[0], run[0] + len(run))):
                words[run[0]] = "[" + words[run[0]]
                words[run[-1]] = f"{words[run[-1]]}]({link_base}{rng.randrange(10**6)})"
                links += 1
        lines += [" ".join(words), ""]
    return "\n".join(lines)


# --- quotes -----------------------------------------------------------------


def normalise(text: str) -> str:
    """digest's quote normalisation: typographic quotes folded, whitespace runs as one space."""
    return " ".join(text.translate(QUOTE_FOLD).split())


class QuotePicker:
    """Picks passages that occur exactly once in a story, one per sentence, never overlapping."""

    def __init__(self, story: Story, rng: random.Random):
        self.rng = rng
        self.haystack = "\n".join(normalise(b.text) for b in story.blocks)
        self.sentences: list[list[str]] = []
        for block in story.blocks:
            if block.heading:
                continue
            current: list[str] = []
            for word in block.words:
                current.append(word)
                if word.endswith(".") and len(word) > 2:  # "M." is an initial, not a full stop
                    self.sentences.append(current)
                    current = []
        self.sentences = [s for s in self.sentences if len(s) >= 5]
        rng.shuffle(self.sentences)

    def occurrences(self, needle: str) -> int:
        count, position = 0, self.haystack.find(needle)
        while position != -1:
            count += 1
            position = self.haystack.find(needle, position + 1)
        return count

    def pick(self) -> str:
        while self.sentences:
            words = self.sentences.pop()
            for _ in range(8):
                length = self.rng.randint(5, min(12, len(words)))
                start = self.rng.randint(0, len(words) - length)
                quote = " ".join(words[start : start + length]).rstrip(",")
                if self.occurrences(normalise(quote)) == 1:
                    return quote
        raise RuntimeError("ran out of sentences to quote")


# --- annotations ------------------------------------------------------------


def allocate_ids(rng: random.Random, counts: list[int], kind: str) -> list[list[str]]:
    """Ids for each article's claims (or events): half the distinct ids shared by 2-4 nearby articles."""
    free = list(counts)
    slots: list[list[str]] = [[] for _ in counts]
    mean = sum(SHARED_MULTIPLICITY) / len(SHARED_MULTIPLICITY)
    target_shared = sum(counts) * mean / (1 + mean)
    placed = 0
    serial = 0
    attempts = 0
    while placed < target_shared and attempts < 20 * len(counts) + 100:
        attempts += 1
        start = rng.randrange(len(counts))
        window = [a for a in range(start, min(start + SHARE_WINDOW, len(counts))) if free[a] > 0]
        want = rng.choice(SHARED_MULTIPLICITY)
        if len(window) < 2:
            continue
        chosen = sorted(rng.sample(window, min(want, len(window))))
        serial += 1
        entity_id = f"{kind}-shared-{serial:05d}"
        for article in chosen:
            slots[article].append(entity_id)
            free[article] -= 1
        placed += len(chosen)
    serial = 0
    for article, remaining in enumerate(free):
        for _ in range(remaining):
            serial += 1
            slots[article].append(f"{kind}-{serial:06d}")
        rng.shuffle(slots[article])
    return slots


def edtf_date(rng: random.Random) -> str:
    """A varied EDTF level 0/1 date: days, months, seasons, years, qualifiers, intervals."""
    year = rng.randint(2018, 2024)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    forms = (
        (30, lambda: f"{year}-{month:02d}-{day:02d}"),
        (12, lambda: f"{year}-{month:02d}"),
        (5, lambda: f"{year}"),
        (6, lambda: f"{year}-{month:02d}-{day:02d}~"),
        (5, lambda: f"{year}-{month:02d}?"),
        (3, lambda: f"{year}%"),
        (3, lambda: f"{year}-{rng.randint(21, 24)}"),
        (2, lambda: f"{year}-XX"),
        (1, lambda: f"{str(year)[:3]}X"),
        (6, lambda: f"{year}-{month:02d}-{day:02d}/{year}-{month:02d}-{min(28, day + rng.randint(1, 9)):02d}"),
        (3, lambda: f"{year}-{month:02d}/{year + 1}-{rng.randint(1, 12):02d}"),
        (2, lambda: f"{year}-{month:02d}/.."),
        (1, lambda: f"../{year}-{month:02d}-{day:02d}"),
    )
    weights = [w for w, _ in forms]
    return rng.choices([f for _, f in forms], weights)[0]()


def claim_fields(rng: random.Random, story: Story) -> dict[str, object]:
    named = sorted(story.named) or [story.cast[0].id]
    fields: dict[str, object] = {
        "text": f"{story.cast[0].name} {rng.choice(VERBS_PAST)} a {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(PREPOSITIONS)} {rng.choice(CITIES)}.",
        "status": rng.choice(STATUSES),
    }
    if rng.random() < 0.5:
        fields["claimant"] = rng.choice(named)
    else:
        fields["claimant_text"] = rng.choice(SOURCES)
    fields["about"] = sorted(set(rng.sample(named, min(len(named), rng.randint(1, 2)))))
    fields["note"] = f"Sourced to {rng.choice(SOURCES)}; *{rng.choice(ADJECTIVES)}* details not confirmed on the record."
    if rng.random() < 0.4:
        fields["evidence"] = [{"url": f"https://example.org/evidence/{rng.randrange(10**6)}", "label": f"{rng.choice(OUTLETS)} report"}]
    if rng.random() < 0.5:
        fields["reviewed"] = iso_day(rng)
    if rng.random() < 0.2:
        fields["history"] = [{"date": iso_day(rng), "status": rng.choice(STATUSES), "note": "Before a second source confirmed it."}]
    return fields


def event_fields(rng: random.Random, story: Story) -> dict[str, object]:
    named = sorted(story.named) or [story.cast[0].id]
    return {
        "date": edtf_date(rng),
        "title": f"{rng.choice(NOUNS).capitalize()} {rng.choice(VERBS_PAST)} in {rng.choice(CITIES)}",
        "people": sorted(set(rng.sample(named, min(len(named), rng.randint(1, 3))))),
        "description": f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}, as *{rng.choice(OUTLETS)}* reported it.",
    }


def iso_day(rng: random.Random) -> str:
    return (datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(6 * 365))).isoformat()


CLAIM_SHARED = ("text", "status", "claimant", "claimant_text", "note", "reviewed", "evidence", "history")
EVENT_SHARED = ("date", "title", "description")


def entry_yaml(kind: str, entity_id: str, quote: str, fields: dict[str, object], first: bool, repeat: bool, rng: random.Random) -> list[str]:
    """One claim or event of a sidecar. The first carrier gives every field; later ones give the
    article-specific fields, repeat the shared ones identically (``repeat``) or leave them out."""
    lines = [f"  - id: {entity_id}", f"    quote: {q(quote)}"]
    if kind == "claim":
        lines.append(f"    sourcing: {rng.choice(SOURCING)}")
        shared, lists = CLAIM_SHARED, ("about",)
    else:
        lines.append(f"    date_text: {q(rng.choice(DATE_TEXTS))}")
        shared, lists = EVENT_SHARED, ("people",)
    for name in (*shared, *lists):
        if name not in fields or not (first or repeat):
            continue
        lines += yaml_field(name, fields[name], indent=4)
    return lines


def yaml_field(name: str, value: object, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, str):
        bare = name in ("status", "reviewed", "claimant") or (name == "date" and re.fullmatch(r"[0-9X-]+", value))
        return [f"{pad}{name}: {value if bare else q(value)}"]
    items = list(value)  # type: ignore[arg-type]
    if items and isinstance(items[0], dict):
        lines = [f"{pad}{name}:"]
        for item in items:
            lines.append(f"{pad}  - {{" + ", ".join(f"{k}: {q(v)}" for k, v in item.items()) + "}")
        return lines
    return [f"{pad}{name}: [" + ", ".join(items) + "]"]


def q(value: object) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's)."""
    return json.dumps(str(value), ensure_ascii=False)


# --- the site ---------------------------------------------------------------


def published_date(index: int, count: int) -> datetime.date:
    """Articles spread over six years, in stem order."""
    return datetime.date(2019, 1, 1) + datetime.timedelta(days=int(index * 6 * 365 / max(count, 1)))


def generate_digest(out: Path, articles: int, seed: int = 1) -> dict:
    """Write a digest site root into ``out``; return the manifest."""
    rng = random.Random(seed)
    people = make_people(rng)
    for sub in ("content/people", "content/articles", "seeds"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    write(out / "content/site.yaml", site_yaml(articles))
    for person in people:
        write(out / f"content/people/{person.id}.yaml", person_yaml(person, rng))

    titles: set[str] = set()
    stories: list[Story] = []
    manifest_articles = []
    for index in range(articles):
        markdown = rng.random() < 0.5
        story = make_story(rng, people, markdown, titles)
        stories.append(story)
        stem = f"a{index:06d}"
        omit = not markdown and rng.random() < 0.1
        if markdown:
            seed_text = markdown_seed(story, rng, "https://example.org/source/")
        else:
            seed_text = plain_seed(story, omit)
        seed_path = f"seeds/{stem}.{'md' if markdown else 'txt'}"
        write(out / seed_path, seed_text)
        manifest_articles.append({
            "stem": stem, "seed": seed_path, "sidecar": f"content/articles/{stem}.yaml", "slug": slugify(story.title),
            "markdown": markdown, "omit": omit, "people": sorted(story.named),
        })

    claim_ids = allocate_ids(rng, [rng.choice(CLAIMS_PER_ARTICLE) for _ in stories], "claim")
    event_ids = allocate_ids(rng, [rng.choice(EVENTS_PER_ARTICLE) for _ in stories], "event")
    entities: dict[str, dict[str, object]] = {}
    carriers: dict[str, int] = {}
    for index, story in enumerate(stories):
        meta = manifest_articles[index]
        picker = QuotePicker(story, rng)
        lines = sidecar_head(rng, index, articles, meta["omit"])
        for kind, ids in (("claim", claim_ids[index]), ("event", event_ids[index])):
            if not ids:
                continue
            lines.append(f"{kind}s:")
            for entity_id in ids:
                first = entity_id not in entities
                if first:
                    entities[entity_id] = claim_fields(rng, story) if kind == "claim" else event_fields(rng, story)
                carriers[entity_id] = carriers.get(entity_id, 0) + 1
                lines += entry_yaml(kind, entity_id, picker.pick(), entities[entity_id], first, rng.random() < 0.5, rng)
        write(out / meta["sidecar"], "\n".join(lines) + "\n")

    write(out / "content/timeline.yaml", timeline_yaml(rng, people, max(5, articles // 20)))
    shared = sum(1 for n in carriers.values() if n > 1)
    manifest = {
        "format": "digest-benchmark/1", "seed": seed, "articles": manifest_articles,
        "people": {p.id: {"file": f"content/people/{p.id}.yaml", "name": p.name, "aliases": p.aliases} for p in people},
        "counts": {
            "articles": articles, "people": len(people),
            "claims": sum(1 for e in entities if e.startswith("claim")),
            "events": sum(1 for e in entities if e.startswith("event")),
            "annotations": sum(carriers.values()), "shared_ids": shared, "ids": len(carriers),
            "words": sum(s.word_count() for s in stories),
        },
    }
    write(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest


def site_yaml(articles: int) -> str:
    return "\n".join([
        f"title: {q(f'Synthetic digest ({articles} articles)')}",
        'base_url: "https://bench.example.org/digest/"',
        'description: "A generated digest for benchmarks."',
        "language: en",
        f"intro: {q('Generated articles about *fictional* officials, for measuring digest.')}",
    ]) + "\n"


def sidecar_head(rng: random.Random, index: int, count: int, omit: bool) -> list[str]:
    lines = [
        f"outlet: {q(rng.choice(OUTLETS))}",
        f"published: {published_date(index, count).isoformat()}",
        f"url: {q(f'https://example.org/news/{index}')}",
    ]
    if rng.random() < 0.5:
        lines.append(f"author: {q(rng.choice(FIRST_SYLLABLES).capitalize() + ' Writer')}")
    if rng.random() < 0.3:
        lines.append(f"subtitle: {q(f'A {rng.choice(ADJECTIVES)} week for the {rng.choice(NOUNS)}')}")
    if omit:
        lines += ["omit:", f"  - {q(OMIT_LINE)}"]
    return lines


def timeline_yaml(rng: random.Random, people: list[Person], count: int) -> str:
    lines = []
    for index in range(count):
        lines += [
            f"- id: timeline-{index:05d}",
            *yaml_field("date", edtf_date(rng), indent=2),
            f"  title: {q(f'{rng.choice(NOUNS).capitalize()} {rng.choice(VERBS_PAST)} in {rng.choice(CITIES)}')}",
            f"  people: [{rng.choice(people).id}]",
            f"  source_url: {q(f'https://example.org/timeline/{index}')}",
        ]
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- Hugo -------------------------------------------------------------------

HUGO_CONFIG = """baseURL = "https://bench.example.org/"
languageCode = "en"
title = "Synthetic Markdown corpus"
disableKinds = []
paginate = 10
[taxonomies]
  tag = "tags"
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} - {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
<ul class="tags">{{ range .Params.tags }}<li><a href="{{ "/tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a></li>{{ end }}</ul>
{{ .Content }}</article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}<p>{{ .Summary }}</p></li>{{ end }}
</ul>{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}
</ul>{{ end }}
""",
}


def generate_hugo(out: Path, articles: int, seed: int = 1) -> dict:
    """A Hugo site of plain Markdown posts with the digest's prose: 1-3 tags each from ~200 names."""
    rng = random.Random(seed)
    people = make_people(rng)
    tags = [p.name for p in people]
    write(out / "config.toml", HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        write(out / "layouts" / name, text)
    titles: set[str] = set()
    words = 0
    for index in range(articles):
        story = make_story(rng, people, True, titles)
        words += story.word_count()
        body = markdown_seed(story, rng, "https://example.org/source/").split("\n", 2)[2]
        chosen = rng.sample(tags, rng.randint(1, 3))
        front = [
            "---", f"title: {q(story.title)}", f"date: {published_date(index, articles).isoformat()}",
            "tags: [" + ", ".join(q(t) for t in chosen) + "]", "---", "",
        ]
        write(out / f"content/posts/p{index:06d}.md", "\n".join(front) + body)
    manifest = {"format": "hugo-benchmark/1", "seed": seed, "counts": {"articles": articles, "tags": len(tags), "words": words}}
    write(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to create (must be empty or absent)")
    parser.add_argument("--articles", type=int, required=True, help="number of articles")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hugo", action="store_true", help="a plain-Markdown Hugo site instead of a digest")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")
    generator = generate_hugo if args.hugo else generate_digest
    manifest = generator(args.out, args.articles, args.seed)
    print(json.dumps(manifest["counts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
