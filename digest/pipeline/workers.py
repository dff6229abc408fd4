"""Tie forked render workers to the life of the process that forked them.

A worker of a `multiprocessing` pool is not told when its parent dies:
killed with SIGKILL (a CI timeout, the OOM killer), the parent never runs
`Pool.terminate`, and its workers go on rendering pages nobody will read, for
minutes, holding the CPU and the stage folder. `bind_to_parent` is the pool's
initializer: on Linux the kernel sends the worker SIGKILL when its parent
dies (``PR_SET_PDEATHSIG``); elsewhere a daemon thread watches for the
parent to change. Either way it first checks that the parent is still the one
that forked it, since the parent may have died before the worker got this far.
It also freezes the inherited heap, which the worker's collections then skip.

Workers also ignore SIGINT: Ctrl-C in a terminal signals the whole process
group, and only the parent should act on it (by terminating the pool), not
every worker printing its own KeyboardInterrupt traceback.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

PR_SET_PDEATHSIG = 1
"""From <linux/prctl.h>: the signal a process gets when its parent thread exits."""
WATCH_SECONDS = 0.5
"""How often the portable watchdog looks at the parent."""


def may_fork() -> bool:
    """Whether this process may fork a copy of itself that goes on running Python code.

    Only with no other thread: a fork copies whatever locks the other threads hold
    (the allocator's, logging's, an import's), never to be released in the copy."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def bind_to_parent(parent_pid: int) -> None:
    """Pool initializer: end this worker as soon as ``parent_pid`` is gone, and keep the heap it
    inherited out of its garbage collections (`gc.freeze`).

    The parent forks with millions of young objects (a build runs with a high collection threshold:
    `build.fewer_collections`), and the worker's first collections of the older generation walked them
    all, writing to each object's header and so copying every page of them: 2.5 s of each render
    worker's 28 s in a cold build at 10,000 articles. They are the parent's to free, not the worker's."""
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: `kill` from outside ends a worker at once
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


def stop_workers(running: dict[Connection, BaseProcess]) -> None:
    """Kill and reap the workers still running, and close their pipes: what a pool's
    ``finally`` does, so an exception (Ctrl-C included) leaves no worker behind.

    SIGKILL, not SIGTERM: a worker has nothing to clean up, and SIGTERM can be lost. A
    worker forked a moment ago by a process whose SIGTERM handler is Python's
    (`digest build`'s, the watch builder's) may take the signal before its interpreter
    has finished the fork, which discards signals caught by then; that worker then
    renders on, and blocks for good sending pages down a full pipe whose reading end it
    holds itself (inherited), while this process waits to reap it."""
    for receive, worker in running.items():
        worker.kill()
        receive.close()
    for worker in running.values():
        worker.join()
