"""What a page costs a render worker, per template: its render, its reads' fingerprints, its searchable part.

    cd <checkout or code snapshot> && python <this file> --corpus DIR [--passes 3] [--only article.html,claim.html]

Loads and links a corpus made by `run.py` (``--corpus``; never written to) in
this process, then renders every page of the site as a cold build's render
worker does (`build._render_share`): `render_page`, the fingerprints of the
reads no earlier page of the pass read (a worker sends each read's
fingerprint once), and the page's searchable part for the search stage
(`shards.page_part`). Each pass starts from a fresh `Reader`, as a worker
forked by a cold build does: each pass renders in a process forked for it,
which starts from the parent's memory as a worker does (its copy-on-write
faults, the caches of an environment nothing has rendered with yet), and
the pass's whole CPU is printed too. Printed per template: pages, and the CPU of
each step a page, best of ``--passes`` passes (process time, so another
process's load does not count, though it still slows the caches). The
``digest`` imported is the current directory's: run it from each side's
code to compare them.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import pickle
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path.cwd()))

STEPS = ("render", "fingerprints", "part")
T = TypeVar("T")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus folder made by run.py")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated templates to report (all pages are still rendered)")
    args = parser.parse_args(argv)

    from digest.memo import ByIdentity
    from digest.pipeline.build import fewer_collections, render_source
    from digest.render.page import render_page
    from digest.render.site_reads import SITE_READS
    from digest.search.shards import page_part
    from digest.views.reads import Reader

    with fewer_collections():
        rendering = render_source(args.corpus)
        pages = rendering.page_list()
        env, graph = rendering.env, rendering.graph
        counts = collections.Counter(page.template or page.path.rsplit("/", 1)[-1] for page in pages)

        def one_pass() -> tuple[dict[str, dict[str, float]], float]:
            spent: dict[str, dict[str, float]] = collections.defaultdict(lambda: dict.fromkeys(STEPS, 0.0))
            reader = Reader(graph, SITE_READS, ByIdentity(100_000))
            sent: set[str] = set()
            clock = time.process_time
            for page in pages:
                entry = spent[page.template or page.path.rsplit("/", 1)[-1]]
                started = clock()
                data, keys = render_page(env, page, reader)
                rendered = clock()
                new = {key: reader.fingerprint(key) for key in keys if key not in sent}
                sent.update(new)
                printed = clock()
                with contextlib.suppress(Exception):
                    page_part(data)
                ended = clock()
                entry["render"] += rendered - started
                entry["fingerprints"] += printed - rendered
                entry["part"] += ended - printed
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return dict(spent), usage.ru_utime + usage.ru_stime

        best: dict[str, dict[str, float]] = {}
        whole: list[float] = []
        for _ in range(args.passes):
            spent, cpu = _forked(one_pass)
            whole.append(cpu)
            for template, steps in spent.items():
                if template not in best or sum(steps.values()) < sum(best[template].values()):
                    best[template] = dict(steps)
    only = {name for name in args.only.split(",") if name}
    print(f"{'template':24} {'pages':>6}  ms a page: {'render':>7} {'prints':>7} {'part':>7} {'all':>7}")
    for template, steps in sorted(best.items(), key=lambda item: -sum(item[1].values())):
        if only and template not in only:
            continue
        count = counts[template]
        each = [steps[step] * 1000 / count for step in STEPS]
        print(f"{template:24} {count:6}  {'':10} {each[0]:7.3f} {each[1]:7.3f} {each[2]:7.3f} {sum(each):7.3f}")
    total = {step: sum(steps[step] for steps in best.values()) for step in STEPS}
    print(f"{'all pages':24} {len(pages):6}  {'':10} " + " ".join(f"{total[step]:7.2f}" for step in STEPS) + f" {sum(total.values()):7.2f} s")
    print("each pass's process, all its CPU (s): " + ", ".join(f"{cpu:.2f}" for cpu in whole))
    return 0


def _forked(work: Callable[[], T]) -> T:
    """``work()`` in a process forked for it (as a render worker is), its result sent back pickled."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            with os.fdopen(write, "wb") as out:
                pickle.dump(work(), out)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as into:
        result = pickle.load(into)
    os.waitpid(pid, 0)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
