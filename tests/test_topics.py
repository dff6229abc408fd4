"""Read scopes (views/topics.py): a read whose topics kept their digests kept its value.

A generated site of 150 articles (several outlets, pages of the comparison
and of outlets) is linked once; then, for each kind of edit, every read its
pages made is computed again on the edited graph. Each read the scope check
calls unchanged must have the fingerprint it had, and an edit must leave
most reads unchanged, or the check would save nothing.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from digest.memo import ByIdentity
from digest.pipeline.build import render_site, render_source
from digest.pipeline.session import SiteBuilder
from digest.render import site_reads
from digest.render.site_reads import SITE_READS, SITE_SCOPES
from digest.views import reads
from digest.views.reads import Reader
from digest.views.topics import ABSENT, ScopeCheck, Topics

from conftest import REPO, built_session, put_back, replace_first

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate_digest  # noqa: E402  (the benchmarks' corpus, standard library only)

ARTICLES = 150


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "site"
    generate_digest(root, ARTICLES)
    return root


@pytest.fixture(scope="module")
def base(generated: Path):
    """The unedited site rendered once: its graph and the fingerprint and topics of every read its pages made."""
    return render_site(generated)


@pytest.fixture(scope="module")
def session(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> SiteBuilder:
    """A watch session over the generated site, built once for the module; each test that edits it
    puts the site back after (`conftest.put_back`), so the next starts from the unedited site's session."""
    return built_session(generated, tmp_path_factory)


def sidecar(site: Path, number: int = 7) -> Path:
    return site / f"content/articles/a{number:06d}.yaml"


def first_person(site: Path) -> Path:
    return sorted((site / "content/people").iterdir())[0]


def new_article(site: Path) -> None:
    (site / "seeds/zz-new.txt").write_text("A new report\n\nOfficials met in Lindfors on Monday to talk.\n", encoding="utf-8")
    (site / "content/articles/zz-new.yaml").write_text(
        'outlet: "Bulletin Nine"\npublished: 2020-03-03\nclaims:\n  - id: claim-new\n    quote: "Officials met in Lindfors"\n'
        '    text: "Officials met."\n    status: confirmed\n', encoding="utf-8")


def seed_of(site: Path, number: int = 7) -> Path:
    return next(p for p in (site / f"seeds/a{number:06d}.txt", site / f"seeds/a{number:06d}.md") if p.exists())


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def join_another_outlet(site: Path) -> None:
    """Move an article to the outlet of another article carrying one of its claims: the claim's outlet count drops."""
    graph = render_source(site).graph
    for claim in graph.claims.values():
        outlets = {o.article: graph.articles[o.article].outlet for o in claim.occurrences}
        if len(set(outlets.values())) > 1:
            first, *others = outlets
            other = next(stem for stem in others if outlets[stem] != outlets[first])
            replace_first(site / f"content/articles/{first}.yaml", r"^outlet: .*$", f'outlet: "{outlets[other]}"')
            return
    raise AssertionError("no claim carried by two outlets")


EDITS: dict[str, Callable[[Path], None]] = {
    "claim text": lambda s: replace_first(sidecar(s), r'^(    text: ")', r"\1Reportedly, "),
    "claim status": lambda s: replace_first(sidecar(s), r"^    status: \w+", "    status: false"),
    "claim about": lambda s: replace_first(sidecar(s), r"^    about: \[", "    about: [bedar-dunkaley, "),
    "event title": lambda s: replace_first(sidecar(s), r'^(    title: ")', r"\1Later: "),
    "timeline date": lambda s: replace_first(s / "content/timeline.yaml", r"^  date: .*$", "  date: 2023-02-03"),
    "article title": lambda s: replace_first(seed_of(s), r"\A(# )?", r"\1Update: "),
    "article date": lambda s: replace_first(sidecar(s), r"^published: .*$", "published: 2024-06-01"),
    "outlet": lambda s: replace_first(sidecar(s), r"^outlet: .*$", 'outlet: "A New Outlet"'),
    "seed text": lambda s: append(seed_of(s), "\nA last sentence about Lindfors.\n"),
    "seed names a person": lambda s: append(seed_of(s), "\nBedar Dunkaley and Dunkaley again, said Bedar Dunkaley.\n"),
    "outlet of a shared claim": join_another_outlet,
    "person role": lambda s: replace_first(first_person(s), r"^role: .*$", 'role: "Minister"'),
    "person name": lambda s: replace_first(first_person(s), r"^name: .*$", 'name: "Bedar Dunkley-Smith"'),
    "new person": lambda s: (s / "content/people/zz-nobody.yaml").write_text('name: "Zed Nobody"\n', encoding="utf-8"),
    "nothing": lambda s: None,
    "new article": new_article,
    "site title": lambda s: replace_first(s / "content/site.yaml", r"^title: .*$", 'title: "Renamed"'),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_read_whose_topics_kept_their_digests_kept_its_value(generated: Path, base, tmp_path: Path, edit: str) -> None:
    site = tmp_path / "site"
    shutil.copytree(generated, site)
    EDITS[edit](site)
    edited = render_source(site).graph
    check = ScopeCheck(Topics(edited, ByIdentity(1000)), SITE_SCOPES, base.state.topics, base.state.scopes)
    now = Reader(edited, SITE_READS)
    kept = [key for key in base.state.fingerprints if check.unchanged(key)]
    wrong = [key for key in kept if now.fingerprint(key) != base.state.fingerprints[key]]
    assert wrong == []
    if edit not in ("site title", "new article", "article date"):  # these change every page or every list
        assert len(kept) > 0.6 * len(base.state.fingerprints), f"only {len(kept)} of {len(base.state.fingerprints)} reads kept"
    changed = [key for key in base.state.fingerprints if now.fingerprint(key) != base.state.fingerprints[key]]
    assert (changed == []) == (edit == "nothing")


def test_every_read_kind_has_a_scope() -> None:
    assert set(SITE_READS) == set(SITE_SCOPES)


def test_topics_of_a_missing_entity_are_absent(base) -> None:
    topics = Topics(base.graph, ByIdentity(10))
    assert topics.digest("claim:no-such-claim") == ABSENT
    assert topics.digest("article:a000001") != ABSENT
    assert topics.digest("articles") not in (ABSENT, topics.digest("claims"))


def test_a_claim_edit_computes_only_the_reads_about_it(session: SiteBuilder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work, not seconds: a watch session's rebuild after one claim's text changed computes a small part of the reads."""
    assert session.state is not None
    keys = len(session.state.fingerprints)
    computed: list[str] = []
    original = reads.Reader._compute
    with put_back(session) as site:
        monkeypatch.setattr(reads.Reader, "_compute", lambda self, key: computed.append(key) or original(self, key))
        monkeypatch.delenv("DIGEST_CHECK_SCOPES")  # the check computes every kept read: count what a real session does
        EDITS["claim text"](site)
        second = session.build()
        monkeypatch.undo()
    assert second.rendered and len(second.rendered) < 30
    assert 0 < len(computed) < keys / 10, f"{len(computed)} of {keys} reads computed"
    kinds = {key.partition(":")[0] for key in computed}
    assert "sitemap:" not in computed, "a claim's words are on no page's address or date"
    statuses = [key for key in computed if key.startswith("status-claims:")]
    assert len(statuses) <= 1, f"only the page of its status that lists the claim: {statuses}"
    assert "claim" in kinds


def test_data_json_is_the_export_one_record_per_line(base) -> None:
    from digest.render.export import export_graph
    from digest.render.publish import _json

    assert base.outputs["data.json"] == _json({"data": export_graph(base.graph)})
    assert json.loads(base.outputs["data.json"]) == export_graph(base.graph)


def test_a_session_writes_data_json_again_computing_only_the_records_an_edit_changed(session: SiteBuilder, monkeypatch: pytest.MonkeyPatch) -> None:
    with put_back(session) as site:
        EDITS["claim text"](site)
        assert session.build().ok  # the first build may have rendered in worker processes: this one computes every record
        made: list[str] = []
        for name in ("article_record", "person_record", "claim_record", "event_record"):
            original = getattr(site_reads, name)
            monkeypatch.setattr(site_reads, name, lambda graph, entity_id, original=original, name=name: made.append(name) or original(graph, entity_id))
        monkeypatch.delenv("DIGEST_CHECK_SCOPES")  # the check computes every carried record: count what a real session does
        replace_first(sidecar(site), r'^(    text: ")', r"\1Again, ")
        rebuild = session.build()
        monkeypatch.undo()
        assert "data.json" in rebuild.rendered
        assert made == ["claim_record"]
        assert (session.output / "data.json").read_bytes() == render_site(site).outputs["data.json"]


def test_the_first_save_of_a_session_digests_only_what_it_changed(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session's first build remembers the topic digests by entity (`Rendering.session`), as later builds
    do: a claim edit right after it digests that claim, not every claim's place again (a changed claim
    changes the list of all their places, whose digest is made of each member's)."""
    from digest.views import topics

    site = tmp_path / "site"
    shutil.copytree(generated, site)
    builder = SiteBuilder(site, tmp_path / "out", search=False)
    assert builder.build().ok
    made: list[object] = []
    original = topics.digest_value
    monkeypatch.setattr(topics, "digest_value", lambda value: made.append(value) or original(value))
    monkeypatch.delenv("DIGEST_CHECK_SCOPES")  # the check digests every topic afresh: count what a real session does
    claims = len(render_source(site).graph.claims)
    EDITS["claim text"](site)
    assert builder.build().ok
    assert 0 < len(made) < claims / 5, f"{len(made)} digests made for a claim edit, of {claims} claims"


WHOLE_SITE_CHECKED = "person name"
"""The edit after which the made-again test renders the whole site clean; after the others, only the pages
whose reads' scopes the edits changed (`clean_pages`)."""


def clean_pages(site: Path, base, whole: bool) -> dict[str, bytes]:
    """Every file of a clean build of ``site``: with ``whole``, all rendered; else only the pages the edits
    can change rendered, from a freshly loaded and linked graph (no session's caches, digests or carried
    values), and the others taken from the unedited site's clean build. Which pages can change is worked out
    against that build's record by scopes digested afresh, and the suite's ``DIGEST_CHECK_SCOPES`` computes
    every read so kept on the new graph and fails if one changed: kept pages are what a clean build makes as
    long as a page is made of the reads it records, which the whole-site check (and test_incremental) test."""
    if whole:
        return render_site(site).outputs
    fresh = render_site(site, previous=base.state)
    return {path: fresh.outputs[path] if path in fresh.outputs else base.outputs[path] for path in fresh.state.outputs}


@pytest.mark.slow  # two builds of a 150-article site and putting it back, for each of 17 edits: past the unit tier's minute
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_session_digests_only_the_topics_of_what_link_made_again(session: SiteBuilder, base, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    """A save digests the topics of the entities link made again and carries every other digest from the last
    build, and works out the scopes of the reads it computed again only; the suite's ``DIGEST_CHECK_SCOPES``
    digests every topic afresh and compares (`topics._verify_carried`), and the site equals a clean build's,
    after the edit and after a claim edit that follows it (digests carried from carried digests)."""
    checks: list[ScopeCheck] = []
    scoped: list[str] = []
    original, original_scope = ScopeCheck.__init__, ScopeCheck.scope
    assert session.state is not None
    recorded, reads_made = len(session.state.topics), len(session.state.fingerprints)
    with put_back(session) as site:
        monkeypatch.setattr(ScopeCheck, "__init__", lambda self, *args: original(self, *args) or checks.append(self))
        monkeypatch.setattr(ScopeCheck, "scope", lambda self, key: scoped.append(key) or original_scope(self, key))
        for number, change in enumerate((EDITS[edit], EDITS["claim text"])):
            change(site)
            checks.clear()
            scoped.clear()
            before = set(session.state.fingerprints)
            assert session.build().ok
            assert checks, "an incremental build checks the scopes"
            digested, computed = checks[-1].digested, checks[-1].stale | (set(session.state.fingerprints) - before)
            if number == 1 or edit in ("claim text", "claim status", "claim about", "event title", "nothing"):  # one article's entities
                assert digested < 60, f"{digested} of {recorded} topics digested"
                assert set(scoped) <= computed, "only the reads computed again have their scope worked out"
                assert len(scoped) < reads_made / 5, f"the scopes of {len(scoped)} of {reads_made} reads worked out"
            if edit in ("article title", "seed text", "seed names a person"):  # and the mention lists link made again
                assert digested < recorded / 5, f"{digested} of {recorded} topics digested"
            if number == 0 and edit in ("site title", "person name", "person role", "new person"):  # the site or the people changed
                assert digested == recorded
        monkeypatch.undo()
        # Once, after both: a page the first edit got wrong stays wrong unless the second renders it right.
        clean = clean_pages(site, base, whole=edit == WHOLE_SITE_CHECKED)
        written = {path.relative_to(session.output).as_posix(): path.read_bytes() for path in session.output.rglob("*") if path.is_file()}
        assert {path: written.get(path) for path in clean} == clean


def _built_with_saved_state(generated: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the generated site (search off) built by `build_site` and its state saved, as `digest build` does."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import save_state

    site, output = tmp_path / "site", tmp_path / "out"
    shutil.copytree(generated, site)
    append(site / "content/site.yaml", "search: false\n")
    caches = Caches()
    assert save_state(site, output, build_site(site, output, caches=caches).state, caches, "code") is not None
    return site, output


@pytest.mark.parametrize("edit", [
    "claim text", *(pytest.param(edit, marks=pytest.mark.slow) for edit in ("event title", "seed text", "outlet", "person role", "new article")),
])
def test_a_new_process_digests_only_the_topics_of_what_link_made_again(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    """`digest build` after an edit carries the saved topic digests as a session does (`build._saved_topics_basis`:
    the saved link memory is the graph they were digested from): it digests the topics of what link made again
    and works out the scopes of the reads it computed again only. The suite's ``DIGEST_CHECK_SCOPES`` digests
    every topic afresh and compares (`topics._verify_carried`), and the site equals a clean build's."""
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import load_state

    site, output = _built_with_saved_state(generated, tmp_path)
    EDITS[edit](site)
    loaded = load_state(site, output, "code").saved
    assert loaded is not None
    recorded, reads_made = len(loaded.state.topics), len(loaded.state.fingerprints)
    checks: list[ScopeCheck] = []
    scoped: list[str] = []
    original, original_scope = ScopeCheck.__init__, ScopeCheck.scope
    monkeypatch.setattr(ScopeCheck, "__init__", lambda self, *args: original(self, *args) or checks.append(self))
    monkeypatch.setattr(ScopeCheck, "scope", lambda self, key: scoped.append(key) or original_scope(self, key))
    result = build_site(site, output, previous=loaded.state, caches=loaded.caches, live=loaded.output)
    monkeypatch.undo()
    [check] = checks
    if edit in ("person role", "outlet"):  # the people changed, or the outlets (a new one): every topic is digested
        assert not check.carried and check.digested == recorded
    else:
        assert check.carried
        assert check.digested < recorded / 5, f"{check.digested} of {recorded} topics digested"
    if edit in ("claim text", "event title"):  # one article's entities
        assert check.digested < 60, f"{check.digested} of {recorded} topics digested"
        assert len(scoped) < reads_made / 5, f"the scopes of {len(scoped)} of {reads_made} reads worked out"
    if result.report is not None and result.report.removal is not None:
        result.report.removal.wait()
    clean = render_site(site)
    written = {path.relative_to(output).as_posix(): path.read_bytes() for path in output.rglob("*") if path.is_file()}
    assert {path: written.get(path) for path in clean.outputs} == clean.outputs
