"""The build stages as a whole: parallel rendering gives the bytes of a single-process build.

The parallel half of each test runs in a fresh interpreter (`fresh.in_fresh_process`): a build forks
its render workers only from a process with a single thread, which the test runner's may not be."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.pipeline.build import render_site
from digest.pipeline.session import SiteBuilder
from digest.pipeline.write import OWNER_MARK, OWNER_NOTE

from conftest import REPO, copy_site, read_tree, replace_first
from fresh import fork_workers, in_fresh_process


def _rendered(root: str, parallel: bool) -> tuple:
    if parallel:
        fork_workers()
    result = render_site(Path(root))
    return result.outputs, result.state.pages, result.state.fingerprints


@pytest.mark.parametrize("site", ["demo", "basic"])
def test_parallel_rendering_gives_the_same_bytes_and_records(site, tmp_path):
    root = copy_site(site, tmp_path) if site == "basic" else REPO
    assert in_fresh_process(_rendered, str(root), True) == _rendered(str(root), False)


def _generated_session(folder: str, parallel: bool) -> list[tuple[dict[str, bytes], dict, dict, int]]:
    """A watch session over a generated site of 40 articles (387 HTML pages): its first build, a template edit (every page), a sidecar
    save (a few) and an edit of a person 14 articles name (their pages first, `build._first_pages`). For each: the site, the build's page records and fingerprints,
    and how many processes other than this one rendered its pages. ``parallel``: with the worker minimums
    of `digest build`, in a fresh interpreter (`fresh.fork_workers(however_few=False)`)."""
    import os
    import sys

    import digest.pipeline.build as build
    from digest.source.theme import builtin_theme

    if parallel:
        fork_workers(however_few=False)
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate import generate_digest

    tmp_path = Path(folder)
    site = tmp_path / "site"
    generate_digest(site, 40)
    log = tmp_path / "rendered-by"
    original = build.render_page

    def spy(env, page, reader):
        with log.open("a") as out:  # a worker's own records die with it
            out.write(f"{os.getpid()}\n")
        return original(env, page, reader)

    def base_template() -> None:
        (site / "themes/default/templates").mkdir(parents=True)
        source = (builtin_theme() / "templates/base.html").read_text()
        (site / "themes/default/templates/base.html").write_text(source.replace("</body>", "<!-- edited -->\n</body>"))

    build.render_page = spy
    builder = SiteBuilder(site, tmp_path / "live", search=False, render_workers=parallel)
    steps = []
    edits = {  # changed file -> the edit, as a watcher tells the session
        "": lambda: None,
        "themes/default/templates/base.html": base_template,
        "content/articles/a000007.yaml": lambda: replace_first(site / "content/articles/a000007.yaml", r'^(    title: ")', r"\1Later: "),
        "content/people/darir-morleard.yaml": lambda: replace_first(site / "content/people/darir-morleard.yaml", r"^role: .*$", 'role: "Envoy"'),
    }
    try:
        for changed, edit in edits.items():
            edit()
            log.write_text("")
            result = builder.build({changed} if changed else None)
            assert result.ok, [str(d) for d in result.diagnostics]
            others = {line for line in log.read_text().splitlines() if line != str(os.getpid())}
            steps.append((read_tree(tmp_path / "live"), builder.state.pages, builder.state.fingerprints, len(others)))
    finally:
        build.render_page = original
        builder.close()
    return steps


def test_a_big_site_in_workers_gives_the_bytes_and_records_of_one_process(tmp_path):
    """The forked path as `digest build` and `digest watch` take it, with its usual minimums: a site big enough
    that its first build and a template edit render in workers, a sidecar save and a person edit (fewer pages
    than `build.PARALLEL_MINIMUM`) in the builder. The same site and records, step by step, as a session that
    renders every page itself."""
    forked = in_fresh_process(_generated_session, str(tmp_path / "forked"), True)
    alone = _generated_session(str(tmp_path / "alone"), False)
    assert [workers for *_, workers in forked] == [2, 2, 0, 0], "workers where the pages are as many as `PARALLEL_MINIMUM`"
    assert [workers for *_, workers in alone] == [0, 0, 0, 0], "the test process renders alone (conftest._render_in_process)"
    for step, ((site, pages, fingerprints, _), (site_alone, pages_alone, fingerprints_alone, _)) in enumerate(zip(forked, alone, strict=True)):
        assert sorted(path for path in site.keys() | site_alone.keys() if site.get(path) != site_alone.get(path)) == [], f"step {step}"
        assert (pages, fingerprints) == (pages_alone, fingerprints_alone), f"step {step}"


def _streamed_build(folder: str, parallel: bool) -> None:
    """`build_site` streams pages into the stage (workers write there themselves): the site on disk,
    its digests and records equal an in-memory render of the same sources, search index included."""
    from digest.pipeline.build import build_site, index_search

    if parallel:
        fork_workers()
    tmp_path = Path(folder)
    site = copy_site("basic", tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "stale.html").write_text("from an older build")
    (tmp_path / "out" / OWNER_MARK).write_bytes(OWNER_NOTE)
    streamed = build_site(site, tmp_path / "out")
    in_memory = render_site(site)
    index_search(in_memory)
    assert streamed.outputs == {}, "a full build holds no page in memory"
    assert read_tree(tmp_path / "out") == in_memory.outputs | {OWNER_MARK: OWNER_NOTE}
    assert streamed.state.outputs == in_memory.state.outputs
    assert streamed.state.pages == in_memory.state.pages
    assert streamed.report is not None and streamed.report.removed == 1
    assert [p.name for p in tmp_path.iterdir() if ".stage-" in p.name] == [], "no stage left behind"


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_a_streamed_build_writes_exactly_what_was_rendered(parallel, tmp_path):
    if parallel:
        in_fresh_process(_streamed_build, str(tmp_path), True)
    else:
        _streamed_build(str(tmp_path), False)


def _session_after_a_parallel_first_build(folder: str) -> None:
    fork_workers()
    site = copy_site("basic", Path(folder))
    builder = SiteBuilder(site, Path(folder) / "live", search=False)
    assert builder.build().ok
    again = builder.build()
    assert again.ok and again.rendered == [] and again.written == []
    assert read_tree(Path(folder) / "live")


def test_a_session_after_a_parallel_first_build_rebuilds_incrementally(tmp_path):
    in_fresh_process(_session_after_a_parallel_first_build, str(tmp_path))


def test_no_change_build_is_recognised_without_building(tmp_path):
    from conftest import run_cli

    site = copy_site("basic", tmp_path)
    out = tmp_path / "out"
    assert run_cli("build", "--source", site, "--output", out).code == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = run_cli("build", "--source", site, "--output", out)
    assert again.code == 0 and "is up to date" in again.out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before, "nothing written"
    assert (site / ".digest-cache/.gitignore").read_text() == "*\n"

    (out / "index.html").unlink()  # the output was touched: build again
    assert "built" in run_cli("build", "--source", site, "--output", out).out
    sidecar = site / "content/articles/plain-one.yaml"
    sidecar.write_text(sidecar.read_text().replace("Outlet One", "Outlet Uno"))
    rebuilt = run_cli("build", "--source", site, "--output", out)
    assert "built" in rebuilt.out and "Outlet Uno" in (out / "index.html").read_text()
    other_url = run_cli("build", "--source", site, "--output", out, "--base-url", "https://x.org/y/")
    assert "built" in other_url.out, "options are inputs too"


def test_warnings_are_repeated_by_an_up_to_date_build(tmp_path):
    from conftest import run_cli

    site = copy_site("basic", tmp_path)
    (site / "seeds/lonely.txt").write_text("A lonely article\nText.\n")
    first = run_cli("build", "--source", site, "--output", tmp_path / "out")
    second = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert "is up to date" in second.out and second.err == first.err and "warning:" in second.err


def _build_with_a_broken_template(folder: str, parallel: bool) -> tuple[int, list[str]]:
    from conftest import run_cli

    if parallel:
        fork_workers()
    tmp_path = Path(folder)
    site = copy_site("basic", tmp_path)
    templates = site / "themes/default/templates"
    templates.mkdir(parents=True)
    (templates / "claim.html").write_text('{% extends "base.html" %}\n{% block content %}\n<p>{{ claim.nonexistent.text }}</p>\n{% endblock %}\n')
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    return result.code, result.err_lines


@pytest.mark.parametrize("parallel", [False, True])
def test_template_errors_name_the_template_and_line(parallel, tmp_path):
    broken = _build_with_a_broken_template
    code, err_lines = in_fresh_process(broken, str(tmp_path), True) if parallel else broken(str(tmp_path), False)
    assert code == 1
    assert err_lines[0] == "themes/default/templates/claim.html:3:1: error: template error: 'digest.graph.model.Claim object' has no attribute 'nonexistent'"


@pytest.mark.parametrize(
    ("site_icon", "theme_icon", "linked"),
    [
        (None, None, "assets/favicon.svg"),  # the built-in theme's
        ("favicon.ico", None, "favicon.ico"),  # the site's own, at its root
        ("favicon.png", None, "favicon.png"),
        (None, b'<svg xmlns="http://www.w3.org/2000/svg"><title>site theme</title></svg>', "assets/favicon.svg"),
    ],
    ids=["default", "site-ico", "site-png", "theme-override"],
)
def test_every_page_links_an_icon_that_the_build_publishes(site_icon, theme_icon, linked, tmp_path):
    """No page load asks for a missing /favicon.ico: each page names an icon, the site's content/static/favicon.*
    or else its theme's favicon.svg (the site's themes/default/static/favicon.svg replaces the built-in one)."""
    from bs4 import BeautifulSoup

    site = copy_site("basic", tmp_path)
    if site_icon:
        (site / "content/static").mkdir(parents=True, exist_ok=True)
        (site / "content/static" / site_icon).write_bytes(b"icon bytes")
    if theme_icon:
        (site / "themes/default/static").mkdir(parents=True, exist_ok=True)
        (site / "themes/default/static/favicon.svg").write_bytes(theme_icon)
    outputs = render_site(site).outputs
    assert linked in outputs
    if theme_icon:
        assert outputs[linked] == theme_icon
    pages = [path for path in outputs if path.endswith(".html")]
    assert pages
    for path in pages:
        links = BeautifulSoup(outputs[path], "html.parser").select("head link[rel=icon]")
        assert [link["href"] for link in links] == ["/basic/" + linked], path  # under the site's sub-path


def test_a_build_collects_young_garbage_only_and_gives_the_collector_back_as_it_was(tmp_path):
    import gc

    from digest.pipeline.build import BUILD_GC_THRESHOLD, build_site, fewer_collections

    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    with fewer_collections():
        seen.append(gc.get_threshold())
    assert seen[0][0] == BUILD_GC_THRESHOLD and gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a failed build")
    assert gc.get_threshold() == before
    full: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(count)
    try:
        gc.collect()
        full.clear()
        build_site(copy_site("basic", tmp_path), tmp_path / "out")
    finally:
        gc.callbacks.remove(count)
    assert full == [] and gc.get_threshold() == before, "no full collection walks the build's objects"


def test_the_pages_showing_a_saved_person_come_in_the_order_a_reader_likely_sees_them(tmp_path):
    """Those that read the person's record, then the home page and section fronts, then the articles naming
    them newest first, then the rest in the site's order (`build._first_pages`)."""
    from digest.pipeline import build
    from digest.render.pages import article_page

    site = copy_site("basic", tmp_path)
    rendering = build.render_source(site)
    result = rendering.collect()
    graph, pages = result.graph, rendering.page_list()
    keys = frozenset({"person:jake-sullivan"})
    order = [page.path for page in build._first_pages(graph, pages, result.state, keys, build._shown(graph, keys))]
    reads_record = [path for path in order if not keys.isdisjoint(result.state.pages[path].keys)]
    fronts = [path for path in order if path.count("/") <= 1 and path.endswith("index.html") and path not in reads_record]
    naming = sorted(graph.index.named_by["jake-sullivan"], key=lambda stem: graph.articles[stem].published, reverse=True)
    articles = [article_page(graph.articles[stem]).path for stem in naming]
    assert reads_record and fronts and len(articles) == 2
    assert order[:len(reads_record) + len(fronts) + len(articles)] == reads_record + fronts + articles
    rest = order[len(reads_record) + len(fronts) + len(articles):]
    assert rest == [page.path for page in pages if page.path in rest], "the others in the site's order"


def _person_edit_in_workers(folder: str, follow_up: int) -> tuple[list[str], dict[str, int], dict[str, bytes], dict[str, bytes]]:
    """A watch session's person edit with every page that shows the person rendered by forked workers (two here),
    and the pages the scope check finds after them (six) by workers too if there are ``follow_up`` of them."""
    import os

    import digest.pipeline.build as build
    from digest.pipeline.session import SiteBuilder

    fork_workers()
    build.PARALLEL_MINIMUM, build.FOLLOW_UP_MINIMUM = 2, follow_up
    tmp_path = Path(folder)
    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search=False, render_workers=True)
    assert builder.build().ok
    rendered_by: dict[str, int] = {}
    original = build.render_page
    log = tmp_path / "rendered-by"

    def spy(env, page, reader):
        with log.open("a") as out:  # a worker's own dict would die with it
            out.write(f"{page.path} {os.getpid()}\n")
        return original(env, page, reader)

    build.render_page = spy
    written: list[str] = []  # delivered early, whether changed or not
    deliver = SiteBuilder._deliver
    SiteBuilder._deliver = lambda self, path, *args: (written.append(path), deliver(self, path, *args))[1]  # type: ignore[method-assign]
    person = site / "content/people/sean-obrien.yaml"
    person.write_text(person.read_text().replace("role: Spokesperson", "role: Press secretary"))
    try:
        assert builder.build({"content/people/sean-obrien.yaml"}).ok
    finally:
        build.render_page = original
        SiteBuilder._deliver = deliver  # type: ignore[method-assign]
    for line in log.read_text().splitlines():
        path, pid = line.split()
        rendered_by[path] = int(pid) - os.getpid()
    try:
        os.waitpid(-1, os.WNOHANG)
        unreaped = True
    except ChildProcessError:
        unreaped = False
    assert not unreaped, "every render worker was joined by the build that forked it"
    clean = build.render_site(site).outputs
    return written, rendered_by, read_tree(tmp_path / "live"), clean


@pytest.mark.parametrize("follow_up", [1, 7])
def test_a_person_edit_renders_the_pages_showing_the_person_in_workers(follow_up, tmp_path):
    """Watch mode: the person's own page first, in the builder; the pages that show them next, in reading order,
    by the workers (a much-named person shows on thousands); then the other pages the edit changed (other people's
    networks), by workers from `FOLLOW_UP_MINIMUM` of them; the same site as a clean build."""
    written, rendered_by, live, clean = in_fresh_process(_person_edit_in_workers, str(tmp_path), follow_up)
    assert written[0] == "people/sean-obrien/index.html" and rendered_by[written[0]] == 0, "the saved person's page, here, first"
    naming = {path for path, data in live.items() if path.startswith("articles/") and path.count("/") == 2 and b'href="/basic/people/sean-obrien/"' in data}
    assert naming and naming <= set(written[1:]), "the articles that name the person are written early"
    assert all(rendered_by[path] != 0 for path in written[1:]), "rendered by forked workers"
    after = [path for path in rendered_by if path not in written]
    assert len(after) == 6 and all((rendered_by[path] != 0) == (follow_up == 1) for path in after), rendered_by
    live.pop(OWNER_MARK)
    assert live == clean


def test_a_worker_sends_each_fingerprint_once_and_its_first_pages_at_once(monkeypatch):
    """`_render_share`: the reads every page makes (config, locale, assets) are fingerprinted once per share, and
    the first messages are small, so that watch mode writes the first pages of a share as they are made."""
    import digest.pipeline.build as build
    class Sent:
        def __init__(self) -> None:
            self.messages: list = []

        def send(self, message) -> None:
            self.messages.append(message)

        def close(self) -> None:
            pass

    monkeypatch.setattr(build, "bind_to_parent", lambda parent: None)
    rendering = build.render_source(REPO)
    pages = [page for page in build.site_pages(rendering.graph) if page.template][:40]
    reader = build.Reader(rendering.graph, build.SITE_READS)
    sent = Sent()
    build._render_share(rendering.env, pages, reader, list(range(len(pages))), sent, 0, False)
    assert sent.messages[-1] is None
    batches = sent.messages[:-1]
    assert len(pages) > 31 and [len(batch) for batch in batches] == [1, 2, 4, 8, 16, len(pages) - 31]
    results = [item for batch in batches for item in batch]
    keys = [key for item in results for key in item[3]]
    assert len(keys) == len(set(keys)), "no fingerprint sent twice"
    assert set(keys) == set().union(*(item[2] for item in results)), "every read's fingerprint sent"
    assert "config:" in results[0][3] and all("config:" not in item[3] for item in results[1:])


def test_which_pages_an_edit_keeps_is_worked_out_once_per_template_not_per_page(tmp_path, monkeypatch):
    """Each template's closure and whether it changed are looked at once, whatever the number of pages
    (28,000 at 10,000 articles); the rebuild keeps what it did before."""
    from digest.pipeline.buildstate import TemplateIndex

    site = copy_site("basic", tmp_path)
    builder = SiteBuilder(site, tmp_path / "live", search=False)
    assert builder.build().ok
    text = (site / "content/articles/plain-one.yaml").read_text()
    (site / "content/articles/plain-one.yaml").write_text(text.replace("Russian forces will not advance", "Russian troops will not advance"))
    looked: list[frozenset[str]] = []
    real = TemplateIndex.unchanged
    monkeypatch.setattr(TemplateIndex, "unchanged", lambda self, names, previous: looked.append(names) or real(self, names, previous))
    rebuild = builder.build()
    assert rebuild.ok and 0 < len(rebuild.rendered) < len(builder.state.pages)
    templates = {record.templates for record in builder.state.pages.values()}
    assert len(looked) <= len(templates) < len(builder.state.pages)


def test_live_records_read_the_live_data_json_once_and_only_when_a_record_is_asked_for(tmp_path, monkeypatch):
    """`LiveRecords`: every read of every page rendered asks it; only a record's read makes it read the live
    data.json, once; ids with escapes are found as the writer wrote them; a file gone means every record is computed."""
    from digest.pipeline import build
    from digest.render.export import compact_json_bytes, records_by_read, records_json_bytes

    claims = [compact_json_bytes({"id": cid, "text": f"said {cid}"}) for cid in ("c-1", 'c-"2"', "c-\\3")]
    path = tmp_path / "data.json"
    path.write_bytes(records_json_bytes({"format": "digest-data/1"}, {"claims": claims, "events": []}))
    parsed: list[bytes] = []
    monkeypatch.setattr(build, "records_by_read", lambda data: parsed.append(data) or records_by_read(data))
    live = build.LiveRecords(path)
    assert "config:" not in live and "site:" not in live and 7 not in live
    assert parsed == []
    assert "export-claim:c-1" in live and live["export-claim:c-1"] == claims[0]
    assert live['export-claim:c-"2"'] == claims[1] and live["export-claim:c-\\3"] == claims[2]
    assert "export-claim:c-4" not in live and "config:" not in live and 7 not in live
    assert len(parsed) == 1
    gone = build.LiveRecords(tmp_path / "gone.json")
    assert "export-claim:c-1" not in gone and len(gone) == 0


def _prefetched_site(folder: str, prefetch: bool) -> tuple[dict[str, bytes], int, int, bool]:
    """A generated site of 12 articles rendered, with the seeds parsed by a forked process while the link
    goes on (`build.SeedPrefetch`, its minimum lowered) or by the link itself. Also: how many seeds this
    process parsed, how many the link asked for, and whether the session's cache is a plain dict again."""
    import sys

    import digest.graph.link as link
    import digest.pipeline.build as build
    from digest.caches import Caches

    if prefetch:
        fork_workers()
        build.PREFETCH_MINIMUM = 1
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate import generate_digest

    site = Path(folder) / "site"
    generate_digest(site, 12)
    parsed_here: list[int] = []
    original = link._parse_seed
    link._parse_seed = lambda *key: parsed_here.append(1) or original(*key)  # type: ignore[assignment]
    caches = Caches()
    try:
        outputs = build.render_source(site, caches=caches).collect().outputs
    finally:
        link._parse_seed = original  # type: ignore[assignment]
    return outputs, len(parsed_here), len(caches.seeds), type(caches.seeds) is dict


def test_a_forked_process_parses_the_seeds_while_the_link_goes_on_and_the_site_is_the_same(tmp_path):
    """`build.SeedPrefetch`: with enough seeds to parse, a forked process parses them in the order the link asks
    for them; the link parses none itself, the session keeps them all, and the site is the same bytes."""
    prefetched, parsed_here, kept, plain = in_fresh_process(_prefetched_site, str(tmp_path / "prefetched"), True)
    alone, parsed_alone, kept_alone, plain_alone = _prefetched_site(str(tmp_path / "alone"), False)
    assert parsed_alone == kept_alone == kept == 12 and parsed_here == 0, "every seed parsed by the other process"
    assert plain and plain_alone
    assert sorted(path for path in prefetched.keys() | alone.keys() if prefetched.get(path) != alone.get(path)) == []
