"""Run the pipeline: load -> validate -> link -> render -> write.

`render_site` runs everything but the write and, given the `BuildState` of
the previous build, renders only the pages whose recorded reads or templates
changed. `index_search` adds the search index to what was rendered.
`build_site` is `digest build`: a full render, the index and an atomic swap
of the whole output folder. Watch mode calls `render_site` with its state and
writes the changed files one by one (`write.write_changes`).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import cast

from jinja2 import TemplateError

from digest.buildstate import BuildState, PageRecord, TemplateIndex, digest_bytes
from digest.caches import Caches
from digest.errors import BuildFailed, Diagnostic, Diagnostics, Location, MachineFault, machine_fault
from digest.i18n import load_locale
from digest.link import link_site
from digest.load import LoadedSite, load_site, unfit_path_segment
from digest.model import SiteGraph, translated_statuses
from digest.pages import Page, render_page, site_pages
from digest.publish import publishing_pages
from digest.reads import Reader
from digest.render import environment_for, theme_folders
from digest.search import BUNDLE as SEARCH_BUNDLE
from digest.search import SearchIndexError, SearchIndexTruncated, build_index, event_records, index_folder, inputs_digest, searchable
from digest.workers import bind_to_parent
from digest.write import Stage, WriteReport, output_faults, place


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


@dataclass(frozen=True, slots=True)
class FirstPages:
    """Pages an incremental build renders before all others, and where they go at once.

    Watch mode names the keys of the entities whose files were saved (the
    article of a saved sidecar or seed, the person of a saved person file),
    so the page the editor is looking at is written before the build works
    out what else the change affects. Which pages those are still comes
    from the previous build's records; this only changes the order.
    """

    keys: frozenset[str]
    deliver: Callable[[str, bytes], None]


def render_site(
    root: Path,
    base_url: str | None = None,
    strict: bool = False,
    previous: BuildState | None = None,
    hash_assets: bool = True,
    drafts: bool = False,
    first: FirstPages | None = None,
    stage: Stage | None = None,
    changed: Iterable[str] | None = None,
    caches: Caches | None = None,
) -> BuildResult:
    """Everything but writing; raises BuildFailed with every problem found.

    ``changed``: what a watcher saw change since the last build (see `load_site`).
    With a ``stage``, files go there as they are made instead of into
    ``outputs`` (a full build then holds no page in memory). ``caches``: the
    session's (see `caches.py`); without one, nothing is reused."""
    caches = caches if caches is not None else Caches()
    diagnostics = Diagnostics()
    loaded = load_site(root, diagnostics, changed, caches)
    graph = link_site(loaded, diagnostics, base_url, drafts, caches)
    failing = diagnostics.errors + (diagnostics.warnings if strict else [])
    if failing or graph is None:
        raise BuildFailed(diagnostics.sorted())
    return render_graph(root, loaded, graph, diagnostics, previous, hash_assets, first, stage, caches)


def render_graph(
    root: Path,
    loaded: LoadedSite,
    graph: SiteGraph,
    diagnostics: Diagnostics,
    previous: BuildState | None = None,
    hash_assets: bool = True,
    first: FirstPages | None = None,
    stage: Stage | None = None,
    caches: Caches | None = None,
) -> BuildResult:
    """Render a linked graph (the render stage); raises BuildFailed for theme problems."""
    caches = caches if caches is not None else Caches()
    if graph.config.theme != "default" and not (root / "themes" / graph.config.theme).is_dir():
        where = loaded.config.where("theme") if loaded.config else Location("content/site.yaml")
        raise BuildFailed([Diagnostic(where, "error", f"theme '{graph.config.theme}' not found in themes/", "unknown-theme")])
    folders = theme_folders(root, graph.config.theme)
    copied = _theme_assets(root, folders, hash_assets)
    graph.assets = {name: path for name, (path, _) in copied.items()}
    _set_locale(root, loaded, graph, folders, diagnostics)
    env = environment_for(folders, graph.config, graph.locale, caches)
    pages = site_pages(graph) + publishing_pages(list(graph.people), graph.config)
    files = dict(copied.values())
    generated = {page.path.casefold(): page.path for page in pages} | {path.casefold(): path for path in files}
    collisions = []
    for rel, path in loaded.static_files:
        if rel.casefold() in generated:
            message = f"static file '{rel}' would replace the generated '{generated[rel.casefold()]}'" + (
                "" if rel == generated[rel.casefold()] else " on case-insensitive disks (macOS, Windows)"
            )
            collisions.append(Diagnostic(Location(f"content/static/{rel}"), "error", message, "static-collision"))
        elif graph.config.search and rel.casefold().startswith(SEARCH_BUNDLE):
            message = f"static file '{rel}' is inside {SEARCH_BUNDLE}, where the search index goes; move it, or set 'search: false'"
            collisions.append(Diagnostic(Location(f"content/static/{rel}"), "error", message, "static-collision"))
        try:
            files[rel] = path.read_bytes()
        except OSError as exc:
            collisions.append(machine_fault(exc, f"content/static/{rel}", "cannot read this static file").diagnostic())
    if collisions:
        raise BuildFailed(collisions)
    try:
        result = _render_pages(graph, env, pages, previous or BuildState(), caches, first, stage)
    except TemplateError as exc:
        raise BuildFailed([_template_diagnostic(exc, root)]) from exc
    result.warnings = diagnostics.sorted()
    for rel, data in files.items():
        if stage is None:
            result.outputs[rel] = data
        else:
            stage.put(rel, data)
        result.state.outputs[rel] = digest_bytes(data)
    if previous is not None:
        result.removed = sorted(set(previous.outputs) - set(result.state.outputs))
    return result


def _set_locale(root: Path, loaded: LoadedSite, graph: SiteGraph, folders: list[Path], diagnostics: Diagnostics) -> None:
    """Load the site's language (the render stage's edge) and put the built-in statuses in it."""
    locale, problems = load_locale(folders, graph.config.language, root)
    for problem in problems:
        if problem.path == "content/site.yaml" and loaded.config is not None:
            diagnostics.warning(loaded.config.where("language"), problem.message, "language")
        else:
            raise BuildFailed([Diagnostic(Location(problem.path, problem.line), "error", problem.message, "catalogue")])
    graph.locale = locale
    if not graph.config.own_statuses:
        graph.config = replace(graph.config, statuses=translated_statuses(locale))


def _render_pages(
    graph: SiteGraph, env, pages: list[Page], previous: BuildState, caches: Caches, first: FirstPages | None = None, stage: Stage | None = None
) -> BuildResult:
    reader = Reader(graph, caches.value_digests)
    templates = TemplateIndex(env, caches.template_references)
    state = BuildState()
    todo: list[int] = []
    closures: dict[str, frozenset[str]] = {}
    outputs: dict[str, bytes] = {}
    digests: dict[str, bytes | None] = {}
    done: list[int] = []
    if first is not None:
        for number, page in _first_pages(graph, pages, previous, first.keys):
            data, keys = render_page(env, page, reader)
            closures[page.path] = templates.closure(page.template) if page.template else frozenset()
            outputs[page.path] = data
            state.pages[page.path] = PageRecord(frozenset(keys), closures[page.path])
            state.outputs[page.path] = digest_bytes(data)
            first.deliver(page.path, data)
            done.append(number)
    for number, page in enumerate(pages):
        if page.path in outputs:
            continue
        closure = templates.closure(page.template) if page.template else frozenset()
        closures[page.path] = closure
        old = previous.pages.get(page.path)
        if (
            old is not None
            and old.templates == closure
            and templates.unchanged(closure, previous.templates)
            and all(reader.fingerprint(key) == previous.fingerprints.get(key) for key in old.keys)
            and (stage is None or stage.carry(page.path))  # a full build takes the unchanged page from the old site
        ):
            state.pages[page.path] = old
            state.outputs[page.path] = previous.outputs[page.path]
        else:
            todo.append(number)
    for number, data, keys, key_digests in _render_all(env, pages, todo, reader, stage):
        page = pages[number]
        if isinstance(data, Placed):
            assert stage is not None, "workers place pages only when given a stage"
            stage.note(page.path, data.reused)
            state.outputs[page.path] = data.digest
        elif stage is not None:
            stage.put(page.path, data)
            state.outputs[page.path] = digest_bytes(data)
        else:
            outputs[page.path] = data
            state.outputs[page.path] = digest_bytes(data)
        state.pages[page.path] = PageRecord(frozenset(keys), closures[page.path])
        digests.update(key_digests)
    state.fingerprints = {
        key: digests[key] if key in digests else reader.fingerprint(key)
        for record in state.pages.values()
        for key in record.keys
    }
    state.templates = dict(templates.digests)
    rendered = [pages[number].path for number in sorted(done + todo)]
    return BuildResult(graph, outputs, state, [], rendered)


PARALLEL_MINIMUM = 300
"""Pages to render before it pays to fork workers."""
RESULTS_PER_MESSAGE = 64
"""Pages a worker reports in one message: few enough to keep messages small, enough to keep them few."""


def _first_pages(graph: SiteGraph, pages: list[Page], previous: BuildState, keys: frozenset[str]) -> list[tuple[int, Page]]:
    """The pages that read one of ``keys`` when last built, those entities' own pages first.

    A saved person file also brings forward the pages that show the person
    without reading their record whole: the articles that name them, and
    pages that list them (their summary).
    """
    shown = set(keys)
    for key in keys:
        kind, _, pid = key.partition(":")
        if kind == "person":
            shown.add(f"person-summary:{pid}")
            shown.update(f"article-people:{stem}" for stem in graph.index.named_by.get(pid, ()))
    found = []
    for number, page in enumerate(pages):
        old = previous.pages.get(page.path)
        if old is not None and not shown.isdisjoint(old.keys):
            found.append((keys.isdisjoint(old.keys), number, page))
    found.sort(key=lambda item: item[:2])
    return [(number, page) for _, number, page in found]


@dataclass(frozen=True, slots=True)
class Placed:
    """A page a worker process wrote into the stage itself: what the parent needs of it."""

    digest: bytes
    reused: bool


def _render_all(env, pages: list, todo: list[int], reader: Reader, stage: Stage | None = None):
    """Render pages, in forked worker processes when there are many and it is safe to fork.

    Forking is safe only with no other threads (watch mode has observer and
    server threads), so incremental rebuilds in a session render in-process;
    they render few pages anyway. Results are the same bytes either way.
    Each worker is handed its share through the fork itself (the arguments
    of a forked process are inherited, never pickled) and reports back
    through its own pipe, whichever is ready first.
    Workers die with this process, however it ends (see `digest.workers`);
    an exception here, Ctrl-C included, terminates them.
    """
    workers = min(os.cpu_count() or 1, 4)
    can_fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if len(todo) < PARALLEL_MINIMUM or workers < 2 or not can_fork:
        for number in todo:
            data, keys = render_page(env, pages[number], reader)
            yield number, data, keys, {}
        return
    context = multiprocessing.get_context("fork")
    running: dict[Connection, BaseProcess] = {}
    try:
        for start in range(workers):
            receive, send = context.Pipe(duplex=False)
            share = (env, pages, reader.graph, stage, todo[start::workers], send, os.getpid())
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
                if message is None:
                    del running[ready]
                elif isinstance(message, BaseException):
                    raise message
                else:
                    yield from message
    finally:
        for receive, worker in running.items():
            worker.terminate()
            receive.close()
        for worker in running.values():
            worker.join()


def _render_share(env, pages: list, graph: SiteGraph, stage: Stage | None, numbers: list[int], send: Connection, parent: int) -> None:
    """In a worker: render some pages, with the fingerprints of what they read, and report them.

    With a stage, the worker writes the pages there itself and sends back
    only their digests, instead of pickling every page to the parent. The
    share ends with None, or with the exception that stopped it."""
    bind_to_parent(parent)
    reader = Reader(graph)
    results: list[tuple[int, bytes | Placed, set[str], dict[str, bytes | None]]] = []
    try:
        for number in numbers:
            try:
                data, keys = render_page(env, pages[number], reader)
            except TemplateError as exc:  # re-raised in the parent with its message and place
                filename, line = _template_place(exc)
                raise TemplateFailure(exc.message or str(exc), filename or "", line or 1) from None
            fingerprints = {key: reader.fingerprint(key) for key in keys}
            sent: bytes | Placed = data
            if stage is not None:
                sent = Placed(digest_bytes(data), place(stage.folder, stage.output, pages[number].path, data))
            results.append((number, sent, keys, fingerprints))
            if len(results) >= RESULTS_PER_MESSAGE:
                send.send(results)
                results = []
        send.send(results)
        send.send(None)
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent, which re-raises it
        try:
            send.send(exc)
        except Exception:  # an exception that cannot be pickled: its text
            send.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


def build_site(
    root: Path,
    output: Path,
    base_url: str | None = None,
    strict: bool = False,
    clean: bool = False,
    previous: BuildState | None = None,
    caches: Caches | None = None,
) -> BuildResult:
    """A whole new site, streamed into a stage beside ``output`` and swapped in atomically.

    ``clean``: replace ``output`` even if it holds files digest did not write.
    ``previous`` and ``caches``: the state of the build that made ``output``
    (see `savedstate.py`); pages it shows unchanged are hard-linked from
    ``output`` instead of rendered again."""
    started = time.perf_counter()
    with output_faults(output.parent, "cannot make the new site beside the output"):
        stage = Stage(output, clean)
    try:
        result = render_site(root, base_url, strict, previous=previous, stage=stage, caches=caches)
        index_search(result, previous, stage=stage)
        result.report = stage.commit()
    except BaseException:
        stage.discard()
        raise
    result.seconds = time.perf_counter() - started
    return result


def index_search(
    result: BuildResult,
    previous: BuildState | None = None,
    read_previous: Callable[[str], bytes] | None = None,
    stage: Stage | None = None,
) -> None:
    """The search stage, between render and write: add the search index to the outputs.

    ``previous`` and ``read_previous`` (a page's bytes as the previous build
    wrote them) serve incremental builds: the index is made again only when
    a page or an event changed, and then from every page, changed or not.
    With a ``stage`` (a full build), the indexer reads the staged pages in
    place and its bundle goes into the stage.
    """
    if not result.graph.config.search:
        return
    records = event_records(result.graph)
    pages = {path: digest for path, digest in result.state.outputs.items() if path.endswith(".html")}
    inputs = inputs_digest(pages, records)
    result.state.search_inputs = inputs
    bundle_files = [path for path in previous.outputs if path.startswith(SEARCH_BUNDLE)] if previous is not None else []
    reusable = previous is not None and previous.search_inputs == inputs
    if stage is not None and previous is not None and reusable and all((stage.output / path).is_file() for path in bundle_files):
        for path in bundle_files:  # nothing it indexes changed: the old site's index stays
            stage.carry(path)
            result.state.outputs[path] = previous.outputs[path]
    elif stage is not None:
        try:
            with output_faults(stage.output, "cannot write the search index"):
                bundle = index_folder(stage.folder, records)
        except SearchIndexTruncated as exc:
            raise MachineFault(str(stage.output), f"the search index came out cut short ({exc})", "the disk is probably full: free some space and build again") from exc
        except SearchIndexError as exc:
            raise BuildFailed([Diagnostic(Location("content/site.yaml"), "error", f"search index: {exc}", "search-index")]) from exc
        for path, data in bundle.items():
            stage.put(path, data)
            result.state.outputs[path] = digest_bytes(data)
    elif previous is not None and previous.search_inputs == inputs:
        result.state.outputs.update((path, digest) for path, digest in previous.outputs.items() if path.startswith(SEARCH_BUNDLE))
    else:
        html = {}
        for path in sorted(pages):
            page = result.outputs.get(path)
            if page is None:
                if read_previous is None:
                    raise ValueError(f"index_search: {path} was not rendered and there is no previous build to read it from")
                page = read_previous(path)
            html[path] = page
        marked = {path: data for path, data in html.items() if searchable(path, data)}
        try:  # a site with nothing marked searchable yet (a new one) gets its pages indexed whole
            with output_faults(Path(tempfile.gettempdir()), "cannot make the search index"):
                bundle = build_index(marked if marked or records else html, records)
        except SearchIndexTruncated as exc:
            raise MachineFault(tempfile.gettempdir(), f"the search index came out cut short ({exc})", "the disk is probably full: free some space and save again") from exc
        except SearchIndexError as exc:
            raise BuildFailed([Diagnostic(Location("content/site.yaml"), "error", f"search index: {exc}", "search-index")]) from exc
        for path, data in bundle.items():
            result.outputs[path] = data
            result.state.outputs[path] = digest_bytes(data)
    if previous is not None:
        result.removed = sorted(set(previous.outputs) - set(result.state.outputs))


HASHED_SUFFIXES = (".css", ".js")


def _theme_assets(root: Path, folders: list[Path], hash_names: bool) -> dict[str, tuple[str, bytes]]:
    """Theme static files: name -> (path under /assets/, bytes); a site theme's file wins.

    Stylesheets and scripts get a content hash in their name, because GitHub
    Pages lets browsers cache them for ten minutes after every deploy.
    Raises BuildFailed for files that cannot be read or published everywhere.
    """
    assets: dict[str, tuple[str, bytes]] = {}
    problems = []
    for folder in reversed(folders):
        static = folder / "static"
        if static.is_dir():
            for path in sorted(static.rglob("*")):
                if path.is_file():
                    name = path.relative_to(static).as_posix()
                    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
                    unfit = unfit_path_segment(name)
                    if unfit is not None:
                        problems.append(Diagnostic(Location(shown), "error", f"cannot publish theme file '{name}': {unfit}", "bad-file-name"))
                        continue
                    try:
                        data = path.read_bytes()
                    except OSError as exc:
                        problems.append(machine_fault(exc, shown, "cannot read this theme file").diagnostic())
                        continue
                    published = name
                    if hash_names and path.suffix in HASHED_SUFFIXES:
                        published = f"{name[: -len(path.suffix)]}.{digest_bytes(data).hex()[:10]}{path.suffix}"
                    assets[name] = ("assets/" + published, data)
    if problems:
        raise BuildFailed(problems)
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
