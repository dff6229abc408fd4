"""Tests for digest.text.dates: EDTF level 0/1 and level 2 sets, parsing, display and ordering."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.text.dates import EDTFDate, EDTFError, parse_edtf
from digest.text.days import Day

D = Day

VALID = [
    # text, earliest, latest, precision, approximate, uncertain, display
    ("2022-11-06", D(2022, 11, 6), D(2022, 11, 6), "day", False, False, "6 November 2022"),
    ("2022-09", D(2022, 9, 1), D(2022, 9, 30), "month", False, False, "September 2022"),
    ("2022", D(2022, 1, 1), D(2022, 12, 31), "year", False, False, "2022"),
    ("0001", D(1, 1, 1), D(1, 12, 31), "year", False, False, "1"),
    ("9999-12-31", D(9999, 12, 31), D(9999, 12, 31), "day", False, False, "31 December 9999"),
    ("2024-02-29", D(2024, 2, 29), D(2024, 2, 29), "day", False, False, "29 February 2024"),
    ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "month", False, False, "February 2024"),
    ("  2022-09 \n", D(2022, 9, 1), D(2022, 9, 30), "month", False, False, "September 2022"),
    # date and time (level 0): the day, with the time as written
    ("1985-04-12T23:20:30", D(1985, 4, 12), D(1985, 4, 12), "day", False, False, "12 April 1985, 23:20:30"),
    ("1985-04-12T23:20:30Z", D(1985, 4, 12), D(1985, 4, 12), "day", False, False, "12 April 1985, 23:20:30 UTC"),
    ("1985-04-12T23:20:30-04", D(1985, 4, 12), D(1985, 4, 12), "day", False, False, "12 April 1985, 23:20:30 UTC-04:00"),
    ("1985-04-12T23:20:30+04:30", D(1985, 4, 12), D(1985, 4, 12), "day", False, False, "12 April 1985, 23:20:30 UTC+04:30"),
    ("2022-11-06T00:00:00", D(2022, 11, 6), D(2022, 11, 6), "day", False, False, "6 November 2022, 00:00:00"),
    # year 0 and negative years (level 1): astronomical numbering, shown BC
    ("0000", D(0, 1, 1), D(0, 12, 31), "year", False, False, "1 BC"),
    ("-1985", D(-1985, 1, 1), D(-1985, 12, 31), "year", False, False, "1986 BC"),
    ("-0044-03-15", D(-44, 3, 15), D(-44, 3, 15), "day", False, False, "15 March 45 BC"),
    ("-0001-02", D(-1, 2, 1), D(-1, 2, 28), "month", False, False, "February 2 BC"),
    ("0000-02", D(0, 2, 1), D(0, 2, 29), "month", False, False, "February 1 BC"),
    ("-9999", D(-9999, 1, 1), D(-9999, 12, 31), "year", False, False, "10000 BC"),
    ("-0001-24", D(-1, 12, 1), D(0, 2, 29), "season", False, False, "Winter 2 BC"),
    ("-0500~", D(-500, 1, 1), D(-500, 12, 31), "year", True, False, "c. 501 BC"),
    ("000X", D(0, 1, 1), D(9, 12, 31), "decade", False, False, "1 BC – AD 9"),
    ("00XX", D(0, 1, 1), D(99, 12, 31), "century", False, False, "1 BC – AD 99"),
    # qualifiers
    ("2022-11-04~", D(2022, 11, 4), D(2022, 11, 4), "day", True, False, "c. 4 November 2022"),
    ("2022-09?", D(2022, 9, 1), D(2022, 9, 30), "month", False, True, "September 2022 (?)"),
    ("2022%", D(2022, 1, 1), D(2022, 12, 31), "year", True, True, "c. 2022 (?)"),
    # unspecified digits
    ("202X", D(2020, 1, 1), D(2029, 12, 31), "decade", False, False, "2020s"),
    ("20XX", D(2000, 1, 1), D(2099, 12, 31), "century", False, False, "2000–2099"),
    ("2022-XX", D(2022, 1, 1), D(2022, 12, 31), "year", False, False, "2022"),
    ("2022-XX-XX", D(2022, 1, 1), D(2022, 12, 31), "year", False, False, "2022"),
    ("2022-11-XX", D(2022, 11, 1), D(2022, 11, 30), "month", False, False, "November 2022"),
    ("2023-02-XX", D(2023, 2, 1), D(2023, 2, 28), "month", False, False, "February 2023"),
    ("199X~", D(1990, 1, 1), D(1999, 12, 31), "decade", True, False, "c. 1990s"),
    # seasons
    ("2022-21", D(2022, 3, 1), D(2022, 5, 31), "season", False, False, "Spring 2022"),
    ("2022-22", D(2022, 6, 1), D(2022, 8, 31), "season", False, False, "Summer 2022"),
    ("2022-23", D(2022, 9, 1), D(2022, 11, 30), "season", False, False, "Autumn 2022"),
    ("2022-24", D(2022, 12, 1), D(2023, 2, 28), "season", False, False, "Winter 2022"),
    ("2023-24?", D(2023, 12, 1), D(2024, 2, 29), "season", False, True, "Winter 2023 (?)"),
    # intervals
    ("2022-09-21/2022-09-25", D(2022, 9, 21), D(2022, 9, 25), "day", False, False,
     "21–25 September 2022"),
    ("2022-09/2022-11", D(2022, 9, 1), D(2022, 11, 30), "month", False, False,
     "September – November 2022"),
    ("2022-09-21/2022-10-02", D(2022, 9, 21), D(2022, 10, 2), "day", False, False,
     "21 September 2022 – 2 October 2022"),
    ("2021/2022-03", D(2021, 1, 1), D(2022, 3, 31), "year", False, False, "2021 – March 2022"),
    ("2022-09-21~/2022-09-25", D(2022, 9, 21), D(2022, 9, 25), "day", True, False,
     "c. 21 September 2022 – 25 September 2022"),
    ("2022-09/2022-11?", D(2022, 9, 1), D(2022, 11, 30), "month", False, True,
     "September 2022 – November 2022 (?)"),
    ("2022-03/..", D(2022, 3, 1), None, "month", False, False, "since March 2022"),
    ("../2022-11", None, D(2022, 11, 30), "month", False, False, "until November 2022"),
    ("2022-03/", D(2022, 3, 1), None, "month", False, False, "March 2022 – unknown"),
    ("/2022", None, D(2022, 12, 31), "year", False, False, "unknown – 2022"),
    ("../2022-11-06~", None, D(2022, 11, 6), "day", True, False, "until c. 6 November 2022"),
    ("2022-03-15/2022-03", D(2022, 3, 15), D(2022, 3, 31), "day", False, False,
     "15 March 2022 – no later than 31 March 2022"),
    ("-0050/0050", D(-50, 1, 1), D(50, 12, 31), "year", False, False, "51 BC – 50"),
    # same-endpoint intervals read as the span they lie within
    ("2022-11-06/2022-11-06", D(2022, 11, 6), D(2022, 11, 6), "day", False, False, "6 November 2022"),
    ("2022/2022", D(2022, 1, 1), D(2022, 12, 31), "year", False, False, "2022"),
    ("2022-11/2022-11-XX", D(2022, 11, 1), D(2022, 11, 30), "month", False, False, "November 2022"),
    ("2022-11/2022-23", D(2022, 11, 1), D(2022, 11, 30), "month", False, False, "November 2022"),
    # an end that could be as early as the start says how late it can be
    ("2015/201X", D(2015, 1, 1), D(2019, 12, 31), "year", False, False, "2015 – no later than 2019"),
    ("2022-03/2022", D(2022, 3, 1), D(2022, 12, 31), "month", False, False, "March 2022 – no later than December 2022"),
    ("2015/201X?", D(2015, 1, 1), D(2019, 12, 31), "year", False, True, "2015 – no later than 2019 (?)"),
    # one of a set (level 2): some single date among those given
    ("[2022-10-31..2022-11-06]", D(2022, 10, 31), D(2022, 11, 6), "day", False, False,
     "between 31 October and 6 November 2022"),
    ("[2022-09-21..2022-09-25]", D(2022, 9, 21), D(2022, 9, 25), "day", False, False, "between 21 and 25 September 2022"),
    ("[2021-12-31..2022-01-02]", D(2021, 12, 31), D(2022, 1, 2), "day", False, False,
     "between 31 December 2021 and 2 January 2022"),
    ("[2022-09..2022-11]", D(2022, 9, 1), D(2022, 11, 30), "month", False, False, "between September and November 2022"),
    ("[2022-09-21..2022-10]", D(2022, 9, 21), D(2022, 10, 31), "day", False, False,
     "between 21 September 2022 and October 2022"),
    ("[2022-11-04~..2022-11-06]", D(2022, 11, 4), D(2022, 11, 6), "day", True, False,
     "between c. 4 November 2022 and 6 November 2022"),
    ("[2022-11-06..2022-11-06]", D(2022, 11, 6), D(2022, 11, 6), "day", False, False, "6 November 2022"),
    ("[2022]", D(2022, 1, 1), D(2022, 12, 31), "year", False, False, "2022"),
    ("[2022, 2024]", D(2022, 1, 1), D(2024, 12, 31), "year", False, False, "2022 or 2024"),
    ("[ 2022-11-04 , 2022-11-06 ]", D(2022, 11, 4), D(2022, 11, 6), "day", False, False,
     "4 November 2022 or 6 November 2022"),
    ("[2022-11-06, 2022-11-04]", D(2022, 11, 4), D(2022, 11, 6), "day", False, False,
     "6 November 2022 or 4 November 2022"),
    ("[..2022]", None, D(2022, 12, 31), "year", False, False, "2022 or earlier"),
    ("[2022..]", D(2022, 1, 1), None, "year", False, False, "2022 or later"),
    ("[..-0044-03-15]", None, D(-44, 3, 15), "day", False, False, "15 March 45 BC or earlier"),
    ("[2022-09?, 2022-11]", D(2022, 9, 1), D(2022, 11, 30), "month", False, True, "September 2022 (?) or November 2022"),
]


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision", "approximate", "uncertain", "display"),
    VALID,
)
def test_valid_dates(text, earliest, latest, precision, approximate, uncertain, display):
    parsed = parse_edtf(text)
    assert parsed.text == text.strip()
    assert parsed.earliest == earliest
    assert parsed.latest == latest
    assert parsed.precision == precision
    assert parsed.approximate is approximate
    assert parsed.uncertain is uncertain
    assert parsed.is_interval is ("/" in text)
    assert parsed.one_of is text.startswith("[")
    assert parsed.display() == display


INVALID = [
    # text, substring of the error message
    ("", "empty date"),
    ("   ", "empty date"),
    ("2022-13-01", "invalid EDTF date '2022-13-01': month must be 01-12"),
    ("2022-00", "month must be 01-12"),
    ("2022-25", "month must be 01-12 (or 21-24 for a season)"),
    ("2022-02-30", "day must be 01-28 in February 2022"),
    ("2023-02-29", "day must be 01-28 in February 2023"),
    ("2022-04-31", "day must be 01-30 in April 2022"),
    ("2022-11-00", "day must be 01-30"),
    ("-0000", "there is no year -0000: the year before 1 is 0000 (1 BC)"),
    ("Y170002", "invalid EDTF date 'Y170002': years after 9999 are not supported"),
    ("Y-170002", "years before -9999 are not supported"),
    ("Y2022", "the 'Y' prefix is only for years of more than four digits: write 2022"),
    ("10000", "years after 9999 are not supported"),
    ("-10000", "years before -9999 are not supported"),
    ("999", "a year is written with four digits (0999 for the year 999)"),
    ("-44", "a year is written with four digits"),
    ("9999-24", "runs past the year 9999"),
    ("2022-23-01", "a season (21-24) cannot have a day"),
    ("2022-XX-06", "a day cannot follow an unspecified month"),
    ("202X-05", "a month cannot follow unspecified year digits"),
    ("-202X", "unspecified digits are supported as the last one or two of a year"),
    # times of day: level 0's hh:mm:ss, in a single date only
    ("2022-11-06T10:00", "a time of day is written with seconds, hh:mm:ss (T10:00:00)"),
    ("2022-11-06T10:00Z", "a time of day is written with seconds"),
    ("2022-11-06T10:00:00.250", "fractions of a second are not supported"),
    ("2022-11-06T24:00:00", "the time of day must be 00:00:00-23:59:59"),
    ("2022-11-06T10:60:00", "the time of day must be 00:00:00-23:59:59"),
    ("2022-11-06T10:00:00+15:00", "a UTC offset must be between -14:00 and +14:00"),
    ("2022-11-06T10:00:00+05:60", "a UTC offset must be between"),
    ("2022-11T10:00:00", "a time of day needs a full date"),
    ("2022-11-XXT10:00:00", "a time of day needs a full date"),
    ("2022-11-06T10:00:00~", "a qualifier (~ ? %) cannot follow a time of day"),
    ("2022-11-06T10:00:00/2022-11-07", "a time of day is allowed in a single date, not in an interval or a set"),
    ("[2022-11-06T10:00:00, 2022-11-07]", "a time of day is allowed in a single date"),
    ("2022-11-06t10:00:00", "(use YYYY"),
    ("2022-11-06 10:00:00", "(use YYYY"),
    # digits and dashes that are not ASCII (Python's \d and int() take them)
    ("\u0662\u0660\u0662\u0662", "invalid EDTF date '\u0662\u0660\u0662\u0662': '\u0662' (U+0662 ARABIC-INDIC DIGIT TWO) "
     "is not an ASCII digit: write dates with the digits 0-9; did you mean '2022'?"),
    ("\uff12\uff10\uff12\uff12-11", "(U+FF12 FULLWIDTH DIGIT TWO) is not an ASCII digit"),
    ("2022-\u0661\u0661-06", "is not an ASCII digit: write dates with the digits 0-9; did you mean '2022-11-06'?"),
    ("\u0968\u0966\u0968\u0968", "(U+0968 DEVANAGARI DIGIT TWO) is not an ASCII digit"),
    ("\U0001d7ee022", "is not an ASCII digit"),
    ("2022\u201011", "(U+2010 HYPHEN) is not the ASCII hyphen-minus '-'; did you mean '2022-11'?"),
    ("\u22121985", "(U+2212 MINUS SIGN) is not the ASCII hyphen-minus '-'; did you mean '-1985'?"),
    ("2022\u201311", "(U+2013 EN DASH) is not the ASCII hyphen-minus"),
    ("2022-11\u00a0-06", "(U+00A0 NO-BREAK SPACE) is not part of EDTF, which is written in ASCII"),
    ("\u0662\u0660\u0662X", "not an ASCII digit"),
    ("Nov 2022", "invalid EDTF date 'Nov 2022' (use YYYY, YYYY-MM or YYYY-MM-DD, with ~ ? %"),
    ("2022/11/06", "invalid EDTF date '2022/11/06' (use"),
    ("2022-1-6", "invalid EDTF date '2022-1-6' (use"),
    ("2022~?", "put one qualifier at the end of the date (% for both ~ and ?)"),
    ("~2022", "put one qualifier at the end"),
    ("2X22", "unspecified digits are supported as the last one or two of a year"),
    ("202x", "(use YYYY, YYYY-MM or YYYY-MM-DD, with ~ ? % qualifiers or A/B intervals); did you mean '202X'?"),
    ("..", "(use YYYY"),
    ("2022-09-25/2022-09-21", "the interval ends before it starts"),
    ("2022/2021", "the interval ends before it starts"),
    ("../..", "an interval needs at least one date"),
    ("/", "an interval needs at least one date"),
    ("../", "an interval needs at least one date"),
    ("2022-02-30/2022-03", "invalid EDTF date '2022-02-30/2022-03': day must be 01-28"),
    ("2022 / 2023", "(use YYYY"),
    # one of a set
    ("[2022", "a set that opens with '[' must close with ']'"),
    ("[]", "a set needs a date between each pair of commas"),
    ("[2022,,2023]", "a set needs a date between each pair of commas"),
    ("[2022,]", "a set needs a date between each pair of commas"),
    ("[..]", "'..' is not a date or a range 'A..B' of dates"),
    ("[2022..2023..2024]", "is not a date or a range"),
    ("[2022, ..2023]", "'..2023' (this date or an earlier one) can only be the first member of a set"),
    ("[2022.., 2023]", "'2022..' (this date or a later one) can only be the last member of a set"),
    ("[2022-11-06..2022-10-31]", "the range '2022-11-06..2022-10-31' ends before it starts"),
    ("[2022-02-30]", "day must be 01-28 in February 2022"),
    ("[2022-10-31/2022-11-06]", "(use YYYY"),
    ("[2022]/2023", "a set '[...]' is a whole date: it cannot be followed by anything, nor be a side of an interval"),
    ("2022/[2023]", "(use YYYY"),
    ("{2022, 2023}", "'{...}' (all of a set, EDTF level 2) is not supported"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_dates(text, message):
    with pytest.raises(EDTFError) as caught:
        parse_edtf(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("value", [date(2022, 11, 6), 2022, None])
def test_non_string_input_is_rejected(value):
    """Unquoted YAML dates arrive as date or int objects, not text."""
    with pytest.raises(EDTFError, match="quote dates in YAML"):
        parse_edtf(value)


def test_error_is_a_value_error():
    assert issubclass(EDTFError, ValueError)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2022-11-06", "2022-11-06"),
        ("2022-09?", "2022-09"),
        ("2022%", "2022"),
        ("2022-XX", "2022"),
        ("2022-11-XX", "2022-11"),
        ("202X", "2020"),
        ("2022-23", "2022-09"),
        ("0044", "0044"),
        ("1985-04-12T23:20:30", "1985-04-12T23:20:30"),
        ("1985-04-12T23:20:30Z", "1985-04-12T23:20:30Z"),
        ("1985-04-12T23:20:30-04", "1985-04-12T23:20:30-04:00"),
        ("0000", None),  # HTML's dates start at the year 1
        ("-1985-04", None),
        ("[2022-10-31..2022-11-06]", "2022-10-31"),
        ("[2022-09, 2022-11]", "2022-09"),
        ("[..2022]", None),
        ("2022-09-21~/2022-09-25", "2022-09-21"),
        ("2022-03/..", "2022-03"),
        ("../2022-11", None),
        ("/2022", None),
    ],
)
def test_iso_start(text, iso):
    assert parse_edtf(text).iso_start() == iso


def test_sort_key_orders_by_earliest_day_then_finer_precision():
    texts = [
        "2022-09-21/2022-09-25",
        "2022",
        "2022-23",
        "../2021-06",
        "2022-09",
        "2022-09-01",
        "202X",
        "2022-11-06~",
        "2021-24",
        "/2020",
        "2022-01",
        "2022-01-01",
        "-0044",
        "0000",
        "[..2020-05]",
        "[2022-09-02..2022-09-08]",
        "2022-09-01T10:00:00Z",
        "2022-09-01T09:00:00",
        "2022-09-01T11:00:00+03:00",
    ]
    ordered = sorted(texts, key=lambda text: parse_edtf(text).sort_key())
    assert ordered == [
        "../2021-06",  # missing starts sort first, finer precision first
        "[..2020-05]",
        "/2020",
        "-0044",  # 45 BC
        "0000",  # 1 BC
        "202X",
        "2021-24",
        "2022-01-01",
        "2022-01",
        "2022",
        "2022-09-01",  # the day, then its times by the moment they name
        "2022-09-01T11:00:00+03:00",  # 08:00 UTC
        "2022-09-01T09:00:00",  # no offset: as written
        "2022-09-01T10:00:00Z",
        "2022-09",
        "2022-23",
        "[2022-09-02..2022-09-08]",
        "2022-09-21/2022-09-25",
        "2022-11-06~",
    ]


def test_sort_key_values():
    assert parse_edtf("2022-09").sort_key() == (Day(2022, 9, 1), 1, (0,))
    assert parse_edtf("../2022-11-06").sort_key() == (Day(-9999, 1, 1), 0, (0,))
    assert parse_edtf("20XX").sort_key() == (Day(2000, 1, 1), 5, (0,))
    assert parse_edtf("2022-09-01T00:00:30-00:30").sort_key() == (Day(2022, 9, 1), 0, (1, 30 + 30 * 60))


def test_dates_are_frozen_and_hashable():
    parsed = parse_edtf("2022-09")
    with pytest.raises(AttributeError):
        parsed.text = "2023"  # type: ignore[misc]
    assert parsed == parse_edtf(" 2022-09 ")
    assert len({parsed, parse_edtf("2022-09")}) == 1
    assert isinstance(parsed, EDTFDate)


def _external_examples() -> list:
    """The cases of tests/data/edtf-examples.tsv (see its header for the sources)."""
    path = Path(__file__).parent / "data" / "edtf-examples.tsv"
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        source, level, example, expected = line.split("\t")
        cases.append(pytest.param(example, expected, id=f"{source}-L{level}-{example}"))
    return cases


def _iso(day: Day | None) -> str:
    return day.isoformat() if day is not None else ".."


@pytest.mark.parametrize(("example", "expected"), _external_examples())
def test_external_examples(example, expected):
    """Every example of a supported feature parses to its bounds; every other one is refused by a one-line message."""
    if expected.startswith("refused: "):
        with pytest.raises(EDTFError) as caught:
            parse_edtf(example)
        message = str(caught.value)
        assert message.startswith(f"invalid EDTF date {example!r}") and "\n" not in message
        assert expected.removeprefix("refused: ") in message
        return
    parsed = parse_edtf(example)
    assert f"{_iso(parsed.earliest)} {_iso(parsed.latest)}" == expected
    assert parsed.display() and "\n" not in parsed.display()


def test_external_examples_cover_the_specification():
    """The data file keeps all 64 examples of the 2019 specification."""
    assert sum(1 for case in _external_examples() if case.id.startswith("loc-")) == 64
