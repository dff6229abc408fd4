"""Calendar days of any year from -9999 to 9999, for EDTF bounds and the timeline.

``datetime.date`` stops at year 1, but EDTF (level 1) has year 0 and
negative years: ``-1985`` is 1986 BC in the astronomical numbering that ISO
8601 and EDTF use (year 0 is 1 BC). ``Day`` is a plain (year, month, day) in
the proleptic Gregorian calendar, ordered like a tuple, with a day number
that extends ``date.toordinal()`` backwards so that layouts can subtract days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

__all__ = ["Day", "FIRST_DAY", "LAST_DAY", "days_in_month", "year_text"]

MIN_YEAR = -9999
MAX_YEAR = 9999
_CYCLE_DAYS = 146_097
"""Days in 400 Gregorian years: the calendar repeats after them."""


def is_leap(year: int) -> bool:
    """Proleptic Gregorian leap years; year 0 (1 BC) is one, like 2000."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Days in a month of any year (``calendar.monthrange`` refuses years below 1)."""
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def year_text(year: int) -> str:
    """A year as readers write it: '2022', '44', and '1986 BC' for the EDTF year -1985."""
    return str(year) if year >= 1 else f"{1 - year} BC"


@dataclass(frozen=True, slots=True, order=True)
class Day:
    """One calendar day; fields compare in order, so days sort by date."""

    year: int
    """Astronomical year: 0 is 1 BC, -1 is 2 BC."""
    month: int
    day: int

    def __post_init__(self) -> None:
        if not (MIN_YEAR <= self.year <= MAX_YEAR and 1 <= self.month <= 12 and 1 <= self.day <= days_in_month(self.year, self.month)):
            raise ValueError(f"no such day: {self.year}-{self.month}-{self.day}")

    @classmethod
    def from_date(cls, date: datetime.date) -> Day:
        return cls(date.year, date.month, date.day)

    def isoformat(self) -> str:
        """ISO 8601, with the sign of the expanded form for years before 0 ('-1985-04-12')."""
        sign = "-" if self.year < 0 else ""
        return f"{sign}{abs(self.year):04d}-{self.month:02d}-{self.day:02d}"

    def ordinal(self) -> int:
        """Day number: ``date.toordinal()`` for years from 1, counting on backwards before."""
        cycles = 0 if self.year >= 1 else (400 - self.year) // 400
        shifted = datetime.date(self.year + 400 * cycles, self.month, self.day)
        return shifted.toordinal() - cycles * _CYCLE_DAYS

    @classmethod
    def from_ordinal(cls, number: int) -> Day:
        """The day with this day number, kept within years -9999 to 9999."""
        number = min(max(number, FIRST_DAY.ordinal()), LAST_DAY.ordinal())
        cycles = 0 if number >= 1 else (_CYCLE_DAYS - number) // _CYCLE_DAYS
        shifted = datetime.date.fromordinal(number + cycles * _CYCLE_DAYS)
        return cls(shifted.year - 400 * cycles, shifted.month, shifted.day)

    def plus_days(self, days: int) -> Day:
        """This day moved by ``days``, kept within the calendar."""
        return Day.from_ordinal(self.ordinal() + days)

    def first_of_month(self) -> Day:
        return Day(self.year, self.month, 1)

    def next_month(self) -> Day:
        """The first day of the following month (the last day of the calendar at its end)."""
        if self.month < 12:
            return Day(self.year, self.month + 1, 1)
        return Day(self.year + 1, 1, 1) if self.year < MAX_YEAR else LAST_DAY


FIRST_DAY = Day(MIN_YEAR, 1, 1)
LAST_DAY = Day(MAX_YEAR, 12, 31)
