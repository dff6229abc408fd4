"""The small fixture site: markdown seeds, titles, omit lines, people links, escaping."""

from __future__ import annotations

import shutil

from conftest import SITES, copy_site, run_cli
from sitecheck import broken_links, page

PLAIN = "articles/leaders-trade-words-over-ukraine/"
MARKDOWN = "articles/talks-in-kyiv/"


def test_links_resolve_under_the_base_path(basic_build):
    assert broken_links(basic_build, "/basic/") == []


def test_plain_text_title_is_the_first_line_and_not_repeated(basic_build):
    soup = page(basic_build, PLAIN)
    assert soup.h1.get_text() == "Leaders trade words over Ukraine"
    assert "Leaders trade words" not in soup.select_one(".article-text").get_text()


def test_omit_lines_are_not_shown(basic_build):
    assert "You can share this story" not in page(basic_build, PLAIN).get_text()


def test_markdown_title_from_leading_heading_and_visible_text(basic_build):
    soup = page(basic_build, MARKDOWN)
    assert soup.h1.get_text() == "Talks in Kyiv"
    body = soup.select_one(".article-text")
    assert body.find("h1") is None


def test_quote_spanning_markdown_formatting_is_nested_validly(basic_build):
    body = page(basic_build, MARKDOWN).select_one(".article-text")
    mark = body.find("mark", id="claim-talks-not-useful")
    assert mark.find("strong") is not None and mark.find("em") is not None
    assert mark.get_text() == "Volodymyr Zelensky said the talks were not useful"


def test_people_not_linked_in_links_code_or_headings(basic_build):
    body = page(basic_build, MARKDOWN).select_one(".article-text")
    for selector in ("a[href^='https'] a", "code a", "h2 a", "pre a"):
        assert body.select(selector) == [], selector
    assert body.select_one("pre.highlight span") is not None, "fenced code is highlighted"
    linked = [a.get_text() for a in body.select("a[data-person]")]
    assert linked == ["Volodymyr Zelensky", "Sullivan", "Zelensky"]


def test_people_links_in_plain_text(basic_build):
    body = page(basic_build, PLAIN).select_one(".article-text")
    links = [(a.get_text(), a["data-person"]) for a in body.select("a[data-person]")]
    assert links == [
        ("Vladimir Zelensky", "volodymyr-zelensky"),
        ("Sullivan", "jake-sullivan"),
        ("O’Brien", "sean-obrien"),
        ("Putin", "vladimir-putin"),
        ("Putin", "vladimir-putin"),
        ("Vladimir Putin", "vladimir-putin"),
        ("Zelensky", "volodymyr-zelensky"),
    ]
    assert "Putin</a>’s forces" in str(body)


def test_claim_page_shows_both_outlets(basic_build):
    soup = page(basic_build, "claims/talks-not-useful/")
    wordings = {fig["data-outlet"]: fig.blockquote.p.get_text() for fig in soup.select("figure.wording")}
    assert wordings == {"Outlet One": 'the talks were "not useful"', "Outlet Two": "Volodymyr Zelensky said the talks were not useful"}
    assert soup.select_one(".claim")["data-status"] == "reported"


def test_timeline_merges_sidecar_and_timeline_events(basic_build):
    entries = page(basic_build, "timeline/2022/").select("li.timeline-entry")
    assert [e["data-event"] for e in entries] == ["invasion", "talks-period", "spokesman-remark", "kyiv-meeting"]
    kyiv = entries[-1]
    assert [a["href"] for a in kyiv.select(".sources a")] == [
        "/basic/articles/talks-in-kyiv/#event-kyiv-meeting",
        "/basic/articles/leaders-trade-words-over-ukraine/#event-kyiv-meeting",
    ], "newest article first, as everywhere"
    assert entries[2].select_one("time").get_text() == "c. November 2022"


def test_scalars_stay_strings(basic_build):
    assert "NO" in page(basic_build, "people/sean-obrien/").select_one(".lede").get_text()


def test_static_files_are_copied(basic_build):
    assert (basic_build / "extra.txt").read_text() == "User-agent: *\n"


def test_person_page_lists_articles_events_and_claims(basic_build):
    soup = page(basic_build, "people/vladimir-putin/")
    assert len(soup.select(".mention-list li")) == 1, "the markdown article names Putin only in a link, code and a heading"
    assert [li["data-event"] for li in soup.select("[data-event]")] == ["invasion"]
    assert soup.find(id="claims-made") and soup.find(id="claims-about")


def test_hostile_text_is_escaped(tmp_path):
    site = copy_site("basic", tmp_path)
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    person = site / "content/people/jake-sullivan.yaml"
    person.write_text(f"name: Jake Sullivan\naliases: [Sullivan]\ndescription: '{payload} [x](javascript:alert(3))'\nrole: '{payload}'\n")
    seed = site / "seeds/plain-one.txt"
    seed.write_text(seed.read_text() + f"{payload}\n")
    out = tmp_path / "out"
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    for path in out.rglob("*.html"):
        assert "<script>alert" not in path.read_text()
        soup = page(out, str(path.relative_to(out)))
        scripts = [s for s in soup.find_all("script") if s.get("type") != "application/ld+json"]
        if path == out / "search/index.html":  # the one page with scripts: Pagefind's and the theme's, from files
            assert scripts and all(s.get("src") and not s.string for s in scripts), path
        else:
            assert scripts == [], path
        assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)], path
        assert not soup.select('[href^="javascript:"]'), path
    person_page = page(out, "people/jake-sullivan/")
    assert payload in person_page.get_text()
    assert payload in page(out, PLAIN).get_text()


def test_seed_without_sidecar_is_built_with_a_warning(tmp_path):
    site = copy_site("basic", tmp_path)
    shutil.copy(SITES / "basic/seeds/plain-one.txt", site / "seeds/lonely.txt")
    (site / "seeds/lonely.txt").write_text("A lonely article\nPutin said nothing.\n")
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 0
    assert result.err_lines == ["seeds/lonely.txt:1:1: warning: no sidecar content/articles/lonely.yaml; the article is built from its text alone"]
    assert page(tmp_path / "out", "articles/a-lonely-article/").select_one("a[data-person]")["data-person"] == "vladimir-putin"


def test_drafts_are_left_out_of_build_and_shown_in_preview(tmp_path):
    from digest.pipeline.session import SiteBuilder

    site = copy_site("basic", tmp_path)
    path = site / "content/articles/markdown-two.yaml"
    path.write_text("draft: true\n" + path.read_text())
    out = tmp_path / "out"
    assert run_cli("build", "--source", site, "--output", out).code == 0
    assert not (out / "articles/talks-in-kyiv").exists()
    claim = page(out, "claims/talks-not-useful/")
    assert [f["data-outlet"] for f in claim.select("figure.wording")] == ["Outlet One"]
    preview = SiteBuilder(site, tmp_path / "preview", drafts=True)
    assert preview.build().ok
    banner = page(tmp_path / "preview", "articles/talks-in-kyiv/").select_one(".draft-banner")
    assert banner is not None and "Draft" in banner.get_text()
    assert page(tmp_path / "preview", "articles/leaders-trade-words-over-ukraine/").select_one(".draft-banner") is None


def test_an_article_page_has_a_key_to_its_highlights_and_chips(basic_build):
    soup = page(basic_build, PLAIN)
    key = soup.select_one(".text-key")
    assert key is not None and key.find_next_sibling(class_="article-text") is not None, "the key sits just above the text"
    assert [li["data-key"] for li in key.select("[data-key]")] == ["claim", "event"]
    statuses = {li["data-status"]: li.select_one(".ref").get_text() for li in key.select(".text-key-statuses li")}
    in_text = {a["class"][-1].removeprefix("status-"): a.get_text() for a in soup.select(".article-text a.ref-claim")}
    assert statuses == {"reported": "Reported", "unverified": "Unverified"} == {sid: label.removeprefix("claim, ") for sid, label in in_text.items()}
    assert key.select_one(".key-claim") and key.select_one(".key-event") and not key.select("a"), "samples of the highlights, not links"


def test_an_article_without_annotations_has_no_key(tmp_path):
    site = copy_site("basic", tmp_path)
    (site / "seeds/bare.txt").write_text("A bare story\nNothing is annotated here.\n")
    (site / "content/articles/bare.yaml").write_text("outlet: Outlet One\npublished: 2022-11-20\n")
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0
    assert page(tmp_path / "out", "articles/a-bare-story/").select_one(".text-key") is None
