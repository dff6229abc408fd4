"""Accessibility of the demo site (and of the numbered pages of a bigger one): axe-core in headless Chromium (the search page too), and what axe cannot see.

axe-core comes from the `axe-playwright-python` package (which bundles it);
every WCAG 2.0-2.2 A/AA rule runs, none disabled, in light and dark mode, and
no violation of serious or critical impact may remain. The static checks
below cover heading order, landmarks, badge descriptions and highlights on
every page.
"""

from __future__ import annotations

import pytest

from browsing import serve_site, unavailable
from sitecheck import page, parse

BASE_PATH = "/digest/"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CANARY = '<!doctype html><html lang="en"><title>canary</title><main><p class="x">grey on grey</p><img src="x.png"></main><style>.x { color: #777; background: #888; }</style></html>'
"""A page with known violations: proves axe ran its rules."""
PAGES = {
    "home": "",
    "article": "articles/top-white-house-official-held-undisclosed-talks-with-russia-wsj/",
    "person": "people/jake-sullivan/",
    "timeline": "timeline/",
    "timeline-year": "timeline/2022/",
    "claim": "claims/sullivan-kremlin-contacts/",
    "outlet": "outlets/rt/",
    "compare": "compare/",
    "search": "search/?q=Sullivan",
    "claims": "claims/",
    "claim-status": "claims/status/reported/",
    "articles": "articles/",
    "articles-month": "articles/2022/11/",
    "people": "people/",
}
PAGED_PAGES = {
    "claim-status-2": "claims/status/disputed/page/2/",
    "articles-month-2": "articles/2022/11/page/2/",
    "people-2": "people/page/2/",
    "person-2": "people/pat-example/page/2/",
    "compare-2": "compare/page/2/",
    "outlet-2": "outlets/outlet-three/page/2/",
}
"""Second pages of the split lists (the demo's lists fit on one page): their pagination navigation."""


@pytest.fixture(scope="module")
def axe_pages(demo_build, paged_build, browser):
    """(page name, colour scheme) -> axe's violations, for every page in both schemes."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as exc:
        unavailable(f"axe-playwright-python is not installed ({exc}): pip install axe-playwright-python")
    axe = Axe()
    results = {}
    with serve_site(demo_build, BASE_PATH) as base_url, serve_site(paged_build, "/basic/") as paged_url:
        canary = browser.new_page()
        canary.set_content(CANARY)
        found = {v["id"] for v in axe.run(canary, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response["violations"]}
        assert {"color-contrast", "image-alt"} <= found, f"axe missed known violations: {found}"
        canary.close()
        for scheme in ("light", "dark"):
            # axe is injected as a script, which the pages' Content-Security-Policy would refuse.
            context = browser.new_context(color_scheme=scheme, bypass_csp=True)
            tab = context.new_page()
            for name, url in [(name, base_url + path) for name, path in PAGES.items()] + [(name, paged_url + path) for name, path in PAGED_PAGES.items()]:
                tab.goto(url, wait_until="load")
                if name == "search":  # Pagefind's UI with results shown
                    tab.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
                assert tab.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
                report = axe.run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
                results[(name, scheme)] = report.response["violations"]
            context.close()
    return results


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES) + sorted(PAGED_PAGES))
def test_axe_finds_no_serious_or_critical_violation(axe_pages, name, scheme):
    serious = [v for v in axe_pages[(name, scheme)] if v["impact"] in ("serious", "critical")]
    assert serious == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(f"    {n['target']}: {n.get('failureSummary', '')}" for n in v["nodes"][:5])
        for v in serious
    )


@pytest.mark.parametrize("site", ["demo_build", "paged_build"])
def test_headings_never_skip_a_level_and_landmarks_are_there(site, request):
    root = request.getfixturevalue(site)
    for path in sorted(root.rglob("*.html")):
        soup = parse(path)
        levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
        where = path.relative_to(root)
        assert levels and levels[0] == 1 and levels.count(1) == 1, where
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (where, levels)
        assert soup.find("main", id="main") and soup.find("header") and soup.find("footer") and soup.find("nav"), where
        assert soup.select_one("a.skip-link[href='#main']"), where


def test_status_badges_describe_themselves_on_hover_and_focus(demo_build):
    home = page(demo_build, "")
    badges = home.select(".badge[data-status]")
    assert badges
    for badge in badges:
        assert badge.get("tabindex") == "0" and badge["data-description"]
        described = home.find(id=badge["aria-describedby"])
        assert described is not None and described.get_text() == badge["data-description"]
        assert badge.select_one(".badge-icon[aria-hidden='true']") and badge.get_text().strip()


def test_every_highlight_says_what_it_is(demo_build):
    """A <mark> is announced through its ref link (hidden 'claim, '/'event, ' text) and the stylesheet's hidden label."""
    stylesheet = next((demo_build / "assets").glob("style.*.css")).read_text()
    assert 'mark.claim[id]::before { content: "quoted claim: "; }' in stylesheet
    assert 'mark.event[id]::before { content: "quoted event: "; }' in stylesheet
    for path in sorted((demo_build / "articles").glob("*/index.html")):
        soup = parse(path)
        for mark in soup.select("mark[id]"):
            kind = "claim" if mark.get("data-claim") else "event"
            target = f"/claims/{mark['data-claim']}/" if kind == "claim" else f"#event-{mark['data-event']}"
            ref = next((a for a in mark.find_all_next("a", class_="ref") if a["href"].endswith(target)), None)
            assert ref is not None and ref.select_one(".visually-hidden").get_text() == f"{kind}, ", mark["id"]
    for path in sorted((demo_build / "outlets").glob("*/index.html")):
        for mark in parse(path).select("mark.diff:not(.legend-sample)"):  # the legend explains itself
            assert mark.select_one(".visually-hidden").get_text() == "differs: "


@pytest.mark.parametrize("width", [1280, 390])
def test_compare_tables_stay_tables_at_every_width(demo_build, browser, width):
    """The comparison is a plain <table> (ARIA roles on its rows would be invalid HTML); on phones the
    stylesheet lays each row out as a card, and the browser must still expose rows, row headers and cells."""
    with serve_site(demo_build, BASE_PATH) as base_url:
        tab = browser.new_page(viewport={"width": width, "height": 900})
        try:
            tab.goto(base_url + "compare/", wait_until="load")
            tables = tab.locator("table.compare")
            assert tables.count() >= 1
            cards = tab.evaluate("getComputedStyle(document.querySelector('table.compare tbody tr')).display")
            assert (cards == "block") == (width < 640), cards  # the phone layout really is in force
            for index in range(tables.count()):
                table = tables.nth(index)
                rows = table.locator("tr").count()
                cells = table.locator("td").count()
                assert rows > 1 and cells > 0
                assert table.get_by_role("row").count() == rows
                assert table.get_by_role("rowheader").count() == rows - 1
                assert table.get_by_role("cell").count() == cells
                assert table.get_by_role("columnheader").count() == table.locator("thead th").count()
        finally:
            tab.close()


# --- the highlights' colours, from the theme's custom properties --------------

STATUSES = ("confirmed", "reported", "unverified", "disputed", "denied", "false")


def _scheme_colours() -> dict[str, dict[str, str]]:
    """The theme's colour custom properties in each scheme: the dark block overrides the light one."""
    import re

    from digest.source.theme import builtin_theme

    css = (builtin_theme() / "static/style.css").read_text()
    light_start = css.index(":root {")
    dark_start = css.index("@media (prefers-color-scheme: dark)")

    def block(start: int) -> dict[str, str]:
        return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", css[start:css.index("}", start)]))

    light = block(light_start)
    return {"light": light, "dark": light | block(dark_start)}


def _contrast(one: str, other: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("colours, expected", [(("#777777", "#ffffff"), 4.48), (("#000000", "#ffffff"), 21.0), (("#1d1d1f", "#fdfcf9"), 16.4)])
def test_the_contrast_ratio_is_wcags(colours, expected):
    assert _contrast(*colours) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_highlighted_text_and_chips_meet_wcag_aa_in_both_schemes(scheme):
    """Text in a highlight is the page's colour or a status's (light mode colours a claim's text by
    its status; dark mode keeps the page's), and a chip inside a nested highlight is a status's or
    muted: each of them must reach 4.5:1 on either highlight, as on the page and the key's card."""
    colours = _scheme_colours()[scheme]
    foregrounds = ("fg", "muted", "accent", *STATUSES)
    low = {(fg, bg): round(_contrast(colours[fg], colours[bg]), 2)
           for fg in foregrounds for bg in ("bg", "card", "mark-claim", "mark-event") if _contrast(colours[fg], colours[bg]) < 4.5}
    assert low == {}

