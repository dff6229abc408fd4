"""Shared helpers: run the CLI in-process, build sites into temporary folders."""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from digest.cli import main

TESTS = Path(__file__).parent
REPO = TESTS.parent
SITES = TESTS / "sites"
INVALID_SITES = TESTS / "sites_invalid"


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


def copy_site(name: str, destination: Path) -> Path:
    """A writable copy of a fixture site (tests/sites/<name> or the demo, 'demo')."""
    target = destination / name
    if name == "demo":
        target.mkdir(parents=True)
        for part in ("content", "seeds"):
            shutil.copytree(REPO / part, target / part)
    else:
        shutil.copytree(SITES / name, target)
    return target


def read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """The demo site, built once for the whole session."""
    output = tmp_path_factory.mktemp("demo") / "site"
    result = run_cli("build", "--source", REPO, "--output", output)
    assert result.code == 0, result.err
    return output


@pytest.fixture(scope="session")
def basic_build(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("basic") / "site"
    result = run_cli("build", "--source", SITES / "basic", "--output", output)
    assert result.code == 0, result.err
    return output
