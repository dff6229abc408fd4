"""`digest watch` and `digest serve` build in a process forked before their threads (`digest.live.builder`).

The sessions here run in a fresh interpreter (a subprocess), as the command
does: the builder can be forked only while its parent has a single thread,
and a test process may have others. Which process rendered a page is
recorded by the page's producer (its pid), so "on both cores" is counted,
not timed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_site, read_tree, run_cli

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks, reads /proc")

WAIT = 60.0
"""Generous deadline for a process to start, answer or end."""
BASE_TEMPLATE = "themes/default/templates/base.html"
SIDECAR = "content/articles/plain-one.yaml"

# A session as `digest watch` runs it: the builder forked first, then a file watcher's
# threads in the parent; each render records "pid page" in the producers file.
SESSION = """
import json, os, sys, threading
from pathlib import Path
import digest.pipeline.build
from digest.live.builder import BuilderProcess, start_builder
from digest.live.watch import ChangeCollector, SourceWatcher

site, output, producers = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
digest.pipeline.build.PARALLEL_MINIMUM = int(sys.argv[4])
os.cpu_count = lambda: 2
render_page = digest.pipeline.build.render_page

def recording_render(env, page, reader):
    with open(producers, "a") as log:
        log.write(f"{os.getpid()} {page.path}\\n")
    return render_page(env, page, reader)

digest.pipeline.build.render_page = recording_render
builder = start_builder(site, output, search_in_background=True)
assert isinstance(builder, BuilderProcess), "one thread: the builder runs in a child"
report = {"parent": os.getpid(), "builder": builder.pid, "rebuilds": []}
watcher = SourceWatcher(site, ChangeCollector(site))
watcher.start()
report["threads"] = threading.active_count()
try:
    for changed in [None, *json.loads(sys.argv[5])]:
        if changed is not None:
            edit = site / changed
            edit.write_text(edit.read_text().replace("</body>", "<!-- edited --></body>").replace("The talks were not useful.", "The talks were pointless."))
        producers.write_text("")
        rebuild = builder.build(None if changed is None else {changed})  # the last save's index may still be being made
        report["rebuilds"].append({"ok": rebuild.ok, "rendered": len(rebuild.rendered),
                                   "html": sum(path.endswith(".html") for path in rebuild.rendered), "errors": [str(d) for d in rebuild.errors],
                                   "producers": producers.read_text().split()[::2], "builder": builder.pid})
    report["searched"] = builder.wait_for_search(60)
finally:
    watcher.stop()
    builder.close()
report["builder_alive"] = os.path.exists(f"/proc/{builder.pid}")
print(json.dumps(report))
"""


def run_session(tmp_path: Path, site: Path, edits: list[str], minimum: int = 1) -> dict:
    producers = tmp_path / "producers"
    result = subprocess.run(
        [sys.executable, "-c", SESSION, str(site), str(tmp_path / "live"), str(producers), str(minimum), json.dumps(edits)],
        env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def site_with_base_override(tmp_path: Path) -> Path:
    site = copy_site("basic", tmp_path)
    override = site / BASE_TEMPLATE
    override.parent.mkdir(parents=True)
    override.write_text((REPO / BASE_TEMPLATE).read_text())
    return site


def test_a_template_edit_under_a_watcher_renders_in_several_processes_with_the_bytes_of_a_clean_build(tmp_path):
    site = site_with_base_override(tmp_path)
    # The save's search index is being made as the template edit comes: the indexer's thread must stop for it.
    report = run_session(tmp_path, site, [SIDECAR, BASE_TEMPLATE])
    assert report["threads"] > 1, "the parent has the watcher's threads"
    first, save, edit = report["rebuilds"]
    assert first["ok"] and save["ok"] and edit["ok"] and report["searched"], report
    assert edit["html"] == first["html"] == 23, "every page shows base.html"
    renderers = set(edit["producers"])
    assert len(edit["producers"]) == edit["rendered"]
    assert len(renderers) == 2, f"two render workers share the pages: {renderers}"
    assert not renderers & {str(report["parent"]), str(report["builder"])}, "forked workers render, not the session's processes"
    assert not report["builder_alive"], "close() ends the builder process"
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_sidecar_save_renders_in_the_builder_itself_which_lives_across_saves(tmp_path):
    """A save renders a few pages: no worker, no new process (the usual minimum applies)."""
    import digest.pipeline.build

    site = copy_site("basic", tmp_path)
    report = run_session(tmp_path, site, [SIDECAR, SIDECAR], minimum=digest.pipeline.build.PARALLEL_MINIMUM)
    _, save, again = report["rebuilds"]
    assert report["searched"]
    assert save["ok"] and 0 < save["html"] < 23, save
    assert set(save["producers"]) == {str(report["builder"])}, "the builder renders a save itself"
    assert save["builder"] == again["builder"] == report["builder"], "one builder process for the whole session"
    assert read_tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def clean_build(site: Path, out: Path) -> dict[str, bytes]:
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    return read_tree(out)


# The command: the builder's end, whatever ends it


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_for(predicate, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class WatchProcess:
    """`digest watch` in a subprocess, its output in a file (no pipe a survivor could hold open)."""

    def __init__(self, tmp_path: Path, site: Path, *extra: str):
        self.log = tmp_path / "watch.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "digest", "watch", "--source", str(site), "--output", str(tmp_path / "out"), *extra],
                env=dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1"),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    @property
    def output(self) -> str:
        return self.log.read_text()

    def builder(self) -> int:
        assert wait_for(lambda: "press Ctrl-C to stop" in self.output or self.process.poll() is not None), self.output
        [pid] = children(self.process.pid)
        return pid

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_watch_stops_cleanly_and_its_builder_with_it(tmp_path, how):
    site = copy_site("basic", tmp_path)
    watch = WatchProcess(tmp_path, site)
    try:
        builder = watch.builder()
        if how == "ctrl-c":
            os.killpg(watch.process.pid, signal.SIGINT)
        else:
            watch.process.send_signal(signal.SIGTERM)
        assert watch.process.wait(WAIT) == 0, watch.output
        assert wait_for(lambda: not alive(builder)), "the builder process ends with the command"
        assert watch.output.rstrip().endswith("stopped") and "Traceback" not in watch.output, watch.output
    finally:
        watch.kill()


def test_a_builder_killed_while_watching_ends_the_command_with_an_error(tmp_path):
    site = copy_site("basic", tmp_path)
    watch = WatchProcess(tmp_path, site)
    try:
        os.kill(watch.builder(), signal.SIGKILL)
        assert watch.process.wait(WAIT) == 1, watch.output
        last = watch.output.splitlines()[-1]
        assert last == ("digest: error: the process that builds the site stopped unexpectedly (killed by SIGKILL); "
                        "the output holds the last site it finished"), watch.output
        assert "Traceback" not in watch.output
    finally:
        watch.kill()


def test_an_output_folder_of_someone_elses_is_refused_through_the_builder(tmp_path):
    site = copy_site("basic", tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    watch = WatchProcess(tmp_path, site)
    try:
        assert watch.process.wait(WAIT) == 1, watch.output
        assert watch.output.startswith(f"{tmp_path / 'out'}: error: "), watch.output
        assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    finally:
        watch.kill()
