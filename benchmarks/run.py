"""Benchmark digest: full and no-change builds, `--help`, watch-mode latency, Hugo side by side.

    python benchmarks/run.py [--sizes 1000,10000] [--repeat 5] [--edits 5] [--hugo]
                             [--watch-sizes 1000] [--watch-kinds person,sidecar] [--no-watch] [--no-snapshot] [--no-write]
    python benchmarks/run.py --peer [--sizes 1000,10000,50000:1] [--repeat 2]  # issue 13's side by side
    python benchmarks/run.py --report benchmarks/.cache/results-STAMP.json   # rewrite RESULTS.md only

For each size N it generates (or reuses, from ``benchmarks/.cache/``) the
seeded synthetic digest of `generate.py` and measures, with `python -m
digest` run as a subprocess from a copy of the checkout's ``digest/`` and
``themes/`` taken at the start (so edits made meanwhile don't leak in):

- a full clean build (fresh empty output folder, no build cache): wall time,
  pages and pages per second, peak RSS (the largest process, from wait4, and
  the whole process tree, sampled every 100 ms, its PSS every 500 ms);
- a no-change rebuild (`digest build` again over the same output);
- `digest build` after one sidecar edit, ``--edits`` times (a different
  article's each time, undone at the end), into that output from the state
  the build before saved (issue 12's target: <= 3 s at 10,000);
- `digest --help` (and a bare `python -c pass` for scale);
- watch mode: `digest watch` on a copy of the corpus; for each edit kind
  (sidecar, person, seed, template) and each of ``--edits`` different
  articles, the time from the saved file's mtime to the edited article's
  page changing on disk (polled every 2 ms) and to the watcher's rebuild
  line (the last affected page written); the watcher's own "in N ms" too;
- with ``--hugo``, Hugo's build of a plain-Markdown corpus of the same N.

With ``--peer`` it measures only the side by side of issue 13: ``--repeat``
pairs of a cold `digest build` and of Hugo's build of the same articles
followed by the Pagefind binary digest ships (`pagefind --site` over Hugo's
output), the order swapped in every other pair; wall time, CPU time and peak
memory of each whole process tree, and from the same samples digest's own
process and its largest single Pagefind run (one shard's indexer). That
fills its own section of RESULTS.md (between the ``peer`` markers).

It prints a table and writes the measured section of `benchmarks/RESULTS.md`
(between the ``results`` markers; the rest of that file, the profile notes,
is kept). Raw numbers go to ``benchmarks/.cache/results-*.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from queue import Empty, Queue

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache"
RESULTS = HERE / "RESULTS.md"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

EDIT_KINDS = ("sidecar", "person", "seed", "template")
CORPUS_ENTRIES = {"content", "seeds", "themes", generate.MANIFEST, ".complete"}
"""What a corpus folder holds; anything else (a build cache) is removed before a clean build."""
POLL_SECONDS = 0.002
SETTLE_SECONDS = 0.3
"""After a rebuild line, how long the watcher must stay quiet before the next edit."""
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"

TARGETS = {
    "ratio": 1.0,  # digest / Hugo at N = 10,000 (aim 0.5)
    "nochange": 1.0,
    "sidecar_ms": 100.0,
    "rss_mib": 1024.0,
    "help_ms": 150.0,
    "linear_exponent": 1.1,  # two noisy points: allow 10% over linear
}


# --- running and measuring processes ---------------------------------------


@dataclass(slots=True)
class Run:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    max_rss_mib: float
    """Peak RSS of the largest single process (the child or a waited-for descendant)."""
    tree_rss_mib: float
    """Peak of the summed RSS of the whole process tree, sampled."""
    cpu_seconds: float
    """User + system time of the process and its waited-for descendants."""
    tree_pss_mib: float = 0.0
    """Peak of the summed PSS of the whole process tree, sampled (shared pages counted once)."""
    root_rss_mib: float = 0.0
    """Peak RSS of the started process alone, sampled (0 when not sampled)."""
    by_name_mib: dict[str, float] = field(default_factory=dict)
    """Command name -> peak RSS of the largest single process of that name, sampled."""


CODE = {"path": REPO}
"""Where `python -m digest` runs from: the checkout, or a snapshot of it (see `snapshot_code`)."""


def snapshot_code(folder: Path) -> str:
    """Copy digest/ and themes/ of the checkout, so every run of this benchmark uses the same code.

    Others may edit the working tree while a benchmark runs; a template
    changed mid-run would otherwise make watch mode rebuild every page.
    Returns a short digest of the copied files.
    """
    import hashlib

    shutil.rmtree(folder, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "digest", folder / "digest", ignore=ignore)
    shutil.copytree(REPO / "themes", folder / "themes", ignore=ignore)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    CODE["path"] = folder
    return digest.hexdigest()[:12]


def digest_env() -> dict[str, str]:
    """Run `python -m digest` from the code snapshot (or the checkout), whatever is installed.

    Commands also run with the snapshot as their working folder: `python -m`
    puts the working folder first on sys.path, ahead of PYTHONPATH."""
    env = installed_env()
    code = str(CODE["path"])
    env["PYTHONPATH"] = code + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def installed_env(**extra: str) -> dict[str, str]:
    """This process's environment for a measured digest, with Python's bytecode cache on, as an installed
    digest has it (pip compiles at install): with ``PYTHONDONTWRITEBYTECODE`` set, as on these machines,
    every measured run compiled digest's modules again, about 0.1 s of start-up a command."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def digest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "digest", *args]


PSS_EVERY = 5
"""The tree's PSS is summed at every fifth sample (every 0.5 s), its RSS at each: the kernel walks a process's
page tables to tell its PSS (``smaps_rollup``: 18 ms for a process of 1 GiB, on the cores the measured command
uses), and summed every 0.1 s over digest's three processes of about 1 GiB each (the parent and its forked
render workers) it took a third of a core from the build it measured; a peer of one big process a quarter."""


class TreeRss(threading.Thread):
    """Samples the summed RSS of a process and all its descendants.

    Also kept, from the same samples: the peak of the tree's summed PSS
    (proportional set size: a page shared by a process and its forked render
    workers counts once, not once per process as in the RSS sum), the root
    process's own peak (digest itself, without its workers and indexers)
    and, per command name (from /proc/PID/comm, e.g. ``pagefind``), the peak
    of any one such process, which is what one Pagefind run over one shard
    uses.
    """

    def __init__(self, pid: int, interval: float = 0.1, pss_every: int = PSS_EVERY):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.pss_every = pss_every
        self.peak_kib = 0
        self.pss_peak_kib = 0
        self.root_peak_kib = 0
        self.by_name_kib: dict[str, int] = {}
        """Command name -> the largest RSS one process of that name reached."""
        self.done = threading.Event()

    def run(self) -> None:
        samples = 0
        while not self.done.is_set():
            total = proportional = 0
            with_pss = samples % self.pss_every == 0
            samples += 1
            for pid in descendants(self.pid):
                rss = rss_kib(pid)
                total += rss
                if with_pss:
                    proportional += pss_kib(pid)
                if pid == self.pid:
                    self.root_peak_kib = max(self.root_peak_kib, rss)
                name = command_name(pid)
                if name:
                    self.by_name_kib[name] = max(self.by_name_kib.get(name, 0), rss)
            self.peak_kib = max(self.peak_kib, total)
            self.pss_peak_kib = max(self.pss_peak_kib, proportional)
            self.done.wait(self.interval)


def descendants(root: int) -> list[int]:
    """The process and its descendants, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def rss_kib(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, IndexError, ValueError):
        return 0


def pss_kib(pid: int) -> int:
    """The process's proportional set size (each shared page divided among the processes sharing it)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def run_measured(cmd: list[str], env: dict[str, str] | None = None, sample: bool = True) -> Run:
    """Run a command to completion: wall time, exit status, output, peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=CODE["path"])
        sampler = TreeRss(proc.pid)
        if sample:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        sampler.done.set()
        if sample:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds, proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
            usage.ru_maxrss / 1024, sampler.peak_kib / 1024, usage.ru_utime + usage.ru_stime,
            sampler.pss_peak_kib / 1024, sampler.root_peak_kib / 1024, {name: kib / 1024 for name, kib in sampler.by_name_kib.items()},
        )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


# --- corpora ----------------------------------------------------------------


def generator_version() -> str:
    """Corpora are cached by N, seed and the generator's own source."""
    import hashlib

    return hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:10]


def corpus(kind: str, articles: int, seed: int) -> Path:
    """The cached corpus folder for (kind, N, seed), generated if missing."""
    folder = CACHE / f"{kind}-{articles}-s{seed}-{generator_version()}"
    if (folder / ".complete").exists():
        return folder
    for stale in CACHE.glob(f"{kind}-{articles}-s{seed}-*"):
        shutil.rmtree(stale)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log(f"generating {kind} corpus, N={articles} ...")
    started = time.perf_counter()
    (generate.generate_hugo if kind == "hugo" else generate.generate_digest)(partial, articles, seed)
    (partial / ".complete").write_text("")
    partial.rename(folder)
    log(f"  generated in {time.perf_counter() - started:.1f} s")
    return folder


def scrub_source(source: Path) -> list[str]:
    """Remove anything a build left in the corpus (e.g. a build cache); return what was removed."""
    removed = []
    for entry in source.iterdir():
        if entry.name not in CORPUS_ENTRIES:
            removed.append(entry.name)
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return removed


def fresh_folder(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


# --- digest build -----------------------------------------------------------

BUILT = re.compile(r"built ([\d,]+) pages? \(")
"""The page count of `digest build`'s summary line."""


@dataclass(slots=True)
class BuildStats:
    clean: list[float] = field(default_factory=list)
    clean_cpu: list[float] = field(default_factory=list)
    """CPU seconds of each clean build: less sensitive than wall time to other load on the machine."""
    load: list[float] = field(default_factory=list)
    """1-minute load average before each clean build."""
    nochange: list[float] = field(default_factory=list)
    pages: int = 0
    files: int = 0
    max_rss_mib: float = 0.0
    tree_rss_mib: float = 0.0
    warnings: int = 0
    scrubbed: list[str] = field(default_factory=list)


def check_build(run: Run, what: str) -> None:
    if run.returncode != 0:
        raise SystemExit(f"{what} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")


def measure_builds(source: Path, work: Path, repeat: int) -> BuildStats:
    """Full clean builds (each into an empty folder, no cache), then no-change rebuilds."""
    stats = BuildStats()
    output = work / "site"
    for index in range(repeat):
        stats.scrubbed += scrub_source(source)
        fresh_folder(work)
        load = os.getloadavg()[0]
        run = run_measured(digest_cmd("build", "--source", str(source), "--output", str(output)), digest_env())
        check_build(run, "digest build")
        stats.clean.append(run.seconds)
        stats.clean_cpu.append(run.cpu_seconds)
        stats.load.append(load)
        stats.max_rss_mib = max(stats.max_rss_mib, run.max_rss_mib)
        stats.tree_rss_mib = max(stats.tree_rss_mib, run.tree_rss_mib)
        stats.warnings = max(stats.warnings, len([line for line in run.stderr.splitlines() if ": warning: " in line]))
        found = BUILT.search(run.stdout)
        if found:
            stats.pages = int(found.group(1).replace(",", ""))
        log(f"  clean build {index + 1}/{repeat}: {run.seconds:.2f} s ({run.cpu_seconds:.2f} s CPU), {run.max_rss_mib:.0f} MiB, load {load:.1f}")
    stats.files = sum(1 for p in output.rglob("*") if p.is_file())
    for index in range(repeat):
        run = run_measured(digest_cmd("build", "--source", str(source), "--output", str(output)), digest_env(), sample=False)
        check_build(run, "no-change rebuild")
        stats.nochange.append(run.seconds)
        log(f"  no-change rebuild {index + 1}/{repeat}: {run.seconds:.2f} s ({run.stdout.strip()})")
    return stats


EDIT_SUMMARY = re.compile(r"\((\d+) rendered; (\d+) files written")


def measure_edit_builds(source: Path, output: Path, edits: int) -> list[dict]:
    """`digest build` after one sidecar edit, ``edits`` times (each a different article's, `EditMaker`), into the
    output the clean builds left, each from the state the build before saved (issue 12: <= 3 s at 10,000).

    The edits are made in the corpus the clean builds read and undone at the end, however it ends; the saved
    state they leave there is removed before the next clean build (`scrub_source`)."""
    maker = EditMaker(source, output, json.loads((source / generate.MANIFEST).read_text(encoding="utf-8")))
    originals: dict[Path, str] = {}
    runs = []
    try:
        for number in range(1, edits + 1):
            edit = maker.make("sidecar", number)
            originals.setdefault(edit.path, edit.path.read_text(encoding="utf-8"))
            edit.path.write_text(edit.text, encoding="utf-8")
            load = loads()
            run = run_measured(digest_cmd("build", "--source", str(source), "--output", str(output)), digest_env(), sample=False)
            check_build(run, "digest build after a sidecar edit")
            runs.append({"seconds": run.seconds, "cpu": run.cpu_seconds, "summary": run.stdout.strip(), "load": load})
            log(f"  build after sidecar edit {number}/{edits}: {run.seconds:.2f} s ({run.cpu_seconds:.2f} s CPU), load {load:.1f}: {run.stdout.strip()}")
    finally:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
    return runs


def measure_help(repeat: int) -> dict[str, float]:
    """Median wall time of `digest --help` and of a bare interpreter start, in ms."""
    help_runs = [run_measured(digest_cmd("--help"), digest_env(), sample=False).seconds for _ in range(repeat)]
    bare_runs = [run_measured([sys.executable, "-c", "pass"], sample=False).seconds for _ in range(repeat)]
    return {"help_ms": median(help_runs) * 1000, "python_ms": median(bare_runs) * 1000}


# --- watch mode -------------------------------------------------------------


class Watcher:
    """`digest watch` in a subprocess; every line it prints, stamped on arrival."""

    def __init__(self, source: Path, output: Path):
        self.proc = subprocess.Popen(
            digest_cmd("watch", "--source", str(source), "--output", str(output)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, env=digest_env(), cwd=CODE["path"],
        )
        self.lines: Queue[tuple[float, str]] = Queue()
        self.transcript: list[str] = []
        self.index_lines: list[tuple[float, str]] = []
        """The background search index's "updated" lines, as they came."""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put((time.time(), line.rstrip("\n")))

    def next_line(self, timeout: float) -> tuple[float, str] | None:
        try:
            stamped = self.lines.get(timeout=timeout)
        except Empty:
            return None
        self.transcript.append(stamped[1])
        return stamped

    def wait_for(self, needle: str, timeout: float) -> tuple[float, str]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            stamped = self.next_line(min(1.0, max(0.0, deadline - time.time())))
            if stamped and needle in stamped[1]:
                return stamped
            if self.proc.poll() is not None and self.lines.empty():
                break
        raise RuntimeError(f"watcher: no line with {needle!r}; it printed:\n" + "\n".join(self.transcript[-20:]))

    def rebuilds_until_quiet(self, first_timeout: float) -> list[tuple[float, str]]:
        """Rebuild lines ("... changed: ...") until none comes for SETTLE_SECONDS."""
        found = []
        timeout = first_timeout
        while True:
            stamped = self.next_line(timeout)
            if stamped is None:
                return found
            if " changed: " in stamped[1]:
                found.append(stamped)
                timeout = SETTLE_SECONDS
            elif "search index updated" in stamped[1]:
                self.index_lines.append(stamped)
            elif ": error: " in stamped[1] or "failed" in stamped[1]:
                raise RuntimeError("watcher reported a failed build:\n" + "\n".join(self.transcript[-20:]))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass(slots=True)
class Edit:
    """One save: the file and its new text, and the page that must change."""

    path: Path
    text: str
    page: Path


@dataclass(slots=True)
class EditTiming:
    to_page_ms: float
    to_last_ms: float
    reported_ms: float
    written: int
    rebuilds: int
    mtime_lag_ms: float
    """Wall clock after the write minus the file's mtime (the coarse file clock's offset)."""
    to_index_ms: float = math.nan
    """To the background search index's "updated" line (NaN: the edit changed no indexed page)."""


REBUILD = re.compile(r"(\d+) files? written, (\d+) files? removed \((\d+) of (\d+) pages rendered\) in (\d+) ms")


def page_signature(page: Path) -> tuple[int, int, int] | None:
    try:
        st = page.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def time_edit(watcher: Watcher, edit: Edit, timeout: float, index: bool = True) -> EditTiming:
    """Save the file, then poll the page every 2 ms until its bytes change; then read the rebuild lines.

    ``index``: wait for the search index's update too. The template edit (a comment) changes no page's
    searchable part, so no update comes: waiting for one cost the whole timeout (400 s at 10,000)."""
    before_sig = page_signature(edit.page)
    before = edit.page.read_bytes()
    with open(edit.path, "w", encoding="utf-8") as handle:
        handle.write(edit.text)
    written_at = time.time()
    saved = edit.path.stat().st_mtime_ns / 1e9
    deadline = written_at + timeout
    changed_at = math.nan
    while time.time() < deadline:
        signature = page_signature(edit.page)
        if signature != before_sig and signature is not None:
            now = time.time()
            if edit.page.read_bytes() != before:
                changed_at = now
                break
            before_sig = signature
        time.sleep(POLL_SECONDS)
    rebuilds = watcher.rebuilds_until_quiet(first_timeout=max(1.0, deadline - time.time()))
    if math.isnan(changed_at) or not rebuilds:
        raise RuntimeError(f"edit of {edit.path} did not change {edit.page} within {timeout:.0f} s")
    last_at, last_line = rebuilds[-1]
    counts = [REBUILD.search(line) for _, line in rebuilds]
    indexed_at = math.nan
    if index and any(m and int(m.group(1)) for m in counts):  # pages changed: wait for the index, so edits do not overlap
        try:
            while not any(at >= changed_at for at, _ in watcher.index_lines):
                watcher.index_lines.append(watcher.wait_for("search index updated", max(1.0, deadline - time.time())))
            indexed_at = min(at for at, _ in watcher.index_lines if at >= changed_at)
        except RuntimeError:
            pass  # the indexer found nothing to redo (no indexed text changed)
    return EditTiming(
        to_index_ms=(indexed_at - saved) * 1000,
        to_page_ms=(changed_at - saved) * 1000,
        to_last_ms=(max(last_at, changed_at) - saved) * 1000,
        reported_ms=sum(int(m.group(5)) for m in counts if m),
        written=sum(int(m.group(1)) for m in counts if m),
        rebuilds=len(rebuilds),
        mtime_lag_ms=(written_at - saved) * 1000,
    )


class EditMaker:
    """Deterministic edits of each kind, each on a different article of the corpus."""

    def __init__(self, source: Path, output: Path, manifest: dict):
        self.source = source
        self.output = output
        self.articles = manifest["articles"]
        self.people = manifest["people"]
        self.next_article = 0
        self.template = source / "themes/default/templates/article.html"

    def page_of(self, article: dict) -> Path:
        return self.output / "articles" / article["slug"] / "index.html"

    def _article(self, accept=lambda a: True) -> dict:
        """The next article, spread over the corpus (a prime stride), that ``accept`` likes."""
        while True:
            index = (self.next_article * 7919 + 13) % len(self.articles)
            self.next_article += 1
            if accept(self.articles[index]):
                return self.articles[index]

    def make(self, kind: str, number: int) -> Edit:
        return getattr(self, f"_{kind}")(number)

    def _sidecar(self, number: int) -> Edit:
        """Revise the text of a claim that only this sidecar carries."""
        while True:
            article = self._article()
            path = self.source / article["sidecar"]
            lines = path.read_text(encoding="utf-8").split("\n")
            for index, line in enumerate(lines):
                if re.fullmatch(r"  - id: claim-\d+", line):
                    text_at = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("    text: "))
                    value = json.loads(lines[text_at].removeprefix("    text: "))
                    lines[text_at] = f"    text: {generate.q(value.rstrip('.') + f', revision {number}.')}"
                    return Edit(path, "\n".join(lines), self.page_of(article))

    def _person(self, number: int) -> Edit:
        """Rename a person the article names (a middle initial), keeping the old name as an alias."""
        article = self._article(lambda a: bool(a["people"]))
        pid = article["people"][number % len(article["people"])]
        path = self.source / self.people[pid]["file"]
        text = path.read_text(encoding="utf-8")
        old = self.people[pid]["name"]
        first, last = old.split(" ", 1)
        new = f"{first} {'ABCDEFGHJKLMNPRSTUVW'[number % 20]}. {last}"
        aliases = [old, *self.people[pid]["aliases"]]
        text = re.sub(r"^name: .*$", f"name: {generate.q(new)}", text, count=1, flags=re.M)
        text = re.sub(r"^aliases: .*$", "aliases: [" + ", ".join(generate.q(a) for a in aliases) + "]", text, count=1, flags=re.M)
        return Edit(path, text, self.page_of(article))

    def _seed(self, number: int) -> Edit:
        """Add a closing paragraph to the article's text."""
        article = self._article()
        path = self.source / article["seed"]
        text = path.read_text(encoding="utf-8").rstrip("\n")
        return Edit(path, f"{text}\n\nEditorial addendum number {number} for this benchmark.\n", self.page_of(article))

    def _template(self, number: int) -> Edit:
        """Touch the site's override of the article template."""
        article = self._article()
        text = self.template.read_text(encoding="utf-8")
        text = re.sub(r"<!-- benchmark edit \d+ -->", f"<!-- benchmark edit {number} -->", text)
        return Edit(self.template, text, self.page_of(article))


def install_template_override(source: Path) -> None:
    """A site theme override of article.html, present before watch starts."""
    builtin = CODE["path"] / "themes/default/templates/article.html"
    target = source / "themes/default/templates/article.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = builtin.read_text(encoding="utf-8")
    marker = "{% block content %}"
    target.write_text(text.replace(marker, marker + "\n<!-- benchmark edit 0 -->", 1), encoding="utf-8")


def measure_watch(corpus_dir: Path, work: Path, edits: int, startup_timeout: float, kinds: tuple[str, ...] = EDIT_KINDS) -> dict:
    """Start `digest watch` on a copy of the corpus and time each of ``kinds`` of edit."""
    source = work / "watch-source"
    output = work / "watch-site"
    shutil.rmtree(source, ignore_errors=True)
    shutil.rmtree(output, ignore_errors=True)
    shutil.copytree(corpus_dir, source)
    install_template_override(source)
    manifest = json.loads((source / generate.MANIFEST).read_text())
    maker = EditMaker(source, output, manifest)
    watcher = Watcher(source, output)
    results: dict = {}
    try:
        started = time.time()
        _, initial = watcher.wait_for("initial build", startup_timeout)
        watcher.wait_for("watching", 60)
        results["initial"] = {"line": initial, "seconds": time.time() - started}
        log(f"  watch: {initial}")
        time.sleep(1.0)  # let the file-system observer settle
        for kind in kinds:
            timings = []
            for number in range(1, edits + 1):
                timing = time_edit(watcher, maker.make(kind, number), timeout=startup_timeout, index=kind != "template")
                timings.append(timing)
                log(f"  {kind} edit {number}: page {timing.to_page_ms:.0f} ms, last {timing.to_last_ms:.0f} ms, "
                    f"watcher {timing.reported_ms:.0f} ms, index {timing.to_index_ms:.0f} ms, {timing.written} files, {timing.rebuilds} rebuild(s)")
                time.sleep(SETTLE_SECONDS)
            results[kind] = [asdict(t) for t in timings]
    finally:
        watcher.stop()
    return results


# --- Hugo -------------------------------------------------------------------


def hugo_version() -> str | None:
    if not shutil.which("hugo"):
        return None
    return subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip()


def measure_hugo(articles: int, seed: int, work: Path, repeat: int) -> dict:
    source = corpus("hugo", articles, seed)
    output = work / "hugo-site"
    runs = []
    for index in range(repeat):
        shutil.rmtree(output, ignore_errors=True)
        load = os.getloadavg()[0]
        run = run_measured(["hugo", "--quiet", "-s", str(source), "-d", str(output)])
        check_build(run, "hugo")
        runs.append(run)
        log(f"  hugo build {index + 1}/{repeat}: {run.seconds:.2f} s ({run.cpu_seconds:.2f} s CPU), {run.max_rss_mib:.0f} MiB, load {load:.1f}")
    pages = sum(1 for p in output.rglob("*.html"))
    return {
        "clean": [r.seconds for r in runs], "clean_cpu": [r.cpu_seconds for r in runs], "pages": pages, "files": sum(1 for p in output.rglob("*") if p.is_file()),
        "max_rss_mib": max(r.max_rss_mib for r in runs), "tree_rss_mib": max(r.tree_rss_mib for r in runs),
    }


# --- side by side: Hugo + Pagefind (--peer) -------------------------------

PEER_START, PEER_END = "<!-- peer:start -->", "<!-- peer:end -->"
"""RESULTS.md's side-by-side section has markers of its own: a --peer run leaves the issue-6 tables alone."""
INDEXED = re.compile(r"Indexed (\d+) pages")
PEER_TARGETS = {"ratio": 1.0, "aim": 0.5, "own_mib": 1024.0}


def pagefind_executable() -> str:
    """The Pagefind binary digest itself runs (the `pagefind[bin]` package), else one on PATH."""
    try:
        from pagefind_bin import get_executable

        return str(get_executable())
    except (ImportError, FileNotFoundError):
        found = shutil.which("pagefind")
        if found:
            return found
    raise SystemExit("--peer: no Pagefind indexer (pip install 'pagefind[bin]')")


def loads() -> float:
    return os.getloadavg()[0]


def digest_cold(source: Path, work: Path) -> dict:
    """One cold `digest build`: an empty output folder, no saved state in the source."""
    scrub_source(source)
    output = fresh_folder(work) / "site"
    before = loads()
    run = run_measured(digest_cmd("build", "--source", str(source), "--output", str(output)), digest_env())
    check_build(run, "digest build")
    found = BUILT.search(run.stdout)
    shards = json.loads((output / "pagefind" / "shards.json").read_text())["shards"] if (output / "pagefind" / "shards.json").exists() else []
    entry = {
        "seconds": run.seconds, "cpu": run.cpu_seconds, "tree_mib": run.tree_rss_mib, "tree_pss_mib": run.tree_pss_mib, "largest_mib": run.max_rss_mib,
        "own_mib": run.root_rss_mib, "pagefind_mib": run.by_name_mib.get("pagefind", 0.0),
        "pages": int(found.group(1).replace(",", "")) if found else 0, "files": sum(1 for p in output.rglob("*") if p.is_file()),
        "shards": len(shards), "load_before": before, "load_after": loads(),
    }
    log(f"  digest build: {run.seconds:.2f} s ({run.cpu_seconds:.2f} s CPU), tree {run.tree_rss_mib:.0f} MiB (PSS {run.tree_pss_mib:.0f}), "
        f"own {run.root_rss_mib:.0f} MiB, largest Pagefind run {entry['pagefind_mib']:.0f} MiB ({len(shards)} shards), load {before:.1f}")
    return entry


def peer_cold(hugo_source: Path, work: Path, pagefind: str) -> dict:
    """Hugo into an empty folder, then Pagefind over what Hugo wrote (as a Hugo site adds search)."""
    output = fresh_folder(work) / "hugo-site"
    before = loads()
    hugo = run_measured(["hugo", "--quiet", "-s", str(hugo_source), "-d", str(output)])
    check_build(hugo, "hugo")
    index = run_measured([pagefind, "--site", str(output)])
    check_build(index, "pagefind")
    found = INDEXED.search(index.stdout)
    entry = {
        "seconds": hugo.seconds + index.seconds, "cpu": hugo.cpu_seconds + index.cpu_seconds,
        "tree_mib": max(hugo.tree_rss_mib, index.tree_rss_mib), "tree_pss_mib": max(hugo.tree_pss_mib, index.tree_pss_mib),
        "hugo": {"seconds": hugo.seconds, "cpu": hugo.cpu_seconds, "tree_mib": hugo.tree_rss_mib},
        "pagefind": {"seconds": index.seconds, "cpu": index.cpu_seconds, "tree_mib": index.tree_rss_mib},
        "pages": sum(1 for p in output.rglob("*.html") if not p.is_relative_to(output / "pagefind")),
        "indexed": int(found.group(1)) if found else 0, "load_before": before, "load_after": loads(),
    }
    log(f"  hugo + pagefind: {entry['seconds']:.2f} s (hugo {hugo.seconds:.2f} s, pagefind {index.seconds:.2f} s; "
        f"{entry['cpu']:.2f} s CPU), peak {entry['tree_mib']:.0f} MiB (PSS {entry['tree_pss_mib']:.0f}; hugo {hugo.tree_rss_mib:.0f}, pagefind {index.tree_rss_mib:.0f}), load {before:.1f}")
    return entry


def measure_peer(articles: int, seed: int, repeat: int, pagefind: str) -> dict:
    """``repeat`` pairs of cold builds, digest's and Hugo + Pagefind's, the order swapped in every other pair
    (so a machine getting busier or quieter during the run favours neither)."""
    source, hugo_source = corpus("digest", articles, seed), corpus("hugo", articles, seed)
    work = CACHE / f"peer-{articles}"
    runs: dict[str, list[dict]] = {"digest": [], "peer": []}
    try:
        for pair in range(repeat):
            log(f"  pair {pair + 1}/{repeat}")
            sides = [("digest", lambda: digest_cold(source, work / "digest")), ("peer", lambda: peer_cold(hugo_source, work / "peer", pagefind))]
            for name, measure in sides if pair % 2 == 0 else reversed(sides):
                runs[name].append(measure())
                shutil.rmtree(work / name, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return runs


def peer_report(results: dict) -> str:
    """RESULTS.md's side-by-side section (between the peer markers)."""
    m = results["machine"]
    sizes = {int(n): v["peer"] for n, v in results["sizes"].items() if v.get("peer")}

    def med(side: list[dict], *keys: str) -> float:
        values = []
        for run in side:
            for key in keys:
                run = run[key]
            values.append(run)
        return median(values)

    def spread(side: list[dict]) -> str:
        return f"{median([r['seconds'] for r in side]):.1f} s" + (
            f" ({min(r['seconds'] for r in side):.1f}–{max(r['seconds'] for r in side):.1f})" if len(side) > 1 else "")

    lines = [
        PEER_START,
        f"Measured {m['date']} with `python benchmarks/run.py {results['args']}`.",
        "",
        f"Machine: {m['nproc']} cores (`nproc`), {m['cpu']}, {m['os']}; Python {m['python']}; "
        f"{m['digest']} (checkout {m['commit']}, code snapshot {m.get('code', '?')}); {m['hugo']}; {m.get('pagefind', '?')}.",
        "",
        "Medians over the pairs (min–max in brackets). CPU is user + system of the whole process tree. Peak memory "
        "is the whole tree's, sampled every 100 ms (its PSS every 500 ms: `PSS_EVERY`): its summed PSS (a page that digest shares with its forked render "
        "workers counted once), then its summed RSS (counted in every process that maps it); Hugo and Pagefind run "
        "one after the other, so theirs is the larger of the two. Load is the 1-minute load average before each run "
        "and the highest seen just after one.",
        "",
        "| N | pairs | cold `digest build` | Hugo + Pagefind | digest / peer (wall) | CPU digest / peer | peak memory digest / peer: PSS (RSS sum) | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, side in sorted(sizes.items()):
        d, p = side["digest"], side["peer"]
        every = d + p
        lines.append(
            f"| {n:,} | {len(d)} | {spread(d)} | {spread(p)} | **{med(d, 'seconds') / med(p, 'seconds'):.2f}×** | "
            f"{med(d, 'cpu'):.1f} s / {med(p, 'cpu'):.1f} s ({med(d, 'cpu') / med(p, 'cpu'):.2f}×) | "
            f"{peak_pss(d):,.0f} / {peak_pss(p):,.0f} MiB ({max(r['tree_mib'] for r in d):,.0f} / {max(r['tree_mib'] for r in p):,.0f}) | "
            f"{median([r['load_before'] for r in every]):.1f} (max {max(r['load_after'] for r in every):.1f}) |"
        )
    lines += [
        "",
        "Where it goes. digest: its own process (the `python -m digest` that loads, links and renders, without its "
        "two forked render workers) and the largest single Pagefind run, that is one shard's indexer. Peer: Hugo "
        "and Pagefind (`pagefind --site`, defaults: every HTML page Hugo wrote) separately.",
        "",
        "| N | digest pages (files) | search shards | digest's own process | largest Pagefind run (one shard) | Hugo: wall, CPU, peak | Pagefind: wall, CPU, peak | Hugo pages (indexed by Pagefind) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, side in sorted(sizes.items()):
        d, p = side["digest"], side["peer"]
        lines.append(
            f"| {n:,} | {d[-1]['pages']:,} ({d[-1]['files']:,}) | {d[-1]['shards']} | {max(r['own_mib'] for r in d):,.0f} MiB | "
            f"{max(r['pagefind_mib'] for r in d):,.0f} MiB | "
            f"{med(p, 'hugo', 'seconds'):.1f} s, {med(p, 'hugo', 'cpu'):.1f} s, {max(r['hugo']['tree_mib'] for r in p):,.0f} MiB | "
            f"{med(p, 'pagefind', 'seconds'):.1f} s, {med(p, 'pagefind', 'cpu'):.1f} s, {max(r['pagefind']['tree_mib'] for r in p):,.0f} MiB | "
            f"{p[-1]['pages']:,} ({p[-1]['indexed']:,}) |"
        )
    lines += [""] + peer_targets(sizes) + [PEER_END]
    return "\n".join(lines)


def peak_pss(runs: list[dict]) -> float:
    """The largest summed PSS of the runs' trees (the RSS sum for results measured before PSS was sampled)."""
    return max(r.get("tree_pss_mib") or r["tree_mib"] for r in runs)


def peer_targets(sizes: dict[int, dict]) -> list[str]:
    """Issue 13's "Done means", as far as this run measured them."""
    def wall(side: list[dict]) -> float:
        return median([r["seconds"] for r in side])

    rows = []
    for n in (1_000, 10_000):
        if n in sizes:
            ratio = wall(sizes[n]["digest"]) / wall(sizes[n]["peer"])
            rows.append((f"cold build no slower than Hugo + Pagefind at {n:,} (aim: half)",
                         f"{wall(sizes[n]['digest']):.1f} s vs {wall(sizes[n]['peer']):.1f} s: {ratio:.2f}×"
                         + (" (half met)" if ratio <= PEER_TARGETS["aim"] else ""), ratio <= PEER_TARGETS["ratio"]))
    n = 10_000 if 10_000 in sizes else max(sizes)
    at = "" if n == 10_000 else f" (N = {n:,})"
    d_peak = peak_pss(sizes[n]["digest"])
    p_peak = peak_pss(sizes[n]["peer"])
    own = max(r["own_mib"] for r in sizes[n]["digest"])
    rows.append(("peak memory of digest's tree ≤ Hugo + Pagefind's at 10,000 (PSS)", f"{d_peak:,.0f} vs {p_peak:,.0f} MiB{at}", d_peak <= p_peak))
    rows.append(("digest's own process under 1 GiB", f"{own:,.0f} MiB{at}", own < PEER_TARGETS["own_mib"]))
    measured = sorted(sizes)
    if len(measured) >= 2:
        n1, n2 = measured[-2], measured[-1]
        def growth_of(key):
            return math.log(median([r[key] for r in sizes[n2]["digest"]]) / median([r[key] for r in sizes[n1]["digest"]])) / math.log(n2 / n1)
        memory = math.log(peak_pss(sizes[n2]["digest"]) / peak_pss(sizes[n1]["digest"])) / math.log(n2 / n1)
        rows.append((f"time and memory linear in N (between {n1:,} and {n2:,})",
                     f"wall ∝ N^{growth_of('seconds'):.2f}, CPU ∝ N^{growth_of('cpu'):.2f}, peak memory ∝ N^{memory:.2f}",
                     growth_of("cpu") < TARGETS["linear_exponent"] and memory < TARGETS["linear_exponent"]))
    if 50_000 in sizes:
        rows.append(("a 50,000-article cold build completes on 2 cores", f"{wall(sizes[50_000]['digest']):.0f} s, "
                     f"{peak_pss(sizes[50_000]['digest']):,.0f} MiB (PSS)", True))
    lines = ["### Done means (issue 13)", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {yes(ok)} |" for name, value, ok in rows]
    return lines + [""]


# --- reporting --------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    version = subprocess.run(digest_cmd("--version"), capture_output=True, text=True, env=digest_env(), cwd=CODE["path"]).stdout.strip()
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cores": str(os.cpu_count()), "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu, "python": platform.python_version(), "digest": version or "?", "commit": commit or "?",
        "hugo": hugo_version() or "not installed", "os": platform.platform(),
    }


def fmt_ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.0f} ms"


def fmt_s(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f} s"


def yes(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**yes**" if ok else "**no**")


def growth(sizes: dict[int, dict], value) -> tuple[float, float] | None:
    """(exponent b of value = a N^b, estimate at N = 10,000) from the two largest sizes measured."""
    measured = sorted(n for n in sizes if value(sizes[n]) is not None)
    if len(measured) < 2:
        return None
    n1, n2 = measured[-2], measured[-1]
    v1, v2 = value(sizes[n1]), value(sizes[n2])
    exponent = math.log(v2 / v1) / math.log(n2 / n1)
    return exponent, v2 * (10_000 / n2) ** exponent


def clean_time(entry: dict) -> float | None:
    return median(entry["build"]["clean"]) if entry["build"]["clean"] else None


def hugo_time(entry: dict) -> float | None:
    return median(entry["hugo"]["clean"]) if entry.get("hugo") else None


def peak_rss(entry: dict) -> float:
    return max(entry["build"]["max_rss_mib"], entry["build"]["tree_rss_mib"])


def report(results: dict) -> str:
    """The measured section of RESULTS.md."""
    m = results["machine"]
    sizes = {int(n): v for n, v in results["sizes"].items()}
    lines = [
        MARK_START,
        f"Measured {m['date']} with `python benchmarks/run.py {results['args']}`.",
        "",
        f"Machine: {m['nproc']} cores (`nproc`), {m['cpu']}, {m['os']}; Python {m['python']}; "
        f"{m['digest']} (checkout {m['commit']}, code snapshot {m.get('code', '?')}); {m['hugo']}.",
        "",
        "### Builds",
        "",
        "| N | digest clean build | CPU | pages (files) | pages/s | peak RSS (largest / tree) | no-change rebuild | Hugo clean build (CPU) | Hugo pages | digest / Hugo | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, v in sorted(sizes.items()):
        b = v["build"]
        clean = median(b["clean"])
        hugo = v.get("hugo")
        hugo_t = median(hugo["clean"]) if hugo else math.nan
        hugo_cpu = f" ({median(hugo['clean_cpu']):.2f} s)" if hugo else ""
        lines.append(
            f"| {n:,} | {fmt_s(clean)} (median of {len(b['clean'])}; {min(b['clean']):.2f}–{max(b['clean']):.2f}) | "
            f"{fmt_s(median(b['clean_cpu']))} | {b['pages']:,} ({b['files']:,}) | {b['pages'] / clean:.0f} | {b['max_rss_mib']:.0f} / {b['tree_rss_mib']:.0f} MiB | "
            f"{fmt_s(median(b['nochange']))} | {fmt_s(hugo_t)}{hugo_cpu} | "
            f"{hugo['pages'] if hugo else '–'} | {'–' if not hugo else f'{clean / hugo_t:.1f}'} | {median(b['load']):.1f} |"
        )
    lines += ["", f"`digest --help`: {fmt_ms(results['help']['help_ms'])} (a bare `python -c pass`: {fmt_ms(results['help']['python_ms'])}).", ""]
    after_edit = [(n, v["build_after_edit"]) for n, v in sorted(sizes.items()) if v.get("build_after_edit")]
    if after_edit:
        lines += [
            "### `digest build` after one edit",
            "",
            "After the clean builds, one claim's text revised in a sidecar (a different article each time) and `digest build` "
            "into the same output, from the state the build before saved in `.digest-cache/`; wall and CPU time of the command "
            "(its process and children: Pagefind), medians, min–max in brackets.",
            "",
            "| N | edits | wall | CPU | pages rendered, files written (last edit) |",
            "|---|---|---|---|---|",
        ]
        for n, runs in after_edit:
            wall, cpu = [r["seconds"] for r in runs], [r["cpu"] for r in runs]
            did = EDIT_SUMMARY.search(runs[-1]["summary"])
            lines.append(f"| {n:,} | {len(runs)} | {fmt_s(median(wall))} ({min(wall):.2f}–{max(wall):.2f}) | {fmt_s(median(cpu))} | "
                         f"{f'{did[1]}, {did[2]}' if did else '?'} |")
        lines.append("")
    watch_sizes = [(n, v["watch"]) for n, v in sorted(sizes.items()) if v.get("watch")]
    if watch_sizes:
        lines += [
            "### Watch mode",
            "",
            "From the saved file's mtime to the edited article's page changed on disk (polled every 2 ms), and to the "
            "watcher's rebuild line (every affected page written); medians over different articles, min–max in brackets. "
            "\"watcher\" is the build time digest itself prints (without the debounce).",
            "",
            "| N | edit | to edited page | to last page | watcher's own | to search index | files written | initial build |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for n, watch in watch_sizes:
            for kind in EDIT_KINDS:
                rows = watch.get(kind, [])
                if not rows:
                    continue
                page = [r["to_page_ms"] for r in rows]
                last = [r["to_last_ms"] for r in rows]
                lines.append(
                    f"| {n:,} | {kind} (×{len(rows)}) | {fmt_ms(median(page))} ({min(page):.0f}–{max(page):.0f}) | "
                    f"{fmt_ms(median(last))} ({min(last):.0f}–{max(last):.0f}) | {fmt_ms(median([r['reported_ms'] for r in rows]))} | "
                    f"{_index_cell(rows)} | {statistics.median([r['written'] for r in rows]):.0f} | {watch['initial']['seconds']:.1f} s |"
                )
        lines.append("")
    lines += targets_table(results, sizes)
    lines.append(MARK_END)
    return "\n".join(lines)


def _index_cell(rows: list[dict]) -> str:
    times = [r["to_index_ms"] for r in rows if not math.isnan(r.get("to_index_ms", math.nan))]
    return f"{fmt_ms(median(times))} (×{len(times)})" if times else "–"


def targets_table(results: dict, sizes: dict[int, dict]) -> list[str]:
    """Each target of issue 6, at N = 10,000 if measured, else at the largest N that has the number
    (said in the row), with the power-law estimate for 10,000 from the two largest sizes."""
    def largest(has) -> int | None:
        found = [n for n in sizes if has(sizes[n])]
        return max(found) if found else None

    def at(n: int | None) -> str:
        return "" if n in (None, 10_000) else f" (N = {n:,})"

    rows = []
    n = largest(lambda e: e.get("hugo"))
    if n is not None:
        ratio = clean_time(sizes[n]) / hugo_time(sizes[n])
        digest_10k, hugo_10k = growth(sizes, clean_time), growth(sizes, hugo_time)
        estimate = f"; at 10,000 ≈ {digest_10k[1]:.0f} s vs {hugo_10k[1]:.0f} s extrapolated from the two largest sizes" if digest_10k and hugo_10k and 10_000 not in sizes else ""
        rows.append(("full clean build ≤ Hugo's (ratio ≤ 1.0, aim 0.5)",
                     f"{clean_time(sizes[n]):.2f} s vs {hugo_time(sizes[n]):.2f} s: {ratio:.1f}×{at(n)}{estimate}", ratio <= TARGETS["ratio"]))
    n = max(sizes)
    nochange = median(sizes[n]["build"]["nochange"])
    rows.append(("no-change rebuild < 1 s", f"{fmt_s(nochange)}{at(n)}", nochange < TARGETS["nochange"]))
    n = largest(lambda e: e.get("watch", {}).get("sidecar"))
    if n is not None:
        sidecar = median([r["to_page_ms"] for r in sizes[n]["watch"]["sidecar"]])
        rows.append(("sidecar edit: save → page < 100 ms (median)", f"{fmt_ms(sidecar)}{at(n)}", sidecar < TARGETS["sidecar_ms"]))
    n = max(sizes)
    memory = growth(sizes, peak_rss)
    estimate = f"; at 10,000 ≈ {memory[1]:,.0f} MiB (∝ N^{memory[0]:.2f})" if memory and n != 10_000 else ""
    rows.append(("peak memory < 1 GB", f"{peak_rss(sizes[n]):.0f} MiB{at(n)}{estimate}", peak_rss(sizes[n]) < TARGETS["rss_mib"]))
    rows.append(("`digest --help` < 150 ms", fmt_ms(results["help"]["help_ms"]), results["help"]["help_ms"] < TARGETS["help_ms"]))
    build = growth(sizes, clean_time)
    if build:
        exponent, at_10k = build
        rows.append(("time linear in N", f"build time ∝ N^{exponent:.2f} between the two largest sizes (N = 10,000 ≈ {at_10k:.0f} s on that curve)",
                     exponent < TARGETS["linear_exponent"]))
    lines = ["### Targets (issue 6)", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {yes(ok)} |" for name, value, ok in rows]
    return lines + [""] + edit_targets_table(sizes)


def edit_targets_table(sizes: dict[int, dict]) -> list[str]:
    """The edit targets of issue 12 that these runs measure, at the largest N that has each number (said if not 10,000)."""
    rows = []
    found = [n for n in sizes if sizes[n].get("build_after_edit")]
    if found:
        n = max(found)
        wall = median([r["seconds"] for r in sizes[n]["build_after_edit"]])
        rows.append(("`digest build` after one sidecar edit <= 3 s", n, f"{fmt_s(wall)} (median of {len(sizes[n]['build_after_edit'])})", wall <= 3.0))
    for kind, column, name, limit in [
        ("sidecar", "to_page_ms", "watch: sidecar save -> its page < 100 ms (median)", 100.0),
        ("sidecar", "to_last_ms", "watch: sidecar save -> every affected page < 1 s", 1000.0),
        ("person", "to_last_ms", "watch: person edit (a rename) -> every affected page < 2 s", 2000.0),
        ("person", "to_page_ms", "watch: person edit -> an article naming the person (no tab open)", 2000.0),
        ("sidecar", "to_index_ms", "watch: sidecar save -> the search index reflects it < 10 s (issue 13)", 10_000.0),
        ("seed", "to_index_ms", "watch: seed save -> the search index reflects it < 10 s (issue 13)", 10_000.0),
        ("person", "to_index_ms", "watch: person rename -> the search index reflects it < 10 s (issue 13)", 10_000.0),
    ]:
        found = [n for n in sizes if sizes[n].get("watch", {}).get(kind)]
        if found:
            n = max(found)
            value = median([r[column] for r in sizes[n]["watch"][kind]])
            rows.append((name, n, fmt_ms(value), value < limit))
    if not rows:
        return []
    lines = ["### Targets (issues 12 and 13)", "", "| target | N | measured | met |", "|---|---|---|---|"]
    lines += [f"| {name} | {n:,} | {value} | {yes(ok)} |" for name, n, value, ok in rows]
    return lines + [""]


def write_results(section: str, start: str = MARK_START, end: str = MARK_END) -> None:
    """Replace one measured section of RESULTS.md (between ``start`` and ``end``), keeping everything else."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- main -------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated article counts (default: 1000,10000); with --peer, N:R gives size N its own number of pairs")
    parser.add_argument("--repeat", type=int, default=5, help="runs per build measurement (default: 5)")
    parser.add_argument("--edits", type=int, default=5, help="edits per kind in watch mode (default: 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hugo", action="store_true", help="also build the Hugo corpus of each size")
    parser.add_argument("--peer", action="store_true",
                        help="only the side by side of issue 13: cold `digest build` against Hugo + Pagefind, in alternating pairs")
    parser.add_argument("--no-watch", action="store_true", help="skip the watch-mode measurements")
    parser.add_argument("--watch-sizes", help="measure watch mode only at these sizes (default: all of --sizes)")
    parser.add_argument("--watch-kinds", default=",".join(EDIT_KINDS), help=f"the kinds of edit measured in watch mode (default: {','.join(EDIT_KINDS)})")
    parser.add_argument("--no-snapshot", action="store_true", help="run the checkout's code as it is, not a copy taken at the start")
    parser.add_argument("--report", type=Path, metavar="JSON", help="only rewrite RESULTS.md from a saved .cache/results-*.json")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    return parser.parse_args(argv)


def _stop_on_sigterm() -> None:
    """`kill` stops the benchmark like Ctrl-C: the watcher subprocess is stopped too."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def parse_sizes(text: str) -> list[int]:
    return [n for n, _ in parse_plan(text, 0)]


def parse_plan(text: str, repeat: int) -> list[tuple[int, int]]:
    """``1000,10000,50000:1`` -> [(1000, repeat), (10000, repeat), (50000, 1)]: a size may name its own count of runs."""
    plan = []
    for item in (s.strip().replace("_", "") for s in text.split(",")):
        if item:
            size, _, runs = item.partition(":")
            plan.append((int(size), int(runs) if runs else repeat))
    return plan


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        results = json.loads(args.report.read_text())
        for section, start, end in sections(results):
            write_results(section, start, end)
            print(section)
        return 0
    sizes = parse_sizes(args.sizes)
    watch_sizes = parse_sizes(args.watch_sizes) if args.watch_sizes else None
    watch_kinds = tuple(kind.strip() for kind in args.watch_kinds.split(",") if kind.strip())
    if unknown := [kind for kind in watch_kinds if kind not in EDIT_KINDS]:
        raise SystemExit(f"--watch-kinds: unknown {', '.join(unknown)} (known: {', '.join(EDIT_KINDS)})")
    if (args.hugo or args.peer) and not shutil.which("hugo"):
        raise SystemExit("--hugo, --peer: no hugo on PATH (Debian: apt-get install hugo)")
    pagefind = pagefind_executable() if args.peer else ""
    shown = " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
    _stop_on_sigterm()
    code = "checkout" if args.no_snapshot else snapshot_code(CACHE / "code")
    results: dict = {"args": shown, "machine": {**machine(), "code": code}, "sizes": {}}
    if args.peer:
        results["machine"]["pagefind"] = subprocess.run([pagefind, "--version"], capture_output=True, text=True).stdout.strip()
    log(f"machine: {results['machine']}")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    if args.peer:
        for n, pairs in parse_plan(args.sizes, args.repeat):
            log(f"N={n}: digest build vs hugo + pagefind, {pairs} pair(s)")
            results["sizes"][n] = {"peer": measure_peer(n, args.seed, pairs, pagefind)}
            save(results, stamp, args.no_write)
        print(peer_report(results))
        return 0
    results["help"] = measure_help(max(args.repeat, 10))
    log(f"digest --help: {results['help']['help_ms']:.0f} ms")
    for n in sizes:
        source = corpus("digest", n, args.seed)
        work = CACHE / f"run-{n}"
        log(f"N={n}: {source.name}")
        entry: dict = {"build": asdict(measure_builds(source, work, args.repeat))}
        if args.edits > 0:
            entry["build_after_edit"] = measure_edit_builds(source, work / "site", args.edits)
        if args.hugo:
            entry["hugo"] = measure_hugo(n, args.seed, work, args.repeat)
        if not args.no_watch and args.edits > 0 and (watch_sizes is None or n in watch_sizes):
            timeout = max(120.0, 4 * median(entry["build"]["clean"]))
            entry["watch"] = measure_watch(source, work, args.edits, timeout, watch_kinds)
        results["sizes"][n] = entry
        shutil.rmtree(work, ignore_errors=True)
        save(results, stamp, args.no_write)  # after each size, so a later failure loses nothing
    print(report(results))
    return 0


def save(results: dict, stamp: str, no_write: bool) -> None:
    """Raw numbers to .cache/results-STAMP.json and, unless told not to, the section of RESULTS.md."""
    (CACHE / f"results-{stamp}.json").write_text(json.dumps(results, indent=1, default=str))
    if not no_write:
        for section, start, end in sections(results):
            write_results(section, start, end)
        log(f"wrote {RESULTS.relative_to(REPO)}")


def sections(results: dict) -> list[tuple[str, str, str]]:
    """The sections of RESULTS.md these results fill: the issue-6 tables, the side by side, or both."""
    found = []
    if any("build" in entry for entry in results["sizes"].values()):
        found.append((report(results), MARK_START, MARK_END))
    if any("peer" in entry for entry in results["sizes"].values()):
        found.append((peer_report(results), PEER_START, PEER_END))
    return found


if __name__ == "__main__":
    sys.exit(main())
