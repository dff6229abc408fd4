"""What the search vocabulary costs (digest/search/vocabulary.py): build time, bytes, and a search's requests.

    python benchmarks/search_vocabulary.py --corpus benchmarks/.cache/digest-1000-s1-4899f71113 [--queries ...]

Copies the corpus to a temporary folder (a build writes its saved state
beside the source), builds it cold in this process, then again after one
seed edit with the first build's state, timing the vocabulary's parts: the
word lists made from the re-indexed shards' fragments (``shard_words``, on
the indexing threads: summed thread CPU) and the vocabulary index itself
(``vocabulary_files``: the word lists read back, one Pagefind run; its wall
time and Pagefind's CPU, from the children's rusage). Prints the bytes of
the word lists and of the vocabulary index beside the whole bundle. Then
serves the site and runs each query in headless Chromium twice, each in a
fresh page: through the facade and through Pagefind's own API, counting the
requests and bytes each made (the facade's extra ones are the vocabulary's).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from digest.pipeline.build import build_site  # noqa: E402
from digest.search import index as search  # noqa: E402
from digest.search import vocabulary  # noqa: E402

SEARCH = """async ([bundle, api, shards, ranking, queries]) => {
    const pagefind = await import(bundle + api);
    await pagefind.options({ basePath: bundle + shards[0] + "/", ranking: ranking[shards[0]] || {} });
    for (const name of shards.slice(1)) { await pagefind.mergeIndex(bundle + name + "/", { ranking: ranking[name] || {} }); }
    const found = {};
    for (const q of queries) { found[q] = (await pagefind.search(q)).results.length; }
    return found;
}"""


class Timed:
    """Wall and CPU time of calls to a module's function, summed (CPU: the calling thread's, and the children's)."""

    def __init__(self, module: object, name: str):
        self.module, self.name, self.real = module, name, getattr(module, name)
        self.wall = self.cpu = self.children = 0.0
        self.calls = 0

    def __enter__(self) -> Timed:
        def timed(*args: object, **kwargs: object) -> object:
            wall, cpu, children = time.perf_counter(), time.thread_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
            try:
                return self.real(*args, **kwargs)
            finally:
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                self.wall += time.perf_counter() - wall
                self.cpu += time.thread_time() - cpu
                self.children += (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
                self.calls += 1

        setattr(self.module, self.name, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.module, self.name, self.real)

    def __str__(self) -> str:
        return f"{self.calls} calls, {self.wall:.2f} s wall, {self.cpu:.2f} s CPU, Pagefind {self.children:.2f} s CPU"


def build(source: Path, out: Path, previous: object = None) -> object:
    with Timed(search, "vocabulary_files") as whole, Timed(search, "shard_words") as words, Timed(search, "make_shards") as shards:
        started = time.perf_counter()
        result = build_site(source, out, previous=previous)
        print(f"  build {time.perf_counter() - started:.1f} s; shards indexed: {shards}")
        print(f"  word lists from fragments: {words}")
        print(f"  vocabulary index: {whole}")
    return result


def sizes(out: Path) -> None:
    bundle = out / "pagefind"
    total = sum(path.stat().st_size for path in bundle.rglob("*") if path.is_file())
    lists = sum(path.stat().st_size for path in bundle.glob(f"*/{vocabulary.WORDS}"))
    folder = bundle / vocabulary.FOLDER
    index = {path.relative_to(folder).as_posix(): path.stat().st_size for path in folder.rglob("*") if path.is_file()}
    wasm = sum(size for path, size in index.items() if path.startswith("wasm."))
    shards = len(json.loads((bundle / "shards.json").read_text())["shards"])
    print(f"  bundle {total:,} bytes, {shards} shards; word lists {lists:,} bytes; vocabulary index {sum(index.values()):,} bytes "
          f"({wasm:,} of them Pagefind's wasm, {len(index)} files)")


def requests(out: Path, queries: list[str]) -> None:
    from browsing import chromium, serve_site

    manifest = json.loads((out / "pagefind/shards.json").read_text())
    with serve_site(out, "/") as base, chromium() as browser:
        for query in queries:
            for api in ("digest/pagefind.js", "pagefind.js"):
                tab = browser.new_page()
                seen: list[tuple[str, int]] = []
                tab.on("requestfinished", lambda request, seen=seen: seen.append((request.url, request.sizes()["responseBodySize"])))
                tab.goto(base + "search/", wait_until="load")
                seen.clear()
                found = tab.evaluate(SEARCH, [base + "pagefind/", api, manifest["shards"], manifest.get("ranking", {}), [query]])[query]
                mine = [(url, size) for url, size in seen if f"/{vocabulary.FOLDER}/" in url]
                print(f"  {query!r} via {api}: {found} results, {len(seen)} requests, {sum(s for _, s in seen):,} bytes; "
                      f"vocabulary {len(mine)} requests, {sum(s for _, s in mine):,} bytes")
                tab.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", nargs="*", default=["Ushakov", "Sullivan talks", "nuclear"])
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-vocabulary-") as temp:
        source = Path(temp) / "source"
        shutil.copytree(args.corpus, source, ignore=shutil.ignore_patterns(".digest-cache", ".complete", "site"))
        out = Path(temp) / "site"
        print("cold build:")
        first = build(source, out)
        sizes(out)
        seed = sorted((source / "seeds").iterdir())[0]
        seed.write_text(seed.read_text(encoding="utf-8") + "\nA new paragraph about zeppelins.\n", encoding="utf-8")
        print(f"after editing {seed.name}:")
        build(source, out, first.state)  # type: ignore[attr-defined]
        if not args.no_browser:
            print("a search in the browser (fresh page each):")
            requests(out, args.queries)


if __name__ == "__main__":
    main()
