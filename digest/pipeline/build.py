"""Run the pipeline: load -> validate -> link -> render -> write.

`render_source` runs load, validate and link and hands back a `Rendering`:
iterating over its files renders them, in memory, and, given the
`BuildState` of the previous build, renders only the pages whose recorded
reads or templates changed (the others are listed as `kept`). Nothing before
the write touches the output: `build_site` (`digest build`) streams the
files into a stage and swaps it in whole; watch mode (`session.py`) writes
them one by one; `render_site` and `digest check` keep them in memory.
`index_search` works out the search index from the rendered pages.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path, PurePosixPath
from typing import Any, cast

from jinja2 import TemplateError

from digest.caches import Caches
from digest.errors import BuildFailed, Diagnostic, Diagnostics, Location, MachineFault, machine_fault
from digest.graph.link import LinkMemory, link_site, parse_seed, seeds_to_parse
from digest.graph.model import SiteGraph, translated_statuses
from digest.graph.reindex import carry_index
from digest.pipeline.buildstate import BuildState, PageRecord, TemplateIndex, digest_bytes
from digest.pipeline.previoussite import LiveFiles
from digest.pipeline.workers import bind_to_parent, may_fork, stop_workers
from digest.pipeline.write import Stage, WriteReport, output_faults
from digest.render.export import records_by_read
from digest.render.page import Page, render_page
from digest.render.pages import article_page, own_pages, same_pages, site_pages
from digest.render.publish import publishing_pages
from digest.render.site_reads import CARRIED_READS, SITE_READS, SITE_SCOPES
from digest.render.templates import environment_for
from digest.search.index import BUNDLE as SEARCH_BUNDLE
from digest.search.index import IndexFiles, SearchIndexError, SearchIndexTruncated, event_records, index_files, plan_search
from digest.search.shards import PagePart, page_part
from digest.source.load import LoadedSite, load_site
from digest.source.theme import Theme
from digest.text.i18n import locale_from_catalogues
from digest.views.reads import Reader
from digest.views.topics import ScopeCheck, Topics, verifying_scopes


@dataclass(slots=True)
class BuildResult:
    graph: SiteGraph
    outputs: dict[str, bytes]
    """Files produced by this build: every file of a full build; of an
    incremental one, the pages it rendered again plus all copied files."""
    state: BuildState
    warnings: list[Diagnostic]
    rendered: list[str] = field(default_factory=list)
    """Pages rendered by this build."""
    removed: list[str] = field(default_factory=list)
    """Files of the previous build that no longer exist."""
    report: WriteReport | None = None
    seconds: float = 0.0

    @property
    def page_count(self) -> int:
        return sum(1 for path in self.state.outputs if path.endswith(".html"))


def render_site(
    root: Path,
    base_url: str | None = None,
    strict: bool = False,
    previous: BuildState | None = None,
    hash_assets: bool = True,
    drafts: bool = False,
    caches: Caches | None = None,
) -> BuildResult:
    """Everything but writing, every file kept in memory; raises BuildFailed with every problem found."""
    return render_source(root, base_url, strict, previous, hash_assets, drafts, caches=caches).collect()


def render_source(
    root: Path,
    base_url: str | None = None,
    strict: bool = False,
    previous: BuildState | None = None,
    hash_assets: bool = True,
    drafts: bool = False,
    first: frozenset[str] = frozenset(),
    changed: Iterable[str] | None = None,
    caches: Caches | None = None,
    before: SiteGraph | None = None,
) -> Rendering:
    """Load, validate and link a site root, and get ready to render it; raises BuildFailed with every problem found.

    ``first``: graph keys whose pages render before all others (see
    `Rendering`). ``changed``: what a watcher saw change since the last
    build (see `load_site`). ``caches``: the session's (see `caches.py`);
    without one, nothing is reused. ``before``: see `render_graph`."""
    caches = caches if caches is not None else Caches()
    diagnostics = Diagnostics()
    loaded = load_site(root, diagnostics, changed, caches)
    return render_loaded(root, loaded, diagnostics, base_url, strict, previous, hash_assets, drafts, first, caches, before)


def render_loaded(
    root: Path,
    loaded: LoadedSite,
    diagnostics: Diagnostics,
    base_url: str | None = None,
    strict: bool = False,
    previous: BuildState | None = None,
    hash_assets: bool = True,
    drafts: bool = False,
    first: frozenset[str] = frozenset(),
    caches: Caches | None = None,
    before: SiteGraph | None = None,
) -> Rendering:
    """`render_source` after the load: link what was loaded (``diagnostics``: what loading found), and get ready to render it."""
    caches = caches if caches is not None else Caches()
    clean = not diagnostics.items and not loaded.failed
    last_link = caches.link
    with SeedPrefetch.started(loaded, drafts, caches):
        graph = link_site(loaded, diagnostics, base_url, drafts, caches)
    failing = diagnostics.errors + (diagnostics.warnings if strict else [])
    if failing or graph is None:
        raise BuildFailed(diagnostics.sorted())
    _saved_topics_basis(caches, previous, last_link, graph)
    rendering = render_graph(root, loaded, graph, diagnostics, previous, hash_assets, first, caches, before)
    rendering.loaded = loaded if clean else None
    return rendering


PREFETCH_MINIMUM = 1_000
"""Seeds to parse from which a forked process parses them while the link goes on (`SeedPrefetch`)."""
PREFETCH_BATCH = 32
"""Parsed seeds the prefetching process sends in one message."""


class SeedPrefetch(dict):
    """The session's parsed seeds (`Caches.seeds`) while a forked process parses the seeds the link will ask for.

    Parsing the seeds (markdown-it's parse of a Markdown seed, the blocks of a plain one) is half of a cold
    link's work, which otherwise keeps one core busy and leaves the other idle (at 10,000 articles 4.9 s of
    the link's 10.7 s). The process parses them in the order the link asks for them
    (`link.seeds_to_parse`) and sends them back pickled (0.7 s to pickle and 0.8 s to unpickle at 10,000);
    when the link asks for a seed still being parsed (`get`), this process takes what has come meanwhile
    until it is there. A seed the process never sends (it failed, or the link asks for one it was not
    given) is parsed by the link itself, as without a prefetch. The same parsed seeds either way."""

    def __init__(self, parsed: dict, keys: list[tuple], receive: Connection, process: BaseProcess):
        super().__init__(parsed)
        self._keys = keys
        self._pending = dict.fromkeys(keys)
        self._receive: Connection | None = receive
        self._process = process

    @classmethod
    @contextlib.contextmanager
    def started(cls, loaded: LoadedSite, drafts: bool, caches: Caches) -> Iterator[None]:
        """Around a link: ``caches.seeds`` is a prefetch while it runs, when it is a first link (nothing linked
        before in this session or in a saved state: a link after an edit parses a seed or two), there are enough
        seeds to parse and this process may fork (`may_fork`); the plain dict again after, the process ended."""
        first_link = caches.link is None and caches.saved_link is None
        keys = seeds_to_parse(loaded, drafts, caches.seeds) if first_link and may_fork() else []
        if len(keys) < PREFETCH_MINIMUM:
            yield
            return
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_parse_seeds, args=(keys, send, os.getpid()), daemon=True)
        process.start()
        send.close()
        prefetch = cls(caches.seeds, keys, receive, process)
        caches.seeds = prefetch
        try:
            yield
        finally:
            caches.seeds = dict(prefetch)
            prefetch._stop()

    def get(self, key: Any, default: Any = None) -> Any:
        while key in self._pending and self._receive is not None and not dict.__contains__(self, key):
            self._take()
        return dict.get(self, key, default)

    def _take(self) -> None:
        """The next message of the process: parsed seeds, or the end of them."""
        assert self._receive is not None
        try:
            message = self._receive.recv()
        except (EOFError, OSError):  # the process failed: the link parses the rest
            message = None
        if not message:
            self._stop()
            return
        for number, parsed in message:
            key = self._keys[number]  # this process's key, whose seed text is the load's (a pickled key would be a copy)
            self._pending.pop(key, None)
            self[key] = parsed

    def _stop(self) -> None:
        if self._receive is not None:
            stop_workers({self._receive: self._process})
            self._receive = None
        self._pending.clear()


def _parse_seeds(keys: list[tuple], send: Connection, parent: int) -> None:
    """In the prefetching process: parse each seed of ``keys`` and send them in batches of (position in
    ``keys``, parsed seed), then an empty batch. A failure ends the process quietly: the link parses what it
    did not send, and reports what is wrong with it."""
    bind_to_parent(parent)
    batch: list[tuple[int, Any]] = []
    try:
        for number, key in enumerate(keys):
            batch.append((number, parse_seed(key)))
            if len(batch) >= PREFETCH_BATCH:
                send.send(batch)
                batch = []
        if batch:
            send.send(batch)
        send.send([])
    except BaseException:  # noqa: BLE001, S110 - the link parses the rest itself
        pass
    finally:
        send.close()


def _saved_topics_basis(caches: Caches, previous: BuildState | None, last_link: object, graph: SiteGraph) -> None:
    """Give a new process's scope check the graph the saved topic digests are of, as a session has it.

    A session remembers the graph its last build digested (`Caches.topics_basis`), so the next scope
    check digests only the topics of what link made again (`topics.ScopeCheck`). A new process has no
    such graph, but the saved state's link memory (``last_link``: `Caches.link` before this link) is
    what that graph was made of, saved with those very digests: its articles in order, people, claims,
    events and mentions. Without it, the check digested every topic (some 70,000 at 10,000 articles)
    and worked out the scope of every read (150,000) for a one-claim edit. The basis has this ``graph``'s
    configuration, unknown before: the check compares the site's digest itself (the ``site`` topic)."""
    basis = caches.topics_basis
    if previous is None or not previous.topics or not isinstance(last_link, LinkMemory):
        return
    if basis is not None and basis[0] is previous.topics:  # a session's own: the graph itself
        return
    before = SiteGraph(graph.config, last_link.people.people, last_link.ordered_articles, last_link.claims, last_link.events)
    before.mentions = last_link.mentions
    caches.topics_basis = (previous.topics, before)


def render_graph(
    root: Path,
    loaded: LoadedSite,
    graph: SiteGraph,
    diagnostics: Diagnostics,
    previous: BuildState | None = None,
    hash_assets: bool = True,
    first: frozenset[str] = frozenset(),
    caches: Caches | None = None,
    before: SiteGraph | None = None,
) -> Rendering:
    """Get a linked graph ready to render (the render stage); raises BuildFailed for theme problems.

    ``before``: the graph a session rendered last, whose index this graph's is updated from (`reindex.py`)."""
    caches = caches if caches is not None else Caches()
    if loaded.theme is None:  # the load stage said why
        raise BuildFailed(diagnostics.sorted())
    copied = _theme_assets(loaded.theme, hash_assets)
    graph.assets = {name: path for name, (path, _) in copied.items()}
    graph.assets[FAVICON] = site_favicon(loaded.static_files) or graph.assets[THEME_FAVICON]  # the built-in theme has one
    _set_locale(loaded, graph, diagnostics, caches)
    env = environment_for(loaded.theme, graph.config, graph.locale, caches)
    carry_index(before, graph)
    return Rendering(root, graph, env, dict(copied.values()), loaded.static_files, previous or BuildState(), previous is not None, first, caches,
                     diagnostics.sorted())


def _static_collisions(pages: list[Page], files: dict[str, bytes], static_files: list[tuple[str, bytes]], search: bool) -> list[Diagnostic]:
    """Static files that would replace a generated file (or would on a case-insensitive disk), or sit where the search index goes."""
    generated = {page.path.casefold(): page.path for page in pages} | {path.casefold(): path for path in files}
    collisions = []
    for rel, _ in static_files:
        if rel.casefold() in generated:
            message = f"static file '{rel}' would replace the generated '{generated[rel.casefold()]}'" + (
                "" if rel == generated[rel.casefold()] else " on case-insensitive disks (macOS, Windows)"
            )
            collisions.append(Diagnostic(Location(f"content/static/{rel}"), "error", message, "static-collision"))
        elif search and rel.casefold().startswith(SEARCH_BUNDLE):
            message = f"static file '{rel}' is inside {SEARCH_BUNDLE}, where the search index goes; move it, or set 'search: false'"
            collisions.append(Diagnostic(Location(f"content/static/{rel}"), "error", message, "static-collision"))
    return collisions


@dataclass(slots=True)
class Rendering:
    """The render stage's work: the site's files, made while `files()` is iterated, in memory.

    Pages come first, in this order: those that last read one of the
    ``first`` keys (watch mode names the entities whose files were saved, so
    the page the editor is looking at comes before the build works out what
    else changed), then every other page whose recorded reads or templates
    changed, then the static files. Among each of those, the pages open in a
    browser (``viewed``) come first. A page the previous build made from the
    same inputs is not made again: it is listed in ``kept``, for the writer
    to take from the last site. ``state`` (what each page read) and
    ``rendered`` are complete once `files()` is exhausted. Nothing here
    reads or writes the output; worker processes send pages back as bytes.
    """

    root: Path
    graph: SiteGraph
    env: Any
    static: dict[str, bytes]
    """The files copied as they are: the theme's assets, then (once the pages are listed) the site's static files."""
    static_files: list[tuple[str, bytes]]
    """The site's own static files (`LoadedSite.static_files`)."""
    previous: BuildState
    incremental: bool
    first: frozenset[str]
    caches: Caches
    warnings: list[Diagnostic]
    state: BuildState = field(default_factory=BuildState)
    kept: list[str] = field(default_factory=list)
    early: set[str] = field(default_factory=set)
    """Pages made ahead of the others: for the ``first`` keys, and the ``viewed`` pages the build changes."""
    viewed: frozenset[str] = frozenset()
    """Output paths of the pages open in a browser (`digest serve` knows them from their live-reload streams):
    each one the build must make again is made before the others of its kind and is in ``early``, so that it
    is written, and its tab reloaded, as soon as it is made. A template edit at 10,000 articles makes every
    page again, a person's rename thousands: the editor's tab should not wait for them all."""
    rendered: list[str] = field(default_factory=list)
    pages: list[Page] | None = None
    """Every page, listed on first use (`page_list`): after the saved entity's own pages in watch mode."""
    loaded: LoadedSite | None = None
    """What the load stage read, when it found no problem (watch mode's next save starts from it: `load.reload_changed`)."""
    loaded_whole: bool = False
    """The checkpoint found the whole load to be what was linked (watch mode's quick look)."""
    checkpoint: Callable[[], None] | None = None
    """Called once the saved entity's own pages are made, before anything else (watch mode: the session loads the
    whole site there, and raises to start again if the watcher missed a change)."""
    search_parts: dict[str, PagePart | None] | None = None
    """Set to a dict before `files()` to have each page rendered now hand its searchable part to the search
    stage there (`shards.page_part`, made where the page is: in its render worker), so that stage need not
    read the pages back (`write_stage`)."""
    carried: Mapping[str, Any] | None = None
    """The values of the previous build's `CARRIED_READS` (data.json's records) the reader may take as they are
    while unchanged, when not the previous state's (`BuildState.values`): `digest build` takes them from the
    live site's data.json (`LiveRecords`), and saves none in its state."""
    session: bool = False
    """A watch session's build, which the next save starts from: its first build leaves what the first save
    needs. Render workers send back the values of the reads kept for the next build (`CARRIED_READS`: data.json's
    records), which they alone computed, and the topic digests are remembered by entity from the first build on
    (`Caches.topic_digests`), so the first save digests again only what it changed, as the later ones do (a
    changed claim digests the list of every claim's place: 16,000 claims at 10,000 articles). `digest build` leaves
    both (it takes the records from the live site's data.json, `carried`; its memory is that of one build)."""

    def page_list(self) -> list[Page]:
        """Every page of the site; raises BuildFailed for a static file that would replace one."""
        if self.pages is None:
            graph, last = self.graph, self.caches.pages
            if last is not None and same_pages(last[0], graph):
                pages = last[1]
            else:
                pages = [*site_pages(graph), *publishing_pages(list(graph.people), graph.config)]
            self.caches.pages = (graph, pages)
            collisions = _static_collisions(pages, self.static, self.static_files, graph.config.search)
            if collisions:
                raise BuildFailed(collisions)
            self.static.update(self.static_files)
            self.pages = pages
        return self.pages

    def files(self) -> Iterator[tuple[str, bytes]]:
        """Render, yielding each new file (path, bytes) as it is made."""
        try:
            yield from _render_pages(self)
        except TemplateError as exc:
            raise BuildFailed([_template_diagnostic(exc, self.root)]) from exc
        for rel, data in self.static.items():
            self.state.outputs[rel] = digest_bytes(data)
            yield rel, data

    def removed(self) -> list[str]:
        """Files of the previous build that this one does not have."""
        return sorted(self.previous.outputs.keys() - self.state.outputs.keys()) if self.incremental else []

    def result(self, outputs: dict[str, bytes], removed: bool = True) -> BuildResult:
        """The build's result, once `files()` has been consumed; ``outputs``: the files the caller kept in memory.

        ``removed``: False leaves `BuildResult.removed` empty, for a caller that works it out after adding files
        (the search index): each way compares every output of the two builds (67,000 at 10,000 articles)."""
        return BuildResult(self.graph, outputs, self.state, self.warnings, self.rendered, self.removed() if removed else [])

    def collect(self) -> BuildResult:
        """Render everything into memory."""
        return self.result(dict(self.files()))


def _set_locale(loaded: LoadedSite, graph: SiteGraph, diagnostics: Diagnostics, caches: Caches) -> None:
    """The site's language from the catalogues the load stage read, with the built-in statuses in it.

    Merging and compiling the catalogues is done once per version of them in a session."""
    key = (graph.config.language, tuple(loaded.catalogues))
    if caches.locale is None or caches.locale[0] != key:
        caches.locale = (key, locale_from_catalogues(graph.config.language, loaded.catalogues))
    locale, problems = caches.locale[1]
    for problem in problems:
        if problem.path == "content/site.yaml" and loaded.config is not None:
            diagnostics.warning(loaded.config.where("language"), problem.message, "language")
        else:
            raise BuildFailed([Diagnostic(Location(problem.path, problem.line), "error", problem.message, "catalogue")])
    graph.locale = locale
    if not graph.config.own_statuses:
        graph.config = replace(graph.config, statuses=translated_statuses(locale))


def _render_pages(rendering: Rendering) -> Iterator[tuple[str, bytes]]:
    graph, env, previous, state = rendering.graph, rendering.env, rendering.previous, rendering.state

    @functools.cache
    def scope_check() -> ScopeCheck:
        """Made on first use, after the first pages: watch mode's saved page is written before every topic is digested."""
        memo = rendering.caches.topic_digests if previous.topics or rendering.session else None
        basis = rendering.caches.topics_basis
        since = basis[1] if basis is not None and basis[0] is previous.topics else None
        return ScopeCheck(Topics(graph, memo), SITE_SCOPES, previous.topics, previous.scopes, since)

    reader = Reader(graph, SITE_READS, rendering.caches.value_digests, lambda key: scope_check().unchanged(key), previous.fingerprints,
                    verifying_scopes(), previous.values if rendering.carried is None else rendering.carried)
    templates = TemplateIndex(env, rendering.caches.template_references)
    todo: list[int] = []
    closures: dict[str, frozenset[str]] = {}
    digests: dict[str, bytes | None] = {}
    done: list[int] = []
    carried: dict[str, Any] | None = {} if rendering.session else None

    parts = rendering.search_parts

    def take_early(page: Page, data: bytes, keys: set[str], part: PagePart | None) -> tuple[str, bytes]:
        if parts is not None:
            parts[page.path] = part
        closures[page.path] = templates.closure(page.template) if page.template else frozenset()
        state.pages[page.path] = PageRecord(frozenset(keys), closures[page.path])
        state.outputs[page.path] = digest_bytes(data)
        rendering.early.add(page.path)
        return page.path, data

    def render_early(page: Page) -> tuple[str, bytes]:
        data, keys = render_page(env, page, reader)
        return take_early(page, data, keys, page_part(data) if parts is not None else None)

    shown = _shown(graph, rendering.first)
    for page in _own_pages(graph, previous, rendering.first, shown):  # found without listing every page
        yield render_early(page)
    if rendering.checkpoint is not None:
        rendering.checkpoint()
    if rendering.first:  # a person shows on thousands of pages: in workers when there are many, in reading order
        later = [page for page in _first_pages(graph, rendering.page_list(), previous, rendering.first, shown, rendering.viewed)
                 if page.path not in rendering.early]
        minimum = FOLLOW_UP_MINIMUM if len(later) >= PARALLEL_MINIMUM else PARALLEL_MINIMUM
        for number, data, keys, key_digests, part in _render_all(env, later, list(range(len(later))), reader, parts is not None, carried):
            digests.update(key_digests)
            yield take_early(later[number], data, keys, part)
    else:
        minimum = PARALLEL_MINIMUM
    pages = rendering.page_list()
    check = scope_check()
    changed = _changed_reads(check, reader, previous)
    by_template: dict[str, tuple[frozenset[str], bool]] = {}
    """Template -> its closure, and whether every template of it is unchanged: worked out once, not for each of 28,000 pages."""
    early, old_pages, old_outputs, kept = rendering.early, previous.pages, previous.outputs, rendering.kept
    for number, page in enumerate(pages):
        path = page.path
        if path in early:
            done.append(number)
            continue
        found = by_template.get(page.template)
        if found is None:
            closure = templates.closure(page.template) if page.template else frozenset()
            found = by_template[page.template] = (closure, templates.unchanged(closure, previous.templates))
        closure, unchanged = found
        old = old_pages.get(path)
        if unchanged and old is not None and old.keys.isdisjoint(changed) and path in old_outputs and old.templates == closure:
            state.pages[path] = old
            state.outputs[path] = old_outputs[path]
            kept.append(path)
        else:
            closures[path] = closure
            todo.append(number)
    viewed = rendering.viewed
    if viewed:  # to the front, the order of the others kept (a stable sort); each worker's share starts with them
        todo.sort(key=lambda number: pages[number].path not in viewed)
    for number, data, keys, key_digests, part in _render_all(env, pages, todo, reader, parts is not None, carried, minimum):
        page = pages[number]
        if page.path in viewed:
            early.add(page.path)
        if parts is not None:
            parts[page.path] = part
        state.outputs[page.path] = digest_bytes(data)
        # A worker's keys arrive as new strings, page by page: one string per read instead (45 -> 20 MB at 10,000 articles)
        state.pages[page.path] = PageRecord(frozenset(map(sys.intern, keys)), closures[page.path])
        digests.update(zip(map(sys.intern, key_digests), key_digests.values()))
        yield page.path, data
    state.fingerprints = _fingerprints(state, previous, reader, digests)
    state.scopes, state.topics = check.record(state.fingerprints)
    rendering.caches.topics_basis = (state.topics, graph)
    if rendering.carried is None:  # else the next build takes them from where this one did
        state.values = reader.carry(CARRIED_READS, check.kept(previous.values.keys()))
        if carried is not None:
            state.values.update(carried)
    state.templates = dict(templates.digests)
    rendering.rendered = [pages[number].path for number in sorted(done + todo)]


def _fingerprints(state: BuildState, previous: BuildState, reader: Reader, computed: dict[str, bytes | None]) -> dict[str, bytes | None]:
    """The fingerprint of every read this build's pages made (``computed``: those worker processes sent).

    Made with set and dict operations over the previous build's fingerprints rather than one lookup
    per read: a read this build did not compute is unchanged (`_changed_reads` computed every stale one)."""
    keys: set[str] = set().union(*(record.keys for record in state.pages.values()))
    fingerprints = {**previous.fingerprints, **computed} if previous.fingerprints else computed  # no copy of a clean build's
    fingerprints.update(reader.computed)
    for key in fingerprints.keys() - keys:
        del fingerprints[key]
    for key in keys - fingerprints.keys():  # read for the first time by a page rendered in this process
        fingerprints[key] = reader.fingerprint(key)
    return fingerprints


def _changed_reads(check: ScopeCheck, reader: Reader, previous: BuildState) -> set[str]:
    """The reads of the previous build whose value is not what it was: only the stale ones
    (a topic of theirs changed) are computed; with ``check.verify``, all of them are."""
    if check.verify:
        for key in previous.fingerprints:
            reader.fingerprint(key)
    return {key for key in check.stale if reader.fingerprint(key) != previous.fingerprints.get(key)}


PARALLEL_MINIMUM = 300
"""Pages to render before it pays to fork workers."""
FOLLOW_UP_MINIMUM = 50
"""Pages to render before it pays to fork workers again in a build whose first pages (`_first_pages`) were many:
after a person edit the scope check finds other people's pages whose network lists them (200 at 10,000
articles, 7 ms each), which the builder would otherwise render alone while it has the site's files to write."""
RESULTS_PER_MESSAGE = 64
"""Pages a worker reports in one message at most: few enough to keep messages small, enough to keep them few.
Its first message has one page, and each next twice as many up to this, so that the first pages of a share
(watch mode's pages in reading order, `_first_pages`) are written as soon as they are made."""


def _shown(graph: SiteGraph, keys: frozenset[str]) -> set[str]:
    """The reads that show the entities of ``keys``: their own, and for a person those that show them without
    reading their record whole: the articles that name them, and pages that list them (their summary)."""
    shown = set(keys)
    for key in keys:
        kind, _, pid = key.partition(":")
        if kind == "person":
            shown.add(f"person-summary:{pid}")
            shown.update(f"article-people:{stem}" for stem in graph.index.named_by.get(pid, ()))
    return shown


def _own_pages(graph: SiteGraph, previous: BuildState, keys: frozenset[str], shown: set[str]) -> list[Page]:
    """The own page of each entity of ``keys`` (the first of `pages.own_pages`) if it showed them when last built:
    the page the editor saved is rendered before the build lists the site's pages. Its numbered pages (a much-named
    person has hundreds) come next with the other pages that show the entity (`_first_pages`), in workers."""
    found = []
    for key in sorted(keys):
        for page in own_pages(graph, key)[:1]:
            old = previous.pages.get(page.path)
            if old is not None and not shown.isdisjoint(old.keys):
                found.append(page)
    return found


def _first_pages(graph: SiteGraph, pages: list[Page], previous: BuildState, keys: frozenset[str], shown: set[str],
                 viewed: frozenset[str] = frozenset()) -> list[Page]:
    """The pages that read one of ``shown`` when last built, in the order a reader is likely to be looking at them
    (a person shows in thousands of pages: each article's chips name them): those open in a browser (``viewed``),
    those that read the entities' records, then the home page and the section fronts, then the articles naming a
    saved person, newest first (the home page leads to them), then the others in the site's order."""
    newest: dict[str, int] = {}
    for key in keys:
        kind, _, pid = key.partition(":")
        if kind == "person":
            for stem in graph.index.named_by.get(pid, ()):
                article = graph.articles[stem]
                newest[article_page(article).path] = -article.published.toordinal() if article.published else 0
    found = []
    for number, page in enumerate(pages):
        old = previous.pages.get(page.path)
        if old is not None and not shown.isdisjoint(old.keys):
            if page.path in viewed:
                rank = (-1, 0)
            elif not keys.isdisjoint(old.keys):
                rank = (0, 0)
            elif page.path == "index.html" or (page.path.count("/") == 1 and page.path.endswith("/index.html")):
                rank = (1, 0)
            elif page.path in newest:
                rank = (2, newest[page.path])
            else:
                rank = (3, 0)
            found.append((rank, number, page))
    found.sort(key=lambda item: item[:2])
    return [page for _, _, page in found]


def _render_all(env, pages: list, todo: list[int], reader: Reader, parts: bool = False, carried: dict[str, Any] | None = None,
                minimum: int | None = None):
    """Render pages, in forked worker processes when there are many and it is safe to fork (`may_fork`).

    Yields (page number, bytes, reads, fingerprints computed in a worker, searchable part): the part
    (`shards.page_part`) only with ``parts``, else None.

    `digest watch` and `digest serve` build in a process of their own, forked
    before their threads started (see `live/builder.py`), so their big
    rebuilds (a template edit) fork workers too; a session in a process
    with other threads renders in that process. Results are the same bytes either way.
    Each worker is handed its share through the fork itself (the arguments
    of a forked process are inherited, never pickled) and reports back
    through its own pipe, whichever is ready first.
    Workers die with this process, however it ends (see `digest.pipeline.workers`);
    an exception here, Ctrl-C included, terminates them. ``carried``: given, it gets the values of
    `CARRIED_READS` the workers computed (in this process, the reader keeps them).
    """
    workers = min(os.cpu_count() or 1, 4)
    if len(todo) < (PARALLEL_MINIMUM if minimum is None else minimum) or workers < 2 or not may_fork():
        for number in todo:
            data, keys = render_page(env, pages[number], reader)
            yield number, data, keys, {}, page_part(data) if parts else None
        return
    context = multiprocessing.get_context("fork")
    running: dict[Connection, BaseProcess] = {}
    try:
        for start in range(workers):
            receive, send = context.Pipe(duplex=False)
            share = (env, pages, reader, todo[start::workers], send, os.getpid(), parts, carried is not None)
            process = context.Process(target=_render_share, args=share, daemon=True)
            process.start()
            send.close()
            running[receive] = process
        while running:
            # wait() returns some of the objects it was given; typeshed widens them to any waitable.
            for ready in cast("list[Connection]", wait(list(running))):
                try:
                    message = ready.recv()
                except EOFError:
                    raise RuntimeError(f"a render worker stopped unexpectedly (exit status {running[ready].exitcode})") from None
                if message is None:  # reaped now: a worker left unjoined is a zombie until the next fork, its CPU counted there
                    running.pop(ready).join()
                    ready.close()
                elif isinstance(message, BaseException):
                    raise message
                elif isinstance(message, dict):
                    assert carried is not None, "sent only when asked for"
                    carried.update(message)
                else:
                    yield from message
    finally:
        stop_workers(running)


def _render_share(env, pages: list, reader: Reader, numbers: list[int], send: Connection, parent: int, parts: bool, values: bool = False) -> None:
    """In a worker: render some pages, with the fingerprints of what they read (and with ``parts``, their
    searchable parts: cut here, where the page is, not read back by the search stage), and send them back;
    with ``values``, then the values of the `CARRIED_READS` it computed (a dict).

    ``reader`` is the build's own, inherited through the fork: what it was given to take as it is (data.json's
    records kept from the last build, while unchanged) a worker takes too, rather than computing it again.

    The share ends with None, or with the exception that stopped it."""
    bind_to_parent(parent)
    results: list[tuple[int, bytes, set[str], dict[str, bytes | None], PagePart | None]] = []
    batch = 1
    sent: set[str] = set()
    try:
        for number in numbers:
            try:
                data, keys = render_page(env, pages[number], reader)
            except TemplateError as exc:  # re-raised in the parent with its message and place
                filename, line = _template_place(exc)
                raise TemplateFailure(exc.message or str(exc), filename or "", line or 1) from None
            results.append((number, data, keys, _new_fingerprints(reader, keys, sent), page_part(data) if parts else None))
            if len(results) >= batch:
                send.send(results)
                results = []
                batch = min(2 * batch, RESULTS_PER_MESSAGE)
        send.send(results)
        if values:
            send.send(reader.made(CARRIED_READS))
        send.send(None)
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent, which re-raises it
        try:
            send.send(exc)
        except Exception:  # an exception that cannot be pickled: its text
            send.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


def _new_fingerprints(reader: Reader, keys: Iterable[str], sent: set[str]) -> dict[str, bytes | None]:
    """The fingerprints of the reads of ``keys`` not in ``sent`` (then added to it): a worker sends each read's
    fingerprint once, not with every page that made it (every page reads the config, the locale, the assets; an
    article's page the chips of the people it names, which hundreds of other pages read too)."""
    new = {key: reader.fingerprint(key) for key in keys if key not in sent}
    sent.update(new)
    return new


def build_site(
    root: Path,
    output: Path,
    base_url: str | None = None,
    strict: bool = False,
    clean: bool = False,
    previous: BuildState | None = None,
    caches: Caches | None = None,
    live: LiveFiles | None = None,
) -> BuildResult:
    """A whole new site, streamed into a stage beside ``output`` and swapped in atomically.

    ``clean``: replace ``output`` even if it holds files digest did not write.
    ``previous`` and ``caches``: the state of the build that made ``output``
    (see `savedstate.py`); pages it shows unchanged are hard-linked from
    ``output`` instead of rendered again, and the site kept from the build
    before is brought up to date instead of staging a new one (see `Stage`).
    ``live``: the files of ``output`` as the load of that state checked them (`SavedState.output`),
    so the write does not list it again. A first build leaves a kept tree too
    (`Stage` with ``keep_first``), made by a thread while the caller saves the
    state (`WriteReport.removal`)."""
    started = time.perf_counter()
    with output_faults(output.parent, "cannot make the new site beside the output"):
        stage = Stage(output, clean, previous.outputs if previous is not None else None, live, keep_first=True)
    try:
        with fewer_collections():
            rendering = render_source(root, base_url, strict, previous=previous, caches=caches)
            rendering.carried = LiveRecords(stage.output / DATA_JSON) if previous is not None and DATA_JSON in previous.outputs else {}
            result = write_stage(stage, rendering, previous)
    except BaseException:
        stage.discard()
        raise
    result.seconds = time.perf_counter() - started
    return result


DATA_JSON = "data.json"


class LiveRecords(Mapping[str, bytes]):
    """data.json's records in the live site, by the read that made each (`export.records_by_read`), read
    the first time a record is asked for: only a build that writes data.json again reads its 34 MB
    (at 10,000 articles). The saved state's load checked the live file is the one the last build wrote."""

    def __init__(self, path: Path):
        self._path = path
        self._records: dict[str, bytes] | None = None

    def _read(self) -> dict[str, bytes]:
        if self._records is None:
            try:
                self._records = records_by_read(self._path.read_bytes())
            except OSError:  # gone meanwhile: every record is computed
                self._records = {}
        return self._records

    def __contains__(self, key: object) -> bool:
        """Asked by every read of every page rendered (37,000 of them for data.json): no call once read."""
        if not isinstance(key, str):
            return False
        records = self._records
        if records is None:
            if not key.startswith("export-"):
                return False
            records = self._read()
        return key in records

    def __getitem__(self, key: str) -> bytes:
        records = self._records
        return (records if records is not None else self._read())[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


BUILD_GC_THRESHOLD = 100_000
"""Allocations between two collections of the youngest generation while a build runs (Python's default: 700)."""


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run a build with the cyclic garbage collector looking at young objects only, now and then.

    A build makes a few million objects that live as long as it does (the
    graph, parsed texts, records); with Python's default thresholds every
    full collection walks all of them again, more often the bigger the site.
    Measured at 1,000 articles (benchmarks/RESULTS.md): 13% of the CPU of a
    build, with the same peak memory. Young cycles are still collected, every
    `BUILD_GC_THRESHOLD` allocations; the thresholds in force before come
    back when the block ends, whatever happens in it. Forked render workers
    inherit the setting.
    """
    previous = gc.get_threshold()
    gc.set_threshold(BUILD_GC_THRESHOLD, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def write_stage(stage: Stage, rendering: Rendering, previous: BuildState | None = None, search: bool = True) -> BuildResult:
    """The write of a full build: every file into ``stage`` as it is made, the search index, then the swap.

    Pages the rendering kept are hard-linked from the live site; the
    caller discards the stage if anything fails. ``search``: False leaves
    the index out (watch mode without one). The pages rendered now hand
    their searchable parts to the search stage (`Rendering.search_parts`);
    it reads back only kept pages of the shards it indexes again."""
    indexed = search and rendering.graph.config.search
    if indexed:
        rendering.search_parts = {}
    for path, data in rendering.files():
        stage.put(path, data, rendering.state.outputs.get(path))
    _carry(stage, rendering.kept)
    result = rendering.result({}, removed=False)
    if indexed:

        def write_index_file(path: str, data: bytes) -> None:
            with output_faults(stage.output, "cannot write the search index"):
                stage.put(path, data)

        found = search_files(result.graph, result.state, previous, stage.read, stage.output, lambda path: (stage.output / path).read_bytes(),
                             rendering.search_parts, write_index_file)
        rendering.search_parts = None
        _carry(stage, found.kept)
        for path, data in found.new.items():
            write_index_file(path, data)
    result.removed = sorted(previous.outputs.keys() - result.state.outputs.keys()) if previous is not None else []
    result.report = stage.commit()
    return result


def _carry(stage: Stage, paths: list[str]) -> None:
    """Take files the build kept from the live site; a `MachineFault` if one disappeared."""
    gone = stage.carry_all(paths)
    if gone:
        raise MachineFault(str(stage.output / gone[0]), "a file of the last site disappeared during the build", "build again")


def search_files(
    graph: SiteGraph, state: BuildState, previous: BuildState | None, read: Callable[[str], bytes], where: Path,
    read_live: Callable[[str], bytes] | None = None, handed: dict[str, PagePart | None] | None = None,
    write: Callable[[str, bytes], None] | None = None,
) -> IndexFiles:
    """The search stage, after render: the search index of the rendered pages.

    ``read`` gives a page's bytes. With ``previous``, only the shards whose
    pages' searchable parts or events changed are indexed again (see
    `search/index.py`); the others keep their files. Records the index in
    ``state``. ``where``: the folder named in a machine fault's message. ``read_live``:
    a file of the live site (the kept shards' word lists), if ``read`` cannot. ``handed``: the
    searchable parts of the pages rendered now (`Rendering.search_parts`), which are then not read.
    ``write``: writes the new shards' files as each shard is made (`index.make_shards`), recorded in
    ``state`` as they go; the result's ``new`` holds the rest.
    """

    def done(path: str, data: bytes) -> None:
        assert write is not None
        state.outputs[path] = digest_bytes(data)
        write(path, data)

    records = event_records(graph)
    known = previous.search_pages if previous is not None else {}
    plan = plan_search(state.outputs, records, known, read, graph.config.language, handed)
    state.search_pages, state.search_shards, state.search_inputs = plan.pages, plan.digests, plan.inputs
    try:
        found = index_files(plan, previous.outputs if previous is not None else (), previous.search_shards if previous is not None else {},
                            read, records, graph.config.language, read_live=read_live, handed=handed, done=done if write is not None else None)
    except SearchIndexTruncated as exc:
        raise MachineFault(str(where), f"the search index came out cut short ({exc})", "the disk is probably full: free some space and build again") from exc
    except SearchIndexError as exc:
        raise BuildFailed([Diagnostic(Location("content/site.yaml"), "error", f"search index: {exc}", "search-index")]) from exc
    except OSError as exc:
        raise machine_fault(exc, str(where), "cannot make the search index") from exc
    for path in found.kept:
        assert previous is not None, "only a previous build has files to keep"
        state.outputs[path] = previous.outputs[path]
    for path, data in found.new.items():
        state.outputs[path] = digest_bytes(data)
    return found


def index_search(result: BuildResult, previous: BuildState | None = None, read_previous: Callable[[str], bytes] | None = None) -> None:
    """`search_files` for a build held in memory: the new index files go into ``result.outputs``.

    ``read_previous``: a page's bytes as the previous build wrote them, for
    the pages this build did not render again."""
    if not result.graph.config.search:
        return

    def read(path: str) -> bytes:
        page = result.outputs.get(path)
        if page is None:
            if read_previous is None:
                raise ValueError(f"index_search: {path} was not rendered and there is no previous build to read it from")
            page = read_previous(path)
        return page

    found = search_files(result.graph, result.state, previous, read, Path(tempfile.gettempdir()))
    result.outputs.update(found.new)
    if previous is not None:
        result.removed = sorted(previous.outputs.keys() - result.state.outputs.keys())


HASHED_SUFFIXES = (".css", ".js")

FAVICON = "favicon"
"""The key in `SiteGraph.assets` of the icon every page links to (the site's, else the theme's)."""
THEME_FAVICON = "favicon.svg"
SITE_FAVICONS = ("favicon.svg", "favicon.png", "favicon.ico")
"""content/static/ files that replace the theme's icon, the first found winning."""


def site_favicon(static_files: list[tuple[str, bytes]]) -> str | None:
    """The site's own icon among its static files (published at the site's root), if it has one."""
    names = {rel for rel, _ in static_files}
    return next((name for name in SITE_FAVICONS if name in names), None)


def _theme_assets(theme: Theme, hash_names: bool) -> dict[str, tuple[str, bytes]]:
    """Theme static files: name -> (path under /assets/, bytes).

    Stylesheets and scripts get a content hash in their name, because GitHub
    Pages lets browsers cache them for ten minutes after every deploy.
    """
    assets: dict[str, tuple[str, bytes]] = {}
    for name, file in sorted(theme.static.items()):
        published = name
        suffix = PurePosixPath(name).suffix
        if hash_names and suffix in HASHED_SUFFIXES:
            published = f"{name[: -len(suffix)]}.{digest_bytes(file.data).hex()[:10]}{suffix}"
        assets[name] = ("assets/" + published, file.data)
    return assets


class TemplateFailure(TemplateError):
    """A template error with the place it happened, made picklable for worker processes."""

    def __init__(self, message: str, filename: str, lineno: int):
        super().__init__(message)
        self.filename = filename
        self.lineno = lineno

    def __reduce__(self):
        return (TemplateFailure, (self.message, self.filename, self.lineno))


def _template_place(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line of an error: syntax errors carry them, runtime errors
    only in their traceback (Jinja maps template frames back to template lines)."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if filename and line:
        return filename, line
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".txt", ".j2")):
            filename, line = name, tb.tb_lineno
        tb = tb.tb_next
    return filename, line


def _template_diagnostic(exc: TemplateError, root: Path) -> Diagnostic:
    place, place_line = _template_place(exc)
    filename = place or getattr(exc, "name", None) or "templates"
    line = place_line or 1
    try:
        shown = Path(filename).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(filename)
    return Diagnostic(Location(shown, line, 1), "error", f"template error: {exc.message or exc}", "template")
