"""The dev server: serve the last good build under the site's base path, with live reload.

Requests only ever read files from the output folder, which the builder
updates file by file atomically, so a request never waits for a build and
never sees half a file. Each served HTML page gets a small script (only in
the response, never on disk) that listens for build events over
Server-Sent Events: a good build reloads the page (or swaps the stylesheet
when only CSS changed), a failed one shows its errors in an overlay. Events
name the pages written, so a page reloads only when its own file changed,
and the saved article's page, written ahead of the rest of the build (see
`SiteBuilder.build`), is announced the moment it is on disk.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import json
import logging
import mimetypes
import os
import posixpath
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from digest.errors import UsageError
from digest.pipeline.session import Rebuild, SearchUpdate

CONTROL_PREFIX = "/__digest__/"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".wasm": "application/wasm",
}
LIVE_RELOAD_JS = (Path(__file__).parent / "livereload.js").read_text(encoding="utf-8")
NO_SITE_YET = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>No site yet</title></head>'
    b"<body><h1>No site yet</h1><p>The first build failed. Fix the errors shown in the terminal "
    b"(and below); this page reloads by itself when a build succeeds.</p></body></html>"
)


SEARCH_PAGE = "search/index.html"
"""The page that uses the search index (the default theme's /search/)."""

IDLE_TIMEOUT = 15.0
"""Seconds a connection may keep the server waiting on a read before it is closed."""

MAX_NAMED_PAGES = 2000
"""Past this many pages written, an event says "every page" instead of listing them."""


class BuildEvents:
    """The latest build outcome, and a way for clients to wait for the next one."""

    def __init__(self) -> None:
        self.build_id = 0
        self.errors: list[str] = []
        self.css_only = False
        self.pages: list[str] | None = None
        """Output paths of the HTML pages the event's build wrote; None: reload any page."""
        self._announced: set[str] = set()
        """Pages of the running build already announced by `announce_page`."""
        self._condition = threading.Condition()
        self.closed = False
        self._history: collections.deque[dict] = collections.deque(maxlen=HISTORY)
        """The latest events, oldest first: a stream sends each event after its last, so a tab
        that missed none can tell "the build after mine did not rewrite me" from "several did"."""
        self.site = False
        """A build has succeeded: there is a site to show. Until then a failed build's overlay
        cannot say "showing the last good site" (there is none)."""
        self._viewing: collections.Counter[str] = collections.Counter()
        """The output path of each page whose tab listens to the events, with how many tabs show it."""

    @contextlib.contextmanager
    def viewing(self, path: str | None) -> Iterator[None]:
        """While a tab showing the page at ``path`` (an output path; None: not a page of the site) listens:
        the builds started meanwhile make that page before the others they make (`viewed`)."""
        if path is None:
            yield
            return
        with self._condition:
            self._viewing[path] += 1
        try:
            yield
        finally:
            with self._condition:
                self._viewing[path] -= 1
                if not self._viewing[path]:
                    del self._viewing[path]

    def viewed(self) -> frozenset[str]:
        """The output paths of the pages open in a tab that listens now."""
        with self._condition:
            return frozenset(self._viewing)

    def announce_page(self, path: str) -> None:
        """A page written ahead of the rest of its build: its open copies reload now."""
        with self._condition:
            self.build_id += 1
            self.errors = []
            self.css_only = False
            self.pages = [path]
            self._announced.add(path)
            self._history.append(self.snapshot())
            self._condition.notify_all()

    def publish(self, rebuild: Rebuild) -> None:
        with self._condition:
            self.build_id += 1
            self.site = self.site or rebuild.ok
            self.errors = [str(d) for d in rebuild.errors] if not rebuild.ok else []
            self.css_only = rebuild.ok and bool(rebuild.written) and all(p.endswith(".css") for p in rebuild.written)
            self.pages = _pages_written(rebuild, self._announced)
            self._announced = set()
            self._history.append(self.snapshot())
            self._condition.notify_all()

    def publish_search(self, update: SearchUpdate) -> None:
        """The background indexer wrote a new search index: an open search page reloads to use it.

        The errors of the last build stay as they were (the index is of the last good site).
        """
        if not update.ok or not (update.written or update.removed):
            return
        with self._condition:
            self.build_id += 1
            self.css_only = False
            self.pages = [SEARCH_PAGE]
            self._history.append(self.snapshot())
            self._condition.notify_all()

    def snapshot(self) -> dict:
        return {"build": self.build_id, "errors": self.errors, "css_only": self.css_only, "pages": self.pages, "site": self.site}

    def wait_after(self, build_id: int, timeout: float) -> dict | None:
        """The latest state once a build after ``build_id`` happened (None on timeout or close)."""
        events = self.events_after(build_id, timeout)
        return events[-1] if events else None

    def events_after(self, build_id: int, timeout: float) -> list[dict]:
        """Every event after ``build_id``, in order, once there is one (empty on timeout or close).

        A reader slower than the builds (a loaded machine) still gets each
        event, not only the latest: a tab skips a reload only for the very
        next build, so a missed event would reload a page nothing rewrote.
        When the history no longer reaches back that far, the latest state
        comes alone, with no page list: every tab reloads, to be safe.
        """
        with self._condition:
            self._condition.wait_for(lambda: self.build_id != build_id or self.closed, timeout)
            if self.closed or self.build_id == build_id:
                return []
            missed = [event for event in self._history if event["build"] > build_id]
            if missed and missed[0]["build"] == build_id + 1:
                return missed
            return [{**self.snapshot(), "pages": None}]

    def close(self) -> None:
        with self._condition:
            self.closed = True
            self._condition.notify_all()


def _pages_written(rebuild: Rebuild, announced: set[str]) -> list[str] | None:
    """The pages an open browser tab may need to reload after ``rebuild``.

    None (any page) after a failed build, or when a file that pages show
    changed (a stylesheet, a script, an image): the pages showing it are
    not themselves rewritten. Pages announced earlier in the build are left out.
    """
    if not rebuild.ok or not all(path.endswith(_NOT_SHOWN) or path.startswith("pagefind/") for path in rebuild.written):
        return None
    pages = sorted(path for path in rebuild.written if path.endswith(".html") and path not in announced)
    return None if len(pages) > MAX_NAMED_PAGES else pages


_NOT_SHOWN = (".html", ".xml", ".json", ".txt")
"""Pages, and files no page displays (feeds, sitemap, exports)."""


HISTORY = 64
"""Build events kept for streams that fall behind (a save gives two: its page first, then the rest)."""


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], output: Path, base_path: str, events: BuildEvents, idle_timeout: float = IDLE_TIMEOUT):
        self.output = output
        self.base_path = base_path
        self.events = events
        self.idle_timeout = idle_timeout
        """Each read and write on a connection gives up after this many seconds (see `PreviewHandler.setup`)."""
        super().__init__(address, PreviewHandler)

    def handle_error(self, request, client_address) -> None:
        """A browser that goes away mid-response is normal; anything else is logged, never printed raw."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        logging.getLogger(__name__).exception("error while serving %s", client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        """Bound every socket operation, so a client that connects and sends nothing (or
        stops halfway through a request) is disconnected instead of holding a thread.

        The live-reload stream is not idle reading: once its request is read it only
        writes, and a write of a few bytes to a browser that reads its stream
        completes at once, so the stream stays open for as long as the page does.
        Only a client that stops reading for that long is dropped.
        """
        self.request.settimeout(self.server.idle_timeout)  # what setup() does with a class-wide timeout
        super().setup()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep the terminal for build lines
        pass

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        path = urlsplit(self.path).path
        if path == CONTROL_PREFIX + "events":
            return self._stream_events()
        if path == CONTROL_PREFIX + "livereload.js":
            return self._send(HTTPStatus.OK, LIVE_RELOAD_JS.encode(), CONTENT_TYPES[".js"], head)
        base = self.server.base_path
        if path in ("/", base.rstrip("/")) and path != base:
            return self._redirect(base)
        if not path.startswith(base):
            return self._not_found(head)
        try:
            target = resolve_request(self.server.output, path[len(base):])
            if target is not None and target.is_dir():
                if not path.endswith("/"):
                    return self._redirect(path + "/")
                target = target / "index.html"
                if not target.is_file():
                    target = None
        except RequestPathTooLong:
            return self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
        except OSError:  # whatever else the file system says of a path, it is not a page
            target = None
        if target is None:
            return self._not_found(head)
        self._send_file(target, HTTPStatus.OK, head)

    def _send_file(self, target: Path, status: HTTPStatus, head: bool) -> None:
        try:
            data = target.read_bytes()
        except OSError:
            return self._not_found(head)
        self._send_bytes(target, data, status, head)

    def _send_bytes(self, target: Path, data: bytes, status: HTTPStatus, head: bool) -> None:
        content_type = CONTENT_TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix.lower() == ".html":
            data = inject_live_reload(data, self.server.events.build_id)
        self._send(status, data, content_type, head)

    def _not_found(self, head: bool) -> None:
        page = self.server.output / "404.html"
        try:
            return self._send_bytes(page, page.read_bytes(), HTTPStatus.NOT_FOUND, head)
        except OSError:  # no good build yet (or its 404 page cannot be read)
            pass
        # A page that shows the errors and reloads once a build succeeds.
        data = inject_live_reload(NO_SITE_YET, self.server.events.build_id)
        self._send(HTTPStatus.NOT_FOUND, data, CONTENT_TYPES[".html"], head)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: HTTPStatus, data: bytes, content_type: str, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _stream_events(self) -> None:
        """Server-Sent Events: the current state at once, then one event per build."""
        events = self.server.events
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        state = events.snapshot()
        loaded = _loaded_build(self.path)
        try:
            with events.viewing(_viewed_page(self.path, self.server.base_path)):
                self._send_events(state, loaded)
        except (BrokenPipeError, ConnectionResetError, OSError):
            return

    def _send_events(self, state: dict, loaded: int | None) -> None:
        """The current ``state``, or every event since the build ``loaded`` (the tab's page), then each new one."""
        events = self.server.events
        if loaded is None or loaded >= state["build"]:
            self._write_event(state)
        else:  # the tab's page is older than the latest build: replay every event since, so that
            # it can tell the builds that did not rewrite it (it skips those) from one that did
            state = {"build": loaded}
        while not events.closed:
            updates = events.events_after(state["build"], timeout=15)
            if not updates:
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
                continue
            for state in updates:
                self._write_event(state)

    def _write_event(self, state: dict) -> None:
        if state["pages"] is not None:  # as URL paths, what the page's script compares with its own
            base = self.server.base_path
            state = {**state, "pages": [base + path.removesuffix("index.html") for path in state["pages"]]}
        self.wfile.write(f"event: build\ndata: {json.dumps(state)}\n\n".encode())
        self.wfile.flush()


class RequestPathTooLong(ValueError):
    """A URL path longer than the file system allows for a name or a path: 414, not 404."""


def resolve_request(root: Path, url_path: str) -> Path | None:
    """Map a URL path below the base path to a file inside ``root``, or None.

    Refuses anything that would leave the folder: ``..`` (also percent-encoded),
    absolute paths, NUL bytes, and symlinks that point outside. Raises
    `RequestPathTooLong` when the file system finds the name too long.
    """
    decoded = unquote(url_path)
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = [part for part in decoded.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        return None
    normalised = posixpath.normpath("/" + "/".join(parts)).lstrip("/")
    candidate = root.joinpath(*normalised.split("/")) if normalised else root
    try:
        real_root = os.path.realpath(root)
        real = os.path.realpath(candidate)
    except (OSError, ValueError):
        return None
    if real != real_root and not real.startswith(real_root + os.sep):
        return None
    try:
        candidate.stat()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise RequestPathTooLong(url_path) from exc
        return None
    except ValueError:
        return None
    return candidate


def inject_live_reload(html: bytes, build_id: int) -> bytes:
    """Add the live-reload script before the last </body> (or at the end)."""
    tag = f'<script src="{CONTROL_PREFIX}livereload.js" data-build="{build_id}" defer></script>'.encode()
    index = html.lower().rfind(b"</body>")
    if index == -1:
        return html + tag
    return html[:index] + tag + html[index:]


def bind_server(host: str, port: int, explicit_port: bool, output: Path, base_path: str, events: BuildEvents) -> PreviewServer:
    """Bind to the port asked for or, when none was given, the next free one."""
    attempts = 1 if explicit_port else 20
    for offset in range(attempts):
        try:
            return PreviewServer((host, port + offset), output, base_path, events)
        except OSError as exc:
            if exc.errno not in (98, 48, 10048):  # address in use (Linux, macOS, Windows)
                raise UsageError(f"cannot listen on {host}:{port + offset}: {exc.strerror}") from exc
    if explicit_port:
        raise UsageError(f"port {port} on {host} is already in use; pass --port N to use another")
    raise UsageError(f"ports {port}-{port + attempts - 1} on {host} are all in use; pass --port N to use another")


def _viewed_page(request_path: str, base_path: str) -> str | None:
    """The output path of the page a tab shows, from its event stream's ``?page=`` (the page's URL path, as
    ``location.pathname`` has it); None when it names no page of the site."""
    values = parse_qs(urlsplit(request_path).query).get("page", [])
    if not values:
        return None
    path = unquote(values[0])  # the query's own encoding is undone by parse_qs; this undoes the URL path's
    if not path.startswith(base_path) or "\x00" in path:
        return None
    rel = path[len(base_path):]
    if any(part in (".", "..") for part in rel.split("/")):
        return None
    return rel + "index.html" if rel == "" or rel.endswith("/") else rel


def _loaded_build(request_path: str) -> int | None:
    """The build the tab's page was served at (``?after=N`` of the event stream), if it says."""
    values = parse_qs(urlsplit(request_path).query).get("after", [])
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None
