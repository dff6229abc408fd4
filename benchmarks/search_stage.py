"""The search stage of a cold build: its CPU, the pages it reads back, and what Pagefind is fed.

    python benchmarks/search_stage.py [--sizes 1000,10000] [--repeat 1] [--code before=/path/to/old/checkout ...]

For each size N and each code version (``--code LABEL=PATH``, a folder
holding ``digest/`` and ``themes/``; default: this checkout, as 'now') it
runs ``--repeat`` cold builds of the cached corpus of `run.py`
(`build.build_site` into an empty folder under /tmp; the corpus is only
read), alternating between the code versions so that load on the shared
machine favours none. Each build is a subprocess that times:

- the whole build: the process's CPU (every thread) and its children's
  (the render workers and the Pagefind runs), its peak memory (``VmHWM``);
- the search stage (`build.search_files`): the process's CPU over it (the
  planning, the event records, the two indexing threads feeding Pagefind),
  the Pagefind runs' CPU (children waited for during it), the page files
  it read back, and within it the planning (`plan_search`);
- what Pagefind was fed (`index.index_records`): requests and bytes of
  ``file_contents`` per kind of record (the page's first folder, or
  ``events``).

Printed as a table per size (best of the repeats) and written as JSON to
``benchmarks/.cache/search-stage-STAMP.json``.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402


def vm_hwm_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children_cpu() -> float:
    """CPU of the children waited for: the render workers are joined first (a build reaps them only at exit)."""
    import multiprocessing

    for worker in multiprocessing.active_children():
        worker.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child(source: Path, output: Path) -> int:
    """One cold build with timers around the search stage; the measurements go to stderr as one JSON line."""
    from digest.pipeline import build
    from digest.search import index

    measured: dict = {"search": {}, "plan": {}, "fed": {}, "pages_read": 0, "bytes_read": 0}

    def search_files(graph, state, previous, read, *args, **kwargs):
        def counted(path: str) -> bytes:
            data = read(path)
            if path.endswith(".html") and not path.startswith(index.BUNDLE):
                measured["pages_read"] += 1
                measured["bytes_read"] += len(data)
            return data

        wall, cpu, kids = time.perf_counter(), time.process_time(), children_cpu()
        try:
            return original_search(graph, state, previous, counted, *args, **kwargs)
        finally:
            measured["search"] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "pagefind_cpu": children_cpu() - kids}

    def plan_search(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original_plan(*args, **kwargs)
        finally:
            measured["plan"] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}

    counting = threading.Lock()  # two indexing threads

    def index_records(requests, *args, **kwargs):
        requests = list(requests)
        for request in requests:
            if request.get("type") != "AddFile":
                continue
            path = request["file_path"]
            kind = "events" if path.startswith(index.RECORDS) else path.partition("/")[0] if "/" in path else "pages"
            size = len(request["file_contents"].encode("utf-8"))
            with counting:
                row = measured["fed"].setdefault(kind, {"records": 0, "bytes": 0})
                row["records"] += 1
                row["bytes"] += size
        return original_records(requests, *args, **kwargs)

    original_search, original_plan, original_records = build.search_files, build.plan_search, index.index_records
    build.search_files = functools.wraps(original_search)(search_files)
    build.plan_search = functools.wraps(original_plan)(plan_search)
    index.index_records = functools.wraps(original_records)(index_records)
    wall, cpu = time.perf_counter(), time.process_time()
    result = build.build_site(source, output)
    measured["build"] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "children_cpu": children_cpu(),
                         "hwm": vm_hwm_mib(), "pages": result.page_count}
    print("SEARCH " + json.dumps(measured), file=sys.stderr)
    return 0


def build_once(code: Path, source: Path, output: Path) -> dict:
    env = run.installed_env(PYTHONPATH=f"{code}{os.pathsep}{HERE}")
    cmd = [sys.executable, str(HERE / "search_stage.py"), "--child", str(source), str(output)]
    done = subprocess.run(cmd, cwd=code, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"build failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    line = next(line for line in done.stderr.splitlines() if line.startswith("SEARCH "))
    return json.loads(line.removeprefix("SEARCH "))


def show(label: str, r: dict) -> None:
    b, s, p = r["build"], r["search"], r["plan"]
    run.log(f"  [{label}] build {b['wall']:.1f} s wall, {b['cpu']:.1f} s own CPU + {b['children_cpu']:.1f} s children, peak {b['hwm']:.0f} MiB;"
            f" search {s['wall']:.1f} s wall, {s['cpu']:.1f} s CPU + Pagefind {s['pagefind_cpu']:.1f} s; plan {p['cpu']:.2f} s CPU;"
            f" pages read back {r['pages_read']} ({r['bytes_read'] / 1e6:.1f} MB)")


def table(articles: int, results: dict[str, list[dict]]) -> str:
    labels = list(results)

    def best(path: tuple[str, ...]) -> list[str]:
        cells = []
        for label in labels:
            values = []
            for r in results[label]:
                value = r
                for key in path:
                    value = value[key]
                values.append(value)
            cells.append(f"{min(values):.2f}")
        return cells

    rows = [
        ("search stage, own CPU (planning, event records, feeding)", ("search", "cpu")),
        ("search stage, Pagefind CPU", ("search", "pagefind_cpu")),
        ("search stage, wall", ("search", "wall")),
        ("  planning, CPU", ("plan", "cpu")),
        ("whole build, own CPU", ("build", "cpu")),
        ("whole build, children's CPU (render workers, Pagefind)", ("build", "children_cpu")),
        ("whole build, own peak MiB", ("build", "hwm")),
        ("pages read back by the search stage", ("pages_read",)),
    ]
    lines = [f"N = {articles}: cold build, best of {len(results[labels[0]])} (seconds unless said)", "",
             "| | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    lines += [f"| {name} | " + " | ".join(best(path)) + " |" for name, path in rows]
    lines += ["", "What Pagefind was fed (first run of each):", "", "| kind | " + " | ".join(f"{label}: records, bytes, bytes/record" for label in labels) + " |",
              "|---|" + "---|" * len(labels)]
    kinds = sorted({kind for label in labels for kind in results[label][0]["fed"]})
    for kind in kinds:
        cells = []
        for label in labels:
            row = results[label][0]["fed"].get(kind, {"records": 0, "bytes": 0})
            cells.append(f"{row['records']}, {row['bytes']:,}, {row['bytes'] // max(row['records'], 1):,}")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child(Path(sys.argv[2]), Path(sys.argv[3])))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--code", action="append", default=[], help="LABEL=PATH of a checkout (default: this one, as 'now')")
    args = parser.parse_args()
    codes = {label: Path(path).resolve() for label, _, path in (c.partition("=") for c in args.code)} or {"now": run.REPO}
    everything: dict = {}
    with tempfile.TemporaryDirectory(prefix="digest-search-stage-") as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            corpus = run.corpus("digest", size, 1)
            results: dict[str, list[dict]] = {label: [] for label in codes}
            for number in range(args.repeat):
                for label in (list(codes) if number % 2 == 0 else list(reversed(codes))):
                    output = Path(folder) / f"{label}-{size}-site"
                    shutil.rmtree(output, ignore_errors=True)
                    result = build_once(codes[label], corpus, output)
                    shutil.rmtree(output, ignore_errors=True)
                    results[label].append(result)
                    show(f"{label} N={size} run {number + 1}", result)
            everything[size] = results
            print(table(size, results) + "\n", flush=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = HERE / ".cache" / f"search-stage-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(everything, indent=1))
    run.log(f"written {out}")


if __name__ == "__main__":
    main()
