"""Forked render workers die with the `digest build` or `digest check` that forked them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.pipeline.workers import bind_to_parent, stop_workers

from conftest import REPO, copy_site
from fresh import in_fresh_process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

WAIT = 60.0
"""Generous deadline for workers to start, and for them to be gone."""

# Runs the CLI with workers forked for any number of pages, each worker
# recording its pid and then stalling on its first page, so the test can
# signal the main process while every worker is busy.
STALLING_CLI = """
import os, sys, time
from pathlib import Path
import digest.pipeline.build, digest.pipeline.workers
from digest.cli import main

pid_folder, watchdog = Path(sys.argv[1]), sys.argv[2] == "watchdog"
main_pid = os.getpid()
digest.pipeline.build.PARALLEL_MINIMUM = 1
os.cpu_count = lambda: 2
if watchdog:  # the portable fallback, as on macOS
    digest.pipeline.workers.parent_death_signal = lambda signum: False
render_page = digest.pipeline.build.render_page

def stalling_render(*args, **kwargs):
    if os.getpid() != main_pid:
        (pid_folder / str(os.getpid())).touch()
        time.sleep(600)
    return render_page(*args, **kwargs)

digest.pipeline.build.render_page = stalling_render
sys.exit(main(sys.argv[3:]))
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def _wait_for(predicate, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize(
    "how, ending",
    [
        ("sigkill", "SIGKILL of the main process (a CI timeout)"),
        ("sigterm", "SIGTERM of the main process (kill)"),
        ("ctrl-c", "SIGINT to the whole process group (Ctrl-C in a terminal)"),
        ("watchdog", "SIGKILL where there is no parent-death signal"),
    ],
)
def test_no_worker_outlives_its_main_process(tmp_path, command, how, ending):
    site = copy_site("basic", tmp_path)
    pid_folder = tmp_path / "pids"
    pid_folder.mkdir()
    args = [command, "--source", str(site)] + (["--output", str(tmp_path / "out")] if command == "build" else [])
    stderr = tmp_path / "stderr"  # a file, not a pipe that surviving workers would hold open
    with stderr.open("wb") as err_file:
        process = subprocess.Popen(
            [sys.executable, "-c", STALLING_CLI, str(pid_folder), "watchdog" if how == "watchdog" else "linux", *args],
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            start_new_session=True,  # its own process group, as in a terminal
        )
    workers: list[int] = []
    try:
        started = _wait_for(lambda: len(list(pid_folder.iterdir())) >= 2 or process.poll() is not None, time.monotonic() + WAIT)
        workers = sorted(int(p.name) for p in pid_folder.iterdir())
        assert started and len(workers) == 2, f"two workers should be rendering: {workers}, {process.poll()}, {stderr.read_text()}"
        assert {_parent(pid) for pid in workers} == {process.pid}

        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        process.wait(timeout=WAIT)

        _wait_for(lambda: not any(_alive(pid) for pid in workers), time.monotonic() + WAIT)
        survivors = [pid for pid in workers if _alive(pid)]
        assert survivors == [], f"after {ending}, these workers still run"
        if how in ("ctrl-c", "sigterm"):  # both stop the command as Ctrl-C does
            assert process.returncode == 130
            err = stderr.read_text()
            assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
            assert list(tmp_path.glob(".out.stage-*")) == [], "the half-made stage is removed"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in workers:  # only those this test started, if they outlived it
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    "how, ending",
    [
        ("sigkill", "SIGKILL of the main process (a CI timeout)"),
        ("sigterm", "SIGTERM of the main process (kill)"),
        ("ctrl-c", "SIGINT to the whole process group (Ctrl-C in a terminal)"),
    ],
)
def test_no_worker_or_builder_outlives_digest_watch(tmp_path, how, ending):
    """`digest watch` builds in a child process (`digest.live.builder`), whose render workers are its children."""
    site = copy_site("basic", tmp_path)
    pid_folder = tmp_path / "pids"
    pid_folder.mkdir()
    args = ["watch", "--source", str(site), "--output", str(tmp_path / "out")]
    stderr = tmp_path / "stderr"
    with stderr.open("wb") as err_file:
        process = subprocess.Popen(
            [sys.executable, "-c", STALLING_CLI, str(pid_folder), "linux", *args],
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            start_new_session=True,
        )
    workers: list[int] = []
    builders: set[int] = set()
    try:
        started = _wait_for(lambda: len(list(pid_folder.iterdir())) >= 2 or process.poll() is not None, time.monotonic() + WAIT)
        workers = sorted(int(p.name) for p in pid_folder.iterdir())
        assert started and len(workers) == 2, f"two workers should be rendering: {workers}, {process.poll()}, {stderr.read_text()}"
        builders = {_parent(pid) for pid in workers}
        assert len(builders) == 1 and {_parent(pid) for pid in builders} == {process.pid}, "the builder, a child of the command, forked them"

        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        process.wait(timeout=WAIT)

        _wait_for(lambda: not any(_alive(pid) for pid in [*workers, *builders]), time.monotonic() + WAIT)
        survivors = [pid for pid in [*workers, *builders] if _alive(pid)]
        assert survivors == [], f"after {ending}, these still run"
        assert _wait_for(lambda: list(tmp_path.glob(".out.stage-*")) == [], time.monotonic() + WAIT), "the builder removes its half-made stage"
        if how in ("ctrl-c", "sigterm"):
            assert process.returncode == 130
            err = stderr.read_text()
            assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in [*workers, *builders]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_worker_leaves_the_heap_it_inherited_out_of_its_collections():
    """`bind_to_parent` freezes what the fork inherited: the worker's collections walk only what it made
    (and never write to, and so copy, the parent's pages), and inherited garbage stays the parent's."""
    import gc

    from digest.pipeline.workers import bind_to_parent

    inherited = [[] for _ in range(1000)]  # young objects at the fork, as a build's are
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            before = gc.get_freeze_count()
            bind_to_parent(os.getppid())
            os.write(write, f"{before} {gc.get_freeze_count()}".encode())
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 100).decode().split()
    os.close(read)
    os.waitpid(pid, 0)
    assert int(answer[1]) - int(answer[0]) >= len(inherited)

def _render_briefly(parent: int) -> None:
    """A worker's start (`bind_to_parent`), then a render that ends on its own with exit status 3."""
    bind_to_parent(parent)
    time.sleep(2)
    os._exit(3)


def _stop_workers_just_forked(rounds: int) -> list[int | None]:
    """In a fresh process, on one CPU, with a Python SIGTERM handler as `digest build` has: start two
    workers as `build._render_all` does and stop them at once, as an exception right after the start does."""
    import multiprocessing

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # a worker just forked has not run yet
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    context = multiprocessing.get_context("fork")
    endings: list[int | None] = []
    for _ in range(rounds):
        running = {}
        for _ in range(2):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_render_briefly, args=(os.getpid(),), daemon=True)
            process.start()
            send.close()
            running[receive] = process
        stop_workers(running)
        endings += [process.exitcode for process in running.values()]
    return endings


def test_workers_stopped_as_soon_as_they_are_forked_end_at_once():
    """A signal that reaches a child before its interpreter has finished the fork is lost when the parent's
    handler is Python's; a worker that rendered on would block on a full pipe it holds itself, and the
    build would wait for it for good (test_write_faults' full disk once hung the suite so)."""
    endings = in_fresh_process(_stop_workers_just_forked, 5)
    assert endings == [-signal.SIGKILL] * 10, "each worker is killed, none renders on (exit status 3)"
