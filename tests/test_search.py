"""Search: the Pagefind index made by the build, and real queries typed into /search/ in headless Chromium."""

from __future__ import annotations

import json

import pytest

from digest import search
from digest.search import index_shard

from browsing import chromium, serve_site
from conftest import copy_site, read_tree, run_cli
from sitecheck import page

BASE_PATH = "/digest/"
CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; "
       "style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'")
WAIT_MS = 15_000


def test_the_build_indexes_articles_people_claims_and_events(demo_build):
    bundle = demo_build / "pagefind"
    assert (bundle / "pagefind-ui.js").is_file() and (bundle / "shards.json").is_file()
    shards = json.loads((bundle / "shards.json").read_text())["shards"]
    assert {"articles", "people", "claims", "events"} <= set(shards) and all((bundle / name / "pagefind-entry.json").is_file() for name in shards)
    soup = page(demo_build, "search/")
    assert soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"] == CSP
    scripts = soup.find_all("script")
    assert [s["src"] for s in scripts] == ["/digest/pagefind/pagefind-ui.js", next(s["src"] for s in scripts if "/assets/search." in s["src"])]
    assert all(not s.string for s in scripts), "no inline script"
    assert soup.select_one("nav a[href='/digest/search/']")
    kinds = {"articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/": "kind:article",
             "people/jake-sullivan/": "kind:person", "claims/sullivan-kremlin-contacts/": "kind:claim"}
    for path, kind in kinds.items():
        body = page(demo_build, path).select("[data-pagefind-body]")
        assert len(body) == 1 and kind in body[0]["data-pagefind-filter"], path
    for path in ("", "timeline/", "timeline/2022/", "compare/", "outlets/rt/", "claims/"):
        assert not page(demo_build, path).select("[data-pagefind-body]"), f"{path} is a list, not a result"


def test_search_false_leaves_search_out(tmp_path):
    site = copy_site("basic", tmp_path)
    with open(site / "content/site.yaml", "a") as config:
        config.write("search: false\n")
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    files = read_tree(tmp_path / "out")
    assert not [path for path in files if path.startswith(("pagefind/", "search/"))]
    assert not any(b"data-pagefind" in data or b"/search/" in data for path, data in files.items() if path.endswith(".html"))


def test_a_failed_index_writes_nothing(tmp_path, monkeypatch):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "out"
    assert run_cli("build", "--source", site, "--output", out).code == 0
    before = read_tree(out)
    failing = tmp_path / "pagefind"
    failing.write_text("#!/bin/sh\necho 'Error: out of disk' >&2\nexit 3\n")
    failing.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_binary", lambda: failing)
    (site / "seeds/plain-one.txt").write_text((site / "seeds/plain-one.txt").read_text() + "A new paragraph.\n")
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 1
    assert result.err_lines[0] == "content/site.yaml:1:1: error: search index: the Pagefind indexer failed (exit 3): Error: out of disk"
    assert read_tree(out) == before


def test_the_index_is_the_same_bytes_every_time():
    """Pagefind writes its filter indexes in hash-map order; the bundle is put in a stable order after."""
    pages = {
        f"p{i}/index.html": (f'<html lang="en"><body data-pagefind-body data-pagefind-filter="kind:{kind}">'
                             f'<h1>Page {i}</h1><p>words {i}</p><span data-pagefind-filter="outlet">{outlet}</span></body></html>').encode()
        for i, (kind, outlet) in enumerate([("article", "A"), ("person", "B"), ("claim", "C"), ("event", "D"), ("claim", "E"), ("article", "F")])
    }
    bundles = [index_shard(list(pages.items()), (), "en") for _ in range(4)]
    assert all(bundle == bundles[0] for bundle in bundles[1:])
    assert any(path.startswith("filter/") for path in bundles[0])


@pytest.fixture(scope="module")
def search_page(demo_build):
    """/digest/search/ in headless Chromium, with the page's own Content-Security-Policy in force."""
    with serve_site(demo_build, BASE_PATH) as base_url, chromium() as browser:
        context = browser.new_context()
        tab = context.new_page()
        tab.set_default_timeout(WAIT_MS)
        problems: list[str] = []
        tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        tab.on("console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None)
        tab.goto(base_url + "search/", wait_until="load")
        tab.wait_for_selector(".pagefind-ui__search-input")
        yield tab, problems, base_url
        context.close()


PAGE_SIZE = 5
"""Results Pagefind's UI shows before "Load more results"."""
COUNTED = """q => {
    const message = document.querySelector('.pagefind-ui__message');
    return message && message.textContent.includes(q) && /^(\\d+ results?|No results) for/.test(message.textContent.trim());
}"""
SHOWN = """n => document.querySelectorAll('.pagefind-ui__result').length === n
    && document.querySelectorAll('.pagefind-ui__result-link').length === n"""


def results_for(tab, query: str) -> list[str]:
    """Type a query; every result's link, after loading all of them ("Load more results")."""
    tab.fill(".pagefind-ui__search-input", query)
    return shown_results(tab, query)


def shown_results(tab, query: str) -> list[str]:
    tab.wait_for_function(COUNTED, arg=query)
    message = tab.text_content(".pagefind-ui__message").strip()
    total = 0 if message.startswith("No results") else int(message.split()[0])
    expected = min(total, PAGE_SIZE)
    tab.wait_for_function(SHOWN, arg=expected)
    while expected < total:
        tab.click("button.pagefind-ui__button")
        expected = min(total, expected + PAGE_SIZE)
        tab.wait_for_function(SHOWN, arg=expected)
    return tab.eval_on_selector_all(".pagefind-ui__result-link", "links => links.map(a => a.getAttribute('href'))")


def test_a_persons_alias_finds_their_page(search_page):
    tab, problems, _ = search_page
    results = results_for(tab, "Zelenskyy")  # written only among his aliases
    assert results and results[0] == "/digest/people/volodymyr-zelensky/"
    assert "/digest/people/nikolai-patrushev/" in results_for(tab, "Nikolay")
    assert problems == []


def test_a_claims_words_find_the_claim_and_events_link_to_the_timeline(search_page):
    tab, problems, _ = search_page
    results = results_for(tab, "catastrophic consequences")
    assert "/digest/claims/catastrophic-consequences-warning/" in results
    assert "/digest/timeline/2022/#event-sullivan-catastrophic-warning" in results
    assert all(href.startswith("/digest/") for href in results), "results work under the sub-path"
    assert "/digest/timeline/2022/#event-g20-bali-summit" in results_for(tab, "Bali")
    assert problems == []


def test_results_filter_by_kind_status_and_outlet(search_page):
    tab, problems, _ = search_page
    everything = results_for(tab, "Sullivan")
    assert {href.split("/")[2] for href in everything} >= {"articles", "people", "claims", "timeline"}
    groups = tab.eval_on_selector_all(".pagefind-ui__filter-name", "names => names.map(n => n.textContent.trim().toLowerCase())")
    assert {"kind", "status", "outlet"} <= set(groups)
    tab.eval_on_selector_all("details.pagefind-ui__filter-block", "blocks => blocks.forEach(b => { b.open = true })")

    def changed_by(action) -> None:
        before = tab.text_content(".pagefind-ui__message")
        action()
        tab.wait_for_function("t => document.querySelector('.pagefind-ui__message').textContent !== t", arg=before)

    def only(name: str, value: str) -> list[str]:
        checkbox = tab.locator(f"input.pagefind-ui__filter-checkbox[name='{name}'][value='{value}']")
        changed_by(checkbox.check)
        found = shown_results(tab, "Sullivan")
        changed_by(checkbox.uncheck)
        return found

    claims = only("kind", "claim")
    assert claims and all(href.startswith("/digest/claims/") for href in claims)
    confirmed = only("status", "Confirmed")
    assert confirmed == ["/digest/claims/catastrophic-consequences-warning/"]
    zerohedge = only("outlet", "ZeroHedge")
    assert zerohedge and "/digest/articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/" not in zerohedge
    assert "/digest/timeline/2022/#event-watson-statement" in zerohedge and "/digest/claims/sullivan-kremlin-contacts/" in zerohedge
    assert problems == []


@pytest.mark.parametrize("cut", [1, 5, 20, -1])
def test_a_bundle_file_cut_short_is_reported_as_truncated(cut):
    """Pagefind writing on a nearly full disk leaves files that end too soon: a clear error, not a crash."""
    import gzip

    from digest.searchbundle import SIGNATURE, BundleTruncated, _decode_file, _encode

    raw = SIGNATURE + _encode(["outlet", [["Outlet One", [1, 2, 3]], ["Outlet Two", [4]]]])
    whole = gzip.compress(raw, mtime=0)
    for data in (whole[:cut], gzip.compress(raw[:cut], mtime=0)):
        with pytest.raises(BundleTruncated):
            _decode_file(data, "pagefind/filter/en_abc.pf_filter")
