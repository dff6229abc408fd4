"""The demo site, read as a reader would: links, people, timeline, claims."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import yaml

from digest.text.dates import parse_edtf

from conftest import REPO, read_tree
from sitecheck import broken_links, page, parse

BASE_PATH = "/digest/"


def test_every_internal_link_and_fragment_resolves(demo_build):
    assert broken_links(demo_build, BASE_PATH) == []


def test_each_person_page_links_every_article_that_names_them(demo_build):
    articles = sorted((demo_build / "articles").glob("*/index.html"))
    assert len(articles) == 2
    named: dict[str, set[str]] = {}
    for path in articles:
        slug = path.parent.name
        for link in parse(path).select(".article-text a[data-person]"):
            named.setdefault(link["data-person"], set()).add(slug)
    assert {"jake-sullivan", "yuri-ushakov", "nikolai-patrushev", "vladimir-putin", "volodymyr-zelensky", "joe-biden",
            "antony-blinken", "sergey-lavrov", "adrienne-watson"} <= set(named)
    for person, slugs in named.items():
        person_page = page(demo_build, f"people/{person}/")
        linked = {a["href"].rstrip("/").split("/")[-1] for a in person_page.select(".mention-list a.article-title")}
        assert linked == slugs, person


def test_spelling_variants_link_to_the_right_person(demo_build):
    rt = page(demo_build, "articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/")
    by_text = {a.get_text(): a["data-person"] for a in rt.select(".article-text a[data-person]")}
    assert by_text["Nikolay Patrushev"] == "nikolai-patrushev"
    assert by_text["Vladimir Zelensky"] == "volodymyr-zelensky"
    assert by_text["Vladimir Putin"] == "vladimir-putin"


def test_timeline_is_in_date_order_with_anchors(demo_build):
    timeline = page(demo_build, "timeline/2022/")
    entries = timeline.select("li.timeline-entry")
    assert len(entries) >= 8
    keys = [(parse_edtf(e["data-date"]).sort_key(), e["data-event"]) for e in entries]
    assert keys == sorted(keys)
    for entry in entries:
        assert entry["id"] == f"event-{entry['data-event']}"


def test_claim_pages_show_each_outlets_wording(demo_build):
    claims_in_both = 0
    for path in sorted((demo_build / "claims").glob("*/index.html")):
        soup = parse(path)
        outlets = [fig["data-outlet"] for fig in soup.select("figure.wording")]
        if {"RT", "ZeroHedge"} <= set(outlets):
            claims_in_both += 1
            quotes = [bq.p.get_text() for bq in soup.select("figure.wording blockquote")]
            assert len(set(quotes)) >= 2, "each outlet shows its own words"
    assert claims_in_both >= 2


def test_marks_contain_exactly_their_quotes(demo_build):
    """Each highlighted passage's text is the quote the sidecar gives (modulo whitespace/quotes)."""
    from digest.text.anchor import normalise

    for sidecar in sorted((REPO / "content/articles").glob("*.yaml")):
        data = yaml.safe_load(sidecar.read_text())
        html = next(p for p in (demo_build / "articles").glob("*/index.html") if _is_article_of(p, sidecar.stem, data))
        soup = parse(html)
        for kind in ("claims", "events"):
            for entry in data.get(kind, []):
                quotes = entry.get("quote")
                if quotes is None:
                    continue
                quotes = quotes if isinstance(quotes, list) else [quotes]
                for number, quote in enumerate(quotes, start=1):
                    exact = quote["exact"] if isinstance(quote, dict) else quote
                    anchor = f"{kind[:-1]}-{entry['id']}" + (f"-{number}" if number > 1 else "")
                    mark = soup.find(id=anchor)
                    assert mark is not None and mark.name == "mark", anchor
                    pieces = [mark] + [m for m in mark.find_all_next("mark") if m.get(f"data-{kind[:-1]}") == entry["id"] and not m.get("id")]
                    text = _mark_text(pieces, exact)
                    assert normalise(text) == normalise(exact), anchor


def _is_article_of(path, stem, data) -> bool:
    soup = parse(path)
    return soup.select_one(".outlet").get_text() == data["outlet"]


def _mark_text(pieces, exact) -> str:
    """Text of a mark and its continuation pieces, without the status/date links."""
    from digest.text.anchor import normalise

    text = ""
    for piece in pieces:
        copy = parse_fragment(str(piece))
        for ref in copy.select("a.ref"):
            ref.decompose()
        text += copy.get_text()
        if normalise(text) == normalise(exact):
            break
    return text


def parse_fragment(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def test_demo_content_meets_the_editorial_brief(demo_build):
    sidecars = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "content/articles").glob("*.yaml"))]
    claim_ids = [{c["id"] for c in s.get("claims", [])} for s in sidecars]
    event_ids = [{e["id"] for e in s.get("events", [])} for s in sidecars]
    assert len(set.intersection(*claim_ids)) >= 2
    assert len(set.intersection(*event_ids)) >= 2
    statuses = {m["data-status"] for p in (demo_build / "claims/status").glob("*/index.html") for m in parse(p).select("[data-claim][data-status]")}
    assert len(statuses) >= 3
    assert len(list((demo_build / "claims").glob("*/index.html"))) >= 6
    import hashlib

    verbatim = {  # the shared seeds, never edited
        "000_6be69f254f387b69.txt": "fb5b1726a2435253deb680e0bbfacecab016a5b727f1f5b096407a65eadb233c",
        "002_777a6654c9615ac4.txt": "b924399955913cf45ae56d6a9895b1e79fffb87bee99e37b33f22a54191cdb50",
    }
    for seed, sha256 in verbatim.items():
        assert hashlib.sha256((REPO / "seeds" / seed).read_bytes()).hexdigest() == sha256, seed


def test_two_builds_are_byte_identical(tmp_path, demo_build):
    again = tmp_path / "again"
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "digest", "build", "--source", str(REPO), "--output", str(again)],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert read_tree(again) == read_tree(demo_build)


def test_pages_have_the_stable_markup_theme_authors_rely_on(demo_build):
    timeline = page(demo_build, "timeline/2022/")
    assert all(li.get("data-date") for li in timeline.select("[data-event]"))
    article = page(demo_build, "articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/")
    for mark in article.select("mark[data-claim]"):
        assert mark["data-status"]
    home = page(demo_build, "")
    assert home.select("[data-claim][data-status]")
    assert str(datetime.date(2022, 11, 7).year) in home.get_text()


def test_no_event_chip_interrupts_a_highlighted_claim(demo_build):
    """An event quoted inside a claim's sentence gives its date chip after the claim, so the claim reads whole."""
    from sitecheck import page as parsed

    for path in sorted(demo_build.glob("articles/*/index.html")):
        soup = parsed(demo_build, str(path.parent.relative_to(demo_build)) + "/")
        assert not soup.select(".article-text mark.claim a.ref"), path
