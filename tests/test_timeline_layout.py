"""The visual timeline's layout: proportional positions, honest ranges, lanes that never overlap."""

from __future__ import annotations

import datetime
import random

import pytest

from digest.text.dates import parse_edtf
from digest.text.days import Day
from digest.views.timeline_layout import (
    POINT,
    RANGE,
    SPAN,
    Item,
    Settings,
    VerticalSettings,
    activity_by_month,
    group_label,
    item_for,
    layout_timeline,
    layout_vertical,
)

D = Day


def days_between(first: Day, last: Day) -> int:
    return last.ordinal() - first.ordinal()


def marks_by_id(layout):
    return {mark.id: mark for mark in layout.marks}


def test_positions_are_proportional_to_the_days_between_events():
    days = ["2022-01-10", "2022-01-11", "2022-02-20", "2022-07-04", "2022-12-31"]
    layout = layout_timeline([item_for(f"e{i}", parse_edtf(day)) for i, day in enumerate(days)])
    marks = marks_by_id(layout)
    first = datetime.date.fromisoformat(days[0])
    for i, day in enumerate(days):
        elapsed = (datetime.date.fromisoformat(day) - first).days
        assert marks[f"e{i}"].x - marks["e0"].x == pytest.approx(elapsed * layout.day_width, abs=0.02)
    # one day is drawn as 1/355 of the 355 days from the first to the last event
    assert (marks["e1"].x - marks["e0"].x) / (marks["e4"].x - marks["e0"].x) == pytest.approx(1 / 355, rel=1e-2)
    assert layout.start == D(2022, 1, 1) and layout.end == D(2023, 1, 1)


def test_an_exact_day_is_a_point_and_anything_less_certain_is_a_range():
    assert item_for("a", parse_edtf("2022-11-04")).shape == POINT
    month = item_for("b", parse_edtf("2022-03"))
    assert (month.shape, month.first, month.last, month.fuzzy) == (RANGE, D(2022, 3, 1), D(2022, 3, 31), False)
    season = item_for("c", parse_edtf("2022-23"))
    assert (season.shape, season.first, season.last) == (RANGE, D(2022, 9, 1), D(2022, 11, 30))
    approximate = item_for("d", parse_edtf("2022-11-04~"))
    assert approximate.shape == RANGE and approximate.fuzzy
    assert approximate.first < D(2022, 11, 4) < approximate.last, "c. 4 November is not a point"
    uncertain = item_for("e", parse_edtf("2022-09?"))
    assert uncertain.shape == RANGE and uncertain.fuzzy and uncertain.first < D(2022, 9, 1) and uncertain.last > D(2022, 9, 30)
    interval = item_for("f", parse_edtf("2022-03/2022-11"))
    assert (interval.shape, interval.first, interval.last) == (SPAN, D(2022, 3, 1), D(2022, 11, 30))
    open_end = item_for("g", parse_edtf("2022-03/.."))
    assert (open_end.shape, open_end.first, open_end.last) == (SPAN, D(2022, 3, 1), None)


def test_ranges_are_drawn_over_every_day_they_can_mean():
    layout = layout_timeline([
        item_for("month", parse_edtf("2022-03")),
        item_for("interval", parse_edtf("2022-05-01/2022-05-10")),
        item_for("open", parse_edtf("../2022-02-15")),
        item_for("day", parse_edtf("2022-06-30")),
    ])
    marks = marks_by_id(layout)
    w = layout.day_width
    assert marks["month"].x == pytest.approx(days_between(layout.start, D(2022, 3, 1)) * w, abs=0.02)
    assert marks["month"].width == pytest.approx(31 * w, abs=0.02)
    assert marks["interval"].width == pytest.approx(10 * w, abs=0.02)
    assert marks["open"].open_start and marks["open"].x == 0
    assert marks["day"].width == 0 and marks["day"].shape == POINT


def test_lanes_never_overlap_and_labels_fit_in_theirs():
    rng = random.Random(7)
    start = datetime.date(2020, 1, 1)
    items = []
    for i in range(300):
        day = start + datetime.timedelta(days=rng.randrange(0, 900))
        text = rng.choice([day.isoformat(), f"{day.year}-{day.month:02d}", f"{day.isoformat()}~",
                           f"{day.isoformat()}/{(day + datetime.timedelta(days=rng.randrange(1, 90))).isoformat()}"])
        items.append(item_for(f"e{i}", parse_edtf(text), f"Event number {i} with a longish title"))
    layout = layout_timeline(items)
    settings = Settings()
    assert len(layout.marks) == 300 and {m.id for m in layout.marks} == {f"e{i}" for i in range(300)}
    by_lane: dict[int, list] = {}
    for mark in layout.marks:
        by_lane.setdefault(mark.lane, []).append(mark)
        assert mark.y == settings.axis_height + mark.lane * layout.lane_height
        assert mark.box_start <= (mark.x - settings.point_radius if mark.shape == POINT else mark.x) + 0.01
        assert mark.box_end >= mark.x + mark.width - 0.02
        assert 0 <= mark.box_start and mark.box_end <= layout.width + 0.01
    for lane in by_lane.values():
        lane.sort(key=lambda m: m.box_start)
        for before, after in zip(lane, lane[1:]):
            assert before.box_end + settings.gap <= after.box_start + 0.01, (before, after)
    assert layout.lanes == len(by_lane)
    assert layout.height == settings.axis_height + layout.lanes * layout.lane_height + settings.gap


@pytest.mark.parametrize("count", [10, 1000])
def test_ten_and_a_thousand_events_stay_readable(count):
    """A crowded timeline is widened (it scrolls) before it grows tall; past a width limit labels give way."""
    rng = random.Random(count)
    items = [item_for(f"e{i}", parse_edtf((datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(0, 3650))).isoformat()), f"Event {i}")
             for i in range(count)]
    settings = Settings()
    layout = layout_timeline(items, settings)
    assert len(layout.marks) == count
    assert layout.width <= settings.max_width + settings.label_width
    assert layout.lanes <= settings.max_lanes or not layout.labelled
    assert layout.lanes <= 40, "a thousand events spread over ten years fit in a screenful of lanes"
    if count == 10:
        assert layout.labelled and layout.width <= 1100, "ten events fit a desktop screen, labelled"
    else:
        assert not layout.labelled and layout.lane_height == settings.compact_lane_height, "a thousand: an overview of marks"
        assert layout.width <= 12_000 and layout.height <= 400
    labels = [tick.label for tick in layout.ticks]
    assert labels[0] in ("2015", "Jan 2015") and "2020" in labels, labels
    xs = [tick.x for tick in layout.ticks]
    assert all(b - a >= settings.tick_spacing - 0.01 for a, b in zip(xs, xs[1:])), "tick labels never collide"


def test_overlapping_ranges_are_not_widened_in_vain():
    """Twenty intervals over the same months need twenty lanes at any width: the chart stays narrow."""
    items = [item_for(f"e{i}", parse_edtf(f"2022-0{1 + i % 3}/2022-0{7 + i % 3}")) for i in range(20)]
    layout = layout_timeline(items)
    assert layout.lanes == 20 and layout.width <= 1100


def test_month_ticks_on_a_short_span_and_year_ticks_on_a_long_one():
    short = layout_timeline([item_for("a", parse_edtf("2022-02-24")), item_for("b", parse_edtf("2022-11-16"))])
    assert [t.label for t in short.ticks] == ["Feb 2022", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]
    long = layout_timeline([item_for("a", parse_edtf("1990")), item_for("b", parse_edtf("2022"))])
    assert all(t.label.isdigit() for t in long.ticks) and long.ticks[0].label == "1990"


def test_no_dates_gives_an_empty_layout():
    layout = layout_timeline([Item("x", None, None, SPAN)])
    assert layout.marks == () and layout.width == 0


def test_events_are_grouped_by_month_and_coarser_dates_keep_their_wording():
    assert group_label(parse_edtf("2022-11-04")) == "November 2022"
    assert group_label(parse_edtf("2022-11")) == "November 2022"
    assert group_label(parse_edtf("2022-03/2022-11")) == "March 2022"
    assert group_label(parse_edtf("2022-23")) == "Autumn 2022"
    assert group_label(parse_edtf("2022")) == "2022"
    assert group_label(parse_edtf("../2022-05")) == "until May 2022"


def test_activity_counts_events_in_their_month_and_the_rest_apart():
    activity = activity_by_month([parse_edtf(d) for d in ("2022-03", "2022-03-02", "2022-06-01", "2022-03/2022-11", "2022")])
    assert [(m.year, m.month, m.count) for m in activity.months] == [(2022, 3, 2), (2022, 4, 0), (2022, 5, 0), (2022, 6, 1)]
    assert [m.level for m in activity.months] == [5, 0, 0, 2]
    assert activity.elsewhere == 2
    assert activity_by_month([]).months == ()


def test_one_of_a_set_is_somewhere_within_and_an_interval_is_throughout():
    """'Last week' as [2022-10-31..2022-11-06] is some day of it, drawn like a month; the same days as an interval are a solid bar."""
    week = item_for("a", parse_edtf("[2022-10-31..2022-11-06]"))
    assert (week.shape, week.first, week.last, week.fuzzy) == (RANGE, D(2022, 10, 31), D(2022, 11, 6), False)
    assert item_for("b", parse_edtf("2022-10-31/2022-11-06")).shape == SPAN
    assert item_for("c", parse_edtf("[2022-11-06]")).shape == RANGE, "one of a set is never drawn as a known day"
    earlier = item_for("d", parse_edtf("[..2022-11-06]"))
    assert (earlier.shape, earlier.first, earlier.last) == (RANGE, None, D(2022, 11, 6))
    rough = item_for("e", parse_edtf("[2022-11-04~..2022-11-06]"))
    assert rough.shape == RANGE and rough.fuzzy and rough.first < D(2022, 11, 4) and rough.last > D(2022, 11, 6)
    layout = layout_timeline([week, earlier, item_for("f", parse_edtf("2022-03"))])
    marks = marks_by_id(layout)
    assert marks["a"].shape == RANGE and marks["a"].width == pytest.approx(7 * layout.day_width, abs=0.02)
    assert marks["d"].open_start and not marks["d"].open_end


def test_a_time_of_day_is_a_point_on_its_day():
    item = item_for("a", parse_edtf("2022-11-06T23:20:30+04:30"))
    assert (item.shape, item.first, item.last) == (POINT, D(2022, 11, 6), D(2022, 11, 6))


def test_years_before_the_common_era_are_laid_out_in_proportion():
    """EDTF's year 0 and negative years: datetime.date cannot hold them, the layout can."""
    items = [item_for("caesar", parse_edtf("-0043-03-15")), item_for("zero", parse_edtf("0000-01-01")),
             item_for("one", parse_edtf("0001-01-01")), item_for("year", parse_edtf("0000"))]
    layout = layout_timeline(items)
    marks = marks_by_id(layout)
    assert layout.start == D(-43, 3, 1) and layout.end == D(1, 2, 1)
    assert marks["one"].x - marks["zero"].x == pytest.approx(366 * layout.day_width, abs=0.02), "year 0 (1 BC) is a leap year"
    assert marks["year"].width == pytest.approx(366 * layout.day_width, abs=0.02)
    # 43 years before year 0, 10 of them leap years (-40, -36, ..., -4), less 1 January to 14 March of 44 BC
    assert days_between(D(-43, 3, 15), D(0, 1, 1)) == 43 * 365 + 10 - (31 + 28 + 14)
    assert marks["zero"].x - marks["caesar"].x == pytest.approx(days_between(D(-43, 3, 15), D(0, 1, 1)) * layout.day_width, abs=0.02)
    labels = [tick.label for tick in layout.ticks]
    assert labels[0] in ("44 BC", "43 BC") and all(label.endswith(" BC") for label in labels), labels


def test_events_in_a_set_are_grouped_by_the_month_they_can_start_in():
    assert group_label(parse_edtf("[2022-10-31..2022-11-06]")) == "October 2022"
    assert group_label(parse_edtf("[2022, 2023]")) == "2022 or 2023"
    assert group_label(parse_edtf("[..2022-11-06]")) == "6 November 2022 or earlier"
    assert group_label(parse_edtf("-0043-03-15")) == "March 44 BC"


def test_a_label_takes_the_room_its_text_needs_and_only_long_titles_are_cut():
    settings = Settings()
    titles = {
        "short": "Talks",
        "common": "Sullivan's undisclosed contacts with senior Russian officials",  # 61 characters, as headlines go
        "long": "A title far longer than a chart label can hold, as some editors write them, with every detail in it",
    }
    day = parse_edtf("2022-03-01")
    marks = marks_by_id(layout_timeline([item_for(eid, day, title) for eid, title in titles.items()], settings))
    assert marks["short"].box_end - marks["short"].box_start == pytest.approx(len("Talks") * settings.char_width + settings.gap, abs=0.02)
    assert (marks["short"].label, marks["short"].cut) == ("Talks", False)
    assert (marks["common"].label, marks["common"].cut) == (titles["common"], False)
    assert marks["long"].cut and marks["long"].label.endswith("…") and titles["long"].startswith(marks["long"].label[:-1])
    assert len(marks["long"].label) * settings.char_width <= settings.max_label_width
    assert marks["long"].box_end - marks["long"].box_start == pytest.approx(settings.max_label_width, abs=0.02)


def test_without_labels_nothing_is_cut():
    items = [item_for(f"e{i}", parse_edtf(f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}"), "A title long enough to be cut on any chart, were labels drawn at all") for i in range(2000)]
    layout = layout_timeline(items)
    assert not layout.labelled and not any(mark.cut or mark.label for mark in layout.marks)


@pytest.mark.parametrize("count", [1, 12, 300])
def test_the_vertical_chart_fits_a_phone_with_every_label_on_a_line_of_its_own(count):
    rng = random.Random(count)
    items = []
    for i in range(count):
        day = datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365))
        text = rng.choice([day.isoformat(), f"{day.year}-{day.month:02d}", f"{day.isoformat()}/{(day + datetime.timedelta(days=rng.randrange(1, 60))).isoformat()}"])
        items.append(item_for(f"e{i}", parse_edtf(text), f"Event {i} " + "with a long title " * rng.randrange(0, 4)))
    settings = VerticalSettings()
    layout = layout_vertical(items, settings, window=(Day(2022, 1, 1), Day(2022, 12, 31)))
    assert sorted(m.id for m in layout.marks) == sorted(item.id for item in items)
    assert layout.width == settings.width
    previous = None
    for mark in layout.marks:
        top = mark.y - settings.point_radius if mark.shape == POINT else mark.y
        assert mark.label_y >= top, "a label is never above its mark"
        assert mark.label_x + len(mark.label) * settings.char_width <= settings.width + 0.01, "no label runs off a phone's screen"
        assert 0 < mark.x < mark.label_x and mark.column < settings.max_columns
        assert mark.cut == (mark.label != next(i.label for i in items if i.id == mark.id))
        if previous is not None:
            assert mark.label_y - previous.label_y >= settings.line_height - 0.01, "labels never overlap"
        previous = mark
    assert layout.height >= max(m.label_y for m in layout.marks) and layout.height >= layout.axis_end
    assert [t.x for t in layout.ticks] == sorted(t.x for t in layout.ticks) and layout.ticks[0].x == settings.top


def test_the_vertical_chart_keeps_time_proportional():
    layout = layout_vertical([item_for("march", parse_edtf("2022-03-01")), item_for("may", parse_edtf("2022-05-01")), item_for("july", parse_edtf("2022-07-01"))])
    marks = marks_by_id(layout)
    first, second = marks["may"].y - marks["march"].y, marks["july"].y - marks["may"].y
    assert first == pytest.approx(second, rel=0.02) and first > 0  # 61 days each


@pytest.mark.parametrize("count", [3, 12, 60])
def test_labels_of_the_last_marks_are_cut_where_the_drawing_ends(count):
    """The drawing leaves ``label_width`` after the axis for labels; a label running further is cut there, so a
    short timeline is no wider than ``min_width`` (the demo's once ran 61 px past a 1,280 px screen's chart)."""
    settings = Settings()
    long_title = "Washington Post reports US privately urging Ukraine to show openness to talks"
    items = [item_for(f"e{i}", parse_edtf(f"2022-{3 + i * 8 // count:02d}-{1 + i % 28:02d}"), long_title) for i in range(count)]
    items.append(item_for("last", parse_edtf("2022-11-30"), long_title))
    layout = layout_timeline(items, settings)
    assert layout.labelled
    assert layout.width == pytest.approx(layout.axis_width + settings.label_width, abs=0.02)
    if count < 12:
        assert layout.width == pytest.approx(settings.min_width, abs=0.02)
    last = marks_by_id(layout)["last"]
    assert last.cut and len(last.label) * settings.char_width <= layout.width - last.box_start
    for mark in layout.marks:
        assert mark.box_end <= layout.width + 0.01
        assert mark.cut == (len(long_title) * settings.char_width + settings.gap > mark.box_end - mark.box_start + 0.01), mark
