"""Every page of the demo and basic sites, and of a site with numbered pages, and the theme's stylesheet and icon pass the Nu Html Checker (vnu).

vnu runs on the machine's Java; its jar is the current checker from npm's
`vnu-jar` package, pinned in tests/js/package-lock.json (scripts/test runs
`npm ci --prefix tests/js`), or $VNU_JAR. Without Java or the jar the test is
skipped, except when $CI is set: there it fails, so a CI machine that lost its
validator cannot pass silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

# Errors only: a file must have none. .css and .svg files are checked as what they are. The JSON report goes to stderr.
VNU_ARGS = ["--errors-only", "--exit-zero-always", "--also-check-css", "--also-check-svg", "--format", "json"]

VNU_JAR = Path(__file__).parent / "js" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
THEME_STATIC = Path(__file__).parent.parent / "themes" / "default" / "static"

# Files with a known error, checked in the same run: prove vnu looked at pages and at stylesheets.
CANARIES = {
    "canary.html": '<!DOCTYPE html><html lang="en"><head><title>canary</title></head><body><p>x</span></body></html>\n',
    "canary.css": "p { colour: red; }\n",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(
            f"HTML validation cannot run: {reason}. CI is set, so this check must not be skipped: "
            "install Java (Debian: default-jre-headless) and the checker (npm ci --prefix tests/js, which installs vnu-jar).",
            pytrace=False,
        )
    pytest.skip(f"HTML validation cannot run: {reason}")


def find_vnu_jar() -> Path:
    return Path(os.environ["VNU_JAR"]) if os.environ.get("VNU_JAR") else VNU_JAR


def find_java() -> str | None:
    java = shutil.which("java")
    if java is None:
        return None
    try:
        subprocess.run([java, "-version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return java


CHECKER_GAPS = {
    "Property “paint-order” doesn't exist": "CSS Fill and Stroke 3 / SVG 2 (the timeline chart's label halo); every current browser "
    "supports it, but the checker's CSS profile (26.9) does not list it",
}
"""Messages of the checker about valid code it does not know yet, each with the reason; everything else fails."""


def describe(message: dict, where: str) -> str:
    line = message.get("firstLine", message.get("lastLine", 0))
    column = message.get("firstColumn", message.get("lastColumn", 0))
    text = f"{where}:{line}:{column}: {message.get('message', '').strip()}"
    extract = message.get("extract", "").replace("\n", "\u21b5")
    return f"{text}\n    near: {extract}" if extract else text


def test_pages_are_valid_html(demo_build: Path, basic_build: Path, paged_build: Path, tmp_path: Path):
    java = find_java()
    if java is None:
        unavailable("no working `java` on PATH")
    jar = find_vnu_jar()
    if not jar.is_file():
        unavailable(f"{jar} not found: npm ci --prefix tests/js (or set VNU_JAR)")

    sites = {"demo": demo_build, "basic": basic_build, "paged": paged_build}
    labels: dict[Path, str] = {}
    for name, root in sites.items():
        pages = sorted(root.rglob("*.html"))
        assert pages, f"no .html files in the {name} site"
        for page in pages:
            labels[page.resolve()] = f"{name}/{page.relative_to(root).as_posix()}"
    theme_files = sorted([*THEME_STATIC.rglob("*.css"), *THEME_STATIC.rglob("*.svg")])
    assert {p.suffix for p in theme_files} == {".css", ".svg"}, f"no stylesheet or icon in {THEME_STATIC}"
    for file in theme_files:
        labels[file.resolve()] = f"theme/{file.relative_to(THEME_STATIC).as_posix()}"
    canaries = set()
    for name, text in CANARIES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        canaries.add((tmp_path / name).resolve())

    files = [str(p) for p in labels] + [str(p) for p in sorted(canaries)]
    result = subprocess.run([java, "-jar", str(jar), *VNU_ARGS, *files], capture_output=True, timeout=600)
    report = result.stderr.decode("utf-8", errors="replace")
    try:
        messages = json.loads(report)["messages"]
    except (ValueError, KeyError) as error:
        pytest.fail(f"vnu gave no JSON report ({error}), exit code {result.returncode}:\n{report[-4000:]}")

    errors, canaries_seen = [], set()
    for message in messages:
        url = message.get("url", "")
        path = Path(url2pathname(urlparse(url).path)).resolve() if url else None
        if path in canaries:
            canaries_seen.add(path)
            continue
        if message.get("type") in ("error", "non-document-error") and not any(gap in message.get("message", "") for gap in CHECKER_GAPS):
            errors.append((labels.get(path, url or "?"), message))
    missed = sorted(p.name for p in canaries - canaries_seen)
    assert not missed, f"vnu reported nothing for {missed}, which have known errors; its report:\n{report[-4000:]}"

    errors.sort(key=lambda e: (e[0], e[1].get("firstLine", e[1].get("lastLine", 0)), e[1].get("firstColumn", 0)))
    if errors:
        pytest.fail(
            f"{len(errors)} HTML error(s) in {len({w for w, _ in errors})} page(s):\n"
            + "\n".join(describe(message, where) for where, message in errors),
            pytrace=False,
        )
