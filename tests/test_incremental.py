"""Incremental rebuilds: exactly the affected pages, byte-identical to a clean build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.pipeline.session import SiteBuilder
from digest.pipeline.write import OWNER_MARK

from conftest import copy_site, read_tree, run_cli

PLAIN = "articles/leaders-trade-words-over-ukraine/index.html"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def clean_build(site: Path, out: Path) -> dict[str, bytes]:
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    return read_tree(out)


CHANGES = {
    "seed": lambda s: edit(s / "seeds/plain-one.txt", "not useful either.", "not useful either, he added."),
    "sidecar": lambda s: edit(s / "content/articles/plain-one.yaml", "Russian forces will not advance this winter.", "Russian troops will not advance this winter."),
    "person": lambda s: edit(s / "content/people/sean-obrien.yaml", "role: Spokesperson", "role: Press secretary"),
    "alias": lambda s: edit(s / "content/people/jake-sullivan.yaml", "aliases: [Sullivan]", "aliases: []"),
    "timeline": lambda s: edit(s / "content/timeline.yaml", "title: Russia invades Ukraine", "title: Russia launches its invasion"),
    "template": lambda s: _override_template(s),
    "stylesheet": lambda s: _override_stylesheet(s),
    "site": lambda s: edit(s / "content/site.yaml", 'title: "Basic test digest"', 'title: "Renamed digest"'),
    "delete-person": lambda s: (s / "content/people/sean-obrien.yaml").unlink(),
    "delete-article": lambda s: [(s / "content/articles/markdown-two.yaml").unlink(), (s / "seeds/markdown-two.md").unlink()],
    "rename-article": lambda s: [(s / "seeds/plain-one.txt").rename(s / "seeds/plain-renamed.txt"),
                                 (s / "content/articles/plain-one.yaml").rename(s / "content/articles/plain-renamed.yaml")],
    "new-person": lambda s: (s / "content/people/leaders.yaml").write_text("name: Leaders\n"),
}

# Pages a change must re-render, exactly, where it is easy to say by hand.
EXPECTED_RENDERED = {
    "seed": {PLAIN},
    "template": {"claims/no-winter-advance/index.html", "claims/talks-not-useful/index.html"},
}


def _override_template(site: Path) -> None:
    from digest.source.theme import builtin_theme

    folder = site / "themes/default/templates"
    folder.mkdir(parents=True)
    source = (builtin_theme() / "templates/claim.html").read_text()
    (folder / "claim.html").write_text(source.replace("How each outlet words it", "How each outlet puts it"))


def _override_stylesheet(site: Path) -> None:
    from digest.source.theme import builtin_theme

    folder = site / "themes/default/static"
    folder.mkdir(parents=True)
    (folder / "style.css").write_text((builtin_theme() / "static/style.css").read_text() + "\n/* changed */\n")


def changed_sources(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    """What a watcher would report: paths added, removed or changed."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


@pytest.mark.parametrize("told", [True, False], ids=["told-what-changed", "not-told"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_incremental_build_equals_clean_build_and_writes_only_changes(change, told, tmp_path, basic_build):
    """With and without the watcher's list of changed files (it only orders the work). The clean build
    before the change is the session's one of the basic site (`basic_build`), the same for every change."""
    site = copy_site("basic", tmp_path)
    before = read_tree(basic_build)
    builder = SiteBuilder(site, tmp_path / "live")
    first = builder.build()
    assert first.ok and read_tree(tmp_path / "live") == before

    sources = read_tree(site)
    CHANGES[change](site)
    rebuild = builder.build(changed_sources(sources, read_tree(site)) if told else None)
    assert rebuild.ok, [str(d) for d in rebuild.diagnostics]
    after = clean_build(site, tmp_path / "after")

    assert read_tree(tmp_path / "live") == after
    changed = {path for path, data in after.items() if before.get(path) != data}
    assert set(rebuild.written) == changed
    assert set(rebuild.removed) == set(before) - set(after)
    pages = {p for p in after if not p.startswith(("assets/", "pagefind/")) and p not in ("extra.txt", OWNER_MARK)}  # rendered, not copied or indexed
    if change in ("site", "stylesheet"):  # every page shows the title and links the (hashed) stylesheet
        assert set(rebuild.rendered) == pages
    else:
        assert set(rebuild.rendered) < pages, "a change re-renders only what it affects"
    if change in EXPECTED_RENDERED:
        assert set(rebuild.rendered) == EXPECTED_RENDERED[change]


def test_without_hashed_names_a_stylesheet_change_renders_no_page(tmp_path):
    """The dev server's mode: a CSS edit rewrites the stylesheet alone, so pages can swap it live."""
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", hash_assets=False)
    builder.build()
    _override_stylesheet(site)
    rebuild = builder.build()
    assert rebuild.rendered == [] and rebuild.written == ["assets/style.css"]


def test_no_change_renders_and_writes_nothing(tmp_path):
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    builder.build()
    again = builder.build()
    assert again.ok and again.rendered == [] and again.written == [] and again.removed == []


def test_failed_build_keeps_the_site_and_the_next_good_one_recovers(tmp_path):
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    builder.build()
    good = read_tree(tmp_path / "live")
    sidecar = site / "content/articles/plain-one.yaml"
    original = sidecar.read_text()
    sidecar.write_text(original.replace("status: reported", "status: reportd"))
    failed = builder.build()
    assert not failed.ok
    assert [str(d) for d in failed.errors] == ["content/articles/plain-one.yaml:10:13: error: unknown status 'reportd' (did you mean 'reported'?); known: confirmed, reported, unverified, disputed, denied, false"]
    assert read_tree(tmp_path / "live") == good
    sidecar.write_text(original.replace("The talks were not useful.", "The talks were useless."))
    recovered = builder.build()
    assert recovered.ok and "claims/talks-not-useful/index.html" in recovered.written
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_output_deleted_under_a_session_is_rebuilt_in_full(tmp_path):
    import shutil

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    builder.build()
    shutil.rmtree(tmp_path / "live")
    assert builder.build().ok
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_the_saved_articles_page_is_written_before_any_other_file(tmp_path, monkeypatch):
    import digest.pipeline.session
    import digest.pipeline.write

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    builder.build()
    order: list[str] = []
    original = digest.pipeline.write.replace_file

    def spy(target: Path, data: bytes) -> None:
        order.append(target.relative_to(tmp_path / "live").as_posix())
        original(target, data)

    monkeypatch.setattr(digest.pipeline.session, "replace_file", spy)
    monkeypatch.setattr(digest.pipeline.write, "replace_file", spy)
    CHANGES["sidecar"](site)
    rebuild = builder.build({"content/articles/plain-one.yaml"})
    assert rebuild.ok
    assert order[0] == PLAIN
    assert len(order) > 1 and order.count(PLAIN) == 1, "the early page is not written twice"
    assert PLAIN in rebuild.written and PLAIN in rebuild.rendered
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_person_files_page_comes_first_for_a_person_edit(tmp_path, monkeypatch):
    import digest.pipeline.session

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    builder.build()
    early: list[str] = []
    original = SiteBuilder._deliver

    def spy(self, path, data, previous, delivered):
        early.append(path)
        original(self, path, data, previous, delivered)

    monkeypatch.setattr(digest.pipeline.session.SiteBuilder, "_deliver", spy)
    CHANGES["person"](site)
    assert builder.build({"content/people/sean-obrien.yaml"}).ok
    assert early[0] == "people/sean-obrien/index.html", early
    naming = {path for path, data in read_tree(tmp_path / "live").items()
              if path.startswith("articles/") and path.count("/") == 2 and b'href="/basic/people/sean-obrien/"' in data}
    assert naming and naming <= set(early), "the articles that name the person come before the rest of the build"
    assert all(path.startswith(("people/sean-obrien/", "articles/", "claims/")) for path in early), early
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_page_written_early_is_put_back_when_the_build_then_fails(tmp_path):
    """The saved article renders, but another page's template is broken: the last good site stays whole."""
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    builder.build()
    good = read_tree(tmp_path / "live")
    CHANGES["sidecar"](site)
    folder = site / "themes/default/templates"
    folder.mkdir(parents=True)
    (folder / "claim.html").write_text('{% extends "base.html" %}{% block content %}{{ claim.no_such_field }}{% endblock %}')
    failed = builder.build({"content/articles/plain-one.yaml", "themes/default/templates/claim.html"})
    assert not failed.ok and failed.errors[0].code == "template"
    assert read_tree(tmp_path / "live") == good


def test_source_keys_name_the_entities_whose_own_files_changed():
    from digest.pipeline.session import source_keys

    assert source_keys([
        "seeds/a.txt", "seeds/b.md", "content/articles/c.yaml", "content/people/d.yaml",
        "content/timeline.yaml", "content/site.yaml", "themes/default/templates/article.html",
        "seeds/notes", "content/articles/sub/e.yaml", "seeds/f.rst",
    ]) == {"article:a", "article:b", "article:c", "person:d"}


def test_a_watch_build_rereads_a_file_whose_stat_changed_even_if_the_watcher_missed_it(tmp_path):
    """Told what changed, a build skips reading files whose stat is as it was; a file the
    watcher did not name but whose size, times or inode differ is still read again."""
    import os

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    builder.build()
    sidecar = site / "content/articles/plain-one.yaml"
    before = sidecar.stat()
    CHANGES["sidecar"](site)  # same length: "forces" -> "troops" is not; keep the times too
    os.utime(sidecar, ns=(before.st_atime_ns, before.st_mtime_ns))
    rebuild = builder.build(set())
    assert rebuild.ok and PLAIN in rebuild.written
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_watch_build_reuses_files_the_watcher_did_not_name(tmp_path, monkeypatch):
    import digest.source.load

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    builder.build()
    read: list[str] = []
    original = digest.source.load._read_text
    monkeypatch.setattr(digest.source.load, "_read_text", lambda root, rel, diagnostics: read.append(rel) or original(root, rel, diagnostics))
    CHANGES["seed"](site)
    assert builder.build({"seeds/plain-one.txt"}).ok
    assert read == ["seeds/plain-one.txt"], "only the named seed is read again, once (the quick look's read is trusted by the whole load)"
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


# --- the split lists: an edit renders only the list pages that show what it changed ---

ARCHIVE = 24
"""Articles added to the basic site: one a month from January 2020, each with a claim and an event."""


def archive_site(tmp_path: Path) -> Path:
    site = copy_site("basic", tmp_path)
    for number in range(ARCHIVE):
        stem, year, month = f"archive-{number:02d}", 2020 + number // 12, 1 + number % 12
        (site / "seeds" / f"{stem}.txt").write_text(f"Archive story {number}\nVladimir Putin spoke about item {number}.\n")
        (site / "content/articles" / f"{stem}.yaml").write_text(
            f"outlet: Outlet {'One' if number % 2 else 'Two'}\npublished: {year}-{month:02d}-15\n"
            f"claims:\n  - id: archive-claim-{number:02d}\n    text: Archive claim {number}.\n    status: {'confirmed' if number % 3 else 'disputed'}\n"
            f"events:\n  - id: archive-event-{number:02d}\n    date: {year}-{month:02d}-10\n    title: Archive event {number}\n"
        )
    return site


@pytest.fixture
def split_lists(monkeypatch):
    """Lower the whole-list limits below the archive's size, so that its lists are split as a large digest's are."""
    import digest.views.listing
    for name in ("WHOLE_TIMELINE_MAX", "WHOLE_CLAIMS_MAX", "WHOLE_ARTICLES_MAX"):
        monkeypatch.setattr(digest.views.listing, name, 10)


def list_pages_rendered_by(change, tmp_path: Path) -> set[str]:
    """The list pages an incremental build renders after ``change``; its output must equal a clean build's."""
    site = archive_site(tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    change(site)
    rebuild = builder.build()
    assert rebuild.ok, [str(d) for d in rebuild.diagnostics]
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")
    return {path for path in rebuild.rendered if LIST_PAGES.fullmatch(path)}


LIST_PAGES = re.compile(r"index\.html|feed\.xml|(articles|claims|people)/index\.html|articles/\d{4}/\d\d/.*|claims/status/.*|people/page/.*|(timeline|compare|outlets)/.*")


@pytest.mark.usefixtures("split_lists")
def test_editing_an_old_article_renders_its_month_and_no_other_list_of_articles(tmp_path):
    rendered = list_pages_rendered_by(lambda s: edit(s / "content/articles/archive-03.yaml", "published: 2020-04-15", "published: 2020-04-15\ntitle: Renamed story"), tmp_path)
    assert rendered == {
        "articles/2020/04/index.html",  # the month that lists it
        "outlets/outlet-one/index.html",  # its outlet's articles
        "timeline/2020/index.html",  # its event's sources name it
        "compare/index.html",  # the rows of its claim and event hold its summary
        "feed.xml",  # the site's 26 articles all fit in the feed
    }


@pytest.mark.usefixtures("split_lists")
def test_editing_an_event_renders_its_own_year_and_no_other(tmp_path):
    rendered = list_pages_rendered_by(lambda s: edit(s / "content/articles/archive-03.yaml", "title: Archive event 3", "title: Archive event three"), tmp_path)
    assert {path for path in rendered if path.startswith("timeline/")} == {"timeline/2020/index.html", "timeline/2020/filter.css"}
    assert rendered - {"timeline/2020/index.html", "timeline/2020/filter.css"} == {"compare/index.html", "outlets/outlet-one/index.html"}


@pytest.mark.usefixtures("split_lists")
def test_changing_a_status_renders_the_two_statuses_and_the_counts_only(tmp_path):
    rendered = list_pages_rendered_by(lambda s: edit(s / "content/articles/archive-04.yaml", "status: confirmed", "status: disputed"), tmp_path)
    assert rendered == {
        "claims/status/confirmed/index.html", "claims/status/disputed/index.html",  # the lists it leaves and joins
        "claims/index.html", "index.html",  # the counts by status
        "compare/index.html", "outlets/outlet-two/index.html",  # its row's badge
        "feed.xml",  # its article's entry gives its claims' statuses
    }


@pytest.mark.usefixtures("split_lists")
def test_editing_a_persons_role_renders_their_page_of_the_people_and_not_the_article_lists(tmp_path):
    rendered = list_pages_rendered_by(lambda s: edit(s / "content/people/sean-obrien.yaml", "role: Spokesperson", "role: Press secretary"), tmp_path)
    assert "people/index.html" in rendered
    assert not {path for path in rendered if path.startswith(("articles/", "claims/", "timeline/", "compare/", "outlets/"))}


@pytest.mark.usefixtures("split_lists")
def test_adding_an_article_renders_its_month_and_the_counts_not_the_other_months(tmp_path):
    def add(site: Path) -> None:
        (site / "seeds/added.txt").write_text("An added story\nIts text.\n")
        (site / "content/articles/added.yaml").write_text("outlet: Outlet One\npublished: 2020-06-20\n")

    assert list_pages_rendered_by(add, tmp_path) == {
        "articles/2020/06/index.html",  # its month
        "articles/index.html", "index.html", "outlets/index.html",  # the counts of articles
        "outlets/outlet-one/index.html", "feed.xml",  # its outlet's articles; the feed's 50 newest
    }


def test_while_the_timeline_fits_an_event_edit_renders_its_year_and_the_whole_timeline(tmp_path):
    rendered = list_pages_rendered_by(lambda s: edit(s / "content/articles/archive-03.yaml", "title: Archive event 3", "title: Archive event three"), tmp_path)
    assert {path for path in rendered if path.startswith("timeline/")} == {
        "timeline/index.html", "timeline/2020/index.html", "timeline/2020/filter.css", "timeline/filter.css"}


@pytest.mark.parametrize("limit", ["WHOLE_TIMELINE_MAX", "WHOLE_CLAIMS_MAX", "WHOLE_ARTICLES_MAX"])
def test_growing_past_a_limit_splits_the_list_and_shrinking_joins_it_as_a_clean_build_would(limit, tmp_path, monkeypatch):
    import digest.views.listing
    size = {"WHOLE_TIMELINE_MAX": 28, "WHOLE_CLAIMS_MAX": 26, "WHOLE_ARTICLES_MAX": 26}[limit]  # the archive's events, claims, articles
    monkeypatch.setattr(digest.views.listing, limit, size)  # all of it fits, and one more does not
    site = archive_site(tmp_path)
    builder = SiteBuilder(site, tmp_path / "live")
    assert builder.build().ok
    index = {"WHOLE_TIMELINE_MAX": "timeline/index.html", "WHOLE_CLAIMS_MAX": "claims/index.html", "WHOLE_ARTICLES_MAX": "articles/index.html"}[limit]
    whole = (tmp_path / "live" / index).read_bytes()
    added = site / "content/articles/added.yaml"
    (site / "seeds/added.txt").write_text("Added story\nIts text.\n")
    for number in range(3):
        added.write_text("outlet: Outlet One\npublished: 2021-06-20\n" + (
            "claims:\n  - id: added-claim\n    text: Added claim.\n    status: confirmed\n"
            "events:\n  - id: added-event\n    date: 2021-06-01\n    title: Added event\n" if number else ""))
        if number == 2:
            (site / "seeds/added-two.txt").write_text("Another story\nIts text.\n")
            (site / "content/articles/added-two.yaml").write_text(
                "outlet: Outlet Two\npublished: 2021-07-20\nclaims:\n  - id: added-claim-two\n    text: Another claim.\n    status: disputed\n"
                "events:\n  - id: added-event-two\n    date: 2021-07-01\n    title: Another event\n")
        rebuild = builder.build()
        assert rebuild.ok, [str(d) for d in rebuild.diagnostics]
        assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / f"clean-{number}")
    assert index in rebuild.rendered and (tmp_path / "live" / index).read_bytes() != whole
    split = (tmp_path / "live" / index).read_bytes()
    for path in (site / "content/articles/added-two.yaml", site / "seeds/added-two.txt", added, site / "seeds/added.txt"):
        path.unlink()
    rebuild = builder.build()
    assert rebuild.ok and index in rebuild.rendered
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean-back")
    assert (tmp_path / "live" / index).read_bytes() == whole != split
