"""The wording of EDTF dates: no more precision or certainty than the date gives.

"c. " marks an approximate date and " (?)" an uncertain one; an interval
reads "A – B" ("throughout"), one of a set "between A and B" ("some day
within"). Years before 1 read as BC ("-1985" is "1986 BC": EDTF's year 0 is
1 BC). Parsing is ``dates``'s; this module only reads parsed dates.

Every function takes the site's `SiteLocale` (English by default): the words
("between", "c.", "since", seasons, "BC") are gettext messages, and the order
of day, month and year, the month names and the digits are CLDR's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from digest.text.days import Day
from digest.text.i18n import ENGLISH, SiteLocale

if TYPE_CHECKING:
    from digest.text.dates import EDTFDate, SetMember

# English names, for parse errors and suggestions (which read the EDTF text, not the site's language).
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")
SEASON_NAMES = {3: "Spring", 6: "Summer", 9: "Autumn", 12: "Winter"}
"""First month of a season (northern, meteorological) -> its name."""


def single(date: EDTFDate, loc: SiteLocale = ENGLISH) -> str:
    """A single date at its precision, with its qualifiers."""
    return _qualify(_plain(date, loc), date.approximate, date.uncertain, loc)


def interval(start: EDTFDate | None, end: EDTFDate | None, start_text: str, end_text: str, loc: SiteLocale = ENGLISH) -> str:
    """'since X' / 'until X' for open sides, 'unknown' for unknown ones, 'X – Y' otherwise.

    An interval that starts and ends within the same span reads as that span
    ("2022/2022" is "2022"); one whose end could be as early as its start
    says how late it can end instead ("2015/201X": "2015 – no later than
    2019", not "2015 – 2010s").
    """
    _ = loc.gettext
    if start is None:
        assert end is not None
        return (_("until %(date)s") if start_text == ".." else _("unknown – %(date)s")) % {"date": end.display(loc)}
    if end is None:
        return (_("since %(date)s") if end_text == ".." else _("%(date)s – unknown")) % {"date": start.display(loc)}
    plain = not any((start.approximate, start.uncertain, end.approximate, end.uncertain))
    (start_first, start_last), (end_first, end_last) = start.closed_bounds(), end.closed_bounds()
    if end_first <= start_first and end_last == start_last and plain:
        return start.display(loc)
    if end_first <= start_first and end_last > start_last:
        limit = _qualify(_at_precision(end_last, start.precision, loc), end.approximate, end.uncertain, loc)
        return _("%(start)s – no later than %(limit)s") % {"start": start.display(loc), "limit": limit}
    compact = _compact_range(start, end, loc) if plain else None
    return compact or _("%(start)s – %(end)s") % {"start": start.display(loc), "end": end.display(loc)}


def one_of(members: Sequence[SetMember], loc: SiteLocale = ENGLISH) -> str:
    """'between A and B', 'A or earlier', 'A, B or C': one date among the members."""
    phrases = [_member(member, loc) for member in members]
    return phrases[0] if len(phrases) == 1 else loc.list_or(phrases)


def _member(member: SetMember, loc: SiteLocale) -> str:
    if member.first is None:
        assert member.last is not None
        return loc.gettext("%(date)s or earlier") % {"date": member.last.display(loc)}
    if member.last is None:
        return loc.gettext("%(date)s or later") % {"date": member.first.display(loc)}
    if member.first is member.last or member.first.text == member.last.text:
        return member.first.display(loc)
    return _between(member.first, member.last, loc)


def _between(first: EDTFDate, last: EDTFDate, loc: SiteLocale) -> str:
    """'between 31 October and 6 November 2022': the shared month or year said once."""
    a, b = first.closed_bounds()[0], last.closed_bounds()[0]
    plain = not any((first.approximate, first.uncertain, last.approximate, last.uncertain))
    between = loc.gettext("between %(first)s and %(last)s")
    if plain and first.precision == last.precision and a.year == b.year:
        if first.precision == "day":
            a_text = loc.digits(str(a.day)) if a.month == b.month else loc.day_and_month(a)
            return between % {"first": a_text, "last": loc.day(b)}
        if first.precision == "month":
            return between % {"first": loc.month_name(a.month), "last": loc.month(b.year, b.month)}
    return between % {"first": first.display(loc), "last": last.display(loc)}


def _plain(date: EDTFDate, loc: SiteLocale) -> str:
    """Unqualified text for a single date at its precision."""
    first, last = date.closed_bounds()
    if date.precision == "day":
        text = loc.day(first)
        return loc.gettext("%(date)s, %(time)s") % {"date": text, "time": date.time.display(loc)} if date.time else text
    if date.precision == "month":
        return loc.month(first.year, first.month)
    if date.precision == "season":
        return _season(first.month, loc) % {"year": loc.year(first.year)}
    if date.precision == "decade" and first.year >= 1:
        return loc.gettext("%(decade)ss") % {"decade": loc.digits(str(first.year))}
    if date.precision in ("decade", "century"):
        return _years(first.year, last.year, loc)
    return loc.year(first.year)


def _season(first_month: int, loc: SiteLocale) -> str:
    """'Spring %(year)s' and the others, each a message of its own so translators see whole phrases."""
    _ = loc.gettext
    return {3: _("Spring %(year)s"), 6: _("Summer %(year)s"), 9: _("Autumn %(year)s"), 12: _("Winter %(year)s")}[first_month]


def _years(first: int, last: int, loc: SiteLocale) -> str:
    """'2000–2099', '1 BC – AD 99': a span of years, its era said on both sides when it changes."""
    if first >= 1:
        return f"{loc.year(first)}–{loc.year(last)}"
    if last < 1:
        return loc.gettext("%(first)s–%(last)s BC") % {"first": loc.digits(str(1 - first)), "last": loc.digits(str(1 - last))}
    return loc.gettext("%(first)s BC – AD %(last)s") % {"first": loc.digits(str(1 - first)), "last": loc.digits(str(last))}


def _at_precision(day: Day, precision: str, loc: SiteLocale) -> str:
    """The day, month or year containing ``day``, as coarse as ``precision``."""
    if precision == "day":
        return loc.day(day)
    if precision in ("month", "season"):
        return loc.month(day.year, day.month)
    return loc.year(day.year)


def _qualify(text: str, approximate: bool, uncertain: bool, loc: SiteLocale) -> str:
    """'c. ' marks approximate dates and ' (?)' uncertain ones."""
    if approximate:
        text = loc.gettext("c. %(date)s") % {"date": text}
    return loc.gettext("%(date)s (?)") % {"date": text} if uncertain else text


def _compact_range(start: EDTFDate, end: EDTFDate, loc: SiteLocale) -> str | None:
    """Shorter text for unqualified ranges within one month or one year."""
    first, last = start.closed_bounds()[0], end.closed_bounds()[0]
    if first.year != last.year or start.precision != end.precision:
        return None
    if start.precision == "day" and first.month == last.month:
        return loc.gettext("%(first_day)s–%(last_date)s") % {"first_day": loc.digits(str(first.day)), "last_date": loc.day(last)}
    if start.precision == "month":
        return loc.gettext("%(first_month)s – %(last_month)s") % {"first_month": loc.month_name(first.month), "last_month": loc.month(last.year, last.month)}
    return None
