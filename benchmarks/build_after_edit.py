"""`digest build` across runs: a clean build, then one edit of each kind and `digest build` again.

    python benchmarks/build_after_edit.py [--sizes 1000] [--edits 3]

For each size N it copies the seeded synthetic corpus of `generate.py`
(cached by `run.py` in ``benchmarks/.cache/``), builds it clean, then for
each edit kind of `run.EditMaker` (sidecar, person, seed, template) and each
of ``--edits`` different articles: makes the edit, runs `digest build` into
the same output (which starts from the state the last build saved in
``.digest-cache/``) and records its wall time and the pages it rendered.
Every run is a subprocess of the code as it is now. Times on a shared
machine are noisy: compare the ratio to the clean build of the same run.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402

SUMMARY = re.compile(r"built (\d+) pages \((\d+) rendered; (\d+) files written")


def build(source: Path, output: Path) -> tuple[float, int, str]:
    """One `digest build`: (seconds, pages rendered, its summary line)."""
    measured = run.run_measured(run.digest_cmd("build", "--source", str(source), "--output", str(output)), run.digest_env(), sample=False)
    run.check_build(measured, "digest build")
    line = measured.stdout.strip().splitlines()[-1]
    found = SUMMARY.search(line)
    return measured.seconds, int(found.group(2)) if found else 0, line


def measure(articles: int, edits: int, work: Path) -> dict:
    corpus = run.corpus("digest", articles, 1)
    source = work / f"site-{articles}"
    shutil.copytree(corpus, source, ignore=shutil.ignore_patterns(".digest-cache", "site"))
    output = source / "site"
    clean, rendered, line = build(source, output)
    run.log(f"N={articles}: clean build {clean:.1f} s: {line}")
    manifest = run.json.loads((source / run.generate.MANIFEST).read_text())
    maker = run.EditMaker(source, output, manifest)
    run.install_template_override(source)
    clean_again, _, _ = build(source, output)  # the override is a template change: the state now has it
    rows: dict[str, list[tuple[float, int]]] = {}
    for kind in run.EDIT_KINDS:
        for number in range(1, edits + 1):
            edit = maker.make(kind, number)
            edit.path.write_text(edit.text, encoding="utf-8")
            seconds, pages, line = build(source, output)
            rows.setdefault(kind, []).append((seconds, pages))
            run.log(f"  {kind} edit {number}: {seconds:.2f} s ({seconds / clean:.1%} of the clean build): {line}")
    return {"clean": clean, "pages": rendered, "after_template_override": clean_again, "edits": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--edits", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            result = measure(size, args.edits, Path(folder))
            print(f"\nN = {size}: clean build {result['clean']:.1f} s ({result['pages']} pages rendered)")
            print("| edit | `digest build` after it (median) | of the clean build | pages rendered (median) |")
            print("|---|---|---|---|")
            for kind, rows in result["edits"].items():
                seconds = statistics.median(s for s, _ in rows)
                pages = statistics.median(p for _, p in rows)
                print(f"| {kind} | {seconds:.2f} s | {seconds / result['clean']:.1%} | {pages:.0f} |")


if __name__ == "__main__":
    main()
