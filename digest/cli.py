"""The command line: parse arguments, call the pipeline, print results.

This is the only module that prints diagnostics and picks exit statuses:
0 success, 1 content errors, 2 usage errors. Heavy modules are imported
inside the commands so ``digest --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from digest import __version__


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    from digest.errors import BuildFailed, DigestError

    try:
        return args.run(args)
    except BuildFailed as failure:
        _print_diagnostics(failure.diagnostics)
        errors = sum(1 for d in failure.diagnostics if d.severity == "error")
        warnings = len(failure.diagnostics) - errors
        print(f"build failed: {_count(errors, 'error')}, {_count(warnings, 'warning')}; nothing was written", file=sys.stderr)
        return failure.exit_code
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
    build.set_defaults(run=_run_build)
    return parser


def _source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", type=Path, default=Path("."), help="site root, the folder with content/site.yaml (default: .)")


def _site_root(source: Path) -> Path:
    from digest.errors import UsageError
    from digest.load import SITE_FILE, is_site_root

    root = source.absolute()
    if not root.is_dir():
        raise UsageError(f"no such folder: {source}")
    if not is_site_root(root):
        raise UsageError(f"{source} is not a site root: {SITE_FILE} not found")
    return root


def _run_build(args: argparse.Namespace) -> int:
    from digest.build import build_site
    from digest.errors import UsageError

    root = _site_root(args.source)
    output = (args.output or root / "site").absolute()
    if args.base_url is not None:
        from digest.schema import is_web_url

        if not is_web_url(args.base_url):
            raise UsageError(f"--base-url must be an http(s) URL, got '{args.base_url}'")
    if output == root or output in root.parents:
        raise UsageError(f"refusing to write the site over its own source folder: {output}")
    result = build_site(root, output, args.base_url, args.strict)
    _print_diagnostics(result.warnings)
    report = result.report
    assert report is not None
    print(
        f"built {_count(result.page_count, 'page')} ({report.written} written, {report.unchanged} unchanged, "
        f"{report.removed} removed) into {_shown(output)} in {result.seconds:.2f} s"
    )
    return 0


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
