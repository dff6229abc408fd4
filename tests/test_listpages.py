"""The split list pages: what each shows, their navigation, and the page-size boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.views.listing import (
    ARTICLES_PER_PAGE,
    CLAIMS_PER_PAGE,
    COMPARE_ROWS_PER_PAGE,
    LATEST_ARTICLES,
    LATEST_CLAIMS,
    OUTLET_ROWS_PER_PAGE,
    PEOPLE_PER_PAGE,
    PERSON_ROWS_PER_PAGE,
    WHOLE_ARTICLES_MAX,
    WHOLE_CLAIMS_MAX,
    WHOLE_TIMELINE_MAX,
)

from conftest import copy_site, run_cli
from sitecheck import broken_links, page

BASE = "/basic/"


def build(site: Path, out: Path) -> Path:
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    assert broken_links(out, BASE) == []
    return out


def add_article(site: Path, stem: str, published: str, claims: list[str] = (), outlet: str = "Outlet Three", title: str = "", text: str = "") -> None:
    """An article of its own, with claims (no quotes needed) of the given statuses."""
    title = title or f"Article {stem}"
    (site / "seeds" / f"{stem}.txt").write_text(f"{title}\n{text or f'A paragraph of text about {stem}.'}\n")
    lines = [f"outlet: {outlet}", f"published: {published}"]
    if claims:
        lines.append("claims:")
        for number, status in enumerate(claims):
            lines += [f"  - id: {stem}-claim-{number:04d}", f"    text: Claim {number} of {stem}.", f"    status: {status}"]
    (site / "content/articles" / f"{stem}.yaml").write_text("\n".join(lines) + "\n")


def nav(soup) -> dict:
    """The pagination navigation as data: status line, links, the current page, rel links."""
    found = soup.select('nav[aria-label="Pagination"]')
    if not found:
        return {}
    [pagination] = found
    return {
        "status": pagination.select_one(".page-status").get_text(),
        "current": [a.get_text() for a in pagination.select("a[aria-current='page']")],
        "prev": [a["href"] for a in pagination.select("a[rel='prev']")],
        "next": [a["href"] for a in pagination.select("a[rel='next']")],
    }


@pytest.mark.parametrize("count", [CLAIMS_PER_PAGE, CLAIMS_PER_PAGE + 1])
def test_a_status_fills_pages_of_claims_to_the_boundary(count, tmp_path):
    site = copy_site("basic", tmp_path, search=False)
    add_article(site, "many", "2022-10-01", ["disputed"] * count)
    out = build(site, tmp_path / "out")
    first = page(out, "claims/status/disputed/")
    assert len(first.select(".claim-list [data-claim]")) == CLAIMS_PER_PAGE
    if count == CLAIMS_PER_PAGE:
        assert nav(first) == {} and not (out / "claims/status/disputed/page").exists()
        assert first.title.get_text() == "Claims: Disputed — Basic test digest"
        return
    assert first.title.get_text() == "Claims: Disputed, page 1 of 2 — Basic test digest"
    assert nav(first) == {"status": f"Page 1 of 2: claims 1–{CLAIMS_PER_PAGE} of {count}", "current": ["Page 1"],
                          "prev": [], "next": ["/basic/claims/status/disputed/page/2/"]}
    second = page(out, "claims/status/disputed/page/2/")
    assert [li["data-claim"] for li in second.select(".claim-list [data-claim]")] == [f"many-claim-{CLAIMS_PER_PAGE:04d}"]
    assert second.title.get_text() == "Claims: Disputed, page 2 of 2 — Basic test digest"
    assert nav(second) == {"status": f"Page 2 of 2: claims {count} of {count}", "current": ["Page 2"],
                           "prev": ["/basic/claims/status/disputed/"], "next": []}
    assert not (out / "claims/status/disputed/page/3").exists()


def test_the_claims_index_counts_each_status_and_links_only_those_with_claims(basic_build):
    soup = page(basic_build, "claims/")
    rows = {li["data-status"]: li.select_one(".status-count") for li in soup.select(".status-index li")}
    assert list(rows) == ["confirmed", "reported", "unverified", "disputed", "denied", "false"]
    assert rows["reported"].name == "a" and rows["reported"]["href"] == "/basic/claims/status/reported/"
    assert rows["reported"].get_text() == "1 claim Reported" and rows["unverified"].get_text() == "1 claim Unverified"
    assert rows["confirmed"].name == "span" and not (basic_build / "claims/status/confirmed").exists()
    assert not soup.select(".status-index [data-claim]"), "the index counts claims; the status pages list them"
    status = page(basic_build, "claims/status/reported/")
    assert [li["data-claim"] for li in status.select(".claim-list [data-claim]")] == ["talks-not-useful"]
    assert [a.get_text() for a in status.select('nav[aria-label="Statuses"] a')] == ["Reported", "Unverified"]
    assert status.select_one('nav[aria-label="Statuses"] a[aria-current="page"]').get_text() == "Reported"


@pytest.mark.parametrize("count", [ARTICLES_PER_PAGE, ARTICLES_PER_PAGE + 1])
def test_a_month_fills_pages_of_articles_to_the_boundary(count, tmp_path):
    site = copy_site("basic", tmp_path, search=False)
    for number in range(count - 2):  # the basic site has two articles of November 2022
        add_article(site, f"n{number:04d}", f"2022-11-{1 + number % 28:02d}")
    out = build(site, tmp_path / "out")
    first = page(out, "articles/2022/11/")
    assert len(first.select(".article-list li")) == ARTICLES_PER_PAGE
    if count == ARTICLES_PER_PAGE:
        assert nav(first) == {} and first.title.get_text() == "Articles: November 2022 — Basic test digest"
        return
    assert first.title.get_text() == "Articles: November 2022, page 1 of 2 — Basic test digest"
    second = page(out, "articles/2022/11/page/2/")
    assert len(second.select(".article-list li")) == 1
    assert nav(second)["prev"] == ["/basic/articles/2022/11/"] and nav(second)["current"] == ["Page 2"]
    index = page(out, "articles/")
    assert len(index.select(".article-list li")) == count, f"{count} articles fit on the index: it lists them all"


def test_articles_are_filed_by_month_newest_first_with_the_undated_last(tmp_path):
    site = copy_site("basic", tmp_path, search=False)
    add_article(site, "march", "2021-03-05")
    add_article(site, "january", "2022-01-20")
    (site / "seeds/loose.txt").write_text("A seed without a sidecar\nIts text.\n")
    add_article(site, "named-undated", "2021-03-06", title="Undated")  # its slug is 'undated'
    out = build(site, tmp_path / "out")
    index = page(out, "articles/")
    archive = [(li.h3.get_text(), [(a.get_text(), a["href"]) for a in li.select("a")]) for li in index.select(".archive-list > li")]
    assert archive == [
        ("2022", [("November", "/basic/articles/2022/11/"), ("January", "/basic/articles/2022/01/")]),
        ("2021", [("March", "/basic/articles/2021/03/")]),
        ("Undated", [("Articles without a publication date", "/basic/articles/undated-2/")]),
    ]
    assert page(out, "articles/undated/").h1.get_text() == "Undated", "the article keeps its own URL"
    undated = page(out, "articles/undated-2/")
    assert [a.get_text() for a in undated.select(".article-list a.article-title")] == ["A seed without a sidecar"]
    march = page(out, "articles/2021/03/")
    assert [a.get_text() for a in march.select(".article-list a.article-title")] == ["Undated", "Article march"]
    steps = {a.get_text(): a["href"] for a in march.select('nav[aria-label="Other months"] a')}
    assert steps == {"← Newer: January 2022": "/basic/articles/2022/01/", "All months": "/basic/articles/",
                     "Older: Undated →": "/basic/articles/undated-2/"}


@pytest.mark.parametrize("count", [PEOPLE_PER_PAGE, PEOPLE_PER_PAGE + 1])
def test_the_people_fill_pages_a_to_z_to_the_boundary(count, tmp_path):
    site = copy_site("basic", tmp_path, search=False)
    for number in range(count - 4):  # the basic site has four people
        (site / f"content/people/extra-{number:04d}.yaml").write_text(f"name: Extra Person {number:04d}\n")
    out = build(site, tmp_path / "out")
    first = page(out, "people/")
    names = [a.get_text() for a in first.select(".people-list a[data-person]")]
    assert len(names) == PEOPLE_PER_PAGE and names == sorted(names, key=str.casefold)
    if count == PEOPLE_PER_PAGE:
        assert nav(first) == {} and first.title.get_text() == "People — Basic test digest"
        return
    assert first.title.get_text() == "People, page 1 of 2 — Basic test digest"
    second = page(out, "people/page/2/")
    assert [a.get_text() for a in second.select(".people-list a[data-person]")] == ["Volodymyr Zelensky"]
    assert second.title.get_text() == "People, page 2 of 2 — Basic test digest"
    assert nav(second) == {"status": f"Page 2 of 2: people {count} of {count}", "current": ["Page 2"],
                           "prev": ["/basic/people/"], "next": []}
    home = page(out, "")
    assert len(home.select(".people-chips li")) == 12 and home.select_one("main a[href='/basic/people/']").get_text() == f"All {count} people"


@pytest.mark.parametrize("count", [COMPARE_ROWS_PER_PAGE, COMPARE_ROWS_PER_PAGE + 1])
def test_the_comparison_fills_pages_of_rows_claims_then_events(count, tmp_path):
    site = copy_site("basic", tmp_path, search=False)
    add_article(site, "many", "2022-10-01", ["reported"] * (count - 6))  # the basic site has 2 claims and 4 events
    out = build(site, tmp_path / "out")
    first = page(out, "compare/")
    assert len(first.select("tr[data-claim]")) == count - 4 and len(first.select("tr[data-event]")) == COMPARE_ROWS_PER_PAGE - (count - 4)
    if count == COMPARE_ROWS_PER_PAGE:
        assert nav(first) == {} and first.title.get_text() == "Outlets compared — Basic test digest"
        return
    assert first.title.get_text() == "Outlets compared, page 1 of 2 — Basic test digest"
    second = page(out, "compare/page/2/")
    assert [tr["data-event"] for tr in second.select("tr[data-event]")] == ["kyiv-meeting"] and not second.select("tr[data-claim]")
    assert second.select_one("#compare-events .muted").get_text() == "4 of 4"
    assert nav(second)["prev"] == ["/basic/compare/"]


def test_a_claim_page_links_its_row_on_the_comparison_page_that_shows_it(tmp_path):
    site = copy_site("basic", tmp_path, search=False)
    add_article(site, "many", "2022-10-01", ["reported"] * COMPARE_ROWS_PER_PAGE)
    out = build(site, tmp_path / "out")  # checks that every link and fragment resolves
    link = page(out, "claims/talks-not-useful/").select_one("main a[href*='compare/']")["href"]
    assert link == "/basic/compare/page/2/#claim-talks-not-useful"
    assert page(out, "claims/many-claim-0000/").select_one("main a[href*='compare/']")["href"] == "/basic/compare/#claim-many-claim-0000"


@pytest.mark.parametrize("count", [OUTLET_ROWS_PER_PAGE, OUTLET_ROWS_PER_PAGE + 1])
def test_an_outlets_page_fills_pages_to_the_boundary(count, tmp_path):
    site = copy_site("basic", tmp_path, search=False)
    add_article(site, "many", "2022-10-01", ["reported"] * count)
    out = build(site, tmp_path / "out")
    first = page(out, "outlets/outlet-three/")
    assert len(first.select("#outlet-claims ~ .claim-list [data-claim]")) == OUTLET_ROWS_PER_PAGE
    assert len(first.select("#outlet-articles ~ ul a.article-title")) == 1
    if count == OUTLET_ROWS_PER_PAGE:
        assert nav(first) == {} and first.title.get_text() == "Outlet Three — Basic test digest"
        return
    assert first.title.get_text() == "Outlet Three, page 1 of 2 — Basic test digest"
    second = page(out, "outlets/outlet-three/page/2/")
    assert [li["data-claim"] for li in second.select(".claim-list [data-claim]")] == [f"many-claim-{count - 1:04d}"]
    assert not second.select("#outlet-articles"), "its one article is on the first page"
    assert second.select_one("#outlet-claims .muted").get_text() == f"{count} of {count}"
    assert nav(second) == {"status": "Page 2 of 2", "current": ["Page 2"], "prev": ["/basic/outlets/outlet-three/"], "next": []}


@pytest.mark.parametrize("count", [PERSON_ROWS_PER_PAGE, PERSON_ROWS_PER_PAGE + 1])
def test_a_much_named_persons_page_fills_pages_to_the_boundary(count, tmp_path):
    import xml.etree.ElementTree as ET

    site = copy_site("basic", tmp_path)
    (site / "content/people/pat-example.yaml").write_text("name: Pat Example\n")
    for number in range(count):
        add_article(site, f"n{number:04d}", f"2022-10-{1 + number % 28:02d}", text="Pat Example said nothing.")
    out = build(site, tmp_path / "out")
    first = page(out, "people/pat-example/")
    assert len(first.select(".mention-list li")) == PERSON_ROWS_PER_PAGE and first.find("script", type="application/ld+json")
    feed = ET.parse(out / "people/pat-example/feed.xml").getroot()
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 50, "a feed carries the latest 50"
    if count == PERSON_ROWS_PER_PAGE:
        assert nav(first) == {} and first.title.get_text() == "Pat Example — Basic test digest"
        return
    assert first.title.get_text() == "Pat Example, page 1 of 2 — Basic test digest"
    second = page(out, "people/pat-example/page/2/")
    assert len(second.select(".mention-list li")) == 1
    assert second.select_one("#mentions .muted").get_text() == f"{count} of {count}"
    assert not second.find("script", type="application/ld+json") and not second.select("[data-pagefind-body]"), "one search result and one profile per person"
    assert not second.select("#person-events, #related"), "events and the network are on the first page"
    assert nav(second) == {"status": "Page 2 of 2", "current": ["Page 2"], "prev": ["/basic/people/pat-example/"], "next": []}


def test_every_numbered_page_is_reached_from_the_one_before_and_is_in_the_sitemap(paged_build):
    import xml.etree.ElementTree as ET

    assert broken_links(paged_build, BASE) == []
    numbered = sorted(p.parent.relative_to(paged_build).as_posix() + "/" for p in paged_build.rglob("page/*/index.html"))
    assert len(numbered) == 8
    for path in numbered:
        base, _, number = path.rstrip("/").rpartition("/page/")
        before = f"{base}/" if number == "2" else f"{base}/page/{int(number) - 1}/"
        assert nav(page(paged_build, before))["next"] == [BASE + path], path
        assert nav(page(paged_build, path))["prev"] == [BASE + before], path
    loc = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
    listed = {u.text for u in ET.parse(paged_build / "sitemap.xml").getroot().iter(loc)}
    assert listed == {"https://example.org" + BASE + p.relative_to(paged_build).as_posix().removesuffix("index.html") for p in paged_build.rglob("index.html")}


# --- lists that fit are not split ------------------------------------------------


def test_a_small_timeline_is_whole_on_its_index_with_the_chart_and_the_filter(basic_build):
    index = page(basic_build, "timeline/")
    year = page(basic_build, "timeline/2022/")
    entries = [li["id"] for li in index.select(".timeline-entry")]
    assert entries and entries == [li["id"] for li in year.select(".timeline-entry")], "one year: the index shows all of it"
    assert index.title.get_text() == "Timeline — Basic test digest" and index.h1.get_text() == "Timeline (4 events)"
    assert len(index.select(".chart-scroll a.mark")) == len(index.select(".chart-vertical a.mark")) == len(entries)
    assert [a["href"] for a in index.select(".timeline-filter a")] == [a["href"] for a in year.select(".timeline-filter a")]
    assert "#with-vladimir-putin" in [a["href"] for a in index.select(".timeline-filter a")]
    css = (basic_build / "timeline/filter.css").read_text()
    assert "#with-vladimir-putin:target" in css
    assert index.select_one('link[rel="stylesheet"][href^="/basic/timeline/filter.css?v="]') is not None
    assert not index.select(".year-list"), "no year overview while the whole timeline fits"


def test_small_claim_and_article_lists_are_whole_on_their_indexes(basic_build):
    claims = page(basic_build, "claims/")
    assert {section["data-status"]: [li["data-claim"] for li in section.select("[data-claim]")] for section in claims.select("section[data-status]")} == {
        "reported": ["talks-not-useful"], "unverified": ["no-winter-advance"]}
    articles = page(basic_build, "articles/")
    assert articles.select_one("#latest-heading").get_text() == "All articles"
    assert len(articles.select(".article-list li")) == 2


def test_the_limits_are_a_few_hundred():
    assert 200 <= WHOLE_TIMELINE_MAX <= 500 and 100 <= WHOLE_CLAIMS_MAX <= 500 and 100 <= WHOLE_ARTICLES_MAX <= 500


@pytest.mark.parametrize("past", [False, True])
def test_each_list_is_split_only_past_its_limit(past, tmp_path, monkeypatch):
    import digest.views.listing
    site = copy_site("basic", tmp_path, search=False)
    for number in range(30):
        add_article(site, f"extra-{number:02d}", f"2021-{1 + number % 12:02d}-10", ["disputed"])
    (site / "content/timeline.yaml").write_text((site / "content/timeline.yaml").read_text() + "".join(
        f"- id: extra-event-{number:02d}\n  date: 2021-{1 + number % 12:02d}-0{1 + number % 9}\n  title: Extra event {number}\n" for number in range(20)))
    events, claims, articles = 24, 32, 32  # the basic site's 4 events, 2 claims, 2 articles, and those added
    monkeypatch.setattr(digest.views.listing, "WHOLE_TIMELINE_MAX", events - past)
    monkeypatch.setattr(digest.views.listing, "WHOLE_CLAIMS_MAX", claims - past)
    monkeypatch.setattr(digest.views.listing, "WHOLE_ARTICLES_MAX", articles - past)
    out = build(site, tmp_path / "out")
    timeline, claim_index, article_index = page(out, "timeline/"), page(out, "claims/"), page(out, "articles/")
    if not past:
        assert len(timeline.select(".timeline-entry")) == events and timeline.select("svg.chart") and (out / "timeline/filter.css").exists()
        assert len(claim_index.select(".claim-list [data-claim]")) == claims
        assert len(article_index.select(".article-list li")) == articles
    else:
        assert not timeline.select(".timeline-entry") and [h.a.get_text() for h in timeline.select(".year-title")] == ["2021", "2022"]
        assert not (out / "timeline/filter.css").exists()
        assert len(claim_index.select(".claim-list [data-claim]")) == LATEST_CLAIMS
        assert len(article_index.select(".article-list li")) == LATEST_ARTICLES
    assert len(page(out, "timeline/2021/").select(".timeline-entry")) == 20, "the year pages are there either way"
