"""Where a watch-mode save's pages cost their CPU: in the builder process and in each render worker, per template.

    python benchmarks/page_cost.py --corpus DIR [--edits 2] [--kind person] [--workers-profile DIR]

A `SiteBuilder` as `digest watch`'s builder process runs it (``render_workers``)
builds a copy of a corpus made by `run.py` (``--corpus``; never written to),
then makes ``--edits`` saves of one ``--kind`` (`run.EditMaker`: a person
renamed keeping the old name as an alias, by default) and builds again with
the saved path as the watcher's hint. Printed per edit: pages rendered; CPU of
this process and of its ended children (the render workers: each is joined
by the build that forked it, so its CPU is counted in that build); wall and
CPU to the first page written and to the watched article's page; and
`render_page`'s CPU per template in this process. Each render worker writes
one line to ``--workers-profile``/worker-PID.txt: its pages, `render_page`'s
CPU, its whole CPU (user, system) and its page faults (copy-on-write of the
inherited heap shows there); with ``--cprofile`` also a cProfile of it,
worker-PID.prof. Run it from a checkout (or a snapshot of one) to measure
that code: the current directory's ``digest`` is imported.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(Path.cwd()), str(HERE)]

import run  # noqa: E402  (the edit maker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus folder made by run.py")
    parser.add_argument("--edits", type=int, default=2)
    parser.add_argument("--kind", choices=("sidecar", "person", "seed"), default="person")
    parser.add_argument("--workers-profile", type=Path, default=None, help="each render worker's CPU and faults, one file each")
    parser.add_argument("--cprofile", action="store_true", help="with --workers-profile: a cProfile of each worker too")
    args = parser.parse_args(argv)

    from digest.pipeline import build
    from digest.pipeline.session import SiteBuilder

    spent: collections.defaultdict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
    render_page = build.render_page

    def timed(env: Any, page: Any, reader: Any) -> Any:
        started = time.process_time()
        try:
            return render_page(env, page, reader)
        finally:
            entry = spent[page.template or page.path.rsplit("/", 1)[-1]]
            entry[0] += 1
            entry[1] += time.process_time() - started

    build.render_page = timed  # type: ignore[assignment]
    if args.workers_profile is not None:
        build._render_share = _measured(build._render_share, args.workers_profile, spent, args.cprofile)  # type: ignore[assignment]

    with tempfile.TemporaryDirectory(prefix="digest-page-cost-") as work:
        copy, output = Path(work) / "source", Path(work) / "site"
        shutil.copytree(args.corpus, copy)
        builder = SiteBuilder(copy, output, search_in_background=True, render_workers=True)
        cpu = time.process_time()
        if not builder.build().ok:
            raise SystemExit("the first build failed")
        print(f"first build: {time.process_time() - cpu:.1f} s CPU (this process)", flush=True)
        builder.wait_for_search()
        maker = run.EditMaker(copy, output, json.loads((copy / "benchmark.json").read_text()))
        try:
            for number in range(1, args.edits + 1):
                edit = maker.make(args.kind, number)
                edit.path.write_text(edit.text, encoding="utf-8")
                watched = edit.page.relative_to(output).as_posix()
                marks: dict[str, tuple[str, tuple[float, float]]] = {}

                def written(path: str, marks: dict = marks, watched: str = watched) -> None:
                    now = (time.perf_counter(), time.process_time())
                    marks.setdefault("first page", (path, now))
                    if path == watched:
                        marks.setdefault("watched page", (path, now))

                builder.on_page_written = written
                spent.clear()
                wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
                rebuild = builder.build({edit.path.relative_to(copy).as_posix()})
                used, by_workers = time.process_time() - cpu, _children_cpu() - children
                if not rebuild.ok:
                    raise SystemExit("edit build failed:\n" + "\n".join(map(str, rebuild.diagnostics[:20])))
                pages = len(rebuild.rendered)
                print(f"edit {number}: {pages} pages rendered; {used * 1000:.0f} ms CPU here + {by_workers * 1000:.0f} ms in workers, "
                      f"{(time.perf_counter() - wall) * 1000:.0f} ms wall; {(used + by_workers) * 1000 / max(pages, 1):.2f} ms CPU a page", flush=True)
                for name, (path, (at_wall, at_cpu)) in marks.items():
                    print(f"  {name} ({path}): {(at_wall - wall) * 1000:.0f} ms wall, {(at_cpu - cpu) * 1000:.0f} ms CPU here")
                print(f"  render_page here: {sum(t for _, t in spent.values()) * 1000:.0f} ms over {sum(int(n) for n, _ in spent.values())} pages")
                for template, (count, seconds) in sorted(spent.items(), key=lambda item: -item[1][1])[:10]:
                    print(f"    {template:22} {int(count):6} pages {seconds * 1000:8.0f} ms {seconds * 1000 / count:7.2f} ms a page")
                builder.wait_for_search()
        finally:
            builder.close()
    return 0


def _measured(share: Any, folder: Path, spent: collections.defaultdict[str, list[float]], profile: bool) -> Any:
    """`build._render_share` writing, as the worker ends, its pages, CPU and page faults (and a cProfile) to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)

    def measured_share(*args: Any, **kwargs: Any) -> None:
        spent.clear()  # this worker's copy: what the builder rendered before the fork is not the worker's
        profiler = cProfile.Profile() if profile else None
        before = resource.getrusage(resource.RUSAGE_SELF)
        if profiler is not None:
            profiler.enable()
        try:
            share(*args, **kwargs)
        finally:
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(folder / f"worker-{os.getpid()}.prof")
            after = resource.getrusage(resource.RUSAGE_SELF)
            pages, seconds = sum(int(n) for n, _ in spent.values()), sum(t for _, t in spent.values())
            (folder / f"worker-{os.getpid()}.txt").write_text(
                f"{pages} pages; render_page {seconds * 1000:.0f} ms; worker CPU {(after.ru_utime - before.ru_utime) * 1000:.0f} ms user "
                f"+ {(after.ru_stime - before.ru_stime) * 1000:.0f} ms system; {after.ru_minflt - before.ru_minflt} page faults; "
                f"peak {after.ru_maxrss // 1024} MiB\n"
            )

    return measured_share


def _children_cpu() -> float:
    """CPU seconds of this process's ended (joined) children: the render workers."""
    times = os.times()
    return times.children_user + times.children_system


if __name__ == "__main__":
    raise SystemExit(main())
