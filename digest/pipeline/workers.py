"""Tie forked render workers to the life of the process that forked them.

A worker of a `multiprocessing` pool is not told when its parent dies:
killed with SIGKILL (a CI timeout, the OOM killer), the parent never runs
`Pool.terminate`, and its workers go on rendering pages nobody will read, for
minutes, holding the CPU and the stage folder. `bind_to_parent` is the pool's
initializer: on Linux the kernel sends the worker SIGKILL when its parent
dies (``PR_SET_PDEATHSIG``); elsewhere a daemon thread watches for the
parent to change. Either way it first checks that the parent is still the one
that forked it, since the parent may have died before the worker got this far.

Workers also ignore SIGINT: Ctrl-C in a terminal signals the whole process
group, and only the parent should act on it (by terminating the pool), not
every worker printing its own KeyboardInterrupt traceback.

`share_out` runs numbered work (the link's articles) in this process and in
forked ones at once, each taking the next chunk as it is free, and hands the
forked ones' results back pickled: objects that existed before the fork are
sent as references, so the parent gets its very objects back, not copies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")

PR_SET_PDEATHSIG = 1
"""From <linux/prctl.h>: the signal a process gets when its parent thread exits."""
WATCH_SECONDS = 0.5
"""How often the portable watchdog looks at the parent."""


def bind_to_parent(parent_pid: int) -> None:
    """Pool initializer: end this worker as soon as ``parent_pid`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # `Pool.terminate` ends workers with SIGTERM
    if not parent_death_signal(signal.SIGKILL):
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="digest-parent-watch", daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)


def parent_death_signal(signum: int) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent dies; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """Where there is no parent-death signal: poll, and exit once the parent has changed."""
    while os.getppid() == parent_pid:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


CHUNK = 8
"""Items a process takes at a time in `share_out`: small, so that the processes end together."""


def share_out(count: int, work: Callable[[range, bool], T], shared: Iterable[object], processes: int) -> Iterator[T]:
    """``work`` over ``range(count)`` in chunks, in this process and ``processes - 1`` forked ones; each chunk's result as it comes.

    ``work(numbers, forked)`` is told whether it runs in a forked process,
    whose result is pickled back. Objects of ``shared`` (alive before the
    fork, and kept alive by the caller until this ends) are pickled as
    references and come back as themselves: the very records a result points
    at, not equal copies. This process takes chunks too and takes in what the
    others sent between its own. The caller must know it may fork (no other
    thread: see `build.may_fork`). Results come in no fixed order; workers die
    with this process, and an exception in one is raised here.
    """
    context = multiprocessing.get_context("fork")
    taken = context.Value("q", 0)
    objects = {id(obj): obj for obj in shared}

    def take() -> range | None:
        with taken.get_lock():
            start = taken.value
            if start >= count:
                return None
            taken.value = start + CHUNK
        return range(start, min(start + CHUNK, count))

    running: dict[Connection, BaseProcess] = {}
    try:
        for _ in range(processes - 1):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_work_share, args=(take, work, objects, send, os.getpid()), daemon=True)
            process.start()
            send.close()
            running[receive] = process
        while (numbers := take()) is not None:
            yield work(numbers, False)
            for ready in wait(list(running), timeout=0):
                yield from _received(ready, running, objects)  # type: ignore[arg-type]
        while running:
            for ready in wait(list(running)):
                yield from _received(ready, running, objects)  # type: ignore[arg-type]
    finally:
        stop_workers(running)


def _received(ready: Connection, running: dict[Connection, BaseProcess], objects: dict[int, object]) -> Iterator[Any]:
    """What a worker sent: a chunk's result, its end (then it is no longer waited for), or its failure."""
    try:
        data = ready.recv_bytes()
    except EOFError:
        raise RuntimeError(f"a worker stopped unexpectedly (exit status {running[ready].exitcode})") from None
    unpickler = pickle.Unpickler(io.BytesIO(data))
    unpickler.persistent_load = objects.__getitem__  # type: ignore[method-assign]
    kind, value = unpickler.load()
    if kind == "result":
        yield value
    elif kind == "end":
        running.pop(ready).join()
        ready.close()
    else:
        raise RuntimeError(f"a worker failed: {value}")


def _work_share(take: Callable[[], range | None], work: Callable[[range, bool], Any], objects: dict[int, object], send: Connection, parent: int) -> None:
    """In a forked worker: do chunks until none is left, sending each result back; then the end, or the failure."""
    bind_to_parent(parent)

    def reference(obj: object) -> int | None:
        key = id(obj)
        return key if key in objects else None

    def message(kind: str, value: Any) -> bytes:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.persistent_id = reference  # type: ignore[method-assign]
        pickler.dump((kind, value))
        return buffer.getvalue()

    try:
        while (numbers := take()) is not None:
            send.send_bytes(message("result", work(numbers, True)))
        send.send_bytes(message("end", None))
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent, which raises it
        send.send_bytes(message("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


def stop_workers(running: dict[Connection, BaseProcess]) -> None:
    """Terminate and reap the workers still running, and close their pipes: what a pool's
    ``finally`` does, so an exception (Ctrl-C included) leaves no worker behind."""
    for receive, worker in running.items():
        worker.terminate()
        receive.close()
    for worker in running.values():
        worker.join()
