"""The reads of `site_reads.py` that are not the graph's, as typed functions: one per read kind, named after it.

The counterpart of `views/queries.py` (see there why) for the reads that
need the whole site: the outlets and the comparison, the sitemap and the
records of the export. It sits in `render/` because those reads do; it
imports no module that reads for a page, so pages may import it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from digest.views.outlets import ComparisonPage, OutletPage, OutletSummary
from digest.views.reads import Reader

# --- outlets -----------------------------------------------------------------


def outlets(reader: Reader) -> tuple[OutletSummary, ...]:
    return reader.read("outlets")


def outlets_top(reader: Reader, count: int) -> tuple[tuple[OutletSummary, ...], int]:
    """The outlets with the most articles, and how many outlets there are in all."""
    return reader.read("outlets-top", str(count))


def outlet_page(reader: Reader, slug: str, number: int) -> OutletPage:
    return reader.read("outlet-page", f"{slug}/{number}")


def outlet_slugs(reader: Reader) -> tuple[tuple[str, str], ...]:
    """(outlet name, its URL slug) pairs."""
    return reader.read("outlet-slugs")


def comparison_page(reader: Reader, number: int) -> ComparisonPage:
    return reader.read("comparison-page", str(number))


# --- publishing --------------------------------------------------------------


def sitemap(reader: Reader) -> tuple[tuple[str, datetime.date | None], ...]:
    """(page's URL path, when its content last changed) for every HTML page."""
    return reader.read("sitemap")


def export_head(reader: Reader) -> dict[str, Any]:
    """data.json's fields other than its lists of records."""
    return reader.read("export-head")


def export_ids(reader: Reader) -> tuple[tuple[str, ...], ...]:
    """The ids of data.json's records: articles, people, claims, events."""
    return reader.read("export-ids")


def export_article(reader: Reader, stem: str) -> bytes:
    """An article's record of data.json, as compact JSON in UTF-8."""
    return reader.read("export-article", stem)


def export_person(reader: Reader, pid: str) -> bytes:
    return reader.read("export-person", pid)


def export_claim(reader: Reader, cid: str) -> bytes:
    return reader.read("export-claim", cid)


def export_event(reader: Reader, eid: str) -> bytes:
    return reader.read("export-event", eid)


EXPORT_RECORD: MappingProxyType[str, Callable[[Reader, str], bytes]] = MappingProxyType({
    "article": export_article,
    "person": export_person,
    "claim": export_claim,
    "event": export_event,
})
"""The read of one record of data.json by the kind `export.EXPORT_RECORDS` gives its list."""
