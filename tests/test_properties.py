"""Property-based tests (hypothesis): random content never crashes a build, quote marks hold
exactly their quotes, and an incremental rebuild always equals a clean build.

Example counts are small (each example is one or more real builds); the whole
file should take well under a minute.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from digest.pipeline.session import SiteBuilder
from digest.source.schema import ARTICLE_FIELDS, PERSON_FIELDS, TIMELINE_EVENT_FIELDS, Field

from conftest import SITES, read_tree, run_cli

DIAGNOSTIC = re.compile(r"^[^\n]+:\d+:\d+: (error|warning): ")
PEOPLE = ("jake-sullivan", "vladimir-putin", "volodymyr-zelensky", "sean-obrien")
STATUSES = ("confirmed", "reported", "unverified", "disputed", "denied", "false")
FAST = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])

# -- strategies built from the schema ---------------------------------------------------------

# Any unicode but surrogates and the characters that break a line (they would split a diagnostic that
# echoes them; that is test_hostile_yaml.py::test_diagnostics_stay_on_one_line).
any_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40)
visible_text = any_text.filter(str.strip)
name_text = any_text.filter(lambda text: any(char.isalpha() for char in text))
"""A person's name or alias: any text with a letter in it."""
huge_text = st.integers(10_000, 100_000).map(lambda n: ("Ab \u202e\u0644 " * n)[:n])
ids = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}\Z")
web_urls = st.sampled_from(["https://example.org/a", "http://example.com/b?q=1", "https://ex.example/\u00e9"])
edtf = st.sampled_from(["2022", "2022-11", "2022-11-04", "2022-11~", "2022-XX", "202X", "2022-23", "2022-09-21/2022-09-25", "2022-03/..", "2022-11-04?", "2022%"])
wrong = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(any_text, max_size=3),
    st.dictionaries(any_text, any_text, max_size=3),
    any_text,
    huge_text,
)


PLAIN_LINES = ["You can share this story:", "Zelensky said the talks were not useful either."]
BY_NAME = {
    # Fields whose valid values depend on the rest of the site.
    "status": st.sampled_from(STATUSES),
    "claimant": st.sampled_from(PEOPLE),
    "about": st.lists(st.sampled_from(PEOPLE), max_size=2),
    "people": st.lists(st.sampled_from(PEOPLE), max_size=2),
    "omit": st.lists(st.sampled_from(PLAIN_LINES), max_size=2, unique=True),
}


def value_for(spec: Field, seed_passages: list[str], name: str = "") -> st.SearchStrategy:
    """A valid value of one field kind."""
    if name in BY_NAME:
        return BY_NAME[name]
    kind = spec.kind
    if kind in ("string", "markdown"):
        return st.one_of(visible_text, huge_text) if kind == "string" else st.one_of(any_text, huge_text)
    if kind == "id":
        return st.one_of(ids, st.sampled_from(PEOPLE + STATUSES))
    if kind == "ids":
        return st.lists(st.one_of(st.sampled_from(PEOPLE), ids), max_size=3)
    if kind == "choice":
        return st.sampled_from(spec.choices)
    if kind == "language":
        return st.sampled_from(["en", "ar", "pl", "pt-BR", "he", "zh-Hant"])
    if kind == "url":
        return web_urls
    if kind == "date":
        return st.dates().map(lambda d: d.isoformat())
    if kind == "edtf":
        return edtf
    if kind == "strings":
        return st.lists(visible_text, max_size=4)
    if kind == "name":
        return st.one_of(name_text, huge_text)
    if kind == "names":
        return st.lists(name_text, max_size=4)
    if kind == "bool":
        return st.booleans()
    if kind == "links":
        return st.dictionaries(visible_text, web_urls, max_size=3)
    if kind == "evidence":
        return st.lists(st.fixed_dictionaries({"url": web_urls, "label": visible_text}), max_size=2)
    if kind == "quote":
        passage = st.sampled_from(seed_passages) if seed_passages else visible_text
        return st.one_of(
            passage,
            st.lists(passage, min_size=1, max_size=2),
            st.fixed_dictionaries({"exact": passage}, optional={"prefix": any_text, "suffix": any_text}),
        )
    if kind == "records":
        fields = spec.fields or {}
        unique = {"unique_by": lambda r: r.get("id")} if "id" in fields else {}
        return st.lists(record(fields, seed_passages), max_size=3, **unique)
    if kind == "statuses":
        return st.dictionaries(ids, st.fixed_dictionaries({"label": visible_text, "description": visible_text}), max_size=3)
    if kind == "hostname":
        return st.sampled_from(["news.example.org", "example.com"])
    raise AssertionError(f"no strategy for field kind {kind!r}: add one")


def record(fields: dict[str, Field], seed_passages: list[str], mutate: bool = False) -> st.SearchStrategy:
    """A mapping of the given fields; mutated ones get wrong types, lose fields and gain unknown ones."""
    # A claim needs a text and a status, an event a date and a title, and one claimant at most.
    needed = {"text", "status"} if "sourcing" in fields else {"date", "title"} if "date_text" in fields else set()
    skipped = {"claimant_text"} if "claimant" in fields else set()
    required = {name: value_for(spec, seed_passages, name) for name, spec in fields.items() if spec.required or name in needed}
    optional = {
        name: value_for(spec, seed_passages, name)
        for name, spec in fields.items()
        if not (spec.required or name in needed or name in skipped)
    }
    valid = st.fixed_dictionaries(required, optional=optional)
    if not mutate:
        return valid

    @st.composite
    def mutated(draw):
        value = dict(draw(valid))
        for name in list(value):
            if draw(st.integers(0, 4)) == 0:
                value[name] = draw(wrong)
            elif draw(st.integers(0, 6)) == 0:
                del value[name]
        if draw(st.booleans()):
            value[draw(any_text)] = draw(wrong)
        return value

    return mutated()


def dump(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=10_000)


PLAIN_PASSAGES = ["Vladimir Zelensky met Sullivan in Kyiv", 'the talks were "not useful"', "would not advance", "Zelensky said", "Putin’s forces"]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("props")


def fresh_site(scratch: Path, search: bool = True, articles: bool = True) -> Path:
    """A copy of the basic site; without its ``articles`` (their seeds and sidecars) where an example
    brings its own article and draws nothing that could meet theirs (each example is a whole build)."""
    source = Path(tempfile.mkdtemp(dir=scratch))
    shutil.copytree(SITES / "basic", source, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".digest-cache"))
    if not search:  # the search index costs time and is not what these tests look at
        with open(source / "content/site.yaml", "a", encoding="utf-8") as stream:
            stream.write("search: false\n")
    if not articles:
        for old in ("seeds/plain-one.txt", "seeds/markdown-two.md", "content/articles/plain-one.yaml", "content/articles/markdown-two.yaml"):
            (source / old).unlink()
    return source


def assert_site_or_errors(result, output: Path) -> None:
    assert "Traceback" not in result.err, result.err[-3000:]
    assert result.code in (0, 1), result.err[-3000:]
    if result.code == 0:
        assert (output / "index.html").is_file()
    else:
        lines = result.err_lines
        assert lines[-1].startswith("build failed:"), lines[-3:]
        for line in lines[:-1]:
            assert DIAGNOSTIC.match(line), f"not a located diagnostic: {line[:300]!r}"


# -- 1. random content never crashes -----------------------------------------------------------


@settings(FAST, max_examples=40)
@given(data=st.data(), mutate=st.booleans())
def test_random_sidecars_never_crash(scratch, data, mutate):
    # Drawn ids are never the basic site's claim or event ids, so its articles would only add pages.
    source = fresh_site(scratch, articles=False)
    seed = (SITES / "basic/seeds/plain-one.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    (source / "seeds/random.txt").write_text("A random article\n" + seed, encoding="utf-8")
    sidecar = data.draw(record(ARTICLE_FIELDS, PLAIN_PASSAGES, mutate=mutate), label="sidecar")
    (source / "content/articles/random.yaml").write_text(dump(sidecar), encoding="utf-8")
    output = source / "out"
    result = run_cli("build", "--source", source, "--output", output)
    note(result.err[-2000:])
    assert_site_or_errors(result, output)


@settings(FAST, max_examples=30)
@given(data=st.data(), mutate=st.booleans(), which=st.sampled_from(["person", "timeline"]))
def test_random_people_and_timelines_never_crash(scratch, data, mutate, which):
    source = fresh_site(scratch)
    if which == "person":
        value = data.draw(record(PERSON_FIELDS, [], mutate=mutate), label="person")
        (source / "content/people/jake-sullivan.yaml").write_text(dump(value), encoding="utf-8")
    else:
        value = data.draw(st.lists(record(TIMELINE_EVENT_FIELDS, [], mutate=mutate), max_size=4) | wrong, label="timeline")
        (source / "content/timeline.yaml").write_text(dump(value), encoding="utf-8")
    output = source / "out"
    result = run_cli("build", "--source", source, "--output", output)
    note(result.err[-2000:])
    assert_site_or_errors(result, output)


@settings(FAST, max_examples=30)
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_bytes_as_a_sidecar_never_crash(scratch, raw):
    """Any bytes at all: no traceback, exit 0 or 1, and the first line names the file.

    (Raw control characters give a second, unlocated line: see
    test_hostile_yaml.py::test_raw_control_character_is_an_error_at_its_position.)
    """
    source = fresh_site(scratch)
    (source / "content/articles/markdown-two.yaml").write_bytes(raw)
    output = source / "out"
    result = run_cli("build", "--source", source, "--output", output)
    assert "Traceback" not in result.err, result.err[-3000:]
    assert result.code in (0, 1), result.err
    if result.code == 1:
        assert DIAGNOSTIC.match(result.err_lines[0]), result.err


# -- 2. every quote mark holds exactly its quote ------------------------------------------------

LETTERS = st.characters(whitelist_categories=("Lu", "Ll", "Lo"), max_codepoint=0x6FF)
NAMES = ("Putin", "Sullivan", "Zelensky", "Vladimir Zelensky", "O'Brien", "O’Brien")


@st.composite
def styled_word(draw, markdown: bool):
    """(source, visible) of one word: maybe a known name, maybe quoted, maybe formatted in markdown."""
    word = draw(st.one_of(st.text(LETTERS, min_size=1, max_size=7), st.sampled_from(NAMES)))
    quotes = draw(st.sampled_from([("", ""), ("“", "”"), ('"', '"'), ("‘", "’")]))
    word = quotes[0] + word + quotes[1] + draw(st.sampled_from(["", "", ",", ".", ";"]))
    if not markdown:
        return word, word
    style = draw(st.sampled_from(["", "", "*", "**", "`"]))
    return f"{style}{word}{style}", word


@st.composite
def article(draw, markdown: bool):
    paragraphs = []
    for _ in range(draw(st.integers(1, 4))):
        words = draw(st.lists(styled_word(markdown), min_size=3, max_size=14))
        spaces = [draw(st.sampled_from([" ", " ", "  ", "\u00a0"])) if not markdown else " " for _ in words[1:]]
        source = words[0][0] + "".join(s + w[0] for s, w in zip(spaces, words[1:]))
        visible = [w[1] for w in words]
        paragraphs.append((source, visible, spaces))
    return paragraphs


def fold(text: str) -> str:
    table = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
    return " ".join(text.translate(table).split())


@st.composite
def quotes_for(draw, paragraphs, count: int):
    """Quotes cut from whole words of one paragraph each, found exactly once in the article."""
    found = []
    whole = "\n".join(fold(" ".join(visible)) for _, visible, _ in paragraphs)
    for _ in range(count):
        _, visible, _ = draw(st.sampled_from(paragraphs))
        start = draw(st.integers(0, len(visible) - 1))
        end = draw(st.integers(start + 1, min(len(visible), start + 6)))
        quote = " ".join(visible[start:end])
        folded = fold(quote)
        if _occurrences(whole, folded) != 1 or not folded.strip():
            continue
        # Typographic and straight quotes are the same; an editor may type either.
        if draw(st.booleans()):
            quote = quote.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
        found.append(quote)
    return found


def _occurrences(text: str, part: str) -> int:
    """Where ``part`` starts in ``text``, overlapping ones too (as quote matching counts them:
    "A. A. A." is twice in "A. A. A. A."), unlike `str.count`."""
    return sum(1 for start in range(len(text)) if text.startswith(part, start))


def mark_texts(html: str, attribute: str, value: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    pieces = []
    for mark in soup.find_all("mark", attrs={attribute: value}):
        for ref in mark.select("a.ref"):
            ref.decompose()
        pieces.append(mark.get_text())
    return "".join(pieces)


@settings(FAST, max_examples=30)
@given(data=st.data(), markdown=st.booleans())
def test_every_mark_holds_exactly_its_quote(scratch, data, markdown):
    paragraphs = data.draw(article(markdown), label="paragraphs")
    quotes = data.draw(quotes_for(paragraphs, data.draw(st.integers(1, 5))), label="quotes")
    assume(quotes)
    source = fresh_site(scratch, search=False, articles=False)
    body = "\n\n".join(p[0] for p in paragraphs) if markdown else "\n".join(p[0] for p in paragraphs)
    name = "generated.md" if markdown else "generated.txt"
    (source / "seeds" / name).write_text(("" if markdown else "Generated title\n") + body + "\n", encoding="utf-8")
    claims, events = [], []
    for index, quote in enumerate(quotes):
        if index % 2 == 0:
            claims.append({"id": f"claim-{index}", "quote": quote, "text": f"Claim {index}.", "status": data.draw(st.sampled_from(STATUSES))})
        else:
            events.append({"id": f"event-{index}", "quote": quote, "date": "2022-11-04", "title": f"Event {index}"})
    sidecar = {"title": "Generated title", "outlet": "Outlet", "published": "2022-11-07", "claims": claims, "events": events}
    (source / "content/articles/generated.yaml").write_text(dump(sidecar), encoding="utf-8")
    (source / "content/timeline.yaml").write_text("", encoding="utf-8")
    output = source / "out"
    result = run_cli("build", "--source", source, "--output", output)
    note(result.err)
    assert result.code == 0, result.err
    html = (output / "articles/generated-title/index.html").read_text(encoding="utf-8")
    for index, quote in enumerate(quotes):
        attribute, value = ("data-claim", f"claim-{index}") if index % 2 == 0 else ("data-event", f"event-{index}")
        assert fold(mark_texts(html, attribute, value)) == fold(quote), (attribute, value)


# -- 3. incremental rebuilds equal clean builds ----------------------------------------------------


class IncrementalEqualsClean(RuleBasedStateMachine):
    """Random edits to a live site: after each, SiteBuilder's output equals a clean `digest build`."""

    def __init__(self):
        super().__init__()
        self.base = Path(tempfile.mkdtemp(prefix="digest-incremental-"))
        self.source = self.base / "src"
        shutil.copytree(SITES / "basic", self.source, ignore=shutil.ignore_patterns(".digest-cache"))
        with open(self.source / "content/site.yaml", "a", encoding="utf-8") as stream:
            stream.write("search: false\n")
        self.live = self.base / "live"
        self.builder = SiteBuilder(self.source, self.live)
        first = self.builder.build()
        assert first.ok
        self.last_good = read_tree(self.live)
        self.builds = 0

    def teardown(self):
        shutil.rmtree(self.base, ignore_errors=True)

    def _edit(self, rel: str, old: str, new: str) -> None:
        path = self.source / rel
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(old, new, 1) if old else text + new, encoding="utf-8")

    @rule(sentence=st.sampled_from(["Putin spoke again.", "Sullivan left Kyiv.", "Nothing new.", "O’Brien agreed with Zelensky."]))
    def append_to_seed(self, sentence):
        self._edit("seeds/plain-one.txt", "", sentence + "\n")

    @rule(pair=st.sampled_from([("this winter", "this spring"), ("this spring", "this winter"), ("agreed", "disagreed")]))
    def edit_seed_text(self, pair):
        self._edit("seeds/plain-one.txt", *pair)

    @rule(text=st.sampled_from(["The talks were pointless.", "The talks were not useful.", "Talks: <b>useless</b> & co."]))
    def edit_claim_text(self, text):
        path = self.source / "content/articles/plain-one.yaml"
        if path.is_file():
            current = re.search(r"    text: (.*)\n", path.read_text(encoding="utf-8"))
            if current:
                self._edit("content/articles/plain-one.yaml", current.group(0), f"    text: {yaml.safe_dump(text).splitlines()[0]}\n")

    @rule(status=st.sampled_from(["reported", "confirmed", "disputed", "reportd"]))
    def edit_status(self, status):
        path = self.source / "content/articles/plain-one.yaml"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r"status: \w+", f"status: {status}", text, count=1), encoding="utf-8")

    @rule(outlet=st.sampled_from(["Outlet One", "Outlet Uno", "Outlet Two"]))
    def edit_outlet(self, outlet):
        path = self.source / "content/articles/plain-one.yaml"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r"outlet: .*", f"outlet: {outlet}", text, count=1), encoding="utf-8")

    @rule(alias=st.sampled_from(["Kyiv", "Ukraine", "spokesman", "Vladimir"]), add=st.booleans())
    def edit_aliases(self, alias, add):
        path = self.source / "content/people/volodymyr-zelensky.yaml"
        if not path.is_file():
            return
        text = path.read_text(encoding="utf-8")
        line = f"  - {alias}\n"
        if add and line not in text:
            text = text.replace("aliases:\n", "aliases:\n" + line, 1)
        elif not add:
            text = text.replace(line, "")
        path.write_text(text, encoding="utf-8")

    @rule(role=st.sampled_from(["President of Ukraine", "President", "Leader"]))
    def edit_person(self, role):
        path = self.source / "content/people/volodymyr-zelensky.yaml"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r"role: .*", f"role: {role}", text, count=1), encoding="utf-8")

    @rule()
    def add_article(self):
        (self.source / "seeds/extra.txt").write_text("An extra report\nPutin met Sullivan, and the talks were not useful at all.\n", encoding="utf-8")
        (self.source / "content/articles/extra.yaml").write_text(
            "outlet: Outlet Three\npublished: 2022-11-09\nclaims:\n  - id: talks-not-useful\n    quote: the talks were not useful at all\n",
            encoding="utf-8",
        )

    @rule()
    def delete_article(self):
        for rel in ("seeds/extra.txt", "content/articles/extra.yaml"):
            (self.source / rel).unlink(missing_ok=True)

    @rule()
    def add_person(self):
        (self.source / "content/people/yuri-ushakov.yaml").write_text("name: Yuri Ushakov\naliases: [Ushakov, Kyiv]\n", encoding="utf-8")

    @rule(rel=st.sampled_from(["content/people/yuri-ushakov.yaml", "content/people/sean-obrien.yaml", "content/people/jake-sullivan.yaml"]))
    def delete_person(self, rel):
        (self.source / rel).unlink(missing_ok=True)

    @rule(add=st.booleans())
    def static_file(self, add):
        path = self.source / "content/static/notes/readme.txt"
        if add:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("static notes\n", encoding="utf-8")
        else:
            shutil.rmtree(path.parent, ignore_errors=True)

    @rule()
    def drop_timeline(self):
        (self.source / "content/timeline.yaml").unlink(missing_ok=True)

    @invariant()
    def incremental_equals_clean(self):
        rebuild = self.builder.build()
        self.builds += 1
        clean = self.base / f"clean-{self.builds}"
        result = run_cli("build", "--source", self.source, "--output", clean)
        assert "Traceback" not in result.err
        assert rebuild.ok == (result.code == 0), (rebuild.ok, [str(d) for d in rebuild.diagnostics], result.err)
        if rebuild.ok:
            assert read_tree(self.live) == read_tree(clean), "incremental output differs from a clean build"
            self.last_good = read_tree(self.live)
        else:
            errors = [line for line in result.err_lines if ": error: " in line]
            assert [str(d) for d in rebuild.errors] == errors
            assert read_tree(self.live) == self.last_good, "a failed rebuild changed the output"
        shutil.rmtree(clean, ignore_errors=True)


IncrementalEqualsClean.TestCase.settings = settings(
    max_examples=10, stateful_step_count=4, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
test_incremental_rebuild_equals_clean_build = IncrementalEqualsClean.TestCase
