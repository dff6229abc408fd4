"""Which pages the search index is made from, and how they are split into shards (pure).

The index is made in shards, each by its own Pagefind run, so a changed
page costs one shard's run instead of the whole site's, and a run's memory
is bounded by its shard. A page's shard follows from its path alone: its
first folder (``articles``, ``people``, ``claims``; anything else is
``pages``; the timeline's event records are ``events``) and, for a folder of
more than `SHARD_PAGES` searchable pages, a stable hash of the path into a
power-of-two number of buckets. So a shard changes only when one of its own
pages does (or when a folder doubles and is split again).

Pagefind is fed only what a reader searches for: the element marked
``data-pagefind-body`` (text, filters, weights) inside a bare page with the
page's ``<html lang dir>`` and ``<title>``, never the navigation, header,
footer or list blocks around it, nor the elements inside it marked
``data-pagefind-ignore`` that Pagefind would take nothing from (a person's
list of the articles naming them, the key to an article's highlights, the
status chips: `searchable_part`), nor the ``title`` attributes of its
elements, which Pagefind does not read. A page whose searchable part is
unchanged (a person page whose "see also" list moved, or an article naming a
person who was renamed: the name is only in its links' tooltips) does not
make its shard stale.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SHARD_PAGES = 400
"""Searchable pages in a shard before its folder is split in two (then four...)."""
PEOPLE = "people"
GROUPS = ("articles", PEOPLE, "claims")
"""First folders with shards of their own; every other searchable page is in ``pages``."""
EVENTS = "events"
MARK = b"data-pagefind-body"
_HTML_TAG = re.compile(rb"<html\b[^>]*>", re.IGNORECASE)
_TITLE = re.compile(rb"<title>[^<]*</title>", re.IGNORECASE)
_TAG_START = re.compile(rb"<([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*\sdata-pagefind-body(?=[\s=>/])")
_CHARSET = b'<meta charset="utf-8">'
_IGNORE_MARK = b"data-pagefind-ignore"
_IGNORED_START = re.compile(rb"<([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*\sdata-pagefind-ignore(?=[\s=>/])[^>]*>")
_READ_WHEN_IGNORED = re.compile(rb"data-pagefind-(?!ignore[\s=>/])|<(h1|title|img)[\s>/]", re.IGNORECASE)
"""What Pagefind 1.5 takes from inside an ignored element (its fossick/parser.rs): filters, metadata, sort keys and
indexed attributes (any ``data-pagefind-`` attribute but the ignore mark, a nested body too), and, for a page that
does not give them, its title from the first ``<h1>`` or ``<title>`` and its image from an ``<img>``. Nothing else:
an ignored element's text never reaches its parent, and the anchors it holds are dropped with it."""
_TITLE_ATTRIBUTE = re.compile(rb' title="[^"]*"(?=[^<>]*>)')
"""A ``title`` attribute of a start tag: the tooltip of a person's name in an article (their canonical name), of
a claim or event chip. Pagefind 1.5 indexes no ``title`` attribute, so it makes the same index without them, and
a person's rename leaves untouched the parts of the articles that name them. Inside a tag, the next ``<`` or
``>`` is the tag's ``>``: digest escapes both in text and attribute values (an article's text escapes no
quotes, so ``title="`` there is text, followed by a ``<``). Found from its literal start, it adds about a
sixth to the cut (a tag-by-tag pattern doubled it)."""
_VOID = frozenset({b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"source", b"track", b"wbr"})


def searchable_part(html: bytes) -> bytes | None:
    """The page as Pagefind needs it (see the module docstring); None for a page with nothing marked.

    The marked element ends at its matching end tag, found by counting that
    tag's opening and closing forms: digest's pages are its own well-formed
    output, and Markdown from sidecars has raw HTML turned off, so text
    cannot open or close an element.
    """
    start = _marked_tag(html, _TAG_START, MARK, 0, len(html))
    if start is None:
        return None
    end = _element_end(html, start.start(), start.group(1))
    opening = _HTML_TAG.search(html)
    title = _TITLE.search(html)
    body = _TITLE_ATTRIBUTE.sub(b"", b"".join(_without_ignored(html, start.start(), end)))
    return b"".join([
        b"<!doctype html>", opening.group(0) if opening else b"<html>", b"<head>", _CHARSET,
        title.group(0) if title else b"", b"</head><body>", body, b"</body></html>\n",
    ])


def _marked_tag(html: bytes, pattern: re.Pattern[bytes], mark: bytes, start: int, end: int) -> re.Match[bytes] | None:
    """``pattern.search(html, start, end)``, for a ``pattern`` of a start tag holding the attribute ``mark``
    (`_TAG_START`, `_IGNORED_START`): found from the occurrences of ``mark``, each tried from the ``<`` after
    the last ``>`` before it (a tag holding it can start nowhere else, its ``[^>]*`` spanning no ``>``).

    Every page is cut once (28,000 at 10,000 articles), and the pattern searched from every ``<`` of the head and
    header tried its ``[^>]*`` back and forth through each tag before the mark: a third of the cut's time.
    The first occurrence with a match gives the leftmost match, as the search would: a match further left would
    hold an occurrence of ``mark`` before this one with no ``>`` between."""
    found = html.find(mark, start, end)
    while found >= 0:
        tag = html.find(b"<", max(html.rfind(b">", start, found) + 1, start), found)
        while tag >= 0:
            match = pattern.match(html, tag, end)
            if match is not None:
                return match
            tag = html.find(b"<", tag + 1, found)
        found = html.find(mark, found + 1, end)
    return None


def _element_end(html: bytes, start: int, name: bytes) -> int:
    """Where the element whose start tag begins at ``start`` ends: after its matching end tag (else at the end of ``html``)."""
    tags = re.compile(rb"<(/?)" + re.escape(name) + rb"(?=[\s>/])", re.IGNORECASE)
    depth = 0
    for tag in tags.finditer(html, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            close = html.find(b">", tag.end())
            return len(html) if close < 0 else close + 1
    return len(html)


def _without_ignored(html: bytes, start: int, end: int) -> list[bytes]:
    """``html[start:end]`` in pieces, less each element marked ``data-pagefind-ignore`` that Pagefind would
    take nothing from (`_READ_WHEN_IGNORED`): it indexes the same, and is fed a fortieth of a person's page."""
    pieces = []
    at = start
    while (found := _marked_tag(html, _IGNORED_START, _IGNORE_MARK, at, end)) is not None:
        name = found.group(1).lower()
        if name in _VOID:
            pieces.append(html[at:found.end()])
            at = found.end()
            continue
        close = min(_element_end(html, found.start(), name), end)
        if _READ_WHEN_IGNORED.search(html, found.start(), close):
            pieces.append(html[at:found.end()])  # look inside it for ignored elements that can go
            at = found.end()
        else:
            pieces.append(html[at:found.start()])
            at = close
    pieces.append(html[at:end])
    return pieces


@dataclass(frozen=True, slots=True)
class PagePart:
    """A rendered page's searchable part, handed by the render step to the search stage (`page_part`).

    So the search stage need not read back every page it indexes and cut it
    again: the render workers hold the page anyway. Kept compressed until its
    shard is indexed: a build keeps one for every page it rendered, and the
    parts of a site are a third of its pages' bytes (about 300 MB at 10,000
    articles; a tenth of that compressed)."""

    digest: bytes
    """`digest_part` of the part."""
    packed: bytes
    """The part, zlib-compressed."""

    @property
    def html(self) -> bytes:
        return zlib.decompress(self.packed)


def page_part(html: bytes) -> PagePart | None:
    """What the search stage needs of a rendered page: its searchable part (`searchable_part`); None for a page with nothing marked."""
    part = searchable_part(html)
    return None if part is None else PagePart(digest_part(part), zlib.compress(part, 1))


def whole_page(html: bytes) -> bytes:
    """A page indexed whole: on a site that marks nothing searchable yet (a new theme)."""
    return html


def digest_part(part: bytes) -> bytes:
    return hashlib.blake2b(part, digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """Every shard's searchable pages and event record ids, by shard name."""

    pages: dict[str, tuple[str, ...]]
    records: dict[str, tuple[str, ...]]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.pages) | set(self.records)))


def plan_shards(pages: Iterable[str], record_ids: Iterable[str]) -> ShardPlan:
    """Split searchable page paths and event record ids into shards (see the module docstring)."""
    by_group: dict[str, list[str]] = {}
    for path in pages:
        first = path.partition("/")[0]
        by_group.setdefault(first if first in GROUPS else "pages", []).append(path)
    records = list(record_ids)
    return ShardPlan(
        {name: members for group, paths in sorted(by_group.items()) for name, members in _split(group, paths).items()},
        _split(EVENTS, records),
    )


def _split(group: str, keys: list[str]) -> dict[str, tuple[str, ...]]:
    buckets = 1
    while len(keys) > buckets * SHARD_PAGES:
        buckets *= 2
    shards: dict[str, list[str]] = {}
    for key in sorted(keys):
        bucket = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % buckets
        shards.setdefault(f"{group}-{bucket}" if buckets > 1 else group, []).append(key)
    return {name: tuple(members) for name, members in sorted(shards.items())}


def shard_digest(name: str, parts: Mapping[str, bytes], records: str, indexer: str) -> bytes:
    """What a shard is made from (its pages' searchable parts, its records, the indexer, the site's language)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(name.encode() + b"\0" + indexer.encode() + b"\0" + records.encode() + b"\0")
    for path in sorted(parts):
        digest.update(path.encode() + b"\0" + parts[path])
    return digest.digest()
