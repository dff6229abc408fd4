"""Find the passages that quotes point at.

A quote matches an article's visible text case-sensitively, ignoring only
differences of whitespace (non-breaking spaces included), of straight
versus typographic quotes (U+02BC, the modifier letter apostrophe, counts
as one), and characters a reader cannot see (`INVISIBLE`: soft hyphens,
zero-width spaces and joiners, word joiners, a stray BOM). Each block is
normalised once, so finding a quote is a plain substring search; offsets
are mapped back to the original text only for the passages found.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from dataclasses import dataclass

from digest.text.seedtext import Block

INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
"""Characters with no width that seeds carry from the web (soft hyphen, zero-width
space, non-joiner and joiner, word joiner, BOM): ignored when matching, and
never written into a quote (see `visible_text`)."""
_JOINERS = frozenset("\u200c\u200d")
_QUOTE_FOLD: tuple[tuple[str, str], ...] = (
    ("\u2018", "'"), ("\u2019", "'"), ("\u201b", "'"), ("\u2032", "'"), ("\u02bc", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u201e", '"'), ("\u2033", '"'),
    *((char, "") for char in sorted(INVISIBLE)),
)
"""Each typographic quote and its straight form; each invisible character, dropped. No character here is one that
another becomes, so replacing them one after the other folds each character of the text once."""
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
    """Fold whitespace runs to one space and typographic quotes to straight ones; drop invisible characters.

    One `str.replace` per such character the text holds, then a split on whitespace (`str.isspace`, which is
    what ``\\s`` matches): a quarter of the time of a `str.translate` through a table (a dict lookup per
    character of text beyond ASCII) and a regular expression, run on every block of every article a build links."""
    for char, folded in _QUOTE_FOLD:
        if char in text:
            text = text.replace(char, folded)
    return " ".join(text.split())


def offset_map(text: str) -> list[int]:
    """``normalise(text)`` offset -> offset in ``text``, one per character of the normalised text.

    Built by walking the text as `normalise` reads it: invisible characters
    are skipped, a whitespace run between visible characters becomes one
    space (mapped to the run's first character), edges are stripped.
    """
    offsets: list[int] = []
    space = -1
    for index, char in enumerate(text):
        if char in INVISIBLE:
            continue
        if char.isspace():
            if offsets and space < 0:
                space = index
            continue
        if space >= 0:
            offsets.append(space)
            space = -1
        offsets.append(index)
    return offsets


def visible_text(text: str) -> str:
    """A passage as it may be written into a quote: without invisible characters.

    U+02BC, a letter that seeds use as an apostrophe, becomes the
    typographic apostrophe U+2019. Zero-width joiners and non-joiners are
    kept between letters of scripts that need them (Arabic, Indic, emoji
    sequences) and dropped elsewhere, where they change nothing a reader sees.
    """
    out = []
    for index, char in enumerate(text):
        if char in _JOINERS:
            before = text[index - 1] if index else " "
            after = text[index + 1] if index + 1 < len(text) else " "
            if _needs_joiners(before) or _needs_joiners(after):
                out.append(char)
        elif char == "\u02bc":
            out.append("\u2019")
        elif char not in INVISIBLE:
            out.append(char)
    return "".join(out)


def _needs_joiners(char: str) -> bool:
    """Whether a joiner next to this character may change how it is drawn (any letter or symbol beyond Latin, Greek and Cyrillic)."""
    code = ord(char)
    return code > 0x052F and not 0x1E00 <= code <= 0x1FFF and not 0x2000 <= code <= 0x2BFF


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
    offsets: dict[int, list[int]] = {}
    position = haystack.text.find(needle)
    while position != -1:
        end = position + len(needle)
        if _prefix_matches(flat, position, want_prefix) and _suffix_matches(flat, end, want_suffix):
            spans.append(_to_span(haystack, position, end, offsets))
        position = haystack.text.find(needle, position + 1)
    return spans


@dataclass(frozen=True, slots=True)
class ContextMiss:
    """A place where a quote's exact words stand, but its prefix or suffix does not."""

    span: Span
    prefix_found: str | None
    """The text right before the words, as many words as the prefix has;
    None when the prefix matches or none was given."""
    suffix_found: str | None
    """The text right after the words, likewise; None when the suffix matches."""


def context_misses(haystack: NormalisedText, exact: str, prefix: str = "", suffix: str = "") -> list[ContextMiss]:
    """Where the quote's words occur with context other than its prefix/suffix, nearest context first.

    Empty when the words are not in the text at all, or when some occurrence
    matches its context (then `find_all` finds it).
    """
    needle = normalise(exact)
    want_prefix, want_suffix = normalise(prefix), normalise(suffix)
    if not needle or not (want_prefix or want_suffix):
        return []
    flat = haystack.text.replace(BLOCK_SEPARATOR, " ")
    misses: list[tuple[float, int, ContextMiss]] = []
    offsets: dict[int, list[int]] = {}
    position = haystack.text.find(needle)
    while position != -1:
        end = position + len(needle)
        prefix_ok = _prefix_matches(flat, position, want_prefix)
        suffix_ok = _suffix_matches(flat, end, want_suffix)
        if prefix_ok and suffix_ok:
            return []
        before = None if prefix_ok else _cut_before(flat[:position].rstrip(" "), want_prefix)
        after = None if suffix_ok else _cut_after(flat[end:].lstrip(" "), want_suffix)
        likeness = (difflib.SequenceMatcher(None, before, want_prefix).ratio() if before is not None else 1.0) + (
            difflib.SequenceMatcher(None, after, want_suffix).ratio() if after is not None else 1.0
        )
        misses.append((-likeness, position, ContextMiss(_to_span(haystack, position, end, offsets), before, after)))
        position = haystack.text.find(needle, position + 1)
    return [miss for _, _, miss in sorted(misses, key=lambda item: item[:2])]


def _cut_before(text: str, words: str) -> str:
    """The end of ``text`` with as many words as ``words`` has."""
    return " ".join(text.split(" ")[-len(words.split(" ")) :]) if text else ""


def _cut_after(text: str, words: str) -> str:
    """The start of ``text`` with as many words as ``words`` has."""
    return " ".join(text.split(" ")[: len(words.split(" "))]) if text else ""


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


def _to_span(haystack: NormalisedText, start: int, end: int, offset_maps: dict[int, list[int]]) -> Span:
    """A normalised range as a span of its block's original text; ``offset_maps`` keeps each
    block's map, made once: a quote found thousands of times in one block costs one walk."""
    index = bisect.bisect_right(haystack.block_starts, start) - 1
    base = haystack.block_starts[index]
    if _normalised_length(haystack, index) == len(haystack.blocks[index].text):
        return Span(index, start - base, end - base)  # nothing was dropped or squeezed: offsets are the same
    offsets = offset_maps.get(index)
    if offsets is None:
        offsets = offset_maps[index] = offset_map(haystack.blocks[index].text)
    return Span(index, offsets[start - base], offsets[end - 1 - base] + 1)


def _normalised_length(haystack: NormalisedText, index: int) -> int:
    """The length of block ``index`` once normalised.

    `normalise` only drops characters (invisible ones, all but the first of
    a whitespace run, the edges) and turns others into one each, so a block
    whose normalised text is as long as the original lost none: each offset
    is its own, and no `offset_map` need be walked (most blocks of most seeds).
    """
    starts = haystack.block_starts
    end = starts[index + 1] - len(BLOCK_SEPARATOR) if index + 1 < len(starts) else len(haystack.text)
    return end - starts[index]


def matches_verbatim(blocks: tuple[Block, ...], span: Span, exact: str) -> bool:
    """Whether the passage is the quote character for character, invisible characters aside."""
    return visible_text(blocks[span.block].text[span.start : span.end]) == visible_text(exact.strip())


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
