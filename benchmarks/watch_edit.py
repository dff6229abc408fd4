"""Time watch mode's save in process: to the saved page, and to every affected page.

    python benchmarks/watch_edit.py [--articles 10000] [--seed 1] [--edits 3] [--kind sidecar|person|seed|template] [--viewed] [--profile PROF_DIR] [--profile-edit N] [--corpus DIR]

A `SiteBuilder` (what `digest watch` runs in its builder process, without
the watcher's debounce or the pipe) builds a copy of the cached corpus of
`run.py` once, then makes ``--edits`` saves of one ``--kind`` (`run.EditMaker`,
as `run.py` does: a claim's text revised in a sidecar, a person renamed
keeping the old name as an alias, a paragraph added to a seed, a comment in
a site override of the article template) and the
builder builds again with the saved path as the watcher's hint. Printed
per edit: wall and CPU time (this process) from the call to the first page
written (`on_page_written`: the saved entity's own page), to the page of
the article `run.py` watches (for a person edit, one article that names
them), and to the build's return (every affected page written; the
search index follows in the background and is waited for before the next
edit, untimed). ``--viewed``: the watched article's page is open in a browser
tab, as `digest serve` tells its builder (`SiteBuilder.build`'s ``viewed``).
The builder forks render workers as the builder
process of `digest watch` does (``render_workers``): CPU is given for this
process, and for all pages also with the workers' ("+ workers"), counted
once they have ended. ``--profile``: the last edit (or edit
``--profile-edit``) under cProfile, saved as ``PROF_DIR/watch-edit.prof``
with its top functions printed. The corpus copy lives in a temporary
folder; the cache is never written to.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

import run  # noqa: E402  (the corpus cache and the edit maker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--kind", choices=("sidecar", "person", "seed", "template"), default="sidecar")
    parser.add_argument("--viewed", action="store_true", help="the watched article's page is open in a browser tab (digest serve)")
    parser.add_argument("--profile", type=Path, default=None, help="profile the last edit, saving PROF_DIR/watch-edit.prof")
    parser.add_argument("--profile-edit", type=int, default=None, help="the edit to profile (default: the last)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--corpus", type=Path, default=None, help="a corpus folder made by run.py (default: its cache's, generated if missing)")
    args = parser.parse_args(argv)

    import json

    from digest.pipeline.session import SiteBuilder

    corpus = args.corpus or run.corpus("digest", args.articles, args.seed)
    with tempfile.TemporaryDirectory(prefix="digest-watch-edit-") as work:
        copy = Path(work) / "source"
        shutil.copytree(corpus, copy)
        if args.kind == "template":
            run.install_template_override(copy)  # the edit's target, there before the first build (as run.py does)
        output = Path(work) / "site"
        builder = SiteBuilder(copy, output, search_in_background=True, render_workers=True)
        started, cpu = time.perf_counter(), time.process_time()
        first = builder.build()
        if not first.ok:
            raise SystemExit("first build failed:\n" + "\n".join(map(str, first.diagnostics[:20])))
        print(f"first build: {time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, {first.pages} pages", flush=True)
        builder.wait_for_search()
        manifest = json.loads((copy / "benchmark.json").read_text())
        maker = run.EditMaker(copy, output, manifest)
        page_at: list[tuple[float, float]] = []
        first_at: list[tuple[float, float]] = []
        saved_page = [""]

        def written(path: str) -> None:
            if not first_at:
                first_at.append((time.perf_counter(), time.process_time()))
            if path == saved_page[0] and not page_at:
                page_at.append((time.perf_counter(), time.process_time()))

        builder.on_page_written = written
        try:
            for number in range(1, args.edits + 1):
                edit = maker.make(args.kind, number)
                edit.path.write_text(edit.text, encoding="utf-8")
                saved_page[0] = edit.page.relative_to(output).as_posix()
                page_at.clear()
                first_at.clear()
                profile = cProfile.Profile() if args.profile is not None and number == (args.profile_edit or args.edits) else None
                started, cpu, workers = time.perf_counter(), time.process_time(), children_cpu()
                if profile is not None:
                    profile.enable()
                rebuild = builder.build({edit.path.relative_to(copy).as_posix()}, saved_page if args.viewed else ())
                if profile is not None:
                    profile.disable()
                wall, used = time.perf_counter() - started, time.process_time() - cpu
                used_by_workers = children_cpu() - workers
                if not rebuild.ok:
                    raise SystemExit("edit build failed:\n" + "\n".join(map(str, rebuild.diagnostics[:20])))
                print(f"edit {number}{' (profiled)' if profile else ''}: first page {since(first_at, started, cpu)}; "
                      f"watched page {since(page_at, started, cpu)}; "
                      f"all pages {wall * 1000:.0f} ms wall, "
                      f"{used * 1000:.0f} ms CPU ({(used + used_by_workers) * 1000:.0f} ms + workers); "
                      f"{len(rebuild.rendered)} pages rendered, {len(rebuild.written)} files written", flush=True)
                if profile is not None:
                    assert args.profile is not None
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile.dump_stats(args.profile / "watch-edit.prof")
                    stats = pstats.Stats(profile)
                    stats.sort_stats("cumulative").print_stats(args.top)
                builder.wait_for_search()
        finally:
            builder.close()
    return 0


def children_cpu() -> float:
    """CPU seconds of this process's ended children (the render workers)."""
    times = os.times()
    return times.children_user + times.children_system


def since(at: list[tuple[float, float]], started: float, cpu: float) -> str:
    """Wall and CPU time from (started, cpu) to the moment noted in ``at``, if one was."""
    return f"{(at[0][0] - started) * 1000:.0f} ms wall, {(at[0][1] - cpu) * 1000:.0f} ms CPU" if at else "not written early"


if __name__ == "__main__":
    raise SystemExit(main())
