"""Find the passages that quotes point at.

A quote matches an article's visible text case-sensitively, ignoring only
differences of whitespace (non-breaking spaces included) and of straight
versus typographic quotes. Each block is normalised once, with a map back
to original offsets, so finding a quote is a plain substring search.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from dataclasses import dataclass

from digest.seedtext import Block

_QUOTE_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"'})
_SPACE_RUN = re.compile(r"\s+")
_WORD = re.compile(r"\S+")
BLOCK_SEPARATOR = "\n"
"""Joins normalised blocks; never occurs inside a normalised quote."""


@dataclass(frozen=True, slots=True)
class Span:
    """``blocks[block].text[start:end]``."""

    block: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """All blocks of an article normalised and joined by ``BLOCK_SEPARATOR``."""

    text: str
    block_starts: tuple[int, ...]
    """Offset in ``text`` where each block begins."""
    blocks: tuple[Block, ...]


def normalise(text: str) -> str:
    """Fold whitespace runs to one space and typographic quotes to straight ones."""
    return _SPACE_RUN.sub(" ", text.translate(_QUOTE_FOLD)).strip()


def normalise_blocks(blocks: tuple[Block, ...]) -> NormalisedText:
    starts = []
    offset = 0
    parts = []
    for block in blocks:
        starts.append(offset)
        folded = normalise(block.text)
        parts.append(folded)
        offset += len(folded) + len(BLOCK_SEPARATOR)
    return NormalisedText(BLOCK_SEPARATOR.join(parts), tuple(starts), blocks)


class _OriginalOffsets:
    """Map offsets in a block's normalised text back to its original text.

    Normalisation keeps every non-space character and turns each whitespace
    run between words into one space, so walking the words maps offsets. The
    words are read once, only as far as asked, and remembered: a quote found
    thousands of times in one long block costs one walk, not one per occurrence.
    """

    def __init__(self, block: Block):
        self._words = _WORD.finditer(block.text.translate(_QUOTE_FOLD))
        self._length = len(block.text)
        self._normalised: list[int] = []
        """Normalised start of each word read so far."""
        self._words_read: list[tuple[int, int]] = []
        """Original start and end of each word read so far."""
        self._reach = 0
        """Normalised offset just past the words read so far (and the space after them)."""

    def __call__(self, normalised_offset: int) -> int:
        # One word past the offset, so that a space maps to the end of its whitespace run.
        while self._reach <= normalised_offset + 1:
            word = next(self._words, None)
            if word is None:
                break
            self._normalised.append(self._reach)
            self._words_read.append(word.span())
            self._reach += word.end() - word.start() + 1
        index = bisect.bisect_right(self._normalised, normalised_offset) - 1
        if index < 0:
            return self._length
        start, end = self._words_read[index]
        within = normalised_offset - self._normalised[index]
        if within < end - start:
            return start + within
        return self._words_read[index + 1][0] - 1 if index + 1 < len(self._words_read) else self._length


def find_all(haystack: NormalisedText, exact: str, prefix: str = "", suffix: str = "") -> list[Span]:
    """Every occurrence of a quote (narrowed by prefix/suffix context), as block spans.

    Context may reach across paragraphs, as in a W3C TextQuoteSelector; the
    quote itself may not, since normalised quotes never contain the separator.
    """
    needle = normalise(exact)
    if not needle:
        return []
    flat = haystack.text.replace(BLOCK_SEPARATOR, " ")
    want_prefix = normalise(prefix)
    want_suffix = normalise(suffix)
    spans = []
    offsets: dict[int, _OriginalOffsets] = {}
    position = haystack.text.find(needle)
    while position != -1:
        end = position + len(needle)
        if _prefix_matches(flat, position, want_prefix) and _suffix_matches(flat, end, want_suffix):
            spans.append(_to_span(haystack, position, end, offsets))
        position = haystack.text.find(needle, position + 1)
    return spans


def _prefix_matches(flat: str, position: int, prefix: str) -> bool:
    """Whether ``prefix`` ends right before ``position``, a space at the joint allowed."""
    if not prefix:
        return True
    if flat.endswith(prefix, 0, position):
        return True
    return position > 0 and flat[position - 1] == " " and flat.endswith(prefix, 0, position - 1)


def _suffix_matches(flat: str, end: int, suffix: str) -> bool:
    if not suffix:
        return True
    if flat.startswith(suffix, end):
        return True
    return end < len(flat) and flat[end] == " " and flat.startswith(suffix, end + 1)


def _to_span(haystack: NormalisedText, start: int, end: int, offsets: dict[int, _OriginalOffsets]) -> Span:
    index = bisect.bisect_right(haystack.block_starts, start) - 1
    original = offsets.get(index)
    if original is None:
        original = offsets[index] = _OriginalOffsets(haystack.blocks[index])
    base = haystack.block_starts[index]
    return Span(index, original(start - base), original(end - 1 - base) + 1)


def matches_verbatim(blocks: tuple[Block, ...], span: Span, exact: str) -> bool:
    """Whether the passage is the quote character for character (no normalisation needed)."""
    return blocks[span.block].text[span.start : span.end] == exact.strip()


CLOSEST_PASSAGE_BUDGET = 20_000_000
"""Most steps (see `closest_passage_work`) the search for a closest passage may
take, a few seconds at most: thousands of times what a paragraph-long quote
costs in a long article. Past it the error says the quote is too long to look for one."""


def closest_passage_work(blocks: tuple[Block, ...], exact: str) -> int:
    """Steps `closest_passage` takes: indexing the quote, then, for each character
    of the article, one step per place that character has in the quote (the
    inner loop of difflib's longest match)."""
    in_quote = Counter(exact.strip())
    return len(exact) + sum(count * in_quote[char] for block in blocks for char, count in Counter(block.text).items())


def closest_passage(blocks: tuple[Block, ...], exact: str) -> str | None:
    """The passage of the article most like a quote that was not found, for the error message.

    None when there is none, or when looking would exceed `CLOSEST_PASSAGE_BUDGET`.
    """
    if closest_passage_work(blocks, exact) > CLOSEST_PASSAGE_BUDGET:
        return None
    needle = exact.strip()
    best: tuple[int, str] | None = None
    matcher = difflib.SequenceMatcher(None, "", needle, autojunk=False)  # the quote is indexed once
    for block in blocks:
        text = block.text
        matcher.set_seq1(text)
        match = matcher.find_longest_match(0, len(text), 0, len(needle))
        if match.size == 0 or (best and match.size <= best[0]):
            continue
        start = max(0, match.a - match.b)
        end = min(len(text), start + len(needle))
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        best = (match.size, text[start:end])
    if best is None or best[0] < min(4, len(needle)):
        return None
    return best[1]
