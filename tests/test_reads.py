"""Reads of the graph: who appears with whom, exactly and without the square of the people."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import Diagnostics
from digest.graph.link import link_site
from digest.graph.model import Article, PeopleGroup, SiteGraph
from digest.memo import ByIdentity
from digest.source.load import load_site
from digest.text.people_match import NameMatch
from digest.text.seedtext import Block, InlineSpan, SeedText
from digest.views.outlets import Cell, Column, ComparisonPage, OutletPage, OutletSummary, Row
from digest.views.reads import _related, article_digest, digest_value

SITE_YAML = "title: Crowd\nbase_url: https://example.org/crowd\nlanguage: en\n"


def _name(number: int) -> tuple[str, str]:
    """A person id and a two-word name made of letters only (names match whole words)."""
    letters = "".join("abcdefghij"[int(d)] for d in str(number))
    return f"person-{letters}", f"Person {letters.title()}"


def crowd_site(root: Path, people: int, articles: list[list[int]], events: list[list[int]], twins: int = 0) -> SiteGraph:
    """A site whose articles name the given people and whose events list them.

    ``twins`` people share their name with another person, so ties on name are ordered by id.
    """
    (root / "content/people").mkdir(parents=True)
    (root / "content/articles").mkdir()
    (root / "seeds").mkdir()
    (root / "content/site.yaml").write_text(SITE_YAML)
    names = [_name(number) for number in range(people)]
    for number, (pid, name) in enumerate(names):
        shown = names[number - 1][1] if 0 < number <= twins else name
        (root / f"content/people/{pid}.yaml").write_text(f"name: {shown}\naliases: [{name}]\n")
    for number, named in enumerate(articles):
        text = "\n\n".join(f"{names[n][1]} spoke." for n in named) or "Nobody spoke."
        (root / f"seeds/article-{number}.txt").write_text(f"Article {number}\n\n{text}\n")
        (root / f"content/articles/article-{number}.yaml").write_text(f"outlet: Outlet\npublished: 2022-11-07\nurl: https://example.com/{number}\n")
    lines = [f"- id: event-{number}\n  date: 2022-01-01\n  title: Event {number}\n  people: [{', '.join(names[n][0] for n in listed)}]\n" for number, listed in enumerate(events)]
    (root / "content/timeline.yaml").write_text("".join(lines) or "[]\n")
    diagnostics = Diagnostics()
    graph = link_site(load_site(root, diagnostics), diagnostics)
    assert graph is not None and not diagnostics.errors, [str(d) for d in diagnostics.items]
    return graph


def related_by_brute_force(graph: SiteGraph, pid: str, limit: int = 8) -> tuple[tuple[str, int], ...]:
    """Every group scanned whole, everyone counted and sorted: obviously right, and quadratic."""
    together: Counter[str] = Counter()
    for stem in graph.index.named_by.get(pid, ()):
        together.update(graph.index.named_in[stem] - {pid})
    for eid in graph.index.events_with.get(pid, ()):
        together.update(set(graph.events[eid].people) - {pid})
    ranked = sorted(together.items(), key=lambda item: (-item[1], graph.people[item[0]].name, item[0]))
    return tuple(ranked[:limit])


@pytest.mark.parametrize("seed", range(6))
def test_related_people_are_those_most_often_together_then_by_name(tmp_path, seed):
    rng = random.Random(seed)
    people = 40
    articles = [rng.sample(range(people), rng.choice([1, 3, 8, 30])) for _ in range(6)]
    events = [rng.sample(range(people), rng.choice([2, 5, 25])) for _ in range(4)]
    graph = crowd_site(tmp_path, people, articles, events, twins=6)
    for pid in sorted(graph.people):
        got = tuple((summary.id, count) for summary, count in _related(graph, pid))
        assert got == related_by_brute_force(graph, pid), pid


class CountingTuple(tuple):
    """A tuple that counts how many of its items are read by iteration."""

    def __iter__(self):
        for item in super().__iter__():
            WORK["reads"] += 1
            yield item


class CountingSet(frozenset):
    def __iter__(self):
        for item in super().__iter__():
            WORK["reads"] += 1
            yield item


class CountingPeople(dict):
    """The graph's people, counting look-ups: ranking or filtering anyone costs one."""

    def __contains__(self, key):
        WORK["lookups"] += 1
        return super().__contains__(key)

    def __getitem__(self, key):
        WORK["lookups"] += 1
        return super().__getitem__(key)

    def get(self, key, default=None):
        WORK["lookups"] += 1
        return super().get(key, default)


WORK: Counter[str] = Counter()


def _related_work(graph: SiteGraph) -> int:
    """People looked up and group members read while listing who appears with each person."""
    index = graph.index
    for groups in (index.article_people, index.event_people):
        for key, group in groups.items():
            groups[key] = PeopleGroup(CountingSet(group.members), CountingTuple(group.by_name))
    graph.people = CountingPeople(graph.people)
    WORK.clear()
    for pid in list(dict.keys(graph.people)):
        _related(graph, pid)
    return WORK.total()


def test_one_article_naming_many_people_costs_linear_work(tmp_path):
    """The article naming 10,000 people took 22 minutes: every person counted everyone else."""
    work = {}
    for people in (60, 240):
        everyone = list(range(people))
        graph = crowd_site(tmp_path / str(people), people, [everyone, everyone[:5]], [everyone[:3]])
        work[people] = _related_work(graph)
    assert work[240] <= 5 * work[60], work  # linear: about 4 times; counting everyone is 16


# An article's digest (`reads.article_digest`): its text and names laid out as tuples of their fields.

_SPANS = st.builds(
    InlineSpan, st.integers(0, 9), st.integers(0, 9), st.sampled_from(["<em>", "<a href=\"x\">", ""]), st.sampled_from(["</em>", "</a>", ""]),
    st.booleans(), st.tuples(st.integers(0, 3), st.integers(0, 3)),
)
_BLOCKS = st.builds(Block, st.text(max_size=6), st.integers(1, 3), st.lists(_SPANS, max_size=2).map(tuple), st.booleans())
_TEXTS = st.builds(
    SeedText, st.none() | st.text(max_size=4), st.lists(_BLOCKS, max_size=3).map(tuple),
    st.lists(st.integers(0, 2) | st.sampled_from(["<p>", "</p>"]), max_size=4).map(tuple),
)
_NAMES = st.lists(st.lists(st.builds(NameMatch, st.integers(0, 5), st.integers(0, 5), st.sampled_from(["a", "b"])), max_size=2), max_size=3)


def _article(text: SeedText, names: list[list[NameMatch]]) -> Article:
    return Article("stem", "seeds/stem.md", None, "stem", "Title", text, names=names)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, _NAMES, _TEXTS, _NAMES)
def test_article_digests_are_equal_exactly_when_the_articles_are(text, names, other_text, other_names):
    first, second = _article(text, names), _article(other_text, other_names)
    assert (article_digest(first) == article_digest(second)) == (first == second)
    assert digest_value(first) == article_digest(first) == article_digest(first, ByIdentity(10))


def _changed(value: object) -> object:
    """A value of the same type as ``value`` that differs from it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    if isinstance(value, tuple) and value and isinstance(value[0], int):
        return (value[0] + 1, *value[1:])
    if isinstance(value, tuple):
        return (*value, "x")
    raise AssertionError(f"no change made for {value!r}")


_SPAN = InlineSpan(1, 3, "<em>", "</em>", False, (1, 2))
_BLOCK = Block("Ann spoke.", 1, (_SPAN,), True)
_TEXT = SeedText("Title", (_BLOCK,), ("<p>", 0, "</p>"))
_NAME = NameMatch(0, 3, "ann")


@pytest.mark.parametrize(
    ("made", "what"),
    [
        *[(lambda name=f.name: _article(dataclasses.replace(_TEXT, **{name: _changed(getattr(_TEXT, name))}), [[_NAME]]), f"SeedText.{f.name}")
          for f in dataclasses.fields(SeedText) if f.name != "blocks"],
        *[(lambda name=f.name: _article(dataclasses.replace(_TEXT, blocks=(dataclasses.replace(_BLOCK, **{name: _changed(getattr(_BLOCK, name))}),)),
                                        [[_NAME]]), f"Block.{f.name}") for f in dataclasses.fields(Block) if f.name != "spans"],
        *[(lambda name=f.name: _article(dataclasses.replace(_TEXT, blocks=(dataclasses.replace(_BLOCK, spans=(
            dataclasses.replace(_SPAN, **{name: _changed(getattr(_SPAN, name))}),)),)), [[_NAME]]), f"InlineSpan.{f.name}")
          for f in dataclasses.fields(InlineSpan)],
        *[(lambda name=f.name: _article(_TEXT, [[dataclasses.replace(_NAME, **{name: _changed(getattr(_NAME, name))})]]), f"NameMatch.{f.name}")
          for f in dataclasses.fields(NameMatch)],
        (lambda: _article(dataclasses.replace(_TEXT, blocks=()), [[_NAME]]), "no blocks"),
        (lambda: _article(_TEXT, [[_NAME], []]), "one more block of names"),
        (lambda: dataclasses.replace(_article(_TEXT, [[_NAME]]), title="Other"), "Article.title"),
    ],
)
def test_every_field_a_template_may_show_changes_an_articles_digest(made, what):
    """Each field of the text, its blocks and spans and of the names found (those the digest lays out itself) counts."""
    assert article_digest(made()) != article_digest(_article(_TEXT, [[_NAME]])), what


# Values with shared parts (`SHARED_PARTS`): each row digested once per object, the digest still the value's.

_ROW = Row("claim", "c1", "A claim", status="reported", cells=(Cell("Wire", (), (), ("anonymous",)), None))
_OUTLET_PAGE = OutletPage(OutletSummary("Wire", "wire", 1, 1, 0), 0, (Column("Wire", "wire"), Column("Post", "post")), (), (_ROW,), ())
_COMPARISON_PAGE = ComparisonPage((Column("Wire", "wire"),), (_ROW,), (), 1, 0)


@pytest.mark.parametrize("value", [_OUTLET_PAGE, _COMPARISON_PAGE])
def test_a_change_to_any_field_or_shared_row_changes_the_digest(value):
    base = digest_value(value)
    assert digest_value(value, parts={}) == base == digest_value(dataclasses.replace(value), parts={})
    changed = [dataclasses.replace(value, **{name: _changed_field(getattr(value, name))}) for name in (f.name for f in dataclasses.fields(value))]
    changed.append(dataclasses.replace(value, claims=(dataclasses.replace(_ROW, text="Another claim"),)))
    changed.append(dataclasses.replace(value, claims=(), events=(_ROW,)))  # the same row, in the other list
    digests = [digest_value(other, parts={}) for other in changed]
    assert base not in digests and len(set(digests)) == len(digests)


def test_a_rows_digest_is_remembered_for_that_very_object_only():
    parts: dict = {}
    first = digest_value(_COMPARISON_PAGE, parts=parts)
    assert digest_value(_COMPARISON_PAGE, parts=parts) == first and len(parts) == 1
    other = dataclasses.replace(_ROW, text="Another claim")
    parts[id(other)] = (object(), b"stale")  # another object once had its id
    assert digest_value(dataclasses.replace(_COMPARISON_PAGE, claims=(other,)), parts=parts) == digest_value(
        dataclasses.replace(_COMPARISON_PAGE, claims=(other,)))


def _changed_field(value: object) -> object:
    if isinstance(value, OutletSummary):
        return dataclasses.replace(value, claims=value.claims + 1)
    if isinstance(value, tuple) and not value:
        return (_ROW,)
    if isinstance(value, tuple):
        return value[:-1]
    return _changed(value)
