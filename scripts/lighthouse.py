#!/usr/bin/env python3
"""Lighthouse's accessibility, best-practices and SEO scores of the built site, served under a sub-path.

    python scripts/lighthouse.py OUTPUT_FOLDER [--source SITE_ROOT] [--base-path /digest/]
                                 [--form-factor desktop|mobile ...] [--page NAME ...]

Builds the site (the demo by default) for http://127.0.0.1:PORT/digest/,
serves the folder above it with a plain static server (so the site is at
that sub-path, as on GitHub Pages, and nothing answers outside it), and runs
Lighthouse 12 on the home page, an article, a person, the timeline and the
search page (with a query, so Pagefind's results are on the page), or on
the page kinds --page names, once per form factor. It writes each report as OUTPUT/<page>-<form factor>.report.json
and .html, prints a table of scores and every audit that kept a score below
100, and exits 1 if any did.

Lighthouse comes from npm, pinned below, installed once with `npm install`
into ~/.cache/digest-lighthouse (or $DIGEST_LIGHTHOUSE_PREFIX); it drives
Debian's Chromium ($CHROME_PATH, default /usr/bin/chromium) and never
downloads a browser. Not part of the test suite: it needs npm's registry
once and takes about a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from digest.pipeline.build import build_site  # noqa: E402

LIGHTHOUSE = "lighthouse@12.8.2"
CATEGORIES = ("accessibility", "best-practices", "seo")
FORM_FACTORS = ("desktop", "mobile")
ISSUE_16_PAGES = ("home", "article", "person", "timeline", "search")
KINDS = ISSUE_16_PAGES + (
    "articles", "people", "timeline-year", "claims", "claim-status", "claim", "outlets", "outlet", "compare", "not-found",
)
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync"


@dataclass(frozen=True, slots=True)
class Failure:
    """One audit that kept a category below 100."""

    audit: str
    title: str
    items: tuple[str, ...]
    """What the audit found, one line per element or resource (the first few)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    page: str
    form_factor: str
    scores: dict[str, int]
    failures: tuple[Failure, ...]


def lighthouse_binary(prefix: Path) -> Path:
    """The pinned Lighthouse CLI under ``prefix``, installed there by npm if it is not yet."""
    binary = prefix / "node_modules" / ".bin" / "lighthouse"
    version_file = prefix / "node_modules" / "lighthouse" / "package.json"
    wanted = LIGHTHOUSE.split("@", 1)[1]
    if not (binary.exists() and json.loads(version_file.read_text()).get("version") == wanted):
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), LIGHTHOUSE], check=True)
    return binary


def page_paths(site: Path) -> dict[str, str]:
    """One page of each kind: page name -> path under the base path (issue 16's five first)."""
    def first(folder: str) -> str:
        found = sorted(p.parent.relative_to(site).as_posix() for p in (site / folder).glob("*/index.html"))
        return found[0] + "/" if found else ""

    person = "people/jake-sullivan/" if (site / "people/jake-sullivan").is_dir() else first("people")
    pages = {
        "home": "", "article": first("articles"), "person": person, "timeline": "timeline/", "search": "search/?q=Patrushev",
        "articles": "articles/", "people": "people/", "timeline-year": first("timeline"), "claims": "claims/",
        "claim-status": first("claims/status"), "claim": first("claims"), "outlets": "outlets/", "outlet": first("outlets"),
        "compare": "compare/", "not-found": "404.html",
    }
    return {name: path for name, path in pages.items() if path or name == "home"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[int]:
    """A plain static server of ``folder`` on 127.0.0.1; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def describe_item(item: dict[str, object]) -> str:
    """One line for an audit's detail item: the element's selector and snippet, or the URL and text."""
    node = item.get("node")
    if isinstance(node, dict):
        return f"{node.get('selector', '')}  {node.get('snippet', '')}  {node.get('explanation', '')}".strip()
    parts = [str(value) for key, value in item.items() if key in ("url", "source", "description", "label", "text") and value]
    return "  ".join(parts) or json.dumps(item)[:300]


def read_report(path: Path, page: str, form_factor: str) -> Outcome:
    """Scores (0-100) and the audits that cost points, from a Lighthouse JSON report."""
    report = json.loads(path.read_text())
    scores = {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}
    failures = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            failed = audit["score"] is not None and audit["score"] < 1
            if ref["weight"] and failed or audit["scoreDisplayMode"] == "error":
                items = (audit.get("details") or {}).get("items") or []
                found = tuple(describe_item(item) for item in items[:8])
                failures.append(Failure(ref["id"], audit["title"], found or (audit.get("errorMessage") or "",)))
    return Outcome(page, form_factor, scores, tuple(failures))


def run_lighthouse(binary: Path, url: str, form_factor: str, target: Path) -> None:
    """One Lighthouse run, writing ``target``.report.json and .report.html."""
    command = [
        str(binary), url, f"--only-categories={','.join(CATEGORIES)}", "--output=json", "--output=html",
        f"--output-path={target}", f"--chrome-flags={CHROME_FLAGS}", "--quiet",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    environment = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, check=True, env=environment)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="folder for the reports")
    parser.add_argument("--source", type=Path, default=REPO, help="site root (default: this repository's demo)")
    parser.add_argument("--base-path", default="/digest/", help="the sub-path to serve the site under (default /digest/)")
    parser.add_argument("--form-factor", action="append", choices=FORM_FACTORS, help="desktop, mobile (default: both)")
    parser.add_argument("--page", action="append", choices=KINDS, help=f"a page kind: {', '.join(KINDS)} (default: the first five)")
    args = parser.parse_args(argv)
    prefix = Path(os.environ.get("DIGEST_LIGHTHOUSE_PREFIX", Path.home() / ".cache" / "digest-lighthouse"))
    binary = lighthouse_binary(prefix)
    base_path = "/" + args.base_path.strip("/") + "/"
    args.output.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with tempfile.TemporaryDirectory() as temporary, static_server(Path(temporary)) as port:
        site = Path(temporary) / base_path.strip("/")
        site.parent.mkdir(parents=True, exist_ok=True)
        build_site(args.source, site, base_url=f"http://127.0.0.1:{port}{base_path}")
        for name, path in page_paths(site).items():
            if name not in (args.page or ISSUE_16_PAGES):
                continue
            for form_factor in args.form_factor or FORM_FACTORS:
                target = args.output / f"{name}-{form_factor}"
                run_lighthouse(binary, f"http://127.0.0.1:{port}{base_path}{path}", form_factor, target)
                outcomes.append(read_report(target.with_name(target.name + ".report.json"), name, form_factor))
    print(f"{'page':14} {'form factor':12} " + " ".join(f"{name:>15}" for name in CATEGORIES))
    for outcome in outcomes:
        print(f"{outcome.page:14} {outcome.form_factor:12} " + " ".join(f"{outcome.scores[name]:>15}" for name in CATEGORIES))
    for outcome in outcomes:
        for failure in outcome.failures:
            print(f"\n{outcome.page} ({outcome.form_factor}): {failure.audit}: {failure.title}")
            for item in failure.items:
                print(f"    {item}")
    return 1 if any(failure for outcome in outcomes for failure in outcome.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
