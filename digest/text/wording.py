"""How one outlet's wording differs from another's: a word-level diff.

Words are compared ignoring case, punctuation and the kind of quote marks,
so "Kiev" and "Kyiv" differ but "Sullivan," and "Sullivan" don't. The
result is one side's text cut into pieces, each flagged as shared with the
other side or not; templates mark the pieces that are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import groupby

_TOKEN = re.compile(r"[^\s\-‐–—]+[\s\-‐–—]*|[\s\-‐–—]+")
_EDGE_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")


@dataclass(frozen=True, slots=True)
class WordDiff:
    pieces: tuple[tuple[str, bool], ...]
    """(text, differs) in order; whitespace between pieces stays outside the differing ones."""
    shared: float
    """Share of this side's words that the other side has too (0..1)."""


def word_diff(mine: str, theirs: str) -> WordDiff:
    """``mine`` cut into pieces that ``theirs`` shares, or does not."""
    tokens = _TOKEN.findall(mine.strip())
    words = [_comparable(token) for token in tokens]
    other = [_comparable(token) for token in _TOKEN.findall(theirs.strip())]
    differs = [True] * len(tokens)
    matcher = SequenceMatcher(None, words, other, autojunk=False)
    for block in matcher.get_matching_blocks():
        for index in range(block.a, block.a + block.size):
            differs[index] = False
    for index, word in enumerate(words):
        if not word:  # a lone dash or ellipsis is neither shared nor different wording
            differs[index] = False
    pieces: list[tuple[str, bool]] = []
    for flag, group in groupby(zip(tokens, differs), key=lambda pair: pair[1]):
        text = "".join(token for token, _ in group)
        word_part = text.rstrip() if flag else text
        for piece, piece_flag in ((word_part, flag), (text[len(word_part):], False)):
            if not piece:
                continue
            if pieces and pieces[-1][1] == piece_flag:
                pieces[-1] = (pieces[-1][0] + piece, piece_flag)
            else:
                pieces.append((piece, piece_flag))
    counted = [flag for flag, word in zip(differs, words) if word]
    shared = (counted.count(False) / len(counted)) if counted else 1.0
    return WordDiff(tuple(pieces), shared)


def _comparable(token: str) -> str:
    text = token.strip().lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return _EDGE_PUNCTUATION.sub("", text)
