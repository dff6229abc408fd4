"""EDTF (Extended Date/Time Format) level 0 and level 1 dates for the timeline.

News events are often known only to the month, season or year, or only
roughly.  EDTF lets authors say exactly that ("2022-09?", "2022-23", "202X",
"2022-03/.."); this module turns it into a day range plus a precision, so the
timeline places events honestly instead of inventing a day.  Stdlib only.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

__all__ = ["EDTFDate", "EDTFError", "parse_edtf"]

# One date: a 4-digit year (trailing digits may be X), optional month (or
# season 21-24) and day, then at most one qualifier.  Range checks come later
# so that the error message can say what is wrong.
SINGLE_DATE_RE = re.compile(
    r"(?P<year>\d{4}|\d{3}X|\d{2}XX)"
    r"(?:-(?P<month>\d{2}|XX)(?:-(?P<day>\d{2}|XX))?)?"
    r"(?P<qualifier>[~?%])?"
)
# Date-like text whose only problem is the year: negative, "Y"-prefixed
# (EDTF long years) or not four digits.  It gets a more precise message.
UNSUPPORTED_YEAR_RE = re.compile(r"(?:Y-?\d+|-\d+|\d{1,3}|\d{5,})(?:-\d{2}){0,2}[~?%]?")

OPEN = ".."
UNKNOWN = ""
USAGE = "use YYYY, YYYY-MM or YYYY-MM-DD, with ~ ? % qualifiers or A/B intervals"

# Season code -> (name, first month).  Northern hemisphere, meteorological.
SEASONS = {21: ("Spring", 3), 22: ("Summer", 6), 23: ("Autumn", 9), 24: ("Winter", 12)}
SEASON_NAMES = {first: name for name, first in SEASONS.values()}

# English names hard-coded: calendar.month_name follows the process locale.
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")

# Finer precision sorts first among dates that start on the same day.
PRECISION_RANK = {"day": 0, "month": 1, "season": 2, "year": 3, "decade": 4, "century": 5}


class EDTFError(ValueError):
    """A user-facing, one-line explanation of why a date was rejected.

    Site builds show only this message (no traceback), so it quotes the
    offending text and says what would be accepted.
    """


@dataclass(frozen=True, slots=True)
class EDTFDate:
    """A parsed EDTF date or interval, reduced to what the timeline needs.

    ``text`` is the input without surrounding whitespace.  ``earliest`` and
    ``latest`` bound every day the date can mean (None for an open or unknown
    interval side); ``precision`` is that of the start, or of the end when the
    start is missing.
    """

    text: str
    earliest: datetime.date | None
    latest: datetime.date | None
    precision: str
    approximate: bool
    uncertain: bool
    is_interval: bool

    def sort_key(self) -> tuple:
        """Key for ordering timeline entries; callers append their own id.

        The timeline sorts by the earliest day a date can mean, so "2022" comes
        before "2022-09-21" and an open start ("../2022") comes first of all
        (date.min).  Dates starting on the same day put the finer precision
        first, so "2022-09-01" precedes "2022-09", which precedes "2022-23".
        The caller's id then makes the order total and stable between builds.
        """
        return (self.earliest or datetime.date.min, PRECISION_RANK[self.precision])

    def display(self) -> str:
        """English text that claims no more precision or certainty than given."""
        if self.is_interval:
            return _interval_display(self.text)
        return _qualify(_plain_display(self), self.approximate, self.uncertain)

    def iso_start(self) -> str | None:
        """The start in ISO form at its own precision, without qualifiers.

        Seasons give their first month ("2022-23" -> "2022-09") and decades or
        centuries their first year, because ISO consumers (TimelineJS) know
        neither.  None when an interval's start is open or unknown.
        """
        if self.is_interval:
            start = _parse_side(self.text.split("/")[0], self.text)
            return start.iso_start() if start else None
        day = self.earliest
        if self.precision == "day":
            return day.isoformat()
        if self.precision in ("month", "season"):
            return f"{day.year:04d}-{day.month:02d}"
        return f"{day.year:04d}"


def parse_edtf(text: str) -> EDTFDate:
    """Parse an EDTF level 0/1 date or interval, raising EDTFError if invalid."""
    if not isinstance(text, str):
        # YAML turns unquoted 2022-11-06 into a date and 2022 into an int.
        raise EDTFError(f"invalid EDTF date {text!r}: expected text (quote dates in YAML)")
    text = text.strip()
    if not text:
        raise EDTFError("empty date")
    slashes = text.count("/")
    if slashes == 0:
        return _parse_single(text, text)
    if slashes == 1:
        return _parse_interval(text)
    raise _general_error(text)


def _parse_interval(text: str) -> EDTFDate:
    """Combine two sides; either may be open ("..") or unknown (""), not both."""
    start_text, end_text = text.split("/")
    start, end = _parse_side(start_text, text), _parse_side(end_text, text)
    if start is None and end is None:
        raise _error(text, "an interval needs at least one date")
    if start is not None and end is not None and end.latest < start.earliest:
        raise _error(text, "the interval ends before it starts")
    sides = [side for side in (start, end) if side is not None]
    return EDTFDate(
        text=text,
        earliest=start.earliest if start else None,
        latest=end.latest if end else None,
        precision=sides[0].precision,
        approximate=any(side.approximate for side in sides),
        uncertain=any(side.uncertain for side in sides),
        is_interval=True,
    )


def _parse_side(side: str, text: str) -> EDTFDate | None:
    """One side of an interval; None stands for an open or unknown side."""
    if side in (OPEN, UNKNOWN):
        return None
    return _parse_single(side, text)


def _parse_single(part: str, text: str) -> EDTFDate:
    """Parse one date; ``text`` is the whole input, quoted in error messages."""
    match = SINGLE_DATE_RE.fullmatch(part)
    if match is None:
        if UNSUPPORTED_YEAR_RE.fullmatch(part):
            raise _year_error(text)
        raise _general_error(text)
    year, month, day, qualifier = match.group("year", "month", "day", "qualifier")
    if "X" in year:
        if month is not None:
            raise _error(text, "a month cannot follow unspecified year digits")
        earliest, latest, precision = _unspecified_year_span(year)
    else:
        earliest, latest, precision = _span(int(year), month, day, text)
    return EDTFDate(
        text=part,
        earliest=earliest,
        latest=latest,
        precision=precision,
        approximate=qualifier in ("~", "%"),
        uncertain=qualifier in ("?", "%"),
        is_interval=False,
    )


def _unspecified_year_span(year: str) -> tuple[datetime.date, datetime.date, str]:
    """'202X' spans 2020-2029 (a decade), '20XX' spans 2000-2099 (a century)."""
    first = max(int(year.replace("X", "0")), datetime.MINYEAR)
    last = int(year.replace("X", "9"))
    precision = "decade" if year.count("X") == 1 else "century"
    return datetime.date(first, 1, 1), datetime.date(last, 12, 31), precision


def _span(year: int, month: str | None, day: str | None, text: str) -> tuple:
    """Day range and precision of a date whose year is fully specified."""
    if year < datetime.MINYEAR:
        raise _year_error(text)
    if month in (None, "XX"):
        if day not in (None, "XX"):
            raise _error(text, "a day cannot follow an unspecified month")
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year"
    number = int(month)
    if number in SEASONS:
        if day is not None:
            raise _error(text, "a season (21-24) cannot have a day")
        return _season_span(year, number, text)
    if not 1 <= number <= 12:
        raise _error(text, "month must be 01-12 (or 21-24 for a season)")
    return _month_or_day_span(year, number, day, text)


def _month_or_day_span(year: int, month: int, day: str | None, text: str) -> tuple:
    """A whole month (day missing or XX) or a single calendar-checked day."""
    last = calendar.monthrange(year, month)[1]
    if day in (None, "XX"):
        return datetime.date(year, month, 1), datetime.date(year, month, last), "month"
    if not 1 <= int(day) <= last:
        raise _error(text, f"day must be 01-{last} in {MONTH_NAMES[month]} {year}")
    exact = datetime.date(year, month, int(day))
    return exact, exact, "day"


def _season_span(year: int, code: int, text: str) -> tuple:
    """Meteorological seasons; winter runs from December into next February."""
    name, first = SEASONS[code]
    if first != 12:
        last_day = calendar.monthrange(year, first + 2)[1]
        return datetime.date(year, first, 1), datetime.date(year, first + 2, last_day), "season"
    if year >= datetime.MAXYEAR:
        raise _error(text, f"{name} {year} runs past the year {datetime.MAXYEAR}")
    end = datetime.date(year + 1, 3, 1) - datetime.timedelta(days=1)
    return datetime.date(year, 12, 1), end, "season"


def _plain_display(date: EDTFDate) -> str:
    """Unqualified text for a single date at its precision."""
    first, last = date.earliest, date.latest
    if date.precision == "day":
        return f"{first.day} {MONTH_NAMES[first.month]} {first.year}"
    if date.precision == "month":
        return f"{MONTH_NAMES[first.month]} {first.year}"
    if date.precision == "season":
        return f"{SEASON_NAMES[first.month]} {first.year}"
    if date.precision == "decade":
        return f"{last.year - 9}s"
    if date.precision == "century":
        return f"{last.year - 99}–{last.year}"
    return str(first.year)


def _interval_display(text: str) -> str:
    """'since X' / 'until X' for open sides, 'unknown' for unknown ones."""
    start_text, end_text = text.split("/")
    start, end = _parse_side(start_text, text), _parse_side(end_text, text)
    if start is None:
        prefix = "until " if start_text == OPEN else "unknown – "
        return prefix + end.display()
    if end is None:
        return f"since {start.display()}" if end_text == OPEN else f"{start.display()} – unknown"
    return _compact_range(start, end) or f"{start.display()} – {end.display()}"


def _qualify(text: str, approximate: bool, uncertain: bool) -> str:
    """'c. ' marks approximate dates and ' (?)' uncertain ones."""
    return f"{'c. ' if approximate else ''}{text}{' (?)' if uncertain else ''}"


def _compact_range(start: EDTFDate, end: EDTFDate) -> str | None:
    """Shorter text for unqualified ranges within one month or one year."""
    if any((start.approximate, start.uncertain, end.approximate, end.uncertain)):
        return None
    first, last = start.earliest, end.earliest
    if first.year != last.year or start.precision != end.precision:
        return None
    if start.precision == "day" and first.month == last.month:
        return f"{first.day}–{last.day} {MONTH_NAMES[first.month]} {first.year}"
    if start.precision == "month":
        names = MONTH_NAMES[first.month], MONTH_NAMES[last.month]
        return f"{names[0]} – {names[1]} {first.year}"
    return None


def _error(text: str, reason: str) -> EDTFError:
    return EDTFError(f"invalid EDTF date {text!r}: {reason}")


def _year_error(text: str) -> EDTFError:
    return _error(text, "year out of range (only 4-digit years 0001-9999 are supported)")


def _general_error(text: str) -> EDTFError:
    suggestion = _suggest(text)
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    return EDTFError(f"invalid EDTF date {text!r} ({USAGE}){hint}")


_MONTH_LOOKUP = {name.lower()[:3]: number for number, name in enumerate(MONTH_NAMES) if name}


def _suggest(text: str) -> str | None:
    """The EDTF for common ways of writing a date: 'Nov 2022', '6 November 2022', 'November 6, 2022', '2022/11/06'."""
    cleaned = text.strip().replace(",", " ").replace(".", " ")
    numeric = re.fullmatch(r"(\d{4})[/ ](\d{1,2})(?:[/ ](\d{1,2}))?", cleaned)
    if numeric:
        parts = [numeric.group(1), numeric.group(2).zfill(2)] + ([numeric.group(3).zfill(2)] if numeric.group(3) else [])
        candidate = "-".join(parts)
    else:
        words = cleaned.split()
        month = next((_MONTH_LOOKUP[w.lower()[:3]] for w in words if w.isalpha() and w.lower()[:3] in _MONTH_LOOKUP), None)
        year = next((w for w in words if re.fullmatch(r"\d{4}", w)), None)
        day = next((w for w in words if re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", w)), None)
        if month is None or year is None:
            return None
        candidate = f"{year}-{month:02d}" + (f"-{int(re.sub(r'[a-z]+', '', day)):02d}" if day else "")
    try:
        parse_edtf(candidate)
    except EDTFError:
        return None
    return candidate
