"""Fragments carry their language and direction: unit tests of the helpers, and the pages they make in Chromium.

An Arabic article beside English ones is the case that goes wrong without
them: the browser's bidi algorithm runs an Arabic title or quote together
with the English around it. These tests read the *visual* order of the
pieces (their bounding boxes in Chromium), which is what a reader sees,
not the order of the markup.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup

from digest.render.bidi import isolated, lang_attrs, text_direction

from browsing import serve_site
from conftest import SITES, run_cli

ARABIC_TITLE = "محادثات سرية بين واشنطن وموسكو"
ARABIC_QUOTE = "المحادثات مع الكرملين كانت مفيدة"
ARABIC_DATE_TEXT = "يوم الأحد"
ARABIC_EVENT_QUOTE = "التقى سوليفان بزيلينسكي"
ARABIC_SEED = (
    f"{ARABIC_TITLE}\n"
    f"قال جيك سوليفان إن {ARABIC_QUOTE}.\n"
    f"وأضاف أن {ARABIC_EVENT_QUOTE} في كييف {ARABIC_DATE_TEXT}، وأن الاتصالات ستستمر «بهدوء».\n"
)
ARABIC_SIDECAR = f"""language: ar
outlet: Al Jazeera Arabic
published: 2022-11-07
claims:
  - id: talks-not-useful
    quote: "{ARABIC_QUOTE}"
events:
  - id: kyiv-meeting
    quote: "{ARABIC_EVENT_QUOTE}"
    date_text: "{ARABIC_DATE_TEXT}"
"""
UNDECLARED_TITLE = "تصريحات جديدة من الكرملين"
UNDECLARED_SEED = f"{UNDECLARED_TITLE}\nقال المتحدث إن الاتصالات ستستمر، وإن الوفد سيعود إلى موسكو يوم الثلاثاء.\n"
"""An Arabic article whose sidecar declares no language: its script alone says which way it reads."""
SULLIVAN = "name: Jake Sullivan\naliases: [Sullivan, جيك سوليفان, سوليفان]\n"


@pytest.mark.parametrize(
    ("language", "direction", "attrs"),
    [("", "", ' dir="auto"'), ("ar", "", ' lang="ar" dir="rtl"'), ("en-GB", "", ' lang="en-GB" dir="ltr"'),
     ("en", "auto", ' lang="en" dir="auto"'), ('x"><script>', "", ' lang="x&#34;&gt;&lt;script&gt;" dir="ltr"')],
)
def test_lang_attrs(language, direction, attrs):
    assert lang_attrs(language, direction) == attrs


class _Html:
    """An object that renders itself as HTML (as a Jinja macro's result or a Markup does)."""

    def __html__(self) -> str:
        return "<i>x</i>"


FRAGMENTS = ["", "RT", "<b>يوم</b>", 'a "quoted" & \'apostrophe\'', Markup("<em>safe</em>"), "{}", "%s", 2022, _Html()]


@pytest.mark.parametrize("text", FRAGMENTS)
@pytest.mark.parametrize(("language", "direction"), [("", ""), ("ar", ""), ("en", "ltr"), ("", "rtl"), ('x"><script>', ""), (Markup("fa"), "")])
def test_fragments_are_what_markup_format_made(text, language: str, direction: str):
    """`lang_attrs` and `isolated` build their strings directly now, byte for byte as `Markup.format` did."""
    if language:
        attrs = Markup(' lang="{}" dir="{}"').format(language, direction or text_direction(language))
    else:
        attrs = Markup(' dir="{}"').format(direction or "auto")
    assert lang_attrs(language, direction) == attrs
    assert isolated(text, language, direction) == Markup("<bdi{}>{}</bdi>").format(attrs, text)
    assert type(isolated(text, language, direction)) is Markup


def test_isolated_escapes_and_wraps_in_bdi():
    assert isolated("<b>يوم</b>", "ar") == '<bdi lang="ar" dir="rtl">&lt;b&gt;يوم&lt;/b&gt;</bdi>'
    assert isolated("RT") == '<bdi dir="auto">RT</bdi>'


def _site(base: Path, language: str) -> Path:
    source = base / f"src-{language}"
    shutil.copytree(SITES / "basic", source)
    (source / "content/people/jake-sullivan.yaml").write_text(SULLIVAN, encoding="utf-8")
    (source / "seeds/arabic.txt").write_text(ARABIC_SEED, encoding="utf-8")
    (source / "content/articles/arabic.yaml").write_text(ARABIC_SIDECAR, encoding="utf-8")
    (source / "seeds/undeclared.txt").write_text(UNDECLARED_SEED, encoding="utf-8")
    (source / "content/articles/undeclared.yaml").write_text("outlet: Al Jazeera Arabic\npublished: 2022-11-08\n", encoding="utf-8")
    site_yaml = source / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("language: en", f"language: {language}"), encoding="utf-8")
    if language != "en":  # the English articles say so
        for stem in ("plain-one", "markdown-two"):
            sidecar = source / f"content/articles/{stem}.yaml"
            sidecar.write_text("language: en\n" + sidecar.read_text(encoding="utf-8"), encoding="utf-8")
    output = base / f"site-{language}"
    result = run_cli("build", "--source", source, "--output", output)
    assert result.code == 0, result.err
    return output


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("bidi")
    return {language: _site(base, language) for language in ("en", "ar")}


@pytest.fixture(scope="module")
def tab(browser, sites):
    """One Chromium tab for the module, and where each site is served: a new page costs Chromium more than
    going to one, and each test takes the tab to a new document of its own (`open_page`)."""
    with serve_site(sites["en"], "/basic/") as english, serve_site(sites["ar"], "/basic/") as arabic:
        context = browser.new_context()
        try:
            yield context.new_page(), {"en": english, "ar": arabic}
        finally:
            context.close()


@pytest.fixture
def open_page(tab):
    """open_page(site language, path, width) -> the module's tab showing that page (loaded afresh) at that width."""
    page, roots = tab

    def open_(language: str, path: str, width: int = 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(roots[language] + path)
        return page

    return open_


_TEXT_BOX = """([selector, needle]) => {
    // The box of the first occurrence of needle in the text of the element that selector finds.
    const element = document.querySelector(selector);
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(needle);
        if (at >= 0) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + needle.length);
            const box = range.getBoundingClientRect();
            return [box.left, box.right, box.top, box.bottom];
        }
    }
    return null;
}"""


def box(page, selector: str, needle: str) -> tuple[float, float, float, float]:
    found = page.evaluate(_TEXT_BOX, [selector, needle])
    assert found is not None, (selector, needle)
    return tuple(found)


def element_box(page, selector: str) -> tuple[float, float, float, float]:
    rect = page.locator(selector).first.bounding_box()
    return rect["x"], rect["x"] + rect["width"], rect["y"], rect["y"] + rect["height"]


def reads_left_to_right(*boxes: tuple[float, float, float, float]) -> bool:
    """Each box after the one before: to its right on the same line, or on a later line."""
    return all(b[2] >= a[3] - 2 or (abs(a[2] - b[2]) < 4 and a[1] <= b[0] + 0.5) for a, b in zip(boxes, boxes[1:]))


def test_the_date_after_an_arabic_title_stays_outside_it(open_page):
    """Claim page, the Arabic outlet's wording: "<title> 7 November 2022", the 7 to the right of the whole title."""
    page = open_page("en", "claims/talks-not-useful/")
    figure = "figure.wording[data-outlet='Al Jazeera Arabic'] figcaption"
    title = element_box(page, f"{figure} a[lang='ar']")
    seven, november, year = box(page, f"{figure} .muted", "7"), box(page, f"{figure} .muted", "November"), box(page, f"{figure} .muted", "2022")
    assert reads_left_to_right(title, seven, november, year)


def test_a_timeline_source_reads_outlet_date_text_then_quote(open_page):
    """Al Jazeera Arabic, “يوم الأحد”: <quote> in that order, left to right, on an English page."""
    page = open_page("en", "timeline/2022/")
    source = "#event-kyiv-meeting .sources li:has(a[lang='ar'])"
    outlet = element_box(page, f"{source} .outlet")
    date_text = element_box(page, f"{source} bdi[lang='ar']")
    colon = box(page, source, "”:")
    quote = element_box(page, f"{source} a[lang='ar']")
    assert reads_left_to_right(outlet, date_text, colon, quote)
    assert page.locator(f"{source} bdi[lang='ar']").inner_text() == ARABIC_DATE_TEXT


def test_inside_a_right_to_left_article_the_date_chip_reads_left_to_right(open_page):
    page = open_page("en", "articles/arabic/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    chip = "mark[data-event='kyiv-meeting'] + a.ref-event"
    assert page.locator(chip).get_attribute("dir") == "ltr" and page.locator(chip).get_attribute("lang") == "en"
    assert reads_left_to_right(box(page, chip, "4"), box(page, chip, "November"), box(page, chip, "2022"))
    kicker = ".article-header .kicker time"
    assert reads_left_to_right(box(page, kicker, "7"), box(page, kicker, "November"), box(page, kicker, "2022"))


def test_an_english_title_on_an_arabic_site_is_laid_out_left_to_right(open_page):
    """The Arabic site lists the English articles: each title keeps its own direction."""
    page = open_page("ar", "articles/")
    title = "a.article-title[lang='en']"
    assert page.locator(title).first.get_attribute("dir") == "ltr"
    text = page.locator(title).first.inner_text()
    first, last = text.split()[0], text.split()[-1]
    assert reads_left_to_right(box(page, title, first), box(page, title, last))


PAGES = (
    "", "articles/", "articles/2022/11/", "articles/arabic/", "articles/leaders-trade-words-over-ukraine/", "claims/",
    "claims/talks-not-useful/", "claims/status/reported/", "timeline/", "timeline/2022/", "outlets/", "outlets/al-jazeera-arabic/",
    "outlets/outlet-one/", "compare/", "people/", "people/jake-sullivan/", "search/", "404.html",
)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_page_scrolls_sideways(open_page, sites, language, width):
    """scrollWidth <= clientWidth everywhere, right-to-left pages included (the skip link once made them 2,279 px wide)."""
    wide = []
    page = open_page(language, "", width)
    root = page.url  # one tab goes to every page: a new document each time, at the same width
    for path in PAGES:
        assert (sites[language] / (path or "index.html")).exists() or (sites[language] / path / "index.html").exists(), path
        page.goto(root + path)
        assert page.url == root + path
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > client:
            wide.append((path, scroll, client))
    assert wide == []


def test_the_skip_link_still_appears_on_focus_inside_the_page(open_page):
    page = open_page("ar", "")
    page.keyboard.press("Tab")
    left, right, _, _ = element_box(page, "a.skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert 0 <= left and right <= 1280 and right - left > 40


def test_fragments_carry_their_language_in_the_markup(sites):
    """What the browser tests rely on, for every page kind: titles and quotes with lang and dir, editors' text with dir=auto."""
    def soup(path: str) -> BeautifulSoup:
        return BeautifulSoup((sites["en"] / path / "index.html").read_text(encoding="utf-8"), "html.parser")

    person = soup("people/jake-sullivan")
    arabic = person.select_one("a.article-title[lang='ar']")
    assert arabic is not None and arabic["dir"] == "rtl" and arabic.get_text() == ARABIC_TITLE
    assert person.select_one("p.snippet[lang='ar'][dir='rtl']") is not None
    compare = soup("compare")
    assert compare.select_one("td[data-outlet='Al Jazeera Arabic'] blockquote p[lang='ar'][dir='rtl']").get_text() == ARABIC_QUOTE
    assert compare.select_one("td[data-outlet='Al Jazeera Arabic'] .date-text bdi[lang='ar']").get_text() == ARABIC_DATE_TEXT
    home = soup("")
    assert all(a.get("dir") == "auto" for a in home.select("a.person"))
    article = soup("articles/arabic")
    assert article.select_one(".article-header .kicker")["lang"] == "en"
    feed = (sites["en"] / "feed.xml").read_text(encoding="utf-8")
    assert f'<title xml:lang="ar">{ARABIC_TITLE}</title>' in feed
    jsonld = article.select_one("script[type='application/ld+json']").get_text()
    assert '"inLanguage": "ar"' in jsonld


_CHIPS = """selector => [...document.querySelectorAll(selector)].map(chip => {
    const box = chip.getBoundingClientRect();
    return [box.height, parseFloat(getComputedStyle(chip).borderTopLeftRadius)];
})"""


@pytest.mark.parametrize("path, selector", [("", ".people-chips li"), ("timeline/", ".filter-list a")])
@pytest.mark.parametrize("width", [1280, 390])
def test_a_chip_that_wraps_keeps_the_corners_of_a_one_line_chip(open_page, path, selector, width):
    """A chip is a pill on one line; on two (a long role on a phone) its round ends (a 999px radius) made it an
    oval whose text touched the border. Its corner radius is at most half a one-line chip's height."""
    chips = open_page("en", path, width).evaluate(_CHIPS, selector)
    assert chips, selector
    one_line = min(height for height, _ in chips)
    assert [radius for _, radius in chips if radius > one_line / 2 + 0.5] == []
    assert all(radius >= one_line / 2 - 2 for _, radius in chips), "one-line chips stay pills"


def test_an_undeclared_arabic_article_reads_right_to_left_on_an_english_site(open_page, sites):
    """No `language:` in the sidecar: the page stays English, the article's own words are marked as of unknown language, right to left."""
    page = open_page("en", f"articles/{_slug(sites['en'], UNDECLARED_TITLE)}/")
    assert page.evaluate("document.documentElement.lang") == "en"
    for selector in ("h1", ".article-text"):
        assert page.locator(selector).first.get_attribute("lang") == "" and page.locator(selector).first.get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('.article-text p')).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('.article-header .kicker')).direction") == "ltr"


def test_an_undeclared_arabic_article_on_an_arabic_site_is_in_the_sites_language(sites):
    html = (sites["ar"] / "articles" / _slug(sites["ar"], UNDECLARED_TITLE) / "index.html").read_text(encoding="utf-8")
    h1 = BeautifulSoup(html, "html.parser").select_one("h1")
    assert h1.get("lang") is None and h1.get("dir") is None, "the page's own language and direction hold"


def _slug(site: Path, title: str) -> str:
    """The slug the build gave the article with ``title`` (read from data.json, as a reader's tool would)."""
    import json

    data = json.loads((site / "data.json").read_text(encoding="utf-8"))
    return next(article["url"].rstrip("/").rpartition("/")[2] for article in data["articles"] if article["title"] == title)


def test_the_title_of_an_article_in_another_language_is_isolated_in_the_documents_title(sites):
    """<title> takes no markup: the Arabic title goes between U+2068 and U+2069, so the site's name after it stays on its side."""
    def title(path: str) -> str:
        return BeautifulSoup((sites["en"] / path / "index.html").read_text(encoding="utf-8"), "html.parser").title.get_text()

    assert title("articles/arabic").startswith(f"\u2068{ARABIC_TITLE}\u2069 — ")
    assert title(f"articles/{_slug(sites['en'], UNDECLARED_TITLE)}").startswith(f"\u2068{UNDECLARED_TITLE}\u2069 — ")
    english = next(path for path in (sites["en"] / "articles").iterdir() if path.is_dir() and path.name.startswith("leaders"))
    assert "\u2068" not in title(f"articles/{english.name}")
