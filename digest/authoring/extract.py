"""Saved web pages and feeds -> article texts with their facts (no file system, no network).

Which part of a news page is the article (and not its navigation, ads,
share bar, captions or comments) is trafilatura's job: it is the field's
maintained extraction library, tuned on news sites, so digest keeps no
scraping rules of its own. Feeds are read with feedparser, which knows the
many dialects of RSS and Atom. Both get the document's bytes or text and
never a URL, so nothing is ever fetched: a page whose text only appears
once its scripts run or once it loads more from the network has no text
here, and says so.

Every function here takes bytes and returns values or raises `ExtractError`
with a message for the editor; `digest.authoring.importer` reads and writes the files.
"""

from __future__ import annotations

import codecs
import datetime
import email
import email.policy
import email.utils
import io
import re
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit, urlunsplit

ARTICLE_MIN_CHARACTERS = 200
"""Less text than this is no article (a cookie notice, a "please enable JavaScript" line)."""


class ExtractError(Exception):
    """Why a file gave no article; the message is shown after ``path: error:``."""


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    body: str
    """The article's text as Markdown: paragraphs, headings, emphasis and links, without the title."""
    title: str
    outlet: str = ""
    url: str = ""
    """The canonical URL, without its fragment."""
    published: datetime.date | None = None
    author: str = ""
    language: str = ""
    captured: datetime.date | None = None
    """When the copy was saved, when the file says (MHTML's Date header); else the caller's date."""
    part: str = ""
    """Which entry of a feed it came from ("entry 2"), or "" for a page."""


def extract_file(data: bytes, name: str) -> list[ExtractedArticle]:
    """Every article in one saved file: one for a page, one per entry of a feed."""
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExtractError("not a web page or feed (binary data)")
    lower = name.lower()
    if lower.endswith((".mhtml", ".mht")) or _looks_like_mhtml(data):
        html, url, captured = _mhtml_page(data)
        return [extract_page(html, url, captured)]
    text = decode_document(data)
    if _looks_like_feed(text):
        return extract_feed(data)
    if not re.search(r"<(?:!doctype\s+html|html|head|body|p|div|article|main)\b", text[:100_000], re.IGNORECASE):
        raise ExtractError("not an HTML page or a feed (no HTML elements found)")
    return [extract_page(text)]


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")


def decode_document(data: bytes) -> str:
    """The text of an HTML or XML file: by its byte-order mark, else its declared encoding, else UTF-8.

    Strict: bytes that are not valid in that encoding are an error, never
    replaced, since a quote must match the article's words exactly.
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return _decode(data[len(bom):], encoding, "its byte-order mark")
    declared = _XML_ENCODING.search(data[:200]) or _META_CHARSET.search(data[:4096])
    if declared is not None:
        name = declared.group(1).decode("ascii")
        return _decode(data, name, f"its declared charset '{name}'")
    return _decode(data, "utf-8", "UTF-8 (it declares no charset)")


def _decode(data: bytes, encoding: str, why: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise ExtractError(f"unknown character encoding '{encoding}'; save the page again as UTF-8") from None
    try:
        return data.decode(codec.name)
    except UnicodeDecodeError as exc:
        raise ExtractError(
            f"cannot be read as {why}: byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid there; save the page again as UTF-8"
        ) from None


def _looks_like_mhtml(data: bytes) -> bool:
    head = data[:2048].lower()
    return head.lstrip().startswith((b"from:", b"mime-version:", b"subject:", b"date:", b"snapshot-content-location:")) and b"multipart/related" in head


def _looks_like_feed(text: str) -> bool:
    head = re.sub(r"^(?:\s|<\?xml[^>]*>|<!--.*?-->|<!DOCTYPE[^>]*>)*", "", text[:4096], flags=re.DOTALL)
    return bool(re.match(r"<(?:rss|feed|rdf:RDF)\b", head))


def _mhtml_page(data: bytes) -> tuple[str, str, datetime.date | None]:
    """The HTML of an MHTML archive (what browsers write for "Save page as... single file"), its address and date."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    html_part = next((part for part in message.walk() if part.get_content_type() == "text/html"), None)
    if html_part is None:
        raise ExtractError("MHTML archive holds no HTML page")
    payload = html_part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise ExtractError("MHTML archive's page cannot be read")
    charset = html_part.get_content_charset()
    html = _decode(payload, charset, f"its declared charset '{charset}'") if charset else decode_document(payload)
    url = str(html_part.get("Content-Location", "") or message.get("Snapshot-Content-Location", "") or "")
    captured = None
    if message.get("Date"):
        try:
            captured = email.utils.parsedate_to_datetime(str(message["Date"])).date()
        except (TypeError, ValueError):
            captured = None
    return html, url, captured


def extract_page(html: str, saved_from: str = "", captured: datetime.date | None = None) -> ExtractedArticle:
    """The article of one page, with the facts its metadata gives."""
    import trafilatura

    tree = trafilatura.load_html(html)
    if tree is None:
        raise ExtractError("not an HTML page (it cannot be parsed)")
    meta = trafilatura.extract_metadata(tree)
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    url = _clean_url(str(canonical[0]) if canonical else (meta.url if meta and meta.url else saved_from))
    lang = tree.xpath("/html/@lang")
    title = (meta.title or "").strip() if meta else ""
    body = trafilatura.extract(  # on a fresh tree: extraction prunes the one it is given
        trafilatura.load_html(html), output_format="markdown", include_formatting=True, include_links=True,
        include_comments=False, include_images=False, include_tables=True, favor_precision=True, with_metadata=False,
    )
    body = _without_title(body or "", title)
    if len(body) < ARTICLE_MIN_CHARACTERS:
        raise ExtractError(
            "no article text found: the page may show its text only with JavaScript or after loading more from the network, "
            "and digest import never fetches anything; save the page again once its text is on screen"
        )
    return ExtractedArticle(
        body=body,
        title=title or _heading(body),
        outlet=(meta.sitename or "") if meta else "",
        url=url,
        published=_date(meta.date if meta else None),
        author=(meta.author or "") if meta else "",
        language=_language(str(lang[0]) if lang else ""),
        captured=captured,
    )


def extract_feed(data: bytes) -> list[ExtractedArticle]:
    """One article per entry of an RSS or Atom feed that carries the entry's full text."""
    import feedparser

    parsed = feedparser.parse(io.BytesIO(data))  # a stream, never a URL: feedparser fetches URLs
    if parsed.get("bozo") and not parsed.entries:
        raise ExtractError(f"not a feed that can be read: {parsed.get('bozo_exception')}")
    outlet = parsed.feed.get("title", "")
    language = _language(parsed.feed.get("language", ""))
    articles = []
    for number, entry in enumerate(parsed.entries, start=1):
        content = entry.get("content") or []
        html = max((c.get("value", "") for c in content), key=len, default="")
        if not html:
            raise ExtractError(f"entry {number} ('{entry.get('title', '')}') carries only a summary, not the full text; save the article's page instead")
        page = f"<html><head><title>{_escape(entry.get('title', ''))}</title></head><body><article>{html}</article></body></html>"
        try:
            found = extract_page(page)
        except ExtractError as error:
            raise ExtractError(f"entry {number} ('{entry.get('title', '')}'): {error}") from None
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        articles.append(ExtractedArticle(
            body=found.body,
            title=entry.get("title", "").strip() or found.title,
            outlet=outlet,
            url=_clean_url(entry.get("link", "")),
            published=datetime.date(*published[:3]) if published else None,
            author=entry.get("author", ""),
            language=language,
            part=f"entry {number}",
        ))
    if not articles:
        raise ExtractError("feed has no entries")
    return articles


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _heading(markdown: str) -> str:
    match = re.match(r"#\s+(.+)", markdown.lstrip())
    return match.group(1).strip() if match else ""


def _without_title(markdown: str, title: str = "") -> str:
    """The body without a leading '# heading' (the title goes in the sidecar), tidied."""
    text = markdown.strip()
    match = re.match(r"#\s+(.+)\n*", text)
    if match and (not title or match.group(1).strip() == title.strip()):
        text = text[match.end():]
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _clean_url(url: str) -> str:
    """A web address without its #fragment, or '' when it is none (a file:// path of the saved copy)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _language(value: str) -> str:
    """A BCP 47 tag as the sidecar accepts it, or ''."""
    value = value.strip().replace("_", "-")
    return value if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value) else ""
