"""Profile one full build and one watch-mode sidecar edit, grouped by pipeline stage.

    python benchmarks/profile_build.py [--articles 1000] [--seed 1] [--top 25] [--prof-dir /tmp] [--one-process]

Both run in this process under cProfile, on the cached corpus of `run.py`
(generated if missing): the full build is `digest.pipeline.build.build_site` into an
empty folder (what `python -m cProfile -m digest build` measures, minus
interpreter start); the edit is a `digest.pipeline.session.SiteBuilder` that builds
once, then has one claim's text revised in a sidecar and builds again (the
second build is profiled, exactly what `digest watch` runs after a save,
without the debounce). The raw profiles are saved as
``PROF_DIR/build.prof`` and ``PROF_DIR/edit.prof`` for snakeviz or pstats.

Before them, the same build and edit run with only timers around each
stage (cProfile slows Python code about twofold, but not the Pagefind
subprocess), for the real split of wall time. The profiled report: time of
each stage (cumulative time of its entry points, so nested rows are parts
of the row above), own time summed per module, and the top functions by
cumulative and by own time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

import run  # noqa: E402  (the corpus cache, the code snapshot and the edit maker)

STAGES: list[tuple[str, str, str]] = [
    # (label, file suffix, function): nested labels are indented under their stage
    ("load (read + YAML + validate)", "digest/source/load.py", "load_site"),
    ("  YAML parse", "digest/source/yamlnodes.py", "parse_yaml"),
    ("  schema validation", "digest/source/schema.py", "check_record"),
    ("link", "digest/graph/link.py", "link_site"),
    ("  seeds -> blocks (markdown, plain)", "digest/graph/link.py", "_articles"),
    ("    markdown-it parse", "digest/text/seedtext.py", "parse_markdown"),
    ("  quote anchoring", "digest/graph/link.py", "_annotate"),
    ("  name matching", "digest/graph/link.py", "_find_people"),
    ("  mentions", "digest/graph/link.py", "_mentions"),
    ("render (all pages)", "digest/pipeline/build.py", "_render_pages"),
    ("  graph reads (Reader.read)", "digest/views/reads.py", "read"),
    ("  fingerprints (incremental checks)", "digest/views/reads.py", "fingerprint"),
    ("  page contexts + templates (render_page)", "digest/render/page.py", "render_page"),
    ("    article_body (highlights, links)", "digest/render/templates.py", "article_body"),
    ("    Jinja Template.render", "jinja2/environment.py", "render"),
    ("    markdown fields (render_markdown)", "digest/render/templates.py", "render_markdown"),
    ("  template closures", "digest/pipeline/buildstate.py", "closure"),
    ("search index (pagefind)", "digest/pipeline/build.py", "search_files"),
    ("write (into the stage, whole site)", "digest/pipeline/write.py", "put"),
    ("write (changed files, watch)", "digest/pipeline/write.py", "write_changes"),
]


def stage_rows(stats: pstats.Stats) -> list[tuple[str, float, int]]:
    """(label, cumulative seconds, calls) for each stage entry point found in the profile."""
    table = stats.stats  # type: ignore[attr-defined]
    rows = []
    for label, suffix, name in STAGES:
        seconds, calls, found = 0.0, 0, False
        for (filename, _, function), (_, ncalls, _, cumulative, _) in table.items():
            if function == name and filename.replace("\\", "/").endswith(suffix):
                seconds += cumulative
                calls += ncalls
                found = True
        if found:
            rows.append((label, seconds, calls))
    return rows


def module_of(filename: str) -> str:
    """'digest/graph/link.py', 'jinja2', 'yaml', 'stdlib:re'... for grouping own time."""
    path = filename.replace("\\", "/")
    if path.endswith(".html"):
        return "template:" + path.rsplit("/", 1)[-1]
    if "/digest/" in path:
        return "digest/" + path.rsplit("/digest/", 1)[1]
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if path.startswith("<") or path == "~":
        return "builtins / C"
    return "stdlib:" + Path(path).stem


def module_rows(stats: pstats.Stats, limit: int) -> list[tuple[str, float]]:
    totals: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = module_of(filename)
        totals[key] = totals.get(key, 0.0) + own
    return sorted(totals.items(), key=lambda item: -item[1])[:limit]


def top_functions(stats: pstats.Stats, column: int, limit: int) -> list[str]:
    """Rows 'calls  own  cumulative  module:line(function)', sorted by own (2) or cumulative (3) time."""
    entries = sorted(stats.stats.items(), key=lambda item: -item[1][column])[:limit]  # type: ignore[attr-defined]
    rows = [f"  {'calls':>9} {'own s':>8} {'cum s':>8}  function"]
    for (filename, line, function), (_, ncalls, own, cumulative, _) in entries:
        rows.append(f"  {ncalls:>9} {own:8.2f} {cumulative:8.2f}  {module_of(filename)}:{line}({function})")
    return rows


def report(title: str, profile: cProfile.Profile, wall: float, top: int) -> str:
    stats = pstats.Stats(profile)
    lines = [f"## {title}: {wall:.2f} s wall ({stats.total_tt:.2f} s profiled)", "", "Stages (cumulative; indented rows are parts of the row above):"]  # type: ignore[attr-defined]
    for label, seconds, calls in stage_rows(stats):
        lines.append(f"  {label:<48} {seconds:8.2f} s  {calls:>8} calls")
    lines += ["", "Own time by module:"]
    for module, seconds in module_rows(stats, top):
        lines.append(f"  {module:<48} {seconds:8.2f} s")
    lines += ["", f"Top {top} by cumulative time:", *top_functions(stats, 3, top)]
    lines += ["", f"Top {top} by own time:", *top_functions(stats, 2, top)]
    return "\n".join(lines)


TIMED = {
    # module -> names to wrap there (the modules import these names, so wrap them where they are called)
    "digest.pipeline.build": ("render_source", "load_site", "link_site", "search_files", "write_stage", "make_shards"),
    "digest.pipeline.session": ("render_source", "index_search", "write_stage", "write_changes"),
}


@contextlib.contextmanager
def stage_timer() -> Iterator[dict[str, float]]:
    """Wall time per pipeline stage without a profiler's overhead (which inflates Python code ~2x)."""
    import importlib

    times: dict[str, float] = {}
    patched = []
    for module_name, names in TIMED.items():
        module = importlib.import_module(module_name)
        for name in names:
            original = getattr(module, name, None)
            if original is None:
                continue

            def timed(*args, __original=original, __name=name, **kwargs):
                started = time.perf_counter()
                try:
                    return __original(*args, **kwargs)
                finally:
                    times[__name] = times.get(__name, 0.0) + time.perf_counter() - started
                    times["memory:" + __name] = memory_mib()

            setattr(module, name, timed)
            patched.append((module, name, original))
    try:
        yield times
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


def memory_mib() -> tuple[float, float]:
    """(resident now, peak so far) of this process, in MiB: /proc/self/status's VmRSS and VmHWM."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line.split(":")[0]] = int(line.split()[1]) / 1024
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


def memory_rows(times: dict) -> list[str]:
    """This process's memory as each stage ended (in pipeline order): which stage raised the peak."""
    rows = []
    for name, (rss, peak) in sorted(((k.removeprefix("memory:"), v) for k, v in times.items() if k.startswith("memory:")), key=lambda item: item[1][1]):
        rows.append(f"  after {name:<28} resident {rss:7.0f} MiB, peak so far {peak:7.0f} MiB")
    return rows


def timed_report(title: str, times: dict[str, float], wall: float) -> str:
    labels = {
        "render_source": "load + link (render_source)", "load_site": "  load", "link_site": "  link",
        "write_stage": "render + search + write (write_stage: renders as it writes)", "search_files": "  search index",
        "index_search": "search index", "make_shards": "  pagefind runs (shards)", "write_changes": "write (changed files)",
    }
    lines = [f"## {title}, not profiled: {wall:.2f} s wall", ""]
    for name, label in labels.items():
        if name in times:
            lines.append(f"  {label:<40} {times[name]:7.2f} s")
    return "\n".join(lines + ["", "Memory of this process (render workers and Pagefind not included):", *memory_rows(times)])


def timed_build(source: Path, work: Path) -> str:
    """A full build with only stage timers (render in forked workers, as `digest build` does)."""
    from digest.pipeline.build import build_site

    with stage_timer() as times:
        started = time.perf_counter()
        build_site(source, work / "timed-site")
        return timed_report("Full clean build", dict(times), time.perf_counter() - started)


def timed_runs(source: Path, work: Path) -> str:
    """A full build and a sidecar edit with only stage timers: the real split of wall time."""
    import json

    from digest.pipeline.build import build_site
    from digest.pipeline.session import SiteBuilder

    with stage_timer() as times:
        started = time.perf_counter()
        build_site(source, work / "timed-site")
        full = timed_report("Full clean build", dict(times), time.perf_counter() - started)
    copy = work / "timed-source"
    shutil.copytree(source, copy)
    builder = SiteBuilder(copy, work / "timed-watch")
    builder.build()
    edit = run.EditMaker(copy, work / "timed-watch", json.loads((copy / "benchmark.json").read_text())).make("sidecar", 1)
    edit.path.write_text(edit.text, encoding="utf-8")
    with stage_timer() as times:
        started = time.perf_counter()
        builder.build()
        incremental = timed_report("One sidecar edit (SiteBuilder)", dict(times), time.perf_counter() - started)
    return full + "\n\n" + incremental


def profile_build(source: Path, work: Path, prof_dir: Path, top: int, one_process: bool = False) -> str:
    """cProfile a full build. Its render workers are forked and their profiles lost with them, so the
    render rows show the parent waiting; ``one_process`` renders every page here instead (slower, but seen)."""
    import digest.pipeline.build
    from digest.pipeline.build import build_site

    minimum = digest.pipeline.build.PARALLEL_MINIMUM
    if one_process:
        digest.pipeline.build.PARALLEL_MINIMUM = sys.maxsize
    profile = cProfile.Profile()
    started = time.perf_counter()
    try:
        with stage_timer() as times:
            profile.enable()
            build_site(source, work / "site")
            profile.disable()
    finally:
        digest.pipeline.build.PARALLEL_MINIMUM = minimum
    wall = time.perf_counter() - started
    profile.dump_stats(prof_dir / "build.prof")
    memory = ["", "Memory of this process as each stage ended:", *memory_rows(times)]
    return report("Full clean build" + (", rendered in one process" if one_process else ""), profile, wall, top) + "\n".join(["", *memory])


def profile_edit(source: Path, work: Path, prof_dir: Path, top: int) -> str:
    """Build once with a watch-mode builder, revise one claim, profile the rebuild."""
    import json

    from digest.pipeline.session import SiteBuilder

    copy = work / "source"
    shutil.copytree(source, copy)
    output = work / "watch-site"
    builder = SiteBuilder(copy, output)
    first = builder.build()
    if not first.ok:
        raise SystemExit("first build failed:\n" + "\n".join(map(str, first.diagnostics[:20])))
    manifest = json.loads((copy / "benchmark.json").read_text())
    edit = run.EditMaker(copy, output, manifest).make("sidecar", 1)
    edit.path.write_text(edit.text, encoding="utf-8")
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    rebuild = builder.build()
    profile.disable()
    wall = time.perf_counter() - started
    profile.dump_stats(prof_dir / "edit.prof")
    summary = (f"{len(rebuild.rendered)} of {rebuild.pages} pages rendered, {len(rebuild.written)} files written; "
               f"edited {edit.path.relative_to(copy)}")
    return report(f"One sidecar edit, rebuilt by SiteBuilder ({summary})", profile, wall, top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=25, help="rows in each top list")
    parser.add_argument("--prof-dir", type=Path, default=Path(tempfile.gettempdir()), help="where to save build.prof and edit.prof")
    parser.add_argument("--only", choices=("build", "edit", "timed", "timed-build"),
                        help="only the profiled build, the profiled edit, the un-profiled stage timings, or those of the full build alone")
    parser.add_argument("--one-process", action="store_true",
                        help="render the profiled build in this process: a full build renders in forked workers, whose time cProfile never sees")
    args = parser.parse_args(argv)
    code = run.snapshot_code(run.CACHE / "code-profile")  # templates edited mid-run must not leak in
    sys.path.insert(0, str(run.CODE["path"]))
    print(f"profiling digest from a snapshot of the checkout ({code})\n")
    source = run.corpus("digest", args.articles, args.seed)
    run.scrub_source(source)
    with tempfile.TemporaryDirectory(prefix="digest-profile-") as temporary:
        work = Path(temporary)
        if args.only in (None, "timed"):
            print(timed_runs(source, work), flush=True)
            print()
        if args.only == "timed-build":
            print(timed_build(source, work), flush=True)
            print()
        if args.only in (None, "build"):
            print(profile_build(source, work, args.prof_dir, args.top, args.one_process), flush=True)
            print()
        if args.only in (None, "edit"):
            print(profile_edit(source, work, args.prof_dir, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
