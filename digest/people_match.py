"""Find where people are named in a text, in time linear in its length.

A regex alternation of hundreds of names is slow, so aliases are indexed by
their first word: the text is scanned word by word and only the aliases that
start with that word are tried, longest first ("Vladimir Zelensky" before a
hypothetical "Vladimir"). Matching is case-sensitive and on whole words;
straight and typographic apostrophes are the same, so "O’Brien" matches an
alias written "O'Brien", and "Putin's" matches "Putin" with the "'s" left out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class NameMatch:
    start: int
    end: int
    person: str


@dataclass(frozen=True, slots=True)
class NameIndex:
    by_first_word: dict[str, tuple[tuple[str, str], ...]]
    """First word -> ((alias, person id), ...), longest alias first."""
    key: str = ""
    """A digest of the aliases: equal keys find the same names in the same text."""


def build_name_index(names: dict[str, str]) -> NameIndex:
    """Index alias -> person id; aliases must already be unambiguous."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for alias, person in names.items():
        folded = alias.translate(_APOSTROPHES).strip()
        first = _WORD.match(folded)
        if not first or first.start() != 0:
            continue
        grouped.setdefault(first.group(), []).append((folded, person))
    by_first_word = {word: tuple(sorted(group, key=lambda item: (-len(item[0]), item[0]))) for word, group in grouped.items()}
    key = hashlib.blake2b(repr(sorted(by_first_word.items())).encode(), digest_size=16).hexdigest()
    return NameIndex(by_first_word, key)


def find_names_cached(text: str, index: NameIndex, found_before: dict[tuple[str, str], list[NameMatch]]) -> list[NameMatch]:
    """`find_names`, remembered in ``found_before`` (a session's, keyed by index and text):
    a rebuild re-scans only text that changed, or all text when names did."""
    key = (index.key, text)
    found = found_before.get(key)
    if found is None:
        if len(found_before) > 500_000:
            found_before.clear()
        found = found_before[key] = find_names(text, index)
    return found


def find_names(text: str, index: NameIndex) -> list[NameMatch]:
    """Every non-overlapping whole-word occurrence of an alias, left to right."""
    folded = text.translate(_APOSTROPHES)
    matches: list[NameMatch] = []
    taken_until = 0
    lookup = index.by_first_word
    for word in _WORD.finditer(folded):
        start = word.start()
        if start < taken_until:
            continue
        candidates = lookup.get(word.group())
        if not candidates:
            continue
        if start > 0 and _is_word_char(folded[start - 1]):
            continue
        for alias, person in candidates:
            end = start + len(alias)
            if folded.startswith(alias, start) and (end == len(folded) or not _is_word_char(folded[end])):
                matches.append(NameMatch(start, end, person))
                taken_until = end
                break
    return matches


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"
