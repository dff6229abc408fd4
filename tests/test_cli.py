"""The command line as a user meets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from digest import __version__

from conftest import REPO, copy_site, run_cli


@pytest.fixture
def basic(tmp_path_factory) -> Path:
    """A copy of the basic site (outside ``tmp_path``, whose listing tests check): a build saves its
    state beside its source, never into tests/sites."""
    return copy_site("basic", tmp_path_factory.mktemp("source"))


def test_version():
    result = run_cli("--version")
    assert result.code == 0 and result.out.strip() == f"digest {__version__}"


def test_python_dash_m_builds_and_prints_one_summary_line(tmp_path, basic):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "digest", "build", "--source", str(basic), "--output", str(tmp_path / "out")],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0
    assert result.stderr == ""
    [line] = result.stdout.splitlines()
    assert line.startswith("built 23 pages (") and line.endswith(" s")


def test_usage_errors_exit_2(tmp_path, basic):
    result = run_cli("build", "--source", tmp_path / "nowhere")
    assert result.code == 2 and result.err_lines == [f"digest: error: no such folder: {tmp_path / 'nowhere'}"]
    result = run_cli("build", "--source", tmp_path)
    assert result.code == 2 and "content/site.yaml not found" in result.err
    result = run_cli("build", "--source", basic, "--base-url", "ftp://x")
    assert result.code == 2
    assert run_cli("frobnicate").code == 2


def test_output_over_the_source_is_refused(tmp_path, basic):
    result = run_cli("build", "--source", basic, "--output", basic)
    assert result.code == 2 and "refusing" in result.err


def test_output_with_files_digest_did_not_write_is_refused_until_clean(tmp_path, basic):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "important.txt").write_text("keep me")
    (docs / "sub" / "thesis.tex").write_text("and me")
    result = run_cli("build", "--source", basic, "--output", docs)
    assert result.code == 1
    [line] = result.err_lines
    assert line.startswith(f"{docs}: error: the output folder holds 2 files digest did not write (important.txt, sub/thesis.tex)")
    assert "--clean" in line and "Traceback" not in result.err
    assert (docs / "important.txt").read_text() == "keep me" and (docs / "sub" / "thesis.tex").read_text() == "and me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]

    result = run_cli("build", "--source", basic, "--output", docs, "--clean")
    assert result.code == 0 and "2 removed" in result.out
    assert not (docs / "important.txt").exists() and (docs / "index.html").is_file()
    result = run_cli("build", "--source", basic, "--output", docs, "--base-url", "https://example.org/other/")
    assert result.code == 0, "a folder digest wrote is digest's to replace"


def test_output_that_is_a_file_is_refused(tmp_path, basic):
    target = tmp_path / "a-file.txt"
    target.write_text("content")
    for extra in ([], ["--clean"]):
        result = run_cli("build", "--source", basic, "--output", target, *extra)
        assert result.code == 1
        assert result.err_lines == [f"{target}: error: the output is not a folder; choose a folder for the site, or move the file away (nothing was written)"]
    assert target.read_text() == "content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file.txt"]


def test_symlinked_output_is_updated_at_its_target(tmp_path, basic):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "site"
    link.symlink_to(elsewhere)
    for _ in range(2):
        result = run_cli("build", "--source", basic, "--output", link, "--base-url", f"https://example.org/{_}/")
        assert result.code == 0, result.err
    assert link.is_symlink() and (elsewhere / "index.html").is_file()
    assert "/1/" in (elsewhere / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".elsewhere.previous", "elsewhere", "site"], "the old site kept beside the target"


def test_base_url_override(tmp_path, basic):
    out = tmp_path / "out"
    assert run_cli("build", "--source", basic, "--output", out, "--base-url", "https://x.org/sub/path").code == 0
    import re

    assert re.search(r'href="/sub/path/assets/style\.[0-9a-f]{10}\.css"', (out / "index.html").read_text())
    assert '<link rel="canonical" href="https://x.org/sub/path/">' in (out / "index.html").read_text()


def _edit(site, number: int) -> None:
    sidecar = site / "content/articles/plain-one.yaml"
    text = sidecar.read_text(encoding="utf-8")
    sidecar.write_text(text.replace("The talks were not useful.", f"The talks were not useful ({number}).", 1) if number == 1
                       else text.replace(f"({number - 1})", f"({number})"), encoding="utf-8")


def _build(site, output):
    from conftest import read_tree

    result = run_cli("build", "--source", site, "--output", output)
    assert result.code == 0, result.err
    return result, read_tree(output)


def test_a_build_after_edits_writes_only_what_changed_and_equals_a_clean_build(tmp_path):
    """From the third build on, the kept previous site is brought up to date: the summary line counts the
    files that changed, the kept folder beside the output is git-ignored, and a file beside the output survives."""
    from conftest import copy_site

    site = copy_site("basic", tmp_path)
    output = tmp_path / "out"
    (tmp_path / "notes.txt").write_bytes(b"mine, beside the output")
    _build(site, output)
    for number in (1, 2, 3):
        _edit(site, number)
        result, tree = _build(site, output)
        _, clean = _build(site, tmp_path / f"clean-{number}")
        assert tree == clean
    written = int(result.out.split(" files written")[0].rpartition("; ")[2])
    assert 0 < written < len(clean) // 3, result.out
    assert sorted(p.name for p in tmp_path.iterdir() if "clean-" not in p.name) == [".out.previous", "basic", "notes.txt", "out"]
    assert (tmp_path / "notes.txt").read_bytes() == b"mine, beside the output"
    assert (tmp_path / ".out.previous/.gitignore").read_text().endswith("\n*\n")


def test_a_build_after_watch_mode_wrote_into_the_output_equals_a_clean_build(tmp_path):
    """Watch mode replaces files of the live site one by one (new inodes): the kept tree, which shares the old
    ones, is still described by what it holds, and the next `digest build` makes the right site."""
    from digest.pipeline.session import SiteBuilder

    from conftest import copy_site, read_tree

    site = copy_site("basic", tmp_path)
    output = tmp_path / "out"
    _build(site, output)
    _edit(site, 1)
    _build(site, output)  # keeps the first site beside the output
    builder = SiteBuilder(site, output)
    assert builder.build().ok  # a new stage: replaces the kept tree with the site it swaps out
    _edit(site, 2)
    rebuild = builder.build({"content/articles/plain-one.yaml"})
    assert rebuild.ok and rebuild.written
    _edit(site, 3)
    _, tree = _build(site, output)
    assert tree == _build(site, tmp_path / "clean")[1]
    assert read_tree(tmp_path / ".out.previous/site") != tree


def test_an_edit_build_looks_at_the_output_once_and_records_it_right(tmp_path, monkeypatch):
    """The first build leaves its site beside the output, so the first edit updates it (a few links, not one a
    file); the edit build's look at the output is the load's check (a stat a file): no folder of the live site
    is listed, the kept tree's once; and the no-change record it leaves, made from what it knows, matches the
    output until a file of it changes."""
    from conftest import copy_site, read_tree

    site = copy_site("basic", tmp_path)
    output = tmp_path / "out"
    _, first = _build(site, output)
    kept = tmp_path / ".out.previous/site"
    assert read_tree(kept) == first
    assert all((kept / rel).stat().st_ino == (output / rel).stat().st_ino for rel in first), "hard links of the live site"
    _edit(site, 1)
    listed, links = [], []
    real_scandir, real_link = os.scandir, os.link
    monkeypatch.setattr(os, "scandir", lambda path=".", *a: listed.append(str(path)) or real_scandir(path, *a))
    monkeypatch.setattr(os, "link", lambda *a, **k: links.append(a) or real_link(*a, **k))
    result = run_cli("build", "--source", site, "--output", output)
    monkeypatch.undo()
    assert result.code == 0, result.err
    assert read_tree(output) == _build(site, tmp_path / "clean")[1]
    written = int(result.out.split(" files written")[0].rpartition("; ")[2])
    assert 0 < written and len(links) <= written < len(first) // 3, result.out
    assert not [path for path in listed if path == str(output) or path.startswith(str(output) + os.sep)], "the live site is not listed"
    in_kept = [path for path in listed if path.startswith(str(kept))]
    assert in_kept and len(in_kept) == len(set(in_kept)), "each folder of the kept tree listed once"

    again = run_cli("build", "--source", site, "--output", output)
    assert "is up to date" in again.out, again.out
    page = output / "index.html"
    page.write_bytes(page.read_bytes())  # the same bytes, a new modification time
    assert "is up to date" not in run_cli("build", "--source", site, "--output", output).out
