"""Run a live session's `SiteBuilder` in a process of its own, forked before any thread, so rebuilds use every core.

`digest build` renders a big build in forked workers (`_render_all` in
build.py), which is safe only in a process with no other thread. `digest
watch` and `digest serve` have several (the file watcher's, the preview
server's and its streams'), so a session in their process renders on one
core: 25 s for a template edit at 10,000 articles. Workers started by a
fork server, which would be safe, were measured slower than one core (each
needs the whole graph pickled to it: benchmarks/RESULTS.md).

So the session lives in a child forked at the start, while the command
still has a single thread. The parent keeps the watcher and the server and
sends each batch of changed paths down a pipe; the child owns the
`SiteBuilder` (its graph, caches and build state never cross the pipe) and,
having no other thread while it builds, forks render workers copy-on-write
exactly as `digest build` does. What comes back is small: the `Rebuild`
report, each page written ahead of the rest (for live reload), and the
search indexer's updates. A save costs one message each way, not a process.

The search index is still made in the child, by the session's
`BackgroundIndexer`, whose thread each build stops first and starts again
after (`SiteBuilder.render_workers`). Indexing from the parent instead
would split the build state between two processes: each index run changes
the state the next build compares with (the index files' digests, the
shards' inputs), and each build the files the index reads, so every run
and every build would have to send its part of the state across and merge
the other's, in the right order. Stopping the thread costs little:
cancelling an index takes at most the indexer's 50 ms poll, and the
cancelled index is made again after the build, as it was when a newer
build asked for a new one.

The child ignores Ctrl-C (the parent decides), turns SIGTERM into the
KeyboardInterrupt that removes a half-made stage and ends its render
workers, gets SIGTERM when the parent dies (Linux), and exits when the
parent closes the pipe (everywhere). If the child dies, the parent's next
build, or the watch loop at once, ends the command with `BuilderDied`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from digest.errors import DigestError, OutputError
from digest.pipeline.session import Rebuild, SearchUpdate, SiteBuilder, failed_build
from digest.pipeline.workers import may_fork, parent_death_signal
from digest.pipeline.write import output_target

log = logging.getLogger(__name__)

GRACE_SECONDS = 5.0
"""How long `close` waits for an idle child to finish on its own before it is sent SIGTERM."""


class BuilderDied(DigestError):
    """The process that builds the site ended while the command still needed it."""


class Closable(Protocol):
    def close(self) -> None: ...


def start_builder(root: Path, output: Path, close_in_child: Iterable[Closable] = (), **options: Any) -> SiteBuilder | BuilderProcess:
    """The session's builder: in a child process when this process may fork, else here (one core).

    Call it before starting any thread. ``close_in_child``: what the child
    must not keep open (the preview server's listening socket: a child
    holding it would keep the port taken). ``options``: `SiteBuilder`'s."""
    if may_fork():
        return BuilderProcess(root, output, close_in_child, **options)
    return SiteBuilder(root, output, **options)


class BuilderProcess:
    """The parent's side: a `SiteBuilder` in a forked child, used as one (`build`, `wait_for_search`, `close`).

    ``on_page_written`` and ``on_search_update`` are called from a thread
    that reads the child's messages; ``on_death`` there too, when the child
    ends unasked (the watch loop stops on it)."""

    def __init__(self, root: Path, output: Path, close_in_child: Iterable[Closable] = (), **options: Any):
        self.root = root
        self.output = output_target(output)  # a bad output is reported here, by the parent
        self.base_path: str | None = None
        """The base path of the last good build (the dev server serves under it)."""
        self.on_page_written: Callable[[str], None] | None = None
        self.on_search_update: Callable[[SearchUpdate], None] | None = None
        self.on_death: Callable[[], None] | None = None
        self.death: str | None = None
        """Why the child ended, once it has ended unasked."""
        self._replies: queue.Queue[tuple | None] = queue.Queue()
        self._calls = threading.Lock()
        self._reaped = threading.Lock()
        self._status: int | None = None
        self._closing = False
        self._busy = False
        requests_in, requests_out = multiprocessing.Pipe(duplex=False)
        replies_in, replies_out = multiprocessing.Pipe(duplex=False)
        for stream in (sys.stdout, sys.stderr):  # else the child's copy of their buffers is printed twice
            stream.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                requests_out.close()
                replies_in.close()
                for closable in close_in_child:
                    closable.close()
                code = _child_main(requests_in, replies_out, parent, lambda: SiteBuilder(root, output, render_workers=True, **options))
            except KeyboardInterrupt:
                code = 0
            finally:
                os._exit(code)
        requests_in.close()
        replies_out.close()
        self.pid = pid
        self._requests = requests_out
        self._reader = threading.Thread(target=self._read, args=(replies_in,), name="digest-builder-replies", daemon=True)
        self._reader.start()

    def build(self, changed: Iterable[str] | None = None, viewed: Iterable[str] = ()) -> Rebuild:
        """`SiteBuilder.build`, in the child; raises `BuilderDied` if it has ended."""
        reply = self._call(("build", (None if changed is None else set(changed), frozenset(viewed))))
        if reply[0] == "output-error":
            raise OutputError(reply[1], reply[2])
        rebuild, base_path = reply[1], reply[2]
        if rebuild.ok:
            self.base_path = base_path
        return rebuild

    def wait_for_search(self, timeout: float | None = None) -> bool:
        """`SiteBuilder.wait_for_search`; updates made meanwhile have been reported when it returns."""
        return bool(self._call(("wait-search", timeout))[1])

    def check(self) -> None:
        """Raise `BuilderDied` if the child has ended unasked."""
        if self.death is not None:
            raise BuilderDied(self.death)

    def close(self) -> None:
        """End the child: at once if it is building (SIGTERM removes its stage, ends its workers), else when it has
        seen the pipe close (its indexer stopped); SIGKILL if it will not go."""
        self._closing = True
        busy = self._busy
        self._requests.close()
        if busy or self._wait(GRACE_SECONDS) is None:
            self._signal(signal.SIGTERM)
            if self._wait(30) is None:
                self._signal(signal.SIGKILL)
                self._wait(None)
        self._reader.join(10)

    def _call(self, request: tuple) -> tuple:
        with self._calls:
            self.check()
            self._busy = True
            try:
                try:
                    self._requests.send(request)
                except OSError:  # the child is gone; the reader says why
                    pass
                reply = self._replies.get()
            finally:
                self._busy = False
            if reply is None:
                self._replies.put(None)  # for the next call, if any
                self.check()
                raise BuilderDied("the builder process ended")
            return reply

    def _read(self, replies: Connection) -> None:
        """In a thread: hand each message of the child to its reader, until the child ends."""
        try:
            while True:
                try:
                    message = replies.recv()
                except (EOFError, OSError):
                    break
                kind = message[0]
                if kind in ("page", "search"):
                    self._tell(self.on_page_written if kind == "page" else self.on_search_update, message[1])
                else:
                    self._replies.put(message)
        finally:
            replies.close()
            if not self._closing:
                status = self._wait(10)
                self.death = f"the process that builds the site stopped unexpectedly ({_describe(status)}); the output holds the last site it finished"
            self._replies.put(None)
            if not self._closing and self.on_death is not None:
                self.on_death()

    @staticmethod
    def _tell(callback: Callable[[Any], None] | None, news: object) -> None:
        """Pass on a page written or a search update; a failing listener must not stop the replies."""
        if callback is None:
            return
        try:
            callback(news)
        except Exception:
            log.exception("passing on %r failed", news)

    def _wait(self, timeout: float | None) -> int | None:
        """The child's wait status once it has ended, waiting up to ``timeout`` seconds (None: as long as it takes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._reaped:
                if self._status is not None:
                    return self._status
                try:
                    pid, status = os.waitpid(self.pid, os.WNOHANG if deadline is not None else 0)
                except ChildProcessError:
                    pid, status = self.pid, 0
                if pid == self.pid:
                    self._status = status
                    return status
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def _signal(self, signum: int) -> None:
        with self._reaped:
            if self._status is None:
                try:
                    os.kill(self.pid, signum)
                except ProcessLookupError:
                    pass


def _describe(status: int | None) -> str:
    if status is None:
        return "it does not answer"
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _child_main(requests: Connection, replies: Connection, parent: int, make_builder: Callable[[], SiteBuilder]) -> int:
    """The child: build when asked, until the parent closes the pipe (or dies); the exit status."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the parent decides
    signal.signal(signal.SIGTERM, _interrupt)
    parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was armed
        return 1
    sending = threading.Lock()  # the indexer's thread sends too

    def send(message: tuple) -> None:
        with sending:
            replies.send(message)

    def send_update(update: SearchUpdate) -> None:
        try:
            send(("search", update))
        except OSError:  # the parent is gone; the main loop sees it too
            pass

    builder = make_builder()
    builder.on_page_written = lambda path: send(("page", path))
    builder.on_search_update = send_update
    try:
        while True:
            try:
                kind, argument = requests.recv()
            except EOFError:
                return 0
            if kind == "build":
                send(_build(builder, *argument))
            elif kind == "wait-search":
                send(("waited", builder.wait_for_search(argument)))
    except OSError:  # the parent is gone
        return 0
    finally:
        builder.close()


def _build(builder: SiteBuilder, changed: set[str] | None, viewed: frozenset[str]) -> tuple:
    """One build's reply: the report and the base path; or the output error the command stops with."""
    try:
        rebuild = builder.build(changed, viewed)
    except OutputError as error:  # the first build only: the command reports it and stops
        return ("output-error", str(error.path), error.message)
    except Exception as exc:  # reported here, where its traceback is
        rebuild = failed_build(exc)
    return ("built", rebuild, builder.base_path)
