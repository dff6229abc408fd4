"""Where each event sits on the visual timeline: layout maths only, no HTML.

Positions are proportional to days since the start of the axis. A date known
only to a span (a month, a season, "c." or "?") is laid out as that span, a
range, never as a point; an interval is a bar from its start to its end, and
an open side runs to the edge of the axis. Marks and their labels are packed
into lanes so that none overlap; a crowded timeline is widened (a scrollable
track) before it gets taller, and past a width limit drops the labels (each
mark keeps its accessible name and tooltip in the template).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from digest.text.dates import EDTFDate, parse_edtf
from digest.text.days import Day
from digest.text.i18n import ENGLISH, SiteLocale

POINT = "point"
"""One known day."""
RANGE = "range"
"""Somewhere within the span: an imprecise or qualified date, or one of a set."""
SPAN = "span"
"""Throughout the span: an interval."""

TICK_STEPS = (1, 3, 6, 12, 24, 60, 120, 240, 600)
"""Months between ticks, finest first."""


@dataclass(frozen=True, slots=True)
class Item:
    """An event as the layout sees it."""

    id: str
    first: Day | None
    """First day it can mean; None for an open or unknown start."""
    last: Day | None
    """Last day it can mean; None for an open or unknown end."""
    shape: str
    """POINT, RANGE or SPAN."""
    fuzzy: bool = False
    """Approximate or uncertain: drawn with soft edges."""
    label: str = ""


@dataclass(frozen=True, slots=True)
class Mark:
    id: str
    x: float
    """Left edge in px (a point's centre)."""
    width: float
    """0 for a point."""
    y: float
    """Top of the mark's lane in px, below the axis."""
    lane: int
    shape: str
    fuzzy: bool
    open_start: bool
    open_end: bool
    label: str
    """The label as drawn (cut to fit), '' when labels are off."""
    box_start: float
    """Left edge of the mark with its label; the label starts here."""
    box_end: float
    """The mark with its label spans [box_start, box_end]: no other box in the lane overlaps it."""
    cut: bool = False
    """The label is shortened: the template draws the whole title too, shown on hover and focus."""


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str
    major: bool
    """A year boundary (or the axis start)."""


@dataclass(frozen=True, slots=True)
class Layout:
    start: Day
    end: Day
    """Exclusive: the day after the axis ends."""
    day_width: float
    """Pixels per day: every x is proportional to days since ``start``."""
    width: float
    height: float
    lanes: int
    marks: tuple[Mark, ...]
    ticks: tuple[Tick, ...]
    labelled: bool
    axis_height: float
    lane_height: float

    @property
    def axis_width(self) -> float:
        """Where the axis ends; the drawing may go on to the right for labels."""
        return round(_days(self.start, self.end) * self.day_width, 2)


@dataclass(frozen=True, slots=True)
class Settings:
    min_width: float = 1000.0
    """A short timeline is stretched to at least this width."""
    max_width: float = 48_000.0
    """Widening to make room stops here."""
    max_labelled_width: float = 16_000.0
    """A labelled chart wider than this gives way to marks alone."""
    min_day_width: float = 0.12
    """A century still gets 44 px a year."""
    max_lanes: int = 10
    """More lanes than this: widen the track first."""
    label_width: float = 180.0
    """Room left after the axis for the labels of its last marks."""
    max_label_width: float = 400.0
    """A label takes the room its text needs, up to this much: most titles (up to about 60 characters) are not cut."""
    char_width: float = 6.2
    """Average width of a label character, for cutting labels to fit."""
    point_radius: float = 6.0
    min_mark_width: float = 4.0
    gap: float = 6.0
    lane_height: float = 38.0
    compact_lane_height: float = 20.0
    """Lanes of marks without labels."""
    axis_height: float = 30.0
    tick_spacing: float = 56.0
    """Minimum px between two tick labels."""


def item_for(event_id: str, date: EDTFDate, label: str = "") -> Item:
    """How an EDTF date is drawn: a point only when it names one day, plainly.

    An interval is true throughout (SPAN); one of a set ("[2022-10-31..2022-11-06]")
    is some day within (RANGE), like a month or a qualified date.
    """
    fuzzy = date.approximate or date.uncertain
    if date.is_interval:
        return Item(event_id, date.earliest, date.latest, SPAN, fuzzy, label)
    first, last = date.earliest, date.latest
    if date.precision == "day" and not fuzzy and not date.one_of:
        return Item(event_id, first, first, POINT, False, label)
    if fuzzy and first is not None and last is not None:  # "c. March 2022": a little either side of what is written
        margin = max(3, (_days(first, last) + 1) // 4)
        first, last = first.plus_days(-margin), last.plus_days(margin)
    return Item(event_id, first, last, RANGE, fuzzy, label)


def group_label(date: EDTFDate, loc: SiteLocale = ENGLISH) -> str:
    """The month an event is listed under (an interval or a set: its start); coarser dates keep their own wording."""
    if date.one_of:
        if date.earliest is not None and date.precision in ("day", "month"):
            return loc.month(date.earliest.year, date.earliest.month)
        return date.display(loc)
    if date.is_interval:
        start = date.text.split("/")[0]
        if start in ("", ".."):
            return date.display(loc)
        date = parse_edtf(start)
    if date.precision in ("day", "month") and date.earliest is not None:
        return loc.month(date.earliest.year, date.earliest.month)
    return date.display(loc)


def layout_timeline(items: Sequence[Item], settings: Settings = Settings(), window: tuple[Day, Day] | None = None, loc: SiteLocale = ENGLISH) -> Layout:
    """Place items on a proportional axis, packed into non-overlapping lanes.

    The axis is widened (the chart scrolls) until the lanes needed are few
    (``max_lanes``, or not many more than the ranges that overlap in time
    need anyway). If labelled marks can't get there within
    ``max_labelled_width``, the chart shows marks alone, in lower lanes: an
    overview whose marks keep their names as tooltips and accessible names,
    above the full list.

    ``window`` (first and last day) keeps the axis within a period, such as
    one year of the timeline: a mark that runs past it is cut at the edge and
    drawn as open on that side.
    """
    known = [day for item in items for day in (item.first, item.last) if day is not None]
    if window is not None:
        inside = [day for day in known if window[0] <= day <= window[1]]
        known = inside or [window[0], window[1]]
    if not known:
        today = Day(2000, 1, 1)
        return Layout(today, today, 0.0, 0.0, 0.0, 0, (), (), True, settings.axis_height, settings.lane_height)
    start = min(known).first_of_month()
    end = max(known).next_month()
    days = _days(start, end)
    base_width = max((settings.min_width - settings.label_width) / days, settings.min_day_width)
    # Ranges that overlap in time need lanes however wide the axis: what widening can achieve at best.
    floor = _pack(items, start, end, settings.max_width / days, settings, False, settings.compact_lane_height)[1]
    target = max(settings.max_lanes, math.ceil(floor * 1.3))
    for labelled, limit in ((True, settings.max_labelled_width), (False, settings.max_width)):
        lane_height = settings.lane_height if labelled else settings.compact_lane_height
        day_width = base_width
        marks, lanes = _pack(items, start, end, day_width, settings, labelled, lane_height)
        while lanes > target and days * day_width * 1.5 <= limit:
            day_width *= 1.5
            marks, lanes = _pack(items, start, end, day_width, settings, labelled, lane_height)
        if lanes <= target:
            break
    height = settings.axis_height + lanes * lane_height + settings.gap
    width = max([days * day_width + (settings.label_width if labelled else 0.0)] + [mark.box_end for mark in marks])
    return Layout(
        start, end, day_width, round(width, 2), height, lanes, tuple(marks),
        _ticks(start, end, day_width, settings, loc), labelled, settings.axis_height, lane_height,
    )


def _pack(
    items: Sequence[Item], start: Day, end: Day, day_width: float, settings: Settings, labelled: bool, lane_height: float,
) -> tuple[list[Mark], int]:
    """Greedy lane assignment in order of position: each box (mark and label) takes the first lane free at its left edge.

    A label runs right from its mark's left edge; the drawing leaves
    ``label_width`` for it after the end of the axis, and a label that would
    run further is cut there (its whole title shows on hover and focus), so
    the last marks' labels never make the drawing wider than that.
    """
    placed = []
    final = end.plus_days(-1)
    right_edge = _days(start, end) * day_width + settings.label_width
    for order, item in enumerate(items):
        open_start = item.first is None or item.first < start
        open_end = item.last is None or item.last > final
        first = start if item.first is None or open_start else item.first
        last = final if item.last is None or open_end else item.last
        if item.shape == POINT:
            x = (_days(start, first) + 0.5) * day_width
            width = 0.0
            left, right = x - settings.point_radius, x + settings.point_radius
        else:
            x = _days(start, first) * day_width
            width = max((_days(start, last) + 1) * day_width - x, settings.min_mark_width)
            left, right = x, x + width
        room = min(_label_room(item.label, settings), right_edge - left)
        box_end = max(right, left + room) if labelled else right
        placed.append((left, order, item, x, width, box_end, open_start, open_end, room))
    placed.sort(key=lambda entry: (entry[0], entry[1]))
    lane_ends: list[float] = []
    marks = []
    for box_start, _, item, x, width, box_end, open_start, open_end, room in placed:
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end + settings.gap <= box_start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(box_end)
        else:
            lane_ends[lane] = box_end
        marks.append(Mark(
            item.id, round(x, 2), round(width, 2), settings.axis_height + lane * lane_height, lane,
            item.shape, item.fuzzy, open_start, open_end,
            _fit(item.label, room, settings) if labelled else "", round(box_start, 2), round(box_end, 2),
            labelled and _fit(item.label, room, settings) != item.label,
        ))
    return marks, len(lane_ends)


def _label_room(label: str, settings: Settings) -> float:
    """The width a mark's label takes in its lane: as long as its text, within ``max_label_width``."""
    return min(len(label) * settings.char_width + settings.gap, settings.max_label_width)


def _fit(label: str, room: float, settings: Settings) -> str:
    """``label`` cut to the characters that fit ``room`` px (its lane's room, less the gap after it)."""
    return _cut(label, math.floor((room - settings.gap) / settings.char_width + 1e-6))  # 378.2 / 6.2 is 60.99999...


# --- the vertical chart, for phones --------------------------------------------


@dataclass(frozen=True, slots=True)
class VerticalSettings:
    """A phone's chart: time runs down, marks in narrow columns on the left, one column of labels on the right."""

    width: float = 340.0
    """The drawing's width; the page scales it to the screen's."""
    axis_length: float = 560.0
    """The time axis's length, however long the period (labels may push the drawing longer)."""
    tick_column: float = 54.0
    """Room on the left for the month and year labels."""
    column_width: float = 12.0
    """Width of a column of marks."""
    max_columns: int = 6
    """Marks overlapping in time beyond this many share the last column."""
    min_mark_height: float = 4.0
    point_radius: float = 5.0
    label_gap: float = 10.0
    """From the last column of marks to the labels."""
    line_height: float = 17.0
    """Labels are at least this far apart, pushed down from their mark's day when the period is crowded."""
    char_width: float = 6.0
    top: float = 12.0
    tick_spacing: float = 26.0


@dataclass(frozen=True, slots=True)
class VerticalMark:
    id: str
    y: float
    """Top in px (a point's centre)."""
    height: float
    """0 for a point."""
    x: float
    """Centre of its column."""
    column: int
    shape: str
    fuzzy: bool
    open_start: bool
    open_end: bool
    label: str
    """The title as drawn (cut to the width)."""
    label_y: float
    """The label's baseline: its mark's day, or lower when earlier labels took the room."""
    label_x: float
    cut: bool


@dataclass(frozen=True, slots=True)
class VerticalLayout:
    width: float
    height: float
    axis_end: float
    """Where the time axis ends (y)."""
    marks: tuple[VerticalMark, ...]
    ticks: tuple[Tick, ...]
    """Ticks with ``x`` meaning y: how far down the axis."""


def layout_vertical(items: Sequence[Item], settings: VerticalSettings = VerticalSettings(), window: tuple[Day, Day] | None = None,
                    loc: SiteLocale = ENGLISH) -> VerticalLayout:
    """Lay a timeline out top to bottom, to fit a phone's width: every mark, and every label on a line of its own.

    The time axis keeps its proportions; a label sits level with its mark's
    start unless the label above needs the room, and then it is pushed down
    (the template draws a leader line from the mark). So the drawing grows
    with the number of events, never wider than the screen.
    """
    known = [day for item in items for day in (item.first, item.last) if day is not None]
    if window is not None:
        known = [day for day in known if window[0] <= day <= window[1]] or [window[0], window[1]]
    if not known:
        return VerticalLayout(settings.width, 0.0, 0.0, (), ())
    start, end = min(known).first_of_month(), max(known).next_month()
    day_height = settings.axis_length / _days(start, end)
    final = end.plus_days(-1)
    placed = []
    for order, item in enumerate(items):
        open_start = item.first is None or item.first < start
        open_end = item.last is None or item.last > final
        first = start if item.first is None or open_start else item.first
        last = final if item.last is None or open_end else item.last
        if item.shape == POINT:
            y, height = settings.top + (_days(start, first) + 0.5) * day_height, 0.0
            top, bottom = y - settings.point_radius, y + settings.point_radius
        else:
            y = settings.top + _days(start, first) * day_height
            height = max((_days(start, last) + 1) * day_height - (y - settings.top), settings.min_mark_height)
            top, bottom = y, y + height
        placed.append((top, order, item, y, height, bottom, open_start, open_end))
    placed.sort(key=lambda entry: (entry[0], entry[1]))
    column_ends: list[float] = []
    columns = []
    for top, _, item, y, height, bottom, open_start, open_end in placed:
        column = next((i for i, column_end in enumerate(column_ends) if column_end + 2 <= top), len(column_ends))
        column = min(column, settings.max_columns - 1)
        if column == len(column_ends):
            column_ends.append(bottom)
        else:
            column_ends[column] = max(column_ends[column], bottom)
        columns.append((item, y, height, column, open_start, open_end, top))
    label_x = settings.tick_column + len(column_ends) * settings.column_width + settings.label_gap
    room = int((settings.width - label_x) / settings.char_width)
    marks = []
    next_free = 0.0
    for item, y, height, column, open_start, open_end, top in columns:
        label_y = max(top + 12.0, next_free)
        next_free = label_y + settings.line_height
        label = _cut(item.label, room)
        marks.append(VerticalMark(
            item.id, round(y, 2), round(height, 2), round(settings.tick_column + (column + 0.5) * settings.column_width, 2), column,
            item.shape, item.fuzzy, open_start, open_end, label, round(label_y, 2), round(label_x, 2), label != item.label,
        ))
    axis_end = settings.top + settings.axis_length
    ticks = tuple(Tick(round(tick.x + settings.top, 2), tick.label, tick.major)
                  for tick in _ticks(start, end, day_height, Settings(tick_spacing=settings.tick_spacing), loc))
    return VerticalLayout(settings.width, round(max(axis_end, next_free) + 8.0, 2), round(axis_end, 2), tuple(marks), ticks)


def _cut(label: str, room: int) -> str:
    """``label`` within ``room`` characters, cut at a word where one is near."""
    if len(label) <= room:
        return label
    cut = label.rfind(" ", 0, room - 1)
    return label[: cut if cut > room // 2 else room - 1].rstrip(" ,;:") + "…"


def _ticks(start: Day, end: Day, day_width: float, settings: Settings, loc: SiteLocale = ENGLISH) -> tuple[Tick, ...]:
    """Month, quarter, half-year or year ticks: the finest whose labels don't collide (month names in the site's language)."""
    step = next((s for s in TICK_STEPS if s * 30.44 * day_width >= settings.tick_spacing), TICK_STEPS[-1])
    first_label = loc.year(start.year) if step >= 12 or start.month == 1 else f"{loc.month_abbreviation(start.month)} {loc.year(start.year)}"
    ticks = [Tick(0.0, first_label, True)]
    month = start.next_month()
    while month < end:
        if (month.year * 12 + month.month - 1) % step == 0:
            x = round(_days(start, month) * day_width, 2)
            label = loc.year(month.year) if step >= 12 or month.month == 1 else loc.month_abbreviation(month.month)
            tick = Tick(x, label, month.month == 1)
            if x - ticks[-1].x >= settings.tick_spacing:
                ticks.append(tick)
            elif tick.major:  # only the axis start can be this close: a year boundary wins
                ticks[-1] = tick
        month = month.next_month()
    return tuple(ticks)


def _days(start: Day, end: Day) -> int:
    """Days from ``start`` to ``end``."""
    return end.ordinal() - start.ordinal()


@dataclass(frozen=True, slots=True)
class MonthCount:
    year: int
    month: int
    count: int
    level: int
    """0 for none, else 1..ACTIVITY_LEVELS relative to the busiest month: the bar's height."""

    @property
    def label(self) -> str:
        """'November 2022' (English; templates take `SiteLocale.month` for the site's language)."""
        return ENGLISH.month(self.year, self.month)

    @property
    def short(self) -> str:
        return ENGLISH.month_abbreviation(self.month)


@dataclass(frozen=True, slots=True)
class Activity:
    months: tuple[MonthCount, ...]
    """Every month from the first to the last that has an event, empty ones included."""
    elsewhere: int
    """Events not dated within one month (intervals, seasons, years): counted apart, not guessed into a month."""


ACTIVITY_LEVELS = 5


def activity_by_month(dates: Sequence[EDTFDate]) -> Activity:
    """How many events fall in each month, for a person's activity strip."""
    counts: dict[tuple[int, int], int] = {}
    elsewhere = 0
    for date in dates:
        first, last = date.earliest, date.latest
        if first is None or last is None or (first.year, first.month) != (last.year, last.month):
            elsewhere += 1
            continue
        counts[(first.year, first.month)] = counts.get((first.year, first.month), 0) + 1
    if not counts:
        return Activity((), elsewhere)
    busiest = max(counts.values())
    (year, month), end = min(counts), max(counts)
    months = []
    while (year, month) <= end:
        count = counts.get((year, month), 0)
        level = 0 if count == 0 else max(1, round(count / busiest * ACTIVITY_LEVELS))
        months.append(MonthCount(year, month, count, level))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return Activity(tuple(months), elsewhere)


@dataclass(frozen=True, slots=True)
class YearActivity:
    year: int
    events: int
    """Events listed under this year."""
    months: tuple[MonthCount, ...]
    """January to December."""
    elsewhere: int
    """Events of the year not dated within one month (intervals, seasons, the year itself)."""


def activity_by_year(years: dict[int, Sequence[EDTFDate]]) -> tuple[YearActivity, ...]:
    """Events in each month of each year, for the timeline's overview.

    Bar heights are relative to the busiest month of all years, so that the
    years can be compared at a glance.
    """
    counts: dict[tuple[int, int], int] = {}
    elsewhere: dict[int, int] = {}
    for year, dates in years.items():
        for date in dates:
            first, last = date.earliest, date.latest
            if first is None or last is None or (first.year, first.month) != (last.year, last.month):
                elsewhere[year] = elsewhere.get(year, 0) + 1
            else:
                counts[(year, first.month)] = counts.get((year, first.month), 0) + 1
    busiest = max(counts.values(), default=1)
    out = []
    for year, dates in sorted(years.items()):
        months = []
        for month in range(1, 13):
            count = counts.get((year, month), 0)
            level = 0 if count == 0 else max(1, round(count / busiest * ACTIVITY_LEVELS))
            months.append(MonthCount(year, month, count, level))
        out.append(YearActivity(year, len(dates), tuple(months), elsewhere.get(year, 0)))
    return tuple(out)
