"""Outlet pages and the comparison table, checked against the demo's own annotations."""

from __future__ import annotations

import pytest
import yaml

from digest.text.anchor import normalise
from digest.text.language import same_language
from digest.text.slugs import slugify

from conftest import REPO, copy_site, run_cli
from sitecheck import page

CLAIM_IN_BOTH = "sullivan-kremlin-contacts"


def sidecars() -> dict[str, dict]:
    """Outlet -> its sidecar, for the demo (one article per outlet)."""
    data = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "content/articles").glob("*.yaml"))]
    return {d["outlet"]: d for d in data}


def quotes_of(entry: dict) -> list[str]:
    quotes = entry.get("quote")
    if quotes is None:
        return []
    return [q["exact"] if isinstance(q, dict) else q for q in (quotes if isinstance(quotes, list) else [quotes])]


def test_every_cell_of_the_comparison_holds_the_outlets_own_quotes(demo_build):
    compare = page(demo_build, "compare/")
    by_outlet = sidecars()
    outlets = [th.get_text(strip=True) for th in compare.select("#compare-claims + .table-scroll thead th")][1:]
    assert outlets == sorted(by_outlet)
    for kind in ("claim", "event"):
        ids = {entry["id"] for sidecar in by_outlet.values() for entry in sidecar.get(f"{kind}s", [])}
        rows = compare.select(f"tr[data-{kind}]")
        assert {row[f"data-{kind}"] for row in rows} == ids
        for row in rows:
            assert row["id"] == f"{kind}-{row[f'data-{kind}']}"
            if kind == "claim":
                assert row["data-status"] and row.select_one(f".badge[data-status='{row['data-status']}']")
            cells = {td["data-outlet"]: td for td in row.find_all("td")}
            assert list(cells) == outlets
            for outlet, td in cells.items():
                entry = next((e for e in by_outlet[outlet].get(f"{kind}s", []) if e["id"] == row[f"data-{kind}"]), None)
                shown = [normalise(bq.p.get_text()) for bq in td.select("blockquote")]
                if entry is None:
                    assert td.get_text(" ", strip=True) == "— not mentioned" or td.select_one(".not-mentioned").get_text() == "not mentioned"
                    assert "empty" in td["class"] and shown == []
                else:
                    assert shown == [normalise(q) for q in quotes_of(entry)], (outlet, row[f"data-{kind}"])
                    for link in td.select("a.jump"):
                        assert link["href"].startswith("/digest/articles/") and "#" in link["href"]


def test_the_comparison_is_linked_from_home_nav_and_each_claim(demo_build):
    home = page(demo_build, "")
    assert home.select_one("main a[href='/digest/compare/']")
    assert home.select_one("nav a[href='/digest/compare/']") and home.select_one("nav a[href='/digest/outlets/']")
    for path in sorted((demo_build / "claims").glob("*/index.html")):
        cid = path.parent.name
        claim = page(demo_build, f"claims/{cid}/")
        assert claim.select_one(f"a[href='/digest/compare/#claim-{cid}']"), cid
        for figure in claim.select("figure.wording"):
            outlet = figure["data-outlet"]
            assert figure.select_one(f"a.outlet[href='/digest/outlets/{slugify(outlet)}/']").get_text() == outlet


def test_outlet_pages_list_articles_claims_with_statuses_and_wording_differences(demo_build):
    by_outlet = sidecars()
    index = page(demo_build, "outlets/")
    assert [a.get_text() for a in index.select("a.outlet")] == sorted(by_outlet)
    for outlet, sidecar in by_outlet.items():
        soup = page(demo_build, f"outlets/{slugify(outlet)}/")
        assert soup.h1.get_text() == outlet
        assert len(soup.select("#outlet-articles ~ ul a.article-title")) == 1
        carried = {item["data-claim"]: item["data-status"] for item in soup.select(".claim-list [data-claim]")}
        assert set(carried) == {c["id"] for c in sidecar["claims"]} and all(carried.values())
        events = {li["data-event"] for li in soup.select("#outlet-events ~ ul [data-event]")}
        assert events == {e["id"] for e in sidecar["events"]}
        diff = soup.select_one(f".diff-claim[data-claim='{CLAIM_IN_BOTH}']")
        own, other = diff.select("figure.wording")
        assert own["data-outlet"] == outlet and other["data-outlet"] != outlet
        entry = next(c for c in sidecar["claims"] if c["id"] == CLAIM_IN_BOTH)
        assert normalise(own.blockquote.get_text().replace("differs: ", "")) == normalise(" … ".join(quotes_of(entry)))
        marked = [m.get_text().replace("differs: ", "") for m in own.select("mark.diff")]
        assert marked and all(word not in ("Sullivan", "Yuri Ushakov") for word in marked)
    rt = page(demo_build, "outlets/rt/")
    marked = " ".join(m.get_text() for m in rt.select(f".diff-claim[data-claim='{CLAIM_IN_BOTH}'] figure[data-outlet='RT'] mark.diff"))
    assert "touch" in marked and "contact" not in marked  # RT: "in touch with"; ZeroHedge: "in contact with"


def test_outlet_slugs_are_unique(tmp_path):
    site = copy_site("basic", tmp_path)
    sidecar = site / "content/articles/markdown-two.yaml"
    text = sidecar.read_text()
    outlet_line = next(line for line in text.splitlines() if line.startswith("outlet:"))
    first = next(line for line in (site / "content/articles/plain-one.yaml").read_text().splitlines() if line.startswith("outlet:"))
    name = first.split(":", 1)[1].strip().strip('"')
    sidecar.write_text(text.replace(outlet_line, f'outlet: "{name}!"'))
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    slugs = sorted(p.parent.name for p in (tmp_path / "out/outlets").glob("*/index.html"))
    assert slugs == [slugify(name), f"{slugify(name)}-2"]


def test_wordings_in_other_languages_are_linked_not_diffed(tmp_path):
    """An Arabic wording beside English ones: no "shares 0% of its words", a note and links instead."""
    site = copy_site("basic", tmp_path)
    (site / "seeds/arabic.txt").write_text("محادثات في كييف\nقال المتحدث إن المحادثات لم تكن مفيدة.\n", encoding="utf-8")
    (site / "content/articles/arabic.yaml").write_text(
        "language: ar\noutlet: Al Jazeera Arabic\npublished: 2022-11-09\n"
        "claims:\n  - id: talks-not-useful\n    quote: المحادثات لم تكن مفيدة\n",
        encoding="utf-8",
    )
    (site / "seeds/british.txt").write_text("Talks in London\nThe spokesman said the talks were not useful at all.\n", encoding="utf-8")
    (site / "content/articles/british.yaml").write_text(
        "language: en-GB\noutlet: Outlet Three\npublished: 2022-11-09\n"
        "claims:\n  - id: talks-not-useful\n    quote: the talks were not useful at all\n",
        encoding="utf-8",
    )
    output = tmp_path / "out"
    result = run_cli("build", "--source", site, "--output", output)
    assert result.code == 0, result.err

    one = page(output, "outlets/outlet-one/").select_one(".diff-claim[data-claim='talks-not-useful']")
    compared = {figure["data-outlet"] for pair in one.select(".diff-pair") for figure in pair.select("figure.wording")}
    assert compared == {"Outlet One", "Outlet Two", "Outlet Three"}  # en and en-GB are one language
    (arabic,) = one.select("figure.other-language")
    assert arabic["data-outlet"] == "Al Jazeera Arabic"
    assert "another language (ar)" in arabic.figcaption.get_text()
    assert arabic.select_one("a.outlet")["href"].endswith("/outlets/al-jazeera-arabic/")
    assert (arabic.blockquote["lang"], arabic.blockquote["dir"]) == ("ar", "rtl")
    assert arabic.blockquote.get_text(strip=True) == "المحادثات لم تكن مفيدة"
    assert arabic.select_one("a.jump")["href"].endswith("#claim-talks-not-useful")
    assert not arabic.select("mark.diff") and "shares" not in arabic.get_text()

    ajazeera = page(output, "outlets/al-jazeera-arabic/").select_one(".diff-claim[data-claim='talks-not-useful']")
    assert not ajazeera.select(".diff-pair") and "shares" not in ajazeera.get_text()
    assert {f["data-outlet"] for f in ajazeera.select("figure.other-language")} == {"Outlet One", "Outlet Two", "Outlet Three"}
    english = ajazeera.select_one("figure.other-language[data-outlet='Outlet One'] blockquote")
    assert (english["lang"], english["dir"]) == ("en", "ltr")


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [("en", "en", True), ("en", "en-GB", True), ("EN-gb", "en-US", True), ("ar", "en", False),
     ("sr-Latn", "sr-Cyrl", False), ("sr-Latn-RS", "sr-latn", True), ("pt-BR", "pt", True), ("zh-Hant", "zh-Hans", False)],
)
def test_same_language_compares_language_and_script(first, second, same):
    assert same_language(first, second) is same


def test_each_row_is_made_once_for_the_comparison_and_every_outlet_page(monkeypatch):
    """A claim's row shows on its comparison page and on the page of each outlet carrying it: made once per graph,
    the very same object on each, and made again for a new graph (a rebuild links a new one)."""
    from digest.pipeline.build import render_source
    from digest.views import outlets

    graph = render_source(REPO).graph
    made: list[tuple] = []
    cells = outlets._cells
    monkeypatch.setattr(outlets, "_cells", lambda graph, occurrences, column: made.append(tuple(occurrences)) or cells(graph, occurrences, column))
    slugs = outlets.outlet_slugs(graph).values()
    compared = [outlets.comparison_page(graph, 1), *(outlets.outlet_page(graph, slug, 1) for slug in slugs)]
    twice = [outlets.comparison_page(graph, 1), *(outlets.outlet_page(graph, slug, 1) for slug in slugs)]
    assert twice == compared and twice[0].claims[0] is compared[0].claims[0]
    assert len(made) == len(graph.claims) + len(graph.events), "every row made once"
    shown = {row.id for view in compared for row in (*view.claims, *view.events)}
    assert CLAIM_IN_BOTH in shown and sum(row.id == CLAIM_IN_BOTH for view in compared for row in view.claims) >= 3
    again = render_source(REPO).graph
    assert outlets.comparison_page(again, 1) == compared[0] and len(made) == 2 * (len(graph.claims) + len(graph.events))


def test_a_wording_diff_is_made_once_per_pair_and_graph():
    """The outlet pages of two outlets both show their pair's diffs, in both directions: each direction made once."""
    from digest.pipeline.build import render_source
    from digest.text.wording import word_diff
    from digest.views.outlets import wording_diff

    graph = render_source(REPO).graph
    mine, theirs = "Sullivan met Ushakov in Moscow", "Sullivan spoke to Ushakov"
    diff = wording_diff(graph, mine, theirs)
    assert diff == word_diff(mine, theirs) and wording_diff(graph, mine, theirs) is diff
    assert wording_diff(graph, theirs, mine) == word_diff(theirs, mine) != diff
