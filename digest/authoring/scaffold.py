"""Files an editor starts from: a sidecar for a new seed, a person file, a new site.

Each writer refuses to overwrite anything, and fills in only what it can
know; what the editor must add is left as a clearly marked blank that the
validator will point at until it is filled.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from digest import PACKAGE, __version__
from digest.errors import Diagnostics, UsageError, closest
from digest.source.load import LoadedSite, load_site
from digest.text.language import SCRIPT_NAMES, Detection, detect, same_language
from digest.text.people_match import build_name_index, find_names, fold_name
from digest.text.seedtext import parse_markdown, parse_plain
from digest.text.slugs import slugify

TITLE_WORDS = {
    "President", "Vice", "Prime", "Minister", "Secretary", "General", "Foreign", "Defense", "Defence", "State",
    "Mr", "Mrs", "Ms", "Dr", "Sir", "Senator", "Sen", "Rep", "Representative", "Chancellor", "King", "Queen",
    "Prince", "Princess", "Chairman", "Chair", "Chief", "Spokesman", "Spokeswoman", "Spokesperson", "Advisor",
    "Adviser", "Ambassador", "Governor", "Mayor", "Commander", "Admiral", "Colonel", "Lieutenant", "Pope",
    "Sheikh", "Premier", "Deputy", "Former", "US", "U.S.", "UK", "EU", "UN", "Russian", "Ukrainian", "Chinese",
    "American", "British", "French", "German", "National", "Security", "Council",
}
"""Words of a title that precede a name ("US President Joe Biden"): dropped from name candidates."""

MONTHS_AND_DAYS = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
}
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w’'.\u2010\u2011-]*(?:\s+(?:of|the|de|al|von|van|bin|[A-Z][\w’'.\u2010\u2011-]*))*")
_SENTENCE = re.compile(r"[^.!?]*(?:[.!?]+|$)")


@dataclass(frozen=True, slots=True)
class NameCandidate:
    text: str
    count: int
    sentence: str
    """The first sentence it appears in."""


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    """What `digest import` read from a saved page, written into the sidecar instead of blanks."""

    outlet: str = ""
    published: datetime.date | None = None
    url: str = ""
    author: str = ""
    language: str = ""
    captured: datetime.date | None = None
    """When the copy was saved: the date of the current text, for its versions."""


def schema_line(kind: str, depth: int) -> str:
    """The modeline that gives YAML-language-server users completion and inline errors."""
    return f"# yaml-language-server: $schema={'../' * depth}schemas/{kind}.schema.json\n"


def new_article(root: Path, seed_name: str) -> Path:
    """Write content/articles/<stem>.yaml for a seed that has none."""
    seed = _find_seed(root, seed_name)
    target = root / "content/articles" / f"{seed.stem}.yaml"
    if target.exists():
        raise UsageError(f"{target.relative_to(root)} already exists; digest new never overwrites a sidecar")
    loaded = load_site(root, Diagnostics())
    text = seed.read_text(encoding="utf-8")
    title, paragraphs = _title_and_paragraphs(text, seed.suffix == ".md")
    known, unknown = mention_candidates(loaded, paragraphs)
    site_language = loaded.config.values.get("language", "en") if loaded.config is not None else "en"
    language = _language_line(detect("\n".join([title or "", *paragraphs])), site_language)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(sidecar_text(seed.name, title, known, unknown, language_line=language), encoding="utf-8")
    return target


def imported_sidecar_text(loaded: LoadedSite, seed_name: str, title: str, body: str, facts: ArticleFacts) -> str:
    """The sidecar `digest import` writes for a Markdown seed whose title it knows."""
    _, parsed = parse_markdown(body, set(), drop_first_h1=False)
    known, unknown = mention_candidates(loaded, [b.text for b in parsed.blocks])
    return sidecar_text(seed_name, title, known, unknown, facts)


def _find_seed(root: Path, name: str) -> Path:
    candidates = [Path(name)] if "/" in name else []
    candidates += [root / "seeds" / name, root / "seeds" / f"{name}.txt", root / "seeds" / f"{name}.md"]
    for candidate in candidates:
        path = candidate if candidate.is_absolute() else (root / candidate if not candidate.exists() else candidate)
        if path.is_file() and path.suffix in (".txt", ".md"):
            return path.absolute()
    stems = [p.stem for p in (root / "seeds").glob("*") if p.suffix in (".txt", ".md")]
    hint = closest(Path(name).stem, stems)
    raise UsageError(f"no seed '{name}' in seeds/" + (f" (did you mean '{hint}'?)" if hint else ""))


HEADLINE_MAX_LENGTH = 150
"""Longest first line taken for a headline; news headlines run well under 120 characters."""
_SENTENCE_FINAL = re.compile(r"[.…:;,][\"'”’)\]]*$")


def looks_like_headline(line: str) -> bool:
    """Whether a plain seed's first line reads as a headline, not as the story's first paragraph.

    A headline is short, one sentence, and does not end like a sentence of
    running text (a full stop, a colon); "Envoys meet in Geneva" and "Will
    the talks resume?" are headlines, a paragraph of 450 characters is not,
    nor is "He said the talks were over."
    """
    line = line.strip()
    if not line or len(line) > HEADLINE_MAX_LENGTH or _SENTENCE_FINAL.search(line):
        return False
    return not re.search(r"[.!?]\s+[A-Z“\"]", line)  # a second sentence


def _title_and_paragraphs(text: str, is_markdown: bool) -> tuple[str | None, list[str]]:
    """The title to pre-fill ("" when the seed has none, None when its first line is no headline) and the paragraphs."""
    if is_markdown:
        heading, parsed = parse_markdown(text, set(), drop_first_h1=True)
        return heading or "", [b.text for b in parsed.blocks]
    parsed = parse_plain(text, None, set())
    if parsed.title_line is not None and not looks_like_headline(parsed.title_line):
        return None, [parsed.title_line] + [b.text for b in parsed.blocks]
    return parsed.title_line or "", [b.text for b in parsed.blocks]


def mention_candidates(loaded: LoadedSite, paragraphs: list[str]) -> tuple[list[tuple[str, str, int]], list[NameCandidate]]:
    """People the site knows that the text names (id, name, count), and unknown capitalised names."""
    spellings: dict[str, str] = {}
    for pid, record in loaded.people.items():
        for spelling in [record.get("name", "")] + list(record.get("aliases", [])):
            if spelling:
                spellings.setdefault(spelling, pid)
    index = build_name_index(spellings)
    counts: Counter[str] = Counter()
    for paragraph in paragraphs:
        counts.update(match.person for match in find_names(paragraph, index))
    known = sorted(((pid, loaded.people[pid].get("name", pid), n) for pid, n in counts.items()), key=lambda k: (-k[2], k[0]))
    return known, unknown_names(paragraphs, set(spellings))


def unknown_names(paragraphs: list[str], known: set[str]) -> list[NameCandidate]:
    """Runs of capitalised words that match no known name: candidates for new person files.

    Runs and known names are compared as names are matched (`fold_name`), so
    "Jean\u2011Luc" is the known "Jean-Luc".
    """
    known = {fold_name(name) for name in known}
    found: dict[str, NameCandidate] = {}
    for paragraph in paragraphs:
        for sentence_match in _SENTENCE.finditer(paragraph):
            sentence = sentence_match.group().strip()
            for match in _CAPITALISED_RUN.finditer(sentence):
                run = re.sub(r"[’']s$", "", match.group().strip(" .’'-")).strip(" .’'-")
                words = run.split()
                while words and words[-1] in ("of", "the", "de", "al", "von", "van", "bin"):
                    words.pop()
                # "US President Joe Biden" -> "Joe Biden", "Secretary of State Antony Blinken" -> "Antony Blinken";
                # "Foreign Ministry" stays.
                while len(words) > 2 and (words[0].rstrip(".") in TITLE_WORDS or words[0].islower()):
                    words.pop(0)
                run = " ".join(words)
                if not run or fold_name(run) in known or any(fold_name(part) in known for part in _subruns(words)):
                    continue
                if len(words) == 1 and (match.start() == 0 or run in MONTHS_AND_DAYS or len(run) < 3):
                    continue  # "The", "According", "Sunday": sentence-initial words and calendar names
                if all(word in MONTHS_AND_DAYS for word in words):
                    continue
                previous = found.get(run)
                found[run] = NameCandidate(run, (previous.count if previous else 0) + 1, previous.sentence if previous else sentence)
    return sorted(found.values(), key=lambda c: (-c.count, c.text))


def _subruns(words: list[str]) -> list[str]:
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1) if (i, j) != (0, len(words))]


def _language_line(found: Detection, site_language: str) -> str:
    """The sidecar's `language:` line: the detected language where it is not the site's, else a comment saying why none."""
    if found.language and not same_language(found.language, site_language):
        return f"language: {found.language}  # detected from the text ({SCRIPT_NAMES[found.script]} script); correct it if it is wrong\n"
    if found.language:
        return f"# language: {found.language}  (detected from the text: the site's language, so nothing to set)\n"
    return f"# language: ...  (could not tell from the text; without it, the site's language '{site_language}' is assumed)\n"


def sidecar_text(
    seed_name: str,
    title: str | None,
    known: list[tuple[str, str, int]],
    unknown: list[NameCandidate],
    facts: ArticleFacts | None = None,
    language_line: str = "",
) -> str:
    """A sidecar's text: what is known filled in, the rest as marked blanks, and the names the text mentions.

    ``language_line``: the `language:` line (or comment) `digest new article` writes from what it detected."""
    lines = [
        schema_line("article", 2),
        f"# Annotations for seeds/{seed_name}. See docs/annotating.md for every field.\n",
    ]
    if facts is not None:
        lines.append(f"title: {_quoted(title or '')}\n")
        lines += _fact_lines(facts)
    elif title:
        lines.append(f"title: {_quoted(title)}  # the seed's first line; if you change it, add that line to omit: so it is not shown twice\n")
    elif title is None:  # an empty string, not a null: the build says so until a title is written
        lines.append('title: ""  # REQUIRED: the seed\'s first line reads as a paragraph, not a headline; write one (that line stays part of the text)\n')
    else:
        lines.append("title:  # REQUIRED: the seed has no first line or '# heading' to use\n")
    if facts is None:
        lines += [
            "outlet:  # REQUIRED: the outlet's name, exactly as on its other articles (e.g. RT)\n",
            "published:  # REQUIRED: the date of publication, YYYY-MM-DD\n",
            language_line,
            "# url: https://...  (the original)\n",
            "# author: ...\n",
        ]
    lines += [
        "# slug: ...  (default: made from the title)\n",
        "# omit:  (exact seed lines not to show, such as share buttons or captions)\n",
        "#   - \"...\"\n",
        "claims:\n",
        "#  - id: short-claim-id\n",
        "#    quote: \"exact words from the article\"\n",
        "#    text: A neutral one-sentence statement of the claim.\n",
        "#    status: reported     # confirmed, reported, unverified, disputed, denied, false\n",
        "#    sourcing: anonymous  # on-record, anonymous, document, unattributed\n",
        "events:\n",
        "#  - id: short-event-id\n",
        "#    quote: \"exact words from the article\"\n",
        "#    date: 2022-11-04     # EDTF: 2022-11-04, 2022-11, 2022-11~, 2022-03/..\n",
        "#    date_text: last week # the article's own words\n",
        "#    title: What happened\n",
        "#    people: [person-id]\n",
    ]
    lines.append("\n# People the site already knows that this text names (linked automatically):\n")
    lines += [f"#   {pid}: {name} ({count} mention{'s' if count != 1 else ''})\n" for pid, name, count in known] or ["#   (none)\n"]
    lines.append("\n# Capitalised names that match no person (add one with: digest new person \"Full Name\"):\n")
    lines += [f"#   {c.text} ({c.count}x): {_one_line(c.sentence)}\n" for c in unknown[:40]] or ["#   (none)\n"]
    return "".join(lines)


def _fact_lines(facts: ArticleFacts) -> list[str]:
    """The sidecar lines of what an import found; what the page did not say stays a marked blank."""
    lines = [
        f"outlet: {_quoted(facts.outlet)}\n" if facts.outlet else "outlet:  # REQUIRED: the page does not name its outlet\n",
        f"published: {facts.published.isoformat()}\n" if facts.published else "published:  # REQUIRED: the page gives no date of publication, YYYY-MM-DD\n",
        f"url: {_quoted(facts.url)}\n" if facts.url else "# url: https://...  (the original)\n",
        f"author: {_quoted(facts.author)}\n" if facts.author else "# author: ...\n",
    ]
    if facts.language:
        lines.append(f"language: {facts.language}\n")
    if facts.captured:
        lines.append(f"captured: {facts.captured.isoformat()}  # when this copy of the text was saved\n")
    return lines


def _one_line(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_person(root: Path, name: str) -> Path:
    """Write content/people/<id>.yaml, refusing duplicates and near-duplicates."""
    name = " ".join(name.split())
    pid = slugify(name)
    if not pid:
        raise UsageError(f"cannot make an id from '{name}'; use Latin or Cyrillic letters, or write the file by hand")
    target = root / "content/people" / f"{pid}.yaml"
    if target.exists():
        raise UsageError(f"{target.relative_to(root)} already exists")
    loaded = load_site(root, Diagnostics())
    spellings = {}
    for other, record in loaded.people.items():
        for spelling in [record.get("name", "")] + list(record.get("aliases", [])):
            spellings[spelling] = other
    similar = next(iter(difflib.get_close_matches(name, list(spellings), n=1, cutoff=0.85)), None)
    similar = similar or next((s for s in spellings if slugify(s) == pid), None)
    contained = next((s for s in spellings if " " in s and re.search(rf"(?<!\w){re.escape(s)}(?!\w)", name)), None)
    if contained is not None and similar is None:
        raise UsageError(f"'{name}' contains '{contained}' ({spellings[contained]}); give the name without titles, or add this form as an alias there")
    if similar is not None:
        raise UsageError(f"'{name}' is very like '{similar}' ({spellings[similar]}); did you mean that person? Add it as an alias there, or write the file by hand")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        schema_line("person", 2)
        + f"name: {_quoted(name)}\n"
        + "aliases:  # other spellings and short forms that articles use, one per line, e.g.:\n#  - Patrushev\n"
        + "# role: ...\n# organization: ...\n# country: ...\n# description: |\n#   A sentence or two, in Markdown.\n"
        + "# links:\n#   wikipedia: https://en.wikipedia.org/wiki/...\n",
        encoding="utf-8",
    )
    return target


STARTER = PACKAGE / "starter"


def init_site(folder: Path, title: str | None = None, base_url: str | None = None) -> list[Path]:
    """Create a new site root in an empty (or missing) folder."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} is not empty; digest init only starts new sites in an empty folder")
    slug = slugify(folder.absolute().name) or "digest"
    title = title or folder.absolute().name.replace("-", " ").replace("_", " ").strip().capitalize() or "My digest"
    base_url = base_url or f"https://example.github.io/{slug}/"
    files = {
        "content/site.yaml": (STARTER / "site.yaml").read_text().replace("TITLE", title.replace('"', "'")).replace("BASE_URL", base_url),
        "README.md": (STARTER / "README.md").read_text().replace("TITLE", title),
        ".github/workflows/pages.yml": (STARTER / "pages.yml").read_text().replace("DIGEST_VERSION", __version__),
        ".gitignore": "/site/\n.digest-cache/\n__pycache__/\n",
        "docs/annotating.md": _guide_text(),
        "seeds/.gitkeep": "",
        "content/people/.gitkeep": "",
        "content/articles/.gitkeep": "",
    }
    written = []
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _guide_text() -> str:
    """The editors' guide: packaged beside the starter files in a wheel, in docs/ in a checkout."""
    for path in (STARTER / "annotating.md", PACKAGE.parent / "docs" / "annotating.md"):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise UsageError("the editors' guide (annotating.md) is missing from this installation of digest")
