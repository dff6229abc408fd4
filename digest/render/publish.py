"""The machine-readable side of the site: feeds, sitemap, robots, data exports.

Each output is a `Page` with a serializer instead of a template, so it is
dependency-tracked like any page. URLs here are absolute (feeds and sitemaps
are read outside the site), built from ``base_url``.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from markupsafe import escape

from digest.graph.model import SiteConfig
from digest.render import site_queries
from digest.render.bidi import lang_attrs
from digest.render.export import EXPORT_RECORDS, compact_json, compact_json_bytes, records_json, records_json_bytes
from digest.render.page import Page
from digest.render.templates import render_markdown
from digest.text.dates import TimeOfDay
from digest.text.days import Day
from digest.text.i18n import ENGLISH, SiteLocale
from digest.views import queries
from digest.views.reads import ArticleSummary, Reader

FEED_ENTRIES = 50
"""Entries per feed: a feed carries recent news, not the archive."""


def publishing_pages(people: list[str], config: SiteConfig) -> list[Page]:
    """The machine-readable files."""
    pages = [
        Page(".nojekyll", "", lambda r: {}, lambda c: b""),
        Page("robots.txt", "", _config_only, _robots),
        Page("sitemap.xml", "", lambda r: {"config": queries.config(r), "entries": site_queries.sitemap(r)}, _sitemap),
        Page("feed.xml", "", _site_feed_context, _atom),
        Page("data.json", "", _data_json_context, _data_json),
        Page("timeline.json", "", _timeline_json_context, _json),
    ]
    if config.cname:
        pages.append(Page("CNAME", "", _config_only, lambda c: (c["config"].cname + "\n").encode()))
    pages += [Page(f"people/{pid}/feed.xml", "", _person_feed_context(pid), _atom) for pid in people]
    return pages


def _config_only(reader: Reader) -> dict[str, Any]:
    return {"config": queries.config(reader)}


def _robots(context: dict[str, Any]) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {context['config'].base_url}sitemap.xml\n".encode()


def _sitemap(context: dict[str, Any]) -> bytes:
    base = context["config"].base_url
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url_path, lastmod in context["entries"]:
        modified = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{xml_text(base + url_path)}</loc>{modified}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def _site_feed_context(reader: Reader) -> dict[str, Any]:
    config = queries.config(reader)
    articles = [a for a in queries.latest_articles(reader, FEED_ENTRIES) if a.published]
    return {
        "config": config,
        "locale": queries.locale(reader),
        "path": "feed.xml",
        "title": config.title,
        "subtitle": config.description,
        "alternate": "",
        "entries": [(a, queries.feed_entry(reader, a.stem)) for a in articles],
    }


def _person_feed_context(pid: str):
    def context(reader: Reader) -> dict[str, Any]:
        config = queries.config(reader)
        person = queries.person_summary(reader, pid)
        articles = queries.person_latest(reader, pid, FEED_ENTRIES)
        locale = queries.locale(reader)
        return {
            "config": config,
            "locale": locale,
            "path": f"people/{pid}/feed.xml",
            "title": f"{person.name} — {config.title}",
            "subtitle": locale.gettext("Articles that name %(name)s") % {"name": person.name},
            "alternate": f"people/{pid}/",
            "entries": [(a, queries.feed_entry(reader, a.stem)) for a in articles],
        }

    return context


def _atom(context: dict[str, Any]) -> bytes:
    """An Atom feed (RFC 4287): one entry per article, newest first."""
    config = context["config"]
    locale = context["locale"]
    base = config.base_url
    entries = context["entries"]
    entry_times = distinct_timestamps([entry["updated"] or article.published for article, entry in entries])
    updated = max(entry_times, default=_timestamp(datetime.date(1970, 1, 1)))
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={_attr(config.language)}>',
        f"  <title>{xml_text(context['title'])}</title>",
    ]
    if context["subtitle"]:
        out.append(f"  <subtitle>{xml_text(context['subtitle'])}</subtitle>")
    out += [
        f"  <id>{xml_text(base + context['path'])}</id>",
        f'  <link rel="self" type="application/atom+xml" href={_attr(base + context["path"])}/>',
        f'  <link rel="alternate" type="text/html" href={_attr(base + context["alternate"])}/>',
        f"  <updated>{updated}</updated>",
        f"  <author><name>{xml_text(config.title)}</name></author>",
    ]
    for (article, entry), entry_updated in zip(entries, entry_times, strict=True):
        url = f"{base}articles/{article.slug}/"
        category = locale.gettext("Outlet: %(outlet)s") % {"outlet": article.outlet}
        out += [
            "  <entry>",
            f"    <title{_lang(article.language)}>{xml_text(article.title)}</title>",
            f"    <id>{xml_text(url)}</id>",
            f'    <link rel="alternate" type="text/html" href={_attr(url)}/>',
            f"    <published>{_timestamp(article.published)}</published>",
            f"    <updated>{entry_updated}</updated>",
            f"    <author><name>{xml_text(article.outlet or config.title)}</name></author>",
            f"    <category term={_attr(article.outlet)} label={_attr(category)}/>" if article.outlet else "",
            f"    <summary{_lang(article.language)}>{xml_text(entry['summary'])}</summary>" if entry["summary"] else "",
            f'    <content type="html">{xml_text(_entry_html(article, entry, base, locale))}</content>',
            "  </entry>",
        ]
    out.append("</feed>")
    return ("\n".join(line for line in out if line) + "\n").encode()


def _lang(language: str) -> str:
    """` xml:lang="ar"` for text in an article's own language, where it is not the feed's."""
    return f" xml:lang={_attr(language)}" if language else ""


def _entry_html(article: ArticleSummary, entry: dict[str, Any], base: str, locale: SiteLocale = ENGLISH) -> str:
    """The entry's text; its date stays ISO (a feed reader shows its own date, in its reader's language)."""
    parts = [f"<p>{escape(article.outlet)}, {escape(article.published.isoformat() if article.published else '')}</p>"]
    if entry["summary"]:
        parts.append(f"<p{lang_attrs(article.language) if article.language else ''}>{escape(entry['summary'])}</p>")
    if entry["claims"]:
        heading = locale.gettext("Annotated claims:")
        parts.append(f"<p>{escape(heading)}</p><ul>")
        for claim, label in entry["claims"]:
            parts.append(f'<li><a href="{escape(base)}claims/{escape(claim.id)}/"{lang_attrs()}>{escape(claim.text)}</a> ({escape(label)})</li>')
        parts.append("</ul>")
    return "".join(parts)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _escaped(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped, as `xml.sax.saxutils.escape` does, which is not imported: its module pulls in
    urllib, http, ssl and email (about 40 ms of every command's start) for this."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _attr(text: str) -> str:
    """A quoted XML attribute value, as `xml.sax.saxutils.quoteattr` quotes it: in double quotes, or in single
    quotes when the value holds a double quote and no single one, else with ``&quot;``."""
    value = _escaped(_NOT_XML.sub("", text)).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', "&quot;") + '"'


def xml_text(text: str) -> str:
    """Escape text for XML, dropping characters XML 1.0 cannot contain at all."""
    return _escaped(_NOT_XML.sub("", text))


def _timestamp(day: datetime.date, seconds: int = 0) -> str:
    moment = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=seconds)
    return f"{moment.isoformat()}Z"


def distinct_timestamps(days: list[datetime.date]) -> list[str]:
    """Atom `updated` values for entries listed newest first: the day at midnight, plus one second per
    entry below it on the same day, so no two entries tie (readers and validators take a tie as one
    entry changed twice) and the order stays the feed's. Counting from the bottom keeps an entry's
    value when newer ones are added above it."""
    below: dict[datetime.date, int] = {}
    times = [""] * len(days)
    for index in reversed(range(len(days))):
        day = days[index]
        times[index] = _timestamp(day, below.get(day, 0))
        below[day] = below.get(day, 0) + 1
    return times


def _json(context: dict[str, Any]) -> bytes:
    """An export as JSON, one record per line (see `export.records_json`)."""
    data = context["data"]
    head = {name: value for name, value in data.items() if not isinstance(value, list)}
    lists = {name: [compact_json(item) for item in value] for name, value in data.items() if isinstance(value, list)}
    return records_json(head, lists)


def _data_json_context(reader: Reader) -> dict[str, Any]:
    """data.json's fields and its records, each record a read of its own (`site_reads`): an edit
    computes again only the records whose parts changed, a watch session keeps the others."""
    ids = site_queries.export_ids(reader)
    return {
        "head": site_queries.export_head(reader),
        "lists": {name: [site_queries.EXPORT_RECORD[kind](reader, entity_id) for entity_id in entity_ids]
                  for (name, kind), entity_ids in zip(EXPORT_RECORDS.items(), ids)},
    }


def _data_json(context: dict[str, Any]) -> bytes:
    """data.json: its records joined as they are (each encoded once, when made)."""
    head = dict(context["head"])
    statuses = [compact_json_bytes(status) for status in head.pop("statuses")]
    return records_json_bytes(head, {"statuses": statuses, **context["lists"]})


def _timeline_json_context(reader: Reader) -> dict[str, Any]:
    """The timeline in TimelineJS's JSON format, so it can be embedded elsewhere.

    TimelineJS puts every text field into the page as HTML, so each is
    exported as HTML: plain fields (titles, names) escaped, the description
    as the safe HTML digest renders from its Markdown. ``group`` and
    ``display_date`` are escaped twice: TimelineJS 3.9 "strips markup" from
    them by parsing them as HTML and taking the text, which decodes one
    level of escaping, and then writes the result into the page as HTML."""
    config = queries.config(reader)
    locale = queries.locale(reader)
    events = []
    for event in queries.events(reader):
        date = event.date
        assert date is not None, "the graph keeps only dated events (link.link_site)"
        start = date.earliest or date.latest
        if start is None:
            continue
        item: dict[str, Any] = {
            "unique_id": f"event-{event.id}",
            "start_date": _timelinejs_date(start, date.precision if date.earliest else "day"),
            "display_date": _html(_html(date.display(locale))),
            "text": {"headline": _html(event.title), "text": str(render_markdown(event.description)) if event.description else ""},
        }
        if date.time is not None:
            item["start_date"].update(_timelinejs_time(date.time))
        if (date.is_interval or date.one_of) and date.earliest and date.latest:
            # TimelineJS draws both as a span; display_date says which ("between ..." for one of a set).
            item["end_date"] = _timelinejs_date(date.latest, "day")
        people = [queries.person_summary(reader, pid).name for pid in event.people]
        if people:
            item["group"] = _html(_html(people[0]))
        events.append(item)
    data = {"title": {"text": {"headline": _html(config.title), "text": _html(config.description)}}, "events": events}
    return {"data": data}


def _html(text: str) -> str:
    """Plain text as HTML, for a consumer that renders the field as HTML."""
    return str(escape(text))


def _timelinejs_date(day: Day, precision: str) -> dict[str, str]:
    # A Day (years before 1 negative, astronomical, as EDTF writes them) serves as a date here.
    parts = {"year": str(day.year)}
    if precision in ("day", "month", "season"):
        parts["month"] = str(day.month)
    if precision == "day":
        parts["day"] = str(day.day)
    return parts


def _timelinejs_time(time: TimeOfDay) -> dict[str, str]:
    """A time of day as TimelineJS reads it (as written: TimelineJS has no time zones)."""
    return {"hour": str(time.hour), "minute": str(time.minute), "second": str(time.second)}
