"""The dev server: files under the base path, live-reload injection, safety, SSE, load, and `digest serve`."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import digest.pipeline.session
from digest.errors import Diagnostic, Location, UsageError
from digest.live.serve import BuildEvents, PreviewServer, _viewed_page, bind_server, inject_live_reload
from digest.pipeline.session import Rebuild, SiteBuilder

from conftest import REPO, copy_site

SIDECAR = "content/articles/plain-one.yaml"
ARTICLE = "articles/leaders-trade-words-over-ukraine/index.html"
CLAIM_TEXT = "The talks were not useful."
SCRIPT = b'<script src="/__digest__/livereload.js"'
BAD_STATUS_LINE = (
    "content/articles/plain-one.yaml:10:13: error: unknown status 'reportd' (did you mean 'reported'?); "
    "known: confirmed, reported, unverified, disputed, denied, false"
)
TIMEOUT = 10.0


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def request(port: int, path: str, method: str = "GET", timeout: float = TIMEOUT) -> Response:
    """One request with the path sent exactly as given (http.client does not normalise it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        conn.close()


class EventStream:
    """A Server-Sent Events client for /__digest__/events."""

    def __init__(self, port: int, timeout: float = TIMEOUT, query: str = ""):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.conn.request("GET", "/__digest__/events" + query)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.headers["Content-Type"] == "text/event-stream"

    def next(self) -> dict | None:
        """The next `build` event's data, or None at the end of the stream."""
        name, data = None, []
        while True:
            line = self.response.readline()
            if not line:
                return None
            line = line.decode().rstrip("\r\n")
            if line == "":
                if name == "build":
                    return json.loads("\n".join(data))
                name, data = None, []
            elif line.startswith(":"):
                continue  # keep-alive comment
            elif line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data.append(line.split(":", 1)[1].strip())

    def close(self) -> None:
        self.conn.close()


@dataclass
class Served:
    site: Path
    output: Path
    builder: SiteBuilder
    events: BuildEvents
    server: PreviewServer

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def get(self, path: str, method: str = "GET") -> Response:
        return request(self.port, path, method)


def start_server(server: PreviewServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="test-server", daemon=True)
    thread.start()
    return thread


def stop_server(server: PreviewServer, events: BuildEvents) -> None:
    events.close()
    server.shutdown()
    server.server_close()


@pytest.fixture
def served(tmp_path) -> Served:
    site = copy_site("basic", tmp_path)
    output = tmp_path / "preview" / "site"
    builder = SiteBuilder(site, output, hash_assets=False, drafts=True, search=False)  # as `digest serve` builds its preview
    first = builder.build()
    assert first.ok, [str(d) for d in first.diagnostics]
    assert builder.base_path == "/basic/"
    events = BuildEvents()
    events.publish(first)
    server = bind_server("127.0.0.1", 0, True, output, builder.base_path, events)
    start_server(server)
    try:
        yield Served(site, output, builder, events, server)
    finally:
        stop_server(server, events)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Serving files


def test_port_zero_with_explicit_port_binds_an_ephemeral_port(served):
    host, port = served.server.server_address[:2]
    assert host == "127.0.0.1" and port > 0


def test_pages_get_the_live_reload_script_but_files_on_disk_do_not(served):
    response = served.get("/basic/")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(response.headers["Content-Length"]) == len(response.body)
    body = response.body
    assert body.count(SCRIPT) == 1
    assert body.index(SCRIPT) < body.lower().rindex(b"</body>")
    assert f'data-build="{served.events.build_id}"'.encode() in body

    on_disk = (served.output / "index.html").read_bytes()
    assert SCRIPT not in on_disk and b"__digest__" not in on_disk
    assert body == inject_live_reload(on_disk, served.events.build_id)
    for page in served.output.rglob("*.html"):
        assert b"__digest__" not in page.read_bytes(), page


def test_folders_serve_their_index_and_head_sends_no_body(served):
    page = served.get("/basic/people/")
    assert page.status == 200 and SCRIPT in page.body
    assert page.body == inject_live_reload((served.output / "people/index.html").read_bytes(), served.events.build_id)
    head = served.get("/basic/people/", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["Content-Length"]) == len(page.body)


def test_the_live_reload_script_is_served(served):
    response = served.get("/__digest__/livereload.js")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"digest-error-overlay" in response.body and b"/__digest__/events" in response.body


@pytest.mark.parametrize(
    "path, location",
    [("/", "/basic/"), ("/basic", "/basic/"), ("/basic/people", "/basic/people/"), ("/basic/claims/no-winter-advance", "/basic/claims/no-winter-advance/")],
)
def test_redirects_to_the_base_path_and_to_folders(served, path, location):
    response = served.get(path)
    assert response.status == 302
    assert response.headers["Location"] == location


@pytest.mark.parametrize("path", ["/basic/no-such-page/", "/basic/no-such-file.html", "/basic/people/nobody/", "/elsewhere/index.html"])
def test_missing_pages_get_the_sites_404_page(served, path):
    response = served.get(path)
    assert response.status == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Page not found" in response.body
    assert response.body == inject_live_reload((served.output / "404.html").read_bytes(), served.events.build_id)


CONTENT_TYPES = {
    "assets/style.css": "text/css",
    "assets/print.css": "text/css",
    "index.html": "text/html",
    "feed.xml": "application/xml",
    "data/search.json": "application/json",
    "img/logo.svg": "image/svg+xml",
    "fonts/body.woff2": "font/woff2",
    "js/app.js": "text/javascript",
    "extra.txt": "text/plain",
}


def test_content_types(served):
    for rel, expected in sorted(CONTENT_TYPES.items()):
        target = served.output / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"\x00\x01wOF2 test bytes" if rel.endswith(".woff2") else b"<x/>")
        response = served.get("/basic/" + rel)
        assert response.status == 200, rel
        assert response.headers["Content-Type"].split(";")[0] == expected, rel
        if not rel.endswith(".html"):
            assert response.body == target.read_bytes(), rel


def test_the_preview_stylesheet_keeps_its_name_for_css_swaps(served):
    assert (served.output / "assets/style.css").is_file()
    assert b'href="/basic/assets/style.css"' in served.get("/basic/").body


def test_stylesheets_are_served_with_the_cache_busting_query_of_a_css_swap(served):
    response = served.get("/basic/assets/style.css?digest-build=7")
    assert response.status == 200
    assert response.body == (served.output / "assets/style.css").read_bytes()


def test_a_client_that_disconnects_mid_response_prints_no_traceback(served, capsys):
    (served.output / "big.html").write_bytes(b"<html><body>" + b"x" * 20_000_000 + b"</body></html>")
    for _ in range(2):  # a browser reloading while a big page is on its way
        client = socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT)
        client.sendall(b"GET /basic/big.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        client.recv(1024)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        client.close()
    deadline = time.monotonic() + 3
    err = ""
    while time.monotonic() < deadline and "Traceback" not in err:
        time.sleep(0.1)
        err += capsys.readouterr().err
    assert served.get("/basic/").status == 200, "the server keeps answering"
    assert "Traceback" not in err and "Exception occurred" not in err, err


# Safety


SECRET = b"SECRET-OUTSIDE-THE-OUTPUT"

TRAVERSALS = [
    "/basic/../../etc/passwd",
    "/basic/%2e%2e/%2e%2e/etc/passwd",
    "/basic/%2E%2E/%2E%2E/etc/passwd",
    "/basic/..%2f..%2fetc/passwd",
    "/basic/..%2F..%2Fetc%2Fpasswd",
    "/basic/.%2e/.%2e/etc/passwd",
    "//etc/passwd",
    "/basic//etc/passwd",
    "/basic/%2fetc%2fpasswd",
    "/basic/..%5c..%5cetc%5cpasswd",
    "/basic/%00",
    "/basic/index.html%00.css",
    "/basic/../secret.txt",
    "/basic/%2e%2e/secret.txt",
    "/basic/..%2fsecret.txt",
    "/basic/people/../../secret.txt",
    "/basic/%252e%252e/secret.txt",
]


def test_path_traversal_is_refused(served):
    (served.output.parent / "secret.txt").write_bytes(SECRET)
    answered = {path: served.get(path) for path in TRAVERSALS}
    wrong = {path: r.status for path, r in answered.items() if r.status != 404 or SECRET in r.body or b"root:" in r.body}
    assert wrong == {}, "these paths were not refused with a 404"
    assert served.get("/basic/extra.txt").status == 200


def test_symlinks_pointing_outside_the_output_are_refused(served, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (served.output / "leak.txt").symlink_to(outside / "secret.txt")
    (served.output / "leak-dir").symlink_to(outside, target_is_directory=True)
    (served.output / "hostname").symlink_to("/etc/hostname")
    (served.output / "people" / "up.txt").symlink_to("../../secret-relative.txt")
    (served.output.parent / "secret-relative.txt").write_bytes(SECRET)

    for path in ["/basic/leak.txt", "/basic/leak-dir/secret.txt", "/basic/leak-dir/", "/basic/leak-dir", "/basic/hostname", "/basic/people/up.txt"]:
        response = served.get(path)
        assert response.status == 404, path
        assert SECRET not in response.body, path
    assert served.get("/basic/extra.txt").status == 200


LONG_PATHS = {
    "a name over 255 bytes": "/basic/" + "a" * 300,
    "8 KB": "/basic/" + "a" * 8_000,
    "65 KB, just under the request line limit": "/basic/" + "a" * 65_000,
    "8 KB of short folders": "/basic/" + "a/" * 4_000,
    "percent-encoded, 8 KB once decoded": "/basic/" + "%61" * 8_000,
    "longer than a request line may be": "/basic/" + "a" * 70_000,
}


def test_paths_too_long_for_the_file_system_get_414_and_no_traceback(served, capsys, caplog):
    statuses = {name: request(served.port, path, method).status for name, path in LONG_PATHS.items() for method in ("GET", "HEAD")}
    assert statuses == {name: 414 for name in LONG_PATHS}
    assert served.get("/basic/").status == 200, "the server keeps answering"
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"), OSError(5, "Input/output error")])
def test_a_path_the_file_system_refuses_otherwise_is_a_404(served, monkeypatch, capsys, error):
    stat = Path.stat

    def refuse_people(path, *args, **kwargs):
        if "people" in path.parts:
            raise error
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", refuse_people)
    response = served.get("/basic/people/")
    assert response.status == 404 and b"Page not found" in response.body
    assert "Traceback" not in capsys.readouterr().err


def test_an_unreadable_404_page_still_gives_a_404(served, monkeypatch, capsys):
    read_bytes = Path.read_bytes

    def refuse_404(path):
        if path.name == "404.html":
            raise PermissionError(13, "Permission denied")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse_404)
    response = served.get("/basic/no-such-page/")
    assert response.status == 404 and b"No site yet" in response.body
    assert "Traceback" not in capsys.readouterr().err


# Idle connections


def _idle_clients(port: int) -> list[socket.socket]:
    """Clients that keep a connection open without finishing a request."""
    silent = [socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) for _ in range(5)]
    halfway = [socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) for _ in range(5)]
    for client in halfway:
        client.sendall(b"GET /basic/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line: the headers never end
    answered = [socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) for _ in range(5)]
    for client in answered:  # a keep-alive connection left open after its response
        client.sendall(b"GET /__digest__/livereload.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    return silent + halfway + answered


def _closed_by_the_server(client: socket.socket) -> bool:
    """Read until the server closes the connection; False if it is still open after TIMEOUT."""
    try:
        while client.recv(65536):
            pass
        return True
    except TimeoutError:
        return False
    finally:
        client.close()


def test_idle_connections_are_closed_after_the_idle_timeout(served):
    served.server.idle_timeout = 0.5
    clients = _idle_clients(served.port)
    closed = [_closed_by_the_server(client) for client in clients]
    assert closed.count(True) == len(clients), closed
    assert served.get("/basic/").status == 200, "the server keeps answering"


def test_the_live_reload_stream_outlives_the_idle_timeout(served):
    served.server.idle_timeout = 0.2
    stream = EventStream(served.port)
    try:
        first = stream.next()
        received = []
        for _ in range(3):
            time.sleep(0.5)  # longer than the idle timeout, with nothing sent either way
            served.events.publish(Rebuild(True, written=["index.html"]))
            received.append(stream.next())
        assert [event["build"] if event else None for event in received] == [first["build"] + n for n in (1, 2, 3)]
    finally:
        stream.close()


# Server-Sent Events


def test_events_stream_the_current_state_then_each_build(served):
    stream = EventStream(served.port)
    try:
        first = stream.next()
        assert first == {"build": served.events.build_id, "errors": [], "css_only": False, "pages": None, "site": True}

        served.events.publish(Rebuild(True, written=[ARTICLE, "index.html", "feed.xml"]))
        update = stream.next()
        assert update == {"build": first["build"] + 1, "errors": [], "css_only": False, "pages": [f"/basic/{ARTICLE.removesuffix('index.html')}", "/basic/"], "site": True}

        served.events.publish(Rebuild(True, written=["assets/style.css"]))
        assert stream.next() == {"build": first["build"] + 2, "errors": [], "css_only": True, "pages": None, "site": True}

        error = Diagnostic(Location(SIDECAR, 10, 13), "error", "unknown status 'reportd'", "status")
        warning = Diagnostic(Location("seeds/x.txt"), "warning", "no sidecar")
        served.events.publish(Rebuild(False, [warning, error]))
        failed = stream.next()
        assert failed["build"] == first["build"] + 3
        assert failed["errors"] == ["content/articles/plain-one.yaml:10:13: error: unknown status 'reportd'"]
        assert failed["css_only"] is False and failed["pages"] is None and failed["site"] is True, "the last good site is still there"

        served.events.publish(Rebuild(True))
        assert stream.next() == {"build": first["build"] + 4, "errors": [], "css_only": False, "pages": [], "site": True}

        # A page written ahead of its build is announced at once, and not again at the build's end.
        served.events.announce_page(ARTICLE)
        assert stream.next() == {"build": first["build"] + 5, "errors": [], "css_only": False, "pages": [f"/basic/{ARTICLE.removesuffix('index.html')}"], "site": True}
        served.events.publish(Rebuild(True, written=[ARTICLE, "index.html"]))
        assert stream.next()["pages"] == ["/basic/"]

        # A script or an image is shown by pages that were not rewritten: every page reloads.
        served.events.publish(Rebuild(True, written=["index.html", "assets/search.js"]))
        assert stream.next()["pages"] is None
    finally:
        stream.close()


@pytest.mark.parametrize(("query", "page"), [
    ("?after=3&page=%2Fbasic%2Farticles%2Fleaders-trade-words-over-ukraine%2F", ARTICLE),
    ("?page=%2Fbasic%2F", "index.html"),
    ("?page=%2Fbasic", None),  # redirected to /basic/, whose tab then says so
    ("?page=%2Fbasic%2Ffeed.xml", "feed.xml"),
    # location.pathname is percent-encoded, and encodeURIComponent encodes it again
    ("?page=%2Fbasic%2Farticles%2F%25D8%25A7%25D9%2584%2F", "articles/\u0627\u0644/index.html"),
    ("?page=%2Felsewhere%2F", None),
    ("?page=%2Fbasic%2F..%2Fetc%2F", None),
    ("?after=3", None),
    ("", None),
])
def test_an_event_stream_names_the_page_its_tab_shows(query, page):
    assert _viewed_page("/__digest__/events" + query, "/basic/") == page


def test_the_pages_open_in_tabs_are_known_while_their_streams_are_open(served):
    """What `digest serve` gives each build as the pages to make first (`BuildEvents.viewed`)."""
    query = "?page=%2Fbasic%2Farticles%2Fleaders-trade-words-over-ukraine%2F"
    streams = [EventStream(served.port, query=query), EventStream(served.port, query=query), EventStream(served.port, query="?page=%2Fbasic%2F")]
    try:
        for stream in streams:
            assert stream.next() is not None  # each stream's first event is sent once it is counted
        assert served.events.viewed() == {ARTICLE, "index.html"}
        closed = streams.pop()
        closed.response.close()  # it holds the socket open too (`close` leaves it to a thread that may be reading)
        closed.close()
        for _ in range(50):  # the server finds a closed stream when it next writes to it
            if served.events.viewed() == {ARTICLE}:
                break
            served.events.publish(Rebuild(True))
            time.sleep(0.02)
        assert served.events.viewed() == {ARTICLE}, "the home page's only tab was closed"
    finally:
        for stream in streams:
            stream.close()


def test_a_new_client_sees_the_errors_of_a_failed_last_build(served):
    served.events.publish(Rebuild(False, [Diagnostic(Location(SIDECAR, 10, 13), "error", "unknown status 'reportd'")]))
    stream = EventStream(served.port)
    try:
        assert stream.next()["errors"] == ["content/articles/plain-one.yaml:10:13: error: unknown status 'reportd'"]
    finally:
        stream.close()
    assert served.get("/basic/").status == 200, "the last good site stays served"


def test_event_streams_end_when_the_events_close(served):
    stream = EventStream(served.port)
    try:
        assert stream.next() is not None
        served.events.close()
        assert stream.next() is None
    finally:
        stream.close()


# Load and builds


def test_requests_do_not_wait_for_a_build_in_progress(served, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    original = digest.pipeline.session.render_source

    def slow_render(*args, **kwargs):
        entered.set()
        release.wait(TIMEOUT)
        return original(*args, **kwargs)

    monkeypatch.setattr(digest.pipeline.session, "render_source", slow_render)
    (served.site / SIDECAR).write_text((served.site / SIDECAR).read_text().replace(CLAIM_TEXT, "The talks were pointless."))
    results: list[Rebuild] = []
    build = threading.Thread(target=lambda: results.append(served.builder.build()), daemon=True)
    build.start()
    try:
        assert entered.wait(TIMEOUT)
        for path in ("/basic/", "/basic/" + ARTICLE, "/basic/assets/style.css", "/basic/missing/"):
            assert served.get(path).status in (200, 404)
        assert build.is_alive() and not release.is_set(), "answered while the build was still held"
        assert b"The talks were not useful." in served.get("/basic/" + ARTICLE).body, "the old site is served meanwhile"
    finally:
        release.set()
        build.join(TIMEOUT)
    assert results and results[0].ok
    assert b"The talks were pointless." in served.get("/basic/" + ARTICLE).body


def test_200_concurrent_requests_while_rebuilding_with_live_reload_clients(served):
    pages = ["/basic/" + p.relative_to(served.output).as_posix() for p in sorted(served.output.rglob("*")) if p.is_file()]
    pages += ["/basic/", "/basic/people/", "/__digest__/livereload.js"]

    # Five live-reload clients, each reading its stream in a thread.
    streams = [EventStream(served.port, timeout=30) for _ in range(5)]
    received: list[list[dict]] = [[] for _ in streams]

    def follow(stream: EventStream, into: list[dict]) -> None:
        try:
            while (event := stream.next()) is not None:
                into.append(event)
        except OSError:
            pass

    readers = [threading.Thread(target=follow, args=(s, r), daemon=True) for s, r in zip(streams, received)]
    for reader in readers:
        reader.start()

    # Rebuilds keep running in another thread while the requests are made.
    stop = threading.Event()
    builds: list[Rebuild] = []

    def rebuild_loop() -> None:
        sidecar = served.site / SIDECAR
        original = sidecar.read_text()
        for i in range(200):
            if stop.is_set():
                break
            sidecar.write_text(original.replace(CLAIM_TEXT, f"The talks were not useful ({i})."))
            rebuild = served.builder.build()
            builds.append(rebuild)
            served.events.publish(rebuild)

    builder_thread = threading.Thread(target=rebuild_loop, daemon=True)
    builder_thread.start()
    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            responses = list(pool.map(lambda i: request(served.port, pages[i % len(pages)], timeout=30), range(200)))
    finally:
        stop.set()
        builder_thread.join(60)
    try:
        statuses = [r.status for r in responses]
        assert statuses == [200] * 200
        for path, response in zip((pages[i % len(pages)] for i in range(200)), responses):
            if path.endswith(("/", ".html")):
                assert response.body.rstrip().endswith(b"</html>"), path  # never half a file
                assert SCRIPT in response.body
        assert builds and all(b.ok for b in builds)
        assert len(builds) >= 1
        final = served.events.build_id

        def caught_up() -> bool:
            return all(len(r) >= 2 and r[-1]["build"] == final for r in received)

        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not caught_up():
            time.sleep(0.05)
        assert caught_up(), f"every live-reload client follows the rebuilds up to build {final}: {[r[-1:] for r in received]}"
    finally:
        served.events.close()
        for stream in streams:
            stream.close()
        for reader in readers:
            reader.join(TIMEOUT)


# Ports


def _listening_socket(port: int = 0) -> socket.socket:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", port))
    blocker.listen()
    return blocker


def test_a_busy_explicit_port_is_a_usage_error(tmp_path):
    blocker = _listening_socket()
    port = blocker.getsockname()[1]
    try:
        with pytest.raises(UsageError) as raised:
            bind_server("127.0.0.1", port, True, tmp_path, "/", BuildEvents())
        assert str(raised.value) == f"port {port} on 127.0.0.1 is already in use; pass --port N to use another"
        assert raised.value.exit_code == 2
    finally:
        blocker.close()


def test_without_an_explicit_port_the_next_free_one_is_used(tmp_path):
    for _ in range(20):
        blocker = _listening_socket()
        port = blocker.getsockname()[1]
        if port < 65000:
            break
        blocker.close()
    try:
        server = bind_server("127.0.0.1", port, False, tmp_path, "/", BuildEvents())
        try:
            assert port < server.server_address[1] < port + 20
        finally:
            server.server_close()
    finally:
        blocker.close()


# The command line, end to end


class ServeProcess:
    """`python -m digest serve` in a subprocess, its output collected by a thread."""

    def __init__(self, site: Path, port: int, tmpdir: Path):
        env = dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(tmpdir), PYTHONUNBUFFERED="1")
        self.port = port
        self.process = subprocess.Popen(
            [sys.executable, "-m", "digest", "serve", "--source", str(site), "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=tmpdir,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_until_serving(self, path: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"digest serve exited with {self.process.returncode}:\n{self.output}"
            try:
                if request(self.port, path, timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"digest serve did not answer within {timeout} s:\n{self.output}")

    def wait_for_page(self, path: str, text: bytes, timeout: float = TIMEOUT) -> Response:
        deadline = time.monotonic() + timeout
        while True:
            response = request(self.port, path)
            if text in response.body or time.monotonic() > deadline:
                assert text in response.body, f"{text!r} did not appear in {path} within {timeout} s:\n{self.output}"
                return response
            time.sleep(0.1)

    def wait_for_output(self, text: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert time.monotonic() < deadline, f"{text!r} not printed within {timeout} s:\n{self.output}"
            time.sleep(0.05)

    def interrupt(self, timeout: float = 15) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout)
        finally:
            self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def test_digest_serve_end_to_end(tmp_path):
    site = copy_site("basic", tmp_path)
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    port = free_port()
    serve = ServeProcess(site, port, tmpdir)
    stream = None
    try:
        serve.wait_until_serving("/basic/")
        serve.wait_for_output(f"serving http://127.0.0.1:{port}/basic/")
        assert [p.name for p in tmpdir.iterdir() if p.name.startswith("digest-preview-")], "the preview is built in TMPDIR"
        assert not (site / "site").exists(), "a preview never writes into site/"
        assert request(port, "/").headers["Location"] == "/basic/"
        stream = EventStream(port)
        first = stream.next()
        assert first["errors"] == []

        sidecar = site / SIDECAR
        original = sidecar.read_text()
        sidecar.write_text(original.replace(CLAIM_TEXT, "The talks were pointless."))
        page = serve.wait_for_page("/basic/" + ARTICLE, b"The talks were pointless.")
        assert SCRIPT in page.body
        assert stream.next()["build"] > first["build"]

        sidecar.write_text(original.replace("status: reported", "status: reportd"))
        serve.wait_for_output(BAD_STATUS_LINE)
        failed = stream.next()
        while failed is not None and not failed["errors"]:
            failed = stream.next()
        assert failed is not None and failed["errors"] == [BAD_STATUS_LINE]
        still = request(port, "/basic/" + ARTICLE)
        assert still.status == 200 and b"The talks were pointless." in still.body, "the last good site stays served"

        sidecar.write_text(original.replace(CLAIM_TEXT, "The talks were useless."))
        serve.wait_for_page("/basic/" + ARTICLE, b"The talks were useless.")

        code = serve.interrupt()
        assert code == 0, serve.output
        assert "Traceback" not in serve.output, serve.output
        for _ in range(20):  # events not read yet, then the end of the stream
            if stream.next() is None:
                break
        else:
            raise AssertionError("live-reload streams end when the server stops")
        assert not [p.name for p in tmpdir.iterdir() if p.name.startswith("digest-preview-")]
        assert not (site / "site").exists()
    finally:
        if stream is not None:
            stream.close()
        serve.kill()


def test_digest_serve_on_a_busy_port_says_so(tmp_path):
    site = copy_site("basic", tmp_path)
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    blocker = _listening_socket()
    port = blocker.getsockname()[1]
    try:
        env = dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(tmpdir))
        result = subprocess.run(
            [sys.executable, "-m", "digest", "serve", "--source", str(site), "--port", str(port)],
            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
        )
    finally:
        blocker.close()
    assert result.returncode == 2, result
    assert result.stderr.splitlines() == [f"digest: error: port {port} on 127.0.0.1 is already in use; pass --port N to use another"]
    assert result.stdout == "", "nothing was built"
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(tmpdir.iterdir()), "no preview folder left behind"


def test_a_stream_slower_than_the_builds_still_gets_every_event():
    """A save gives two events (its page first, then the rest); a tab that only saw the second
    would reload although the rest did not rewrite it. A reader behind gets both, in order."""
    from digest.live.serve import HISTORY, BuildEvents

    events = BuildEvents()
    start = events.snapshot()["build"]
    events.announce_page("articles/a/index.html")
    events.publish(Rebuild(True, [], written=["people/b/index.html"], removed=[], rendered=["people/b/index.html"]))
    updates = events.events_after(start, timeout=0)
    assert [u["build"] for u in updates] == [start + 1, start + 2]
    assert updates[0]["pages"] == ["articles/a/index.html"] and updates[1]["pages"] == ["people/b/index.html"]
    assert events.wait_after(start, timeout=0) == updates[-1]

    for _ in range(HISTORY + 1):  # a reader so far behind that the history no longer reaches it
        events.announce_page("articles/a/index.html")
    [latest] = events.events_after(start, timeout=0)
    assert latest["build"] == events.snapshot()["build"] and latest["pages"] is None, "every tab reloads, to be safe"


# The first build, the port and the preview's search index


def test_a_failed_first_build_says_there_is_no_site_yet_until_one_succeeds():
    """The overlay says "showing the last good site" only when there is one (livereload.js reads ``site``)."""
    events = BuildEvents()
    failed = Rebuild(False, [Diagnostic(Location(SIDECAR, 10, 13), "error", "unknown status 'reportd'")])
    events.publish(failed)
    assert events.snapshot()["site"] is False and events.snapshot()["errors"]
    events.publish(Rebuild(True))
    assert events.snapshot()["site"] is True
    events.publish(failed)
    assert events.snapshot()["site"] is True and events.snapshot()["errors"], "a later failure keeps the last good site"


@pytest.mark.parametrize(("update", "announced"), [
    (digest.pipeline.session.SearchUpdate(True, ["pagefind/people/pagefind-entry.json"], []), True),
    (digest.pipeline.session.SearchUpdate(True, [], ["pagefind/old/pagefind-entry.json"]), True),
    (digest.pipeline.session.SearchUpdate(True, [], []), False),
    (digest.pipeline.session.SearchUpdate(False, error="the Pagefind indexer failed (exit 1): boom"), False),
])
def test_a_new_search_index_reloads_the_search_page_only(update, announced):
    events = BuildEvents()
    failed = Rebuild(False, [Diagnostic(Location(SIDECAR, 10, 13), "error", "unknown status 'reportd'")])
    events.publish(Rebuild(True))
    events.publish(failed)
    before = events.snapshot()
    events.publish_search(update)
    if not announced:
        assert events.snapshot() == before
        return
    [event] = events.events_after(before["build"], timeout=0)
    assert event["pages"] == ["search/index.html"] and event["css_only"] is False
    assert event["errors"] == before["errors"] and event["site"] is True, "the last build's errors still show"


def test_a_busy_port_is_reported_before_anything_is_built(tmp_path, monkeypatch):
    from conftest import run_cli

    def never(self, changed=None):
        raise AssertionError("built although the port is busy")

    monkeypatch.setattr(SiteBuilder, "build", never)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    site = copy_site("basic", tmp_path)
    blocker = _listening_socket()
    port = blocker.getsockname()[1]
    try:
        result = run_cli("serve", "--source", site, "--port", str(port))
    finally:
        blocker.close()
    assert result.code == 2 and result.err_lines == [f"digest: error: port {port} on 127.0.0.1 is already in use; pass --port N to use another"]
    assert result.out == "" and not list((tmp_path / "tmp").iterdir()), "no preview folder made"


def test_the_preview_indexes_its_first_build_in_the_background_and_equals_a_full_build(tmp_path):
    """`digest serve`'s builder: the first build's pages come at once, its search index a moment later."""
    site = copy_site("basic", tmp_path)
    live = SiteBuilder(site, tmp_path / "live", hash_assets=False, drafts=True, search_in_background=True, first_index_in_background=True)
    updates: list = []
    live.on_search_update = updates.append
    try:
        first = live.build()
        assert first.ok and not [path for path in first.written if path.startswith("pagefind/")], "the pages do not wait for the index"
        assert live.wait_for_search(60)
        assert [u.ok for u in updates] == [True] and "pagefind/shards.json" in updates[0].written
        whole = SiteBuilder(site, tmp_path / "whole", hash_assets=False, drafts=True)
        assert whole.build().ok
        from conftest import read_tree

        assert read_tree(tmp_path / "live") == read_tree(tmp_path / "whole")
        assert live.build({SIDECAR}).written == [] and live.wait_for_search(60) and len(updates) == 1, "nothing changed: no index run"
    finally:
        live.close()
