"""Each class of bad input gets its exact error lines, exit 1, no traceback, and no damage.

Every folder in tests/sites_invalid/ is an overlay on the good fixture site
tests/sites/basic: its files replace or add to a copy of that site, and the
paths listed in its optional DELETE file are removed. Its expected.txt holds
the exact diagnostic lines the build must print on stderr before the final
"build failed: ..." summary. A case whose problem is a warning has a STRICT
file: it is built with --strict, which makes warnings fail the build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import INVALID_SITES, SITES, copy_site, read_tree, run_cli

BASIC = SITES / "basic"
OVERLAY_META = {"expected.txt", "DELETE", "STRICT"}

CASES = sorted(p.name for p in INVALID_SITES.iterdir() if p.is_dir())


def _param(case: str):
    return pytest.param(case, id=case)


def apply_overlay(case: str, destination: Path) -> Path:
    """A copy of the basic site with the case's files laid over it."""
    overlay = INVALID_SITES / case
    shutil.copytree(BASIC, destination)
    for path in sorted(overlay.rglob("*")):
        rel = path.relative_to(overlay)
        if path.is_dir() or rel.as_posix() in OVERLAY_META:
            continue
        target = destination / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    delete = overlay / "DELETE"
    if delete.exists():
        for line in delete.read_text(encoding="utf-8").splitlines():
            if line.strip():
                target = destination / line.strip()
                assert target.exists(), f"{case}/DELETE lists {line!r}, which is not in the site"
                shutil.rmtree(target) if target.is_dir() else target.unlink()
    return destination


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """A good build of the basic site, and a snapshot of it."""
    base = tmp_path_factory.mktemp("baseline")
    output = base / "site"
    result = run_cli("build", "--source", copy_site("basic", base), "--output", output)
    assert result.code == 0, result.err
    return output, read_tree(output)


@pytest.fixture
def previous_output(baseline, tmp_path) -> tuple[Path, dict[str, bytes]]:
    """A private copy of the good build, standing where the failing build will write."""
    built, snapshot = baseline
    output = tmp_path / "out" / "site"
    shutil.copytree(built, output)
    assert read_tree(output) == snapshot
    return output, snapshot


def assert_untouched(output: Path, snapshot: dict[str, bytes]) -> None:
    assert read_tree(output) == snapshot, "a failed build changed the previous output"
    leftovers = [p.name for p in output.parent.iterdir() if ".stage-" in p.name]
    assert leftovers == [], f"stage folders left behind: {leftovers}"


def test_every_case_has_expected_lines():
    assert CASES, "no cases in tests/sites_invalid"
    for case in CASES:
        expected = INVALID_SITES / case / "expected.txt"
        assert expected.is_file(), f"{case} has no expected.txt"
        assert expected.read_text(encoding="utf-8").strip(), f"{case}/expected.txt is empty"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_invalid_site(case, tmp_path, previous_output):
    output, snapshot = previous_output
    source = apply_overlay(case, tmp_path / "src")
    expected = (INVALID_SITES / case / "expected.txt").read_text(encoding="utf-8").splitlines()

    strict = ["--strict"] if (INVALID_SITES / case / "STRICT").exists() else []
    result = run_cli("build", "--source", source, "--output", output, *strict)

    assert "Traceback" not in result.err
    assert result.code == 1, result.err
    lines = result.err_lines
    assert lines, "nothing on stderr"
    assert lines[-1].startswith("build failed:"), lines[-1]
    assert lines[:-1] == expected
    assert_untouched(output, snapshot)


@pytest.mark.parametrize("missing", ["site-yaml", "source-folder"])
def test_usage_error_exits_2_with_one_line(missing, tmp_path, previous_output):
    output, snapshot = previous_output
    if missing == "site-yaml":
        source = tmp_path / "src"
        shutil.copytree(BASIC, source)
        (source / "content" / "site.yaml").unlink()
    else:
        source = tmp_path / "does-not-exist"

    result = run_cli("build", "--source", source, "--output", output)

    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith("digest: error: "), result.err
    assert_untouched(output, snapshot)


SEED_WITHOUT_SIDECAR = "seeds/extra.txt:1:1: warning: no sidecar content/articles/extra.yaml; the article is built from its text alone"


@pytest.fixture
def site_with_warning(tmp_path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(BASIC, source)
    (source / "seeds" / "extra.txt").write_text("An extra article\nIt has no sidecar.\n", encoding="utf-8")
    return source


def test_warning_alone_builds(site_with_warning, tmp_path):
    output = tmp_path / "out" / "site"
    result = run_cli("build", "--source", site_with_warning, "--output", output)
    assert result.code == 0, result.err
    assert result.err_lines == [SEED_WITHOUT_SIDECAR]
    assert (output / "index.html").is_file()


def test_strict_turns_warning_into_failure(site_with_warning, previous_output):
    output, snapshot = previous_output
    result = run_cli("build", "--source", site_with_warning, "--output", output, "--strict")
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    assert result.err_lines[:-1] == [SEED_WITHOUT_SIDECAR]
    assert result.err_lines[-1].startswith("build failed:")
    assert_untouched(output, snapshot)
