"""Full-text search: a Pagefind index of the rendered site (the search stage).

It runs after rendering and before the new site is swapped in, over the
pages about to be published: a full build's stage folder (see
`write.Stage`), or, in watch mode, a temporary copy of the pages that mark
their searchable part (``data-pagefind-body``). One small record per
timeline event is added (events live on the timeline page, not on pages of
their own), the Pagefind indexer runs there, and its bundle comes back as
more output files under ``pagefind/``. The live output folder is never
touched, so a failed index leaves the last site as it was. Same pages in, same bytes out (Pagefind's
filter indexes are put in a stable order by `searchbundle`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

from digest.listing import event_path
from digest.model import SiteGraph
from digest.render import render_markdown
from digest.searchbundle import BundleFormatError, BundleTruncated, canonical_bundle

BUNDLE = "pagefind/"
"""Where the index and Pagefind's UI go in the site."""
SEARCHABLE = b"data-pagefind-body"
RECORDS = "_digest_records"
"""Folder of the event records inside the temporary site: never published."""
TIMEOUT = 600


class SearchIndexError(Exception):
    """The indexer is missing or failed: the message says what to do."""


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A timeline event as a search result of its own, linking to its entry."""

    id: str
    url: str
    """Site-absolute: base path + 'timeline/<year>/#event-<id>'."""
    title: str
    date: str
    text: str
    """Description (HTML), people and the outlets' quotes."""
    outlets: tuple[str, ...]
    language: str


def event_records(graph: SiteGraph) -> tuple[EventRecord, ...]:
    base = graph.config.base_path
    records = []
    for event in graph.events.values():
        people = [graph.people[pid] for pid in event.people if pid in graph.people]
        names = [person.name for person in people]  # aliases find the person's own page
        quotes, outlets = [], []
        for occurrence in event.occurrences:
            article = graph.articles.get(occurrence.article)
            if article is None:
                continue
            outlets.append(article.outlet)
            quotes += [f"{article.outlet}: “{quote}”" for quote in occurrence.quotes]
        text = "".join([
            str(render_markdown(event.description)),
            f"<p>{escape(', '.join(names))}</p>" if names else "",
            "".join(f"<p>{escape(quote)}</p>" for quote in quotes),
        ])
        records.append(EventRecord(
            event.id, base + event_path(event.id, event.date), event.title,
            event.date.display() if event.date else "", text,
            tuple(dict.fromkeys(outlet for outlet in outlets if outlet)), graph.config.language,
        ))
    return tuple(records)


def _record_html(record: EventRecord) -> str:
    outlets = "".join(f'<span data-pagefind-filter="outlet">{escape(outlet)}</span>' for outlet in record.outlets)
    return (
        f'<!doctype html><html lang="{escape(record.language)}"><head><meta charset="utf-8"><title>{escape(record.title)}</title></head>'
        f'<body data-pagefind-body data-pagefind-filter="kind:event">'
        f'<h1>{escape(record.title)}</h1>'
        f'<span data-pagefind-meta="url:{escape(record.url)}"></span>'
        f"<p>{escape(record.date)}</p>{record.text}"
        f'<div data-pagefind-ignore>{outlets}</div></body></html>\n'
    )


def searchable(path: str, data: bytes) -> bool:
    return path.endswith(".html") and SEARCHABLE in data


def inputs_digest(page_digests: Mapping[str, bytes], records: tuple[EventRecord, ...]) -> bytes:
    """What an index is made from (every page's digest, the records, the indexer): equal inputs, equal index."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(page_digests):
        digest.update(path.encode() + b"\0" + page_digests[path])
    digest.update(repr(records).encode())
    digest.update(pagefind_version().encode())
    return digest.digest()


def build_index(pages: Mapping[str, bytes], records: tuple[EventRecord, ...], cancel: threading.Event | None = None) -> dict[str, bytes]:
    """Index ``pages`` (site path -> HTML) and ``records``; return the bundle's files by site path."""
    with tempfile.TemporaryDirectory(prefix="digest-search-") as temporary:
        site = Path(temporary) / "site"
        site.mkdir()
        for path, data in pages.items():
            target = site / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return index_folder(site, records, cancel)


def index_live_pages(output: Path, pages: Iterable[str], records: tuple[EventRecord, ...], cancel: threading.Event | None = None) -> dict[str, bytes]:
    """Index pages of a live output folder (watch mode) from a snapshot of them.

    The snapshot is a folder of hard links beside the output (copies where
    links are refused): it costs no memory, and a page a newer build
    replaces meanwhile (atomically, so as a new file) keeps its indexed
    version. The folder's name starts with a dot, which the watcher ignores.
    """
    snapshot = Path(tempfile.mkdtemp(prefix=".digest-search-", dir=output.parent))
    try:
        for path in pages:
            target = snapshot / path
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(output / path, target)
            except OSError:
                shutil.copyfile(output / path, target)
        return index_folder(snapshot, records, cancel)
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)


def index_folder(site: Path, records: tuple[EventRecord, ...], cancel: threading.Event | None = None) -> dict[str, bytes]:
    """Index the pages in a folder (a temporary copy, or a full build's stage) and ``records``.

    Pagefind indexes only the pages marked ``data-pagefind-body`` when any
    page is, so unmarked pages in the folder are skipped. The records and
    the indexer's own output are removed from the folder again; the bundle
    comes back, in a stable order, as site path -> bytes. Setting ``cancel``
    stops the indexer (`IndexCancelled`): watch mode does when a newer
    build makes the index being made out of date.
    """
    binary = pagefind_binary()
    if binary is None:
        raise SearchIndexError("the Pagefind indexer is not installed: pip install 'pagefind[bin]', or set 'search: false' in content/site.yaml")
    scratch = site / RECORDS
    bundle = site / BUNDLE
    if scratch.exists() or bundle.exists():
        raise SearchIndexError(f"the site already has a {RECORDS}/ or {BUNDLE} folder")
    try:
        for record in records:
            target = scratch / f"{record.id}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_record_html(record), encoding="utf-8")
        command = [str(binary), "--site", str(site), "--output-subdir", BUNDLE.rstrip("/"), "--silent"]
        returncode, output = _run_indexer(command, site, cancel)
        if returncode != 0:
            detail = output.strip().splitlines()
            raise SearchIndexError(f"the Pagefind indexer failed (exit {returncode}): {detail[-1] if detail else 'no message'}")
        if not bundle.is_dir():
            raise SearchIndexError("the Pagefind indexer wrote no index")
        files = {BUNDLE + p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(bundle, ignore_errors=True)
    try:
        return canonical_bundle(files)
    except BundleTruncated as exc:
        raise SearchIndexTruncated(str(exc)) from exc
    except BundleFormatError as exc:
        raise SearchIndexError(f"unexpected Pagefind output ({exc}); digest supports pagefind 1.5") from exc


class SearchIndexTruncated(SearchIndexError):
    """Pagefind's output ends too soon: it was written on a (nearly) full disk."""


class IndexCancelled(SearchIndexError):
    """The indexer was stopped because its result was no longer wanted."""


def _run_indexer(command: list[str], site: Path, cancel: threading.Event | None) -> tuple[int, str]:
    """Run Pagefind; its exit code and what it printed (errors last)."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=site)
    except OSError as exc:
        raise SearchIndexError(f"the Pagefind indexer could not run: {exc}") from exc
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            stdout, stderr = process.communicate(timeout=0.1)
            return process.returncode, stdout + stderr
        except subprocess.TimeoutExpired:
            if (cancel is not None and cancel.is_set()) or time.monotonic() > deadline:
                process.kill()
                process.communicate()
                if cancel is not None and cancel.is_set():
                    raise IndexCancelled("cancelled") from None
                raise SearchIndexError(f"the Pagefind indexer took longer than {TIMEOUT} s") from None


def pagefind_binary() -> Path | None:
    """The indexer: from the `pagefind[bin]` package, else on PATH."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        found = shutil.which("pagefind")
        return Path(found) if found else None
    try:
        return Path(get_executable())
    except FileNotFoundError:
        return None


_VERSION: list[str] = []


def pagefind_version() -> str:
    if not _VERSION:
        binary = pagefind_binary()
        version = ""
        if binary is not None:
            try:
                version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                version = ""
        _VERSION.append(version)
    return _VERSION[0]
