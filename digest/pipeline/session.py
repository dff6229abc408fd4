"""Keep a site's output up to date across many builds (watch mode, the dev server).

`SiteBuilder` holds the state of the last good build in memory. The first
build swaps in a whole new output folder; later ones render only what the
recorded dependencies say changed and rewrite only files whose bytes
changed, the page of the saved file first. A failed build changes nothing
and keeps the last good state, so the next good save is compared with what
is actually on disk. `BackgroundIndexer` keeps the search index up to date
after the pages, in a thread of its own (`digest watch`, `digest serve`).
`digest watch` and `digest serve` run their builder in a process of its
own (see `live/builder.py`), where each build stops that thread first, so
that it may fork render workers.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.caches import Caches
from digest.errors import BuildFailed, Diagnostic, Diagnostics, Location, MachineFault, machine_fault
from digest.graph.model import SiteGraph
from digest.memo import ByIdentity
from digest.pipeline.build import SEARCH_BUNDLE, Rendering, fewer_collections, index_search, render_loaded, render_source, write_stage
from digest.pipeline.buildstate import BuildState, digest_bytes
from digest.pipeline.write import Stage, output_faults, output_target, replace_file, write_changes
from digest.render.templates import search_words
from digest.search.index import EventRecord, IndexCancelled, SearchIndexError, event_record, index_files, plan_search
from digest.source.load import LoadedSite, load_site, reload_changed

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Rebuild:
    """What one build in a session did."""

    ok: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Errors (when not ok) and warnings."""
    rendered: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    pages: int = 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


@dataclass(slots=True)
class SearchUpdate:
    """What one background run of the search indexer did."""

    ok: bool
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""


class LoadMissed(Exception):
    """The whole load found a change the watcher did not name: the build starts again from that load."""

    def __init__(self, loaded: LoadedSite, diagnostics: Diagnostics):
        super().__init__("the watcher missed a change")
        self.loaded = loaded
        self.diagnostics = diagnostics


def failed_build(exc: Exception) -> Rebuild:
    """A build that raised, as a failed `Rebuild`: a `MachineFault` is its one line, anything
    else a crash (logged with its traceback), so that the session lives on."""
    if isinstance(exc, MachineFault):  # the machine, not a bug: one line, no traceback
        return Rebuild(False, [exc.diagnostic()])
    log.error("build crashed", exc_info=exc)
    return Rebuild(False, [Diagnostic(Location("."), "error", f"build crashed: {type(exc).__name__}: {exc}", "crash")])


class SiteBuilder:
    def __init__(
        self,
        root: Path,
        output: Path,
        base_url: str | None = None,
        hash_assets: bool = True,
        drafts: bool = False,
        search: bool = True,
        search_in_background: bool = False,
        clean: bool = False,
        first_index_in_background: bool = False,
        render_workers: bool = False,
    ):
        self.root = root
        self.clean = clean
        """The first build may replace an output folder holding files digest did not write."""
        self.drafts = drafts
        self.hash_assets = hash_assets
        self.search = search
        """Make the search index (unless the site turns search off). The dev server's
        preview skips it, so an edit is on screen without waiting for the indexer."""
        self.output = output_target(output)
        self.base_url = base_url
        self.state: BuildState | None = None
        self.caches = Caches()
        """What earlier builds of this session made and a rebuild may reuse (see `caches.py`)."""
        self._loaded: LoadedSite | None = None
        """What the last build loaded, when it found no problem: a save's quick look starts from it (`_quick_look`)."""
        self._first: frozenset[str] = frozenset()
        self._viewed: frozenset[str] = frozenset()
        """The pages open in a browser when the running build was asked for (`build`)."""
        """The graph keys of the saved entities, for this build."""
        self._graph: SiteGraph | None = None
        """The graph the last build rendered: the next graph's index is updated from its (`graph/reindex.py`)."""
        self.base_path: str | None = None
        """The base path of the last good build (the dev server serves under it)."""
        self.on_page_written: Callable[[str], None] | None = None
        """Told of each page written ahead of the rest of a build (the dev server reloads it)."""
        self.on_search_update: Callable[[SearchUpdate], None] | None = None
        """Told when the background indexer has updated (or failed to update) the search index."""
        self._lock = threading.RLock()
        """Held while a build or the indexer changes the output and ``state``."""
        self._indexer = BackgroundIndexer(self) if search and search_in_background else None
        self._first_index_later = self._indexer is not None and first_index_in_background
        """The first build's index is made in the background too (`digest serve`: the preview is
        on screen at once, its search works a few seconds later); `digest watch` makes it in the
        build, so its first site is whole."""
        self._event_records: ByIdentity[EventRecord] = ByIdentity(200_000)
        """Each event's search record, by the objects it is made from (used by the indexer's thread only)."""
        self.render_workers = render_workers
        """This process has no thread of its own but the indexer's (the builder process of `digest
        watch`, see `live/builder.py`): each build stops the indexer's thread first, so that it
        may fork render workers (`build.may_fork`) and use every core."""

    def close(self) -> None:
        """Stop the background indexer, if any (an index being made is abandoned)."""
        if self._indexer is not None:
            self._indexer.stop()

    def wait_for_search(self, timeout: float | None = None) -> bool:
        """Block until the background indexer has nothing left to do; False on timeout."""
        return self._indexer.wait_idle(timeout) if self._indexer is not None else True

    def build(self, changed: Iterable[str] | None = None, viewed: Iterable[str] = ()) -> Rebuild:
        """Build again. ``changed``: the paths (relative to the root) a watcher saw change since
        the last build. With it, the saved article's or person's own page is written first,
        and files not among them whose stat is unchanged are not read again. ``viewed``: the
        output paths of pages open in a browser; those the build changes are made before the
        others and written as soon as each is made (`Rendering.viewed`)."""
        with self._indexer_stopped(), self._lock, fewer_collections():
            self._viewed = frozenset(viewed)
            return self._build(changed)

    @contextlib.contextmanager
    def _indexer_stopped(self) -> Iterator[None]:
        """With ``render_workers``, no indexer thread while the block runs; the index it was making
        is made again afterwards, unless the build asks for a newer one.

        Taken before the build's lock, which the indexer takes to write its index."""
        if self._indexer is None or not self.render_workers:
            yield
            return
        self._indexer.pause()
        try:
            yield
        finally:
            self._indexer.resume()

    def _build(self, changed: Iterable[str] | None) -> Rebuild:
        started = time.perf_counter()
        previous = self.state if self.output.is_dir() else None
        first: frozenset[str] = frozenset()
        delivered: dict[str, bytes | None] = {}
        if previous is not None and changed is not None:
            changed = set(changed)
            first = source_keys(changed)
        try:
            with output_faults(self.output.parent, "cannot make the new site beside the output"):
                stage = Stage(self.output, self.clean) if previous is None else None
        except MachineFault as fault:
            return Rebuild(False, [fault.diagnostic()], seconds=time.perf_counter() - started)
        try:
            quick = self._quick_look(previous, changed, first)
            rendering = quick or self._render(render_source, self.root, changed=changed if previous is not None else None)
            if stage is not None:  # the first build: a whole new site, swapped in at once
                result = write_stage(stage, rendering, search=self.search and not self._first_index_later)
                written = sorted(stage.paths)
            else:
                assert previous is not None, "a stage is made exactly when there is no previous build"
                # The saved page first, as soon as it is made, then the others: the edited page is on
                # screen before the build works out what else changed, or the search index is redone.
                try:
                    rest = self._deliver_early(rendering, previous, delivered)
                except (LoadMissed, BuildFailed) as stop:
                    if rendering is not quick or (isinstance(stop, BuildFailed) and rendering.loaded_whole):
                        raise
                    # The quick look missed a change, or failed before the whole load was checked: build from a whole load.
                    whole = stop if isinstance(stop, LoadMissed) else None
                    rendering = (self._render(render_loaded, self.root, whole.loaded, whole.diagnostics) if whole is not None
                                 else self._render(render_source, self.root, changed=changed))
                    rest = self._deliver_early(rendering, previous, delivered)
                result = rendering.result(rest)
                written = list(delivered) + write_changes(self.output, rest, previous.outputs, [])
                if self._indexer is not None:  # keep the index on disk; the indexer brings it up to date
                    result.state.outputs.update((path, digest) for path, digest in previous.outputs.items() if path.startswith(SEARCH_BUNDLE))
                    result.state.search_inputs = previous.search_inputs
                    result.state.search_pages, result.state.search_shards = previous.search_pages, previous.search_shards
                    result.removed = sorted(set(previous.outputs) - set(result.state.outputs))
                elif self.search:
                    index_search(result, previous, lambda path: (self.output / path).read_bytes())
                index = {path: data for path, data in result.outputs.items() if path.startswith(SEARCH_BUNDLE)}
                written += write_changes(self.output, index, previous.outputs, result.removed)
        except BuildFailed as failure:
            self._undo(delivered, stage)
            return Rebuild(False, failure.diagnostics, seconds=time.perf_counter() - started)
        except MachineFault as fault:  # a full disk, say: report it like content errors, keep the last good site
            self._undo(delivered, stage)
            return Rebuild(False, [fault.diagnostic()], seconds=time.perf_counter() - started)
        except BaseException:
            self._undo(delivered, stage)
            raise
        if previous is None:
            _settle_memory()
        self.state = result.state
        self.base_path = result.graph.config.base_path
        if self._indexer is not None and (previous is not None or self._first_index_later) and result.graph.config.search:
            graph, memo = result.graph, self._event_records  # the records are made by the indexer's thread, after the build
            self._indexer.request(result.state, functools.cache(lambda: remembered_event_records(graph, memo)), graph.config.language)
        return Rebuild(
            True,
            result.warnings,
            rendered=result.rendered,
            written=written,
            removed=result.removed,
            seconds=time.perf_counter() - started,
            pages=result.page_count,
        )

    def _render(self, stage: Callable[..., Rendering], *args: Any, **options: Any) -> Rendering:
        """``stage`` (`render_source`, `render_loaded`) with the session's options; the graph and load it made are
        remembered: the next link is relative to this one, whether this build ends well or not."""
        rendering = stage(*args, base_url=self.base_url, previous=self.state if self.output.is_dir() else None, hash_assets=self.hash_assets,
                          drafts=self.drafts, first=self._first, caches=self.caches, before=self._graph, **options)
        rendering.session = True  # the next save starts from what this build leaves
        rendering.viewed = self._viewed
        self._graph, self._loaded = rendering.graph, rendering.loaded
        return rendering

    def _quick_look(self, previous: BuildState | None, changed: Iterable[str] | None, first: frozenset[str]) -> Rendering | None:
        """A save's first look: the last load with only the saved files read again (`load.reload_changed`),
        linked and ready to render the saved entity's own pages before any other file is looked at; then
        (`Rendering.checkpoint`) the whole site is loaded, and if that finds what the watcher did not say,
        `LoadMissed` starts the build again from it. None when the save is not one the last load can take."""
        self._first = first
        if previous is None or changed is None or not first or self._loaded is None:
            return None
        saved = frozenset(changed)
        diagnostics = Diagnostics()
        loaded = reload_changed(self._loaded, saved, diagnostics, self.caches)
        if loaded is None:
            return None
        try:
            rendering = self._render(render_loaded, self.root, loaded, diagnostics)
        except BuildFailed:  # the whole load says what is wrong, and whether anything else is
            return None
        rendering.checkpoint = functools.partial(self._check_load, rendering, loaded, saved)
        return rendering

    def _check_load(self, rendering: Rendering, quick: LoadedSite, read: frozenset[str]) -> None:
        """Load the whole site (files whose stat is unchanged are not read, the saved files ``read`` by the quick look
        included); `LoadMissed` if it is not what the quick look took."""
        diagnostics = Diagnostics()
        loaded = load_site(self.root, diagnostics, (), self.caches, fresh=read)
        if loaded != quick or diagnostics.items:
            raise LoadMissed(loaded, diagnostics)
        rendering.loaded_whole = True

    def _deliver_early(self, rendering: Rendering, previous: BuildState, delivered: dict[str, bytes | None]) -> dict[str, bytes]:
        """Render, writing the saved entity's pages as soon as each is made (`_deliver`); the other files, for after."""
        rest: dict[str, bytes] = {}
        for path, data in rendering.files():
            if path in rendering.early:
                self._deliver(path, data, previous, delivered)
            else:
                rest[path] = data
        return rest

    def _deliver(self, path: str, data: bytes, previous: BuildState, delivered: dict[str, bytes | None]) -> None:
        """Write one page ahead of the rest of the build, keeping its old bytes in case the build fails."""
        if previous.outputs.get(path) == digest_bytes(data) and path not in delivered:
            return
        if path not in delivered:  # written twice when a quick look was started again: the bytes before the build are kept
            try:
                delivered[path] = (self.output / path).read_bytes()
            except OSError:
                delivered[path] = None
        replace_file(self.output / path, data)
        if self.on_page_written is not None:
            self.on_page_written(path)

    def _undo(self, delivered: dict[str, bytes | None], stage: Stage | None) -> None:
        """Put back pages written ahead of a build that then failed: the last good site stays whole.

        On a full disk putting a page back may fail too; the build's own
        fault is what gets reported, and the next good build rewrites the page.
        """
        if stage is not None:
            stage.discard()
        for path, old in delivered.items():
            try:
                if old is None:
                    write_changes(self.output, {}, {}, [path])
                else:
                    replace_file(self.output / path, old)
            except MachineFault:
                log.warning("could not put back %s after a failed build", path)


class BackgroundIndexer:
    """Keeps a live site's search index up to date in a thread of its own (`digest watch`, `digest serve`).

    Only the shards whose pages changed are indexed again (see `search/index.py`),
    which still takes a second or more; in the background, the next save
    does not wait for it.
    Only the newest request matters: a request cancels an index being made
    for an older build, and an index finished after a newer build is dropped.
    The thread runs only while there is an index to make, and `pause` ends
    it (the builder process forks render workers, which needs no other thread).
    """

    def __init__(self, builder: SiteBuilder):
        self.builder = builder
        self._condition = threading.Condition()
        self._job: tuple[BuildState, Callable[[], tuple], str] | None = None
        """The newest build's state, its event records (made on first use, once: at 10,000 articles they take
        a second and a half, every event's description rendered, which a save must not wait for) and language."""
        self._busy = False
        self._stopped = False
        self._paused = False
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def request(self, state: BuildState, records: Callable[[], tuple], language: str) -> None:
        with self._condition:
            self._job = (state, records, language)
            self._cancel.set()  # whatever is being indexed is out of date now
            self._condition.notify_all()
            self._start()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._cancel.set()
            self._condition.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=10)

    def pause(self) -> None:
        """End the thread, cancelling the index being made (`resume` makes it again)."""
        with self._condition:
            self._paused = True
            self._cancel.set()
            thread = self._thread
        if thread is not None:
            thread.join()

    def resume(self) -> None:
        with self._condition:
            self._paused = False
            self._start()

    def wait_idle(self, timeout: float | None) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: (self._job is None and not self._busy) or self._stopped, timeout)

    def _start(self) -> None:
        """With the condition held: a thread for the pending job, unless one runs or may not."""
        if self._thread is None and self._job is not None and not (self._paused or self._stopped):
            self._thread = threading.Thread(target=self._run, name="digest-search-index", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._condition:
                if self._job is None or self._paused or self._stopped:
                    self._thread = None
                    self._condition.notify_all()
                    return
                job = self._job
                self._job = None
                self._busy = True
                self._cancel.clear()
            update: SearchUpdate | None
            try:
                update = self._index(*job)
            except IndexCancelled:
                update = None
                with self._condition:
                    if self._job is None and self._paused:  # stopped for a build, not for a newer index: again after it
                        self._job = job
            except MachineFault as fault:  # a full disk, say: one line, keep the last index
                update = SearchUpdate(False, error=str(fault))
            except Exception as exc:  # a bug or an I/O failure: report it, keep the last index
                log.exception("search index crashed")
                update = SearchUpdate(False, error=f"{type(exc).__name__}: {exc}")
            try:  # reported before the indexer counts as idle: whoever waited for it sees the update
                if update is not None and self.builder.on_search_update is not None:
                    self.builder.on_search_update(update)
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()

    def _index(self, state: BuildState, event_records: Callable[[], tuple], language: str) -> SearchUpdate | None:
        """Index again the shards whose pages on disk changed as of ``state``; None when a newer build made it pointless.

        Raises `IndexCancelled` when cancelled (a newer request, a pause).

        Pages are read from the live output: each is replaced atomically, so
        a read sees a whole page, and a page a newer build replaced meanwhile
        only means this index is dropped for the newer one.
        """
        started = time.perf_counter()
        builder = self.builder

        def read(path: str) -> bytes:
            return (builder.output / path).read_bytes()

        try:
            records = event_records()
            plan = plan_search(state.outputs, records, state.search_pages, read, language)
            if plan.inputs == state.search_inputs:
                return None
            found = index_files(plan, state.outputs, state.search_shards, read, records, language, self._cancel)
        except IndexCancelled:
            raise
        except OSError as exc:
            return SearchUpdate(False, error=str(machine_fault(exc, builder.output.parent, "cannot make the search index")), seconds=time.perf_counter() - started)
        except SearchIndexError as exc:
            return SearchUpdate(False, error=str(exc), seconds=time.perf_counter() - started)
        bundle = found.new
        with builder._lock:
            if builder.state is not state:  # a newer build is waiting to be indexed
                return None
            removed = sorted({path for path in state.outputs if path.startswith(SEARCH_BUNDLE)} - set(bundle) - set(found.kept))
            written = write_changes(builder.output, bundle, state.outputs, removed)
            for path in removed:
                del state.outputs[path]
            state.outputs.update((path, digest_bytes(data)) for path, data in bundle.items())
            state.search_inputs, state.search_pages, state.search_shards = plan.inputs, plan.pages, plan.digests
        return SearchUpdate(True, written, removed, time.perf_counter() - started)


def remembered_event_records(graph: SiteGraph, memo: ByIdentity[EventRecord]) -> tuple[EventRecord, ...]:
    """`search.index.event_records`, each record remembered while what it is made from is the very same
    objects: the event, the people, its articles (their outlets), the language; a save re-makes a few."""
    words = tuple(search_words(graph.locale).items())
    base, language = graph.config.base_path, graph.config.language
    return tuple(
        memo.get((event, graph.people, graph.locale, *(graph.articles.get(o.article) for o in event.occurrences)), (base, language),
                 functools.partial(event_record, graph, event, words))
        for event in graph.events.values()
    )


def _settle_memory() -> None:
    """After a session's first build, keep what it made out of the garbage collector's way.

    That build leaves the caches that later builds reuse: millions of objects
    for a large site, which every full collection would walk again (about a
    second per collection at 10,000 articles, at unpredictable moments
    during later builds). Freezing them, after collecting the build's own
    garbage, makes collections look only at what later builds make.
    """
    gc.collect()
    gc.freeze()


def source_keys(changed: Iterable[str]) -> frozenset[str]:
    """Graph keys (see `reads.py`) of the entities whose own files are among ``changed``.

    A seed or a sidecar is one article (its stem); a person file is one person.
    """
    keys = set()
    for path in changed:
        folder, _, name = path.rpartition("/")
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            continue
        if (folder == "seeds" and suffix in ("txt", "md")) or (folder == "content/articles" and suffix == "yaml"):
            keys.add(f"article:{stem}")
        elif folder == "content/people" and suffix == "yaml":
            keys.add(f"person:{stem}")
    return frozenset(keys)
