"""Hostile text in every field: nothing from content can run in a reader's browser.

The corpus tests/hostile/xss.txt (one payload per line) is put into every
text field of a copy of tests/sites/basic: seed bodies (.txt and .md), titles,
subtitles, outlets, authors, people's names, aliases, roles and descriptions,
claim text, claimant_text, notes, evidence labels, link labels, event titles,
descriptions and date_text, quotes, status labels and the site's title,
description and intro. After one build, every output file is scanned.
"""

from __future__ import annotations

import contextlib
import html
import json
import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from digest.source.load import MAX_SEED_BYTES

from conftest import SITES, TESTS, run_cli
from workcount import calls, growth

HOSTILE = TESTS / "hostile"
PAYLOADS = [line for line in (HOSTILE / "xss.txt").read_text(encoding="utf-8").split("\n") if line]
SHORT_PAYLOADS = [p for p in PAYLOADS if len(p) < 500]
ALIAS_PAYLOADS = [p for p in PAYLOADS if any(c.isalpha() for c in p)]
"""Payloads that can name a person: an alias without a letter is refused (it would link every '7')."""

BASE_PATH = "/basic/"
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset", "ping", "cite")
# The theme may draw SVG (the timeline chart) but never these; content never makes any element at all.
FORBIDDEN_ELEMENTS = (
    "iframe", "object", "embed", "base", "frame", "frameset", "applet", "isindex", "textarea", "math", "mglyph",
    "foreignobject", "animate", "set", "xmp", "plaintext", "noembed",
)

# Quotes: each is a payload that is a whole paragraph of its seed, so it is found exactly once.
TXT_CLAIM_QUOTE = "<svg onload=alert(14)>"
TXT_EVENT_QUOTE = "</script><script>alert(21)</script>"
MD_CLAIM_QUOTE = "<img src=x onerror=alert(3)>"
MD_EVENT_QUOTE = "javascript:alert(37)"  # the autolink <javascript:alert(37)>, refused: its text is the paragraph


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def mega(label: str) -> str:
    """Every payload in one plain-text field, after a label that tells fields apart."""
    return f"{label}: " + " ".join(PAYLOADS)


def mega_md(label: str) -> str:
    """Every payload in one markdown field, one paragraph each."""
    return f"{label}\n\n" + "\n\n".join(PAYLOADS)


def norm(text: str) -> str:
    return " ".join(text.split())


REFUSED_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
REFUSED_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")


def norm_md(text: str) -> str:
    """What a reader sees of markdown: entities decoded, emphasis markers gone, refused links shown as their text."""
    text = REFUSED_AUTOLINK.sub(r"\1", REFUSED_LINK.sub(r"\1", text))
    return norm(html.unescape(text).replace("*", ""))


PLAIN_FIELDS = {
    # field -> page (or "ARTICLE:<stem>") where it is shown
    "site.title": "index.html",
    "site.description": "index.html",
    "status.label": "claims/index.html",
    "status.description": "claims/index.html",
    "person.name": "people/hostile-person/index.html",
    "person.role": "people/hostile-person/index.html",
    "person.organization": "people/hostile-person/index.html",
    "person.country": "people/hostile-person/index.html",
    "plain.subtitle": "ARTICLE:plain-one",
    "plain.outlet": "ARTICLE:plain-one",
    "plain.author": "ARTICLE:plain-one",
    "plain.seed-title": "ARTICLE:plain-one",
    "md.title": "ARTICLE:markdown-two",
    "md.subtitle": "ARTICLE:markdown-two",
    "md.outlet": "ARTICLE:markdown-two",
    "md.author": "ARTICLE:markdown-two",
    "claim.text": "claims/hostile-claim/index.html",
    "claim.claimant_text": "claims/hostile-claim/index.html",
    "claim.evidence-label": "claims/hostile-claim/index.html",
    "event.title": "timeline/2022/index.html",
    "event.date_text": "timeline/2022/index.html",
    "event.md-date_text": "ARTICLE:markdown-two",
    "timeline.title": "timeline/2022/index.html",
    "timeline.date_text": "timeline/2022/index.html",
}
MARKDOWN_FIELDS = {
    "site.intro": "index.html",
    "person.description": "people/hostile-person/index.html",
    "claim.note": "claims/hostile-claim/index.html",
    "claim.history-note": "claims/hostile-claim/index.html",
    "event.description": "timeline/2022/index.html",
    "timeline.description": "timeline/2022/index.html",
}


def write_hostile_site(destination: Path) -> Path:
    """A copy of the basic site with a payload in every text field."""
    root = destination / "hostile"
    shutil.copytree(SITES / "basic", root)
    content = root / "content"
    m = mega
    (content / "site.yaml").write_text(
        f"""title: {q(m("site.title"))}
base_url: https://example.org/basic
description: {q(m("site.description"))}
intro: {q(mega_md("site.intro"))}
language: en
claim_statuses:
  reported: {{label: {q(m("status.label"))}, description: {q(m("status.description"))}}}
  unverified: {{label: "Unverified", description: "Not checked yet."}}
""",
        encoding="utf-8",
    )
    link_url = 'https://example.org/link/{}?q=%22x&r="><script>alert(1)</script>'
    links = "\n".join(f"  {q(p)}: {q(link_url.format(i))}" for i, p in enumerate(SHORT_PAYLOADS))
    (content / "people" / "hostile-person.yaml").write_text(
        f"""name: {q(m("person.name"))}
aliases:
{chr(10).join("  - " + q(p) for p in ALIAS_PAYLOADS)}
role: {q(m("person.role"))}
organization: {q(m("person.organization"))}
country: {q(m("person.country"))}
description: {q(mega_md("person.description"))}
links:
{links}
""",
        encoding="utf-8",
    )
    plain_seed = (SITES / "basic" / "seeds" / "plain-one.txt").read_text(encoding="utf-8").split("\n")
    (root / "seeds" / "plain-one.txt").write_text(
        "\n".join([m("plain.seed-title"), *plain_seed[1:], *PAYLOADS]) + "\n", encoding="utf-8"
    )
    (content / "articles" / "plain-one.yaml").write_text(
        f"""outlet: {q(m("plain.outlet"))}
published: 2022-11-07
url: {q('https://example.com/one?a="><script>alert(1)</script>')}
subtitle: {q(m("plain.subtitle"))}
author: {q(m("plain.author"))}
omit:
  - "You can share this story:"
claims:
  - id: hostile-claim
    quote: {q(TXT_CLAIM_QUOTE)}
    text: {q(m("claim.text"))}
    status: reported
    sourcing: on-record
    claimant_text: {q(m("claim.claimant_text"))}
    about: [hostile-person]
    note: {q(mega_md("claim.note"))}
    evidence:
      - url: {q('https://example.org/evidence?"><img/src=x/onerror=alert(1)>')}
        label: {q(m("claim.evidence-label"))}
    reviewed: 2022-11-08
    history:
      - date: 2022-11-07
        status: unverified
        note: {q(mega_md("claim.history-note"))}
events:
  - id: hostile-event
    quote: {q(TXT_EVENT_QUOTE)}
    date: 2022-11-04
    date_text: {q(m("event.date_text"))}
    title: {q(m("event.title"))}
    people: [hostile-person, jake-sullivan]
    description: {q(mega_md("event.description"))}
""",
        encoding="utf-8",
    )
    md_seed = (SITES / "basic" / "seeds" / "markdown-two.md").read_text(encoding="utf-8")
    (root / "seeds" / "markdown-two.md").write_text(md_seed + "\n" + "\n\n".join(PAYLOADS) + "\n", encoding="utf-8")
    (content / "articles" / "markdown-two.yaml").write_text(
        f"""title: {q(m("md.title"))}
subtitle: {q(m("md.subtitle"))}
outlet: {q(m("md.outlet"))}
author: {q(m("md.author"))}
published: 2022-11-08
claims:
  - id: hostile-claim
    quote: {q(MD_CLAIM_QUOTE)}
    sourcing: anonymous
events:
  - id: hostile-event
    quote: {q(MD_EVENT_QUOTE)}
    date_text: {q(m("event.md-date_text"))}
""",
        encoding="utf-8",
    )
    (content / "timeline.yaml").write_text(
        f"""- id: hostile-timeline
  date: 2022-02-24
  title: {q(m("timeline.title"))}
  description: {q(mega_md("timeline.description"))}
  date_text: {q(m("timeline.date_text"))}
  source_url: {q('https://example.org/source?"><script>alert(2)</script>')}
  people: [hostile-person]
""",
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    source = write_hostile_site(base)
    output = base / "site"
    result = run_cli("build", "--source", source, "--output", output)
    assert "Traceback" not in result.err
    assert result.code == 0, result.err
    return output


@pytest.fixture(scope="module")
def article_pages(hostile_build) -> dict[str, str]:
    """Seed stem -> the article page's path in the output."""
    data = json.loads((hostile_build / "data.json").read_text(encoding="utf-8"))
    prefix = "https://example.org/basic/"
    pages = {}
    for article in data["articles"]:
        assert article["url"].startswith(prefix), article["url"]
        pages[article["id"]] = article["url"][len(prefix):] + "index.html"
    assert set(pages) == {"plain-one", "markdown-two"}
    return pages


def html_files(output: Path) -> list[Path]:
    files = sorted(output.rglob("*.html"))
    assert files
    return files


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def visible_text(path: Path) -> str:
    soup = soup_of(path)
    for element in soup(["script", "style", "head"]):
        element.decompose()
    return norm(soup.get_text(" "))


def _scheme_of(value: str) -> str:
    """The scheme a browser would see: it drops whitespace and control characters first."""
    return re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(value)).lower()


def test_data_json_holds_the_fields(hostile_build):
    """Sanity check of the fixture itself: the payloads really went in."""
    data = (hostile_build / "data.json").read_text(encoding="utf-8")
    exported = [label for label in [*PLAIN_FIELDS, *MARKDOWN_FIELDS] if label.startswith(("person.", "claim.text", "claim.note", "event.title", "plain.", "md."))]
    for label in exported:
        assert json.dumps(label)[1:-1] in data, label


def _is_theme_script(script, output: Path) -> bool:
    """JSON-LD data blocks, or a same-site script file of the theme (loaded by src, no inline code)."""
    if script.get("type") == "application/ld+json":
        return script.get("src") is None
    src = script.get("src")
    if not src or (script.string or "").strip():
        return False
    if not src.startswith(BASE_PATH) or "//" in src or ":" in src:
        return False
    return (output / src[len(BASE_PATH):].split("?")[0]).is_file()


def test_no_script_but_the_themes_own(hostile_build):
    offenders = []
    for path in html_files(hostile_build):
        for script in soup_of(path).find_all("script"):
            if not _is_theme_script(script, hostile_build):
                offenders.append((path.relative_to(hostile_build).as_posix(), str(script)[:120]))
    assert offenders == []


def test_the_dev_servers_live_reload_never_reaches_the_disk(hostile_build):
    for path in sorted(hostile_build.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".js", ".json", ".xml"):
            data = path.read_bytes()
            assert b"__digest__" not in data and b"livereload" not in data, path.relative_to(hostile_build)


def test_no_inline_styles_that_the_policy_would_block(hostile_build):
    """style-src 'self': a <style> element or style attribute would be blocked (and could come from content)."""
    offenders = []
    for path in html_files(hostile_build):
        soup = soup_of(path)
        offenders += [(path.relative_to(hostile_build).as_posix(), "<style>") for _ in soup.find_all("style")]
        offenders += [(path.relative_to(hostile_build).as_posix(), e.name) for e in soup.find_all(style=True)]
    assert offenders == []


def test_no_event_handler_attributes(hostile_build):
    offenders = []
    for path in html_files(hostile_build):
        for element in soup_of(path).find_all(True):
            for name in element.attrs:
                if name.lower().startswith("on"):
                    offenders.append((path.relative_to(hostile_build).as_posix(), element.name, name))
    assert offenders == []


def test_no_dangerous_urls(hostile_build):
    offenders = []
    for path in html_files(hostile_build):
        for element in soup_of(path).find_all(True):
            for name, value in element.attrs.items():
                if name.lower() in URL_ATTRIBUTES or name.lower().endswith(":href"):
                    values = value if isinstance(value, list) else [value]
                    for item in values:
                        if _scheme_of(item).startswith(DANGEROUS_SCHEMES):
                            offenders.append((path.relative_to(hostile_build).as_posix(), element.name, name, item[:80]))
    assert offenders == []


def test_no_embedding_or_redirecting_elements(hostile_build):
    offenders = []
    for path in html_files(hostile_build):
        soup = soup_of(path)
        for element in soup.find_all(FORBIDDEN_ELEMENTS):
            offenders.append((path.relative_to(hostile_build).as_posix(), element.name))
        for meta in soup.find_all("meta"):
            if (meta.get("http-equiv") or "").lower() == "refresh":
                offenders.append((path.relative_to(hostile_build).as_posix(), "meta refresh"))
        for element in soup.find_all(style=True):
            offenders.append((path.relative_to(hostile_build).as_posix(), f"style attribute on <{element.name}>"))
        body = soup.body
        assert body is not None, path
        for element in body.find_all(["meta", "link", "title", "style"]):
            if element.name == "title" and element.find_parent("svg") is not None:
                continue  # an SVG's accessible name
            offenders.append((path.relative_to(hostile_build).as_posix(), f"<{element.name}> in the body"))
    assert offenders == []


def test_every_html_page_is_one_document(hostile_build):
    """Escaping that failed would let '</title>' or '</html>' from content end the document early."""
    for path in html_files(hostile_build):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(hostile_build).as_posix()
        assert text.count("<html") == 1 and text.count("</html>") == 1, rel
        assert len(soup_of(path).head.find_all("title")) == 1, rel
        assert text.count("<body") == 1 and text.count("</body>") == 1, rel


@pytest.mark.parametrize("field", sorted(PLAIN_FIELDS))
def test_plain_payloads_stay_readable(hostile_build, article_pages, field):
    where = PLAIN_FIELDS[field]
    page = article_pages[where.split(":", 1)[1]] if where.startswith("ARTICLE:") else where
    text = visible_text(hostile_build / page)
    assert f"{field}:" in text, f"{field} is not shown on {page}"
    missing = [p[:60] for p in PAYLOADS if norm(p) not in text]
    assert missing == [], f"payloads dropped from {page}"
    # The whole field, in order: escaped, not dropped, not reordered.
    assert norm(mega(field)) in text, f"{field} is not shown whole on {page}"


@pytest.mark.parametrize("field", sorted(MARKDOWN_FIELDS))
def test_markdown_payloads_stay_readable(hostile_build, field):
    page = MARKDOWN_FIELDS[field]
    text = norm(visible_text(hostile_build / page).replace("*", ""))
    assert field in text, f"{field} is not shown on {page}"
    missing = [p[:60] for p in PAYLOADS if norm_md(p) not in text]
    assert missing == [], f"payloads of {field} dropped from {page}"


@pytest.mark.parametrize("stem", ["plain-one", "markdown-two"])
def test_seed_bodies_stay_readable(hostile_build, article_pages, stem):
    soup = soup_of(hostile_build / article_pages[stem])
    body = soup.select_one(".article-text")
    assert body is not None
    paragraphs = [norm(p.get_text()) for p in body.find_all("p")]
    for payload in PAYLOADS:
        expected = norm(payload) if stem == "plain-one" else norm_md(payload)
        found = [p for p in paragraphs if (p if stem == "plain-one" else p.replace("*", "")).startswith(expected)]
        assert found, f"{payload[:60]!r} is not a paragraph of {stem}"


def test_person_aliases_and_link_labels_stay_readable(hostile_build):
    soup = soup_of(hostile_build / "people/hostile-person/index.html")
    aliases = [alias.get_text() for alias in soup.select(".aliases .alias")]
    assert aliases == ALIAS_PAYLOADS
    labels = [a.get_text() for a in soup.select("ul.external-links a[rel]")]
    assert labels == SHORT_PAYLOADS
    hrefs = [a["href"] for a in soup.select("ul.external-links a[rel]")]
    assert all(h.startswith("https://example.org/link/") for h in hrefs)


@pytest.mark.parametrize(
    ("stem", "quote", "anchor"),
    [
        ("plain-one", TXT_CLAIM_QUOTE, "claim-hostile-claim"),
        ("plain-one", TXT_EVENT_QUOTE, "event-hostile-event"),
        ("markdown-two", MD_CLAIM_QUOTE, "claim-hostile-claim"),
        ("markdown-two", MD_EVENT_QUOTE, "event-hostile-event"),
    ],
)
def test_quotes_of_payloads_are_marked_as_text(hostile_build, article_pages, stem, quote, anchor):
    soup = soup_of(hostile_build / article_pages[stem])
    mark = soup.find("mark", id=anchor)
    assert mark is not None, f"no mark #{anchor} on {stem}"
    assert mark.get_text() == quote
    assert mark.find(lambda tag: tag.name not in ("a",)) is None, "markup inside the mark came from the quote"


def test_quotes_shown_on_the_claim_page(hostile_build):
    soup = soup_of(hostile_build / "claims/hostile-claim/index.html")
    quotes = [norm(p.get_text()) for p in soup.select(".wording blockquote p")]
    assert sorted(quotes) == sorted([TXT_CLAIM_QUOTE, MD_CLAIM_QUOTE])


def test_people_linked_by_hostile_aliases(hostile_build, article_pages):
    """Aliases made of payloads are matched like any name and linked as text."""
    soup = soup_of(hostile_build / article_pages["plain-one"])
    linked = {a.get_text() for a in soup.select('.article-text a[data-person="hostile-person"]')}
    # Each is a whole paragraph, so each stands as a whole word, even one that begins with punctuation.
    expected = {p.strip() for p in ALIAS_PAYLOADS}
    assert expected and linked == expected, (sorted(expected - linked), sorted(linked - expected))


def test_json_ld_parses_and_cannot_close_its_script(hostile_build):
    found = 0
    for path in html_files(hostile_build):
        for script in soup_of(path).find_all("script", type="application/ld+json"):
            raw = script.string or ""
            assert "</" not in raw and "<!--" not in raw, path
            data = json.loads(raw)
            assert isinstance(data, dict) and data.get("@context"), path
            found += 1
    assert found >= 3  # article, person and claim pages at least
    claim = soup_of(hostile_build / "claims/hostile-claim/index.html").find("script", type="application/ld+json")
    assert json.loads(claim.string)["claimReviewed"] == mega("claim.text"), "JSON-LD lost the claim's text"


def _policy(content: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for directive in content.split(";"):
        parts = directive.split()
        if parts:
            policy.setdefault(parts[0].lower(), [token.lower() for token in parts[1:]])
    return policy


def test_content_security_policy_on_every_page(hostile_build):
    for path in html_files(hostile_build):
        rel = path.relative_to(hostile_build).as_posix()
        soup = soup_of(path)
        metas = soup.find_all("meta", attrs={"http-equiv": re.compile("^content-security-policy$", re.I)})
        assert len(metas) == 1, f"{rel}: {len(metas)} CSP meta tags"
        meta = metas[0]
        assert meta.find_parent("head") is not None, rel
        governed = soup.head.find_all(["script", "link", "style"])
        assert all(element.sourceline > meta.sourceline for element in governed), f"{rel}: CSP must come first"
        policy = _policy(meta["content"])
        assert "default-src" in policy, rel
        everything = " ".join(token for tokens in policy.values() for token in tokens)
        assert "'unsafe-inline'" not in everything and "'unsafe-eval'" not in everything, rel
        script_src = policy.get("script-src", policy.get("default-src"))
        assert script_src is not None and "'self'" in script_src, rel
        assert set(script_src) <= {"'self'", "'wasm-unsafe-eval'"}, f"{rel}: script-src {script_src}"
        assert policy.get("object-src", policy["default-src"]) == ["'none'"], rel
        assert policy.get("base-uri") in (["'none'"], ["'self'"]), rel
        for directive in ("default-src", "style-src", "connect-src", "form-action"):
            assert not {"*", "data:", "http:", "https:"} & set(policy.get(directive, [])), f"{rel}: {directive}"


def test_feeds_are_well_formed_and_carry_the_payloads(hostile_build):
    feeds = sorted(hostile_build.rglob("*.xml"))
    assert hostile_build / "feed.xml" in feeds
    for path in feeds:
        ET.fromstring(path.read_bytes())  # raises on malformed XML
    feed = ET.fromstring((hostile_build / "feed.xml").read_bytes())
    text = norm(" ".join(feed.itertext()))
    for field in ("plain.seed-title", "md.title", "plain.outlet", "plain.subtitle", "site.title"):
        assert norm(mega(field)) in text, field
    # The entry content is HTML carried as text: it must be escaped HTML, no live markup.
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    for content in feed.iterfind(".//atom:content", ns):
        inner = BeautifulSoup(content.text or "", "html.parser")
        assert inner.find("script") is None and not any(
            name.startswith("on") for tag in inner.find_all(True) for name in tag.attrs
        )
    person_feed = ET.fromstring((hostile_build / "people/hostile-person/feed.xml").read_bytes())
    assert norm(mega("person.name")) in norm(" ".join(person_feed.itertext()))


def test_data_json_carries_the_payloads_as_text(hostile_build):
    data = json.loads((hostile_build / "data.json").read_text(encoding="utf-8"))
    strings: list[str] = []

    def walk(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    for field in ("person.name", "claim.text", "claim.claimant_text", "event.title", "plain.outlet", "md.title", "plain.seed-title"):
        assert mega(field) in strings, field
    assert mega_md("person.description") in strings
    person = next(p for p in data["people"] if p["id"] == "hostile-person")
    assert person["aliases"] == ALIAS_PAYLOADS
    json.loads((hostile_build / "timeline.json").read_text(encoding="utf-8"))


# -- link fields accept only http(s) -------------------------------------------------------

BAD_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "/relative/path",
    "ftp://example.org/x",
    "http:example.org",
    "https://",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "https://exa mple.org/",
    "http://[::1",
]

URL_FIELDS = {
    # name -> (file, text with {url}, line, column, key in the message)
    "article-url": ("content/articles/markdown-two.yaml", "outlet: Outlet Two\npublished: 2022-11-08\nurl: {url}\n", 3, 6, "url"),
    "person-link": ("content/people/jake-sullivan.yaml", "name: Jake Sullivan\naliases: [Sullivan]\nlinks:\n  wikipedia: {url}\n", 4, 14, "links.wikipedia"),
    "evidence-url": (
        "content/articles/markdown-two.yaml",
        "outlet: Outlet Two\npublished: 2022-11-08\nclaims:\n  - id: talks-not-useful\n    evidence:\n      - label: x\n        url: {url}\n",
        7,
        14,
        "url",
    ),
    "timeline-source-url": ("content/timeline.yaml", "- id: invasion\n  date: 2022-02-24\n  title: Invasion\n  source_url: {url}\n", 4, 15, "source_url"),
    "site-base-url": ("content/site.yaml", "title: Basic\nbase_url: {url}\n", 2, 11, "base_url"),
}


@pytest.mark.parametrize("field", sorted(URL_FIELDS))
@pytest.mark.parametrize("url", BAD_URLS, ids=lambda u: re.sub(r"\W+", "_", u)[:30])
def test_link_fields_accept_only_web_urls(tmp_path, field, url):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    rel, text, line, column, key = URL_FIELDS[field]
    (source / rel).write_text(text.format(url=q(url)), encoding="utf-8")
    output = tmp_path / "out"
    result = run_cli("build", "--source", source, "--output", output)
    assert "Traceback" not in result.err
    assert result.code == 1, result.err
    expected = f"{rel}:{line}:{column}: error: '{key}' must be an http(s) URL, got "
    assert any(line_.startswith(expected) for line_ in result.err_lines), result.err
    assert not output.exists()


def test_markdown_links_and_images_limited_to_web_urls(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    (source / "seeds" / "markdown-two.md").write_text(
        "# Links\n\n"
        "Good [web](https://example.org/a) and [fragment](#top) and ![pic](https://example.org/p.png).\n\n"
        "Bad [js](javascript:alert(1)) [JS](JAVASCRIPT:alert(1)) [vb](vbscript:msgbox(1)) [file](file:///etc/passwd).\n\n"
        "Bad ![img](data:image/png;base64,iVBORw0KGgo=) ![svg](data:image/svg+xml;base64,PHN2Zz4=) "
        "[entity](&#106;avascript:alert(1)) <javascript:alert(1)> <data:text/html,x>.\n\n"
        "[ref]: javascript:alert(1)\n\nBad [ref] reference.\n\n"
        "Sullivan met Zelensky before the talks were not useful again.\n",
        encoding="utf-8",
    )
    (source / "content" / "people" / "jake-sullivan.yaml").write_text(
        "name: Jake Sullivan\naliases: [Sullivan]\n"
        "description: |\n  Good [web](https://example.org/b). Bad [js](javascript:alert(2)) ![d](data:image/gif;base64,R0lGODlh).\n",
        encoding="utf-8",
    )
    (source / "content" / "articles" / "markdown-two.yaml").write_text(
        "outlet: Outlet Two\npublished: 2022-11-08\nclaims:\n  - id: talks-not-useful\n    quote: the talks were not useful again\n",
        encoding="utf-8",
    )
    output = tmp_path / "out"
    result = run_cli("build", "--source", source, "--output", output)
    assert result.code == 0, result.err
    article = soup_of(output / "articles/links/index.html").select_one(".article-text")
    hrefs = [a["href"] for a in article.find_all("a") if not a.get("data-person") and "ref" not in a.get("class", [])]
    assert hrefs == ["https://example.org/a", "#top"]
    assert [img["src"] for img in article.find_all("img")] == ["https://example.org/p.png"]
    text = " ".join(article.get_text().split())
    # a refused link or image shows its text, never its Markdown
    assert "Bad js JS vb file." in text
    assert "Bad img svg entity javascript:alert(1) data:text/html,x." in text
    assert "Bad ref reference." in text
    assert "](" not in text and "[ref]" not in text
    person = soup_of(output / "people/jake-sullivan/index.html").select_one(".prose")
    assert [a["href"] for a in person.find_all("a")] == ["https://example.org/b"]
    assert person.find("img") is None
    assert "Bad js d" in person.get_text() and "](" not in person.get_text()


# -- characters XML cannot carry ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "character"),
    [("seed-title", "\x0c"), ("seed-title", "\x1b"), ("seed-title", "\ufffe"), ("person-name", "\\e"), ("outlet", "\\x0b")],
)
def test_feeds_stay_well_formed_with_control_characters(tmp_path, where, character):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    if where == "seed-title":
        seed = source / "seeds/plain-one.txt"
        seed.write_text(seed.read_text(encoding="utf-8").replace("trade words", f"trade{character}words", 1), encoding="utf-8")
    elif where == "person-name":
        (source / "content/people/vladimir-putin.yaml").write_text(f'name: "Vladimir{character} Putin"\naliases: [Putin]\n', encoding="utf-8")
    else:
        sidecar = source / "content/articles/plain-one.yaml"
        sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("outlet: Outlet One", f'outlet: "Outlet{character}One"'), encoding="utf-8")
    output = tmp_path / "out"
    result = run_cli("build", "--source", source, "--output", output)
    assert result.code in (0, 1) and "Traceback" not in result.err
    if result.code == 1:
        return  # refusing such text with a located error is a fine answer too
    for path in sorted(output.rglob("*.xml")):
        try:
            ET.fromstring(path.read_bytes())
        except ET.ParseError as exc:
            raise AssertionError(f"{path.relative_to(output)} is not well-formed: {exc}") from exc


# -- pathological markdown and huge seeds ---------------------------------------------------------

PATHOLOGICAL_MARKDOWN = {
    "nested-blockquotes": lambda n: ">" * n + " deep quote\n",
    "unclosed-links": lambda n: "[" * n + "x" + "](" * n + "\n",
    "unclosed-images": lambda n: "![" * n + "\n",
    "emphasis-openers": lambda n: "*a " * n + "\n",
    "nested-lists": lambda n: "".join("  " * i + "- item\n" for i in range(math.isqrt(10 * n))),  # n characters or so
    "angle-brackets": lambda n: "<" * (2 * n) + "\n",
    "backticks": lambda n: "`" * n + "\n" + "a`" * (n // 2) + "\n",
    "reference-definitions": lambda n: "".join(f"[r{i}]: https://example.org/{i}\n" for i in range(n // 4)),
    "used-references": lambda n: " ".join(f"[r{i}]" for i in range(n // 8)) + "\n\n" + "".join(f"[r{i}]: https://example.org/{i}\n" for i in range(n // 8)),
    "one-long-paragraph": lambda n: "".join(f"Putin said {i} words to Zelensky\n" for i in range(n // 8)),
    "many-paragraphs": lambda n: "".join(f"Putin said {i} words to Zelensky.\n\n" for i in range(n // 8)),
}


def _build_with_seed(tmp_path: Path, name: str, text: str) -> int:
    """Calls made by a build of a site whose one seed is this one, with the basic site's people (names
    to find in it) and settings: every stage runs on the seed, and little else is built, as the growth
    tests build four times each, counting every call."""
    source = tmp_path / f"src-{len(text)}"
    if source.exists():
        shutil.rmtree(source)
    (source / "seeds").mkdir(parents=True)
    shutil.copytree(SITES / "basic/content/people", source / "content/people")
    shutil.copy(SITES / "basic/content/site.yaml", source / "content/site.yaml")
    (source / "seeds" / name).write_text(text, encoding="utf-8")
    # No search index: waiting on the indexer's subprocess makes a number of calls that depends on timing.
    with open(source / "content/site.yaml", "a", encoding="utf-8") as config:
        config.write("search: false\n")
    results = []
    work = calls(lambda: results.append(run_cli("build", "--source", source, "--output", tmp_path / "out")))
    assert results[0].code == 0 and "Traceback" not in results[0].err, results[0].err
    return work


@pytest.mark.parametrize("shape", PATHOLOGICAL_MARKDOWN)
def test_pathological_markdown_seeds_build_in_linear_work(tmp_path, shape):
    body = PATHOLOGICAL_MARKDOWN[shape]
    ratio = growth(lambda n: _build_with_seed(tmp_path, "hostile.md", "# Hostile structure\n\n" + body(n)), 2_000)
    assert ratio < 3, f"{shape}: work from 2n to 4n is {ratio:.1f} times the work from n to 2n (2: linear, 4: quadratic)"
    soup = soup_of(tmp_path / "out/articles/hostile-structure/index.html")
    assert soup.find("script", src=False, type=lambda t: t != "application/ld+json") is None


TIMELINEJS = TESTS / "js" / "node_modules" / "@knight-lab" / "timelinejs" / "dist" / "js" / "timeline.js"


def test_timeline_json_embedded_with_timelinejs_runs_no_script(hostile_build, tmp_path, browser):
    """The README says to embed /timeline.json with TimelineJS, which puts its text fields into
    the page as HTML: loaded by TimelineJS 3.9 (from npm) in Chromium, every slide shown, no
    payload runs and the hostile names, titles and site title read as text."""
    from browsing import serve_site, unavailable

    if not TIMELINEJS.is_file():
        unavailable(f"{TIMELINEJS} not found: npm ci --prefix tests/js")
    data = json.loads((hostile_build / "timeline.json").read_text(encoding="utf-8"))
    embed = tmp_path / "embed"
    embed.mkdir()
    (embed / "timeline.js").write_bytes(TIMELINEJS.read_bytes())
    inline = json.dumps(data).replace("<", "\\u003c")
    (embed / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>embed</title>"
        "<div id=tl style='width:1100px;height:700px'></div><script src=timeline.js></script>"
        f"<script>window.tl = new TL.Timeline('tl', {inline});</script>",
        encoding="utf-8",
    )
    with serve_site(embed, "/") as url, contextlib.closing(browser.new_page()) as page:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        page.wait_for_function("window.tl && document.querySelectorAll('.tl-slide').length > 1", timeout=30_000)
        slides = page.evaluate("window.tl.config.events.length + 1")
        for number in range(slides):
            page.evaluate(f"window.tl.goTo({number})")
            page.wait_for_timeout(150)
        injected = page.evaluate(
            "[...document.querySelectorAll('#tl *')].filter(e => e.tagName === 'SCRIPT' || e.tagName === 'IFRAME'"
            " || [...e.attributes].some(a => a.name.startsWith('on'))).length"
        )
        shown = page.inner_text("#tl")
        groups = page.eval_on_selector_all(".tl-timegroup-message", "els => els.map(e => e.textContent)")
    assert dialogs == [] and injected == 0
    assert any(label.startswith(f"person.name: {PAYLOADS[0]}") for label in groups), groups
    hostile = data["events"][0]
    assert any(e.get("group") for e in data["events"]), "an event is grouped under the hostile person"
    for payload in PAYLOADS[:3]:
        assert payload in shown, f"{payload!r} shown as text"
    assert "<" not in json.dumps(hostile["text"]["headline"]), "exported escaped"


def test_a_plain_text_seed_of_many_lines_builds_in_linear_work(tmp_path):
    lines = lambda n: "A long seed\n\n" + "".join(f"Line {i}: Putin and Zelensky met again.\n" for i in range(n))  # noqa: E731
    ratio = growth(lambda n: _build_with_seed(tmp_path, "long.txt", lines(n)), 500)
    assert ratio < 3, ratio


def test_seeds_over_the_size_limit_are_refused_before_parsing(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    (source / "seeds/huge.txt").write_text("Huge\n\n" + "word " * (MAX_SEED_BYTES // 5 + 1), encoding="utf-8")
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert result.code == 1
    assert "seeds/huge.txt:1:1: error: seed is larger than 4 MB; no article is this long (split it into parts)" in result.err_lines
    assert "Traceback" not in result.err


def test_a_megabyte_quote_that_is_not_found_says_it_is_too_long_to_look_for(tmp_path, monkeypatch):
    import difflib

    import digest.text.reanchor

    searches = []
    monkeypatch.setattr(difflib.SequenceMatcher, "find_longest_match", lambda *args: searches.append("difflib"))
    monkeypatch.setattr(digest.text.reanchor, "_distances", lambda *args: searches.append("relocate"))
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    sidecar = source / "content/articles/plain-one.yaml"
    quote = "Sullivan met Zelensky in Kyiv " * 35_000
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace('quote: "Vladimir Zelensky met Sullivan in Kyiv"', f'quote: "{quote}"'), encoding="utf-8")
    for command in (["build", "--output", tmp_path / "out"], ["check"], ["check", "--fix"]):
        result = run_cli(*command[:1], "--source", source, *command[1:])
        assert result.code == 1 and "Traceback" not in result.err, result.err
        lines = (result.out + result.err).splitlines()  # check lists its problems on stdout
        assert "content/articles/plain-one.yaml:21:12: error: quote not found in seeds/plain-one.txt; too long to look for a closest passage" in lines
    assert searches == []
