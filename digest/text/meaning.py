"""Spot corrections that may flip what a quote says, so no tool applies them unseen.

`digest check --fix` rewrites a quote to the passage an outlet's correction
left in its place. Most corrections are harmless (a typo, a respelt name, a
clause inserted), but some change the meaning with a few characters: "has
been in touch" becoming "has not been in touch", "3 soldiers" becoming "30".
A small edit distance cannot tell these apart, so `meaning_changes` looks
for the two kinds of word that carry such flips in English news copy,
negations and numbers, and names any that appear, disappear or change.
The lists are deliberately short: they flag for a person to read, they do
not try to understand.
"""

from __future__ import annotations

import re
from collections import Counter

NEGATIONS = frozenset({
    "not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "nowhere", "without", "cannot",
    "deny", "denies", "denied", "denying", "denial", "refuse", "refuses", "refused", "refusing",
})
"""Words that negate what follows; any word ending in "n't" ("didn't", "won't") counts as "not"."""

NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
    "hundred": "hundred", "hundreds": "hundreds", "thousand": "thousand", "thousands": "thousands",
    "million": "million", "millions": "millions", "billion": "billion", "billions": "billions",
    "trillion": "trillion", "dozen": "12", "dozens": "dozens", "half": "half",
}
"""Number words, keyed to a spelling they share with digits, so "three" -> "3" is no change."""

_TOKEN = re.compile(r"\d(?:[\d,.]*\d)?|[^\W\d_]+(?:['’][^\W\d_]+)*")


def meaning_changes(old: str, new: str) -> tuple[str, ...]:
    """Why a change from ``old`` to ``new`` needs a person's eye, one phrase per reason; () if none."""
    reasons = []
    negations = _described(_negations(old), _negations(new), "a negation")
    if negations:
        reasons.append(negations)
    numbers = _described(_numbers(old), _numbers(new), "a number")
    if numbers:
        reasons.append(numbers)
    return tuple(reasons)


def _tokens(text: str) -> list[str]:
    return [token.replace("’", "'") for token in _TOKEN.findall(text)]


def _negations(text: str) -> list[tuple[str, str]]:
    """(what it counts as, as written) for each negation of the text."""
    found = []
    for token in _tokens(text):
        lower = token.lower()
        if lower.endswith("n't") or lower == "cannot":
            found.append(("not", token))
        elif lower in NEGATIONS:
            found.append((lower, token))
    return found


def _numbers(text: str) -> list[tuple[str, str]]:
    """(its value's spelling, as written) for each number of the text."""
    found = []
    for token in _tokens(text):
        if token[0].isdigit():
            found.append((token.replace(",", ""), token))
        elif token.lower() in NUMBER_WORDS:
            found.append((NUMBER_WORDS[token.lower()], token))
    return found


def _described(before: list[tuple[str, str]], after: list[tuple[str, str]], kind: str) -> str:
    """Say what appeared, disappeared or changed between two lists of (key, as written)."""
    gone = Counter(key for key, _ in before) - Counter(key for key, _ in after)
    came = Counter(key for key, _ in after) - Counter(key for key, _ in before)
    removed = _written(before, gone)
    added = _written(after, came)
    if len(removed) == 1 and len(added) == 1:
        return f'{kind} changes ("{removed[0]}" becomes "{added[0]}")'
    parts = []
    if added:
        parts.append(f"{kind} appears ({_listed(added)})")
    if removed:
        parts.append(f"{kind} disappears ({_listed(removed)})")
    return "; ".join(parts)


def _written(items: list[tuple[str, str]], keys: Counter[str]) -> list[str]:
    """The written forms of the items whose keys are counted in ``keys``, as many as counted."""
    left = Counter(keys)
    out = []
    for key, written in items:
        if left[key] > 0:
            left[key] -= 1
            out.append(written)
    return out


def _listed(words: list[str]) -> str:
    return ", ".join(f'"{word}"' for word in words)
