"""Tests for digest.dates: EDTF level 0/1 parsing, display and ordering."""

from __future__ import annotations

from datetime import date

import pytest

from digest.dates import EDTFDate, EDTFError, parse_edtf

D = date

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
     "15 March 2022 – March 2022"),
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
    ("0000", "year out of range"),
    ("-0044", "year out of range"),
    ("Y170002", "year out of range"),
    ("10000", "year out of range"),
    ("999", "year out of range"),
    ("9999-24", "runs past the year 9999"),
    ("2022-23-01", "a season (21-24) cannot have a day"),
    ("2022-XX-06", "a day cannot follow an unspecified month"),
    ("202X-05", "a month cannot follow unspecified year digits"),
    ("2022-11-06T10:00", "(use YYYY, YYYY-MM or YYYY-MM-DD"),
    ("Nov 2022", "invalid EDTF date 'Nov 2022' (use YYYY, YYYY-MM or YYYY-MM-DD, with ~ ? %"),
    ("2022/11/06", "invalid EDTF date '2022/11/06' (use"),
    ("2022-1-6", "invalid EDTF date '2022-1-6' (use"),
    ("2022~?", "(use YYYY"),
    ("~2022", "(use YYYY"),
    ("2X22", "(use YYYY"),
    ("202x", "(use YYYY"),
    ("..", "(use YYYY"),
    ("2022-09-25/2022-09-21", "the interval ends before it starts"),
    ("2022/2021", "the interval ends before it starts"),
    ("../..", "an interval needs at least one date"),
    ("/", "an interval needs at least one date"),
    ("../", "an interval needs at least one date"),
    ("2022-02-30/2022-03", "invalid EDTF date '2022-02-30/2022-03': day must be 01-28"),
    ("2022 / 2023", "(use YYYY"),
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
    ]
    ordered = sorted(texts, key=lambda text: parse_edtf(text).sort_key())
    assert ordered == [
        "../2021-06",  # missing starts sort first (date.min), finer precision first
        "/2020",
        "202X",
        "2021-24",
        "2022-01-01",
        "2022-01",
        "2022",
        "2022-09-01",
        "2022-09",
        "2022-23",
        "2022-09-21/2022-09-25",
        "2022-11-06~",
    ]


def test_sort_key_values():
    assert parse_edtf("2022-09").sort_key() == (date(2022, 9, 1), 1)
    assert parse_edtf("../2022-11-06").sort_key() == (date.min, 0)
    assert parse_edtf("20XX").sort_key() == (date(2000, 1, 1), 5)


def test_dates_are_frozen_and_hashable():
    parsed = parse_edtf("2022-09")
    with pytest.raises(AttributeError):
        parsed.text = "2023"  # type: ignore[misc]
    assert parsed == parse_edtf(" 2022-09 ")
    assert len({parsed, parse_edtf("2022-09")}) == 1
    assert isinstance(parsed, EDTFDate)
