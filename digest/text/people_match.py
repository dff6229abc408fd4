"""Find where people are named in a text, in time linear in its length.

A regex alternation of hundreds of names is slow, so aliases are indexed by
their first word: only the words of the text that begin some alias are
placed (`_candidate_words`: the text's words as a set against the index, a
C-speed pass, then their whole-word places by substring search; most words
start no name) and at each only the aliases that start with that word are
tried, longest first ("Vladimir Zelensky" before a hypothetical "Vladimir"). Matching is case-sensitive and on whole words;
straight and typographic apostrophes are the same, so "O’Brien" matches an
alias written "O'Brien", and "Putin's" matches "Putin" with the "'s" left out.

Names are compared as a reader sees them, not as they are typed. Both the
aliases and the text are folded first (`fold_name`): any run of whitespace
(a soft line break inside a Markdown paragraph, a tab, a no-break space
U+00A0, U+202F or U+2007, two spaces) is one space; the Unicode hyphens
U+2010 and U+2011 (non-breaking) are the plain hyphen "-"; a soft hyphen
U+00AD, word joiner U+2060 or U+FEFF, which no reader sees, is dropped. Dashes
(figure dash U+2012, en and em dashes) stay distinct: they join numbers or
clauses, not the parts of a name. Matches are given as offsets into the
original text and cover it exactly, including any folded characters.

An alias may begin or end with punctuation ("'t Hooft", "Jr."): it is indexed
by its first word and must still stand on its own, with no letter or digit
just before or after it.

Arabic writes some words as prefixes of the next one: the conjunctions و
and ف, the prepositions ب, ل and ك, and the article ال, alone or combined
("ونيكولاي" is "and Nikolai", "فبالكرملين", "للسيسي" is ل + السيسي, whose
alif the preposition drops). A word that starts an alias only after such a
prefix (`_arabic_prefixes`) links the name and leaves the prefix outside.
Each word tries a fixed, small number of prefix lengths, so matching stays
linear. Other inflections (Polish "Patruszewem", Russian "Лаврова") are
not guessed: editors add them as aliases.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field

_SPACES = "".join(char for char in map(chr, range(0x3001)) if char.isspace())
"""Every character Python counts as whitespace (none lies beyond U+3000)."""
_INVISIBLE = "\u00ad\u2060\ufeff"
"""Soft hyphen, word joiner, zero-width no-break space: inside a word, and never seen."""
_FOLD = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'",
    "\u2010": "-", "\u2011": "-",
    **{char: " " for char in _SPACES},
})
"""One character for one: apostrophes, hyphens and every space become their plain forms."""
_SQUEEZE = re.compile(f"[ {_INVISIBLE}]{{2,}}|[{_INVISIBLE}]")
"""After `_FOLD`: a run of spaces and invisible characters, or one invisible character."""
_WORD = re.compile(r"\w+")
_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ل", "ك")
_ARTICLE = "ال"
_ARABIC_PREFIX_LETTERS = frozenset(_CONJUNCTIONS + _PREPOSITIONS + (_ARTICLE[0],))
PLACED_WORDS = 16
"""Most distinct name-starting words a text's names are looked for by substring search (`_candidate_words`)."""


def fold_name(text: str) -> str:
    """A name as it is compared: spaces, hyphens and apostrophes in their plain forms."""
    return _fold(text)[0].strip()


_FOLDED = re.compile("[" + re.escape("".join(chr(code) for code in _FOLD if chr(code) != " ")) + "]")
"""A character `_FOLD` changes."""
_SQUEEZED = ("  ", *_INVISIBLE)
"""What `_SQUEEZE` needs to find anything: two spaces in a row, or an invisible character."""


def _fold(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The folded text, and (folded offset, original offset) wherever they start to differ.

    Runs of spaces become one space and invisible characters go, so offsets
    shift; everything else is folded one character for one.

    Every text block of every article is folded (115,000 at 10,000 articles): one
    `str.replace` for each foldable character the text holds, not `str.translate`,
    which looks each character of non-ASCII text up in the table one by one, and
    substring tests before the squeezing pattern, which tries its alternatives at
    every position.
    """
    translated = text
    for char in set(_FOLDED.findall(text)):
        translated = translated.replace(char, _FOLD[ord(char)])
    if not any(squeezed in translated for squeezed in _SQUEEZED):
        return translated, ()
    pieces: list[str] = []
    shifts: list[tuple[int, int]] = []
    folded_length = previous = 0
    for run in _SQUEEZE.finditer(translated):
        pieces.append(translated[previous : run.start()])
        folded_length += run.start() - previous
        if " " in run.group():
            pieces.append(" ")
            shifts.append((folded_length, run.start()))
            folded_length += 1
        shifts.append((folded_length, run.end()))
        previous = run.end()
    pieces.append(translated[previous:])
    return "".join(pieces), tuple(shifts)


def _original_offset(position: int, shifts: tuple[tuple[int, int], ...]) -> int:
    """Where a folded text's character ``position`` was in the original."""
    at = bisect.bisect_left(shifts, (position + 1,)) - 1
    if at < 0:
        return position
    folded, original = shifts[at]
    return original + position - folded


@dataclass(frozen=True, slots=True)
class NameMatch:
    start: int
    end: int
    person: str


@dataclass(frozen=True, slots=True)
class NameIndex:
    by_first_word: dict[str, tuple[tuple[str, str, int], ...]]
    """First word -> ((folded alias, person id, lead), ...): ``lead`` characters of
    punctuation come before the first word ("'t Hooft" has 1); earliest start, then longest, first."""
    key: str = ""
    """A digest of the aliases: equal keys find the same names in the same text."""
    elided: dict[str, tuple[tuple[str, str, int], ...]] = field(default_factory=dict)
    """Like ``by_first_word``, for aliases starting with the Arabic article ال, written
    without its alif ("السيسي" as "لسيسي"): how they follow the preposition ل ("للسيسي")."""
    starts: str | None = None
    """A pattern (its source: a state file pickles no compiled pattern) that finds the words of a text beginning with
    the first letter of some word of ``by_first_word``; None: every word."""


def build_name_index(names: dict[str, str]) -> NameIndex:
    """Index alias -> person id; aliases must already be unambiguous (compare them by `fold_name`).

    An alias without a word (only punctuation) cannot be found as a whole word
    and is left out; validation refuses it before it gets here.
    """
    grouped: dict[str, list[tuple[str, str, int]]] = {}
    for alias, person in names.items():
        folded = fold_name(alias)
        first = _WORD.search(folded)
        if not first:
            continue
        grouped.setdefault(first.group(), []).append((folded, person, first.start()))
    by_first_word = {
        word: tuple(sorted(group, key=lambda item: (-item[2], -len(item[0]), item[0]))) for word, group in grouped.items()
    }
    elided = {
        word[1:]: tuple((alias[1:], person, 0) for alias, person, lead in group if not lead)
        for word, group in by_first_word.items()
        if word.startswith(_ARTICLE) and len(word) > 3
    }
    key = hashlib.blake2b(repr(sorted(by_first_word.items())).encode(), digest_size=16).hexdigest()
    return NameIndex(by_first_word, key, {word: group for word, group in elided.items() if group}, _word_starts(by_first_word))


def _word_starts(by_first_word: dict[str, tuple[tuple[str, str, int], ...]]) -> str:
    """A pattern for the runs of word characters that start with the first letter of some first word: every word
    `_WORD` finds that begins so, and the ends of some other words ("Brien" in "OBrien"), whose places
    `_candidate_words` then finds not to stand on their own (a check for a word's start in the pattern took as
    long as the scan). Names are mostly capitalised, so it makes a string of one word in five or so of a text,
    not of every one of them: that was the largest part of finding names."""
    initials = "".join(sorted({word[0] for word in by_first_word}))
    return rf"[{re.escape(initials)}]\w*" if initials else r"(?!)"


def changed_spellings(before: dict[str, str], after: dict[str, str]) -> frozenset[str]:
    """The folded aliases whose person differs between two alias tables (added, removed or moved).

    Where a text holds none of them, `find_names` finds the same names with
    either table's index: a spelling that is not in the text never matches,
    and the others keep their order of trial (see `spelling_finder`).
    """
    return frozenset(fold_name(alias) for alias in before.keys() | after.keys() if before.get(alias) != after.get(alias))


def spelling_finder(spellings: frozenset[str]) -> re.Pattern[str] | None:
    """A pattern that finds, in text as written, every place whose folding may hold one of ``spellings``.

    It may find more than that (any run of spaces stands for one space), never
    less: a text it does not match folds to a text holding none of them, so
    names found in it before a person edit stand. An alias starting with the
    Arabic article also stands for itself without the alif (see `NameIndex.elided`).
    None when there is nothing to look for.
    """
    forms = set(spellings) | {alias[1:] for alias in spellings if alias.startswith(_ARTICLE)}
    forms.discard("")
    if not forms:
        return None
    between = f"[{re.escape(_INVISIBLE)}]*"
    return re.compile("|".join(between.join(_written_as(char) for char in form) for form in sorted(forms)))


def _written_as(char: str) -> str:
    """A pattern for what folds into ``char``: itself or a character `_FOLD` turns into it (a space: a run of them)."""
    if char == " ":
        return f"[{re.escape(_SPACES + _INVISIBLE)}]+"
    sources = [chr(code) for code, folded in _FOLD.items() if folded == char]
    return f"[{re.escape(char + ''.join(sources))}]" if sources else re.escape(char)


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
    """Every non-overlapping whole-word occurrence of an alias, left to right, as offsets into ``text``."""
    folded, shifts = _fold(text)
    matches: list[NameMatch] = []
    taken_until = 0
    lookup = index.by_first_word
    for at, word in _candidate_words(folded, lookup, index.starts):
        if at < taken_until:
            continue
        found = _match_at(folded, at, word, lookup, taken_until)
        if found is None and word[0] in _ARABIC_PREFIX_LETTERS:
            found = _attached_match(folded, at, word, index, taken_until)
        if found is None:
            continue
        start, end, person = found
        original_start = _original_offset(start, shifts) if shifts else start
        original_end = _original_offset(end - 1, shifts) + 1 if shifts else end
        matches.append(NameMatch(original_start, original_end, person))
        taken_until = end
    return matches


def _candidate_words(folded: str, lookup: dict[str, tuple[tuple[str, str, int], ...]], starts: str | None = None) -> list[tuple[int, str]]:
    """The words of ``folded`` that may begin a name, as (offset, word), left to right.

    A word that starts no alias never matches, so only the words the index
    holds are placed: found as a set first (of the words that begin with a
    letter some name begins with, ``starts``), then each one's whole-word
    occurrences by substring search, instead of a Python step for every
    word of the text. Text with an Arabic letter that may prefix a name takes
    every word (`_attached_match` may find an alias inside any of them), and
    so does text with more than `PLACED_WORDS` such words, so that the
    substring searches stay a bounded number of passes over the text.
    """
    words = _WORD.findall(folded) if starts is None else re.findall(starts, folded)  # compiled once: `re`'s own cache
    hits = lookup.keys() & set(words) if _ARABIC_PREFIX_LETTERS.isdisjoint(folded) else None
    if hits is None or len(hits) > PLACED_WORDS:
        return [(word.start(), word.group()) for word in _WORD.finditer(folded)]
    found: list[tuple[int, str]] = []
    for word in hits:
        at = folded.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or not _is_word_char(folded[at - 1])) and (end == len(folded) or not _is_word_char(folded[end])):
                found.append((at, word))
            at = folded.find(word, end)
    found.sort()
    return found


def _match_at(
    folded: str, at: int, word: str, lookup: dict[str, tuple[tuple[str, str, int], ...]], taken_until: int, attached: bool = False,
) -> tuple[int, int, str] | None:
    """The longest alias whose first word is ``word`` at ``at``, as (start, end, person).

    ``attached``: the word follows a prefix written onto it, so the alias has
    a letter just before it and may not begin with punctuation."""
    candidates = lookup.get(word)
    if not candidates:
        return None
    for alias, person, lead in candidates:
        if attached and lead:
            continue
        start = at - lead
        end = start + len(alias)
        if (
            start >= taken_until
            and folded.startswith(alias, start)
            and (attached or start == 0 or not _is_word_char(folded[start - 1]))
            and (end == len(folded) or not _is_word_char(folded[end]))
        ):
            return start, end, person
    return None


def _attached_match(folded: str, at: int, word: str, index: NameIndex, taken_until: int) -> tuple[int, int, str] | None:
    """An alias that ``word`` holds after Arabic prefixes written onto it (the shortest prefix that leaves one)."""
    for length in _arabic_prefixes(word):
        found = _match_at(folded, at + length, word[length:], index.by_first_word, taken_until, attached=True)
        if found is not None:
            return found
    if index.elided:
        for conjunction in ("", *_CONJUNCTIONS):
            if word.startswith(conjunction + "لل"):
                length = len(conjunction) + 1
                return _match_at(folded, at + length, word[length:], index.elided, taken_until, attached=True)
    return None




def _arabic_prefixes(word: str) -> tuple[int, ...]:
    """Lengths of the attached prefixes ``word`` may start with, shortest first, leaving a word of two letters or more.

    At most a conjunction, then a preposition, then the article: و ف, ب ل ك,
    ال, and their combinations (وب, ول, فال, وبال...). The article written
    after ل without its alif (للرئيس) is `_elided_article`'s case.
    """
    lengths: list[int] = []
    for conjunction in ("", *_CONJUNCTIONS):
        if not word.startswith(conjunction):
            continue
        for preposition in ("", *_PREPOSITIONS):
            if not word.startswith(preposition, len(conjunction)):
                continue
            for article in ("", _ARTICLE):
                length = len(conjunction) + len(preposition) + len(article)
                if length and word.startswith(article, len(conjunction) + len(preposition)) and len(word) - length >= 2:
                    lengths.append(length)
    return tuple(sorted(set(lengths)))


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"
