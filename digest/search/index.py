"""Full-text search: a sharded Pagefind index of the rendered pages (the search stage).

It runs after rendering and before the new site is swapped in. Each page's
searchable part (see `shards.py`: handed over by the render step for the
pages it rendered, `PagePart`, else cut from the page read back) goes into
one of a few stable shards;
a shard whose pages and event records are unchanged keeps its index, the
others are made again, each by its own Pagefind run, two at a time, fed
through Pagefind's service in a fixed order. Each shard's index goes to
``pagefind/<shard>/``, the shared UI files to ``pagefind/``, and
``pagefind/shards.json`` names the shards for the search page, which
searches them together (Pagefind's ``mergeIndex``) through digest's facade,
which searches only the shards that ``pagefind/vocabulary/`` says hold every
query word (see `vocabulary.py`). One small record per
timeline event is added (events live on the timeline page, not on pages of
their own). The live output folder is never touched, so a failed index
leaves the last site as it was. Same pages in, same bytes out: the order
pages are fed in is fixed, and Pagefind's filter indexes are put in a
stable order by `searchbundle`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from markupsafe import escape

from digest.graph.model import Event, SiteGraph
from digest.render.templates import render_markdown, search_words
from digest.search.bundle import BundleFormatError, BundleTruncated, canonical_bundle
from digest.search.shards import PEOPLE, PagePart, ShardPlan, digest_part, plan_shards, searchable_part, shard_digest
from digest.search.vocabulary import FACADE, WORDS, decode_words, encode_words, facade_script, shard_words, vocabulary_bundle, vocabulary_records
from digest.search.vocabulary import FOLDER as VOCABULARY
from digest.search.vocabulary import FORMAT as VOCABULARY_FORMAT
from digest.search.vocabulary import WORKER as VOCABULARY_WORKER
from digest.views.listing import event_path

log = logging.getLogger(__name__)

BUNDLE = "pagefind/"
"""Where the index and Pagefind's UI go in the site."""
RECORDS = "_digest_records"
"""Where the event records are said to be (their own URLs are given inside them)."""
TIMEOUT = 600
NOT_INDEXED = (".ref",)
"""Left out of the index: the status and date chips after an article's highlights are the site's labels, not
the article's words; indexed, they ran into the text around them in results ("Security Councilclaim, Reported")."""


class SearchIndexError(Exception):
    """The indexer is missing or failed: the message says what to do."""


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A timeline event as a search result of its own, linking to its entry.

    It holds what its HTML is made from, not the HTML: a build plans every
    shard (their digests are made from the records) but indexes only the
    stale ones, so the description's Markdown is rendered (`text`) for the
    events of those shards alone, not for every event of the site."""

    id: str
    url: str
    """Site-absolute: base path + 'timeline/<year>/#event-<id>'."""
    title: str
    date: str
    description: str
    """Markdown."""
    names: tuple[str, ...]
    """The people's names (aliases find the person's own page)."""
    quotes: tuple[str, ...]
    """'Outlet: “quote”', each outlet's quotes of the event."""
    outlets: tuple[str, ...]
    language: str
    words: tuple[tuple[str, str], ...]
    """The search filters' names and kinds in the site's language (`templates.search_words`)."""

    @property
    def text(self) -> str:
        """Description (HTML), people and the outlets' quotes."""
        return "".join([
            str(render_markdown(self.description)),
            f"<p>{escape(', '.join(self.names))}</p>" if self.names else "",
            "".join(f"<p>{escape(quote)}</p>" for quote in self.quotes),
        ])


def event_records(graph: SiteGraph) -> tuple[EventRecord, ...]:
    words = tuple(search_words(graph.locale).items())
    dated: dict[str, str] = {}
    return tuple(event_record(graph, event, words, dated) for event in graph.events.values())


def event_record(graph: SiteGraph, event: Event, words: tuple[tuple[str, str], ...], dated: dict[str, str] | None = None) -> EventRecord:
    """One event's record; made from the event, its people's names, its articles' outlets, the base path and the language
    (a watch session remembers it while those are the very same objects: `session.BackgroundIndexer`). Its description's
    Markdown is rendered only when its shard is indexed (`EventRecord.text`).

    ``dated``: each date's wording so far, by its EDTF text, for the records of one graph: it depends on the date
    and the graph's language alone, and the 11,180 events of a 10,000-article site have 4,274 dates."""
    names = tuple(graph.people[pid].name for pid in event.people if pid in graph.people)  # aliases find the person's own page
    quotes, outlets = [], []
    for occurrence in event.occurrences:
        article = graph.articles.get(occurrence.article)
        if article is None:
            continue
        outlets.append(article.outlet)
        quotes += [f"{article.outlet}: “{quote}”" for quote in occurrence.quotes]
    return EventRecord(
        event.id, graph.config.base_path + event_path(event.id, event.date), event.title, _date_wording(graph, event, dated),
        event.description, names, tuple(quotes), tuple(dict.fromkeys(outlet for outlet in outlets if outlet)), graph.config.language, words,
    )


def _date_wording(graph: SiteGraph, event: Event, dated: dict[str, str] | None) -> str:
    """An event's date in the site's language, each date's worded once for a graph's records (``dated``, by its EDTF text)."""
    if event.date is None:
        return ""
    if dated is None:
        return event.date.display(graph.locale)
    found = dated.get(event.date.text)
    if found is None:
        found = dated[event.date.text] = event.date.display(graph.locale)
    return found


def _record_html(record: EventRecord) -> str:
    words = dict(record.words)
    outlets = "".join(f'<span data-pagefind-filter="{escape(words["outlet"])}">{escape(outlet)}</span>' for outlet in record.outlets)
    return (
        f'<!doctype html><html lang="{escape(record.language)}"><head><meta charset="utf-8"><title>{escape(record.title)}</title></head>'
        f'<body data-pagefind-body data-kind="{escape(words["event"])}" data-pagefind-filter="{escape(words["kind"])}[data-kind]">'
        f'<h1>{escape(record.title)}</h1>'
        f'<span data-pagefind-meta="url:{escape(record.url)}"></span>'
        f"<p>{escape(record.date)}</p>{record.text}"
        f'<div data-pagefind-ignore>{outlets}</div></body></html>\n'
    )


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """What the search index is made from this time, and which shards must be made again."""

    pages: dict[str, tuple[bytes, bytes | None]]
    """Page path -> (digest of the page, digest of its searchable part or None): kept in
    `BuildState.search_pages`, so an unchanged page is not read again next time."""
    shards: ShardPlan
    digests: dict[str, bytes]
    """Shard name -> digest of its inputs (`BuildState.search_shards`)."""
    whole: bool
    """Nothing is marked searchable and there are no events: pages are indexed whole."""

    @property
    def inputs(self) -> bytes:
        """One digest of the whole index's inputs."""
        digest = hashlib.blake2b(digest_size=16)
        for name in sorted(self.digests):
            digest.update(name.encode() + b"\0" + self.digests[name])
        return digest.digest()


def plan_search(
    outputs: Mapping[str, bytes],
    records: tuple[EventRecord, ...],
    known: Mapping[str, tuple[bytes, bytes | None]],
    read: Callable[[str], bytes],
    language: str,
    handed: Mapping[str, PagePart | None] | None = None,
) -> SearchPlan:
    """Find each page's searchable part and split them into shards.

    A page unchanged since ``known`` keeps its part's digest; one the render
    step handed over (``handed``: page path -> `PagePart`, or None for a page
    with nothing marked) is not read; only the other changed pages are."""
    pages: dict[str, tuple[bytes, bytes | None]] = {}
    handed = handed if handed is not None else {}
    for path in sorted(path for path in outputs if path.endswith(".html") and not path.startswith(BUNDLE)):  # not the index's files
        digest = outputs[path]
        old = known.get(path)
        if old is not None and old[0] == digest:
            pages[path] = old
        elif path in handed:
            given = handed[path]
            pages[path] = (digest, None if given is None else given.digest)
        else:
            part = searchable_part(read(path))
            pages[path] = (digest, None if part is None else digest_part(part))
    whole = not records and all(part is None for _, part in pages.values())
    parts = {path: digest if whole else part for path, (digest, part) in pages.items()}
    searched = {path: part for path, part in parts.items() if part is not None}
    shards = plan_shards(searched, (record.id for record in records))
    by_id = {record.id: record for record in records}
    indexer = f"{pagefind_version()} {language} {SHARD_FORMAT}"
    digests = {
        name: shard_digest(
            name,
            {path: searched[path] for path in shards.pages.get(name, ())},
            repr([by_id[rid] for rid in shards.records.get(name, ())]),
            indexer,
        )
        for name in shards.names
    }
    if digests:
        digests[VOCABULARY] = vocabulary_digest(digests)
    return SearchPlan(pages, shards, digests, whole)


def vocabulary_digest(shards: Mapping[str, bytes]) -> bytes:
    """What the vocabulary index is made from: every shard (their words follow from their inputs)."""
    digest = hashlib.blake2b(VOCABULARY_FORMAT.encode(), digest_size=16)
    for name in sorted(shards):
        digest.update(name.encode() + b"\0" + shards[name])
    return digest.digest()


SHARD_FORMAT = "shards-4"
"""Changes when the way shards are made changes, so every shard is made again (3: event records render their Markdown when indexed; 4: each shard has its word list, `vocabulary.WORDS`)."""
MANIFEST = BUNDLE + "shards.json"
"""The names of the shards, read by the search page (search.js) to merge them."""
_SHARD_FILE = re.compile(r"^(pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|wasm\.[^/]+\.pagefind|(fragment|index|filter)/.+|" + re.escape(WORDS) + ")$")


def shard_of(path: str) -> str | None:
    """The shard a file of the bundle belongs to (the vocabulary's web worker is the vocabulary's, `vocabulary.WORKER`);
    None for the shared files (the UI, pagefind.js)."""
    if not path.startswith(BUNDLE):
        return None
    shard, slash, rest = path[len(BUNDLE):].partition("/")
    return shard if slash and (_SHARD_FILE.match(rest) or (shard == VOCABULARY and rest == VOCABULARY_WORKER)) else None


def make_shards(
    plan: SearchPlan,
    names: Iterable[str],
    read: Callable[[str], bytes],
    records: tuple[EventRecord, ...],
    language: str,
    cancel: threading.Event | None = None,
    handed: Mapping[str, PagePart | None] | None = None,
    done: Callable[[str, bytes], None] | None = None,
) -> dict[str, bytes]:
    """Index the shards ``names`` of ``plan``, two at a time; their files (under pagefind/<shard>/, with
    each one's word list, `vocabulary.WORDS`) and the shared files of the bundle (the UI, pagefind.js, the
    facade), by site path. A page's part is taken from ``handed`` (see `plan_search`) when it is there,
    else cut from the page, read with ``read``. ``done``: each shard's files but its word list are handed
    to it as the shard's run ends, and not returned (a build writes them while the other runs go on: at
    10,000 articles 39,000 files, 1.6 to 7 s of the kernel's time when written after the last run)."""
    by_id = {record.id: record for record in records}
    wanted = sorted(names)
    given = handed if handed is not None and not plan.whole else {}

    def run(name: str) -> dict[str, bytes]:
        if cancel is not None and cancel.is_set():
            raise IndexCancelled("cancelled")
        pages = []
        for path in plan.shards.pages.get(name, ()):
            found = given.get(path)
            if found is not None:
                part: bytes | None = found.html
            else:
                html = read(path)
                part = html if plan.whole else searchable_part(html)
            if part is not None:
                pages.append((path, part))
        shard_records = tuple(by_id[rid] for rid in plan.shards.records.get(name, ()))
        bundle = index_shard(pages, shard_records, language, cancel)
        try:
            bundle[WORDS] = encode_words(shard_words(bundle))
        except BundleFormatError as exc:
            raise _unexpected(exc) from exc
        return bundle

    files: dict[str, bytes] = {}
    with ThreadPoolExecutor(max_workers=INDEXERS) as pool:
        for name, bundle in zip(wanted, pool.map(run, wanted)):
            for rel, data in bundle.items():
                if not _SHARD_FILE.match(rel):
                    files[BUNDLE + rel] = data  # the same with every shard
                elif done is not None and rel != WORDS:
                    done(f"{BUNDLE}{name}/{rel}", data)
                else:
                    files[f"{BUNDLE}{name}/{rel}"] = data
    files[BUNDLE + FACADE] = facade_script()
    return files


@dataclass(frozen=True, slots=True)
class IndexFiles:
    """What the index of a plan needs written: the files made now, and the old ones it keeps as they are."""

    new: dict[str, bytes]
    kept: list[str]


def index_files(
    plan: SearchPlan,
    old_outputs: Iterable[str],
    old_shards: dict[str, bytes],
    read: Callable[[str], bytes],
    records: tuple[EventRecord, ...],
    language: str,
    cancel: threading.Event | None = None,
    read_live: Callable[[str], bytes] | None = None,
    handed: Mapping[str, PagePart | None] | None = None,
    done: Callable[[str, bytes], None] | None = None,
) -> IndexFiles:
    """Index again the shards of ``plan`` whose digests differ from ``old_shards``; keep the others' files.

    ``old_outputs``: the files the site holds now. The shared files (the UI,
    pagefind.js) are made with any shard and kept when none is; the manifest
    is always new; the vocabulary is made again with any shard, from the word
    lists of the new shards and those of the kept ones, read from the live
    site with ``read_live`` (default ``read``). ``handed``: the parts of the
    pages rendered now (see `plan_search`). ``done``: takes the new shards'
    files as each is made (`make_shards`); the others are in the result's
    ``new``. Used by a build and by watch mode's background indexer."""
    old_files = [path for path in old_outputs if path.startswith(BUNDLE)]
    stale = [name for name, digest in plan.digests.items() if old_shards.get(name) != digest]
    shards = [name for name in stale if name != VOCABULARY]
    new = make_shards(plan, shards, read, records, language, cancel, handed, done) if shards else {}
    if VOCABULARY in stale and same_words(plan.shards.names, shards, old_shards, new, read_live or read):
        stale.remove(VOCABULARY)  # the same records would make the same bytes
    elif VOCABULARY in stale:
        new.update(vocabulary_files(plan.shards.names, new, read_live or read, language, cancel))
    new[MANIFEST] = manifest(plan)
    unchanged: set[str | None] = {name for name in plan.digests if name not in stale}
    if not shards:
        unchanged.add(None)  # the files all shards share, made with any shard
    kept = [path for path in old_files if path not in new and shard_of(path) in unchanged]
    return IndexFiles(new, kept)


def same_words(names: tuple[str, ...], indexed: list[str], old_shards: Mapping[str, bytes], new: Mapping[str, bytes],
               read_live: Callable[[str], bytes]) -> bool:
    """Whether the live site's vocabulary was made from the same shards and the same word lists as the new one would be.

    An edit that brings no word its shard lacked (a status, a date, most
    rewordings in a shard of hundreds of pages) then costs no vocabulary
    run: only the re-indexed shards' lists are compared, the live site's
    read back."""
    old_names = sorted(name for name in old_shards if name != VOCABULARY)
    if old_names != sorted(names) or old_shards.get(VOCABULARY) != vocabulary_digest({name: old_shards[name] for name in old_names}):
        return False
    for name in indexed:
        path = f"{BUNDLE}{name}/{WORDS}"
        try:
            if read_live(path) != new[path]:
                return False
        except FileNotFoundError:
            return False
    return True


def vocabulary_files(
    names: Iterable[str], new: Mapping[str, bytes], read_live: Callable[[str], bytes], language: str, cancel: threading.Event | None = None
) -> dict[str, bytes]:
    """The vocabulary index of the shards ``names`` (see `vocabulary.py`), by site path: each shard's word
    list from ``new`` when it was indexed now, else read from the live site."""
    words = {}
    for name in names:
        path = f"{BUNDLE}{name}/{WORDS}"
        data = new.get(path)
        try:
            words[name] = decode_words(data if data is not None else read_live(path), path)
        except BundleFormatError as exc:  # the live site's list, changed since it was written
            raise SearchIndexError(f"the search index's word list {path} is damaged ({exc}); delete {BUNDLE} and build again") from exc
    files = vocabulary_bundle(index_records(vocabulary_records(words, language or "en"), language, cancel))
    return {f"{BUNDLE}{VOCABULARY}/{rel}": data for rel, data in files.items()}


def manifest(plan: SearchPlan) -> bytes:
    """``pagefind/shards.json``: the shards the search page merges, the first one its primary index,
    and the ranking options of the people's shards (`names_weights`)."""
    ranking = {name: {"metaWeights": {"names": weight}} for name, weight in names_weights(plan.shards).items()}
    return (json.dumps({"shards": list(plan.shards.names), "ranking": ranking}, sort_keys=True) + "\n").encode()


NAMES_WEIGHT = 100.0
"""How much a match in a person's names (``names`` metadata: name and aliases) adds, in units
of the rarest word's weight in the largest shard: far more than another page scores for the
same word. That is at most 2.4 for its text and 5 for its title (Pagefind's BM25 saturation and
title weight), but each word the query extends to counts again ("Sullivan" finds "Sullivan" and
"Sullivan's"), and a title's weight grows with the square of them: 2 such words give 50."""


def names_weights(shards: ShardPlan) -> dict[str, float]:
    """The ``names`` metadata weight of each people shard, so a person's page comes first for their names.

    Pagefind scores a page within its own index: a word's weight (its IDF)
    grows with the number of pages in the index, and the merged results
    are sorted by those scores. A people shard is small (a few people
    beside hundreds of articles), so a name found on one person's page
    weighs less there than any rare word in a big shard. Scaling the names
    boost by the ratio of the two puts it above whatever another shard
    scores for that word, whatever the sizes.
    """
    sizes = {name: len(shards.pages.get(name, ())) + len(shards.records.get(name, ())) for name in shards.names}
    largest = _rarest_idf(max(sizes.values(), default=1))
    return {
        name: round(NAMES_WEIGHT * max(1.0, largest / _rarest_idf(size)), 3)
        for name, size in sizes.items() if name.partition("-")[0] == PEOPLE
    }


def _rarest_idf(pages: int) -> float:
    """Pagefind's IDF of a word found on one page of an index of ``pages`` pages (its `calculate_idf`)."""
    return math.log((pages - 1 + 0.5) / (1 + 0.5) + 1)


INDEXERS = 2
"""Pagefind runs at a time: the two cores digest is built for."""


def index_shard(
    pages: list[tuple[str, bytes]], records: tuple[EventRecord, ...], language: str, cancel: threading.Event | None = None
) -> dict[str, bytes]:
    """One Pagefind run over ``pages`` (site path, HTML) and ``records``, fed in that order.

    The pages go to Pagefind's service through its pipe, one by one, so the
    index numbers them in a fixed order whatever file system the site is on
    (`--site` walks a folder in directory order); every page is indexed in
    the site's ``language`` (one index the search page can merge with the
    others, an Arabic article among English ones included). The bundle comes
    back in memory, canonical (`searchbundle`), by name inside the bundle.
    """
    requests = [{"type": "AddFile", "file_path": path, "url": None, "file_contents": html.decode("utf-8", "replace")} for path, html in pages]
    requests += [{"type": "AddFile", "file_path": f"{RECORDS}/{record.id}.html", "url": None, "file_contents": _record_html(record)} for record in records]
    return index_records(requests, language, cancel)


def index_records(requests: Iterable[dict], language: str, cancel: threading.Event | None = None) -> dict[str, bytes]:
    """One Pagefind run: a new index in ``language``, then each request (``AddFile``, ``AddRecord``) in order; its bundle, canonical.

    A run whose indexer crashes is made once more, with a note: Pagefind 1.5 was seen to panic once
    among some thousand runs over pages it indexed every other time, which failed a whole build."""
    requests = list(requests)
    try:
        return _index_once(requests, language, cancel)
    except IndexerCrashed as crash:
        log.warning("note: %s; indexing the same pages again", crash)
        return _index_once(requests, language, cancel)


def _index_once(requests: list[dict], language: str, cancel: threading.Event | None) -> dict[str, bytes]:
    binary = pagefind_binary()
    if binary is None:
        raise SearchIndexError("the Pagefind indexer is not installed: pip install 'pagefind[bin]', or set 'search: false' in content/site.yaml")
    with _Service(binary, cancel) as service:
        index = service.request({"type": "NewIndex", "config": {"force_language": language or "en", "exclude_selectors": list(NOT_INDEXED)}})["index_id"]
        for request in requests:
            service.request({**request, "index_id": index})
        answer = service.request({"type": "GetFiles", "index_id": index})
    try:
        files = {item["path"]: base64.b64decode(item["content"], validate=True) for item in answer["files"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise SearchIndexError(f"unexpected answer from the Pagefind indexer ({exc})") from exc
    try:
        return canonical_bundle(files)
    except BundleFormatError as exc:
        raise _unexpected(exc) from exc


def _unexpected(exc: BundleFormatError) -> SearchIndexError:
    """Pagefind's output as digest cannot read it: cut short (a full disk), or laid out anew (another version)."""
    if isinstance(exc, BundleTruncated):
        return SearchIndexTruncated(str(exc))
    return SearchIndexError(f"unexpected Pagefind output ({exc}); digest supports pagefind 1.5")


class SearchIndexTruncated(SearchIndexError):
    """Pagefind's output ends too soon."""


class IndexerCrashed(SearchIndexError):
    """The indexer panicked (`RUST_PANIC`) before it answered."""


RUST_PANIC = 101
"""The exit status of a Rust program that panicked."""


class IndexCancelled(SearchIndexError):
    """The indexer was stopped because its result was no longer wanted."""


class _Service:
    """Pagefind's indexing service (``pagefind --service``): base64 JSON messages, each ending in a comma.

    It answers one message at a time, in order. A watcher thread kills the
    process when ``cancel`` is set or `TIMEOUT` passes, which ends any read.
    """

    def __init__(self, binary: Path, cancel: threading.Event | None):
        self.cancel = cancel
        self.timed_out = False
        self.number = 0
        try:
            self.process = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise SearchIndexError(f"the Pagefind indexer could not run: {exc}") from exc
        self.done = threading.Event()
        self.watcher = threading.Thread(target=self._watch, name="digest-pagefind-watch", daemon=True)
        self.watcher.start()

    def _watch(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not self.done.wait(0.05):
            if (self.cancel is not None and self.cancel.is_set()) or time.monotonic() > deadline:
                self.timed_out = not (self.cancel is not None and self.cancel.is_set())
                self.process.kill()
                return

    def __enter__(self) -> _Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.watcher.join()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()

    def request(self, payload: dict) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None, "both pipes were asked for"
        self.number += 1
        message = base64.b64encode(json.dumps({"message_id": self.number, "payload": payload}).encode()) + b","
        try:
            self.process.stdin.write(message)
            self.process.stdin.flush()
            answer = _read_until_comma(self.process.stdout)
        except (OSError, ValueError):
            answer = None
        if answer is None:
            raise self._stopped()
        try:
            reply = json.loads(base64.b64decode(answer))
        except ValueError as exc:
            raise SearchIndexError(f"unexpected answer from the Pagefind indexer ({exc})") from exc
        body = reply.get("payload", {}) if isinstance(reply, dict) else {}
        if body.get("type") == "Error":
            raise SearchIndexError(f"the Pagefind indexer failed: {body.get('message', 'no message')}")
        return body

    def _stopped(self) -> SearchIndexError:
        """The indexer stopped answering: why."""
        if self.cancel is not None and self.cancel.is_set():
            return IndexCancelled("cancelled")
        if self.timed_out:
            return SearchIndexError(f"the Pagefind indexer took longer than {TIMEOUT} s")
        self.process.wait()
        printed = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr is not None else ""
        failure = IndexerCrashed if self.process.returncode == RUST_PANIC else SearchIndexError
        return failure(f"the Pagefind indexer failed (exit {self.process.returncode}): {indexer_failure(printed)}")


def indexer_failure(printed: str) -> str:
    """What the indexer said of its failure: a Rust panic's place and message (its backtrace, printed when
    ``RUST_BACKTRACE`` is set, and its closing notes are left out), else its last line that is not a note."""
    lines = [line.strip() for line in printed.splitlines() if line.strip()]
    for number, line in enumerate(lines):
        if " panicked at " in line:
            message = lines[number + 1] if number + 1 < len(lines) and not lines[number + 1].startswith(("note:", "stack backtrace:")) else ""
            return f"{line} {message}".strip()
    told = [line for line in lines if not line.startswith("note:")]
    return told[-1] if told else "no message"


def _read_until_comma(stream: IO[bytes]) -> bytes | None:
    """One message: base64 never holds a comma. None at the end of the stream."""
    chunks = []
    while True:
        chunk = stream.peek(1 << 16)[: 1 << 16] if hasattr(stream, "peek") else b""
        if not chunk:
            return None
        comma = chunk.find(b",")
        if comma >= 0:
            chunks.append(stream.read(comma + 1)[:-1])
            return b"".join(chunks)
        chunks.append(stream.read(len(chunk)))


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
