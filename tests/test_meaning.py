"""Corrections that may flip a quote's meaning: negations and numbers that appear, disappear or change."""

from __future__ import annotations

import pytest

from digest.text.meaning import meaning_changes


@pytest.mark.parametrize(
    "old, new, reasons",
    [
        ("has been in touch", "has not been in touch", ('a negation appears ("not")',)),
        ("never said no", "said", ('a negation disappears ("never", "no")',)),
        ("he did say", "he didn’t say", ('a negation appears ("didn\'t")',)),
        ("Moscow confirmed the report", "Moscow denied the report", ('a negation appears ("denied")',)),
        ("3 soldiers", "30 soldiers", ('a number changes ("3" becomes "30")',)),
        ("1,000 people and 5 tanks", "1000 people and tanks", ('a number disappears ("5")',)),
        ("has not seen 4", "has seen 5", ('a negation disappears ("not")', 'a number changes ("4" becomes "5")')),
    ],
)
def test_flips_are_named(old, new, reasons):
    assert meaning_changes(old, new) == reasons


@pytest.mark.parametrize(
    "old, new",
    [
        ("the talks were useful", "the talks were helpful"),
        ("three soldiers", "3 soldiers"),
        ("he didn't say", "he did not say"),
        ("he cannot say", "he can't say"),
        ("Nothing", "nothing"),
        ("a dozen", "12"),
    ],
)
def test_harmless_changes_pass(old, new):
    assert meaning_changes(old, new) == ()
