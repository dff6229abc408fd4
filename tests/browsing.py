"""A built site in headless Chromium: a static server under the site's base path, and the browser.

Playwright for Python drives Debian's Chromium (/usr/bin/chromium); it never
downloads a browser of its own (`playwright install` is never run), as in
test_browser.py. scripts/screenshots.py uses it too. Where CI is set, a missing Playwright or Chromium fails the
tests that need them; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = os.environ.get("DIGEST_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


RENDERER_CRASHED = [r"\bPage crashed\b", r"\bTarget crashed\b"]
"""What Playwright reports when Chromium's renderer process for a tab dies (``chrome://crash`` does it on
purpose). Seen once in CI, in a tab waiting for a live reload: the browser's failure, not the page's."""


def rerun_if_the_renderer_crashes(item) -> None:
    """A test that uses the ``browser`` fixture and fails with a renderer crash runs once more, from a fresh
    setup (pytest-rerunfailures); any other failure fails at once, and so does a second crash."""
    import pytest

    if "browser" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=RENDERER_CRASHED))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    import pytest

    if in_ci():
        pytest.fail(f"{reason}; CI is set, so the browser test must run", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium, or a skip (a failure under CI) saying what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"Playwright for Python is not installed ({exc}): pip install playwright (never `playwright install`)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


class _Handler(http.server.SimpleHTTPRequestHandler):
    base_path = "/"

    def translate_path(self, path: str) -> str:
        route = path.split("?", 1)[0].split("#", 1)[0]
        if not route.startswith(self.base_path):
            return str(Path(self.directory) / "__outside_the_base_path__")
        return super().translate_path("/" + route[len(self.base_path):])

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@contextlib.contextmanager
def serve_site(site: Path, base_path: str) -> Iterator[str]:
    """Serve ``site`` at http://127.0.0.1:<free port><base_path>; yields that URL."""
    handler = type("Handler", (_Handler,), {"base_path": base_path})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
