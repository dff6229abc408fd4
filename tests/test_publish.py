"""Publishing: served under a sub-path, feeds, sitemap, structured data, exports, determinism."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO, copy_site, read_tree, run_cli
from sitecheck import page

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://digest-demo.github.io/digest/"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo built for /repo/ and served by a real HTTP server from the folder above it."""
    parent = tmp_path_factory.mktemp("pages")
    result = run_cli("build", "--source", REPO, "--output", parent / "repo", "--base-url", "https://user.github.io/repo/")
    assert result.code == 0, result.err
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), ""


def test_crawl_under_a_sub_path_resolves_every_link_and_asset(served):
    start = served + "/repo/"
    seen: set[str] = set()
    queue = [start]
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        status, body, content_type = fetch(url)
        assert status == 200, url
        if "html" not in content_type:
            continue
        soup = BeautifulSoup(body, "html.parser")
        ids[url] = {tag["id"] for tag in soup.find_all(id=True)}
        for tag in soup.find_all(["a", "link", "img", "script"]):
            ref = tag.get("href") or tag.get("src")
            if not ref or urlsplit(ref).scheme in ("http", "https") and not ref.startswith(served):
                if ref and ref.startswith("https://user.github.io/") and tag.name == "link":
                    assert ref.startswith("https://user.github.io/repo/")
                continue
            absolute = urljoin(url, ref)
            path = urlsplit(absolute).path
            assert path.startswith("/repo/"), f"{ref} on {url} points outside the sub-path"
            target = absolute.split("#")[0]
            if "#" in absolute:
                fragments.append((url, target, absolute.split("#", 1)[1]))
            queue.append(target)
    assert len([u for u in seen if u.endswith("/")]) >= 25
    for source, target, fragment in fragments:
        assert fragment in ids.get(target, set()), f"{source}: #{fragment} not found on {target}"


def test_404_page_works_at_any_depth(served):
    status, body, _ = fetch(served + "/repo/404.html")
    soup = BeautifulSoup(body, "html.parser")
    hrefs = [a["href"] for a in soup.find_all("a")] + [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assert hrefs and all(h.startswith(("/repo/", "#")) for h in hrefs), hrefs


def test_pages_files(demo_build, tmp_path):
    assert (demo_build / ".nojekyll").read_bytes() == b""
    assert (demo_build / "robots.txt").read_text().splitlines()[-1] == f"Sitemap: {BASE}sitemap.xml"
    assert not (demo_build / "CNAME").exists()
    site = copy_site("basic", tmp_path)
    with (site / "content/site.yaml").open("a") as stream:
        stream.write("cname: news.example.org\n")
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0
    assert (tmp_path / "out/CNAME").read_text() == "news.example.org\n"


def test_no_symlinks_and_readable_permissions(demo_build):
    for path in demo_build.rglob("*"):
        assert not path.is_symlink()
        assert path.stat().st_mode & 0o444 == 0o444, path


def check_atom(path: Path, expected_entries: int, base: str = BASE) -> ET.Element:
    feed = ET.parse(path).getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").startswith(base)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == expected_entries
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        for required in ("id", "title", "updated", "published", "summary", "content"):
            assert entry.find(f"{ATOM}{required}") is not None, required
        assert entry.findtext(f"{ATOM}id").startswith(base)
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith(base)
        assert entry.findtext(f"{ATOM}published").endswith("T00:00:00Z")
        assert entry.findtext(f"{ATOM}updated") >= entry.findtext(f"{ATOM}published")
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert len(set(updated)) == len(updated), f"entries tie on updated: {updated}"
    assert feed.findtext(f"{ATOM}updated") == max(updated)
    return feed


def feed_entries(path: Path) -> dict[str, str]:
    """Entry id -> its updated value."""
    return {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}updated") for e in ET.parse(path).getroot().findall(f"{ATOM}entry")}


def test_feed_entries_are_updated_by_later_annotations(tmp_path):
    """A claim's later review or status change moves its articles' `updated`, never their `published`."""
    site = copy_site("basic", tmp_path)
    assert run_cli("build", "--source", site, "--output", tmp_path / "before").code == 0
    path = site / "content/articles/plain-one.yaml"
    text = path.read_text()
    path.write_text(text.replace(  # no-winter-advance is annotated in plain-one only
        "    claimant_text: a spokesperson\n",
        "    claimant_text: a spokesperson\n    reviewed: 2022-11-20\n    history:\n      - {date: 2022-12-01, status: reported}\n", 1))
    assert run_cli("build", "--source", site, "--output", tmp_path / "after").code == 0
    one = "https://example.org/basic/articles/leaders-trade-words-over-ukraine/"
    before, after = feed_entries(tmp_path / "before/feed.xml"), feed_entries(tmp_path / "after/feed.xml")
    assert before[one].startswith("2022-11-07T") and after[one] == "2022-12-01T00:00:00Z"
    assert {k: v for k, v in after.items() if k != one} == {k: v for k, v in before.items() if k != one}
    assert ET.parse(tmp_path / "after/feed.xml").getroot().findtext(f"{ATOM}updated") == "2022-12-01T00:00:00Z"
    check_atom(tmp_path / "after/feed.xml", len(after), "https://example.org/basic/")
    path.write_text(text.replace("    sourcing: on-record\n", "    sourcing: on-record\n    reviewed: 2022-11-20\n", 1))
    assert run_cli("build", "--source", site, "--output", tmp_path / "shared").code == 0
    shared = feed_entries(tmp_path / "shared/feed.xml")  # talks-not-useful is in both articles: both move, still distinct
    assert sorted(shared.values()) == ["2022-11-20T00:00:00Z", "2022-11-20T00:00:01Z"]
    check_atom(tmp_path / "shared/feed.xml", 2, "https://example.org/basic/")


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([], []),
        (["2022-11-07"], ["2022-11-07T00:00:00Z"]),
        (["2022-11-07", "2022-11-07", "2022-11-06"], ["2022-11-07T00:00:01Z", "2022-11-07T00:00:00Z", "2022-11-06T00:00:00Z"]),
        (["2022-11-07", "2022-11-06", "2022-11-07"], ["2022-11-07T00:00:01Z", "2022-11-06T00:00:00Z", "2022-11-07T00:00:00Z"]),
        (["2022-11-07"] * 61, [f"2022-11-07T00:{(60 - i) // 60:02d}:{(60 - i) % 60:02d}Z" for i in range(61)]),
    ],
)
def test_distinct_timestamps(days, expected):
    """Same-day entries count up from the bottom of the feed: distinct, in feed order, and stable when newer ones are added."""
    import datetime

    from digest.render.publish import distinct_timestamps

    assert distinct_timestamps([datetime.date.fromisoformat(d) for d in days]) == expected


def test_site_feed_is_valid_atom_with_outlets_and_claims(demo_build):
    feed = check_atom(demo_build / "feed.xml", 2)
    entries = feed.findall(f"{ATOM}entry")
    assert {e.findtext(f"{ATOM}author/{ATOM}name") for e in entries} == {"RT", "ZeroHedge"}
    content = BeautifulSoup(entries[0].findtext(f"{ATOM}content"), "html.parser")
    assert [a["href"] for a in content.find_all("a")] and all(a["href"].startswith(BASE + "claims/") for a in content.find_all("a"))
    home = page(demo_build, "")
    assert home.find("link", type="application/atom+xml")["href"] == "/digest/feed.xml"


def test_person_feeds(demo_build):
    check_atom(demo_build / "people/jake-sullivan/feed.xml", 2)
    check_atom(demo_build / "people/sergey-lavrov/feed.xml", 1)
    person = page(demo_build, "people/jake-sullivan/")
    assert {link["href"] for link in person.find_all("link", type="application/atom+xml")} == {"/digest/feed.xml", "/digest/people/jake-sullivan/feed.xml"}


def test_sitemap_lists_every_page_with_content_dates(demo_build):
    root = ET.parse(demo_build / "sitemap.xml").getroot()
    urls = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root.findall(f"{SITEMAP}url")}
    pages = {BASE + p.relative_to(demo_build).as_posix().removesuffix("index.html") for p in demo_build.rglob("index.html")}
    assert set(urls) == pages
    assert set(urls.values()) == {"2022-11-07"}
    for path in demo_build.rglob("*.html"):  # robots.txt is not read under a sub-path: each page names the sitemap
        links = BeautifulSoup(path.read_text(), "html.parser").select("head link[rel=sitemap]")
        assert [(link["href"], link["type"]) for link in links] == [("/digest/sitemap.xml", "application/xml")], path


def jsonld(soup) -> dict:
    return json.loads(soup.find("script", type="application/ld+json").string)


def test_structured_data(demo_build):
    article = jsonld(page(demo_build, "articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/"))
    assert article["@type"] == "NewsArticle" and article["publisher"]["name"] == "RT" and article["datePublished"] == "2022-11-07"
    person = jsonld(page(demo_build, "people/nikolai-patrushev/"))
    assert person["@type"] == "Person" and "Nikolay Patrushev" in person["alternateName"]
    assert all(url.startswith("https://") for url in person["sameAs"])
    assert article["author"] == {"@type": "Organization", "name": "RT"}  # no byline: the outlet
    review = jsonld(page(demo_build, "claims/sullivan-kremlin-contacts/"))
    assert review["@type"] == "ClaimReview" and review["reviewRating"]["alternateName"] == "Reported"
    assert {k: review["reviewRating"][k] for k in ("ratingValue", "bestRating", "worstRating")} == {"ratingValue": 5, "bestRating": 6, "worstRating": 1}
    assert review["author"]["url"] == BASE
    claim = review["itemReviewed"]
    assert len(claim["appearance"]) == 2
    earliest = min(claim["appearance"], key=lambda a: a["datePublished"])
    assert claim["firstAppearance"] == earliest and claim["datePublished"] == earliest["datePublished"] == "2022-11-07"
    for path in demo_build.rglob("*.html"):
        soup = BeautifulSoup(path.read_text(), "html.parser")
        for prop in ("og:title", "og:url", "og:type", "og:site_name"):
            assert soup.find("meta", property=prop), (path, prop)
        assert soup.find("meta", attrs={"name": "twitter:card"})
        assert soup.find("link", rel="canonical")["href"].startswith(BASE)


def test_news_article_names_its_author_and_original(tmp_path):
    """A byline is the author (a Person); without one the outlet is (an Organization). isBasedOn is the original's URL."""
    site = copy_site("basic", tmp_path)
    path = site / "content/articles/plain-one.yaml"
    path.write_text(path.read_text().replace("outlet: Outlet One\n", "outlet: Outlet One\nauthor: Jane Reporter\n"))
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0
    bylined = jsonld(page(tmp_path / "out", "articles/leaders-trade-words-over-ukraine/"))
    assert bylined["author"] == {"@type": "Person", "name": "Jane Reporter"}
    assert bylined["isBasedOn"] == "https://example.com/one"
    other = next(p for p in (tmp_path / "out/articles").glob("*/index.html") if "leaders-trade-words" not in str(p))
    unsigned = json.loads(BeautifulSoup(other.read_text(), "html.parser").find("script", type="application/ld+json").string)
    assert unsigned["author"]["@type"] == "Organization" and unsigned["author"]["name"] == unsigned["publisher"]["name"]


@pytest.mark.parametrize(
    ("statuses", "status", "rating"),
    [
        (None, "confirmed", (6, 6)),
        (None, "reported", (5, 6)),
        (None, "unverified", (4, 6)),
        (None, "disputed", (3, 6)),
        (None, "denied", (2, 6)),
        (None, "false", (1, 6)),
        ("claim_statuses:\n  true: {label: True, description: Yes.}\n  mixed: {label: Mixed, description: Partly.}\n  untrue: {label: Untrue, description: No.}\n", "mixed", (2, 3)),
    ],
)
def test_claim_review_rates_on_the_status_scale(statuses, status, rating, tmp_path):
    """Statuses in their listed order, best supported first, rate from bestRating (how many there are) down to 1."""
    site = copy_site("basic", tmp_path)
    path = site / "content/articles/plain-one.yaml"
    path.write_text(path.read_text().replace("    status: reported\n", f"    status: {status}\n").replace("    status: unverified\n", f"    status: {status}\n"))
    if statuses:
        (site / "content/site.yaml").write_text((site / "content/site.yaml").read_text() + statuses)
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    got = jsonld(page(tmp_path / "out", "claims/talks-not-useful/"))["reviewRating"]
    assert (got["ratingValue"], got["bestRating"], got["worstRating"]) == (*rating, 1)


def test_json_ld_cannot_be_closed_by_content(tmp_path):
    site = copy_site("basic", tmp_path)
    path = site / "content/articles/plain-one.yaml"
    path.write_text(path.read_text().replace("outlet: Outlet One", "outlet: '</script><script>alert(1)</script>'"))
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0
    html = (tmp_path / "out/articles/leaders-trade-words-over-ukraine/index.html").read_text()
    script = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "</script" not in script.lower() and json.loads(script)["publisher"]["name"] == "</script><script>alert(1)</script>"


def test_data_json_and_timeline_json(demo_build):
    data = json.loads((demo_build / "data.json").read_text())
    assert data["format"] == "digest-data/1"
    assert {a["outlet"] for a in data["articles"]} == {"RT", "ZeroHedge"}
    claim = next(c for c in data["claims"] if c["id"] == "sullivan-kremlin-contacts")
    assert len(claim["appearances"]) == 2 and all(u.startswith(BASE + "articles/") for a in claim["appearances"] for u in a["urls"])
    assert len(data["events"]) >= 8 and len(data["people"]) >= 9
    timeline = json.loads((demo_build / "timeline.json").read_text())
    assert timeline["title"]["text"]["headline"]
    kyiv = next(e for e in timeline["events"] if e["unique_id"] == "event-sullivan-kyiv-visit")
    assert kyiv["start_date"] == {"year": "2022", "month": "11", "day": "4"}
    month = next(e for e in timeline["events"] if e["unique_id"] == "event-biden-cnn-interview")
    assert month["start_date"] == {"year": "2022", "month": "10"} and month["display_date"] == "October 2022"


def test_claim_history_and_review_date(tmp_path):
    site = copy_site("basic", tmp_path)
    path = site / "content/articles/plain-one.yaml"
    path.write_text(path.read_text().replace(
        "    sourcing: on-record\n",
        "    sourcing: on-record\n    reviewed: 2022-11-09\n    history:\n      - {date: 2022-11-07, status: unverified, note: First seen.}\n", 1))
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0
    soup = page(tmp_path / "out", "claims/talks-not-useful/")
    assert [li.find("span", class_="badge")["data-status"] for li in soup.select(".status-history li")] == ["unverified"]
    assert jsonld(soup)["datePublished"] == "2022-11-09"


def test_builds_are_identical_across_hash_seeds_paths_and_file_order(tmp_path):
    def build(seed: str, folder: Path, reverse: bool) -> dict[str, bytes]:
        source = folder / "src"
        source.mkdir(parents=True)
        for part in ("seeds", "content"):
            files = sorted((REPO / part).rglob("*"), reverse=reverse)
            for path in files:
                target = source / path.relative_to(REPO)
                if path.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
        out = folder / "deep" / "output"
        result = subprocess.run([sys.executable, "-m", "digest", "build", "--source", str(source), "--output", str(out)],
                                capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        return read_tree(out)

    assert build("1", tmp_path / "a", False) == build("4242", tmp_path / "b", True)


def test_excerpts_publish_only_annotated_sentences(tmp_path):
    site = copy_site("basic", tmp_path)
    with (site / "content/site.yaml").open("a") as stream:
        stream.write("article_text: excerpts\n")
    out = tmp_path / "out"
    assert run_cli("build", "--source", site, "--output", out).code == 0, "build"
    unannotated = "said the talks were not useful either"
    texts = {p: p.read_text() for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".xml", ".json")}
    assert not [p for p, text in texts.items() if unannotated in text]
    soup = page(out, "articles/leaders-trade-words-over-ukraine/")
    excerpts = [p.get_text() for p in soup.select(".article-text p.excerpt")]
    assert excerpts[0].startswith("Vladimir Zelensky met Sullivan in Kyiv")
    assert soup.find("mark", id="claim-talks-not-useful") is not None
    assert soup.select_one(".excerpt-note a")["href"] == "https://example.com/one"


def test_excerpts_can_be_chosen_per_article(tmp_path):
    site = copy_site("basic", tmp_path)
    path = site / "content/articles/markdown-two.yaml"
    path.write_text(path.read_text() + "article_text: excerpts\n")
    out = tmp_path / "out"
    assert run_cli("build", "--source", site, "--output", out).code == 0
    assert "said the talks were not useful either" in (out / "articles/leaders-trade-words-over-ukraine/index.html").read_text()
    assert "variable is code" not in (out / "articles/talks-in-kyiv/index.html").read_text()


def test_exports_and_pages_of_sets_times_and_years_before_the_common_era(tmp_path):
    """One of a set is exported as a span with its honest display_date; a time of day and BC years survive to every output."""
    site = copy_site("basic", tmp_path)
    timeline = site / "content/timeline.yaml"
    timeline.write_text(timeline.read_text(encoding="utf-8") + (
        '- id: some-day-last-week\n  date: "[2022-10-31..2022-11-06]"\n  title: A visit some day last week\n'
        '- id: statement\n  date: 2022-11-06T23:20:30+02:00\n  title: A late statement\n'
        '- id: ides-of-march\n  date: -0043-03-15\n  title: Caesar is killed\n'
    ), encoding="utf-8")
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    out = tmp_path / "out"
    events = {e["id"]: e for e in json.loads((out / "data.json").read_text())["events"]}
    assert {k: events["some-day-last-week"][k] for k in ("date", "display_date", "earliest", "latest", "throughout")} == {
        "date": "[2022-10-31..2022-11-06]", "display_date": "between 31 October and 6 November 2022",
        "earliest": "2022-10-31", "latest": "2022-11-06", "throughout": False}
    assert events["talks-period"]["throughout"] is True
    assert (events["ides-of-march"]["earliest"], events["ides-of-march"]["display_date"]) == ("-0043-03-15", "15 March 44 BC")
    assert events["ides-of-march"]["url"].endswith("timeline/-0043/#event-ides-of-march")
    slides = {e["unique_id"]: e for e in json.loads((out / "timeline.json").read_text())["events"]}
    week = slides["event-some-day-last-week"]
    assert week["start_date"] == {"year": "2022", "month": "10", "day": "31"} and week["end_date"] == {"year": "2022", "month": "11", "day": "6"}
    assert "between 31 October and 6 November 2022" in week["display_date"]
    statement = slides["event-statement"]
    assert statement["start_date"] == {"year": "2022", "month": "11", "day": "6", "hour": "23", "minute": "20", "second": "30"}
    assert "end_date" not in statement and "6 November 2022, 23:20:30 UTC+02:00" in statement["display_date"]
    assert slides["event-ides-of-march"]["start_date"] == {"year": "-43", "month": "3", "day": "15"}
    year_2022 = page(out, "timeline/2022/")
    mark = year_2022.select_one('a.mark[data-event="some-day-last-week"]')
    assert "mark-range" in mark["class"] and mark["aria-label"].startswith("between 31 October and 6 November 2022: ")
    when = year_2022.select_one('#event-statement time')
    assert when["datetime"] == "2022-11-06T23:20:30+02:00" and when.get_text() == "6 November 2022, 23:20:30 UTC+02:00"
    bc = page(out, "timeline/-0043/")
    assert bc.h1.get_text().startswith("44 BC") and not bc.select_one("#event-ides-of-march time").has_attr("datetime")


XML_TEXTS = st.text(st.sampled_from(list("ab &<>\"'\n\r\t\x00\x0b\ufffe\u00e9\u05d0")) | st.characters(), max_size=40)


@given(XML_TEXTS)
def test_xml_escapes_are_saxutils_own(text: str) -> None:
    """Feeds and the sitemap escape as `xml.sax.saxutils` did, byte for byte (its module is no longer imported)."""
    from xml.sax.saxutils import escape, quoteattr

    from digest.render.publish import _NOT_XML, _attr, xml_text

    kept = _NOT_XML.sub("", text)
    assert xml_text(text) == escape(kept)
    assert _attr(text) == quoteattr(kept)


def test_publishing_imports_no_network_modules() -> None:
    """`xml.sax.saxutils` pulled urllib.request, http, ssl and email into every command's start for three escapes."""
    heavy = ("xml.sax", "urllib.request", "http.client", "ssl", "email.message", "email.parser")  # Babel imports the bare email package
    code = f"import sys, digest.render.publish, digest.cli; print(sorted(m for m in sys.modules if m in {heavy!r}))"
    found = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    assert found == "[]"
