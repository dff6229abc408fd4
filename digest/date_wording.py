"""English wording of EDTF dates: no more precision or certainty than the date gives.

"c. " marks an approximate date and " (?)" an uncertain one; an interval
reads "A – B" ("throughout"), one of a set "between A and B" ("some day
within"). Years before 1 read as BC ("-1985" is "1986 BC": EDTF's year 0 is
1 BC). Parsing is ``dates``'s; this module only reads parsed dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from digest.days import Day, year_text

if TYPE_CHECKING:
    from digest.dates import EDTFDate, SetMember

# English names hard-coded: calendar.month_name follows the process locale.
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")
SEASON_NAMES = {3: "Spring", 6: "Summer", 9: "Autumn", 12: "Winter"}
"""First month of a season (northern, meteorological) -> its name."""


def single(date: EDTFDate) -> str:
    """A single date at its precision, with its qualifiers."""
    return _qualify(_plain(date), date.approximate, date.uncertain)


def interval(start: EDTFDate | None, end: EDTFDate | None, start_text: str, end_text: str) -> str:
    """'since X' / 'until X' for open sides, 'unknown' for unknown ones, 'X – Y' otherwise.

    An interval that starts and ends within the same span reads as that span
    ("2022/2022" is "2022"); one whose end could be as early as its start
    says how late it can end instead ("2015/201X": "2015 – no later than
    2019", not "2015 – 2010s").
    """
    if start is None:
        assert end is not None
        return ("until " if start_text == ".." else "unknown – ") + end.display()
    if end is None:
        return f"since {start.display()}" if end_text == ".." else f"{start.display()} – unknown"
    plain = not any((start.approximate, start.uncertain, end.approximate, end.uncertain))
    (start_first, start_last), (end_first, end_last) = start.closed_bounds(), end.closed_bounds()
    if end_first <= start_first and end_last == start_last and plain:
        return start.display()
    if end_first <= start_first and end_last > start_last:
        limit = _qualify(_at_precision(end_last, start.precision), end.approximate, end.uncertain)
        return f"{start.display()} – no later than {limit}"
    return (_compact_range(start, end) if plain else None) or f"{start.display()} – {end.display()}"


def one_of(members: Sequence[SetMember]) -> str:
    """'between A and B', 'A or earlier', 'A, B or C': one date among the members."""
    phrases = [_member(member) for member in members]
    return phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} or {phrases[-1]}"


def _member(member: SetMember) -> str:
    if member.first is None:
        assert member.last is not None
        return f"{member.last.display()} or earlier"
    if member.last is None:
        return f"{member.first.display()} or later"
    if member.first is member.last or member.first.text == member.last.text:
        return member.first.display()
    return _between(member.first, member.last)


def _between(first: EDTFDate, last: EDTFDate) -> str:
    """'between 31 October and 6 November 2022': the shared month or year said once."""
    a, b = first.closed_bounds()[0], last.closed_bounds()[0]
    plain = not any((first.approximate, first.uncertain, last.approximate, last.uncertain))
    if plain and first.precision == last.precision and a.year == b.year:
        if first.precision == "day":
            a_text = str(a.day) if a.month == b.month else f"{a.day} {MONTH_NAMES[a.month]}"
            return f"between {a_text} and {b.day} {MONTH_NAMES[b.month]} {year_text(b.year)}"
        if first.precision == "month":
            return f"between {MONTH_NAMES[a.month]} and {MONTH_NAMES[b.month]} {year_text(b.year)}"
    return f"between {first.display()} and {last.display()}"


def _plain(date: EDTFDate) -> str:
    """Unqualified text for a single date at its precision."""
    first, last = date.closed_bounds()
    if date.precision == "day":
        text = _day(first)
        return f"{text}, {date.time.display()}" if date.time else text
    if date.precision == "month":
        return f"{MONTH_NAMES[first.month]} {year_text(first.year)}"
    if date.precision == "season":
        return f"{SEASON_NAMES[first.month]} {year_text(first.year)}"
    if date.precision == "decade" and first.year >= 1:
        return f"{first.year}s"
    if date.precision in ("decade", "century"):
        return _years(first.year, last.year)
    return year_text(first.year)


def _day(day: Day) -> str:
    return f"{day.day} {MONTH_NAMES[day.month]} {year_text(day.year)}"


def _years(first: int, last: int) -> str:
    """'2000–2099', '1 BC – AD 99': a span of years, its era said on both sides when it changes."""
    if first >= 1:
        return f"{first}–{last}"
    if last < 1:
        return f"{1 - first}–{1 - last} BC"
    return f"{1 - first} BC – AD {last}"


def _at_precision(day: Day, precision: str) -> str:
    """The day, month or year containing ``day``, as coarse as ``precision``."""
    if precision == "day":
        return _day(day)
    if precision in ("month", "season"):
        return f"{MONTH_NAMES[day.month]} {year_text(day.year)}"
    return year_text(day.year)


def _qualify(text: str, approximate: bool, uncertain: bool) -> str:
    """'c. ' marks approximate dates and ' (?)' uncertain ones."""
    return f"{'c. ' if approximate else ''}{text}{' (?)' if uncertain else ''}"


def _compact_range(start: EDTFDate, end: EDTFDate) -> str | None:
    """Shorter text for unqualified ranges within one month or one year."""
    first, last = start.closed_bounds()[0], end.closed_bounds()[0]
    if first.year != last.year or start.precision != end.precision:
        return None
    if start.precision == "day" and first.month == last.month:
        return f"{first.day}–{last.day} {MONTH_NAMES[first.month]} {year_text(first.year)}"
    if start.precision == "month":
        return f"{MONTH_NAMES[first.month]} – {MONTH_NAMES[last.month]} {year_text(first.year)}"
    return None
