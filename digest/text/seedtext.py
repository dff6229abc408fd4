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
from urllib.parse import urljoin, urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
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
    tokens: tuple[int, int] = (0, 0)
    """Indexes of the opening and closing inline tokens (equal for an image or a
    break): they order pieces that meet at one text position, so that an image
    inside a link, or a link with no text, nests as it does in the Markdown."""


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


def resolve_link(url: str, base_url: str = "") -> str | None:
    """The address a link or image may point to, or None when digest refuses it.

    Web addresses and in-page fragments pass, and ``mailto:`` (harmless); a
    relative address is resolved against ``base_url`` (the article's original
    address) when there is one. Everything else (javascript:, data:, file:, a
    relative address with nothing to resolve it against) is refused.
    """
    url = url.strip()
    if url.startswith("#"):
        return url
    try:
        parts = urlsplit(url)
        if not parts.scheme and _is_web(base_url):
            return urljoin(base_url, url)
    except ValueError:  # such as an unclosed IPv6 bracket
        return None
    if _is_web(url) or parts.scheme.lower() == "mailto":
        return url
    return None


def _is_web(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


class _AnyLinkMarkdown(MarkdownIt):
    """A parser that accepts every link destination (see `make_markdown`)."""

    def validateLink(self, url: str) -> bool:
        return True


def make_markdown() -> MarkdownIt:
    """CommonMark with tables and strikethrough, raw HTML off, links settled by `resolve_link`.

    The parser accepts every destination, so that a link it would refuse is
    still recognised as a link (and a reference definition as one) rather than
    left as raw Markdown; `_settle_links` then resolves or unwraps each link.
    A relative address is resolved against ``env["base_url"]`` when the caller
    passes one to ``parse``/``render``.
    """
    md = _AnyLinkMarkdown("commonmark", {"html": False, "highlight": _highlight_code})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("settle_links", _settle_links)
    return md


def _settle_links(state: StateCore) -> None:
    base_url = str(state.env.get("base_url", "")) if isinstance(state.env, dict) else ""
    for token in state.tokens:
        if token.type == "inline" and token.children:
            token.children = _settle_inline(token.children, base_url)


def _settle_inline(children: list[Token], base_url: str) -> list[Token]:
    """Resolve each link and image; a refused link keeps its text, a refused image shows its alt text."""
    settled: list[Token] = []
    refused: list[bool] = []
    for token in children:
        if token.type == "link_open":
            href = resolve_link(str(token.attrGet("href") or ""), base_url)
            refused.append(href is None)
            if href is None:
                continue
            token.attrSet("href", href)
        elif token.type == "link_close" and refused:
            if refused.pop():
                continue
        elif token.type == "image":
            token.children = _settle_inline(token.children or [], base_url)
            src = resolve_link(str(token.attrGet("src") or ""), base_url)
            if src is None or not _is_web(src):  # an image needs a web address
                text = Token("text", "", 0)
                text.content = alt_text(token)
                settled.append(text)
                continue
            token.attrSet("src", src)
        settled.append(token)
    return settled


def alt_text(image: Token) -> str:
    """An image's description without its markup, as CommonMark puts it in ``alt``."""
    parts: list[str] = []
    for token in image.children or []:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type == "image":
            parts.append(alt_text(token))
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _highlight_code(code: str, lang: str, attrs: str) -> str:
    # stripnl/ensurenl off: a block keeps its own leading and trailing blank lines, and an empty block stays empty
    options = {"stripnl": False, "ensurenl": False}
    try:
        lexer = get_lexer_by_name(lang, **options) if lang else TextLexer(**options)
    except ClassNotFound:
        lexer = TextLexer(**options)
    language = f' class="language-{escape(lang)}"' if lang else ""
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code{language}>{body}</code></pre>\n'


def parse_markdown(text: str, omit: set[str], drop_first_h1: bool, base_url: str = "") -> tuple[str | None, SeedText]:
    """Parse a markdown seed; return its leading ``# heading`` (if dropped) and the blocks.

    ``base_url`` is the article's original address: relative links and images
    in the seed point there (see `resolve_link`).
    """
    md = make_markdown()
    renderer = md.renderer
    assert isinstance(renderer, RendererHTML), "make_markdown keeps markdown-it's HTML renderer"
    source = "\n".join("" if line.strip() in omit else line for line in text.split("\n"))
    tokens = md.parse(source, {"base_url": base_url})
    heading = None
    if drop_first_h1 and len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        heading = _inline_text(tokens[1].children or [])[0].strip()
        tokens = tokens[3:]
    blocks: list[Block] = []
    parts: list[str | int] = []
    in_heading = False
    for index, token in enumerate(tokens):
        if token.type == "inline":
            line = (token.map[0] + 1) if token.map else 1
            plain, spans = _inline_text(token.children or [])
            parts.append(len(blocks))
            blocks.append(Block(plain, line, tuple(spans), link_people=not in_heading))
            continue
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        rule = renderer.rules.get(token.type)
        html = rule(tokens, index, md.options, {}) if rule else renderer.renderToken(tokens, index, md.options, {})
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


_SIMPLE_TAGS = {"em": ("<em>", "</em>"), "strong": ("<strong>", "</strong>"), "s": ("<s>", "</s>")}
"""Inline markup -> its HTML tags, the same two strings for every span (anything else is a ``<span>``)."""
_SPAN_TAGS = ("<span>", "</span>")


def _attribute(name: str, token: Token) -> str:
    """`` name="value"`` when the token has that attribute (a link's or image's title), else nothing."""
    value = token.attrGet(name)
    return f' {name}="{escape(str(value))}"' if value else ""


def _inline_text(children: list[Token]) -> tuple[str, list[InlineSpan]]:
    """Flatten inline tokens into visible text plus the spans of formatting over it.

    Links and images are already settled (`_settle_links`): whatever link is
    left may be shown. Each span remembers the tokens it came from, so that
    pieces of no width (an image, a link with no text) nest as in the source.
    """
    text: list[str] = []
    length = 0
    spans: list[InlineSpan] = []
    open_stack: list[tuple[int, int, str, str, bool]] = []
    for index, token in enumerate(children):
        if token.type == "text":
            text.append(token.content)
            length += len(token.content)
        elif token.type == "softbreak":
            text.append("\n")
            length += 1
        elif token.type == "hardbreak":
            spans.append(InlineSpan(length, length, "<br>", "", tokens=(index, index)))
            text.append("\n")
            length += 1
        elif token.type == "code_inline":
            spans.append(InlineSpan(length, length + len(token.content), "<code>", "</code>", True, (index, index)))
            text.append(token.content)
            length += len(token.content)
        elif token.type == "image":
            src = escape(str(token.attrGet("src") or ""))
            html = f'<img src="{src}" alt="{escape(alt_text(token))}"{_attribute("title", token)} loading="lazy">'
            spans.append(InlineSpan(length, length, html, "", tokens=(index, index)))
        elif token.type.endswith("_open"):
            name = token.type[: -len("_open")]
            if name == "link":
                href = escape(str(token.attrGet("href") or ""))
                open_html = f'<a href="{href}"{_attribute("title", token)} rel="nofollow noopener">'
                open_stack.append((length, index, open_html, "</a>", True))
            else:
                opening, closing = _SIMPLE_TAGS.get(name, _SPAN_TAGS)
                open_stack.append((length, index, opening, closing, False))
        elif token.type.endswith("_close") and open_stack:
            start, opened, open_html, close_html, is_link = open_stack.pop()
            spans.append(InlineSpan(start, length, open_html, close_html, is_link, (opened, index)))
        else:  # anything else is shown as its literal text
            text.append(token.content)
            length += len(token.content)
    return "".join(text), spans
