"""The list of pages (render/pages.py): a watch session lists them again only when link changed what they are made of."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from digest.pipeline import build
from digest.pipeline.build import render_source
from digest.pipeline.session import SiteBuilder
from digest.render.pages import site_pages
from digest.render.publish import publishing_pages

from conftest import REPO, built_session, put_back, replace_first

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate_digest  # noqa: E402  (the benchmarks' corpus, standard library only)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "site"
    generate_digest(root, 120)
    return root


@pytest.fixture(scope="module")
def session(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> SiteBuilder:
    """A watch session over the generated site, built once for the module: a cold build of 120 articles
    costs each test more than its edit does. Each test edits the site, builds, and puts the site back
    (`conftest.put_back`), so the next starts from a built session of the unedited site, as this one did."""
    return built_session(generated, tmp_path_factory)


SIDECAR = "content/articles/a000007.yaml"

# edit -> whether the page list may be the last one
EDITS = {
    "claim text": (lambda s: replace_first(s / SIDECAR, r'^(    text: ")', r"\1Reportedly, "), True),
    "event title": (lambda s: replace_first(s / SIDECAR, r'^(    title: ")', r"\1Later: "), True),
    "nothing": (lambda s: None, True),
    "claim status": (lambda s: replace_first(s / SIDECAR, r"^    status: \w+", "    status: false"), False),
    "article date": (lambda s: replace_first(s / SIDECAR, r"^published: .*$", "published: 2024-06-01"), False),
    "outlet": (lambda s: replace_first(s / SIDECAR, r"^outlet: .*$", 'outlet: "A New Outlet"'), False),
    "claim about": (lambda s: replace_first(s / SIDECAR, r"^    about: \[", "    about: [bedar-dunkaley, "), False),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_save_lists_the_pages_again_only_when_link_changed_what_they_are_made_of(session: SiteBuilder, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    with put_back(session) as site:
        listed: list[int] = []
        monkeypatch.setattr(build, "site_pages", lambda graph: listed.append(1) or site_pages(graph))
        change, kept = EDITS[edit]
        change(site)
        result = session.build()
        monkeypatch.undo()
        assert result.ok
        assert (listed == []) == kept, "the last page list is taken as it is exactly when link kept what it is made of"
        graph = render_source(site).graph
        expected = [*site_pages(graph), *publishing_pages(list(graph.people), graph.config)]
        caches = session.caches
        assert caches.pages is not None
        assert [(page.path, page.template) for page in caches.pages[1]] == [(page.path, page.template) for page in expected]
