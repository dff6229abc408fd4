"""Turn a seed file into blocks of reader-visible text.

Quotes are matched, and people linked, against what a reader sees, so each
paragraph (or heading, list item...) becomes a `Block`: its plain text plus
the inline formatting spans that sit on it. The rest of the document
(block-level markup, highlighted code) is kept as ready HTML in
`SeedText.parts`, so rendering only has to fill the blocks back in.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound


@dataclass(frozen=True, slots=True)
class InlineSpan:
    """Markdown inline formatting over ``block.text[start:end]``."""

    start: int
    end: int
    open_html: str
    close_html: str
    is_link: bool = False
    """Links and code: no person link may be placed inside."""


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    """The text a reader sees, without markup."""
    line: int
    """1-based line of the seed where the block starts."""
    spans: tuple[InlineSpan, ...] = ()
    link_people: bool = True
    """False in headings: people are not linked there."""


@dataclass(frozen=True, slots=True)
class SeedText:
    title_line: str | None
    """The first line of a ``.txt`` seed (a candidate title)."""
    blocks: tuple[Block, ...]
    parts: tuple[str | int, ...]
    """HTML strings and block indexes, in document order."""


def split_title(text: str) -> tuple[str | None, list[tuple[int, str]]]:
    """Return a plain-text seed's first non-blank line and the numbered lines after it."""
    lines = [(number, line) for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
    if not lines:
        return None, []
    return lines[0][1].strip(), lines[1:]


def parse_plain(text: str, title: str | None, omit: set[str]) -> SeedText:
    """One paragraph per non-blank line; the title line, if it is one, is dropped."""
    first, rest = split_title(text)
    lines = rest
    if title is not None and first != title.strip():
        lines = [(number, line) for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
    blocks: list[Block] = []
    parts: list[str | int] = []
    for number, line in lines:
        if line.strip() in omit:
            continue
        parts += ["<p>", len(blocks), "</p>\n"]
        blocks.append(Block(line.strip(), number))
    return SeedText(first, tuple(blocks), tuple(parts))


def _safe_link(url: str) -> bool:
    """Allow only web links and in-page fragments: no javascript:, data:, file:."""
    lowered = url.strip().lower()
    return lowered.startswith(("http://", "https://", "#"))


def make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight_code}).enable(["table", "strikethrough"])
    md.validateLink = _safe_link
    return md


def _highlight_code(code: str, lang: str, attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(lang) if lang else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    language = f' class="language-{escape(lang)}"' if lang else ""
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code{language}>{body}</code></pre>\n'


def parse_markdown(text: str, omit: set[str], drop_first_h1: bool) -> tuple[str | None, SeedText]:
    """Parse a markdown seed; return its leading ``# heading`` (if dropped) and the blocks."""
    md = make_markdown()
    source = "\n".join("" if line.strip() in omit else line for line in text.split("\n"))
    tokens = md.parse(source)
    heading = None
    if drop_first_h1 and len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        heading = _inline_text(tokens[1].children or [], md)[0].strip()
        tokens = tokens[3:]
    blocks: list[Block] = []
    parts: list[str | int] = []
    in_heading = False
    for index, token in enumerate(tokens):
        if token.type == "inline":
            line = (token.map[0] + 1) if token.map else 1
            plain, spans = _inline_text(token.children or [], md)
            parts.append(len(blocks))
            blocks.append(Block(plain, line, tuple(spans), link_people=not in_heading))
            continue
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        rule = md.renderer.rules.get(token.type)
        html = rule(tokens, index, md.options, {}) if rule else md.renderer.renderToken(tokens, index, md.options, {})
        parts.append(html)
    return heading, SeedText(None, tuple(blocks), tuple(_merge_strings(parts)))


def _merge_strings(parts: list[str | int]) -> list[str | int]:
    merged: list[str | int] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


_SIMPLE_TAGS = {"em": "em", "strong": "strong", "s": "s"}


def _inline_text(children: list[Token], md: MarkdownIt) -> tuple[str, list[InlineSpan]]:
    """Flatten inline tokens into visible text plus the spans of formatting over it."""
    text: list[str] = []
    length = 0
    spans: list[InlineSpan] = []
    open_stack: list[tuple[int, str, str, bool]] = []
    for token in children:
        if token.type == "text":
            text.append(token.content)
            length += len(token.content)
        elif token.type == "softbreak":
            text.append("\n")
            length += 1
        elif token.type == "hardbreak":
            spans.append(InlineSpan(length, length, "<br>", ""))
            text.append("\n")
            length += 1
        elif token.type == "code_inline":
            spans.append(InlineSpan(length, length + len(token.content), "<code>", "</code>", is_link=True))
            text.append(token.content)
            length += len(token.content)
        elif token.type == "image":
            src = escape(str(token.attrGet("src") or ""))
            alt = escape(token.content)
            spans.append(InlineSpan(length, length, f'<img src="{src}" alt="{alt}" loading="lazy">', ""))
        elif token.type.endswith("_open"):
            name = token.type[: -len("_open")]
            if name == "link":
                href = escape(str(token.attrGet("href") or ""))
                open_stack.append((length, f'<a href="{href}" rel="nofollow noopener">', "</a>", True))
            else:
                tag = _SIMPLE_TAGS.get(name, "span")
                open_stack.append((length, f"<{tag}>", f"</{tag}>", False))
        elif token.type.endswith("_close") and open_stack:
            start, open_html, close_html, is_link = open_stack.pop()
            spans.append(InlineSpan(start, length, open_html, close_html, is_link))
        else:  # anything else is shown as its literal text
            text.append(token.content)
            length += len(token.content)
    return "".join(text), spans
