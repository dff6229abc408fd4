"""The timeline page: the chart above the list, months, and the filter by person, in a browser without JavaScript."""

from __future__ import annotations

import pytest

from digest.text.dates import parse_edtf

from browsing import serve_site
from sitecheck import page

BASE_PATH = "/digest/"


@pytest.mark.parametrize("chart", [".chart-scroll", ".chart-vertical"])
def test_every_event_has_one_mark_linking_to_its_entry_in_date_order(demo_build, chart):
    soup = page(demo_build, "timeline/2022/")
    entries = soup.select("li.timeline-entry")
    marks = soup.select(f"{chart} svg.chart a.mark")
    assert sorted(a["href"] for a in marks) == sorted(f"#event-{li['data-event']}" for li in entries)
    for mark in marks:
        entry = soup.find(id=mark["href"][1:])
        assert mark["data-people"] == entry["data-people"] and mark["data-date"] == entry["data-date"]
        assert mark["aria-label"] == f"{parse_edtf(entry['data-date']).display()}: {entry.h3.get_text()}"
        assert mark.title.get_text() == mark["aria-label"]
    shapes = {a["data-event"]: a["class"] for a in marks}
    assert "mark-point" in shapes["putin-all-means-speech"]  # 2022-09-21
    assert "mark-range" in shapes["last-disclosed-contact"]  # 2022-03: somewhere in March
    assert "mark-span" in shapes["sullivan-russia-contacts"]  # 2022-03/2022-11: throughout
    months = [h.get_text() for h in soup.select("h2.month-heading")]
    assert months == ["February 2022", "March 2022", "July 2022", "September 2022", "October 2022", "November 2022"]


def test_the_filter_stylesheet_has_a_rule_per_person(demo_build):
    soup = page(demo_build, "timeline/2022/")
    people = [a["data-person"] for a in soup.select(".timeline-filter a[data-person]")]
    css = (demo_build / "timeline/2022/filter.css").read_text()
    assert soup.find("link", rel="stylesheet", href=lambda href: href.startswith("/digest/timeline/2022/filter.css?v="))
    for pid in people:
        assert soup.find(id=f"with-{pid}") is not None
        assert f'#with-{pid}:target ~ * [data-people]:not([data-people~="{pid}"]) {{ display: none; }}' in css


@pytest.fixture(scope="module")
def no_script_tab(demo_build, browser):
    with serve_site(demo_build, BASE_PATH) as base_url:
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.goto(base_url + "timeline/2022/", wait_until="load")
        yield tab
        context.close()


def visible_events(tab, selector: str) -> list[str]:
    return [el.get_attribute("data-event") for el in tab.query_selector_all(selector) if el.is_visible()]


def test_filtering_by_person_works_without_javascript(no_script_tab):
    tab = no_script_tab
    everyone = visible_events(tab, "li.timeline-entry")
    assert len(everyone) == 12
    tab.click(".timeline-filter a[href='#with-sergey-lavrov']")
    assert tab.url.endswith("#with-sergey-lavrov")
    assert visible_events(tab, "li.timeline-entry") == ["blinken-lavrov-call", "g20-bali-summit"]
    assert visible_events(tab, "svg.chart a.mark") == ["blinken-lavrov-call", "g20-bali-summit"]
    assert tab.is_visible(".filter-note[data-for='sergey-lavrov']")
    assert not tab.is_visible("h2.month-heading:text-is('February 2022')")
    tab.click(".filter-note[data-for='sergey-lavrov'] a")
    assert visible_events(tab, "li.timeline-entry") == everyone


def test_the_chart_is_usable_with_the_keyboard(no_script_tab):
    tab = no_script_tab
    tab.goto(tab.url.split("#")[0] + "#all-events")
    tab.focus(".skip-chart")
    tab.keyboard.press("Tab")  # into the scrollable chart region
    assert tab.evaluate("document.activeElement.classList.contains('chart-scroll')")
    tab.keyboard.press("Tab")
    focused = tab.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#event-russian-invasion", "the first mark in date order"
    stroke = tab.evaluate("getComputedStyle(document.activeElement.querySelector('.shape')).strokeWidth")
    assert stroke == "3.5px", "the focused mark is drawn with a thicker outline"
    tab.keyboard.press("Enter")  # following a link to a fragment takes a moment: wait for it
    tab.wait_for_url(lambda url: url.endswith("#event-russian-invasion"), timeout=5000)
    tab.focus(".skip-chart")
    tab.keyboard.press("Enter")
    tab.wait_for_url(lambda url: url.endswith("#timeline-list"), timeout=5000)


# Events whose dates are imprecise, span years or have an open side: each is
# listed under exactly one year, the one its date can start in.
SPREAD = """
- id: decade
  date: 202X
  title: Some time in the 2020s
- id: circa-2021
  date: 2021~
  title: Around 2021
- id: autumn-2021
  date: 2021-23
  title: Autumn talks
  people: [jake-sullivan]
- id: winter-talks
  date: 2021-11/2022-02
  title: Winter talks
  people: [sean-obrien]
- id: until-march
  date: ../2022-03
  title: Until March 2022
- id: since-june
  date: 2023-06/..
  title: Since June 2023
"""
LISTED_UNDER = {
    "decade": 2020, "circa-2021": 2021, "autumn-2021": 2021, "winter-talks": 2021, "until-march": 2022, "since-june": 2023,
    "invasion": 2022, "talks-period": 2022, "spokesman-remark": 2022, "kyiv-meeting": 2022,
}


@pytest.fixture(scope="module")
def spread_build(tmp_path_factory):
    from conftest import copy_site, run_cli

    base = tmp_path_factory.mktemp("spread")
    site = copy_site("basic", base)
    with open(site / "content/timeline.yaml", "a") as timeline:
        timeline.write(SPREAD)
    result = run_cli("build", "--source", site, "--output", base / "out")
    assert result.code == 0, result.err
    return base / "out"


def test_each_event_is_listed_once_under_the_year_it_can_start_in(spread_build):
    from sitecheck import broken_links

    listed = {}
    for year in sorted(set(LISTED_UNDER.values())):
        soup = page(spread_build, f"timeline/{year}/")
        assert soup.title.get_text().startswith(f"Timeline: {year} — ")
        entries = [li["data-event"] for li in soup.select("li.timeline-entry")]
        for chart in (".chart-scroll", ".chart-vertical"):
            marks = sorted(a["data-event"] for a in soup.select(f"{chart} svg.chart a.mark"))
            assert marks == sorted(entries), "the year's charts (wide and phone) have a mark for each of its events"
        for eid in entries:
            assert eid not in listed, f"{eid} is listed under {listed[eid]} and {year}"
            listed[eid] = year
    assert listed == LISTED_UNDER
    assert sorted(p.parent.name for p in (spread_build / "timeline").glob("*/index.html")) == ["2020", "2021", "2022", "2023"]
    assert broken_links(spread_build, "/basic/") == []


def test_a_year_names_the_events_of_earlier_years_that_end_in_it(spread_build):
    def continuing(year):
        return {li["data-event"]: li.a["href"] for li in page(spread_build, f"timeline/{year}/").select(".continuing li")}

    assert continuing(2022) == {"winter-talks": "/basic/timeline/2021/#event-winter-talks"}
    for year in (2020, 2021, 2023):  # the 2020s end in 2029; "since June 2023" has no end
        assert continuing(year) == {}, year


def test_a_chart_keeps_to_its_year_and_cuts_what_runs_past_it(spread_build):
    marks = {a["data-event"]: a["class"] for a in page(spread_build, "timeline/2021/").select("svg.chart a.mark")}
    assert "open-end" in marks["winter-talks"] and "open-start" not in marks["winter-talks"]
    ticks = [t.get_text() for t in page(spread_build, "timeline/2021/").select("svg.chart .tick-label")]
    assert "2022" not in ticks and "2020" not in ticks
    marks = {a["data-event"]: a["class"] for a in page(spread_build, "timeline/2022/").select("svg.chart a.mark")}
    assert "open-start" in marks["until-march"]


def test_every_link_to_an_event_goes_to_its_years_page(spread_build):
    import json

    data = json.loads((spread_build / "data.json").read_text())
    assert {e["id"]: e["url"] for e in data["events"]} == {
        eid: f"https://example.org/basic/timeline/{year}/#event-{eid}" for eid, year in LISTED_UNDER.items()
    }
    sullivan = page(spread_build, "people/jake-sullivan/")
    assert [a["href"] for a in sullivan.select("[data-event] a")] == ["/basic/timeline/2021/#event-autumn-2021", "/basic/timeline/2022/#event-kyiv-meeting"]
    assert [a["href"] for a in sullivan.select("a[href*='#with-']")] == ["/basic/timeline/2021/#with-jake-sullivan", "/basic/timeline/2022/#with-jake-sullivan"]
    article = page(spread_build, "articles/leaders-trade-words-over-ukraine/")
    assert article.select_one("a.ref-event")["href"].startswith("/basic/timeline/2022/#event-")


def test_a_timeline_that_fits_is_whole_on_its_index_with_links_to_each_year(spread_build):
    soup = page(spread_build, "timeline/")
    assert sorted(li["data-event"] for li in soup.select("li.timeline-entry")) == sorted(
        li["data-event"] for year in (2020, 2021, 2022, 2023) for li in page(spread_build, f"timeline/{year}/").select("li.timeline-entry"))
    assert [a["href"] for a in soup.select('nav[aria-label="Years"] a')] == [f"/basic/timeline/{year}/" for year in (2020, 2021, 2022, 2023)] + ["/basic/timeline/"]


def test_past_the_limit_the_index_gives_each_year_with_its_count(tmp_path, monkeypatch):
    import digest.views.listing

    from conftest import copy_site, run_cli

    monkeypatch.setattr(digest.views.listing, "WHOLE_TIMELINE_MAX", 5)
    site = copy_site("basic", tmp_path)
    with open(site / "content/timeline.yaml", "a") as timeline:
        timeline.write(SPREAD)
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0
    soup = page(tmp_path / "out", "timeline/")
    years = [(h.a.get_text(), h.a["href"], h.select_one(".muted").get_text()) for h in soup.select(".year-title")]
    assert years == [("2020", "/basic/timeline/2020/", "1 event"), ("2021", "/basic/timeline/2021/", "3 events"),
                     ("2022", "/basic/timeline/2022/", "5 events"), ("2023", "/basic/timeline/2023/", "1 event")]
    assert not soup.select("li.timeline-entry"), "the index lists years, not every event"


def test_each_year_has_its_own_filter_naming_its_own_people(spread_build):
    css = (spread_build / "timeline/2021/filter.css").read_text()
    assert "with-jake-sullivan" in css and "with-sean-obrien" in css and "with-vladimir-putin" not in css
    soup = page(spread_build, "timeline/2021/")
    assert soup.find("link", rel="stylesheet", href=lambda href: href.startswith("/basic/timeline/2021/filter.css?v="))
    assert [a["data-person"] for a in soup.select(".timeline-filter a[data-person]")] == ["jake-sullivan", "sean-obrien"]


def test_a_year_before_1000_keeps_four_digits_in_its_address(tmp_path):
    from conftest import copy_site, run_cli
    from sitecheck import broken_links

    site = copy_site("basic", tmp_path)
    with open(site / "content/timeline.yaml", "a") as timeline:
        timeline.write("- id: coronation\n  date: 0800-12-25\n  title: A coronation\n  people: [vladimir-putin]\n")
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    assert [li["data-event"] for li in page(tmp_path / "out", "timeline/0800/").select("li.timeline-entry")] == ["coronation"]
    assert (tmp_path / "out/timeline/0800/filter.css").is_file()
    assert broken_links(tmp_path / "out", "/basic/") == []


def test_a_cut_chart_label_shows_the_whole_title_on_keyboard_focus_and_on_hover(no_script_tab):
    tab = no_script_tab
    tab.goto(tab.url.split("#")[0], wait_until="load")
    marks = tab.query_selector_all(".chart-scroll a.mark")
    index = next(i for i, mark in enumerate(marks) if mark.query_selector(".mark-full"))
    cut, short, full = marks[index], marks[index].query_selector(".mark-label"), marks[index].query_selector(".mark-full")
    isolated = short.text_content(), full.text_content()  # each between U+2068 and U+2069 (see test_unicode)
    assert all(text.startswith("\u2068") and text.endswith("\u2069") for text in isolated)
    assert isolated[0].endswith("…\u2069") and cut.query_selector("title").text_content().endswith(": " + isolated[1][1:-1])
    assert short.is_visible() and not full.is_visible()
    (marks[index - 1] if index else tab.query_selector(".chart-scroll")).focus()
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.dataset.event") == cut.get_attribute("data-event"), "each mark is a link, in the tab order"
    assert full.is_visible() and not short.is_visible()
    tab.keyboard.press("Tab")
    assert short.is_visible() and not full.is_visible()
    tab.mouse.move(0, 0)
    cut.query_selector(".shape").hover()
    assert full.is_visible() and not short.is_visible()


@pytest.mark.parametrize("width, shown, hidden", [(390, ".chart-vertical", ".chart-scroll"), (1280, ".chart-scroll", ".chart-vertical")])
def test_a_phone_gets_a_chart_top_to_bottom_that_fits_its_width(demo_build, no_script_tab, width, shown, hidden):
    tab = no_script_tab
    tab.set_viewport_size({"width": width, "height": 800})
    try:
        tab.goto(tab.url.split("#")[0], wait_until="load")
        assert tab.is_visible(shown) and not tab.is_visible(hidden)
        marks = visible_events(tab, f"{shown} a.mark")
        assert marks == [li["data-event"] for li in page(demo_build, "timeline/2022/").select("li.timeline-entry")]
        assert tab.evaluate("document.documentElement.scrollWidth") <= width, "nothing wider than the screen"
        if width == 1280:
            scroll, client = tab.evaluate("(e => [e.scrollWidth, e.clientWidth])(document.querySelector('.chart-scroll'))")
            assert scroll <= client, "a short timeline's chart fits a desktop screen: its last labels are cut, not scrolled to"
        if width == 390:
            box = tab.query_selector(f"{shown} svg").bounding_box()
            assert box["width"] <= width and box["height"] > 300
            tab.click(".timeline-filter a[href='#with-sergey-lavrov']")
            assert visible_events(tab, f"{shown} a.mark") == ["blinken-lavrov-call", "g20-bali-summit"]
    finally:
        tab.set_viewport_size({"width": 1280, "height": 900})
