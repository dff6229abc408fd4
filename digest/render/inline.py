"""Render a block's text with overlapping ranges as properly nested HTML.

Markdown formatting, quote highlights and person links are all ranges over
one plain text. Ranges may nest or partly overlap; HTML may only nest. We
open ranges outermost first, and when a range must close while others opened
inside it are still open, we close those, close it, and reopen them as
continuation pieces (a continuation mark has no ``id``, so ids stay unique).

Markdown ranges also carry the indexes of the tokens they came from. Where
several things meet at one position (an image at the end of a link's text, a
link whose only content is an image, a link with no text at all), those
indexes decide what goes inside what, as the Markdown said.
"""

from __future__ import annotations

from html import escape
from typing import NamedTuple


class Range(NamedTuple):
    """A piece of markup over ``text[start:end]``.

    A named tuple rather than a frozen dataclass: an article's page makes one for
    every person named in its text (57 an article in the generated corpora) and
    every Markdown span, and a frozen dataclass's ``__init__`` sets each of its ten
    fields through ``object.__setattr__`` (a third of a microsecond each)."""

    start: int
    end: int
    open_html: str
    close_html: str
    reopen_html: str | None = None
    """Opening tag for a continuation piece; defaults to ``open_html``."""
    after_html: str = ""
    """Emitted once after the range is finally closed, outside any link."""
    is_link: bool = False
    holds_after: bool = False
    """While open, keeps the ``after_html`` of ranges closing inside it until it closes: a claim's
    highlighted sentence reads whole, and the date chips of events quoted within it follow it."""
    rank: int = 0
    """Among ranges with the same extent, lower ranks nest outside."""
    tokens: tuple[int, int] | None = None
    """Markdown ranges: indexes of their opening and closing inline tokens.

    A range of no width (an image, a line break, an empty link) is written
    whole at its position: inside the Markdown ranges whose tokens enclose its
    own, outside the others. Ranges without tokens (quote highlights, person
    links) meet zero-width ones as before: closed before them, opened after.
    """


def render_ranges(text: str, ranges: list[Range]) -> str:
    """Escape ``text`` and wrap it in the given ranges, nested validly."""
    points: dict[int, list[Range]] = {}
    spans: list[Range] = []
    for item in ranges:
        if item.start == item.end:
            points.setdefault(item.start, []).append(item)
        elif 0 <= item.start < item.end <= len(text):
            spans.append(item)
    spans.sort(key=lambda r: (r.start, -r.end, r.rank, r.tokens or (0, 0)))
    ends: dict[int, list[Range]] = {}
    for item in spans:
        ends.setdefault(item.end, []).append(item)
    boundaries = sorted({0, len(text), *points, *(r.start for r in spans), *ends})

    out: list[str] = []
    stack: list[Range] = []
    pending_after: list[str] = []
    next_open = 0
    previous = 0
    for position in boundaries:
        out.append(escape(text[previous:position], quote=False))
        previous = position
        here = points.get(position)  # most boundaries have no zero-width range and close at most one: no list or sort made for them
        ordered = _point_pieces([p for p in here if p.tokens is not None]) if here else []
        closing_here = ends.get(position)
        if closing_here:
            for closing in sorted(closing_here, key=lambda r: -_depth(stack, r)) if len(closing_here) > 1 else closing_here:
                if closing.tokens is not None:
                    _write_pieces_before(closing.tokens[1], ordered, out)
                _close(closing, stack, out, pending_after)
        if pending_after and not _holds(stack):
            out.extend(pending_after)
            pending_after.clear()
        if here:
            out.extend(p.open_html + p.close_html for p in here if p.tokens is None)
        while next_open < len(spans) and spans[next_open].start == position:
            opening = spans[next_open]
            if opening.tokens is not None:
                _write_pieces_before(opening.tokens[0], ordered, out)
            stack.append(opening)
            out.append(opening.open_html)
            next_open += 1
        if ordered:
            _write_pieces_before(None, ordered, out)
    out.append(escape(text[previous:], quote=False))
    out.extend(pending_after)
    return "".join(out)


def _point_pieces(points: list[Range]) -> list[tuple[int, int, str]]:
    """The tags of zero-width Markdown ranges as (token index, close?, html), in source order."""
    pieces = [(p.tokens[0], 0, p.open_html) for p in points if p.tokens is not None]
    pieces += [(p.tokens[1], 1, p.close_html) for p in points if p.tokens is not None]
    return sorted(pieces, reverse=True)  # popped from the end


def _write_pieces_before(token: int | None, pieces: list[tuple[int, int, str]], out: list[str]) -> None:
    """Write the pieces that come before ``token`` in the source (all of them for None)."""
    while pieces and (token is None or pieces[-1][0] < token):
        out.append(pieces.pop()[2])


def _depth(stack: list[Range], item: Range) -> int:
    """Position of ``item`` in the stack by identity (equal ranges may repeat)."""
    for depth, candidate in enumerate(stack):
        if candidate is item:
            return depth
    return -1


def _holds(stack: list[Range]) -> bool:
    """Whether chips must wait: inside a link (no link may hold another) or a range that holds them."""
    return any(item.is_link or item.holds_after for item in stack)


def _close(closing: Range, stack: list[Range], out: list[str], pending_after: list[str]) -> None:
    """Close one range, closing and reopening any ranges still open inside it."""
    if _depth(stack, closing) < 0:
        return
    inner: list[Range] = []
    while stack[-1] is not closing:
        item = stack.pop()
        out.append(item.close_html)
        inner.append(item)
    stack.pop()
    out.append(closing.close_html)
    if closing.after_html:
        if _holds(stack):
            pending_after.append(closing.after_html)
        else:
            out.append(closing.after_html)
    if pending_after and not _holds(stack):  # before reopening what was inside: the chips follow the text they belong to
        out.extend(pending_after)
        pending_after.clear()
    for item in reversed(inner):
        stack.append(item)
        out.append(item.reopen_html if item.reopen_html is not None else item.open_html)
