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


def _original_offset(block: Block, normalised_offset: int) -> int:
    """Map an offset in a block's normalised text back to its original text.

    Normalisation keeps every non-space character and turns each whitespace
    run between words into one space, so walking the words maps offsets.
    """
    folded = block.text.translate(_QUOTE_FOLD)
    position = 0
    for word in _WORD.finditer(folded):
        length = word.end() - word.start()
        if normalised_offset < position + length:
            return word.start() + (normalised_offset - position)
        position += length + 1
    return len(block.text)


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
    position = haystack.text.find(needle)
    while position != -1:
        end = position + len(needle)
        if _prefix_matches(flat, position, want_prefix) and _suffix_matches(flat, end, want_suffix):
            spans.append(_to_span(haystack, position, end))
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


def _to_span(haystack: NormalisedText, start: int, end: int) -> Span:
    index = bisect.bisect_right(haystack.block_starts, start) - 1
    block = haystack.blocks[index]
    base = haystack.block_starts[index]
    first = _original_offset(block, start - base)
    last = _original_offset(block, end - 1 - base)
    return Span(index, first, last + 1)


def matches_verbatim(blocks: tuple[Block, ...], span: Span, exact: str) -> bool:
    """Whether the passage is the quote character for character (no normalisation needed)."""
    return blocks[span.block].text[span.start : span.end] == exact.strip()


def closest_passage(blocks: tuple[Block, ...], exact: str) -> str | None:
    """The passage of the article most like a quote that was not found, for the error message."""
    needle = exact.strip()
    best: tuple[int, str] | None = None
    for block in blocks:
        text = block.text
        matcher = difflib.SequenceMatcher(None, text, needle, autojunk=False)
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
