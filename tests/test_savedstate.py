"""`digest build` from the state the last build saved: what it renders, and that it equals a clean build.

Each kind of edit is made between two runs of `digest build` into the same
output; the second run must render only what the edit affects and leave
exactly the bytes of a clean build. A saved state that is missing, damaged,
from another version or made for an output changed since is ignored with
one note, and the build is still right.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from digest.pipeline.savedstate import state_path
from digest.pipeline.statefile import FORMAT

from conftest import copy_site, read_tree, run_cli
from test_incremental import CHANGES, EXPECTED_RENDERED, PLAIN, clean_build, edit

pytestmark = pytest.mark.slow

SUMMARY = re.compile(r"built (\d+) pages \((\d+) rendered; (\d+) files written, (\d+) unchanged, (\d+) removed\)")

EDITS = {
    **CHANGES,
    "static": lambda s: (s / "content/static/extra.txt").write_text("changed static file\n"),
}


def build(site: Path, output: Path) -> tuple[int, str]:
    """Run `digest build`; (pages rendered, what it printed on stderr)."""
    result = run_cli("build", "--source", site, "--output", output)
    assert result.code == 0, result.err
    summary = SUMMARY.search(result.out)
    assert summary, result.out
    return int(summary.group(2)), result.err


@pytest.mark.parametrize("change", sorted(EDITS))
def test_a_build_after_an_edit_renders_what_it_affects_and_equals_a_clean_build(change, tmp_path):
    site = copy_site("basic", tmp_path)
    first, _ = build(site, tmp_path / "site")
    EDITS[change](site)
    rendered, notes = build(site, tmp_path / "site")
    assert notes == "", "the saved state was used"
    assert read_tree(tmp_path / "site") == clean_build(site, tmp_path / "clean")
    if change in ("site", "stylesheet"):
        assert rendered == first, "every page shows the title and links the stylesheet"
    elif change == "static":
        assert rendered == 0
    else:
        assert 0 < rendered < first, "only what the edit affects is rendered again"


def test_a_seed_edit_renders_its_article_page_alone(tmp_path):
    site = copy_site("basic", tmp_path)
    build(site, tmp_path / "site")
    CHANGES["seed"](site)
    result = run_cli("build", "--source", site, "--output", tmp_path / "site")
    assert SUMMARY.search(result.out).group(2) == str(len(EXPECTED_RENDERED["seed"]))
    assert "not useful either, he added." in (tmp_path / "site" / PLAIN).read_text()


def test_unchanged_pages_are_taken_from_the_old_site_not_rewritten(tmp_path):
    site = copy_site("basic", tmp_path)
    build(site, tmp_path / "site")
    pages = sorted((tmp_path / "site").rglob("*.html"))
    inodes = {page: page.stat().st_ino for page in pages}
    CHANGES["seed"](site)
    build(site, tmp_path / "site")
    moved = [page.relative_to(tmp_path / "site").as_posix() for page in pages if page.stat().st_ino != inodes[page]]
    assert moved == [PLAIN]


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))


def _other_version(path: Path) -> None:
    header, _, payload = path.read_bytes().partition(b"\n")
    fields = header.split(b" ")
    fields[1] = b"0" * len(fields[1])
    path.write_bytes(b" ".join(fields) + b"\n" + payload)


def _other_format(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(FORMAT.encode(), b"digest-state/0", 1))


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffnot a state at all")


BREAKAGES = {
    "truncated": (_truncate, "damaged"),
    "corrupt": (_flip_a_byte, "damaged"),
    "other-version": (_other_version, "another version"),
    "other-format": (_other_format, "another version"),
    "garbage": (_garbage, "another version"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_saved_state_is_ignored_with_one_note(breakage, tmp_path):
    site = copy_site("basic", tmp_path)
    first, _ = build(site, tmp_path / "site")
    damage, why = BREAKAGES[breakage]
    damage(state_path(site, tmp_path / "site"))
    CHANGES["sidecar"](site)
    rendered, notes = build(site, tmp_path / "site")
    [note] = notes.splitlines()
    assert note.startswith("note: the saved build state .digest-cache/state-") and why in note and note.endswith("; building everything")
    assert rendered == first
    assert read_tree(tmp_path / "site") == clean_build(site, tmp_path / "clean")


def test_an_output_restored_with_other_times_is_trusted_while_its_bytes_are_the_same(tmp_path):
    """A CI cache restores the old site with coarser modification times: its files are read and compared."""
    site = copy_site("basic", tmp_path)
    build(site, tmp_path / "site")
    for path in (tmp_path / "site").rglob("*"):
        if path.is_file():
            os.utime(path, (1_600_000_000, 1_600_000_000))
    CHANGES["seed"](site)
    rendered, notes = build(site, tmp_path / "site")
    assert notes == "" and rendered == len(EXPECTED_RENDERED["seed"])
    assert read_tree(tmp_path / "site") == clean_build(site, tmp_path / "clean")


def test_a_save_stats_the_files_the_build_wrote_and_a_load_reads_an_output_file_once(tmp_path, monkeypatch):
    """The stats saved with the state cost the edit: a file that holds what the last load found it holding
    keeps the stat seen then. An output file whose time moved is read and compared once; the stat it has
    then is saved, so the build after does not read it again."""
    from digest.caches import Caches
    from digest.pipeline import savedstate
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import load_state, save_state

    site, output = _site_of_copies(tmp_path, 4), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    for path in output.rglob("*"):
        if path.is_file():
            os.utime(path, (1_600_000_000, 1_600_000_000))
    reads, stats = [], []
    real_digest, real_stat = savedstate.digest_bytes, os.stat
    monkeypatch.setattr(savedstate, "digest_bytes", lambda data: reads.append(data) or real_digest(data))
    for number in (1, 2):
        reads.clear()
        loaded = load_state(site, output, "code").saved
        assert loaded is not None
        if number == 1:
            assert len(reads) == len(loaded.state.outputs), "every file's time moved: each is read and compared"
        else:
            assert reads == [], "the stats seen after comparing them were saved"
        _append_to_seed(site, number)
        result = build_site(site, output, previous=loaded.state, caches=loaded.caches)
        changed = {rel for rel, digest in result.state.outputs.items() if loaded.state.outputs.get(rel) != digest}
        stats.clear()
        monkeypatch.setattr(savedstate.os, "stat", lambda path, *a, **k: stats.append(path) or real_stat(path, *a, **k))
        try:
            save_state(site, output, result.state, loaded.caches, "code", loaded)
        finally:
            monkeypatch.setattr(savedstate.os, "stat", real_stat)
        under = [path for path in stats if str(path).startswith(str(output) + os.sep)]
        assert 0 < len(changed) < len(result.state.outputs) / 2
        assert {os.path.relpath(path, output) for path in under} == changed and len(under) == len(changed)
    assert read_tree(output) == clean_build(site, tmp_path / "clean")


def test_an_output_changed_by_hand_is_not_trusted(tmp_path):
    site = copy_site("basic", tmp_path)
    first, _ = build(site, tmp_path / "site")
    (tmp_path / "site" / PLAIN).write_text("edited by hand")
    CHANGES["sidecar"](site)
    rendered, notes = build(site, tmp_path / "site")
    assert "the output folder changed since that build" in notes
    assert rendered == first
    assert read_tree(tmp_path / "site") == clean_build(site, tmp_path / "clean")


def test_no_note_for_a_first_build_or_a_new_output(tmp_path):
    site = copy_site("basic", tmp_path)
    assert build(site, tmp_path / "one")[1] == ""
    build(site, tmp_path / "two")
    import shutil

    shutil.rmtree(tmp_path / "two")
    CHANGES["sidecar"](site)
    assert build(site, tmp_path / "two")[1] == ""


def test_records_of_outputs_that_are_gone_are_removed(tmp_path):
    """Builds into passing folders (a CI job's, a test's) must not pile up saved states."""
    import shutil

    from digest.pipeline.buildcache import CACHE_FOLDER, record_key

    site = copy_site("basic", tmp_path)
    build(site, tmp_path / "passing")
    assert state_path(site, tmp_path / "passing").is_file()
    shutil.rmtree(tmp_path / "passing")
    build(site, tmp_path / "site")
    cache = site / CACHE_FOLDER
    assert not (cache / f"build-{record_key(tmp_path / 'passing')}.json").exists()
    assert not state_path(site, tmp_path / "passing").exists()
    assert state_path(site, tmp_path / "site").is_file(), "the output that exists keeps its state"


def _a_page(output: Path) -> Path:
    return output / PLAIN


def _a_shard_file(output: Path) -> Path:
    from digest.search.index import BUNDLE, shard_of

    return next(path for path in sorted((output / BUNDLE).rglob("*")) if path.is_file() and shard_of(path.relative_to(output).as_posix()))


def _a_shared_index_file(output: Path) -> Path:
    from digest.search.index import BUNDLE, MANIFEST, shard_of

    return next(
        path for path in sorted((output / BUNDLE).rglob("*"))
        if path.is_file() and shard_of(rel := path.relative_to(output).as_posix()) is None and rel != MANIFEST
    )


@pytest.mark.parametrize("gone", [_a_page, _a_shard_file, _a_shared_index_file], ids=["page", "shard-file", "shared-index-file"])
def test_a_file_deleted_from_the_output_is_made_again(gone, tmp_path):
    """The saved state forgets what is no longer on disk, so the build never has to look at the old site to decide."""
    site = copy_site("basic", tmp_path)
    build(site, tmp_path / "site")
    victim = gone(tmp_path / "site")
    victim.unlink()
    rendered, notes = build(site, tmp_path / "site")
    assert notes == ""
    assert victim.is_file()
    assert read_tree(tmp_path / "site") == clean_build(site, tmp_path / "clean")
    assert rendered == (1 if gone is _a_page else 0)


def test_the_state_is_written_as_it_is_pickled_not_held_whole_in_memory(tmp_path):
    """A big site's state is hundreds of megabytes: saving it must not hold a second copy as bytes."""
    import tracemalloc

    from digest.caches import Caches
    from digest.pipeline.buildstate import BuildState
    from digest.pipeline.savedstate import load_state, save_state

    output = tmp_path / "out"
    output.mkdir()
    state = BuildState(search_inputs=os.urandom(10_000_000))  # stands in for a big site's records
    tracemalloc.start()
    try:
        save_state(tmp_path, output, state, Caches(), "code")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state_path(tmp_path, output).stat().st_size > 10_000_000
    assert peak < 3_000_000, f"saving held {peak:,} bytes at once"
    loaded = load_state(tmp_path, output, "code")
    assert loaded.note is None and loaded.saved is not None and loaded.saved.state.search_inputs == state.search_inputs


def _site_of_copies(tmp_path: Path, copies: int) -> Path:
    """The basic site with its plain article copied ``copies`` times (same claims: they merge).

    Its files are dated a minute back, as files are that were not saved just
    before a build: a file modified just before a build reads it is read again
    by the next one too (`load.RACY_NANOSECONDS`)."""
    site = copy_site("basic", tmp_path)
    for number in range(copies):
        (site / f"seeds/copy-{number}.txt").write_text((site / "seeds/plain-one.txt").read_text(encoding="utf-8"), encoding="utf-8")
        sidecar = (site / "content/articles/plain-one.yaml").read_text(encoding="utf-8")
        (site / f"content/articles/copy-{number}.yaml").write_text(f"slug: copy-{number}\n{sidecar}", encoding="utf-8")
    backdate(site)
    return site


def backdate(where: Path, seconds: int = 60) -> None:
    """Set the modification time of a file, or every file in a folder, ``seconds`` back."""
    for path in [where, *where.rglob("*")]:
        if path.is_file():
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 1_000_000_000))


def _append_to_seed(site: Path, number: int) -> None:
    seed = site / f"seeds/copy-{number}.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + f"\n\nA paragraph added by edit {number}.\n", encoding="utf-8")
    backdate(seed)  # the edit is read as one; the build after the next edit need not read it again


def test_a_save_after_an_edit_pickles_what_the_edit_touched_and_keeps_the_rest(tmp_path):
    """Saving must cost the edit, not the site: the records of untouched articles, and the build state's
    tables the edit did not change, are neither pickled nor written again (appended: `statefile.py`)."""
    from digest.caches import Caches
    from digest.pipeline import savedstate
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import (
        LINK_ORDER,
        MEMO_PREFIX,
        MERGED_PREFIX,
        MERGED_SHARDS,
        RECORD_PREFIX,
        WHERE_PREFIX,
        _shard,
        load_state,
        save_state,
    )

    site, output = _site_of_copies(tmp_path, 8), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    counts = []
    for number in (1, 2, 3):  # the first rebuild also remembers digests of what kept pages read: every article's segment grows once
        loaded = load_state(site, output, "code").saved
        assert loaded is not None
        _append_to_seed(site, number)
        result = build_site(site, output, previous=loaded.state, caches=loaded.caches)
        written = save_state(site, output, result.state, loaded.caches, "code", loaded)
        assert written is not None
        counts.append((written.segments, written.reused))
    articles = len(list((site / "seeds").iterdir()))
    pickled, copied = counts[-1]
    assert copied >= articles - 1, counts
    shards = {_shard(key) for key, _, _ in loaded.caches.link.articles["copy-3"].entries}
    assert len(shards) < MERGED_SHARDS
    again = load_state(site, output, "code").saved
    assert again is not None and again.caches.link is not None, "the appended state reads back whole"
    assert all(getattr(again.state, field.name) == getattr(result.state, field.name) for field in dataclasses.fields(result.state))
    rewritten = {name for name, place in again.origin.placed.items() if loaded.origin.placed.get(name) != place}
    assert len(rewritten) == pickled
    may_change = {"article copy-3", "body copy-3", RECORD_PREFIX + "copy-3", MEMO_PREFIX + "article copy-3", LINK_ORDER,
                  *(f"{prefix}{shard:02x}" for shard in shards for prefix in (MERGED_PREFIX, WHERE_PREFIX))}
    state, prefix = savedstate.STATE_SEGMENT, savedstate.STATE_PREFIX
    state_tables = {name for name in rewritten if name == state or name.startswith(prefix)}
    assert len(rewritten - may_change - state_tables) <= 2, f"at most two shared tables pickled again beside the edited article's: {rewritten}"
    assert state_tables <= {state, *(prefix + table for table in ("fingerprints", "topics", "outputs", "search_pages"))}, (
        "what every page read, and the reads' scopes, are the same after an edit to an article's text: kept"
    )
    assert not written.whole, "appended to the file it was loaded from"
    assert written.bytes < loaded.origin.live / 4, f"wrote {written.bytes:,} bytes of a {loaded.origin.live:,}-byte state"
    assert state_path(site, output).stat().st_size == again.origin.end, "nothing but the segments pickled, an index and the header"
    again.origin.close()


def test_objects_an_article_s_records_share_are_shared_again_once_loaded(tmp_path):
    """The quote and name caches are keyed by the identity of the parsed seed: a load must keep them hits,
    and an article's memos, read when asked for, must find the very objects of its link and its files."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import load_state, save_state

    site, output = copy_site("basic", tmp_path), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    loaded = load_state(site, output, "code").saved
    assert loaded is not None
    assert loaded.caches.seeds == {}, "an article's memos are read when asked for, not before"
    links = loaded.caches.saved_link.articles
    for stem in links:
        loaded.caches.restore_article(stem)
    texts = [text for _, text in loaded.caches.seeds.values()]
    assert len(texts) == 2
    assert {id(text) for text in texts} == {id(linked.article.text) for linked in links.values()}, "the memo names the link's parsed text"
    records = {key[1]: made for key, (_, made, _, _) in loaded.caches.files.items() if key[1].startswith("content/articles/")}
    assert {id(record) for record, _ in loaded.caches.parsed.values() if record is not None} >= {id(r) for r in records.values()}

    for text in texts:
        loaded.caches.names_in_text.get((text,), next(key for _, key, _ in loaded.caches.names_in_text.__getstate__()[1]), lambda: None)
    loaded.origin.close()


def _edit_sidecar(site: Path) -> None:
    path = site / "content/articles/copy-3.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("outlet: Outlet One", "outlet: Outlet Three"), encoding="utf-8")


def _edit_seed(site: Path) -> None:
    _append_to_seed(site, 3)


def _edit_person_role(site: Path) -> None:
    path = site / "content/people/sean-obrien.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("role: Spokesperson", "role: Press secretary"), encoding="utf-8")


def _edit_person_alias(site: Path) -> None:
    """A spelling removed: the articles that hold it (plain-one and its copies, not markdown-two) are linked again."""
    path = site / "content/people/sean-obrien.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("aliases: [O'Brien]", "aliases: []"), encoding="utf-8")


ONE_EDIT = {
    "sidecar": (_edit_sidecar, {"copy-3"}),
    "seed": (_edit_seed, {"copy-3"}),
    "person-role": (_edit_person_role, set()),
    "person-alias": (_edit_person_alias, {"plain-one", *(f"copy-{number}" for number in range(8))}),
}
"""An edit -> the articles it must link again (and no other)."""


@pytest.mark.parametrize("change", sorted(ONE_EDIT))
def test_a_build_after_one_edit_reads_links_and_digests_what_the_edit_touched(change, tmp_path, monkeypatch):
    """`digest build` after an edit costs the edit: the memos of the articles it touched are read, those
    articles alone are linked again and have their topics digested, and only the claims and events they
    carry are merged again and digested; every other article's link, records and topic digests, and every
    other merged entity, are the saved ones. The site is still the clean build's."""
    from digest.caches import Caches
    from digest.graph import link
    from digest.graph.model import Article, Claim, Event
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import MEMO_PREFIX, load_state, save_state
    from digest.views import topics

    site, output = _site_of_copies(tmp_path, 8), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    edit, expected = ONE_EDIT[change]
    edit(site)
    backdate(site / "content/people/sean-obrien.yaml")  # the person file edited is read again anyway: its stat changed
    linked, digested, merged, digested_entities = [], [], [], []
    real_link, real_digest, real_merge = link._link_article, topics.digest_value, link.merge_entity

    def counting_link(seed, *args, **kwargs):
        linked.append(seed.stem)
        return real_link(seed, *args, **kwargs)

    def counting_digest(value):
        if isinstance(value, Article):
            digested.append(value.stem)
        elif isinstance(value, Claim | Event):
            digested_entities.append(("claim" if isinstance(value, Claim) else "event", value.id))
        return real_digest(value)

    def counting_merge(kind, entity_id, *args, **kwargs):
        merged.append((kind, entity_id))
        return real_merge(kind, entity_id, *args, **kwargs)

    monkeypatch.setattr(link, "_link_article", counting_link)
    monkeypatch.setattr(link, "merge_entity", counting_merge)
    monkeypatch.setattr(topics, "digest_value", counting_digest)
    loaded = load_state(site, output, "code").saved
    assert loaded is not None
    assert not any(name.startswith(MEMO_PREFIX) for name in loaded.origin.decoded), "no memo is read before the build asks"
    carried = {key for stem in expected for key, _, _ in loaded.caches.saved_link.articles[stem].entries}
    result = build_site(site, output, previous=loaded.state, caches=loaded.caches)
    every_entity = set(loaded.caches.link.entities)
    assert set(linked) == expected and len(linked) == len(expected)
    assert {name.removeprefix(MEMO_PREFIX + "article ") for name in loaded.origin.decoded if name.startswith(MEMO_PREFIX)} <= expected
    assert set(digested) == expected
    assert set(merged) == carried and len(merged) == len(carried), "only the claims and events of the articles linked again"
    assert set(digested_entities) <= carried and len(digested_entities) == len(set(digested_entities))
    assert carried < every_entity or not expected
    written = save_state(site, output, result.state, loaded.caches, "code", loaded)
    assert written is not None and written.dropped == 0
    monkeypatch.undo()
    assert read_tree(output) == clean_build(site, tmp_path / "clean")


def _damage_segment(path: Path, name: str) -> None:
    """Flip a byte in the middle of one segment of a state file (its checksum then fails)."""
    from digest.pipeline.statefile import open_state

    code = path.read_bytes().split(b" ", 2)[1].decode()
    with open(path, "rb") as stream:
        place = open_state(stream, code).placed[name]
    data = bytearray(path.read_bytes())
    data[place.offset + place.length // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("edited", ["copy-3", "copy-5"], ids=["its-article-edited", "another-article-edited"])
def test_a_damaged_memo_segment_is_made_again_from_the_sources(edited, tmp_path):
    """A memo segment is read, and its checksum checked, only when the build asks for it; found damaged
    then, it is as if it had never been saved: the article is linked from its files, the site is the
    clean build's, and the next state leaves the damaged bytes out."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import MEMO_PREFIX, load_state, save_state

    site, output = _site_of_copies(tmp_path, 8), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    _damage_segment(state_path(site, output), MEMO_PREFIX + "article copy-3")
    _append_to_seed(site, int(edited.removeprefix("copy-")))
    loaded = load_state(site, output, "code")
    assert loaded.note is None and loaded.saved is not None, "the damage is in a segment not read yet"
    result = build_site(site, output, previous=loaded.saved.state, caches=loaded.saved.caches)
    written = save_state(site, output, result.state, loaded.saved.caches, "code", loaded.saved)
    assert written is not None
    assert read_tree(output) == clean_build(site, tmp_path / "clean")
    again = load_state(site, output, "code").saved
    assert again is not None
    for stem in ("copy-3", "copy-5"):
        again.caches.restore_article(stem)
    damaged_unread = {MEMO_PREFIX + "article copy-3"} if edited != "copy-3" else set()
    assert again.caches.restore.failed == damaged_unread, (  # type: ignore[union-attr]
        "the memo found damaged is left out; one no build read stays where it was (an appending save does not read it), found damaged when read"
    )
    again.origin.close()


def test_a_build_after_a_damaged_memo_segment_equals_a_clean_build(tmp_path):
    """The same through `digest build`: no note (nothing the editor need know), the right site."""
    from digest.pipeline.savedstate import MEMO_PREFIX

    site = copy_site("basic", tmp_path)
    build(site, tmp_path / "site")
    _damage_segment(state_path(site, tmp_path / "site"), MEMO_PREFIX + "article plain-one")
    CHANGES["sidecar"](site)
    _, notes = build(site, tmp_path / "site")
    assert notes == ""
    assert read_tree(tmp_path / "site") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("damaged", ["merged", "order"])
def test_a_damaged_merged_segment_means_merging_every_entity_again(damaged, tmp_path):
    """The merged claims and events are derived data: a damaged segment of them (found while loading) is
    as if none was saved. The link merges every entity from the articles' results, the site is the clean
    build's, and the next save writes them whole again."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import LINK_ORDER, MERGED_PREFIX, load_state, save_state

    site, output = _site_of_copies(tmp_path, 4), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    loaded = load_state(site, output, "code").saved
    assert loaded is not None and loaded.caches.link is not None
    names = [name for name in loaded.origin.placed if name.startswith(MERGED_PREFIX)] if damaged == "merged" else [LINK_ORDER]
    loaded.origin.close()
    _damage_segment(state_path(site, output), names[0])
    _edit_sidecar(site)
    loaded_now = load_state(site, output, "code")
    assert loaded_now.note is None and loaded_now.saved is not None
    assert loaded_now.saved.caches.link is None, "no memory of the last link: it is merged afresh"
    result = build_site(site, output, previous=loaded_now.saved.state, caches=loaded_now.saved.caches)
    assert save_state(site, output, result.state, loaded_now.saved.caches, "code", loaded_now.saved) is not None
    assert read_tree(output) == clean_build(site, tmp_path / "clean")
    again = load_state(site, output, "code").saved
    assert again is not None and again.caches.link is not None, "saved whole again"
    again.origin.close()


def _articles_of(saved) -> list:
    return [linked.article for linked in saved.caches.saved_link.articles.values() if linked.article is not None]


def test_articles_are_loaded_without_their_bodies_and_a_build_that_renders_them_equals_a_clean_build(tmp_path, monkeypatch):
    """A load reads every article's head, not its body (its text, names, passages, versions: `hollow.py`);
    a build that renders every article page again without linking any (a site title edited) reads each
    body then, and its site is the clean build's, byte for byte; so is the next one's, from what it saved."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.pipeline.hollow import is_hollow
    from digest.pipeline.savedstate import BODY_PREFIX, load_state, save_state

    site, output = _site_of_copies(tmp_path, 4), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    loaded = load_state(site, output, "code").saved
    assert loaded is not None
    articles = _articles_of(loaded)
    assert len(articles) == 6 and all(is_hollow(article) for article in articles)
    assert not any(name.startswith(BODY_PREFIX) for name in loaded.origin.decoded), "no body unpickled by the load"
    assert sorted(article.title for article in articles) == sorted(linked.article.title for linked in caches.link.articles.values() if linked.article)
    named = {stem: linked.article.named for stem, linked in caches.link.articles.items() if linked.article}
    assert {article.stem: article.named for article in articles} == named and "jake-sullivan" in named["copy-0"]
    assert all(is_hollow(article) for article in articles), "the head (who it names too) is read without the body"
    CHANGES["site"](site)
    monkeypatch.delenv("DIGEST_CHECK_SCOPES")  # it reads every kept read, so every body: let the render read them
    result = build_site(site, output, previous=loaded.state, caches=loaded.caches)
    monkeypatch.undo()
    assert not any(is_hollow(article) for article in articles), "every article page rendered again: every body read"
    assert {id(linked.article) for linked in loaded.caches.link.articles.values()} == {id(article) for article in articles}, "none linked again"
    assert save_state(site, output, result.state, loaded.caches, "code", loaded) is not None
    assert read_tree(output) == clean_build(site, tmp_path / "clean")
    _append_to_seed(site, 2)
    again = load_state(site, output, "code").saved
    assert again is not None
    result = build_site(site, output, previous=again.state, caches=again.caches)
    assert save_state(site, output, result.state, again.caches, "code", again) is not None
    assert read_tree(output) == clean_build(site, tmp_path / "clean-2")


@pytest.mark.parametrize("when", ["after-load", "before-load"])
@pytest.mark.parametrize("kind", ["body", "record"])
def test_a_body_or_record_damaged_on_disk_never_gives_a_wrong_site(kind, when, tmp_path):
    """A body (or record) segment is checked when the state is loaded and its bytes are kept: damaged after the
    load (before the build reads it), the build still uses the saved one, as a clean build would; damaged before
    the load, the state is not used (one note) and the build is a clean one."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.pipeline.savedstate import BODY_PREFIX, RECORD_PREFIX, load_state, save_state

    site, output = _site_of_copies(tmp_path, 4), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    segment = (BODY_PREFIX if kind == "body" else RECORD_PREFIX) + "copy-3"
    if when == "before-load":
        _damage_segment(state_path(site, output), segment)
    loaded = load_state(site, output, "code")
    if when == "before-load":
        assert loaded.saved is None and loaded.note is not None and "damaged" in loaded.note and "\n" not in loaded.note
        return
    assert loaded.saved is not None
    _damage_segment(state_path(site, output), segment)
    if kind == "body":
        CHANGES["site"](site)  # every article page rendered again: copy-3's body read
    else:
        _append_to_seed(site, 3)  # copy-3 linked again with the record it had: its fields read
    result = build_site(site, output, previous=loaded.saved.state, caches=loaded.saved.caches)
    assert read_tree(output) == clean_build(site, tmp_path / "clean")
    assert save_state(site, output, result.state, loaded.saved.caches, "code", loaded.saved) is not None
    again = load_state(site, output, "code")
    assert again.saved is not None, "the save wrote the body again (it was read): the state is whole"
    again.saved.origin.close()


@pytest.mark.parametrize(("whole", "bodies_read"), [(False, False), (True, False), (False, True)], ids=["appended", "compacted", "bodies-read"])
def test_a_save_keeps_untouched_articles_without_making_their_rows(whole, bodies_read, tmp_path, monkeypatch):
    """Saving after one article's edit neither makes nor compares the rows of the others (`_unchanged_articles`):
    their bodies stay unread and their segments are kept as they are, where they are or copied into a whole
    new file (held bodies copied as checked at load); a body the build read (the scope check reads them all)
    is kept where it is too, compared alone. The state then reads back and builds right."""
    from digest.caches import Caches
    from digest.pipeline import savedstate
    from digest.pipeline.build import build_site
    from digest.pipeline.hollow import is_hollow
    from digest.pipeline.savedstate import BODY_PREFIX, load_state, save_state

    site, output = _site_of_copies(tmp_path, 6), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    loaded = load_state(site, output, "code").saved
    assert loaded is not None
    _append_to_seed(site, 3)
    if not bodies_read:
        monkeypatch.delenv("DIGEST_CHECK_SCOPES")  # it reads every kept read, so every body: build as `digest build` does
    result = build_site(site, output, previous=loaded.state, caches=loaded.caches)
    articles = loaded.caches.link.articles
    untouched = [stem for stem, linked in articles.items() if stem != "copy-3" and linked.article is not None]
    assert len(untouched) == 7
    assert all(is_hollow(articles[stem].article) != bodies_read for stem in untouched), "the edit renders no other article's page"
    made_rows: list[str] = []
    real_rows = savedstate._rows
    monkeypatch.setattr(savedstate, "_rows", lambda *args: [row for row in real_rows(*args) if made_rows.append(row[0]) or True])
    if whole:  # another file at the path: the save writes a whole new one, copying what it keeps
        path = state_path(site, output)
        path.with_name("moved").write_bytes(path.read_bytes())
        path.with_name("moved").replace(path)
    written = save_state(site, output, result.state, loaded.caches, "code", loaded)
    assert written is not None and written.whole is whole and written.dropped == 0
    assert all(is_hollow(articles[stem].article) != bodies_read for stem in untouched), "the save read no body of an untouched article"
    assert made_rows.count("link") == 1 and made_rows.count("body") == 1, "rows made of the edited article alone"
    monkeypatch.undo()
    assert read_tree(output) == clean_build(site, tmp_path / "clean")
    again = load_state(site, output, "code").saved
    assert again is not None
    if not whole:
        moved = {name for name, place in again.origin.placed.items() if loaded.origin.placed.get(name) != place}
        assert not moved & {f"article {stem}" for stem in untouched}, moved
        if not bodies_read:
            assert not moved & {BODY_PREFIX + stem for stem in untouched}, moved
        else:  # the first build after a cold one digested every article's text and names (the check): saved with the body
            _append_to_seed(site, 5)
            result = build_site(site, output, previous=again.state, caches=again.caches)
            assert save_state(site, output, result.state, again.caches, "code", again) is not None
            third = load_state(site, output, "code").saved
            assert third is not None
            moved = {name for name, place in third.origin.placed.items() if again.origin.placed.get(name) != place}
            assert not moved & {BODY_PREFIX + stem for stem in untouched if stem != "copy-5"}, "bodies read but unchanged are kept"
            again = third
    _append_to_seed(site, 4)
    CHANGES["site"](site)
    result = build_site(site, output, previous=again.state, caches=again.caches)
    assert save_state(site, output, result.state, again.caches, "code", again) is not None
    assert read_tree(output) == clean_build(site, tmp_path / "clean-2")


def _site_of_own_claims(tmp_path: Path, copies: int) -> Path:
    """`_site_of_copies`, each copy's claims and events with ids of their own (no claim is merged from two copies)."""
    site = _site_of_copies(tmp_path, copies)
    for number in range(copies):
        sidecar = site / f"content/articles/copy-{number}.yaml"
        sidecar.write_text(re.sub(r"- id: ([\w-]+)", rf"- id: \1-{number}", sidecar.read_text(encoding="utf-8")), encoding="utf-8")
    backdate(site)
    return site


def _sidecar_records(saved) -> dict[str, list]:
    """Each article's sidecar record and its entries, as the saved link holds them."""
    return {stem: [linked.record, *(entry for _, entry, _ in linked.entries)]
            for stem, linked in saved.caches.saved_link.articles.items() if linked.record is not None}


@pytest.mark.parametrize("whole", [False, True], ids=["appended", "compacted"])
def test_sidecar_records_are_loaded_hollow_and_an_edit_reads_only_those_it_relinks(whole, tmp_path, monkeypatch):
    """A load makes each sidecar's record and its entries empty objects (`savedstate._Records`); a build after
    one sidecar's edit reads the fields of no other article's records, and its save keeps their record
    segments as they are (where they are, or copied into a whole new file). The state then reads back, its
    records fill on use, and every build equals a clean build."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.pipeline.hollow import is_hollow
    from digest.pipeline.savedstate import RECORD_PREFIX, load_state, save_state

    site, output = _site_of_own_claims(tmp_path, 6), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    loaded = load_state(site, output, "code").saved
    assert loaded is not None
    records = _sidecar_records(loaded)
    assert len(records) == 8 and all(len(records[f"copy-{number}"]) == 5 for number in range(6)), "a record and four entries per copy"
    assert all(is_hollow(record) for listed in records.values() for record in listed)
    assert all(value[1] is records[Path(rel).stem][0] for (_, rel), value in _sidecar_files(loaded.caches).items()), "one object"
    edit(site / "content/articles/copy-2.yaml", "text: The talks were not useful.", "text: The talks were of no use.")
    backdate(site / "content/articles/copy-2.yaml")
    result = build_site(site, output, previous=loaded.state, caches=loaded.caches)
    filled = sorted(stem for stem, listed in records.items() if not any(map(is_hollow, listed)))
    assert filled == ["copy-2"], "only the edited sidecar's records were read (its old ones, when its memo was restored)"
    assert all(all(map(is_hollow, listed)) for stem, listed in records.items() if stem != "copy-2"), "none read in part"
    if whole:
        path = state_path(site, output)
        path.with_name("moved").write_bytes(path.read_bytes())
        path.with_name("moved").replace(path)
    written = save_state(site, output, result.state, loaded.caches, "code", loaded)
    assert written is not None and written.whole is whole
    assert sorted(stem for stem, listed in records.items() if not any(map(is_hollow, listed))) == ["copy-2"], "the save read none"
    assert read_tree(output) == clean_build(site, tmp_path / "clean")
    again = load_state(site, output, "code").saved
    assert again is not None
    if not whole:
        moved = {name for name, place in again.origin.placed.items() if loaded.origin.placed.get(name) != place}
        assert {name for name in moved if name.startswith(RECORD_PREFIX)} == {RECORD_PREFIX + "copy-2"}
    reread = _sidecar_records(again)
    assert reread["copy-2"][1].values["text"] == "The talks were of no use."
    assert all(not is_hollow(record) for record in reread["copy-2"]), "filled together: one segment per sidecar"
    assert all(is_hollow(record) for stem, listed in reread.items() if stem != "copy-2" for record in listed)
    assert reread["copy-4"][0].values["claims"][0] is reread["copy-4"][1], "an entry is the object its record lists"
    edit(site / "content/site.yaml", "title:", "article_text: excerpts\ntitle:")  # every article linked again: every record read
    result = build_site(site, output, previous=again.state, caches=again.caches)
    assert not any(is_hollow(record) for listed in reread.values() for record in listed)
    assert save_state(site, output, result.state, again.caches, "code", again) is not None
    assert read_tree(output) == clean_build(site, tmp_path / "clean-2")


def _sidecar_files(caches) -> dict:
    return {key: value for key, value in caches.files.items() if key[1].startswith("content/articles/")}


def test_where_merged_fields_were_given_is_read_only_for_what_an_edit_checks_again(tmp_path):
    """A load reads each merged claim and event without where its fields were given (`savedstate._Wheres`);
    a build after one sidecar's edit asks it of none of them (it merges and checks again only what the edit
    touched: new objects), the next state keeps the where segments of untouched shards, and a build that checks
    every entity again (a person file gone) reads those its checks ask (every claim's) and equals a clean build."""
    from digest.caches import Caches
    from digest.pipeline.build import build_site
    from digest.pipeline.hollow import is_hollow
    from digest.pipeline.savedstate import WHERE_PREFIX, _shard, load_state, save_state

    site, output = _site_of_own_claims(tmp_path, 4), tmp_path / "site"
    caches = Caches()
    save_state(site, output, build_site(site, output, caches=caches).state, caches, "code")
    loaded = load_state(site, output, "code").saved
    assert loaded is not None
    entities = dict(loaded.caches.link.entities)
    assert len(entities) > 20 and all(is_hollow(merged) for merged in entities.values())
    edit(site / "content/articles/copy-2.yaml", "text: The talks were not useful.", "text: The talks were of no use.")
    backdate(site / "content/articles/copy-2.yaml")
    result = build_site(site, output, previous=loaded.state, caches=loaded.caches)
    now = loaded.caches.link.entities
    touched = {key for key in entities if now.get(key) is not entities[key]}
    assert {key[1] for key in touched} == {"talks-not-useful-2", "no-winter-advance-2", "kyiv-meeting-2", "spokesman-remark-2"}
    assert all(is_hollow(entities[key]) for key in entities.keys() - touched), "no untouched entity was asked where"
    assert save_state(site, output, result.state, loaded.caches, "code", loaded) is not None
    again = load_state(site, output, "code").saved
    assert again is not None
    moved = {name for name, place in again.origin.placed.items() if name.startswith(WHERE_PREFIX) and loaded.origin.placed.get(name) != place}
    assert moved == {f"{WHERE_PREFIX}{_shard(key):02x}" for key in touched}
    assert read_tree(output) == clean_build(site, tmp_path / "clean")
    (site / "content/people/sean-obrien.yaml").unlink()  # the people's ids changed: every entity checked again
    result = build_site(site, output, previous=again.state, caches=again.caches)
    assert not any(is_hollow(merged) for key, merged in again.caches.link.entities.items() if key[0] == "claim"), "a claim's check reads where"
    assert save_state(site, output, result.state, again.caches, "code", again) is not None
    assert read_tree(output) == clean_build(site, tmp_path / "clean-2")
