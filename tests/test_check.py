"""digest check: every validation, editorial warnings, JSON for tools, nothing written."""

from __future__ import annotations

import json

from conftest import copy_site, run_cli


def test_check_reports_editorial_warnings_and_writes_nothing(tmp_path):
    site = copy_site("basic", tmp_path)
    (site / "content/people/nobody-here.yaml").write_text("name: Nobody Here\n")
    path = site / "content/articles/plain-one.yaml"
    path.write_text(path.read_text().replace("quote: 'the talks were \"not useful\"'", "quote: 'the  talks were \"not useful\"'")
                    .replace("  - id: no-winter-advance\n    quote: \"Putin’s forces “would not advance” this winter\"\n", "  - id: no-winter-advance\n"))
    result = run_cli("check", "--source", site)
    assert result.code == 0
    assert result.out.splitlines() == [
        "content/articles/plain-one.yaml:8:12: warning: quote matches only after normalising whitespace or quote marks; the text reads \"the talks were \"not useful\"\"",
        "content/articles/plain-one.yaml:13:9: warning: claim 'no-winter-advance' has no quote in this article",
        "content/articles/plain-one.yaml:25:9: warning: event 'spokesman-remark' names no people",
        "content/people/nobody-here.yaml:1:7: warning: Nobody Here is not named in any article",
        "content/timeline.yaml:6:7: warning: event 'talks-period' names no people",
    ]
    assert result.err.strip() == "0 errors, 5 warnings"
    assert not (site / "site").exists()
    assert run_cli("check", "--source", site, "--strict").code == 1


def test_json_output_matches_text_output(tmp_path):
    site = copy_site("basic", tmp_path)
    path = site / "content/articles/plain-one.yaml"
    path.write_text(path.read_text().replace("status: reported", "status: reportd"))
    text = run_cli("check", "--source", site)
    as_json = run_cli("check", "--source", site, "--format", "json")
    assert text.code == as_json.code == 1
    items = json.loads(as_json.out)
    assert [f"{i['path']}:{i['line']}:{i['column']}: {i['severity']}: {i['message']}" for i in items] == text.out.splitlines()
    assert {"path", "line", "column", "severity", "code", "message"} == set(items[0])
    assert items[0]["code"] == "unknown-status"


def test_check_finds_broken_internal_links_in_a_theme(tmp_path):
    site = copy_site("basic", tmp_path)
    templates = site / "themes/default/templates"
    templates.mkdir(parents=True)
    (templates / "404.html").write_text('{% extends "base.html" %}{% block content %}<a href="{{ url(\'nowhere/\') }}">x</a><a href="#missing">y</a>{% endblock %}\n')
    result = run_cli("check", "--source", site)
    assert result.code == 1
    broken = [line for line in result.out.splitlines() if "link" in line]
    assert len(broken) == 2 and broken[0].startswith("404.html:") and "points at no page" in broken[0]
    assert "no element id 'missing'" in broken[1]


def test_check_includes_drafts(tmp_path):
    site = copy_site("basic", tmp_path)
    path = site / "content/articles/markdown-two.yaml"
    path.write_text("draft: true\n" + path.read_text().replace("quote: Sullivan met Zelensky", "quote: Sullivan met Zelenskyy"))
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0
    result = run_cli("check", "--source", site)
    assert result.code == 1 and "quote not found in seeds/markdown-two.md" in result.out


def test_fix_repairs_moved_quotes_and_changes_nothing_else(tmp_path):
    site = copy_site("basic", tmp_path)
    seed = site / "seeds/plain-one.txt"
    seed.write_text(seed.read_text().replace("Vladimir Zelensky met Sullivan in Kyiv", "Vladimir Zelensky met with Sullivan in Kyiv"))
    sidecar = site / "content/articles/plain-one.yaml"
    original = "# Editor's notes stay.\n" + sidecar.read_text()
    sidecar.write_text(original)
    build = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert build.code == 1
    assert "content/articles/plain-one.yaml:22:12: error: quote not found in seeds/plain-one.txt; closest passage: \"Vladimir Zelensky met with Sullivan in Kyiv\" (digest check --fix can update the quote to it)" in build.err_lines
    dry = run_cli("check", "--source", site)
    assert dry.code == 1 and sidecar.read_text() == original, "without --fix nothing is written"
    fixed = run_cli("check", "--source", site, "--fix")
    assert 'content/articles/plain-one.yaml:22:12: fixed: quote now reads "Vladimir Zelensky met with Sullivan in Kyiv"' in fixed.err_lines
    expected = original.replace('quote: "Vladimir Zelensky met Sullivan in Kyiv"', 'quote: "Vladimir Zelensky met with Sullivan in Kyiv"')
    assert sidecar.read_text() == expected
    assert fixed.code == 0, fixed.out


def test_fix_leaves_a_removed_passage_as_an_error(tmp_path):
    site = copy_site("basic", tmp_path)
    seed = site / "seeds/plain-one.txt"
    seed.write_text(seed.read_text().replace("Vladimir Zelensky met Sullivan in Kyiv, where ", ""))
    sidecar = site / "content/articles/plain-one.yaml"
    before = sidecar.read_text()
    result = run_cli("check", "--source", site, "--fix")
    assert result.code == 1 and sidecar.read_text() == before
    assert any("quote not found in seeds/plain-one.txt" in line for line in result.out.splitlines())
