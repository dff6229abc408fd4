"""Hostile and sloppy YAML: a path:line:col error or a deliberate acceptance, never a traceback.

Every case runs a real build. Cases that could hang, eat memory or crash the
interpreter (alias bombs, deep nesting) run `python -m digest build` in a
subprocess with a time limit and an address-space limit, and measure the
child's peak memory with wait4().
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, SITES, copy_site, read_tree, run_cli

PERSON = "content/people/jake-sullivan.yaml"
SIDECAR = "content/articles/markdown-two.yaml"
TIMELINE = "content/timeline.yaml"
DIAGNOSTIC = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): \S")

SECONDS = 10.0
"""Time limit for anything hostile (the issue: well under a second; a loaded machine gets slack)."""
MAX_RSS_MB = 200
ADDRESS_SPACE = 1536 * 1024 * 1024
"""RLIMIT_AS for builds of hostile input: a runaway expansion fails instead of swapping the machine."""


@dataclass
class Finished:
    code: int
    out: str
    err: str
    seconds: float
    max_rss_mb: float
    timed_out: bool


def build_in_subprocess(
    source: Path, output: Path, timeout: float = SECONDS, env: dict | None = None, address_space: int = ADDRESS_SPACE
) -> Finished:
    """`python -m digest build` in a child with limits, and its own peak RSS.

    The peak is the child's VmHWM, which it writes as it exits: wait4()'s
    ru_maxrss would count the pytest process itself, whose pages a forked
    child holds until it execs (Linux keeps that high-water mark across exec),
    so it grows with the suite instead of measuring the build.
    """

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    peak_file = output.parent / f".{output.name}.peak-rss"
    peak_file.unlink(missing_ok=True)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", _REPORT_PEAK_AND_RUN_DIGEST, str(peak_file), "build", "--source", str(source), "--output", str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        preexec_fn=limits,
    )
    streams: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda name=name, stream=stream: streams.__setitem__(name, stream.read()), daemon=True)
        for name, stream in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(5)
    try:
        peak_mb = int(peak_file.read_text()) / 1024
    except (OSError, ValueError):  # killed before it could say: wait4's figure, an upper bound
        peak_mb = usage.ru_maxrss / 1024
    return Finished(
        process.returncode,
        streams.get("out", b"").decode("utf-8", "replace"),
        streams.get("err", b"").decode("utf-8", "replace"),
        time.monotonic() - started,
        peak_mb,
        timed_out.is_set(),
    )


_REPORT_PEAK_AND_RUN_DIGEST = """
import atexit, runpy, sys
peak_file = sys.argv.pop(1)
def report():
    with open("/proc/self/status") as status:
        kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(peak_file, "w") as out:
        out.write(kib)
atexit.register(report)
sys.argv[0] = "digest"
runpy.run_module("digest", run_name="__main__")
"""


def site_with(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    for rel, data in files.items():
        target = source / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return source


def assert_clean_failure(err: str, code: int, first: str | re.Pattern) -> list[str]:
    """Exit 1, every line a located diagnostic but the summary, and the expected first error."""
    assert "Traceback" not in err and "RecursionError" not in err and "MemoryError" not in err, err[-2000:]
    assert code == 1, (code, err[-2000:])
    lines = err.splitlines()
    assert lines and lines[-1].startswith("build failed:"), lines[-3:]
    for line in lines[:-1]:
        assert DIAGNOSTIC.match(line), f"not a path:line:col diagnostic: {line!r}"
    errors = [line for line in lines[:-1] if ": error: " in line]
    if isinstance(first, str):
        assert any(line.startswith(first) for line in errors), (first, errors)
    else:
        assert any(first.search(line) for line in errors), (first.pattern, errors)
    return errors


def billion_laughs(levels: int = 10, width: int = 10) -> str:
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


# -- resource exhaustion -----------------------------------------------------------------


def test_billion_laughs_is_rejected_quickly_in_bounded_memory(tmp_path):
    source = site_with(tmp_path, {PERSON: "name: Jake Sullivan\n" + billion_laughs()})
    result = build_in_subprocess(source, tmp_path / "out")
    assert not result.timed_out, f"still running after {SECONDS} s"
    assert_clean_failure(result.err, result.code, re.compile(rf"^{re.escape(PERSON)}:\d+:\d+: error: .*(alias|expand|nodes)"))
    assert result.seconds < SECONDS
    assert result.max_rss_mb < MAX_RSS_MB, f"peak RSS {result.max_rss_mb:.0f} MB"
    assert not (tmp_path / "out").exists()


def test_billion_laughs_in_a_list_field_of_a_sidecar(tmp_path):
    bomb = billion_laughs(levels=9).replace("\n", "\n  ").rstrip()
    source = site_with(tmp_path, {SIDECAR: f"outlet: Outlet Two\npublished: 2022-11-08\nomit: *a8\nx:\n  {bomb}\n"})
    result = build_in_subprocess(source, tmp_path / "out")
    assert not result.timed_out
    assert_clean_failure(result.err, result.code, re.compile(rf"^{re.escape(SIDECAR)}:\d+:\d+: error: "))
    assert result.max_rss_mb < MAX_RSS_MB


def test_aliases_of_one_long_string_are_bounded_too(tmp_path):
    long_text = "x" * 1_000_000
    aliases = ", ".join(["*big"] * 2000)
    source = site_with(tmp_path, {PERSON: f'name: Jake Sullivan\naliases: [Sullivan, &big "{long_text}", {aliases}]\n'})
    result = build_in_subprocess(source, tmp_path / "out", address_space=768 * 1024 * 1024)
    assert not result.timed_out, f"still running after {SECONDS} s"
    assert_clean_failure(result.err, result.code, re.compile(rf"^{re.escape(PERSON)}:\d+:\d+: error: "))
    assert result.max_rss_mb < MAX_RSS_MB


@pytest.mark.parametrize(
    "rel",
    [PERSON, SIDECAR, "seeds/plain-one.txt"],
)
def test_files_over_the_size_limit_are_refused(tmp_path, rel):
    from digest.source.load import MAX_FILE_BYTES

    source = site_with(tmp_path, {})
    path = source / rel
    original = path.read_bytes()
    with open(path, "ab") as stream:  # valid content, padded with a comment or text lines past the limit
        filler = (b"# " if rel.endswith(".yaml") else b"") + b"x" * 1000 + b"\n"
        stream.write(filler * (MAX_FILE_BYTES // len(filler) + 2))
    assert path.stat().st_size > MAX_FILE_BYTES > len(original)
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    errors = assert_clean_failure(result.err, result.code, f"{rel}:1:1: error: ")
    assert any("larger than" in line for line in errors if line.startswith(rel)), errors


@pytest.mark.parametrize("rel", ["content/site.yaml", TIMELINE])
def test_site_and_timeline_files_over_the_size_limit_are_refused(tmp_path, rel):
    from digest.source.load import MAX_FILE_BYTES

    source = site_with(tmp_path, {})
    with open(source / rel, "ab") as stream:
        filler = b"# " + b"x" * 1000 + b"\n"
        stream.write(filler * (MAX_FILE_BYTES // len(filler) + 2))
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    errors = assert_clean_failure(result.err, result.code, f"{rel}:1:1: error: ")
    assert any("larger than" in line for line in errors), errors


@pytest.mark.parametrize(
    "nesting",
    [
        pytest.param(lambda n: "[" * n + "]" * n, id="flow-lists"),
        pytest.param(lambda n: "{a: " * n + "b" + "}" * n, id="flow-mappings"),
        pytest.param(lambda n: "".join("  " * i + "-\n" for i in range(n // 4)), id="block-lists"),
    ],
)
def test_deep_nesting_is_a_clean_error(tmp_path, nesting):
    source = site_with(tmp_path, {PERSON: "name: Jake Sullivan\nrole: " + nesting(10_000) + "\n"})
    result = build_in_subprocess(source, tmp_path / "out")
    assert not result.timed_out
    assert result.code != -11, "the interpreter crashed (SIGSEGV)"
    assert_clean_failure(result.err, result.code, re.compile(rf"^{re.escape(PERSON)}:\d+:\d+: error: "))


def test_very_deep_nesting_does_not_crash_the_interpreter(tmp_path):
    depth = 100_000
    source = site_with(tmp_path, {PERSON: "name: Jake Sullivan\nrole: " + "[" * depth + "]" * depth + "\n"})
    result = build_in_subprocess(source, tmp_path / "out")
    assert not result.timed_out
    assert result.code != -11, "the interpreter crashed (SIGSEGV)"
    assert_clean_failure(result.err, result.code, re.compile(rf"^{re.escape(PERSON)}:\d+:\d+: error: "))


# -- encodings, line endings, whitespace ------------------------------------------------------


def test_non_utf8_yaml_points_at_the_bad_byte(tmp_path):
    data = "name: Jake Sullivan\naliases: [Sullivan]\nrole: Se\xf1or adviser\n".encode("latin-1")
    source = site_with(tmp_path, {PERSON: data})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    errors = assert_clean_failure(result.err, result.code, f"{PERSON}:3:9: error: ")
    assert "UTF-8" in errors[0]


def test_utf16_yaml_is_refused_as_not_utf8(tmp_path):
    source = site_with(tmp_path, {PERSON: "name: Jake Sullivan\n".encode("utf-16")})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert_clean_failure(result.err, result.code, f"{PERSON}:1:1: error: ")


def test_non_utf8_seed_is_an_error_at_the_bad_byte(tmp_path):
    seed = (SITES / "basic/seeds/plain-one.txt").read_text(encoding="utf-8").replace("Kyiv", "Ky\xefv", 1)
    source = site_with(tmp_path, {"seeds/plain-one.txt": seed.encode("latin-1", "replace")})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert_clean_failure(result.err, result.code, "seeds/plain-one.txt:2:")


def test_non_utf8_seed_gives_one_error(tmp_path):
    seed = (SITES / "basic/seeds/plain-one.txt").read_text(encoding="utf-8").replace("Kyiv", "Ky\xefv", 1)
    source = site_with(tmp_path, {"seeds/plain-one.txt": seed.encode("latin-1", "replace")})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    errors = assert_clean_failure(result.err, result.code, "seeds/plain-one.txt:2:")
    assert len(errors) == 1, errors


def test_bom_is_accepted_in_yaml_and_seeds(tmp_path):
    plain = (SITES / "basic/seeds/plain-one.txt").read_bytes()
    person = (SITES / "basic" / PERSON).read_bytes()
    source = site_with(tmp_path, {PERSON: b"\xef\xbb\xbf" + person, "seeds/plain-one.txt": b"\xef\xbb\xbf" + plain})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    clean = run_cli("build", "--source", copy_site("basic", tmp_path / "clean-source"), "--output", tmp_path / "clean")
    assert clean.code == 0
    assert read_tree(tmp_path / "out") == read_tree(tmp_path / "clean"), "a BOM changed the output"


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_crlf_and_cr_line_endings_build_the_same_site(tmp_path, newline):
    files = {}
    for rel in (PERSON, "content/articles/plain-one.yaml", "content/site.yaml", "seeds/plain-one.txt", "seeds/markdown-two.md"):
        files[rel] = (SITES / "basic" / rel).read_bytes().replace(b"\n", newline)
    source = site_with(tmp_path, files)
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    clean = run_cli("build", "--source", copy_site("basic", tmp_path / "clean-source"), "--output", tmp_path / "clean")
    assert clean.code == 0, clean.err
    assert read_tree(tmp_path / "out") == read_tree(tmp_path / "clean"), "line endings changed the output"


def test_crlf_errors_keep_their_line_numbers(tmp_path):
    source = site_with(tmp_path, {PERSON: b"name: Jake Sullivan\r\naliases: [Sullivan]\r\nrolee: adviser\r\n"})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert_clean_failure(result.err, result.code, f"{PERSON}:3:1: error: unknown field 'rolee'")


def test_tab_indentation_is_an_error_with_its_position(tmp_path):
    source = site_with(tmp_path, {PERSON: b"name: Jake Sullivan\naliases:\n\t- Sullivan\n"})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert_clean_failure(result.err, result.code, f"{PERSON}:3:1: error: invalid YAML")


def test_tabs_inside_values_are_accepted(tmp_path):
    source = site_with(tmp_path, {PERSON: b"name: Jake Sullivan\naliases: [Sullivan]\nrole:\tNational\tSecurity Adviser\n"})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert result.code == 0, result.err


def test_raw_control_character_is_an_error_at_its_position(tmp_path):
    source = site_with(tmp_path, {PERSON: b"name: Jake Sullivan\nrole: Ad\x01viser\n"})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert_clean_failure(result.err, result.code, f"{PERSON}:2:9: error: ")


def test_unclosed_bracket_points_where_it_was_opened(tmp_path):
    source = site_with(tmp_path, {PERSON: b"name: Jake Sullivan\naliases: [Sullivan\n"})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert_clean_failure(result.err, result.code, f"{PERSON}:2:10: error: invalid YAML")


def test_raw_control_character_is_a_clean_error(tmp_path):
    source = site_with(tmp_path, {PERSON: b"name: Jake Sullivan\nrole: Ad\x01viser\n"})
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert "Traceback" not in result.err
    assert result.code == 1
    assert result.err_lines[0].startswith(f"{PERSON}:"), result.err


# -- duplicate keys, dates, numbers, nulls, tags: each a located error or accepted on purpose -------


def _build(tmp_path: Path, files: dict[str, str | bytes]):
    source = site_with(tmp_path, files)
    return run_cli("build", "--source", source, "--output", tmp_path / "out")


MD2 = "outlet: Outlet Two\npublished: 2022-11-08\n"
CASES_ERROR = {
    # name: (files, first error line prefix)
    "duplicate-key": ({PERSON: "name: Jake Sullivan\naliases: [Sullivan]\nname: Someone Else\n"}, f"{PERSON}:3:1: error: duplicate key 'name'"),
    "duplicate-nested-key": (
        {SIDECAR: MD2 + "claims:\n  - id: talks-not-useful\n    sourcing: anonymous\n    sourcing: on-record\n"},
        f"{SIDECAR}:6:5: error: duplicate key 'sourcing'",
    ),
    "duplicate-flow-key": ({PERSON: "name: Jake Sullivan\nlinks: {wiki: 'https://a.example/', wiki: 'https://b.example/'}\n"}, f"{PERSON}:2:37: error: duplicate key 'wiki' (first given at line 2)"),
    "datetime-published": ({SIDECAR: "outlet: Outlet Two\npublished: 2022-11-08T10:00:00Z\n"}, f"{SIDECAR}:2:12: error: 'published' must be a date"),
    "impossible-date": ({SIDECAR: "outlet: Outlet Two\npublished: 2022-02-30\n"}, f"{SIDECAR}:2:12: error: 'published' must be a date"),
    "short-date": ({SIDECAR: "outlet: Outlet Two\npublished: 2022-1-8\n"}, f"{SIDECAR}:2:12: error: 'published' must be a date"),
    "number-date": ({SIDECAR: "outlet: Outlet Two\npublished: 20221108\n"}, f"{SIDECAR}:2:12: error: 'published' must be a date"),
    "fullwidth-digits-date": ({SIDECAR: "outlet: Outlet Two\npublished: \uff12\uff10\uff12\uff12-11-08\n"}, f"{SIDECAR}:2:12: error: 'published' must be a date"),
    "list-date": ({SIDECAR: "outlet: Outlet Two\npublished: [2022-11-08]\n"}, f"{SIDECAR}:2:12: error: 'published' must be a string"),
    "event-datetime": ({TIMELINE: "- id: invasion\n  date: 2022-02-24 10:00:00\n  title: Invasion\n"}, f"{TIMELINE}:2:9: error: invalid EDTF date"),
    "event-sexagesimal": ({TIMELINE: "- id: invasion\n  date: 20:22\n  title: Invasion\n"}, f"{TIMELINE}:2:9: error: invalid EDTF date"),
    "event-unquoted-set": (
        {TIMELINE: "- id: invasion\n  date: [2022-02-23..2022-02-24]\n  title: Invasion\n"},
        f"{TIMELINE}:2:9: error: 'date' is a YAML list here: quote a set of dates, date: \"[2022-02-23..2022-02-24]\"",
    ),
    "event-arabic-indic-year": (
        {TIMELINE: "- id: invasion\n  date: \u0662\u0660\u0662\u0662\n  title: Invasion\n"},
        f"{TIMELINE}:2:9: error: invalid EDTF date '\u0662\u0660\u0662\u0662': '\u0662' (U+0662 ARABIC-INDIC DIGIT TWO) is not an ASCII digit",
    ),
    "float-id": ({SIDECAR: MD2 + "claims:\n  - id: 1.5\n    text: t\n    status: reported\n"}, f"{SIDECAR}:4:9: error: 'id' must be"),
    "hex-id": ({SIDECAR: MD2 + "claims:\n  - id: 0x1F\n    text: t\n    status: reported\n"}, f"{SIDECAR}:4:9: error: 'id' must be"),
    "mapping-outlet": ({SIDECAR: "outlet: {name: RT}\npublished: 2022-11-08\n"}, f"{SIDECAR}:1:9: error: 'outlet' must be a string, got a mapping"),
    "number-is-not-a-name": ({PERSON: "name: 2022\n"}, f"{PERSON}:1:7: error: 'name' must contain a letter to name a person, got '2022'"),
    "null-name": ({PERSON: "name: null\n"}, f"{PERSON}:1:7: error: 'name' is required but empty"),
    "tilde-name": ({PERSON: "name: ~\n"}, f"{PERSON}:1:7: error: 'name' is required but empty"),
    "empty-name": ({PERSON: "name:\n"}, f"{PERSON}:1:"),
    "null-list-item": ({PERSON: "name: Jake Sullivan\naliases: [Sullivan, null]\n"}, f"{PERSON}:2:21: error: 'aliases' must be a string, got null"),
    "null-key": ({PERSON: "name: Jake Sullivan\n~: x\n"}, f"{PERSON}:2:1: error: unknown field"),
    "empty-file": ({PERSON: ""}, f"{PERSON}:1:1: error: expected a mapping of fields, got null"),
    "comment-only": ({PERSON: "# nothing yet\n"}, f"{PERSON}:1:1: error: expected a mapping of fields, got null"),
    "top-level-string": ({PERSON: "Jake Sullivan\n"}, f"{PERSON}:1:1: error: expected a mapping of fields, got a string"),
    "complex-key": ({PERSON: "name: Jake Sullivan\n? [a, b]\n: x\n"}, f"{PERSON}:2:3: error: mapping keys must be plain strings"),
    "merge-key": ({PERSON: "name: Jake Sullivan\n<<: {role: x}\n"}, f"{PERSON}:2:1: error: merge keys"),
    "undefined-alias": ({PERSON: "name: *nobody\n"}, f"{PERSON}:1:7: error: invalid YAML"),
    "two-documents": ({PERSON: "name: A\n---\nname: B\n"}, f"{PERSON}:2:1: error: invalid YAML"),
    "unclosed-flow-mid-file": ({PERSON: "name: Jake Sullivan\naliases: [Sullivan\nrole: x\n"}, f"{PERSON}:3:"),
    "surrogate-escape": ({PERSON: 'name: "Jake\\ud800"\n'}, f"{PERSON}:1:"),
    "python-tag": ({PERSON: 'name: !!python/object/apply:os.system ["touch PWNED"]\n'}, f"{PERSON}:1:7: error: YAML tag '!!python/object/apply:os.system' is not supported"),
    "set-tag": ({PERSON: "name: !!set {a, b}\n"}, f"{PERSON}:1:7: error: YAML tag '!!set' is not supported"),
    "local-tag": ({PERSON: "name: !shout Jake Sullivan\n"}, f"{PERSON}:1:7: error: YAML tag '!shout' is not supported"),
    "binary-tag": ({PERSON: "name: !!binary SmFrZQ==\n"}, f"{PERSON}:1:7: error: YAML tag '!!binary' is not supported"),
    "int-tag": ({PERSON: "name: Jake\nrole: !!int 3\n"}, f"{PERSON}:2:7: error: YAML tag '!!int' is not supported"),
    "long-implicit-key": ({PERSON: "name: Jake\n" + "k" * 2000 + ": x\n"}, f"{PERSON}:2:"),
    "timeline-mapping": ({TIMELINE: "id: invasion\n"}, f"{TIMELINE}:1:1: error: timeline.yaml must be a list"),
    "timeline-null-item": ({TIMELINE: "-\n- id: invasion\n  date: 2022\n  title: Invasion\n"}, f"{TIMELINE}:1:"),
    "site-empty": ({"content/site.yaml": ""}, "content/site.yaml:1:1: error: expected a mapping of fields, got null"),
}


@pytest.mark.parametrize("case", sorted(CASES_ERROR))
def test_bad_yaml_is_a_located_error(tmp_path, case, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the python/object tag must not run a command here (or anywhere)
    files, first = CASES_ERROR[case]
    result = _build(tmp_path, files)
    assert_clean_failure(result.err, result.code, first)
    assert not (tmp_path / "PWNED").exists()
    assert not (tmp_path / "out").exists()


CASES_ACCEPTED = {
    # name: (files, check on the output)
    "quoted-null-is-a-name": ({PERSON: "name: 'null'\n"}, ("people/jake-sullivan/index.html", "<bdi dir=\"auto\">null</bdi></h1>")),
    "number-is-text": ({PERSON: "name: Jake Sullivan\nrole: 1984\n"}, ("people/jake-sullivan/index.html", "Jake Sullivan, 1984")),
    "yes-is-a-name-and-no-is-norway": ({PERSON: "name: yes\ncountry: NO\n"}, ("people/jake-sullivan/index.html", "NO")),
    "octal-looking-stays-text": ({PERSON: "name: Jake Sullivan\nrole: 0755\norganization: 1_000\n"}, ("people/jake-sullivan/index.html", "Jake Sullivan, 0755")),
    "empty-aliases": ({PERSON: "name: Jake Sullivan\naliases:\n"}, ("people/jake-sullivan/index.html", "Jake Sullivan")),
    "event-unquoted-datetime-and-negative-year": (
        {TIMELINE: "- id: invasion\n  date: 2022-02-24T05:00:00+02:00\n  title: Invasion\n- id: caesar\n  date: -0043-03-15\n  title: Ides\n"},
        ("timeline/2022/index.html", "24 February 2022, 05:00:00 UTC+02:00"),
    ),
    "id-2022": (
        {SIDECAR: MD2 + "claims:\n  - id: 2022\n    quote: Sullivan met Zelensky\n    text: Year claim.\n    status: reported\n"},
        ("claims/2022/index.html", "Year claim."),
    ),
    "id-1e3": (
        {SIDECAR: MD2 + "claims:\n  - id: 1e3\n    quote: Sullivan met Zelensky\n    text: Thousand claim.\n    status: reported\n"},
        ("claims/1e3/index.html", "Thousand claim."),
    ),
    "event-year-as-number": ({TIMELINE: "- id: invasion\n  date: 2022\n  title: Invasion year\n"}, ("timeline/2022/index.html", 'data-date="2022"')),
}


@pytest.mark.parametrize("case", sorted(CASES_ACCEPTED))
def test_scalars_are_strings_on_purpose(tmp_path, case):
    files, (page, expected) = CASES_ACCEPTED[case]
    result = _build(tmp_path, files)
    assert "Traceback" not in result.err
    assert result.code == 0, result.err
    assert expected in (tmp_path / "out" / page).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("field", "bare", "quoted", "rel"),
    [
        ("published-single", MD2, "outlet: Outlet Two\npublished: '2022-11-08'\n", SIDECAR),
        ("published-double", MD2, 'outlet: Outlet Two\npublished: "2022-11-08"\n', SIDECAR),
        (
            "event-date",
            "- id: invasion\n  date: 2022-02-24\n  title: Invasion\n",
            "- id: invasion\n  date: '2022-02-24'\n  title: Invasion\n",
            TIMELINE,
        ),
        (
            "reviewed",
            "outlet: Outlet Two\npublished: 2022-11-08\nclaims:\n  - id: talks-not-useful\n    reviewed: 2022-11-09\n",
            "outlet: Outlet Two\npublished: 2022-11-08\nclaims:\n  - id: talks-not-useful\n    reviewed: \"2022-11-09\"\n",
            SIDECAR,
        ),
    ],
    ids=lambda value: value if value in ("published-single", "published-double", "event-date", "reviewed") else "",
)
def test_bare_and_quoted_dates_build_the_same_site(tmp_path, field, bare, quoted, rel):
    first = _build(tmp_path / "bare", {rel: bare})
    second = _build(tmp_path / "quoted", {rel: quoted})
    assert first.code == 0, first.err
    assert second.code == 0, second.err
    assert read_tree(tmp_path / "bare/out") == read_tree(tmp_path / "quoted/out")


def test_wrong_types_in_every_field_never_crash(tmp_path):
    """Every field of every file given a list, a mapping and a null at once: located errors only."""
    from digest.source.schema import ARTICLE_FIELDS, CLAIM_FIELDS, EVENT_FIELDS, PERSON_FIELDS, SITE_FIELDS

    def wrong(fields, value):
        return "".join(f"{name}: {value}\n" for name in fields if name not in ("claims", "events"))

    for index, value in enumerate(["[a, [b]]", "{x: {y: z}}", "''", "' '"]):
        person = wrong(PERSON_FIELDS, value)
        sidecar = wrong(ARTICLE_FIELDS, value) + "claims:\n  - " + wrong(CLAIM_FIELDS, value).replace("\n", "\n    ").rstrip() + "\n"
        sidecar += "events:\n  - " + wrong(EVENT_FIELDS, value).replace("\n", "\n    ").rstrip() + "\n"
        site = wrong(SITE_FIELDS, value)
        for rel, text in ((PERSON, person), (SIDECAR, sidecar), ("content/site.yaml", site)):
            result = _build(tmp_path / f"{index}-{rel.replace('/', '-')}", {rel: text})
            assert "Traceback" not in result.err
            assert result.code == 1, (value, rel, result.err)
            for line in result.err_lines[:-1]:
                assert DIAGNOSTIC.match(line), (value, rel, line)


# -- diagnostics are one line each, with no control characters from the content ------------------

CONTROL_CASES = {
    "newline-in-key": ({PERSON: 'name: Jake Sullivan\n"role\\nx": adviser\n'}, PERSON),
    "carriage-return-in-slug": ({SIDECAR: MD2 + 'slug: "x\\ry"\n'}, SIDECAR),
    "escape-sequence-in-date": ({SIDECAR: 'outlet: Outlet Two\npublished: "\\e[2J2022"\n'}, SIDECAR),
    "record-separator-in-id": ({SIDECAR: MD2 + 'claims:\n  - id: "a\\x1eb"\n'}, SIDECAR),
    "escape-sequences-in-closest-passage": (
        {
            "seeds/plain-one.txt": "Title\nThe \x1b]0;pwned\x07 talks were useful \x1b[2J really.\n",
            "content/articles/plain-one.yaml": "outlet: Outlet One\npublished: 2022-11-07\nclaims:\n"
            "  - id: talks-not-useful\n    quote: The talks were useful really\n    text: T.\n    status: reported\n",
        },
        "content/articles/plain-one.yaml",
    ),
}


@pytest.mark.parametrize("case", sorted(CONTROL_CASES))
def test_diagnostics_stay_on_one_line_without_control_characters(tmp_path, case):
    files, path = CONTROL_CASES[case]
    result = _build(tmp_path, files)
    assert "Traceback" not in result.err
    assert result.code == 1
    lines = result.err.split("\n")[:-1]
    assert any(line.startswith(f"{path}:") for line in lines), result.err
    for line in lines[:-1]:
        assert DIAGNOSTIC.match(line), f"a diagnostic spans lines: {line!r}"
    controls = sorted({f"U+{ord(c):04X}" for c in result.err if unicodedata.category(c) == "Cc" and c != "\n"})
    assert controls == [], f"control characters from the content reach the terminal: {controls}"
