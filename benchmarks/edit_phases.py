"""Where `digest build` spends its time and memory: a cold build, then sidecar edits, split by phase.

    python benchmarks/edit_phases.py [--sizes 1000,10000] [--edits 3] [--code before=/path/to/old/checkout ...]

For each size N and each code version (``--code LABEL=PATH``, a folder
holding ``digest/`` and ``themes/``; default: this checkout) it copies the
cached corpus of `run.py`, runs one cold `digest build`, then ``--edits``
times: revises one claim of a different sidecar (`run.EditMaker`) and runs
`digest build` again into the same output. With several code versions the
cold builds and the edits alternate between them, so load on the shared
machine favours none.

Each build is a subprocess that runs `digest.cli.main` under timers: the
wall and CPU time (``time.thread_time``: the thread that ran it, not the
process's other threads, render workers or Pagefind) of each phase of the command (the no-change check,
loading the saved state, the build, the swap, removing the old site, saving
the state), the process's own peak memory (``VmHWM`` from /proc) as each
phase ends, so the phase that raised it shows, and the CPU of its children.
A phase a code version does not have is left out. Printed as a table per
size and written as JSON to ``benchmarks/.cache/edit-phases-STAMP.json``.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402

PHASES: list[tuple[str, str, str]] = [
    # (label, module, attribute: a function, or Class.method)
    ("code fingerprint", "digest.pipeline.buildcache", "code_fingerprint"),
    ("input fingerprint", "digest.pipeline.buildcache", "input_fingerprint"),
    ("no-change check", "digest.pipeline.buildcache", "up_to_date"),
    ("load state", "digest.pipeline.savedstate", "load_state"),
    ("build", "digest.pipeline.build", "build_site"),
    ("  render + write", "digest.pipeline.build", "write_stage"),
    ("    list the kept tree", "digest.pipeline.write", "_open_kept_tree"),
    ("    carry (hard-link kept files)", "digest.pipeline.write", "Stage.carry"),
    ("    search", "digest.pipeline.build", "search_files"),
    ("    commit (swap)", "digest.pipeline.write", "Stage.commit"),
    ("      remove old site", "digest.pipeline.write", "remove_tree"),
    ("remember", "digest.pipeline.buildcache", "remember"),
    ("save state", "digest.pipeline.savedstate", "save_state"),
    ("forget gone outputs", "digest.pipeline.buildcache", "forget_gone_outputs"),
]


def vm_hwm_mib() -> float:
    """This process's peak resident memory so far."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(argv: list[str]) -> int:
    """Run the CLI with a timer around each phase; the measurements go to stderr as one JSON line."""
    import importlib
    import resource

    measured: dict[str, dict[str, float]] = {}

    def timed(label: str, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()  # the old site's removal runs in a thread of its own
            result = None
            try:
                result = function(*args, **kwargs)
                return result
            finally:
                row = measured.setdefault(label, {"wall": 0.0, "cpu": 0.0, "calls": 0})
                row["wall"] += time.perf_counter() - wall
                row["cpu"] += time.thread_time() - cpu
                row["calls"] += 1
                row["hwm_after"] = vm_hwm_mib()
                if label == "save state":  # segments pickled and copied
                    row["result"] = repr(result)
        return wrapper

    for label, module_name, attribute in PHASES:
        module = importlib.import_module(module_name)
        owner_name, _, name = attribute.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        if hasattr(owner, name):
            setattr(owner, name, timed(label, getattr(owner, name)))
    from digest.cli import main

    wall, cpu = time.perf_counter(), time.process_time()
    status = main(argv)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "hwm": vm_hwm_mib(),
             "children_cpu": children.ru_utime + children.ru_stime, "own_cpu": own.ru_utime + own.ru_stime}
    print("PHASES " + json.dumps({"phases": measured, "total": total}), file=sys.stderr)
    return status


def build(code: Path, source: Path, output: Path) -> dict:
    """One `digest build` of ``code`` in a subprocess: its phases, its summary line, its wall time."""
    env = run.installed_env(PYTHONPATH=f"{code}{os.pathsep}{HERE}")
    cmd = [sys.executable, str(HERE / "edit_phases.py"), "--child", "build", "--source", str(source), "--output", str(output)]
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=code, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"digest build failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    line = next(line for line in done.stderr.splitlines() if line.startswith("PHASES "))
    result = json.loads(line.removeprefix("PHASES "))
    result["seconds"] = seconds
    result["summary"] = done.stdout.strip().splitlines()[-1]
    return result


def show(label: str, result: dict) -> None:
    total = result["total"]
    run.log(f"  [{label}] {result['seconds']:.2f} s wall, {total['own_cpu']:.2f} s own CPU, {total['children_cpu']:.2f} s children's CPU, "
            f"own peak {total['hwm']:.0f} MiB: {result['summary']}")
    for name, _, _ in PHASES:
        row = result["phases"].get(name)
        if row:
            run.log(f"      {name:34} {row['wall']:7.2f} s wall {row['cpu']:7.2f} s CPU  peak after {row.get('hwm_after', 0):6.0f} MiB  ({row['calls']} calls)"
                    + (f" {row['result']}" if "result" in row else ""))


def measure(articles: int, edits: int, codes: dict[str, Path], work: Path) -> dict:
    corpus = run.corpus("digest", articles, 1)
    manifest = json.loads((corpus / run.generate.MANIFEST).read_text())
    sites = {}
    for label in codes:
        source = work / f"{label}-{articles}"
        shutil.copytree(corpus, source, ignore=shutil.ignore_patterns(".digest-cache", "site"))
        sites[label] = (source, source / "site", run.EditMaker(source, source / "site", manifest))
    results: dict[str, dict] = {label: {"cold": None, "edits": []} for label in codes}
    for label, code in codes.items():
        source, output, _ = sites[label]
        results[label]["cold"] = cold = build(code, source, output)
        show(f"{label} N={articles} cold", cold)
    for number in range(1, edits + 1):
        order = list(codes) if number % 2 else list(reversed(codes))
        for label in order:
            source, output, maker = sites[label]
            maker.next_article = number - 1  # the same article for every code version
            edit = maker.make("sidecar", number)
            edit.path.write_text(edit.text, encoding="utf-8")
            result = build(codes[label], source, output)
            results[label]["edits"].append(result)
            show(f"{label} N={articles} sidecar edit {number}", result)
    for label in codes:
        shutil.rmtree(work / f"{label}-{articles}", ignore_errors=True)
    return results


def table(articles: int, results: dict) -> str:
    """Best of the edits per phase (wall and CPU), and the cold build's peak, per code version."""
    labels = list(results)
    lines = [f"N = {articles}: `digest build` after one sidecar edit, best of {len(results[labels[0]]['edits'])} (wall / own CPU)", "",
             "| phase | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for name, _, _ in PHASES:
        cells = []
        for label in labels:
            rows = [r["phases"][name] for r in results[label]["edits"] if name in r["phases"]]
            cells.append(f"{min(r['wall'] for r in rows):.2f} / {min(r['cpu'] for r in rows):.2f} s" if rows else "–")
        if any(cell != "–" for cell in cells):
            lines.append(f"| {name.strip()} | " + " | ".join(cells) + " |")
    cells = [f"{min(r['seconds'] for r in results[label]['edits']):.2f} / {min(r['total']['own_cpu'] for r in results[label]['edits']):.2f} s" for label in labels]
    lines.append("| **whole command** | " + " | ".join(cells) + " |")
    cells = [f"{results[label]['cold']['seconds']:.1f} s, own peak {results[label]['cold']['total']['hwm']:.0f} MiB" for label in labels]
    lines.append("| cold build (wall, own VmHWM) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--code", action="append", default=[], help="LABEL=PATH of a checkout (default: this one, as 'now')")
    args = parser.parse_args()
    codes = {label: Path(path).resolve() for label, _, path in (c.partition("=") for c in args.code)} or {"now": run.REPO}
    everything = {}
    with tempfile.TemporaryDirectory(prefix="digest-phases-") as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            everything[size] = measure(size, args.edits, codes, Path(folder))
            print(table(size, everything[size]) + "\n", flush=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    (run.CACHE / f"edit-phases-{stamp}.json").write_text(json.dumps({"args": sys.argv[1:], "loads": os.getloadavg(), "sizes": everything}, indent=1))


if __name__ == "__main__":
    main()
