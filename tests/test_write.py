"""The atomic write: whole-site swaps, reuse of unchanged files, no leftovers."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from digest.errors import MachineFault, OutputError
from digest.pipeline import write
from digest.pipeline.write import OWNER_MARK, OWNER_NOTE, remove_stale_stages, write_site

from conftest import read_tree

MARK = {OWNER_MARK: OWNER_NOTE}


def leftovers(output):
    return [p.name for p in output.parent.iterdir() if ".stage-" in p.name]


def test_first_write_creates_the_site(tmp_path):
    out = tmp_path / "site"
    report = write_site(out, {"index.html": b"home", "a/index.html": b"a"})
    assert read_tree(out) == {"a/index.html": b"a", "index.html": b"home"} | MARK
    assert (report.written, report.unchanged, report.removed) == (2, 0, 0)
    assert leftovers(out) == []
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)


def test_rewrite_replaces_everything_and_reuses_unchanged_files(tmp_path):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"home", "old.html": b"gone", "same/index.html": b"same"})
    inode = (out / "same/index.html").stat().st_ino
    report = write_site(out, {"index.html": b"new home", "same/index.html": b"same"})
    assert read_tree(out) == {"index.html": b"new home", "same/index.html": b"same"} | MARK
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert (out / "same/index.html").stat().st_ino == inode, "unchanged file is hard-linked, not rewritten"
    assert leftovers(out) == []


def test_a_failure_while_staging_leaves_the_old_site(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"old"})

    def explode(stage, output, rel, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write, "_place", explode)
    with pytest.raises(MachineFault, match="no space left"):
        write_site(out, {"index.html": b"new"})
    assert read_tree(out) == {"index.html": b"old"} | MARK
    assert leftovers(out) == []


def test_stale_stages_from_a_killed_build_are_removed(tmp_path):
    out = tmp_path / "site"
    stale = tmp_path / ".site.stage-abc123"
    (stale / "x").mkdir(parents=True)
    unrelated = tmp_path / ".other.stage-abc"
    unrelated.mkdir()
    write_site(out, {"index.html": b"x"})
    assert not stale.exists()
    assert unrelated.exists(), "only this output's stages are touched"
    remove_stale_stages(tmp_path / "missing" / "site")


def test_exchange_is_one_step(tmp_path):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"one"})
    before = os.stat(out).st_ino
    write_site(out, {"index.html": b"two"})
    assert os.stat(out).st_ino != before, "the folder itself was swapped"
    assert (out / "index.html").read_bytes() == b"two"


def test_a_folder_of_someone_elses_is_never_replaced(tmp_path):
    out = tmp_path / "docs"
    (out / "sub").mkdir(parents=True)
    (out / "important.txt").write_bytes(b"mine")
    (out / "sub" / "thesis.tex").write_bytes(b"also mine")
    with pytest.raises(OutputError) as refused:
        write_site(out, {"index.html": b"site"})
    assert "2 files digest did not write (important.txt, sub/thesis.tex)" in refused.value.message
    assert "--clean" in refused.value.message
    assert read_tree(out) == {"important.txt": b"mine", "sub/thesis.tex": b"also mine"}
    assert leftovers(out) == []


def test_clean_replaces_a_folder_of_someone_elses_when_told(tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "important.txt").write_bytes(b"mine")
    report = write_site(out, {"index.html": b"site"}, clean=True)
    assert read_tree(out) == {"index.html": b"site"} | MARK
    assert report.removed == 1


@pytest.mark.parametrize("existing", [{}, {"index.html": b"an older site of the same pages"}])
def test_a_folder_whose_files_the_new_site_replaces_is_taken_over(tmp_path, existing):
    """An empty folder, or a site of a digest from before the mark: nothing but its own files goes."""
    out = tmp_path / "site"
    out.mkdir()
    for rel, data in existing.items():
        (out / rel).write_bytes(data)
    write_site(out, {"index.html": b"new"})
    assert read_tree(out) == {"index.html": b"new"} | MARK


def test_digest_replaces_its_own_site_whole(tmp_path):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"one", "gone.html": b"a page since deleted"})
    report = write_site(out, {"index.html": b"two"})
    assert read_tree(out) == {"index.html": b"two"} | MARK
    assert report.removed == 1


@pytest.mark.parametrize("make", [
    lambda path: path.write_bytes(b"a file"),
    lambda path: os.mkfifo(path),
], ids=["regular-file", "fifo"])
def test_an_output_that_is_not_a_folder_is_refused(tmp_path, make):
    out = tmp_path / "a-file.txt"
    make(out)
    with pytest.raises(OutputError) as refused:
        write_site(out, {"index.html": b"site"}, clean=True)
    assert "is not a folder" in refused.value.message
    assert not out.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file.txt"]


def test_a_symlinked_output_is_followed_and_swapped_at_its_target(tmp_path):
    target = tmp_path / "elsewhere"
    link = tmp_path / "site"
    link.symlink_to(target)
    write_site(link, {"index.html": b"one"})
    write_site(link, {"index.html": b"two"})
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert (target / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".elsewhere.previous", "elsewhere", "site"], "no stage or link left behind"
    assert read_tree(tmp_path / ".elsewhere.previous/site") == {"index.html": b"one"} | MARK, "the old site is kept beside the target"


def test_a_symlink_to_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_bytes(b"notes")
    link = tmp_path / "site"
    link.symlink_to(tmp_path / "notes.txt")
    with pytest.raises(OutputError) as refused:
        write_site(link, {"index.html": b"site"})
    assert "is a link to" in refused.value.message
    assert (tmp_path / "notes.txt").read_bytes() == b"notes"


def test_a_symlink_left_as_a_stage_by_older_versions_is_removed_without_touching_its_target(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_bytes(b"keep")
    (tmp_path / ".site.stage-old123").symlink_to(target)
    write_site(tmp_path / "site", {"index.html": b"x"})
    assert not (tmp_path / ".site.stage-old123").is_symlink()
    assert (target / "keep.txt").read_bytes() == b"keep"


def test_a_kept_tree_a_new_stage_replaces_is_removed_by_a_thread_the_caller_can_wait_for(tmp_path):
    from digest.pipeline.write import Stage

    out = tmp_path / "site"
    write_site(out, {"index.html": b"one", "a/b/old.html": b"old"})
    write_site(out, {"index.html": b"two"})
    stage = Stage(out)  # no previous state: a new stage, which replaces the kept tree after the swap
    stage.put("index.html", b"three")
    report = stage.commit()
    assert read_tree(out) == {"index.html": b"three"} | MARK, "the new site is in place as soon as the commit returns"
    assert report.removal is not None
    report.removal.wait()
    assert leftovers(out) == []
    assert read_tree(tmp_path / ".site.previous/site") == {"index.html": b"two"} | MARK
    assert report.removed == 0


def test_carrying_files_makes_each_stage_folder_once(tmp_path, monkeypatch):
    """An edit of a big site carries tens of thousands of files: one mkdir per folder, not per file."""
    from digest.pipeline.write import Stage

    out = tmp_path / "site"
    files = {f"{folder}/page-{number}/index.html": b"page" for folder in ("articles", "people", "claims") for number in range(20)}
    write_site(out, files)
    made: list[str] = []
    real_makedirs = os.makedirs
    monkeypatch.setattr(write.os, "makedirs", lambda path, *a, **k: made.append(path) or real_makedirs(path, *a, **k))
    stage = Stage(out)
    for rel in files:
        assert stage.carry(rel)
    assert len(made) == len(set(made)) == len(files) + 3, "each page's folder and the three above them, each made once"
    assert not stage.carry("articles/gone/index.html"), "a file the live site does not have is reported, not raised"
    report = stage.commit()
    assert report.removal is None, "there was no kept tree to replace"
    assert read_tree(out) == files | MARK


# -- the kept tree: the previous site, brought up to date instead of a new stage -----------------


def digests(files: dict[str, bytes]) -> dict[str, bytes]:
    """What a saved state says of a live site: the digest of each file the build wrote."""
    from digest.pipeline.buildstate import digest_bytes

    return {rel: digest_bytes(data) for rel, data in files.items()}


def folders(tree) -> set[str]:
    return {p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_dir()}


def big_site(pages: int, version: int) -> dict[str, bytes]:
    """``pages`` pages in folders of their own; ``version`` changes one page, adds one and drops one."""
    files = {f"articles/page-{number}/index.html": f"page {number}".encode() for number in range(pages)}
    files[f"articles/page-{version % pages}/index.html"] = f"page {version % pages}, version {version}".encode()
    files[f"new/{version}/index.html"] = b"added"
    files["index.html"] = f"home {version}".encode()
    return files


def build_sequence(out, sites: list[dict[str, bytes]], before: dict[str, bytes] | None = None) -> list:
    """Write each site in turn, each knowing the digests of the one before (as a saved state tells);
    ``before``: what the live site holds when the sequence starts."""
    reports = []
    for files in sites:
        reports.append(write_site(out, files, previous=None if before is None else digests(before)))
        assert read_tree(out) == files | MARK
        before = files
    return reports


@pytest.mark.parametrize("pages", [40, 400])
def test_an_edit_touches_only_the_files_that_differ_whatever_the_size_of_the_site(tmp_path, pages, monkeypatch):
    """From the third build on, the kept tree is updated: the files of the last two edits, not the site."""
    out = tmp_path / "site"
    sites = [big_site(pages, version) for version in range(1, 6)]
    first, second = build_sequence(out, sites[:2])
    assert second.operations == pages + 2, "the second build stages every file: there is no kept tree yet"
    calls = {"link": 0, "unlink": 0, "open": 0}
    for name in ("link", "unlink"):
        real = getattr(os, name)
        monkeypatch.setattr(write.os, name, lambda *a, _real=real, _name=name, **k: calls.__setitem__(_name, calls[_name] + 1) or _real(*a, **k))
    real_open = open
    monkeypatch.setattr(write, "open", lambda *a, **k: calls.__setitem__("open", calls["open"] + 1) or real_open(*a, **k), raising=False)
    reports = build_sequence(out, sites[2:], before=sites[1])
    for report in reports:
        # Each build writes 4 files (its page, the last one's page back as it was, the home page, the added
        # one) and removes 1; the kept tree is two builds behind, so it lacks at most twice that.
        assert (report.written, report.removed) == (4, 1)
        assert report.operations <= 10, report
    assert sum(calls.values()) <= 3 * 2 * 10, f"the work grew with the site: {calls}"
    assert read_tree(tmp_path / ".site.previous/site") == sites[3] | MARK, "the kept tree is the site before"


def test_an_updated_tree_has_the_folders_of_a_new_stage_exactly(tmp_path):
    """Pages removed take their folders with them; a folder where a file was, and a file where a folder was, work."""
    out, fresh = tmp_path / "site", tmp_path / "fresh"
    sites = [
        {"index.html": b"1", "a/index.html": b"a", "b": b"a file", "c/deep/er/index.html": b"c"},
        {"index.html": b"2", "a/index.html": b"a", "b": b"a file", "c/deep/er/index.html": b"c"},
        {"index.html": b"3", "a": b"now a file", "b/index.html": b"now a folder", "c/index.html": b"c moved up"},
        {"index.html": b"4", "a/x/index.html": b"a folder again", "b": b"a file again"},
        {"index.html": b"5"},
    ]
    reports = build_sequence(out, sites)
    assert all(report.operations < 12 for report in reports[2:])
    write_site(fresh, sites[-1])
    assert folders(out) == folders(fresh) == set()


def test_files_added_to_the_live_site_by_hand_do_not_come_back(tmp_path):
    """A file dropped into site/ goes at the next build, and does not return from the kept tree two builds later."""
    out = tmp_path / "site"
    sites = [{"index.html": f"home {n}".encode()} for n in range(5)]
    build_sequence(out, sites[:3])
    (out / "by-hand.txt").write_bytes(b"mine")
    (out / "by-hand").mkdir()
    (out / "by-hand/inside.txt").write_bytes(b"mine too")
    build_sequence(out, sites[3:], before=sites[2])  # the live site is what sites[2] says, plus the files by hand
    assert read_tree(out) == sites[4] | MARK
    assert folders(out) == set()


def test_the_kept_tree_is_git_ignored_and_says_it_is_digests(tmp_path):
    from digest.pipeline.previoussite import NOTE

    out = tmp_path / "site"
    build_sequence(out, [{"index.html": b"1"}, {"index.html": b"2"}])
    note = (tmp_path / ".site.previous/.gitignore").read_bytes()
    assert note == NOTE and note.endswith(b"\n*\n") and b"safe to delete" in note
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.previous", "site"]


def test_a_folder_of_that_name_that_is_not_digests_is_left_alone(tmp_path):
    out = tmp_path / "site"
    theirs = tmp_path / ".site.previous"
    (theirs / "site").mkdir(parents=True)
    (theirs / "site/notes.txt").write_bytes(b"mine")
    build_sequence(out, [{"index.html": f"{n}".encode()} for n in range(4)])
    assert read_tree(theirs) == {"site/notes.txt": b"mine"}
    assert leftovers(out) == []


def test_a_kept_tree_deleted_by_hand_means_a_new_stage(tmp_path):
    import shutil

    out = tmp_path / "site"
    sites = [{"index.html": f"{n}".encode(), "same.html": b"same"} for n in range(4)]
    build_sequence(out, sites[:3])
    shutil.rmtree(tmp_path / ".site.previous")
    report = write_site(out, sites[3], previous=digests(sites[2]))
    assert report.operations == 2, "every file staged again"
    assert read_tree(out) == sites[3] | MARK


STEPS = ["put", "carry", "remove", "staged", "exchange"]


@pytest.mark.parametrize("step", STEPS)
def test_a_failure_at_each_step_of_an_update_leaves_one_site_and_the_next_build_is_right(tmp_path, monkeypatch, step):
    """The live site is the old one whatever fails before the swap; the half-updated kept tree describes itself."""
    from digest.pipeline.write import Stage

    out = tmp_path / "site"
    sites = [big_site(30, version) for version in range(1, 5)]
    build_sequence(out, sites[:3])
    live_before = read_tree(out)

    class Stop(Exception):
        pass

    def fail(*args, **kwargs):
        raise Stop(step)

    stage = Stage(out, previous=digests(sites[2]))
    assert stage.update is not None, "the kept tree is used"
    with pytest.raises(Stop):
        try:
            files = sites[3]
            changed = {rel for rel in files if digests(sites[2]).get(rel) != digests(files)[rel]}
            for number, rel in enumerate(sorted(changed)):
                if step == "put" and number == 1:
                    fail()
                stage.put(rel, files[rel])
            for number, rel in enumerate(sorted(set(files) - changed)):
                if step == "carry" and number == 5:
                    fail()
                stage.carry(rel)
            if step == "remove":
                monkeypatch.setattr(write._KeptTree, "remove_all_but", fail)
            elif step == "staged":
                monkeypatch.setattr(write, "_crash_point", lambda name: fail() if name == "staged" else None)
            elif step == "exchange":
                monkeypatch.setattr(write, "_exchange", fail)
            stage.commit()
        except BaseException:
            stage.discard()
            raise
    assert read_tree(out) == live_before, "the live site is the old one"
    monkeypatch.undo()
    write_site(out, sites[3], previous=digests(sites[2]))
    assert read_tree(out) == sites[3] | MARK
    assert read_tree(tmp_path / ".site.previous/site") == sites[2] | MARK
    assert leftovers(out) == []


def test_a_kept_tree_on_another_file_system_is_not_trusted(tmp_path, monkeypatch):
    """Inode numbers say nothing across file systems (an output that is a mount point): stage afresh."""
    from digest.pipeline.write import Stage

    out = tmp_path / "site"
    sites = [{"index.html": f"{n}".encode(), "same.html": b"same"} for n in range(3)]
    build_sequence(out, sites[:2])
    real_stat = os.stat
    tree = str(tmp_path / ".site.previous/site")

    def other_device(path, *args, **kwargs):
        result = real_stat(path, *args, **kwargs)
        if os.fspath(path) == tree:
            fields = list(result)
            fields[stat.ST_DEV] += 1
            return os.stat_result(fields)
        return result

    monkeypatch.setattr(write.os, "stat", other_device)
    stage = Stage(out, previous=digests(sites[1]))
    assert stage.update is None, "a new stage, not the kept tree"
    stage.discard()


# -- one look at the output: the new site's stats, the live site's inodes from the load ----------


def load_look(out, files: dict[str, bytes]):
    """What the load of a saved state gives the write: the inode and stat of each file it describes."""
    from digest.pipeline.previoussite import LiveFiles

    found = {rel: os.stat(out / rel) for rel in files}
    return LiveFiles({rel: st.st_ino for rel, st in found.items()}, {rel: (st.st_size, st.st_mtime_ns) for rel, st in found.items()})


@pytest.mark.parametrize("how", ["first", "new stage", "kept tree", "kept tree, load's look"])
def test_the_new_sites_stats_are_known_without_looking_at_it_again(tmp_path, how, monkeypatch):
    """`WriteReport.site` fingerprints as the output does when listed (the no-change check), however it was made;
    given the load's look, the update lists the kept tree alone, and stats only the files it wrote."""
    from digest.pipeline.buildcache import output_fingerprint, site_fingerprint

    out = tmp_path / "site"
    sites = [big_site(12, version) for version in range(1, 5)]
    if how != "first":
        build_sequence(out, sites[:3])
    files, before = sites[3], sites[2]
    previous = digests(before) if how.startswith("kept") else None
    live = load_look(out, before) if previous is not None and how.endswith("load's look") else None
    listed, stats = [], []
    real_scandir, real_stat = os.scandir, os.stat
    monkeypatch.setattr(write.os, "scandir", lambda path, *a: listed.append(str(path)) or real_scandir(path, *a))
    monkeypatch.setattr(write.os, "stat", lambda path, *a, **k: stats.append(os.fspath(path)) or real_stat(path, *a, **k))
    report = write_site(out, files, previous=previous, live=live)
    monkeypatch.undo()
    assert read_tree(out) == files | MARK
    assert report.site is not None and site_fingerprint(report.site) == output_fingerprint(out)
    if live is not None:
        assert not [path for path in listed if path == str(out) or path.startswith(str(out) + os.sep)], "the live site is not listed"
        kept = [path for path in listed if path.startswith(str(tmp_path / ".site.previous/site"))]
        assert kept and len(kept) == len(set(kept)), "each folder of the kept tree listed once"
        changed = {rel for rel, digest in digests(files).items() if previous.get(rel) != digest}
        stat_files = {os.path.relpath(path, tree) for path in stats for tree in (out, tmp_path / ".site.previous/site")
                      if os.path.relpath(path, tree).endswith(".html") and not os.path.relpath(path, tree).startswith("..")}
        assert stat_files == changed, "no stat of a file the build did not write: the load's tell what they are"


def test_a_first_build_can_keep_its_site_for_the_next_build_to_update(tmp_path, monkeypatch):
    """``keep_first``: hard links of the first site, made by a thread after the swap, so the next build
    updates a kept tree (the files that differ) instead of staging the whole site."""
    from digest.pipeline.previoussite import NOTE

    out = tmp_path / "site"
    sites = [big_site(40, version) for version in range(1, 3)]
    first = write_site(out, sites[0], keep_first=True)  # waits for the thread, as the command does
    assert first.removal is not None
    kept = tmp_path / ".site.previous/site"
    assert read_tree(kept) == sites[0] | MARK
    assert all((kept / rel).stat().st_ino == (out / rel).stat().st_ino for rel in sites[0]), "hard links of the live files"
    assert (tmp_path / ".site.previous/.gitignore").read_bytes() == NOTE
    assert leftovers(out) == []
    links = []
    real_link = os.link
    monkeypatch.setattr(write.os, "link", lambda *a, **k: links.append(a) or real_link(*a, **k))
    second = write_site(out, sites[1], previous=digests(sites[0]))
    assert read_tree(out) == sites[1] | MARK
    assert second.operations <= 5 and len(links) <= 2, "the files that differ, not the 40 pages"


def _tree_work_forked(folder: str) -> tuple[bool, bool, dict[str, bytes], dict[str, bytes], bool, list[str]]:
    """In a fresh interpreter (one thread, so it may fork): a first build's kept tree, then a new stage's
    removal of the kept tree it replaces, each done by a forked process (`write.FORKED_TREE_WORK` lowered)."""
    from pathlib import Path

    import digest.pipeline.workers

    root = Path(folder)
    out = root / "site"
    sites = [big_site(40, version) for version in range(1, 3)]
    write.FORKED_TREE_WORK = 10
    forked: list[int] = []
    real_fork = os.fork
    write.os.fork = lambda: forked.append(1) or real_fork()  # type: ignore[attr-defined]
    assert digest.pipeline.workers.may_fork()
    first = write_site(out, sites[0], keep_first=True)
    assert first.removal is not None and first.removal.thread is None and first.removal.pid is None, "forked, and waited for"
    kept = read_tree(root / ".site.previous/site")
    linked = all((root / ".site.previous/site" / rel).stat().st_ino == (out / rel).stat().st_ino for rel in sites[0])
    write_site(out, sites[1])  # no previous state: a new stage, which replaces the kept tree
    second_kept = read_tree(root / ".site.previous/site")
    return len(forked) == 2, linked, kept, second_kept, read_tree(out) == sites[1] | MARK, leftovers(out)


def test_a_big_sites_tree_work_after_the_swap_runs_in_a_forked_process(tmp_path):
    """At `write.FORKED_TREE_WORK` files the kept tree of a first build is linked, and a replaced kept tree
    removed, by a forked process (a thread waited on the interpreter lock behind the state's save): the
    same trees as a thread makes, and the command waits for it."""
    from fresh import in_fresh_process

    sites = [big_site(40, version) for version in range(1, 3)]
    forked, linked, kept, second_kept, live, left = in_fresh_process(_tree_work_forked, str(tmp_path))
    assert forked and linked and live and left == []
    assert kept == sites[0] | MARK and second_kept == sites[0] | MARK


def test_a_first_sites_copy_that_cannot_finish_keeps_nothing_wrong(tmp_path):
    """Refused by someone else's folder, or its stage removed under it (another build took it for stale):
    no kept tree is made and nothing is left; a kept tree that lacks files is simply updated."""
    out = tmp_path / "site"
    theirs = tmp_path / ".site.previous"
    theirs.mkdir()
    (theirs / "notes.txt").write_bytes(b"mine")
    write_site(out, {"index.html": b"1", "a/index.html": b"a"}, keep_first=True)
    assert read_tree(theirs) == {"notes.txt": b"mine"} and leftovers(out) == []

    gone = tmp_path / ".site.stage-gone"
    write._keep_first_site(out, ["a/index.html", "index.html"], gone)
    assert not gone.exists() and read_tree(theirs) == {"notes.txt": b"mine"}

    mine = tmp_path / "mine"
    sites = [big_site(10, version) for version in range(1, 4)]
    write_site(mine, sites[0], keep_first=True)
    kept = tmp_path / ".mine.previous/site"
    for number, path in enumerate(sorted(kept.rglob("index.html"))):
        if number % 2:
            path.unlink()  # as a copy killed halfway leaves it
    write_site(mine, sites[1], previous=digests(sites[0]))
    write_site(mine, sites[2], previous=digests(sites[1]))
    assert read_tree(mine) == sites[2] | MARK and read_tree(kept) == sites[1] | MARK


@pytest.mark.parametrize("pages", [40, 400])
def test_carrying_the_kept_files_of_an_edit_works_on_the_files_that_differ(tmp_path, pages, monkeypatch):
    """`Stage.carry_all`: the files the kept tree holds up to date are taken as a set, not one `carry` call
    each (an edit of a big site keeps 67,000); those the kept tree lacks are carried one by one, and one
    gone from the live site is reported. The site and its stats are those of a write of every file."""
    from digest.pipeline.buildcache import output_fingerprint, site_fingerprint
    from digest.pipeline.write import Stage

    out = tmp_path / "site"
    sites = [big_site(pages, version) for version in range(1, 5)]
    build_sequence(out, sites[:3])
    files, before = sites[3], sites[2]
    stage = Stage(out, previous=digests(before), live=load_look(out, before))
    changed = {rel for rel, digest in digests(files).items() if digests(before).get(rel) != digest}
    for rel in sorted(changed):
        stage.put(rel, files[rel])
    carried: list[str] = []
    real_carry = Stage.carry
    monkeypatch.setattr(Stage, "carry", lambda self, rel: carried.append(rel) or real_carry(self, rel))
    gone = stage.carry_all([*sorted(files.keys() - changed), "articles/gone/index.html"])
    monkeypatch.undo()
    assert gone == ["articles/gone/index.html"]
    assert len(carried) <= 6, f"{len(carried)} files carried one by one: the work grew with the site"
    report = stage.commit()
    assert read_tree(out) == files | MARK
    assert report.site is not None and site_fingerprint(report.site) == output_fingerprint(out)
