"""The site in its readers' language: gettext catalogues and CLDR formats.

A site's ``language`` (content/site.yaml) picks two things. Its words (labels,
headings, "between ... and ...", status names) come from gettext catalogues:
the built-in ``digest/locales/<lang>/LC_MESSAGES/digest.po``, under which a
site's theme may lay its own ``themes/<name>/locales/<lang>/LC_MESSAGES/digest.po``
whose messages win one by one. Its formats (the order of day, month and year,
month names, digits, number grouping, lists, plural rules) come from CLDR
through Babel, so no translator has to know them.

Catalogues are compiled from their ``.po`` source when a build loads them:
nothing compiled is committed, so a ``.mo`` can never be older than the text
it came from, and a newsroom's override is one text file.

`read_catalogues` is the edge that reads the files (the load stage calls it); `SiteLocale` is the plain
value every page and date wording takes. `ENGLISH` needs no file at all: the
message ids are the English text.
"""

from __future__ import annotations

import datetime
import gettext
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal

from digest import PACKAGE
from digest.text.days import Day

DOMAIN = "digest"

# The first digit of each decimal numbering system CLDR makes a locale's
# default; the other nine follow it in Unicode. Babel formats numbers and
# dates in Latin digits whatever the numbering system, so digits are mapped
# here. A system not listed stays in Latin digits.
ZERO_DIGITS = {
    "latn": "0", "arab": "\u0660", "arabext": "\u06f0", "beng": "\u09e6", "deva": "\u0966",
    "mymr": "\u1040", "tibt": "\u0f20", "olck": "\u1c50", "adlm": "\U0001e950", "rohg": "\U00010d30",
    "nkoo": "\u07c0", "mtei": "\uabf0", "gujr": "\u0ae6", "guru": "\u0a66", "knda": "\u0ce6",
    "mlym": "\u0d66", "orya": "\u0b66", "taml": "\u0be6", "telu": "\u0c66", "thai": "\u0e50",
    "laoo": "\u0ed0", "khmr": "\u17e0", "sinh": "\u0de6",
}
_YEAR_MARK = "\ue000"
"""Stands for the year inside a CLDR pattern: `format_date` cannot format years before 1."""
_YEAR_FIELD = re.compile(r"[yYuU]+")


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later (the status table)."""
    return message


@dataclass(frozen=True, slots=True)
class SiteLocale:
    """A language's words and formats; its repr names the catalogue digest, so pages depend on the translations."""

    language: str
    """The BCP 47 tag as the site wrote it ('en', 'pl', 'ar-EG')."""
    catalogue: str = ""
    """Digest of the catalogue sources read: changes whenever a translation does."""
    locale: Locale = field(default_factory=lambda: Locale.parse("en_001"), repr=False, compare=False)
    translations: gettext.NullTranslations = field(default_factory=gettext.NullTranslations, repr=False, compare=False)

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The plural form CLDR's rules pick for ``count``, with ``%(num)s`` already written in the locale's digits."""
        return self.translations.ngettext(singular, plural, count).replace("%(num)s", self.number(count))

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, count: int) -> str:
        return self.translations.npgettext(context, singular, plural, count).replace("%(num)s", self.number(count))

    def digits(self, text: str) -> str:
        """``text`` with its ASCII digits in the locale's default numbering system."""
        zero = ZERO_DIGITS.get(self.locale.default_numbering_system, "0")
        return text if zero == "0" else text.translate({48 + n: chr(ord(zero) + n) for n in range(10)})

    def number(self, value: int | float) -> str:
        """A count as the locale writes it: grouping, separators and digits.

        Whole numbers below a thousand need no grouping: they skip Babel, which
        most counts on a page are."""
        if isinstance(value, int) and 0 <= value < 1000:
            return self.digits(str(value))
        return self.digits(format_decimal(value, locale=self.locale, numbering_system="default"))

    def percent(self, fraction: float) -> str:
        """'95%', '%95', '٩٥٪' for 0.95: a whole percent placed and signed by the locale's CLDR pattern.

        Read from the pattern rather than through Babel's `format_percent`, whose
        regular expressions would make a build's work depend on what else filled
        Python's pattern cache."""
        pattern = self.locale.percent_formats[None].pattern.split(";")[0]
        number_chars = [index for index, char in enumerate(pattern) if char in "#0,."]
        sign = self.locale.number_symbols[self.locale.default_numbering_system]["percentSign"]
        prefix, suffix = pattern[: number_chars[0]], pattern[number_chars[-1] + 1 :]
        return (prefix + self.number(round(fraction * 100)) + suffix).replace("%", sign) if "%" in prefix + suffix else self.number(round(fraction * 100)) + sign

    def year(self, year: int) -> str:
        """'2022', '44', '1986 BC' for the astronomical -1985: no grouping, the locale's digits."""
        if year >= 1:
            return self.digits(str(year))
        return self.gettext("%(year)s BC") % {"year": self.digits(str(1 - year))}

    def day(self, day: Day) -> str:
        """'7 November 2022', '7 listopada 2022': CLDR's order and month forms."""
        return self._pattern("yMMMMd", day.year, day.month, day.day)

    def day_and_month(self, day: Day) -> str:
        """'31 October': a day whose year is said elsewhere."""
        return self._pattern("MMMMd", 2000, day.month, day.day)

    def month(self, year: int, month: int) -> str:
        """'November 2022', 'listopad 2022' (the stand-alone form where the language has one)."""
        return self._pattern("yMMMM", year, month, 1)

    def month_name(self, month: int) -> str:
        """'November', 'listopad': a month standing alone."""
        return self.locale.months["stand-alone"]["wide"][month]

    def month_abbreviation(self, month: int) -> str:
        """'Nov', 'lis': a month on a chart's axis.

        Bare English takes US English's three letters ('Sep'), as digest's charts always have:
        international English (its dates' source) writes 'Sept'."""
        source = Locale.parse("en") if str(self.locale) == "en_001" else self.locale
        return source.months["stand-alone"]["abbreviated"][month]

    def date(self, value: datetime.date | None) -> str:
        """A calendar date ('published', 'reviewed'), or 'undated'."""
        if value is None:
            return self.gettext("undated")
        return self._pattern("yMMMMd", value.year, value.month, value.day)

    def list_or(self, items: list[str]) -> str:
        """'A, B or C' in the locale's words."""
        return format_list(items, style="or", locale=self.locale)

    def _pattern(self, skeleton: str, year: int, month: int, day: int) -> str:
        pattern = _skeleton_pattern(self.locale, skeleton)
        leap_year = 2000  # a stand-in year: the patterns name no weekday, and 29 February exists
        text = format_date(datetime.date(leap_year, month, day), _year_as_mark(pattern), locale=self.locale)
        return self.digits(text).replace(_YEAR_MARK, self.year(year))


def _skeleton_pattern(locale: Locale, skeleton: str) -> str:
    pattern = locale.datetime_skeletons.get(skeleton)
    if pattern is None:
        from babel.dates import match_skeleton

        pattern = locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons) or "yMMMd"]
    return pattern.pattern if hasattr(pattern, "pattern") else str(pattern)


def _year_as_mark(pattern: str) -> str:
    """The CLDR pattern with its year field replaced by a quoted mark (text between quotes left alone)."""
    parts = pattern.split("'")
    for index in range(0, len(parts), 2):
        parts[index] = _YEAR_FIELD.sub(f"'{_YEAR_MARK}'", parts[index])
    return "'".join(parts)


def locale_id(language: str) -> Locale:
    """The CLDR locale for a BCP 47 tag; bare 'en' is CLDR's international English (day month year)."""
    if language.lower() in ("en", ""):
        return Locale.parse("en_001")
    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(language.split("-")[0])  # 'pl-XX': Polish all the same; raises if the language is unknown too


ENGLISH = SiteLocale("en")
"""The message ids' own language: what a site without catalogues, and every machine-facing text, reads."""


@dataclass(frozen=True, slots=True)
class LocaleProblem:
    """A catalogue that could not be read, or a language with none."""

    path: str
    line: int
    message: str


def catalogue_paths(folders: list[Path], locale: Locale) -> list[Path]:
    """The .po files for ``locale``, weakest first: built-in, then each theme folder (the site's last).

    The built-in English catalogue is left out: its messages are their own ids."""
    names = [str(locale)] if str(locale) == locale.language else [locale.language, str(locale)]
    places = [*([builtin_locales()] if locale.language != "en" else []), *[folder / "locales" for folder in reversed(folders)]]
    paths = [place / name / "LC_MESSAGES" / f"{DOMAIN}.po" for place in places for name in names]
    return [path for path in dict.fromkeys(paths) if path.is_file()]


def builtin_locales() -> Path:
    return PACKAGE / "locales"


def read_catalogues(folders: list[Path], language: str, root: Path | None = None) -> list[tuple[str, bytes]]:
    """The catalogue files for ``language`` (shown path, bytes), weakest first: what the load stage reads.

    Empty for a language CLDR does not know (`locale_from_catalogues` says so)."""
    try:
        locale = locale_id(language)
    except (UnknownLocaleError, ValueError):
        return []
    return [(_shown(path, root), path.read_bytes()) for path in catalogue_paths(folders, locale)]


def load_locale(folders: list[Path], language: str, root: Path | None = None) -> tuple[SiteLocale, list[LocaleProblem]]:
    """`locale_from_catalogues` of the catalogue files found in ``folders`` (read here)."""
    return locale_from_catalogues(language, read_catalogues(folders, language, root))


def locale_from_catalogues(language: str, files: list[tuple[str, bytes]]) -> tuple[SiteLocale, list[LocaleProblem]]:
    """The site's language with its catalogues (already read) merged: stronger files win message by message.

    English needs no catalogue; another language with none is still built
    (CLDR's dates and numbers, English words) and reported, so the newsroom
    knows to add one. Reads no file."""
    try:
        locale = locale_id(language)
    except (UnknownLocaleError, ValueError):
        return ENGLISH, [LocaleProblem("content/site.yaml", 0, f"language '{language}' is not known to CLDR; dates and labels stay English")]
    if not files:  # the message ids as written: nothing to compile
        missing = f"no translations for language '{language}': labels stay English; add themes/<theme>/locales/{locale.language}/LC_MESSAGES/{DOMAIN}.po"
        return SiteLocale(language, "", locale), [] if locale.language == "en" else [LocaleProblem("content/site.yaml", 0, missing)]
    problems: list[LocaleProblem] = []
    merged = Catalog(locale=locale, domain=DOMAIN)
    digest = hashlib.blake2b(digest_size=16)
    for shown, data in files:
        digest.update(shown.encode() + b"\0" + data + b"\0")
        try:
            catalogue = read_po(io.BytesIO(data), locale=locale, domain=DOMAIN, abort_invalid=True)
        except PoFileError as exc:
            line = getattr(exc, "lineno", -1) + 1  # Babel counts lines from 0
            reason = str(exc).rsplit(" on ", 1)[0]
            problems.append(LocaleProblem(shown, line, f"cannot read this catalogue: {reason}"))
            continue
        for message in catalogue:
            if message.id and message.string and (not isinstance(message.string, tuple) or all(message.string)):
                merged.delete(message.id, context=message.context)  # setting an existing id would keep its old string
                merged[message.id] = message
    compiled = io.BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return SiteLocale(language, digest.hexdigest(), locale, gettext.GNUTranslations(compiled)), problems


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)
