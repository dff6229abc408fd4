"""The timeline page: the chart above the list, months, and the filter by person, in a browser without JavaScript."""

from __future__ import annotations

import pytest

from browsing import chromium, serve_site
from digest.dates import parse_edtf
from sitecheck import page

BASE_PATH = "/digest/"


def test_every_event_has_one_mark_linking_to_its_entry_in_date_order(demo_build):
    soup = page(demo_build, "timeline/")
    entries = soup.select("li.timeline-entry")
    marks = soup.select("svg.chart a.mark")
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
    soup = page(demo_build, "timeline/")
    people = [a["data-person"] for a in soup.select(".timeline-filter a[data-person]")]
    css = (demo_build / "timeline/filter.css").read_text()
    assert soup.find("link", rel="stylesheet", href=lambda href: href.startswith("/digest/timeline/filter.css?v="))
    for pid in people:
        assert soup.find(id=f"with-{pid}") is not None
        assert f'#with-{pid}:target ~ * [data-people]:not([data-people~="{pid}"]) {{ display: none; }}' in css


@pytest.fixture(scope="module")
def no_script_tab(demo_build):
    with serve_site(demo_build, BASE_PATH) as base_url, chromium() as browser:
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.goto(base_url + "timeline/", wait_until="load")
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
    tab.keyboard.press("Enter")
    assert tab.url.endswith("#event-russian-invasion")
    tab.focus(".skip-chart")
    tab.keyboard.press("Enter")
    assert tab.url.endswith("#timeline-list")
