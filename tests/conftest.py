"""Shared helpers: run the CLI in-process, build sites into temporary folders."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from digest.caches import Caches
from digest.cli import main
from digest.pipeline import build
from digest.pipeline.session import SiteBuilder
from digest.views.topics import CHECK_SCOPES

import browsing

os.environ[CHECK_SCOPES] = "1"
"""Every incremental build of the suite (in process or in a subprocess) computes the reads it
would keep as unchanged and fails if one changed: a read's declared scope missing a topic."""

COMPILED_TEMPLATES: dict[str, bytes] = {}
"""One table of compiled templates for every session the test process makes, as one long-lived watch
session keeps one (`Caches.compiled_templates`; Jinja checks each entry against its template's
source): an in-process build compiles only the templates no earlier test compiled, where compiling the
theme was a third of a small build. `tests/test_templates.py` checks a session's own table
(`own_compiled_templates`), and builds in subprocesses compile as any `digest build` does."""

_SESSION_INIT = Caches.__init__


def _sharing_compiled_templates(self: Caches, *args, **kwargs) -> None:
    _SESSION_INIT(self, *args, **kwargs)
    if "compiled_templates" not in kwargs:
        self.compiled_templates = COMPILED_TEMPLATES


Caches.__init__ = _sharing_compiled_templates  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _collectable_after_each_test() -> Iterator[None]:
    """What a test's builds froze out of the collector's walks (`statefile.collector_paused`, right for a
    one-off `digest build`) is made collectable again, so the test process does not keep it for good."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="session", autouse=True)
def _render_in_process() -> Iterator[None]:
    """In-process builds of the suite render every page in the test process, however many (`build.may_fork`
    answers no): pytest-xdist's workers have a single thread, so a build of 300 pages or more
    (`build.PARALLEL_MINIMUM`) would fork two render workers in each, which with several test processes
    on two cores cost CPU and gained nothing. The forked path is tested where a test asks for it: in a
    fresh interpreter (`fresh.fork_workers`), or in the subprocesses of test_builder.py and test_workers.py.
    Session-scoped, so that session and module fixtures build in process too. `digest watch`'s builder
    process is not concerned (`digest.live.builder.start_builder` has its own reference to `may_fork`), nor is
    the tree work after a swap (`write.OldSiteRemoval`), which forks only for sites of `write.FORKED_TREE_WORK` files."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "may_fork", _never)
        yield


def _never() -> bool:
    return False


@pytest.fixture
def own_compiled_templates(monkeypatch) -> None:
    """Sessions made in this test compile their templates into tables of their own, as in `digest build`."""
    monkeypatch.setattr(Caches, "__init__", _SESSION_INIT)


TESTS = Path(__file__).parent
REPO = TESTS.parent
SITES = TESTS / "sites"
INVALID_SITES = TESTS / "sites_invalid"


UNIT_MODULES = frozenset({
    "test_anchor", "test_dates", "test_imports", "test_inline", "test_jsonschemas", "test_language", "test_load", "test_meaning", "test_module_state",
    "test_link", "test_pages", "test_paging", "test_people_match", "test_queries", "test_reads", "test_reindex", "test_topics", "test_reanchor", "test_schema", "test_seedtext",
    "test_templates", "test_timeline_layout", "test_unicode", "test_wording", "test_workflows", "test_write", "test_yamlnodes",
})
"""The unit tier (``pytest -m "not slow"``, under a minute): modules that test stages directly and
start no subprocess, server or browser. Every test elsewhere is marked slow; a slow test inside
these modules says so itself (``@pytest.mark.slow``)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test outside the unit tier slow, and run the slow ones first: run on several cores
    (`scripts/test`), the last tests to start are then the short ones, and no core waits long for
    another to finish one long test. Each module's tests stay together (the sort is stable).
    Tests that use the browser run once more if its renderer crashes (pytest-rerunfailures)."""
    for item in items:
        module = getattr(item, "module", None)
        if module is None or module.__name__ not in UNIT_MODULES:
            item.add_marker(pytest.mark.slow)
        browsing.rerun_if_the_renderer_crashes(item)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def run_cli(*args: str | Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit:  # argparse usage errors and --version
            code = exit.code if isinstance(exit.code, int) else 1
    return Run(code, out.getvalue(), err.getvalue())


def copy_site(name: str, destination: Path, search: bool = True) -> Path:
    """A writable copy of a fixture site (tests/sites/<name> or the demo, 'demo').

    ``search``: False sets ``search: false`` in its settings, for tests that look at no search file nor
    at what search adds to pages: indexing is about half of a small site's build (Pagefind's service)."""
    target = destination / name
    if name == "demo":
        target.mkdir(parents=True)
        for part in ("content", "seeds"):
            shutil.copytree(REPO / part, target / part)
    else:  # no test builds from a fixture in place (its state would land in tests/sites); skip one left by older code
        shutil.copytree(SITES / name, target, ignore=shutil.ignore_patterns(".digest-cache"))
    if not search:
        settings = target / "content/site.yaml"
        settings.write_text(settings.read_text(encoding="utf-8") + "search: false\n", encoding="utf-8")
    return target


@contextlib.contextmanager
def put_back(session: SiteBuilder) -> Iterator[Path]:
    """The site of a session built once for a module, to edit; afterwards its files as they were, and the
    session built from them: the next test starts from a built session of the unedited site, as this one
    did, without a cold build of its own (a generated site's costs more than the test's edit)."""
    site = session.root
    before = {path: path.read_bytes() for path in site.rglob("*") if path.is_file()}
    try:
        yield site
    finally:
        for path in site.rglob("*"):
            if path.is_file() and path not in before:
                path.unlink()
        for path, data in before.items():
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
        assert session.build().ok, "the session builds the unedited site again"


def built_session(site: Path, tmp_path_factory: pytest.TempPathFactory) -> SiteBuilder:
    """A watch session over ``site`` (search off), built once: the module-scoped fixture that
    `put_back` restores after each test's edit."""
    builder = SiteBuilder(site, tmp_path_factory.mktemp("out") / "site", search=False)
    assert builder.build().ok
    return builder


def replace_first(path: Path, pattern: str, new: str) -> None:
    """Edit a file: the first match of ``pattern`` (multiline) replaced; it must match."""
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    assert count == 1, (path, pattern)
    path.write_text(changed, encoding="utf-8")


def read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for every browser test a test process runs (`browsing.chromium`: a skip, or a
    failure under CI, where it is missing): starting one costs about a second of CPU and two of waiting.
    Each test opens its own contexts or pages and closes them."""
    with browsing.chromium() as instance:
        yield instance


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """The demo site, built once for the whole session."""
    output = tmp_path_factory.mktemp("demo") / "site"
    result = run_cli("build", "--source", REPO, "--output", output)
    assert result.code == 0, result.err
    return output


@pytest.fixture(scope="session")
def basic_build(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("basic")
    output = base / "site"
    result = run_cli("build", "--source", copy_site("basic", base), "--output", output)
    assert result.code == 0, result.err
    return output


PAGED = 101
"""One more than a page of claims, articles of a month, people and a person's articles: every list has a second page."""


@pytest.fixture(scope="session")
def paged_build(tmp_path_factory) -> Path:
    """The basic site grown until each split list needs numbered pages, built once for the session."""
    base = tmp_path_factory.mktemp("paged")
    site = copy_site("basic", base)
    (site / "content/people/pat-example.yaml").write_text("name: Pat Example\nrole: Witness\n")
    for number in range(PAGED):
        stem = f"paged-{number:03d}"
        (site / "seeds" / f"{stem}.txt").write_text(f"Paged story {number}\nPat Example spoke about item {number}.\n")
        (site / "content/articles" / f"{stem}.yaml").write_text(
            f"outlet: Outlet Three\npublished: 2022-11-{1 + number % 28:02d}\n"
            f"claims:\n  - id: paged-claim-{number:03d}\n    text: Paged claim {number}.\n    status: disputed\n    about: [pat-example]\n"
        )
        (site / "content/people" / f"extra-{number:03d}.yaml").write_text(f"name: Extra Person {number:03d}\n")
    output = base / "site"
    result = run_cli("build", "--source", site, "--output", output)
    assert result.code == 0, result.err
    return output
