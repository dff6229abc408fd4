"""The link stage in a session: a rebuild links again only what changed, and links it as a fresh process would."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

import digest.graph.link
from digest.caches import Caches
from digest.errors import Diagnostic, Diagnostics
from digest.graph.link import link_site
from digest.graph.model import SiteGraph
from digest.memo import ByIdentity
from digest.source.load import load_site
from digest.text.anchor import NormalisedText

from conftest import INVALID_SITES, copy_site, read_tree

ARTICLES = 12
PEOPLE = {
    "ana-cruz": ("Ana de la Cruz", ["Cruz"]),
    "ben-okafor": ("Ben Okafor", []),
    "chloe-martin": ("Chloé Martin", ["Martin"]),
}


def write_site(root: Path) -> Path:
    """A site whose articles share claims and events with each other and the timeline, and name people."""
    (root / "seeds").mkdir(parents=True)
    (root / "content/articles").mkdir(parents=True)
    (root / "content/people").mkdir(parents=True)
    (root / "content/site.yaml").write_text('title: "Linked"\nbase_url: https://example.org/\n')
    for pid, (name, aliases) in PEOPLE.items():
        (root / f"content/people/{pid}.yaml").write_text(f"name: {name}\naliases: [{', '.join(aliases)}]\n")
    (root / "content/timeline.yaml").write_text(
        "- id: summit\n  date: 2021-05-01\n  title: The summit\n  people: [ana-cruz]\n"
        "- id: vote\n  date: 2021-06\n  title: The vote\n"
    )
    for number in range(ARTICLES):
        who = list(PEOPLE.values())[number % len(PEOPLE)][0]
        (root / f"seeds/story-{number:02}.txt").write_text(
            f"Story number {number}\n\n{who} spoke in Geneva about item {number}.\n\n"
            f"Everyone agreed on point {number}, said Cruz.\n\nThe summit ended early.\n"
        )
        (root / f"content/articles/story-{number:02}.yaml").write_text(
            f"outlet: {'Outlet A' if number % 3 else 'Outlet B'}\npublished: 2021-{number % 9 + 1:02}-{number + 1:02}\n"
            "claims:\n"
            f"  - id: point-{number}\n    quote: agreed on point {number}\n    text: Point {number} was agreed.\n    status: reported\n"
            f"  - id: shared\n    quote: spoke in Geneva\n" + ("    text: Someone spoke in Geneva.\n    status: confirmed\n    about: [ana-cruz]\n" if number == 3 else "")
            + "events:\n  - id: summit\n    quote: The summit ended early\n"
            + (f"  - id: talk-{number}\n    quote: about item {number}\n    date: 2021-04\n    title: Talk {number}\n" if number % 2 else "")
        )
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


EDITS: dict[str, Callable[[Path], object]] = {
    "sidecar": lambda s: edit(s / "content/articles/story-05.yaml", "Point 5 was agreed.", "Point five was agreed."),
    "shared-field-conflict": lambda s: edit(s / "content/articles/story-07.yaml", "  - id: shared\n    quote: spoke in Geneva\n",
                                            "  - id: shared\n    quote: spoke in Geneva\n    status: disputed\n"),
    "shared-field-moved": lambda s: [edit(s / "content/articles/story-03.yaml", "    text: Someone spoke in Geneva.\n", ""),
                                     edit(s / "content/articles/story-09.yaml", "  - id: shared\n", "  - id: shared\n    text: Someone spoke.\n")],
    "shared-field-gone": lambda s: edit(s / "content/articles/story-03.yaml", "    text: Someone spoke in Geneva.\n", ""),
    "misspelt-shared-id": lambda s: edit(s / "content/articles/story-08.yaml", "id: point-8\n", "id: shared-\n"),
    "seed": lambda s: edit(s / "seeds/story-04.txt", "The summit ended early.", "The summit ended early, as planned."),
    "seed-breaks-a-quote": lambda s: edit(s / "seeds/story-04.txt", "ended early", "ended late"),
    "published": lambda s: edit(s / "content/articles/story-02.yaml", "published: 2021-03-03", "published: 2020-01-01"),
    "title": lambda s: edit(s / "seeds/story-06.txt", "Story number 6", "A story numbered 6"),
    "outlet-spelling": lambda s: edit(s / "content/articles/story-01.yaml", "outlet: Outlet A", "outlet: outlet a"),
    "slug-taken": lambda s: edit(s / "content/articles/story-10.yaml", "outlet:", "slug: story-number-11\noutlet:"),
    "draft": lambda s: edit(s / "content/articles/story-03.yaml", "outlet:", "draft: true\noutlet:"),
    "timeline": lambda s: edit(s / "content/timeline.yaml", "title: The summit", "title: The big summit"),
    "timeline-gone": lambda s: (s / "content/timeline.yaml").unlink(),
    "event-date": lambda s: edit(s / "content/articles/story-05.yaml", "date: 2021-04\n", "date: 2019-04\n"),
    "person-renamed": lambda s: edit(s / "content/people/ben-okafor.yaml", "name: Ben Okafor\naliases: []", "name: Ben T. Okafor\naliases: [Ben Okafor]"),
    "alias-removed": lambda s: edit(s / "content/people/ana-cruz.yaml", "aliases: [Cruz]", "aliases: []"),
    "alias-shared": lambda s: edit(s / "content/people/ben-okafor.yaml", "aliases: []", "aliases: [Cruz]"),
    "alias-new-word": lambda s: edit(s / "content/people/ben-okafor.yaml", "aliases: []", "aliases: [Geneva]"),
    "person-deleted": lambda s: (s / "content/people/ana-cruz.yaml").unlink(),
    "person-new": lambda s: (s / "content/people/gen-eva.yaml").write_text("name: Everyone\n"),
    "article-deleted": lambda s: [(s / "seeds/story-03.txt").unlink(), (s / "content/articles/story-03.yaml").unlink()],
    "article-renamed": lambda s: [(s / "seeds/story-05.txt").rename(s / "seeds/story-55.txt"),
                                  (s / "content/articles/story-05.yaml").rename(s / "content/articles/story-55.yaml")],
    "article-new": lambda s: [(s / "seeds/story-20.txt").write_text((s / "seeds/story-01.txt").read_text()),
                              (s / "content/articles/story-20.yaml").write_text((s / "content/articles/story-01.yaml").read_text())],
    "sidecar-deleted": lambda s: (s / "content/articles/story-07.yaml").unlink(),
    "sidecar-unreadable": lambda s: (s / "content/articles/story-07.yaml").write_text("claims: [\n"),
    "statuses": lambda s: edit(s / "content/site.yaml", 'title: "Linked"', 'title: "Linked"\nclaim_statuses:\n  reported: [Reported, As reported.]'),
    "excerpts": lambda s: edit(s / "content/site.yaml", 'title: "Linked"', 'title: "Linked"\narticle_text: excerpts'),
}


def link(root: Path, caches: Caches, changed: set[str] | None = None, drafts: bool = False) -> tuple[SiteGraph | None, list[Diagnostic]]:
    diagnostics = Diagnostics()
    loaded = load_site(root, diagnostics, changed, caches)
    graph = link_site(loaded, diagnostics, drafts=drafts, caches=caches)
    return graph, diagnostics.sorted()


def shape(graph: SiteGraph | None) -> object:
    """Everything of a graph, orders and source locations included (dataclass equality leaves them out)."""
    if graph is None:
        return None
    return (
        graph,
        list(graph.articles),
        list(graph.claims),
        list(graph.events),
        {pid: [(m.article, m.count) for m in mentions] for pid, mentions in graph.mentions.items()},
        [(c.source, [o.article for o in c.occurrences]) for c in graph.claims.values()],
        [(e.source, [o.article for o in e.occurrences]) for e in graph.events.values()],
        [[p.loc for p in a.passages] for a in graph.articles.values()],
        [p.source for p in graph.people.values()],
    )


def changed_paths(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def assert_like_a_fresh_link(root: Path, caches: Caches, changed: set[str] | None, drafts: bool = False) -> None:
    graph, problems = link(root, caches, changed, drafts)
    fresh, fresh_problems = link(root, Caches(), None, drafts)
    assert [str(d) for d in problems] == [str(d) for d in fresh_problems]
    assert shape(graph) == shape(fresh)


@pytest.mark.parametrize("drafts", [False, True], ids=["published", "drafts"])
@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_session_link_after_an_edit_equals_a_fresh_link(name, drafts, tmp_path):
    """Graph (orders and locations too) and every diagnostic, told what changed or not."""
    site = write_site(tmp_path / "site")
    caches = Caches()
    assert_like_a_fresh_link(site, caches, None, drafts)
    before = read_tree(site)
    EDITS[name](site)
    assert_like_a_fresh_link(site, caches, changed_paths(before, read_tree(site)), drafts)
    assert_like_a_fresh_link(site, caches, set(), drafts)  # nothing changed: the kept results report the same


def test_a_long_session_of_edits_stays_like_a_fresh_link(tmp_path):
    """Every edit after the other in one session, none undone: the memory of each link feeds the next."""
    site = write_site(tmp_path / "site")
    caches = Caches()
    link(site, caches)
    for name in sorted(EDITS):
        before = read_tree(site)
        try:
            EDITS[name](site)
        except (AssertionError, FileNotFoundError):  # an earlier edit took what this one edits: whatever it did stands
            pass
        assert_like_a_fresh_link(site, caches, changed_paths(before, read_tree(site)))


@pytest.mark.parametrize("case", sorted(p.name for p in INVALID_SITES.iterdir() if (p / "content/site.yaml").exists()))
def test_an_invalid_site_reached_by_edits_reports_what_a_fresh_process_reports(case, tmp_path):
    """From the good basic site to each invalid fixture, file by file, in one session."""
    site = copy_site("basic", tmp_path)
    caches = Caches()
    link(site, caches)
    before = read_tree(site)
    for path in before:
        if path.startswith(("content/", "seeds/")):
            (site / path).unlink()
    for path, data in read_tree(INVALID_SITES / case).items():
        if path.startswith(("content/", "seeds/")):
            (site / path).parent.mkdir(parents=True, exist_ok=True)
            (site / path).write_bytes(data)
    assert_like_a_fresh_link(site, caches, changed_paths(before, read_tree(site)), drafts=True)


def count_article_links(monkeypatch) -> list[str]:
    linked: list[str] = []
    original = digest.graph.link._link_article

    def counting(seed, *args, **kwargs):
        linked.append(seed.stem)
        return original(seed, *args, **kwargs)

    monkeypatch.setattr(digest.graph.link, "_link_article", counting)
    return linked


def test_a_sidecar_edit_links_its_article_and_no_other(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site")
    caches = Caches()
    linked = count_article_links(monkeypatch)
    link(site, caches)
    assert len(linked) == ARTICLES
    linked.clear()
    EDITS["sidecar"](site)
    link(site, caches, {"content/articles/story-05.yaml"})
    assert linked == ["story-05"]
    linked.clear()
    link(site, caches, set())
    assert linked == [], "nothing changed: nothing is linked again"


def test_merging_again_is_limited_to_the_entities_an_edit_touches(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site")
    caches = Caches()
    merged: list[tuple[str, str]] = []
    original = digest.graph.link.merge_entity
    monkeypatch.setattr(digest.graph.link, "merge_entity", lambda kind, eid, *rest: merged.append((kind, eid)) or original(kind, eid, *rest))
    link(site, caches)
    merged.clear()
    EDITS["sidecar"](site)
    link(site, caches, {"content/articles/story-05.yaml"})
    assert sorted(merged) == [("claim", "point-5"), ("claim", "shared"), ("event", "summit"), ("event", "talk-5")]


@pytest.mark.parametrize(("name", "relinked"), [
    ("person-renamed", []),  # the new spelling "Ben T. Okafor" is in no article
    ("alias-new-word", [f"story-{n:02}" for n in range(ARTICLES)]),  # every article says "Geneva"
    ("alias-removed", [f"story-{n:02}" for n in range(ARTICLES)]),  # every article says "Cruz"
])
def test_a_person_edit_links_again_only_articles_that_may_name_a_changed_spelling(name, relinked, tmp_path, monkeypatch):
    site = write_site(tmp_path / "site")
    caches = Caches()
    linked = count_article_links(monkeypatch)
    link(site, caches)
    linked.clear()
    before = read_tree(site)
    EDITS[name](site)
    graph, _ = link(site, caches, changed_paths(before, read_tree(site)))
    assert sorted(linked) == relinked
    fresh, _ = link(site, Caches())
    assert shape(graph) == shape(fresh)


def test_an_article_s_text_is_normalised_only_to_anchor_a_quote_again_and_not_kept(tmp_path, monkeypatch):
    """Its normalised text is as large as the text: made when a quote is anchored, dropped after. A person
    edit that links every article again anchors nothing (each entry is unchanged), so it normalises none."""
    site = write_site(tmp_path / "site")
    caches = Caches()
    normalised: list[int] = []
    original = digest.graph.link.normalise_blocks
    monkeypatch.setattr(digest.graph.link, "normalise_blocks", lambda blocks: normalised.append(len(blocks)) or original(blocks))
    link(site, caches)
    assert len(normalised) == ARTICLES, "once per article, however many quotes it anchors"
    normalised.clear()
    EDITS["sidecar"](site)
    link(site, caches, {"content/articles/story-05.yaml"})
    assert len(normalised) == 1, "the edited sidecar's article alone"
    normalised.clear()
    linked = count_article_links(monkeypatch)
    before = read_tree(site)
    EDITS["alias-removed"](site)
    link(site, caches, changed_paths(before, read_tree(site)))
    assert len(linked) == ARTICLES and normalised == [], "every article linked again, no quote anchored again"
    assert not any(isinstance(value, NormalisedText) for value in _everything_in(caches)), "no normalised text is kept"


def test_an_article_s_names_are_the_lists_found_in_its_blocks_unless_a_link_or_highlight_cuts_one(tmp_path):
    """Names found in a block are kept once: the article's list for a block is the one `find_names_cached` keeps,
    unless a match had to go (inside a link, across a quote's edge)."""
    site = write_site(tmp_path / "site")
    edit(site / "seeds/story-04.txt", "Everyone agreed", "Ben Okafor agreed")
    edit(site / "content/articles/story-04.yaml", "quote: agreed on point 4", "quote: Okafor agreed on point 4")
    caches = Caches()
    graph, _ = link(site, caches)
    assert graph is not None
    found = {id(names) for names in caches.names_in_block.values()}
    for article in graph.articles.values():
        for block, names in zip(article.text.blocks, article.names, strict=True):
            cut = article.stem == "story-04" and "Ben Okafor agreed" in block.text
            assert (id(names) in found) != cut or not block.link_people, (article.stem, block.text)
    story = graph.articles["story-04"]
    assert [m.person for m in story.names[1]] == ["ana-cruz"], "Ben Okafor's name runs across the quote's edge: left out"


def _everything_in(caches: Caches) -> list[object]:
    """The values of every table of ``caches`` (`ByIdentity` tables through their saved form)."""
    found: list[object] = []
    for field in dataclasses.fields(caches):
        table = getattr(caches, field.name)
        if isinstance(table, dict):
            found += table.values()
        elif isinstance(table, ByIdentity):
            found += [value for _, _, value in table.__getstate__()[1]]
    return found


def test_a_kept_result_is_not_changed_by_later_links(tmp_path):
    """A graph shares unchanged articles, claims and lists with the one before: later links must leave them be."""
    site = write_site(tmp_path / "site")
    caches = Caches()
    first, _ = link(site, caches)
    snapshot = repr(shape(first))
    for name in ("shared-field-conflict", "published", "person-renamed", "timeline", "article-deleted"):
        before = read_tree(site)
        EDITS[name](site)
        link(site, caches, changed_paths(before, read_tree(site)))
    assert repr(shape(first)) == snapshot


def test_a_watch_rebuild_links_the_saved_article_alone_and_reports_what_a_fresh_session_reports(tmp_path, monkeypatch):
    from digest.pipeline.session import SiteBuilder

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search=False)
    assert builder.build().ok
    linked = count_article_links(monkeypatch)
    edit(site / "content/articles/plain-one.yaml", "the talks were", "the talk was")  # the quote is no longer found
    broken = builder.build({"content/articles/plain-one.yaml"})
    assert linked == ["plain-one"]
    fresh = SiteBuilder(site, tmp_path / "fresh", search=False).build()
    assert not broken.ok and [str(d) for d in broken.diagnostics] == [str(d) for d in fresh.diagnostics]
    linked.clear()
    edit(site / "content/articles/plain-one.yaml", "the talk was", "the talks were")
    assert builder.build({"content/articles/plain-one.yaml"}).ok and linked == ["plain-one"]
