"""The command line: parse arguments, call the pipeline, print results.

This is the only module that prints diagnostics and picks exit statuses:
0 success, 1 content errors, 2 usage errors. Heavy modules are imported
inside the commands so ``digest --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from digest import __version__


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    from digest.errors import BuildFailed, DigestError, MachineFault, OutputError

    try:
        return args.run(args)
    except BuildFailed as failure:
        _print_diagnostics(failure.diagnostics)
        errors = sum(1 for d in failure.diagnostics if d.severity == "error")
        warnings = len(failure.diagnostics) - errors
        print(f"build failed: {_count(errors, 'error')}, {_count(warnings, 'warning')}; nothing was written", file=sys.stderr)
        return failure.exit_code
    except MachineFault as fault:  # the disk or the permissions, not the content: one line naming the path
        shown = _shown(Path(fault.path))
        print(MachineFault(fault.path if shown == "." else shown, fault.problem, fault.advice), file=sys.stderr)
        return fault.exit_code
    except OutputError as error:
        print(f"{_shown(error.path)}: error: {error.message}", file=sys.stderr)
        return error.exit_code
    except DigestError as error:
        print(f"digest: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Build a static site from news articles and their YAML annotations.")
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into site/", description="Build the site (atomically replacing the output folder).")
    _source_option(build)
    build.add_argument("--output", type=Path, help="output folder (default: SOURCE/site)")
    build.add_argument("--base-url", help="override base_url from content/site.yaml for this build")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--clean", action="store_true", help="replace the output folder even if it holds files digest did not write")
    build.set_defaults(run=_run_build)

    watch = commands.add_parser("watch", help="build, then rebuild on every change", description="Build, then rebuild whenever seeds/, content/ or themes/ change.")
    _source_option(watch)
    watch.add_argument("--output", type=Path, help="output folder (default: SOURCE/site)")
    watch.add_argument("--base-url", help="override base_url from content/site.yaml")
    watch.add_argument("--poll", action="store_true", help="poll for changes (network mounts, containers)")
    watch.add_argument("--clean", action="store_true", help="replace the output folder even if it holds files digest did not write")
    watch.set_defaults(run=_run_watch)

    check = commands.add_parser("check", help="validate everything without writing", description="Run every validation of a build (drafts included) and the internal link check, plus editorial warnings, without writing anything.")
    _source_option(check)
    check.add_argument("--format", choices=("text", "json"), default="text", help="text lines (default) or a JSON list for editors and CI")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--fix", action="store_true", help="rewrite quotes that an outlet's correction moved, in place, changing nothing else")
    check.set_defaults(run=_run_check)

    new = commands.add_parser("new", help="start a sidecar or a person file", description="Write a new content file, never overwriting one.")
    kinds = new.add_subparsers(title="what", metavar="KIND")
    article = kinds.add_parser("article", help="a sidecar for a seed: digest new article SEED", description="Write content/articles/<stem>.yaml for a seed, listing the people it names and the names the site does not know yet.")
    article.add_argument("seed", help="the seed's file name or stem")
    _source_option(article)
    article.set_defaults(run=_run_new_article)
    person = kinds.add_parser("person", help='a person: digest new person "Full Name"', description="Write content/people/<id>.yaml, refusing duplicates and near-duplicates of known names.")
    person.add_argument("name", help="the person's full name")
    _source_option(person)
    person.set_defaults(run=_run_new_person)

    importing = commands.add_parser(
        "import", help="make seeds and sidecars from saved web pages and feeds",
        description="Read saved web pages (.html, .htm, .mhtml) and RSS/Atom feeds with full text, and write seeds/<stem>.md and a "
        "pre-filled content/articles/<stem>.yaml for each article. Duplicates are skipped; a changed copy of an article becomes its "
        "next version. Nothing is fetched from the network.",
    )
    importing.add_argument("files", nargs="+", metavar="FILE", help="saved pages, feeds, folders of them, or glob patterns")
    _source_option(importing)
    importing.set_defaults(run=_run_import)

    schema = commands.add_parser("schema", help="write JSON Schemas for the content files", description="Write JSON Schemas of site.yaml, person files, sidecars and timeline.yaml. In a site root, they list its statuses and person ids and go to schemas/; editors using the YAML language server get completion and inline errors.")
    schema.add_argument("--source", type=Path, help="site root (default: . if it is one)")
    schema.add_argument("--output", type=Path, help="folder to write to (default: SOURCE/schemas)")
    schema.set_defaults(run=_run_schema)

    init = commands.add_parser("init", help="start a new site in an empty folder", description="Create a new site root: content/site.yaml, seeds/, the GitHub Pages workflow and a README for editors.")
    init.add_argument("folder", type=Path)
    init.add_argument("--title", help="the site's title")
    init.add_argument("--base-url", help="where it will be published, e.g. https://user.github.io/repo/")
    init.set_defaults(run=_run_init)

    serve = commands.add_parser("serve", help="preview the site with live reload", description="Build into a private preview folder, serve it with live reload, rebuild on every change.")
    _source_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: 8000, or the next free one)")
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve.add_argument("--poll", action="store_true", help="poll for changes (network mounts, containers)")
    serve.set_defaults(run=_run_serve)
    return parser


def _source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", type=Path, default=Path("."), help="site root, the folder with content/site.yaml (default: .)")


def _site_root(source: Path) -> Path:
    from digest.errors import UsageError
    from digest.source.load import SITE_FILE, is_site_root

    root = source.absolute()
    if not root.is_dir():
        raise UsageError(f"no such folder: {source}")
    try:
        found = is_site_root(root)
    except OSError as exc:  # there may be one, in a folder that may not be read
        from digest.errors import machine_fault

        raise machine_fault(exc, _shown(root / SITE_FILE), "cannot read the site's settings") from exc
    if not found:
        raise UsageError(f"{source} is not a site root: {SITE_FILE} not found")
    return root


def _run_build(args: argparse.Namespace) -> int:
    import time

    from digest.pipeline import buildcache
    from digest.pipeline.build import build_site

    started = time.perf_counter()
    root = _site_root(args.source)
    output = _output_folder(root, args.output)
    base_url = _base_url(args.base_url)
    code = buildcache.code_fingerprint()
    inputs = buildcache.input_fingerprint(root, {"base_url": base_url, "strict": args.strict}, code)
    unchanged = buildcache.up_to_date(root, output, inputs)
    if unchanged is not None:
        for line in unchanged["messages"]:
            print(line, file=sys.stderr)
        print(f"{_shown(output)} is up to date: no source, theme or option changed since the last build "
              f"({_count(unchanged['pages'], 'page')}, 0 written) in {time.perf_counter() - started:.2f} s")
        return 0
    from digest.caches import Caches
    from digest.pipeline.savedstate import load_state, save_state

    saved = load_state(root, output, code)
    if saved.note:
        print(saved.note, file=sys.stderr)
    caches = saved.saved.caches if saved.saved else Caches()
    previous = saved.saved.state if saved.saved else None
    with _sigterm_as_interrupt():
        result = build_site(root, output, base_url, args.strict, clean=args.clean, previous=previous, caches=caches,
                            live=saved.saved.output if saved.saved else None)
    _print_diagnostics(result.warnings)
    if result.graph.drafts_left_out:
        drafts = result.graph.drafts_left_out
        print(f"left out {_count(len(drafts), 'draft')}: {', '.join(drafts)} (draft: true in the sidecar)")
    report = result.report
    assert report is not None
    state, page_count, warnings = result.state, result.page_count, [str(w) for w in result.warnings]  # counted once: 67,000 outputs at 10,000 articles
    print(
        f"built {_count(page_count, 'page')} ({len(result.rendered)} rendered; {report.written} files written, "
        f"{report.unchanged} unchanged, {report.removed} removed) into {_shown(output)} in {result.seconds:.2f} s"
    )
    del result  # the graph goes before the state is saved: a big site's peak memory is either, not both
    caches.pages = None  # and the page list with it (28 MB at 10,000 articles), which only a session's next build takes
    save_state(root, output, state, caches, code, saved.saved)
    if report.removal is not None:  # a kept old site this build did not use was being removed (or a first one made) meanwhile
        report.removal.wait()
    # Recorded last: a build killed before this point leaves no "up to date" record, so the next
    # build is a real one, and removes what this one left (a stage holding an old site).
    buildcache.remember(root, output, inputs, page_count, warnings, report.site)
    buildcache.forget_gone_outputs(root)
    return 0


def _run_new_article(args: argparse.Namespace) -> int:
    from digest.authoring.scaffold import new_article

    root = _site_root(args.source)
    path = new_article(root, args.seed)
    _refresh_schemas(root)
    print(f"wrote {_shown(path)}: fill in outlet and published, then add claims and events")
    return 0


def _run_import(args: argparse.Namespace) -> int:
    from digest.authoring.importer import import_files, require_site_folders, summary_line

    root = _site_root(args.source)
    require_site_folders(root)
    progress = _progress_bar if sys.stderr.isatty() else None
    results = import_files(root, args.files, progress)
    if progress is not None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    for result in results:
        if result.outcome == "failed":
            print(f"{result.source}: error: {result.message}", file=sys.stderr)
        elif result.outcome == "duplicate":
            print(f"{result.source}: skipped: {result.message}")
        else:
            print(f"{result.source}: {result.outcome}: {result.message or ', '.join(result.written)}")
        for note in result.notes:
            print(note, file=sys.stderr)
    if any(r.outcome in ("imported", "version") for r in results):
        _refresh_schemas(root)
    print(summary_line(results))
    return 1 if any(r.outcome == "failed" for r in results) else 0


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    print(f"\rimporting [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr, flush=True)


def _run_new_person(args: argparse.Namespace) -> int:
    from digest.authoring.scaffold import new_person

    root = _site_root(args.source)
    path = new_person(root, args.name)
    _refresh_schemas(root)
    print(f"wrote {_shown(path)}")
    return 0


def _run_schema(args: argparse.Namespace) -> int:
    from digest.authoring.jsonschemas import schema_command
    from digest.source.load import is_site_root

    source = args.source if args.source is not None else (Path(".") if is_site_root(Path(".").absolute()) else None)
    root = _site_root(source) if source is not None else None
    for path in schema_command(root, args.output):
        print(f"wrote {_shown(path)}")
    return 0


def _run_init(args: argparse.Namespace) -> int:
    from digest.authoring.scaffold import init_site

    _base_url(args.base_url)
    init_site(args.folder, args.title, args.base_url)
    _refresh_schemas(args.folder.absolute())
    folder = _shown(args.folder.absolute())
    print(f"created a new site in {folder}; the editors' guide is {folder}/docs/annotating.md")
    print(f"next: cd {folder}, put article texts in seeds/, then run: digest new article <seed>, and digest serve")
    return 0


def _refresh_schemas(root: Path) -> None:
    """Keep schemas/ (named by the files' $schema lines) in step with the site's people and statuses."""
    from digest.authoring.jsonschemas import schema_command

    schema_command(root, None)


def _run_check(args: argparse.Namespace) -> int:
    import json

    from digest.pipeline.check import check_site

    root = _site_root(args.source)
    if args.fix:
        from digest.pipeline.check import apply_quote_fixes, quote_fixes

        for fix in apply_quote_fixes(root, quote_fixes(root)):
            old, new = (" ".join(text.split()) for text in (fix.old, fix.new))  # one line per fix, whatever the YAML style
            print(f'{fix.loc}: fixed: quote "{old}" -> "{new}"', file=sys.stderr)
    with _sigterm_as_interrupt():
        diagnostics = check_site(root)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    if args.format == "json":
        items = [
            {"path": d.location.path, "line": d.location.line, "column": d.location.column,
             "severity": d.severity, "code": d.code, "message": d.message}
            for d in diagnostics
        ]
        print(json.dumps(items, indent=2, ensure_ascii=False))
    else:
        for diagnostic in diagnostics:
            print(diagnostic)
        print(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}", file=sys.stderr)
    return 1 if errors or (args.strict and warnings) else 0


def _run_watch(args: argparse.Namespace) -> int:
    from digest.live.builder import start_builder

    root = _site_root(args.source)
    output = _output_folder(root, args.output)
    # The search index is redone in the background, so a save never waits for the last one's index.
    # The builder runs in a process forked now, before any thread, so its big rebuilds use every core.
    builder = start_builder(root, output, base_url=_base_url(args.base_url), search_in_background=True, clean=args.clean)
    builder.on_search_update = _report_search_update
    try:
        with _sigterm_as_interrupt():  # the first build too: its builder and stage go as with Ctrl-C
            return _watch_loop(builder, args.poll, f"watching {_shown(root)} (output: {_shown(output)}); press Ctrl-C to stop")
    finally:
        builder.close()


def _report_search_update(update) -> None:
    import time

    stamp = time.strftime("%H:%M:%S")
    if update.ok:
        print(f"{stamp} search index updated: {_count(len(update.written), 'file')} written, "
              f"{_count(len(update.removed), 'file')} removed in {update.seconds * 1000:.0f} ms", flush=True)
    else:
        print(f"{stamp} search index not updated: {update.error}; the last index stays", flush=True)


def _run_serve(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from digest.live.builder import start_builder
    from digest.live.serve import BuildEvents, bind_server
    from digest.pipeline.write import output_faults

    root = _site_root(args.source)
    events = BuildEvents()
    # The port first: a busy one is reported at once, before a build the server could not show.
    # Requests wait in the listen queue until the first build is done and the server answers.
    server = bind_server(args.host, args.port or 8000, args.port is not None, Path(tempfile.gettempdir()), _configured_base_path(root), events)
    try:
        with output_faults(Path(tempfile.gettempdir()), "cannot make the preview folder"):
            preview = Path(tempfile.mkdtemp(prefix="digest-preview-"))
        try:
            output = preview / "site"
            # Unhashed stylesheet names let a CSS-only change swap the stylesheet without a reload.
            # Drafts are shown (with a banner): the preview is private, site/ is not.
            # The search index is made in the background, the first one too: pages are on screen
            # at once, and /search/ works (and reloads, if open) when its index is written.
            # In a process forked before the server's threads start (see `start_builder`); it must not
            # keep the server's socket open.
            builder = start_builder(root, output, [server.socket], hash_assets=False, drafts=True, search_in_background=True,
                                    first_index_in_background=True)
            server.output = builder.output
            builder.on_page_written = events.announce_page

            def on_search_update(update) -> None:
                _report_search_update(update)
                events.publish_search(update)

            builder.on_search_update = on_search_update
            try:
                with _sigterm_as_interrupt():  # the first build too: its builder and stage go as with Ctrl-C
                    return _serve(server, builder, events, args)
            finally:
                builder.close()
        finally:
            shutil.rmtree(preview, ignore_errors=True)
    finally:
        server.server_close()


def _serve(server, builder, events, args: argparse.Namespace) -> int:
    import threading

    first = _report_rebuild(builder.build(), None, builder)
    events.publish(first)
    if builder.base_path is not None:
        server.base_path = builder.base_path
    host, port = server.server_address[:2]
    url = f"http://{_url_host(str(host))}:{port}{server.base_path}"
    threading.Thread(target=server.serve_forever, name="digest-server", daemon=True).start()
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        def follow_base_path(builder):
            server.base_path = builder.base_path

        return _watch_loop(builder, args.poll, f"serving {url} ; press Ctrl-C to stop", events, first_done=True, on_good_build=follow_base_path)
    finally:
        events.close()
        server.shutdown()


def _watch_loop(builder, poll: bool, banner: str, events=None, first_done: bool = False, on_good_build=None) -> int:
    import threading

    from digest.live.builder import BuilderProcess
    from digest.live.watch import watch

    if not first_done:
        first = _report_rebuild(builder.build(), None, builder)
        if events is not None:
            events.publish(first)
    print(banner, flush=True)
    stop = threading.Event()
    if isinstance(builder, BuilderProcess):
        builder.on_death = stop.set  # nothing would build the next save: stop watching, say why

    def on_rebuild(rebuild, changed):
        _report_rebuild(rebuild, changed, builder)
        if on_good_build is not None and rebuild.ok:
            on_good_build(builder)
        if events is not None:
            events.publish(rebuild)

    try:
        with _sigterm_as_interrupt():  # `kill` stops watch mode as cleanly as Ctrl-C (temporary folders removed)
            watch(builder, on_rebuild, stop, poll=poll, viewed=events.viewed if events is not None else None)
    except KeyboardInterrupt:
        stop.set()
        print("stopped", flush=True)
        return 0
    if isinstance(builder, BuilderProcess):
        builder.check()
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, `kill` stops the command as Ctrl-C does: a build's stage is removed and its workers end.

    Without it SIGTERM ends the process at once and a half-made stage stays
    beside the output until the next build. The previous handler comes back
    after the block (the CLI also runs inside other programs, tests among them)."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report_rebuild(rebuild, changed, builder):
    """One line per build: what changed, what was written, how long it took."""
    import time

    stamp = time.strftime("%H:%M:%S")
    what = _describe_changes(changed) if changed else "initial build"
    if rebuild.ok:
        _print_diagnostics(rebuild.diagnostics)
        print(
            f"{stamp} {what}: {_count(len(rebuild.written), 'file')} written, "
            f"{_count(len(rebuild.removed), 'file')} removed ({sum(1 for p in rebuild.rendered if p.endswith('.html'))} of {rebuild.pages} pages rendered) in {rebuild.seconds * 1000:.0f} ms",
            flush=True,
        )
    else:
        _print_diagnostics(rebuild.diagnostics)
        errors = len(rebuild.errors)
        kept = "keeping the last good site" if builder.base_path is not None else "no site yet: fix the errors above"
        print(f"{stamp} {what}: build failed with {_count(errors, 'error')}; {kept}", file=sys.stderr, flush=True)
    return rebuild


def _describe_changes(changed) -> str:
    paths = sorted(changed)
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    return f"{shown} changed"


def _configured_base_path(root: Path) -> str:
    """The base path from site.yaml before (or without) a good build, so the server can start;
    "/" when it cannot be read (the build then says why)."""
    from digest.errors import Diagnostics
    from digest.graph.link import site_config
    from digest.source.load import SITE_FILE
    from digest.source.schema import SITE_FIELDS, check_record
    from digest.source.yamlnodes import parse_yaml

    try:
        text = (root / SITE_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "/"
    node = parse_yaml(text, SITE_FILE, Diagnostics())
    record = check_record(node, SITE_FIELDS, Diagnostics()) if node is not None else None
    return site_config(record).base_path if record is not None else "/"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


SOURCE_FOLDERS = ("content", "seeds", "themes", ".git")


def _output_folder(root: Path, output: Path | None) -> Path:
    """The output folder, refusing any that would replace (and so delete) sources."""
    from digest.errors import UsageError

    folder = (output or root / "site").absolute()
    real, real_root = folder.resolve(), root.resolve()
    protected = [real_root / name for name in SOURCE_FOLDERS]
    if real == real_root or real in real_root.parents or any(real == p or p in real.parents for p in protected):
        raise UsageError(f"refusing to write the site over its own sources: {folder} (choose a folder such as {root / 'site'})")
    return folder


def _base_url(value: str | None) -> str | None:
    from digest.errors import UsageError
    from digest.source.schema import is_base_url

    if value is not None and not is_base_url(value):
        raise UsageError(f"--base-url must be an absolute http(s) URL without quotes, spaces, angle brackets or backslashes, got '{value}'")
    return value


def _print_diagnostics(diagnostics) -> None:
    for diagnostic in diagnostics:
        print(diagnostic, file=sys.stderr)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
