"""The command line as a user meets it."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO, SITES, run_cli
from digest import __version__


def test_version():
    result = run_cli("--version")
    assert result.code == 0 and result.out.strip() == f"digest {__version__}"


def test_python_dash_m_builds_and_prints_one_summary_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "digest", "build", "--source", str(SITES / "basic"), "--output", str(tmp_path / "out")],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0
    assert result.stderr == ""
    [line] = result.stdout.splitlines()
    assert line.startswith("built 23 pages (") and line.endswith(" s")


def test_usage_errors_exit_2(tmp_path):
    result = run_cli("build", "--source", tmp_path / "nowhere")
    assert result.code == 2 and result.err_lines == [f"digest: error: no such folder: {tmp_path / 'nowhere'}"]
    result = run_cli("build", "--source", tmp_path)
    assert result.code == 2 and "content/site.yaml not found" in result.err
    result = run_cli("build", "--source", SITES / "basic", "--base-url", "ftp://x")
    assert result.code == 2
    assert run_cli("frobnicate").code == 2


def test_output_over_the_source_is_refused(tmp_path):
    result = run_cli("build", "--source", SITES / "basic", "--output", SITES / "basic")
    assert result.code == 2 and "refusing" in result.err


def test_base_url_override(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--source", SITES / "basic", "--output", out, "--base-url", "https://x.org/sub/path").code == 0
    import re

    assert re.search(r'href="/sub/path/assets/style\.[0-9a-f]{10}\.css"', (out / "index.html").read_text())
    assert '<link rel="canonical" href="https://x.org/sub/path/">' in (out / "index.html").read_text()
