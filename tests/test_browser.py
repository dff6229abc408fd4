"""End to end in a real browser: `digest serve`, headless Chromium, live reload and the error overlay.

Playwright for Python drives Debian's Chromium (/usr/bin/chromium); it never
downloads a browser of its own (`playwright install` is never run). Where CI
is set, a missing Playwright or Chromium fails these tests; elsewhere they
are skipped with the reason.
"""

from __future__ import annotations

import os
import time

import pytest
from test_serve import ServeProcess, free_port

from conftest import copy_site

SIDECAR = "content/articles/plain-one.yaml"
ARTICLE = "articles/leaders-trade-words-over-ukraine/"
CLAIM_TEXT = "The talks were not useful."
BAD_STATUS_LINE = (
    "content/articles/plain-one.yaml:10:13: error: unknown status 'reportd' (did you mean 'reported'?); "
    "known: confirmed, reported, unverified, disputed, denied, false"
)
WAIT_MS = 10_000
"""How long the page may take to show a change: generous, so a loaded machine passes."""
MARKER = "window.__digestTestMarker"
"""Set on the page by the test; gone after a reload."""


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The pages carry a Content-Security-Policy: the live-reload script must live with it.
    def on_console(message) -> None:
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):  # the browser asks for one; the site has none
            errors.append(f"{message.text} ({where})")

    page.on("console", on_console)
    page.script_errors = errors
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def serve(tmp_path):
    """A factory: `digest serve` on a free port for a site folder; stopped with Ctrl-C at teardown."""
    started: list[ServeProcess] = []

    def start(site):
        tmpdir = tmp_path / "tmpdir"
        tmpdir.mkdir(exist_ok=True)
        process = ServeProcess(site, free_port(), tmpdir)
        started.append(process)
        process.wait_until_serving("/basic/")
        return process

    try:
        yield start
    finally:
        for process in started:
            try:
                code = process.interrupt()
                assert code == 0 and "Traceback" not in process.output, process.output
            finally:
                process.kill()


def wait_until(page, expression: str, timeout_ms: int = WAIT_MS) -> None:
    """Poll a JavaScript expression from outside the page (wait_for_function would need eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {timeout_ms} ms: {expression}"
        time.sleep(0.05)


def reload_marker_set(page) -> None:
    page.evaluate(f"{MARKER} = 1")


def reloaded(page) -> bool:
    return page.evaluate(f"{MARKER} === undefined")


def test_edits_reload_the_page_and_errors_show_an_overlay_until_fixed(tmp_path, page, serve):
    from playwright.sync_api import expect

    site = copy_site("basic", tmp_path)
    server = serve(site)
    page.goto(f"http://127.0.0.1:{server.port}/basic/{ARTICLE}", wait_until="load")
    annotations = page.locator("aside.annotations")
    overlay = page.locator("#digest-error-overlay")
    expect(annotations).to_contain_text(CLAIM_TEXT)
    sidecar = site / SIDECAR
    original = sidecar.read_text()

    # A good edit: the page reloads by itself and shows the new text.
    reload_marker_set(page)
    sidecar.write_text(original.replace(CLAIM_TEXT, "The talks were pointless."))
    expect(annotations).to_contain_text("The talks were pointless.", timeout=WAIT_MS)
    assert reloaded(page), "the page was reloaded, not patched"
    expect(overlay).to_have_count(0)

    # A bad edit: an overlay with the error line; the last good page stays.
    reload_marker_set(page)
    sidecar.write_text(original.replace(CLAIM_TEXT, "The talks were pointless.").replace("status: reported", "status: reportd"))
    expect(overlay).to_be_visible(timeout=WAIT_MS)
    expect(overlay).to_contain_text(BAD_STATUS_LINE)
    assert overlay.evaluate("box => getComputedStyle(box).position") == "fixed", "the overlay is styled, on top of the page"
    expect(annotations).to_contain_text("The talks were pointless.")
    assert not reloaded(page), "a failed build does not reload the page"
    server.wait_for_output(BAD_STATUS_LINE)

    # The fix: the overlay goes and the page shows the fixed content.
    sidecar.write_text(original.replace(CLAIM_TEXT, "The talks were fruitless."))
    expect(annotations).to_contain_text("The talks were fruitless.", timeout=WAIT_MS)
    expect(overlay).to_have_count(0, timeout=WAIT_MS)
    assert reloaded(page)
    assert page.script_errors == []


def test_a_stylesheet_change_swaps_the_stylesheet_without_a_reload(tmp_path, page, serve):
    from digest.source.theme import builtin_theme

    site = copy_site("basic", tmp_path)
    static = site / "themes/default/static"
    static.mkdir(parents=True)
    stylesheet = (builtin_theme() / "static/style.css").read_text()
    (static / "style.css").write_text(stylesheet)
    server = serve(site)
    page.goto(f"http://127.0.0.1:{server.port}/basic/{ARTICLE}", wait_until="load")
    assert page.evaluate("getComputedStyle(document.body).borderTopWidth") != "7px"

    reload_marker_set(page)
    (static / "style.css").write_text(stylesheet + "\nbody { border-top: 7px solid rgb(1, 2, 3); }\n")
    wait_until(page, "getComputedStyle(document.body).borderTopWidth === '7px'")
    assert not reloaded(page), "a stylesheet-only change swaps the stylesheet in place"
    assert "digest-build=" in page.evaluate("document.querySelector('link[rel=stylesheet]').href")
    assert page.script_errors == []



def test_a_page_the_build_did_not_rewrite_is_not_reloaded(tmp_path, browser, serve):
    """Two tabs: the edited article reloads (its page is written first), a person page the edit
    does not touch stays as it is, scroll position and all."""
    from playwright.sync_api import expect

    site = copy_site("basic", tmp_path)
    server = serve(site)
    context = browser.new_context()
    try:
        article, person = context.new_page(), context.new_page()
        article.goto(f"http://127.0.0.1:{server.port}/basic/{ARTICLE}", wait_until="load")
        person.goto(f"http://127.0.0.1:{server.port}/basic/people/sean-obrien/", wait_until="load")
        reload_marker_set(article)
        reload_marker_set(person)
        sidecar = site / SIDECAR
        # Saved atomically, as editors do: a truncate-then-write save can be seen half-written under
        # load, and a build of the article without its sidecar would rightly rewrite the person page.
        saving = sidecar.with_name(sidecar.name + ".tmp")
        saving.write_text(sidecar.read_text().replace(CLAIM_TEXT, "The talks were pointless."))
        os.replace(saving, sidecar)
        expect(article.locator("aside.annotations")).to_contain_text("The talks were pointless.", timeout=WAIT_MS)
        assert reloaded(article)
        server.wait_for_output("plain-one.yaml changed")
        time.sleep(1.0)  # the build's last event has reached both tabs
        assert not reloaded(person), "the person page was not rewritten, so it is not reloaded"
    finally:
        context.close()


def test_the_page_open_in_the_browser_is_made_and_reloaded_before_the_rest_of_a_build(tmp_path, page, serve):
    """A template edit changes both claim pages; the tab shows the second in the site's order. Its live-reload
    stream names the page, so the build makes it first and announces it alone, before the other."""
    from playwright.sync_api import expect
    from test_serve import EventStream

    from test_incremental import _override_template

    site = copy_site("basic", tmp_path)
    server = serve(site)
    shown = "/basic/claims/talks-not-useful/"
    listening: list[str] = []
    page.on("response", lambda response: listening.append(response.url) if "/__digest__/events" in response.url else None)
    page.goto(f"http://127.0.0.1:{server.port}{shown}", wait_until="load")
    for _ in range(WAIT_MS // 50):  # Playwright passes events on while it waits
        if listening:
            break
        page.wait_for_timeout(50)
    assert listening[0].endswith("&page=%2Fbasic%2Fclaims%2Ftalks-not-useful%2F"), listening
    stream = EventStream(server.port)

    def next_build() -> dict:
        """The next event of a build (the first build's search index, made in the background, may come between)."""
        while (event := stream.next())["pages"] == ["/basic/search/"]:
            pass
        return event

    try:
        assert stream.next()["errors"] == []  # the state before the edit (the last event, the search index's maybe)
        reload_marker_set(page)
        _override_template(site)
        announced = next_build()
        assert announced["pages"] == [shown], "the open page, written ahead of the build's other pages"
        final = next_build()
        assert final["pages"] == ["/basic/claims/no-winter-advance/"], "then the rest, the open page not again"
        expect(page.locator("main")).to_contain_text("How each outlet puts it", timeout=WAIT_MS)
        assert reloaded(page)
    finally:
        stream.close()
    assert page.script_errors == []


def test_a_first_build_that_fails_says_there_is_no_site_yet_and_the_preview_can_search(tmp_path, page):
    """No "last good site" when there is none; once fixed, the site shows, and /search/ finds
    pages as soon as the background index is written (the open search page reloads for it)."""
    from playwright.sync_api import expect

    site = copy_site("basic", tmp_path)
    sidecar = site / SIDECAR
    original = sidecar.read_text()
    sidecar.write_text(original.replace("status: reported", "status: reportd"))
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    server = ServeProcess(site, free_port(), tmpdir)
    try:
        server.wait_for_output("no site yet")
        overlay = page.locator("#digest-error-overlay")
        for _ in range(100):  # the server answers once the first build is reported
            try:
                page.goto(f"http://127.0.0.1:{server.port}/basic/", wait_until="load")
                break
            except Exception:  # noqa: BLE001 - connection refused until then
                time.sleep(0.1)
        expect(overlay).to_contain_text("no site yet: the first build failed", timeout=WAIT_MS)
        expect(overlay).to_contain_text(BAD_STATUS_LINE)
        expect(overlay).not_to_contain_text("last good site")

        page.goto(f"http://127.0.0.1:{server.port}/basic/search/", wait_until="load")
        sidecar.write_text(original)
        expect(overlay).to_have_count(0, timeout=WAIT_MS)
        page.locator(".pagefind-ui__search-input").fill("useful", timeout=30_000)
        expect(page.locator(".pagefind-ui__result-link").first).to_have_attribute("href", "/basic/claims/talks-not-useful/", timeout=WAIT_MS)
        server.wait_for_output("search index updated")
        # Only what is not there yet: the site (the 404 page says why), then the index, until it is written.
        assert all("status of 404" in error for error in page.script_errors), page.script_errors
        assert server.interrupt() == 0 and "Traceback" not in server.output, server.output
    finally:
        server.kill()
