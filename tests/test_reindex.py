"""The graph's index updated from the last graph's (`reindex.updated_index`) equals the index made from scratch.

Edits are generated (hypothesis) over a generated site of the benchmarks' kind:
claims, events and articles changed, dated again, added and removed, people
renamed and added; after each link, the updated index must equal
`build_index` of the new graph, and the work it did must not grow with the site.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_topics import append, new_article, replace_first, seed_of, sidecar

from digest.caches import Caches
from digest.errors import Diagnostics
from digest.graph.link import link_site
from digest.graph.model import SiteGraph, build_index
from digest.graph.reindex import updated_index
from digest.source.load import load_site

from conftest import REPO
from workcount import calls

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate_digest  # noqa: E402  (the benchmarks' corpus, standard library only)

ARTICLES = 40


def link(site: Path, caches: Caches) -> SiteGraph:
    graph = link_site(load_site(site, Diagnostics(), caches=caches), Diagnostics(), caches=caches)
    assert graph is not None
    return graph


def delete_article(site: Path, number: int) -> None:
    seed_of(site, number).unlink()
    sidecar(site, number).unlink()


def drop_first_claim(site: Path, number: int) -> None:
    """Remove the sidecar's first claim (its lines up to the next entry)."""
    lines = sidecar(site, number).read_text(encoding="utf-8").split("\n")
    start = lines.index("claims:") + 1 if "claims:" in lines else None
    if start is None or start >= len(lines) or not lines[start].startswith("  - id: "):
        return
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")), len(lines))
    sidecar(site, number).write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")


def maybe(edit: Callable[[], None]) -> None:
    """An edit whose pattern this article may not have (no event, no 'about'): then nothing."""
    try:
        edit()
    except (AssertionError, FileNotFoundError, StopIteration):
        pass


EDITS: dict[str, Callable[[Path, int], None]] = {
    "claim text": lambda s, n: maybe(lambda: replace_first(sidecar(s, n), r'^(    text: ")', r"\1Reportedly, ")),
    "claim about": lambda s, n: maybe(lambda: replace_first(sidecar(s, n), r"^    about: \[", "    about: [bedar-dunkaley, ")),
    "claim gone": lambda s, n: maybe(lambda: drop_first_claim(s, n)),
    "event date": lambda s, n: maybe(lambda: replace_first(sidecar(s, n), r"^    date: .*$", f"    date: 20{10 + n % 15}-0{1 + n % 9}-1{n % 10}")),
    "article date": lambda s, n: maybe(lambda: replace_first(sidecar(s, n), r"^published: .*$", f"published: 20{10 + n % 15}-06-0{1 + n % 9}")),
    "article gone": lambda s, n: maybe(lambda: delete_article(s, n)),
    "seed names a person": lambda s, n: maybe(lambda: append(seed_of(s, n), "\nBedar Dunkaley and Dunkaley again, said Bedar Dunkaley.\n")),
    "timeline date": lambda s, n: replace_first(s / "content/timeline.yaml", r"^  date: .*$", f"  date: 20{10 + n % 15}-02-03"),
    "person name": lambda s, n: replace_first(sorted((s / "content/people").iterdir())[n % 5], r"^name: .*$", f'name: "Aaron Zed{n}"'),
    "person gone": lambda s, n: sorted((s / "content/people").iterdir())[n % 5].unlink(),
    "new person": lambda s, n: (s / f"content/people/zz-nobody-{n}.yaml").write_text(f'name: "Zed Nobody{n}"\n', encoding="utf-8"),
    "new article": lambda s, n: new_article(s),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "site"
    generate_digest(root, ARTICLES)
    return root


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(sorted(EDITS)), st.integers(0, ARTICLES - 1)), min_size=1, max_size=4))
def test_an_updated_index_equals_the_index_made_from_scratch(generated: Path, steps: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as work:
        site = Path(work) / "site"
        shutil.copytree(generated, site)
        caches = Caches()
        before = link(site, caches)
        assert before.index is not None
        for name, number in steps:
            EDITS[name](site, number)
            graph = link(site, caches)
            found = updated_index(before, graph)
            assert found is not None, "a graph linked right after another is updated from its index"
            assert found[0] == build_index(graph), steps
            graph._index = found[0]
            before = graph


def test_an_index_is_made_from_scratch_unless_the_graph_before_is_the_last_link(generated: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(generated, site)
    caches = Caches()
    zeroth = link(site, caches)
    first = link(site, caches)
    assert updated_index(zeroth, first) is None, "the graph before has no index yet"
    first.index  # noqa: B018 - made now
    second = link(site, caches)
    assert updated_index(first, second) is not None
    third = link(site, caches)
    assert updated_index(first, third) is None, "a link came between them"
    assert updated_index(first, link(site, Caches())) is None, "a first link"


@pytest.mark.parametrize(("edit", "has"), [("claim text", '\n    text: "'), ("event date", "\n    date: "), ("article date", "\npublished: ")])
def test_updating_the_index_after_one_sidecar_save_does_work_that_does_not_grow_with_the_site(tmp_path: Path, edit: str, has: str) -> None:
    """The same save on sites of 40 and 160 articles: one article's entries updated, about the same calls made
    for each (the two sites' article 7 differ, so calls are counted per article, claim and event touched)."""
    work = {}
    for articles in (40, 160):
        site = tmp_path / f"site-{articles}"
        generate_digest(site, articles)
        caches = Caches()
        before = link(site, caches)
        before.index  # noqa: B018
        EDITS[edit](site, next(n for n in range(articles) if has in sidecar(site, n).read_text(encoding="utf-8")))
        graph = link(site, caches)
        found = updated_index(before, graph)
        assert found is not None and found[0] == build_index(graph)
        update = found[1]
        assert update.articles == 1 and update.people == 0
        work[articles] = calls(lambda: updated_index(before, graph)) / (update.articles + update.claims + update.events)  # noqa: B023
    assert work[160] < 1.5 * work[40], work


def test_renaming_a_person_orders_again_the_groups_of_articles_that_name_them_by_an_alias(tmp_path: Path) -> None:
    """The basic site's articles say only "Sullivan" (an alias): renaming Jake Sullivan relinks neither
    article, yet the people each names are listed by name, so their groups must be ordered again."""
    from conftest import copy_site

    site = copy_site("basic", tmp_path)
    caches = Caches()
    before = link(site, caches)
    before.index  # noqa: B018
    replace_first(site / "content/people/jake-sullivan.yaml", r"^name: .*$", "name: Zed Sullivan")
    graph = link(site, caches)
    found = updated_index(before, graph)
    assert found is not None and found[1].articles == 0 and found[1].people == 1
    assert found[0] == build_index(graph)
    assert found[0].article_people != before.index.article_people, "the order of the people changed"
