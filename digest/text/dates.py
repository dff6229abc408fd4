"""EDTF (Extended Date/Time Format) dates for the timeline: levels 0 and 1, and level 2's "one of a set".

News events are often known only to the month, season or year, or only
roughly.  EDTF lets authors say exactly that ("2022-09?", "2022-23", "202X",
"2022-03/..", "[2022-10-31..2022-11-06]" for some day of a week); this module
turns it into a day range plus a precision, so the timeline places events
honestly instead of inventing a day.  Bounds are ``Day`` values, not
``datetime.date``, because EDTF has year 0 and negative years.  Features of
the Library of Congress specification (2019) that are not supported (years
beyond four digits, level 2 except sets) are refused with a message saying
so.  The wording of dates, in the site's language, is in ``date_wording``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from digest.text import date_wording
from digest.text.date_wording import MONTH_NAMES, SEASON_NAMES
from digest.text.days import FIRST_DAY, Day, days_in_month
from digest.text.i18n import ENGLISH, SiteLocale

__all__ = ["MONTH_NAMES", "SEASON_NAMES", "EDTFDate", "EDTFError", "TimeOfDay", "parse_edtf"]

# One date: a 4-digit year, possibly negative (or with trailing digits X),
# optional month (or season 21-24) and day, an optional time of day, then at
# most one qualifier.  ASCII digits only: \d would take any script's digits.
# Range checks come later so that the error message can say what is wrong.
SINGLE_DATE_RE = re.compile(
    r"(?P<year>-?[0-9]{4}|[0-9]{3}X|[0-9]{2}XX)"
    r"(?:-(?P<month>[0-9]{2}|XX)(?:-(?P<day>[0-9]{2}|XX))?)?"
    r"(?:T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?P<zone>Z|[+-][0-9]{2}(?::[0-9]{2})?)?)?"
    r"(?P<qualifier>[~?%])?"
)
# Date-like text whose only problem is the year, for a more precise message:
# "Y" years (EDTF's years beyond four digits, level 2's E and S forms), years
# of more or fewer than four digits, four digits with significant digits.
_TAIL = r"(?:-[0-9X]{2}){0,2}[~?%]?"
LONG_YEAR_RE = re.compile(rf"Y(?P<sign>-?)(?P<digits>[0-9]+)(?P<level2>(?:[ES][0-9]+)*){_TAIL}")
BAD_YEAR_RE = re.compile(rf"(?P<sign>-?)(?P<digits>[0-9]{{1,3}}|[0-9]{{5,}}){_TAIL}")
SIGNIFICANT_DIGITS_RE = re.compile(rf"-?[0-9]{{4}}S[0-9]+{_TAIL}")
SHORT_TIME_RE = re.compile(r"[0-9-]+T[0-9]{2}:[0-9]{2}(?P<more>[.,][0-9]+|:[0-9]{2}[.,][0-9]+)?(?:Z|[+-].*)?")

OPEN = ".."
UNKNOWN = ""
USAGE = "use YYYY, YYYY-MM or YYYY-MM-DD, with ~ ? % qualifiers or A/B intervals"

# Season code -> (name, first month).  Northern hemisphere, meteorological.
SEASONS = {code: (SEASON_NAMES[first], first) for code, first in ((21, 3), (22, 6), (23, 9), (24, 12))}

# Finer precision sorts first among dates that start on the same day.
PRECISION_RANK = {"day": 0, "month": 1, "season": 2, "year": 3, "decade": 4, "century": 5}


class EDTFError(ValueError):
    """A user-facing, one-line explanation of why a date was rejected.

    Site builds show only this message (no traceback), so it quotes the
    offending text and says what would be accepted.
    """


@dataclass(frozen=True, slots=True)
class TimeOfDay:
    """The time of a level 0 date and time ("1985-04-12T23:20:30+04:30")."""

    hour: int
    minute: int
    second: int
    zone: str
    """'' for a local time as written, 'Z' for UTC, or an offset normalised to '+04:30'."""

    def clock(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"

    def display(self, loc: SiteLocale = ENGLISH) -> str:
        """'23:20:30', '23:20:30 UTC' or '23:20:30 UTC+04:30', in the locale's digits."""
        if not self.zone:
            return loc.digits(self.clock())
        return loc.digits(f"{self.clock()} UTC{'' if self.zone == 'Z' else self.zone}")

    def sort_seconds(self) -> int:
        """Seconds into the day, in UTC when an offset is given (a local time counts as written)."""
        offset = 0
        if self.zone not in ("", "Z"):
            sign = -1 if self.zone[0] == "-" else 1
            offset = sign * (int(self.zone[1:3]) * 60 + int(self.zone[4:6]))
        return self.hour * 3600 + self.minute * 60 + self.second - offset * 60


@dataclass(frozen=True, slots=True)
class EDTFDate:
    """A parsed EDTF date, interval or one-of-a-set, reduced to what the timeline needs.

    ``text`` is the input without surrounding whitespace.  ``earliest`` and
    ``latest`` bound every day the date can mean (None for an open or unknown
    side); ``precision`` is that of the start, or of the end when the start
    is missing.
    """

    text: str
    earliest: Day | None
    latest: Day | None
    precision: str
    approximate: bool
    uncertain: bool
    is_interval: bool
    """An interval: true throughout, from its start to its end."""
    one_of: bool = False
    """One of a set ("[2022-10-31..2022-11-06]"): some single date among those given."""
    time: TimeOfDay | None = None
    """The time of day of a single date, when given."""

    def sort_key(self) -> tuple:
        """Key for ordering timeline entries; callers append their own id.

        The timeline sorts by the earliest day a date can mean, so "2022" comes
        before "2022-09-21" and an open start ("../2022") comes first of all.
        Dates starting on the same day put the finer precision first, so
        "2022-09-01" precedes "2022-09", which precedes "2022-23"; a day
        without a time precedes the same day with one, and times of one day
        sort by the moment they name (in UTC when an offset is given).  The
        caller's id then makes the order total and stable between builds.
        """
        moment = (1, self.time.sort_seconds()) if self.time else (0,)
        return (self.earliest or FIRST_DAY, PRECISION_RANK[self.precision], moment)

    def closed_bounds(self) -> tuple[Day, Day]:
        """``earliest`` and ``latest`` of a date known to have both: a single date.

        Single dates, the sides of an interval and the members of a set are
        always bounded; only intervals and sets can have an open side.
        """
        assert self.earliest is not None and self.latest is not None, f"{self.text!r} has an open side"
        return self.earliest, self.latest

    def display(self, loc: SiteLocale = ENGLISH) -> str:
        """Text in the site's language (English by default) that claims no more precision or certainty than given."""
        if self.is_interval:
            start_text, end_text = self.text.split("/")
            return date_wording.interval(parse_side(start_text, self.text), parse_side(end_text, self.text), start_text, end_text, loc)
        if self.one_of:
            return date_wording.one_of(set_members(self.text), loc)
        return date_wording.single(self, loc)

    def iso_start(self) -> str | None:
        """The start in ISO form at its own precision, for HTML's ``datetime`` attribute.

        Seasons give their first month ("2022-23" -> "2022-09") and decades or
        centuries their first year, because ISO consumers know neither.  None
        when the start is open or unknown, or before the year 1, which HTML's
        dates cannot hold.
        """
        if self.is_interval:
            start = parse_side(self.text.split("/")[0], self.text)
            return start.iso_start() if start else None
        day = self.earliest
        if day is None or day.year < 1:
            return None
        if self.precision == "day":
            return day.isoformat() + (f"T{self.time.clock()}{self.time.zone}" if self.time else "")
        if self.precision in ("month", "season"):
            return f"{day.year:04d}-{day.month:02d}"
        return f"{day.year:04d}"


@dataclass(frozen=True, slots=True)
class SetMember:
    """One member of a one-of-a-set: a date, a range 'A..B', 'A..' (A or later) or '..B' (B or earlier)."""

    first: EDTFDate | None
    """The date, or the start of the range; None for '..B'."""
    last: EDTFDate | None
    """The end of the range, the date itself for a plain date; None for 'A..'."""


def parse_edtf(text: str) -> EDTFDate:
    """Parse an EDTF date, interval or one-of-a-set, raising EDTFError if invalid."""
    if not isinstance(text, str):
        # YAML turns unquoted 2022-11-06 into a date and 2022 into an int.
        raise EDTFError(f"invalid EDTF date {text!r}: expected text (quote dates in YAML)")
    text = text.strip()
    if not text:
        raise EDTFError("empty date")
    _check_ascii(text)
    if text.startswith("{"):
        raise _error(text, "'{...}' (all of a set, EDTF level 2) is not supported: give each date its own event, "
                           "or write '[...]' for one date of the set")
    if text.startswith("["):
        return _parse_set(text)
    slashes = text.count("/")
    if slashes == 0:
        return _parse_single(text, text, allow_time=True)
    if slashes == 1:
        return _parse_interval(text)
    raise _general_error(text)


def _check_ascii(text: str) -> None:
    """EDTF is ASCII: other digits ('٢٠٢٢', '２０２２') and dashes are refused by name."""
    for char in text:
        if char.isascii():
            continue
        code = f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()
        if unicodedata.digit(char, None) is not None:
            reason = f"{char!r} ({code}) is not an ASCII digit: write dates with the digits 0-9"
        elif _is_dash(char):
            reason = f"{char!r} ({code}) is not the ASCII hyphen-minus '-'"
        else:
            reason = f"{char!r} ({code}) is not part of EDTF, which is written in ASCII"
        candidate = "".join(_ascii_equivalent(c) for c in text)
        hint = ""
        if candidate.isascii():
            try:
                parse_edtf(candidate)
                hint = f"; did you mean {candidate!r}?"
            except EDTFError:
                pass
        raise _error(text, reason + hint)


def _is_dash(char: str) -> bool:
    return unicodedata.category(char) == "Pd" or char == "\u2212"


def _ascii_equivalent(char: str) -> str:
    if char.isascii():
        return char
    digit = unicodedata.digit(char, None)
    if digit is not None:
        return str(digit)
    return "-" if _is_dash(char) else unicodedata.normalize("NFKC", char)


def _parse_interval(text: str) -> EDTFDate:
    """Combine two sides; either may be open ("..") or unknown (""), not both."""
    start_text, end_text = text.split("/")
    start, end = parse_side(start_text, text), parse_side(end_text, text)
    if start is None and end is None:
        raise _error(text, "an interval needs at least one date")
    if start is not None and end is not None and end.closed_bounds()[1] < start.closed_bounds()[0]:
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


def parse_side(side: str, text: str) -> EDTFDate | None:
    """One side of an interval; None stands for an open or unknown side."""
    if side in (OPEN, UNKNOWN):
        return None
    return _parse_single(side, text, allow_time=False)


def _parse_set(text: str) -> EDTFDate:
    """'[A, B, C..D]': one date among these (level 2), bounded by its first and last member."""
    members = set_members(text)
    starts = [m.first for m in members if m.first is not None]
    first = min(starts, key=lambda date: date.sort_key()) if members[0].first is not None else members[0].last
    assert first is not None, "set_members refuses a member with neither a first nor a last date"
    parts = [date for m in members for date in (m.first, m.last) if date is not None]
    return EDTFDate(
        text=text,
        earliest=None if members[0].first is None else min(d.closed_bounds()[0] for d in starts),
        latest=None if members[-1].last is None else max(m.last.closed_bounds()[1] for m in members if m.last is not None),
        precision=first.precision,
        approximate=any(date.approximate for date in parts),
        uncertain=any(date.uncertain for date in parts),
        is_interval=False,
        one_of=True,
    )


def set_members(text: str) -> tuple[SetMember, ...]:
    """The members of a one-of-a-set, checked; '..' may only begin or end the set."""
    if "]" in text[:-1]:
        raise _error(text, "a set '[...]' is a whole date: it cannot be followed by anything, nor be a side of an interval")
    if not text.endswith("]"):
        raise _error(text, "a set that opens with '[' must close with ']'")
    items = [item.strip() for item in text[1:-1].split(",")]
    members = []
    for index, item in enumerate(items):
        if not item:
            raise _error(text, "a set needs a date between each pair of commas (and at least one date)")
        before, dots, after = item.partition(OPEN)
        if not dots:
            date = _parse_single(item, text, allow_time=False)
            members.append(SetMember(date, date))
            continue
        if OPEN in after or (not before and not after):
            raise _error(text, f"'{item}' is not a date or a range 'A..B' of dates")
        if not before and index > 0:
            raise _error(text, f"'{item}' (this date or an earlier one) can only be the first member of a set")
        if not after and index < len(items) - 1:
            raise _error(text, f"'{item}' (this date or a later one) can only be the last member of a set")
        first = _parse_single(before, text, allow_time=False) if before else None
        last = _parse_single(after, text, allow_time=False) if after else None
        if first is not None and last is not None and last.closed_bounds()[1] < first.closed_bounds()[0]:
            raise _error(text, f"the range '{item}' ends before it starts")
        members.append(SetMember(first, last))
    return tuple(members)


def _parse_single(part: str, text: str, allow_time: bool) -> EDTFDate:
    """Parse one date; ``text`` is the whole input, quoted in error messages."""
    match = SINGLE_DATE_RE.fullmatch(part)
    if match is None:
        raise _unsupported(part, text)
    year, month, day, clock, zone, qualifier = match.group("year", "month", "day", "time", "zone", "qualifier")
    if year == "-0000":
        raise _error(text, "there is no year -0000: the year before 1 is 0000 (1 BC)")
    if "X" in year:
        if month is not None:
            raise _error(text, "a month cannot follow unspecified year digits (EDTF level 2, not supported)")
        earliest, latest, precision = _unspecified_year_span(year)
    else:
        earliest, latest, precision = _span(int(year), month, day, text)
    time = None
    if clock is not None:
        time = _time_of_day(clock, zone or "", text)
        if not allow_time:
            raise _error(text, "a time of day is allowed in a single date, not in an interval or a set")
        if precision != "day":
            raise _error(text, "a time of day needs a full date (YYYY-MM-DDThh:mm:ss)")
        if qualifier:
            raise _error(text, "a qualifier (~ ? %) cannot follow a time of day; qualify the date alone")
    return EDTFDate(
        text=part,
        earliest=earliest,
        latest=latest,
        precision=precision,
        approximate=qualifier in ("~", "%"),
        uncertain=qualifier in ("?", "%"),
        is_interval=False,
        time=time,
    )


def _time_of_day(clock: str, zone: str, text: str) -> TimeOfDay:
    """A checked hh:mm:ss and its zone ('Z', '+04', '-04:30' or none)."""
    hour, minute, second = (int(part) for part in clock.split(":"))
    if hour > 23 or minute > 59 or second > 59:
        raise _error(text, "the time of day must be 00:00:00-23:59:59")
    if zone not in ("", "Z"):
        zone = zone if len(zone) == 6 else f"{zone}:00"
        if int(zone[1:3]) > 14 or int(zone[4:6]) > 59:
            raise _error(text, "a UTC offset must be between -14:00 and +14:00")
    return TimeOfDay(hour, minute, second, zone)


def _unsupported(part: str, text: str) -> EDTFError:
    """Why a date is not one we read: a feature we do not support, said by name, or the usage."""
    long_year = LONG_YEAR_RE.fullmatch(part)
    if long_year:
        if long_year["level2"]:
            return _error(text, "exponential years and significant digits (EDTF level 2) are not supported")
        if int(long_year["digits"]) <= 9999:
            plain = f"{long_year['sign']}{int(long_year['digits']):04d}"
            return _error(text, f"the 'Y' prefix is only for years of more than four digits: write {plain}")
        return _year_error(text, long_year["sign"])
    bad_year = BAD_YEAR_RE.fullmatch(part)
    if bad_year:
        if len(bad_year["digits"]) < 4:
            return _error(text, "a year is written with four digits (0999 for the year 999)")
        return _year_error(text, bad_year["sign"])
    if SIGNIFICANT_DIGITS_RE.fullmatch(part):
        return _error(text, "significant digits (EDTF level 2) are not supported")
    unqualified = re.sub(r"[~?%]", "", part)
    if unqualified != part and SINGLE_DATE_RE.fullmatch(unqualified):
        return _error(text, "put one qualifier at the end of the date (% for both ~ and ?); "
                            "qualifying one part of a date (EDTF level 2) is not supported")
    if "X" in part and SINGLE_DATE_RE.fullmatch(re.sub(r"X", "0", unqualified)):
        return _error(text, "unspecified digits are supported as the last one or two of a year (201X, 20XX) "
                            "or a whole month or day (XX), not elsewhere (EDTF level 2)")
    short_time = SHORT_TIME_RE.fullmatch(part)
    if short_time:
        if short_time["more"]:
            return _error(text, "fractions of a second are not supported: write the time as hh:mm:ss")
        return _error(text, "a time of day is written with seconds, hh:mm:ss (T10:00:00)")
    return _general_error(text)


def _unspecified_year_span(year: str) -> tuple[Day, Day, str]:
    """'202X' spans 2020-2029 (a decade), '20XX' spans 2000-2099 (a century)."""
    first, last = int(year.replace("X", "0")), int(year.replace("X", "9"))
    precision = "decade" if year.count("X") == 1 else "century"
    return Day(first, 1, 1), Day(last, 12, 31), precision


def _span(year: int, month: str | None, day: str | None, text: str) -> tuple[Day, Day, str]:
    """Day range and precision of a date whose year is fully specified."""
    if month in (None, "XX"):
        if day not in (None, "XX"):
            raise _error(text, "a day cannot follow an unspecified month")
        return Day(year, 1, 1), Day(year, 12, 31), "year"
    number = int(month)
    if number in SEASONS:
        if day is not None:
            raise _error(text, "a season (21-24) cannot have a day")
        return _season_span(year, number, text)
    if not 1 <= number <= 12:
        level2 = "; other sub-year groupings (25-41, EDTF level 2) are not supported" if 25 <= number <= 41 else ""
        raise _error(text, f"month must be 01-12 (or 21-24 for a season){level2}")
    return _month_or_day_span(year, number, day, text)


def _month_or_day_span(year: int, month: int, day: str | None, text: str) -> tuple[Day, Day, str]:
    """A whole month (day missing or XX) or a single calendar-checked day."""
    last = days_in_month(year, month)
    if day in (None, "XX"):
        return Day(year, month, 1), Day(year, month, last), "month"
    if not 1 <= int(day) <= last:
        raise _error(text, f"day must be 01-{last} in {MONTH_NAMES[month]} {year}")
    exact = Day(year, month, int(day))
    return exact, exact, "day"


def _season_span(year: int, code: int, text: str) -> tuple[Day, Day, str]:
    """Meteorological seasons; winter runs from December into next February."""
    name, first = SEASONS[code]
    if first != 12:
        return Day(year, first, 1), Day(year, first + 2, days_in_month(year, first + 2)), "season"
    if year >= 9999:
        raise _error(text, f"{name} {year} runs past the year 9999")
    return Day(year, 12, 1), Day(year + 1, 2, days_in_month(year + 1, 2)), "season"


def _error(text: str, reason: str) -> EDTFError:
    return EDTFError(f"invalid EDTF date {text!r}: {reason}")


def _year_error(text: str, sign: str) -> EDTFError:
    limit = "before -9999" if sign else "after 9999"
    return _error(text, f"years {limit} are not supported (years -9999 to 9999 are)")


def _general_error(text: str) -> EDTFError:
    suggestion = _suggest(text)
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    return EDTFError(f"invalid EDTF date {text!r} ({USAGE}){hint}")


_MONTH_LOOKUP = {name.lower()[:3]: number for number, name in enumerate(MONTH_NAMES) if name}


def _suggest(text: str) -> str | None:
    """The EDTF for common ways of writing a date: 'Nov 2022', '6 November 2022', 'November 6, 2022', '2022/11/06', '202x'."""
    cleaned = text.strip().replace(",", " ").replace(".", " ")
    numeric = re.fullmatch(r"([0-9]{4})[/ ]([0-9]{1,2})(?:[/ ]([0-9]{1,2}))?", cleaned)
    if numeric:
        parts = [numeric.group(1), numeric.group(2).zfill(2)] + ([numeric.group(3).zfill(2)] if numeric.group(3) else [])
        candidate = "-".join(parts)
    elif re.fullmatch(r"[0-9]{2,3}x{1,2}", text):
        candidate = text.upper()
    else:
        words = cleaned.split()
        month = next((_MONTH_LOOKUP[w.lower()[:3]] for w in words if w.isalpha() and w.lower()[:3] in _MONTH_LOOKUP), None)
        year = next((w for w in words if re.fullmatch(r"[0-9]{4}", w)), None)
        day = next((w for w in words if re.fullmatch(r"[0-9]{1,2}(st|nd|rd|th)?", w)), None)
        if month is None or year is None:
            return None
        candidate = f"{year}-{month:02d}" + (f"-{int(re.sub(r'[a-z]+', '', day)):02d}" if day else "")
    try:
        parse_edtf(candidate)
    except EDTFError:
        return None
    return candidate
