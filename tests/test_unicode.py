"""Articles in other scripts and languages: they build, read in the right direction, and link their people."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from digest.render.templates import text_direction

from conftest import SITES, run_cli

ARABIC_TITLE = "محادثات سرية بين واشنطن وموسكو"
ARABIC_SEED = (
    f"{ARABIC_TITLE}\n"
    "قال جيك سوليفان إن المحادثات مع الكرملين كانت مفيدة.\n"
    "وأضاف سوليفان أن الاتصالات ستستمر «بهدوء».\n"
)
ARABIC_QUOTE = "المحادثات مع الكرملين كانت مفيدة"
ARABIC_SIDECAR = f"""language: ar
outlet: صحيفة المثال
published: 2022-11-09
claims:
  - id: talks-useful-ar
    quote: "{ARABIC_QUOTE}"
    text: The talks with the Kremlin were useful.
    status: reported
    claimant: jake-sullivan
"""
SULLIVAN = "name: Jake Sullivan\naliases: [Sullivan, جيك سوليفان, سوليفان]\n"

POLISH_SEED = (
    "Rozmowy w Moskwie\n"
    "Sullivan rozmawiał z Patruszewem w zeszłym tygodniu.\n"
    "Według źródeł Patruszew nie potwierdził spotkania.\n"
    "Doradca Patruszewa odmówił komentarza, a o Patruszewie nie mówiono.\n"
)
PATRUSHEV = "name: Nikolai Patrushev\naliases: [Patrushev, Patruszew, Patruszewem, Patruszewa]\nrole: Secretary of the Security Council\n"
POLISH_SIDECAR = """language: pl
outlet: Gazeta Przykładowa
published: 2022-11-10
events:
  - id: sullivan-patrushev-talk
    quote: "Sullivan rozmawiał z Patruszewem"
    date: 2022-11~
    date_text: w zeszłym tygodniu
    title: Sullivan talks to Patrushev
    people: [jake-sullivan, nikolai-patrushev]
"""


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article_page(output: Path, stem: str) -> Path:
    data = json.loads((output / "data.json").read_text(encoding="utf-8"))
    (article,) = [a for a in data["articles"] if a["id"] == stem]
    path = article["url"].split("/basic/", 1)[1]
    return output / path / "index.html"


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("unicode")
    source = base / "src"
    shutil.copytree(SITES / "basic", source)
    (source / "content/people/jake-sullivan.yaml").write_text(SULLIVAN, encoding="utf-8")
    (source / "content/people/nikolai-patrushev.yaml").write_text(PATRUSHEV, encoding="utf-8")
    (source / "seeds/arabic.txt").write_text(ARABIC_SEED, encoding="utf-8")
    (source / "content/articles/arabic.yaml").write_text(ARABIC_SIDECAR, encoding="utf-8")
    (source / "seeds/مقال-ثان.txt").write_text("مقال ثان بلا عنوان لاتيني\nنص قصير.\n", encoding="utf-8")
    (source / "content/articles/مقال-ثان.yaml").write_text("language: ar\noutlet: صحيفة\npublished: 2022-11-11\n", encoding="utf-8")
    (source / "seeds/polish.txt").write_text(POLISH_SEED, encoding="utf-8")
    (source / "content/articles/polish.yaml").write_text(POLISH_SIDECAR, encoding="utf-8")
    output = base / "site"
    result = run_cli("build", "--source", source, "--output", output)
    assert "Traceback" not in result.err
    assert result.code == 0, result.err
    return output


def test_arabic_article_is_right_to_left(multilingual):
    page = soup(article_page(multilingual, "arabic"))
    assert page.html["lang"] == "ar"
    assert page.html["dir"] == "rtl"
    assert page.h1.get_text(strip=True) == ARABIC_TITLE


def test_site_chrome_of_an_arabic_article_stays_english_left_to_right(multilingual):
    page = soup(article_page(multilingual, "arabic"))
    for selector in ("header.site-header", "footer.site-footer", "aside.annotations"):
        element = page.select_one(selector)
        assert element is not None, selector
        assert (element.get("lang"), element.get("dir")) == ("en", "ltr"), selector


def test_english_pages_stay_left_to_right(multilingual):
    for path in ("index.html", "articles/index.html", "people/jake-sullivan/index.html"):
        page = soup(multilingual / path)
        assert (page.html["lang"], page.html["dir"]) == ("en", "ltr"), path
    page = soup(article_page(multilingual, "plain-one"))
    assert (page.html["lang"], page.html["dir"]) == ("en", "ltr")


def test_arabic_aliases_link_the_person(multilingual):
    body = soup(article_page(multilingual, "arabic")).select_one(".article-text")
    links = [(a.get_text(), a["data-person"]) for a in body.select("a[data-person]")]
    assert links == [("جيك سوليفان", "jake-sullivan"), ("سوليفان", "jake-sullivan")]


def test_arabic_quote_is_marked(multilingual):
    body = soup(article_page(multilingual, "arabic")).select_one(".article-text")
    mark = body.find("mark", id="claim-talks-useful-ar")
    assert mark is not None
    assert mark.get_text() == ARABIC_QUOTE


def test_person_page_lists_the_arabic_article(multilingual):
    page = soup(multilingual / "people/jake-sullivan/index.html")
    titles = [a.get_text(strip=True) for a in page.select(".mention-list a.article-title")]
    assert ARABIC_TITLE in titles


def test_polish_declined_forms_all_link_the_person(multilingual):
    page = soup(article_page(multilingual, "polish"))
    assert (page.html["lang"], page.html["dir"]) == ("pl", "ltr")
    body = page.select_one(".article-text")
    links = [(a.get_text(), a["data-person"]) for a in body.select("a[data-person]")]
    assert links == [
        ("Sullivan", "jake-sullivan"),
        ("Patruszewem", "nikolai-patrushev"),
        ("Patruszew", "nikolai-patrushev"),
        ("Patruszewa", "nikolai-patrushev"),
    ], "a form not listed as an alias ('Patruszewie') must not be linked either"


def test_polish_article_counts_every_form_as_a_mention(multilingual):
    page = soup(multilingual / "people/nikolai-patrushev/index.html")
    items = page.select(".mention-list li")
    assert len(items) == 1
    assert "3 mentions" in items[0].get_text()


def test_arabic_titles_without_slug_get_safe_ascii_slugs(multilingual):
    data = json.loads((multilingual / "data.json").read_text(encoding="utf-8"))
    slugs = {a["id"]: a["url"].rstrip("/").rsplit("/", 1)[1] for a in data["articles"]}
    assert slugs["arabic"] == "arabic"  # from the file name, since the title has no Latin letters
    other = slugs["مقال-ثان"]  # neither title nor file name has any: a stable hash
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", other), other
    assert other.isascii() and len(other) <= 80
    assert (multilingual / "articles" / other / "index.html").is_file()


@pytest.mark.parametrize(
    ("tag", "direction"),
    [
        ("ar", "rtl"), ("ar-EG", "rtl"), ("he", "rtl"), ("iw", "rtl"), ("fa", "rtl"), ("fa-IR", "rtl"), ("ur", "rtl"),
        ("ps", "rtl"), ("yi", "rtl"), ("ckb", "rtl"), ("az-Arab", "rtl"), ("pa-Arab", "rtl"),
        ("en", "ltr"), ("pl", "ltr"), ("ru", "ltr"), ("zh-Hant", "ltr"), ("ar-Latn", "ltr"), ("az-Latn", "ltr"),
        ("AR", "rtl"), ("He-IL", "rtl"),
    ],
)
def test_text_direction(tag, direction):
    assert text_direction(tag) == direction


@pytest.mark.parametrize("tag", ["he", "fa", "ur"])
def test_other_right_to_left_languages_set_dir(tmp_path, tag):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    sidecar = source / "content/articles/markdown-two.yaml"
    sidecar.write_text(f"language: {tag}\n" + sidecar.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    page = soup(tmp_path / "out/articles/talks-in-kyiv/index.html")
    assert (page.html["lang"], page.html["dir"]) == (tag, "rtl")
    assert page.select_one("header.site-header")["dir"] == "ltr"


def test_right_to_left_site_with_an_english_article(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    site = source / "content/site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("language: en", "language: ar"), encoding="utf-8")
    sidecar = source / "content/articles/plain-one.yaml"
    sidecar.write_text("language: en\n" + sidecar.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    page = soup(tmp_path / "out/articles/leaders-trade-words-over-ukraine/index.html")
    assert (page.html["lang"], page.html["dir"]) == ("en", "ltr")
    header = page.select_one("header.site-header")
    assert (header["lang"], header["dir"]) == ("ar", "rtl")
    home = soup(tmp_path / "out/index.html")
    assert (home.html["lang"], home.html["dir"]) == ("ar", "rtl")


@pytest.mark.parametrize("tag", ['"ar; x"', '"en_US"', '"\\"><script>"', "e", '"arabic-language-tag-too-long"', "[ar]"])
def test_bad_language_tags_are_located_errors(tmp_path, tag):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    sidecar = source / "content/articles/markdown-two.yaml"
    sidecar.write_text(f"language: {tag}\n" + sidecar.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert "Traceback" not in result.err
    assert result.code == 1
    assert result.err_lines[0].startswith("content/articles/markdown-two.yaml:1:11: error: 'language' must be"), result.err


def test_decomposed_seed_text_matches_composed_names_and_quotes(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    seed = "Talks in Dublin\n" + unicodedata.normalize("NFD", "Seán O'Brien said the café talks were useful.") + "\n"
    (source / "seeds/dublin.txt").write_text(seed, encoding="utf-8")
    (source / "content/articles/dublin.yaml").write_text(
        "outlet: Outlet Three\npublished: 2022-11-12\nclaims:\n  - id: cafe-talks\n    quote: \"the café talks were useful\"\n"
        "    text: The café talks were useful.\n    status: reported\n",
        encoding="utf-8",
    )
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    body = soup(tmp_path / "out/articles/talks-in-dublin/index.html").select_one(".article-text")
    assert [a["data-person"] for a in body.select("a[data-person]")] == ["sean-obrien"]


def test_timeline_chart_labels_are_isolated_so_a_right_to_left_title_keeps_its_ellipsis(tmp_path):
    """SVG text takes no <bdi>: each label goes between U+2068 and U+2069, its "…" inside, so a cut
    Arabic title ends (on its left) in the ellipsis instead of the ellipsis standing on its right."""
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    long_title = "اجتماع طويل جدا بين الوفدين لمناقشة الممرات الإنسانية وتبادل الأسرى والضمانات الأمنية في المنطقة"
    with (source / "content/timeline.yaml").open("a", encoding="utf-8") as timeline:
        timeline.write(f"- id: arabic-meeting\n  date: 2022-06-01\n  title: {long_title}\n")
    output = tmp_path / "site"
    result = run_cli("build", "--source", source, "--output", output)
    assert result.code == 0, result.err
    labels = [text.get_text() for text in soup(output / "timeline/2022/index.html").select("svg text.mark-label, svg text.mark-full")]
    arabic = [label for label in labels if "اجتماع" in label]
    assert arabic and all(label.startswith("\u2068") and label.endswith("\u2069") for label in labels)
    assert any(label.endswith("…\u2069") for label in arabic), arabic
    assert f"\u2068{long_title}\u2069" in arabic
