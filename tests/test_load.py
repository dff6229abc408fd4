"""Loading under faults of the machine: a folder that cannot be read is a located error, never a traceback.

Tests run as root, whom permissions do not stop, so an unreadable folder is
simulated by an ``os.scandir`` that raises what the kernel would.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from conftest import SITES, run_cli


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SITES / "basic", tmp_path / "src")
    return Path("src")


def refuse_listing(monkeypatch, folder: Path) -> None:
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(os.fsdecode(path) if not isinstance(path, int) else ".").absolute() == folder.absolute():
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.mark.parametrize("folder", ["content/people", "content/articles", "seeds", "content/static", "content/static/files"])
@pytest.mark.parametrize("command", ["build", "check"])
def test_an_unreadable_folder_is_one_located_error(site, monkeypatch, folder, command):
    (site / "content/static/files").mkdir(parents=True, exist_ok=True)
    (site / "content/static/files/a.txt").write_text("a", encoding="utf-8")
    refuse_listing(monkeypatch, site / folder)
    args = ("build", "--source", site, "--output", "out") if command == "build" else ("check", "--source", site)
    result = run_cli(*args)
    assert result.code == 1
    assert "Traceback" not in result.err
    lines = [line for line in (result.out + result.err).splitlines() if ": error: " in line]
    expected = f"{folder}: error: cannot read this folder: permission denied (give your user access to it, or choose another folder)"
    assert expected in lines, lines
    assert len(lines) == 1, "one error for the folder, not one per thing missing from it"
    assert not Path("out").exists()


def test_an_unreadable_content_folder_is_one_line_not_a_missing_site(site, monkeypatch):
    real_stat = Path.stat

    def stat(self, *args, **kwargs):
        if self.name == "site.yaml":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    for command in ("build", "check", "watch", "serve"):
        result = run_cli(command, "--source", site)
        assert result.code == 1, (command, result.err)
        assert result.err_lines == [
            "src/content/site.yaml: error: cannot read the site's settings: permission denied (give your user access to it, or choose another folder)"
        ], (command, result.err)


def _backdate(folder: Path, seconds: int = 60) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 1_000_000_000))


def _reads(monkeypatch) -> list[str]:
    """The files the load reads (seeds and YAML files), in order."""
    from digest.source import load

    reads: list[str] = []
    real_text, real_yaml = load._read_text, load._load_yaml_record

    def read_text(root, rel, diagnostics):
        reads.append(rel)
        return real_text(root, rel, diagnostics)

    def load_yaml(root, rel, *args, **kwargs):
        reads.append(rel)
        return real_yaml(root, rel, *args, **kwargs)

    monkeypatch.setattr(load, "_read_text", read_text)
    monkeypatch.setattr(load, "_load_yaml_record", load_yaml)
    return reads


def test_a_file_whose_stat_is_unchanged_is_not_read_again(site, monkeypatch):
    """Without a watcher too (`digest build` from a saved state): the stat tells an unchanged file."""
    from digest.caches import Caches
    from digest.errors import Diagnostics
    from digest.source.load import load_site

    _backdate(site)
    caches = Caches()
    first = load_site(site, Diagnostics(), caches=caches)
    reads = _reads(monkeypatch)
    again = load_site(site, Diagnostics(), caches=caches)
    assert reads == ["content/site.yaml"], "only the site's settings, which are always read"
    assert again.sidecars["plain-one"] is first.sidecars["plain-one"]


def test_a_file_modified_just_before_it_was_read_is_read_again(site, monkeypatch):
    """Its stat may not show a second write in the same timestamp tick (git's racily clean entries)."""
    from digest.caches import Caches
    from digest.errors import Diagnostics
    from digest.source.load import load_site

    _backdate(site)
    sidecar = site / "content/articles/plain-one.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8"), encoding="utf-8")  # modified now, then read at once
    caches = Caches()
    load_site(site, Diagnostics(), caches=caches)
    reads = _reads(monkeypatch)
    load_site(site, Diagnostics(), caches=caches)
    assert reads == ["content/site.yaml", "content/articles/plain-one.yaml"]
