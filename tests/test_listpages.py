"""The split list pages: what each shows, their navigation, and the page-size boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_site, run_cli
from digest.listing import CLAIMS_PER_PAGE
from sitecheck import broken_links, page

BASE = "/basic/"


def build(site: Path, out: Path) -> Path:
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    assert broken_links(out, BASE) == []
    return out


def add_article(site: Path, stem: str, published: str, claims: list[str] = (), outlet: str = "Outlet Three", title: str = "") -> None:
    """An article of its own, with claims (no quotes needed) of the given statuses."""
    title = title or f"Article {stem}"
    (site / "seeds" / f"{stem}.txt").write_text(f"{title}\nA paragraph of text about {stem}.\n")
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
    site = copy_site("basic", tmp_path)
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
    assert nav(second) == {"status": f"Page 2 of 2: claims {count}–{count} of {count}", "current": ["Page 2"],
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
