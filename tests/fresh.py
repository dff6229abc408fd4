"""Run part of a test in a new interpreter with a single thread, as `digest build` runs.

A build forks its render workers only from a process with no other thread
(`digest.pipeline.workers.may_fork`): a fork copies locks other threads hold.
The test runner's own processes may have other threads (pytest-xdist's
workers talked to the controller from one before execnet 2.1; a test may
start one), and render in process whatever their builds' size
(`conftest._render_in_process`), so a test that must see pages rendered by
forked workers does that part here, through `in_fresh_process`, and says so
by calling `fork_workers` there first.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any


def in_fresh_process(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in a new interpreter (started with ``spawn``); its result, or its failure as an AssertionError.

    ``function`` must be importable by name (a module-level function of a
    test module) and its arguments and result picklable."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(send, function, args))
    process.start()
    send.close()
    try:
        ok, value = receive.recv()
    except EOFError:
        process.join()
        raise AssertionError(f"the fresh process ended without a result (exit status {process.exitcode})") from None
    finally:
        receive.close()
    process.join()
    if not ok:
        raise AssertionError(f"in the fresh process:\n{value}")
    return value


def fork_workers(however_few: bool = True) -> None:
    """In the fresh process: every build from here on renders in forked workers, however few its pages,
    or with ``however_few`` False when they are as many as `digest build` asks (`build.PARALLEL_MINIMUM`)."""
    import digest.pipeline.build as build

    assert build.may_fork(), "a fresh interpreter may fork"
    if however_few:
        build.PARALLEL_MINIMUM = build.FOLLOW_UP_MINIMUM = 1
    build.os.cpu_count = lambda: 2  # type: ignore[assignment]  # two workers even on a one-core machine


def _run(send: Any, function: Callable[..., Any], args: tuple) -> None:
    try:
        result = (True, function(*args))
    except BaseException:  # noqa: BLE001 - the test in the parent reports it
        result = (False, traceback.format_exc())
    send.send(result)
    send.close()
