"""Search: the Pagefind index made by the build, and real queries typed into /search/ in headless Chromium."""

from __future__ import annotations

import gzip
import json
import math
import os
import re
from typing import Any

import pytest

from digest.search import index as search
from digest.search.index import index_shard

from browsing import serve_site
from conftest import copy_site, read_tree, run_cli
from fresh import fork_workers, in_fresh_process
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
    kinds = {"articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/": "Article",
             "people/jake-sullivan/": "Person", "claims/sullivan-kremlin-contacts/": "Claim"}
    for path, kind in kinds.items():
        body = page(demo_build, path).select("[data-pagefind-body]")
        assert len(body) == 1 and body[0]["data-kind"] == kind and "Kind[data-kind]" in body[0]["data-pagefind-filter"], path
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


@pytest.mark.parametrize(("printed", "told"), [
    ("Error: out of disk\n", "Error: out of disk"),
    ("", "no message"),
    # Rust's panic with RUST_BACKTRACE=1: the place and the message, not the backtrace's closing note
    ("thread 'main' panicked at pagefind/src/service/mod.rs:141:58:\ncalled `Option::unwrap()` on a `None` value\nstack backtrace:\n"
     "   0: rust_begin_unwind\n   1: core::panicking::panic_fmt\nnote: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n",
     "thread 'main' panicked at pagefind/src/service/mod.rs:141:58: called `Option::unwrap()` on a `None` value"),
    # the format before Rust 1.73: the message on the same line
    ("thread 'main' panicked at 'index out of bounds', src/lib.rs:10:5\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
     "thread 'main' panicked at 'index out of bounds', src/lib.rs:10:5"),
])
def test_the_indexers_failure_is_told_by_what_it_printed(printed, told):
    assert search.indexer_failure(printed) == told


def _crashing_indexer(folder, crashes: int):
    """A Pagefind that panics on its first ``crashes`` runs (as Rust does: exit 101, a backtrace), then is the real one."""
    real = search.pagefind_binary()
    assert real is not None
    script = folder / "pagefind"
    script.write_text(
        "#!/bin/sh\n"
        f'count=$(cat "{folder}/runs" 2>/dev/null || echo 0); echo $((count + 1)) > "{folder}/runs"\n'
        f'if [ "$count" -lt {crashes} ]; then\n'
        "  echo \"thread 'main' panicked at pagefind/src/fossick/mod.rs:1:1:\" >&2; echo 'index out of bounds' >&2\n"
        "  echo 'note: Some details are omitted' >&2; exit 101\n"
        f"fi\nexec {real} \"$@\"\n"
    )
    script.chmod(0o755)
    return script


PAGES = [(f"p{i}/index.html", f'<html lang="en"><body data-pagefind-body><h1>Page {i}</h1><p>words {i}</p></body></html>'.encode()) for i in range(3)]


def test_an_indexer_that_panics_once_is_run_again_with_a_note(tmp_path, monkeypatch, caplog):
    """Pagefind was seen to panic once in some thousand runs over pages it indexed every other time."""
    expected = index_shard(PAGES, (), "en")
    crashing = _crashing_indexer(tmp_path, 1)
    monkeypatch.setattr(search, "pagefind_binary", lambda: crashing)
    assert index_shard(PAGES, (), "en") == expected
    assert (tmp_path / "runs").read_text().strip() == "2"
    assert [record.getMessage() for record in caplog.records] == [
        "note: the Pagefind indexer failed (exit 101): thread 'main' panicked at pagefind/src/fossick/mod.rs:1:1: index out of bounds; "
        "indexing the same pages again"]


def test_an_indexer_that_panics_twice_fails_the_index_with_its_panic(tmp_path, monkeypatch):
    crashing = _crashing_indexer(tmp_path, 2)
    monkeypatch.setattr(search, "pagefind_binary", lambda: crashing)
    with pytest.raises(search.SearchIndexError, match=r"exit 101\): thread 'main' panicked at pagefind/src/fossick/mod.rs:1:1: index out of bounds$"):
        index_shard(PAGES, (), "en")
    assert (tmp_path / "runs").read_text().strip() == "2", "once more, not again and again"


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


def fragment_texts(files: dict[str, bytes]) -> dict[str, str]:
    """What Pagefind keeps of each page for its results (url -> content), from a bundle's fragments."""
    found = {}
    for path, data in files.items():
        if path.endswith(".pf_fragment"):
            fragment = json.loads(gzip.decompress(data).removeprefix(b"pagefind_dcd"))
            found[fragment["url"]] = fragment["content"]
    return found


def test_highlight_chips_are_not_indexed_with_the_words_they_follow():
    """A status or date chip is the site's label, not the article's text: indexed, it ran into the word before it."""
    html = ('<html lang="en"><body data-pagefind-body><p>heads the <mark class="claim">Security Council</mark>'
            '<a class="ref ref-claim" href="/c/"><span class="visually-hidden">claim, </span>Reported</a>. The aim '
            '<mark class="event">last week</mark><a class="ref ref-event" href="/t/"><span class="visually-hidden">event, </span>'
            '4 November 2022</a> was peace.</p></body></html>')
    (content,) = fragment_texts(index_shard([("a/index.html", html.encode())], (), "en")).values()
    assert content == "heads the Security Council. The aim last week was peace."


def test_the_demo_articles_are_indexed_without_their_chips(demo_build):
    bundle = demo_build / "pagefind" / "articles"
    texts = fragment_texts({path.name: path.read_bytes() for path in bundle.glob("fragment/*.pf_fragment")})
    article = texts["/articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/"]
    assert "who heads Russia’s Security Council. The aim of the talks" in article
    assert not [url for url, text in texts.items() if "claim, " in text or "event, " in text]


@pytest.fixture(scope="module")
def search_page(demo_build, browser):
    """/digest/search/ in headless Chromium, with the page's own Content-Security-Policy in force."""
    with serve_site(demo_build, BASE_PATH) as base_url:
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
    return message && message.textContent.includes(q) && document.querySelector('.pagefind-ui__results') !== null;
}"""
"""The results of ``q`` are in: their count is in the message, in the page's language ("12 results for q", "12 wyników dla q")."""
SHOWN = """n => document.querySelectorAll('.pagefind-ui__result').length === n
    && document.querySelectorAll('.pagefind-ui__result-link').length === n"""


def results_for(tab, query: str) -> list[str]:
    """Type a query; every result's link, after loading all of them ("Load more results")."""
    tab.fill(".pagefind-ui__search-input", query)
    return shown_results(tab, query)


def shown_results(tab, query: str) -> list[str]:
    tab.wait_for_function(COUNTED, arg=query)
    message = tab.text_content(".pagefind-ui__message").strip().replace(query, "")
    count = re.search(r"\d+", message)
    total = int(count.group(0)) if count else 0
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

    claims = only("Kind", "Claim")
    assert claims and all(href.startswith("/digest/claims/") for href in claims)
    confirmed = only("Status", "Confirmed")
    assert confirmed == ["/digest/claims/catastrophic-consequences-warning/"]
    zerohedge = only("Outlet", "ZeroHedge")
    assert zerohedge and "/digest/articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/" not in zerohedge
    assert "/digest/timeline/2022/#event-watson-statement" in zerohedge and "/digest/claims/sullivan-kremlin-contacts/" in zerohedge
    assert problems == []


@pytest.mark.parametrize("cut", [1, 5, 20, -1])
def test_a_bundle_file_cut_short_is_reported_as_truncated(cut):
    """Pagefind writing on a nearly full disk leaves files that end too soon: a clear error, not a crash."""
    import gzip

    from digest.search.bundle import SIGNATURE, BundleTruncated, _encode, decode_file

    raw = SIGNATURE + _encode(["outlet", [["Outlet One", [1, 2, 3]], ["Outlet Two", [4]]]])
    whole = gzip.compress(raw, mtime=0)
    for data in (whole[:cut], gzip.compress(raw[:cut], mtime=0)):
        with pytest.raises(BundleTruncated):
            decode_file(data, "pagefind/filter/en_abc.pf_filter")


QUERIES = ["Sullivan", "Kremlin", "talks", "Russia", "catastrophic consequences", "Patrushev", "nuclear", "Ukraine", "White House", "Bali"]
PAGEFIND_API = "pagefind.js"
"""Pagefind's own API, as one index's site (`one_index`) is searched."""
FACADE_API = "digest/pagefind.js"
"""digest's facade over it (digest/search/facade.js), as the search page searches the shards."""
SEARCH_API = """async ([bundle, api, shards, ranking, queries]) => {
    const pagefind = await import(bundle + api);
    await pagefind.options({ basePath: bundle + shards[0] + "/", ranking: ranking[shards[0]] || {} });
    for (const name of shards.slice(1)) { await pagefind.mergeIndex(bundle + name + "/", { ranking: ranking[name] || {} }); }
    const found = {};
    for (const q of queries) {
        const search = await pagefind.search(q);
        found[q] = await Promise.all(search.results.map(r => r.data().then(d => [d.meta.url || d.url, r.score])));
    }
    return found;
}"""


def searched(browser, site, queries: list[str], api: str = FACADE_API) -> dict[str, list[tuple[str, float]]]:
    """Every result of each query with its score, best first, through ``api`` (the facade, as the search
    page does, or Pagefind's own JS API) over the shards the site names, with the ranking options
    shards.json gives them (as search.js does)."""
    found = on_search_page(browser, site, SEARCH_API, lambda bundle, manifest: [bundle, api, manifest["shards"], manifest.get("ranking", {}), queries])
    return {query: [(url, score) for url, score in results] for query, results in found.items()}


def on_search_page(browser, site, script: str, arguments) -> Any:
    """``script`` run in the site's search page, served under its base path, given ``arguments(bundle URL, shards.json)``."""
    manifest = json.loads((site / "pagefind/shards.json").read_text())
    with serve_site(site, BASE_PATH) as base_url:
        context = browser.new_context()
        try:
            tab = context.new_page()
            tab.goto(base_url + "search/", wait_until="load")
            return tab.evaluate(script, arguments(base_url + "pagefind/", manifest))
        finally:
            context.close()


def one_index(site, source, target):
    """``site`` with its shards replaced by one index over the same pages and event records (Pagefind's
    ranking as one index gives it: a people shard alone has `NAMES_WEIGHT` for its names)."""
    import shutil

    from digest.pipeline.build import render_site
    from digest.search.index import event_records
    from digest.search.shards import searchable_part

    shutil.copytree(site, target)
    for folder in (target / "pagefind").iterdir():
        if folder.is_dir():
            shutil.rmtree(folder)
    pages = [(path.relative_to(target).as_posix(), part) for path in sorted(target.rglob("*.html"))
             if (part := searchable_part(path.read_bytes())) is not None]
    graph = render_site(source).graph
    for rel, data in index_shard(pages, event_records(graph), graph.config.language).items():
        if search.shard_of(f"{search.BUNDLE}all/{rel}"):
            path = target / "pagefind/all" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    (target / "pagefind/shards.json").write_text(json.dumps({"shards": ["all"], "ranking": {"all": {"metaWeights": {"names": search.NAMES_WEIGHT}}}}))
    return target


def test_the_shards_find_what_one_index_over_the_same_pages_finds(demo_build, tmp_path, search_page):
    """Every query finds the same pages as one index over the same pages (their order: see below)."""
    from conftest import REPO

    single = one_index(demo_build, REPO, tmp_path / "single")
    browser = search_page[0].context.browser
    sharded, whole = searched(browser, demo_build, QUERIES), searched(browser, single, QUERIES, PAGEFIND_API)
    assert all(whole[q] for q in QUERIES)
    for query in QUERIES:
        assert sorted(url for url, _ in sharded[query]) == sorted(url for url, _ in whole[query]), query


RANKED = ["Sullivan", "Patrushev", "Yuri Ushakov", "Zelenskyy", "Kremlin", "talks", "nuclear", "catastrophic consequences",
          "Ukraine", "Bali", "ZeroHedge", "Wall Street Journal", "White House", '"White House official"']
"""Names, an alias, words from claims, outlets, and a phrase: what readers type."""


@pytest.fixture(scope="module")
def split_and_whole(tmp_path_factory):
    """The demo built with every folder split into shards of two pages, and the same pages in one index."""
    from digest.search import shards as searchshards

    from conftest import REPO

    base = tmp_path_factory.mktemp("ranked")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(searchshards, "SHARD_PAGES", 2)
        result = run_cli("build", "--source", REPO, "--output", base / "split")
    assert result.code == 0, result.err
    return base / "split", one_index(base / "split", REPO, base / "whole")


def agreement(sharded: dict[str, list[tuple[str, float]]], whole: dict[str, list[tuple[str, float]]]) -> tuple[float, float]:
    """The fraction of queries whose top ten (URLs, in order) are those of one index, and the mean distance
    a page of one index's top ten moves in the shards' results (a page missing counts as the list's length)."""
    same, moves = 0, []
    for query, expected in whole.items():
        top = [url for url, _ in expected[:10]]
        got = [url for url, _ in sharded[query]]
        same += got[:10] == top
        where = {url: rank for rank, url in enumerate(got)}
        moves += [abs(rank - where.get(url, len(got))) for rank, url in enumerate(top)]
    return same / len(whole), sum(moves) / max(1, len(moves))


TYPOS = ["Ushakovv", "Yuri Ushakovv", "Patrushevv", "Sullivam", "Kremlinn nuclear", "zzzzq", "Ushakov zzzzq"]
"""Words no index holds: Pagefind falls back to the longest indexed word each starts with, or drops it."""


def test_the_shards_find_exactly_what_one_index_finds(split_and_whole, search_page):
    """Issue 13: a shard lacking a query word fell back to a prefix of it ("Ushakov" -> "us", from "U.S."),
    so the shards found pages one index does not. Through the facade they find the same set, typos included;
    without it, Pagefind's API over the same shards shows the bug this guards against."""
    split, whole_site = split_and_whole
    browser = search_page[0].context.browser
    queries = [*RANKED, "Ushakov", *TYPOS]
    sharded, whole = searched(browser, split, queries), searched(browser, whole_site, queries, PAGEFIND_API)
    for query in queries:
        assert sorted(url for url, _ in sharded[query]) == sorted(url for url, _ in whole[query]), query
    urls = {query: sorted(url for url, _ in found) for query, found in whole.items()}
    assert len(urls["Ushakov"]) == 6 and urls["Ushakovv"] == urls["Ushakov"] and urls["zzzzq"] == [], "the typos fall back, or drop"
    assert len(whole["Ushakov zzzzq"]) == 6, "a word found nowhere is dropped, as one index drops it"
    unguarded = searched(browser, split, ["Ushakov"], PAGEFIND_API)["Ushakov"]
    assert len(unguarded) > 12 and "/digest/people/antony-blinken/" in {url for url, _ in unguarded}


FILTERED_API = """async ([bundle, api, shards, queries, filters]) => {
    const pagefind = await import(bundle + api);
    await pagefind.options({ basePath: bundle + shards[0] + "/" });
    for (const name of shards.slice(1)) { await pagefind.mergeIndex(bundle + name + "/", {}); }
    const found = {};
    for (const q of queries) {
        const search = await pagefind.search(q, { filters });
        const urls = await Promise.all(search.results.map(r => r.data().then(d => d.meta.url || d.url)));
        found[q] = { urls: urls.sort(), total: search.unfilteredResultCount, filters: search.filters, totalFilters: search.totalFilters };
    }
    found.all = await pagefind.filters();
    return found;
}"""


def searched_with(browser, site, queries: list[str], filters: dict, api: str) -> dict:
    return on_search_page(browser, site, FILTERED_API, lambda bundle, manifest: [bundle, api, manifest["shards"], queries, filters])


@pytest.mark.parametrize("filters", [{}, {"Kind": ["Claim"]}, {"Kind": {"any": ["Article", "Event"]}}, {"Outlet": ["RT"]}])
def test_the_shards_filter_and_count_as_one_index_does(filters, split_and_whole, search_page):
    """The facade's own filter (which shards to search) never shows: not among the filters, nor in any count;
    the reader's filters narrow the same set one index gives, and every count is one index's."""
    from digest.search.vocabulary import FILTER

    split, whole_site = split_and_whole
    browser = search_page[0].context.browser
    queries = ["Ushakov", "Sullivan", "Ushakovv", "Kremlin talks"]
    sharded, whole = searched_with(browser, split, queries, filters, FACADE_API), searched_with(browser, whole_site, queries, filters, PAGEFIND_API)
    assert FILTER not in sharded["all"] and set(sharded["all"]) == set(whole["all"]) == {"Kind", "Outlet", "Status"}
    for query in queries:
        assert sharded[query] == whole[query], query
    if filters:
        assert any(len(sharded[query]["urls"]) < sharded[query]["total"] for query in queries), "the filter narrows"


def test_without_its_vocabulary_the_facade_searches_every_shard(split_and_whole, search_page, tmp_path):
    """A site whose vocabulary cannot be read (a folder lost in a copy) still searches, as Pagefind alone does."""
    import shutil

    from digest.search.vocabulary import FOLDER

    split, _ = split_and_whole
    site = tmp_path / "site"
    shutil.copytree(split, site)
    shutil.rmtree(site / "pagefind" / FOLDER)
    browser = search_page[0].context.browser
    queries = ["Ushakov", "Sullivan talks"]
    assert searched(browser, site, queries) == searched(browser, site, queries, PAGEFIND_API)


def test_the_search_page_over_shards_finds_what_one_index_finds(split_and_whole, search_page):
    """The reader's path: search.js, Pagefind's UI, the facade; the filter panel shows only the site's filters."""
    from digest.search.vocabulary import FILTER

    split, whole_site = split_and_whole
    browser = search_page[0].context.browser
    queries = ["Ushakov", "Yuri Ushakov", "Ushakovv", "Sullivan"]
    whole = searched(browser, whole_site, queries, PAGEFIND_API)
    with serve_site(split, BASE_PATH) as base_url:
        tab = browser.new_page()
        tab.set_default_timeout(WAIT_MS)
        tab.goto(base_url + "search/", wait_until="load")
        tab.wait_for_selector(".pagefind-ui__search-input")
        for query in queries:
            assert sorted(results_for(tab, query)) == sorted(url for url, _ in whole[query]), query
        groups = tab.eval_on_selector_all(".pagefind-ui__filter-name", "names => names.map(n => n.textContent.trim())")
        boxes = tab.eval_on_selector_all(".pagefind-ui__filter-checkbox", "boxes => boxes.map(b => b.name + ':' + b.value)")
        assert {"Kind", "Outlet", "Status"} <= set(groups) and FILTER not in groups and not [box for box in boxes if FILTER in box], (groups, boxes)
        tab.eval_on_selector_all("details.pagefind-ui__filter-block", "blocks => blocks.forEach(b => { b.open = true })")
        before = tab.text_content(".pagefind-ui__message")
        tab.locator("input.pagefind-ui__filter-checkbox[name='Kind'][value='Claim']").check()
        tab.wait_for_function("t => document.querySelector('.pagefind-ui__message').textContent !== t", arg=before)
        claims = shown_results(tab, "Sullivan")
        assert claims and sorted(claims) == sorted(url for url, _ in whole["Sullivan"] if url.startswith("/digest/claims/"))
        tab.close()


def test_the_shards_rank_a_persons_page_first_and_keep_one_indexs_phrases_in_order(split_and_whole, search_page):
    """What the shards do promise about order, measured against one index over the same pages.

    The shards find the pages one index finds (see the test before this one); a name (or alias) brings the person's page first in
    both; a phrase in quotes is scored by the words' places, which no index statistic enters, so its
    order is one index's. The remaining order is not (see the test after this one); the agreement
    measured here must not fall below what benchmarks/RESULTS.md reports for this corpus."""
    split, whole_site = split_and_whole
    browser = search_page[0].context.browser
    sharded, whole = searched(browser, split, RANKED), searched(browser, whole_site, RANKED, PAGEFIND_API)
    for query in RANKED:
        assert whole[query], query
        assert {url for url, _ in whole[query]} == {url for url, _ in sharded[query]}, query
    for query, person in [("Sullivan", "jake-sullivan"), ("Patrushev", "nikolai-patrushev"), ("Yuri Ushakov", "yuri-ushakov"),
                          ("Zelenskyy", "volodymyr-zelensky")]:
        assert whole[query][0][0] == sharded[query][0][0] == f"/digest/people/{person}/", query
    phrase = '"White House official"'
    assert [score for _, score in sharded[phrase]] == [score for _, score in whole[phrase]]
    assert sorted(sharded[phrase]) == sorted(whole[phrase])
    same, moved = agreement(sharded, whole)
    assert same >= 3 / len(RANKED) and moved <= 2.0, (same, moved)


@pytest.mark.xfail(strict=True, reason="Pagefind 1.5 scores each index with its own page count, term counts and average page "
                   "length, and mergeIndex sorts those scores as they are (benchmarks/RESULTS.md, 'Ranking across shards')")
def test_the_shards_give_one_indexs_top_ten_in_its_order(split_and_whole, search_page):
    """Issue 13's check, not met: strict, so it fails the day it holds and the note above is removed."""
    split, whole_site = split_and_whole
    browser = search_page[0].context.browser
    sharded, whole = searched(browser, split, RANKED), searched(browser, whole_site, RANKED, PAGEFIND_API)
    for query in RANKED:
        assert [url for url, _ in sharded[query][:10]] == [url for url, _ in whole[query][:10]], query


def test_only_what_a_reader_searches_for_is_indexed_and_it_indexes_the_same(demo_build):
    """Pagefind is fed the marked element in a bare page: the same index as from the whole page."""
    from digest.search.shards import searchable_part

    full, slim = [], []
    for path in sorted(demo_build.rglob("*.html")):
        data = path.read_bytes()
        part = searchable_part(data)
        if part is not None:
            rel = path.relative_to(demo_build).as_posix()
            full.append((rel, data))
            slim.append((rel, part))
            assert b"site-header" not in part and b"<nav" not in part.split(b"data-pagefind-body", 1)[0]
    assert len(slim) > 20 and sum(len(p) for _, p in slim) < sum(len(p) for _, p in full) * 0.75
    assert index_shard(slim, (), "en") == index_shard(full, (), "en")


def test_the_index_is_the_same_bytes_on_two_file_systems(tmp_path):
    """Pagefind numbers pages in the order it meets them: digest feeds them in a fixed order,
    so a tmpfs and a disk folder (different directory orders) give the same index."""
    import tempfile
    from pathlib import Path

    shm = Path("/dev/shm")
    other = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path / "second"
    try:
        site = copy_site("basic", tmp_path)
        outputs = [tmp_path / "disk-out", other / "out"]
        for output in outputs:
            assert run_cli("build", "--source", site, "--output", output).code == 0
        first, second = (read_tree(output) for output in outputs)
        assert {p for p in first if p.startswith("pagefind/")} and first == second
    finally:
        if other.parent == shm:
            import shutil

            shutil.rmtree(other, ignore_errors=True)


def test_an_edit_indexes_only_the_shard_of_the_edited_page(tmp_path, monkeypatch):
    from digest.pipeline.build import build_site

    site = copy_site("basic", tmp_path)
    out = tmp_path / "out"
    markdown: list[str] = []
    real_markdown = search.render_markdown
    monkeypatch.setattr(search, "render_markdown", lambda text: markdown.append(text) or real_markdown(text))
    first = build_site(site, out)
    assert set(first.state.search_shards) >= {"articles", "people", "claims", "events"}
    assert len(markdown) == len(first.graph.events) > 0, "a first index renders every event's description"
    markdown.clear()
    runs: list[list[str]] = []
    real = search.index_shard

    def counted(pages, records, language, cancel=None):
        runs.append(sorted({path.split("/")[0] for path, _ in pages} | ({"events"} if records else set())))
        return real(pages, records, language, cancel)

    monkeypatch.setattr(search, "index_shard", counted)
    seed = site / "seeds/plain-one.txt"
    seed.write_text(seed.read_text() + "A new paragraph about zeppelins.\n")
    second = build_site(site, out, previous=first.state)
    assert runs == [["articles"]]
    assert markdown == [], "the events' shard is unchanged: no description rendered again"
    build_site(site, out, previous=second.state)
    assert runs == [["articles"]], "nothing changed: no Pagefind run"
    assert read_tree(out) == read_tree(_clean(site, tmp_path))


def _clean(site, tmp_path):
    out = tmp_path / "clean"
    assert run_cli("build", "--source", site, "--output", out).code == 0
    return out


ARABIC_SEED = "محادثات سرية بين واشنطن وموسكو\nقال جيك سوليفان إن المحادثات مع الكرملين كانت مفيدة.\nوأضاف سوليفان أن الاتصالات ستستمر «بهدوء».\n"


def test_an_arabic_article_is_found_from_the_english_search_page(tmp_path, search_page):
    site = copy_site("basic", tmp_path)
    (site / "seeds/arabic.txt").write_text(ARABIC_SEED, encoding="utf-8")
    (site / "content/articles/arabic.yaml").write_text("language: ar\noutlet: صحيفة المثال\npublished: 2022-11-09\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("build", "--source", site, "--output", out).code == 0
    assert page(out, "search/").html["lang"] == "en"
    (arabic,) = [p for p in out.rglob("index.html") if 'lang="ar"' in p.read_text(encoding="utf-8")[:200]]
    url = "/basic/" + arabic.parent.relative_to(out).as_posix() + "/"
    with serve_site(out, "/basic/") as base_url:
        tab = search_page[0].context.browser.new_page()
        tab.set_default_timeout(WAIT_MS)
        tab.goto(base_url + "search/", wait_until="load")
        tab.wait_for_selector(".pagefind-ui__search-input")
        assert url in results_for(tab, "بهدوء")
        tab.close()


# Result labels and a person's own page first, over the shards

RESULT = """q => Array.from(document.querySelectorAll('.pagefind-ui__result')).map(r => ({
    href: r.querySelector('.pagefind-ui__result-link').getAttribute('href'),
    excerpt: r.querySelector('.pagefind-ui__result-excerpt').textContent,
    tags: Array.from(r.querySelectorAll('.pagefind-ui__result-tag')).map(t => t.textContent.trim()),
}))"""


def shown_with_labels(tab, query: str) -> list[dict]:
    """Every result of ``query`` (all pages of them): its link, excerpt and tags."""
    results_for(tab, query)
    return tab.evaluate(RESULT, query)


@pytest.fixture(scope="module")
def split_polish_build(tmp_path_factory):
    """The demo as a Polish site, its people, articles, claims and events each split into several shards."""
    from digest.search import shards as searchshards

    site = copy_site("demo", tmp_path_factory.mktemp("split"))
    config = site / "content/site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("language: en\n", "language: pl\n"), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(searchshards, "SHARD_PAGES", 2)
        result = run_cli("build", "--source", site, "--output", site / "site")
    assert result.code == 0, result.err
    return site / "site"


LABELS = {
    "en": {"person": "Kind: Person", "claim": "Kind: Claim", "event": "Kind: Event", "article": "Kind: Article", "reported": "Status: Reported"},
    "pl": {"person": "Rodzaj: Osoba", "claim": "Rodzaj: Twierdzenie", "event": "Rodzaj: Wydarzenie", "article": "Rodzaj: Artykuł",
           "reported": "Status: Doniesienie"},
}


@pytest.mark.parametrize("which", ["demo", "split-pl"])
def test_a_persons_name_finds_their_own_page_first_and_every_result_is_labelled(which, demo_build, split_polish_build, search_page):
    site, language = (demo_build, "en") if which == "demo" else (split_polish_build, "pl")
    shards = json.loads((site / "pagefind/shards.json").read_text())["shards"]
    if which == "split-pl":
        assert len([name for name in shards if name.startswith("people-")]) > 1 and len(shards) > 8, shards
    labels = LABELS[language]
    with serve_site(site, BASE_PATH) as base_url:
        tab = search_page[0].context.browser.new_page()
        tab.set_default_timeout(WAIT_MS)
        tab.goto(base_url + "search/", wait_until="load")
        tab.wait_for_selector(".pagefind-ui__search-input")
        for query in ("Ushakov", "Yuri Ushakov"):
            results = shown_with_labels(tab, query)
            assert results[0]["href"] == "/digest/people/yuri-ushakov/" and results[0]["tags"] == [labels["person"]], (query, results)
            hrefs = [r["href"] for r in results]
            assert "/digest/people/vladimir-putin/" not in hrefs and "/digest/people/nikolai-patrushev/" not in hrefs, \
                "a person's page is not found for the names in its network and lists"
            assert "/digest/claims/sullivan-kremlin-contacts/" in hrefs and any("#event-" in href for href in hrefs)
        found = {query: shown_with_labels(tab, query) for query in ("Zelenskyy", "Patrushev", "Sullivan")}
        assert [found[query][0]["href"] for query in found] == [
            "/digest/people/volodymyr-zelensky/", "/digest/people/nikolai-patrushev/", "/digest/people/jake-sullivan/"]
        results = found["Sullivan"]
        kinds = {r["href"].split("/")[2]: r["tags"] for r in results}
        assert kinds["people"] == [labels["person"]] and kinds["articles"] == [labels["article"]] and kinds["timeline"] == [labels["event"]]
        claim = next(r for r in results if r["href"] == "/digest/claims/sullivan-kremlin-contacts/")
        assert claim["tags"] == [labels["claim"], labels["reported"]]
        # The filter panel shows the index's names for its filters and kinds: the site's words.
        groups = tab.eval_on_selector_all(".pagefind-ui__filter-name", "names => names.map(n => n.textContent.trim())")
        values = tab.eval_on_selector_all(".pagefind-ui__filter-checkbox", "boxes => boxes.map(b => b.value)")
        kind, article, person = labels["person"].split(": ")[0], labels["article"].split(": ")[1], labels["person"].split(": ")[1]
        assert kind in groups and {article, person} <= set(values), (groups, values)
        tab.close()


STATUS_WORDS = ["Reported", "Confirmed", "Disputed", "Denied", "Unverified", "False"]


def test_a_claims_snippet_shows_its_text_not_its_status_twice(search_page):
    """The status line (badge, then a description starting with the same word) is not indexed:
    the status is the result's tag and a filter, and the excerpt is the claim's own words."""
    tab, problems, _ = search_page
    seen = 0
    for query in ("Sullivan", "nuclear", "Patrushev", "Putin", "reported"):
        for result in shown_with_labels(tab, query):
            if "/claims/" not in result["href"]:
                continue
            seen += 1
            excerpt = " ".join(result["excerpt"].split())
            assert not any(f"{word} {word}" in excerpt for word in STATUS_WORDS), excerpt
            assert "citing sources, not independently confirmed" not in excerpt and "Established from" not in excerpt, excerpt
            assert not excerpt.startswith("Claim ")
    assert seen >= 4 and problems == []


def test_an_articles_snippet_has_no_chip_words(search_page):
    """The chips after highlights ("claim, Reported", "event, 6 November 2022") are the site's words, not the article's."""
    tab, _, _ = search_page
    articles = [r for r in shown_with_labels(tab, "Patrushev") if "/articles/" in r["href"]]
    assert articles
    for result in articles:
        assert "claim," not in result["excerpt"] and "event," not in result["excerpt"], result["excerpt"]


@pytest.mark.parametrize(("sizes", "expected"), [
    ({"articles": 400, "people": 400}, {"people": 100.0}),
    ({"articles": 400, "people": 9}, {"people": round(100 * math.log(399.5 / 1.5 + 1) / math.log(8.5 / 1.5 + 1), 3)}),
    ({"people": 1}, {"people": 100.0}),
    ({"articles": 3, "people": 50}, {"people": 100.0}),
    ({"articles": 800, "people-0": 300, "people-1": 2}, {"people-0": round(100 * math.log(799.5 / 1.5 + 1) / math.log(299.5 / 1.5 + 1), 3),
                                                         "people-1": round(100 * math.log(799.5 / 1.5 + 1) / math.log(1.5 / 1.5 + 1), 3)}),
])
def test_a_people_shards_names_weigh_as_much_as_a_rare_word_in_the_largest_shard(sizes, expected):
    from digest.search.shards import ShardPlan

    shards = ShardPlan({name: tuple(f"{name}/{i}/index.html" for i in range(size)) for name, size in sizes.items()}, {})
    assert search.names_weights(shards) == expected
    events = ShardPlan({"people": ("people/a/index.html",)}, {"events": tuple(f"e{i}" for i in range(100))})
    assert search.names_weights(events)["people"] > 100, "event records count as pages of their shard"


def test_the_manifest_gives_the_people_shards_their_ranking(demo_build):
    manifest = json.loads((demo_build / "pagefind/shards.json").read_text())
    assert set(manifest["ranking"]) == {"people"} and manifest["ranking"]["people"]["metaWeights"]["names"] >= search.NAMES_WEIGHT
    names = page(demo_build, "people/yuri-ushakov/").select_one("[data-pagefind-body]")["data-pagefind-meta"]
    assert names == "names:Yuri Ushakov, Ushakov"
    labels = json.loads(page(demo_build, "search/").select_one("#search")["data-labels"])
    assert labels == {"kind": "Kind", "outlet": "Outlet", "status": "Status", "article": "Article", "person": "Person", "claim": "Claim", "event": "Event"}


def _pages_read_by_a_build(site: str, out: str, forked: bool, edit: bool) -> tuple[list[str], list[str], dict[str, bytes]]:
    """In a fresh process (forked render workers, as `digest build` renders): a cold build of ``site``, then with
    ``edit`` one after a seed edit; the pages the search stage read back, those the last build rendered, and its bundle."""
    from pathlib import Path

    from digest.pipeline import build
    from digest.pipeline.write import Stage

    if forked:
        fork_workers()
    read: list[str] = []
    real = Stage.read

    def counted(self, rel):
        if rel.endswith(".html") and not rel.startswith("pagefind/"):
            read.append(rel)
        return real(self, rel)

    Stage.read = counted  # type: ignore[method-assign]
    result = build.build_site(Path(site), Path(out))
    if edit:
        read.clear()
        seed = Path(site) / "seeds/plain-one.txt"
        seed.write_text(seed.read_text() + "A new paragraph about zeppelins.\n")
        result = build.build_site(Path(site), Path(out), previous=result.state)
    bundle = {path: data for path, data in read_tree(Path(out)).items() if path.startswith("pagefind/")}
    return read, result.rendered, bundle


@pytest.mark.parametrize("forked", [True, False], ids=["forked-workers", "one-process"])
def test_a_cold_build_reads_no_page_back_and_indexes_what_reading_them_indexes(forked, tmp_path):
    """The render step hands each page's searchable part to the search stage (`Rendering.search_parts`):
    a cold build reads no page back, and its index is the same bytes as one made from the pages read back
    (`index_search` over a build held in memory reads every page)."""
    from digest.pipeline.build import index_search, render_site

    site = copy_site("basic", tmp_path)
    read, rendered, bundle = in_fresh_process(_pages_read_by_a_build, str(site), str(tmp_path / "out"), forked, False)
    assert read == [] and len(rendered) > 20
    in_memory = render_site(site)
    index_search(in_memory)
    assert {path for path in bundle if path.endswith(".pf_fragment")}
    assert bundle == {path: data for path, data in in_memory.outputs.items() if path.startswith("pagefind/")}


def test_after_an_edit_only_pages_not_rendered_again_are_read_back(tmp_path):
    site = copy_site("basic", tmp_path)
    read, rendered, bundle = in_fresh_process(_pages_read_by_a_build, str(site), str(tmp_path / "out"), True, True)
    assert rendered and read, "the edited article's shard is indexed again, its other pages read back"
    assert not set(read) & set(rendered)
    assert all(path.startswith("articles/") for path in read)
    assert bundle == {path: data for path, data in read_tree(_clean(site, tmp_path)).items() if path.startswith("pagefind/")}


WORKER_SEARCH = """async ([bundle, query]) => {
    const pagefind = await import(bundle + "digest/pagefind.js");
    const found = await pagefind.search(query, { verbose: true });
    const loaded = performance.getEntriesByType("resource").map(entry => new URL(entry.name).pathname).filter(path => path.endsWith("-worker.js"));
    return [found.search_environment, found.results.length, loaded];
}"""


def test_search_runs_in_pagefinds_web_worker_without_a_warning(demo_build, search_page):
    """Pagefind 1.5 starts its web worker from the folder of the first index a page opens: the facade opens the
    vocabulary first, and the vocabulary's folder has the worker. Without it, search ran on the page's thread after
    a console warning. (The other browser tests, which compare the shards with one index, search through it too.)"""
    assert (demo_build / "pagefind/vocabulary/pagefind-worker.js").is_file()
    assert not list((demo_build / "pagefind").glob("*/*/pagefind-worker.js")) and len(list((demo_build / "pagefind").glob("*/pagefind-worker.js"))) == 1
    with serve_site(demo_build, BASE_PATH) as base_url:
        context = search_page[0].context.browser.new_context()
        try:
            tab = context.new_page()
            tab.set_default_timeout(WAIT_MS)
            messages: list[str] = []
            tab.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
            tab.on("pageerror", lambda error: messages.append(f"page error: {error}"))
            tab.goto(base_url + "search/?q=Sullivan", wait_until="load")
            tab.wait_for_function(COUNTED, arg="Sullivan")
            assert tab.locator(".pagefind-ui__result").count() > 0
            environment, count, loaded = tab.evaluate(WORKER_SEARCH, [base_url + "pagefind/", "Sullivan"])
        finally:
            context.close()
    assert environment == "webworker" and count > 0
    assert loaded == [BASE_PATH + "pagefind/vocabulary/pagefind-worker.js"]
    assert not [message for message in messages if "worker" in message.lower() or message.startswith(("error", "warning", "page error"))], messages


def test_event_records_word_each_date_once(monkeypatch):
    """`event_records` words each date of the timeline once (11,180 events have 4,274 dates at 10,000
    articles), and its records are those `event_record` makes one at a time, in the site's order."""
    from digest.pipeline.build import render_site
    from digest.render.templates import search_words
    from digest.search.index import event_record, event_records
    from digest.text.dates import EDTFDate

    from conftest import REPO

    graph = render_site(REPO).graph
    dates = [event.date.text for event in graph.events.values() if event.date is not None]
    assert len(set(dates)) < len(dates), "the demo's timeline has two events on one date"
    worded: list[str] = []
    original = EDTFDate.display
    monkeypatch.setattr(EDTFDate, "display", lambda self, *args: worded.append(self.text) or original(self, *args))
    records = event_records(graph)
    assert sorted(worded) == sorted(set(dates))
    words = tuple(search_words(graph.locale).items())
    assert records == tuple(event_record(graph, event, words) for event in graph.events.values())


def test_a_shards_files_are_handed_on_as_its_run_ends_while_the_others_run(monkeypatch):
    """`make_shards` with ``done``: a build writes each shard's files while the next runs go on, instead of
    all of them after the last run (39,000 files at 10,000 articles); the word lists and the files every
    shard shares come back for the vocabulary and the write after."""
    import threading

    from digest.search.shards import ShardPlan
    from digest.search.vocabulary import ShardWords

    plan = search.SearchPlan({}, ShardPlan({"articles-0": ("a/index.html",), "articles-1": ("b/index.html",)}, {}), {}, False)
    first_handed = threading.Event()

    def index_shard(pages, records, language, cancel=None):
        [(path, _)] = pages
        if path == "b/index.html":  # runs beside the first shard's run (two at a time)
            assert first_handed.wait(20), "the first shard's files were not handed on while the second ran"
        return {"fragment/x.pf_fragment": path.encode(), "pagefind.js": b"js"}

    monkeypatch.setattr(search, "index_shard", index_shard)
    monkeypatch.setattr(search, "shard_words", lambda bundle: ShardWords((), ()))
    handed: dict[str, bytes] = {}

    def done(path: str, data: bytes) -> None:
        handed[path] = data
        first_handed.set()

    page = b"<html><body><main data-pagefind-body><p>Words.</p></main></body></html>"
    files = search.make_shards(plan, plan.shards.names, lambda path: page, (), "en", done=done)
    assert handed == {"pagefind/articles-0/fragment/x.pf_fragment": b"a/index.html", "pagefind/articles-1/fragment/x.pf_fragment": b"b/index.html"}
    assert set(files) == {f"pagefind/articles-{n}/{search.WORDS}" for n in (0, 1)} | {"pagefind/pagefind.js", f"pagefind/{search.FACADE}"}
