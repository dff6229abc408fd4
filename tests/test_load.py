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
