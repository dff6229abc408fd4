#!/usr/bin/env python3
"""Screenshots of every page type at phone and desktop widths, light and dark.

    python scripts/screenshots.py OUTPUT_FOLDER [--source SITE_ROOT]

Builds the site (the demo by default) into a temporary folder, serves it
under its base path on 127.0.0.1 and has headless Chromium (Debian's, via
Playwright) save full-page PNGs named <page>-<width>-<scheme>.png. For
looking at, not for committing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from digest.pipeline.build import build_site  # noqa: E402

from browsing import CHROMIUM, CHROMIUM_ARGS, serve_site  # noqa: E402

WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")


def first_month(site: Path) -> str:
    """The newest month of articles: 'articles/2022/11/'."""
    found = sorted(p.parent.relative_to(site).as_posix() for p in (site / "articles").glob("[0-9]*/[0-9]*/index.html"))
    return found[-1] + "/" if found else ""


def page_paths(site: Path) -> dict[str, str]:
    """One page of each type: name -> path under the base path."""
    def first(folder: str) -> str:
        found = sorted(p.parent.relative_to(site).as_posix() for p in (site / folder).glob("*/index.html"))
        return found[0] + "/" if found else ""

    pages = {
        "home": "", "articles": "articles/", "articles-month": first_month(site), "article": first("articles"), "people": "people/",
        "person": "people/jake-sullivan/" if (site / "people/jake-sullivan").is_dir() else first("people"),
        "timeline": "timeline/", "timeline-year": first("timeline"), "claims": "claims/", "claim-status": first("claims/status"),
        "claim": first("claims"), "outlets": "outlets/",
        "outlet": first("outlets"), "compare": "compare/", "search": "search/?q=Patrushev", "not-found": "404.html",
    }
    return {name: path for name, path in pages.items() if path or name == "home"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="folder for the PNGs")
    parser.add_argument("--source", type=Path, default=REPO, help="site root (default: this repository's demo)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        site = Path(temporary) / "site"
        result = build_site(args.source, site)
        base_path = result.graph.config.base_path
        with serve_site(site, base_path) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for scheme in SCHEMES:
                for width in WIDTHS:
                    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
                    page = context.new_page()
                    for name, path in page_paths(site).items():
                        page.goto(base_url + path, wait_until="networkidle")
                        if name == "search":
                            page.wait_for_selector(".pagefind-ui__result", timeout=10_000)
                        target = args.output / f"{name}-{width}-{scheme}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(target)
                    context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
