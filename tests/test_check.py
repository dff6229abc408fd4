"""digest check: every validation, editorial warnings, JSON for tools, nothing written."""

from __future__ import annotations

import json

import pytest

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
    assert 'content/articles/plain-one.yaml:22:12: fixed: quote "Vladimir Zelensky met Sullivan in Kyiv" -> "Vladimir Zelensky met with Sullivan in Kyiv"' in fixed.err_lines
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


def _corrected(tmp_path, old: str, new: str, quote: str, written: str):
    """The basic site with a seed passage corrected and a claim quoting the old words; (site, sidecar, its text)."""
    site = copy_site("basic", tmp_path)
    seed = site / "seeds/plain-one.txt"
    seed.write_text(seed.read_text().replace(old, new))
    sidecar = site / "content/articles/plain-one.yaml"
    text = sidecar.read_text().replace("quote: 'the talks were \"not useful\"'", f"quote: {written}")
    sidecar.write_text(text)
    return site, sidecar, text


def test_fix_keeps_a_changed_first_word(tmp_path):
    site, sidecar, text = _corrected(
        tmp_path, "Putin's spokesman said   the talks", "Many years later, as he faced the firing squad, the spokesman said the talks",
        "", '"Some years later, as he faced the firing squad"',
    )
    fixed = run_cli("check", "--source", site, "--fix")
    assert 'content/articles/plain-one.yaml:8:12: fixed: quote "Some years later, as he faced the firing squad" -> "Many years later, as he faced the firing squad"' in fixed.err_lines
    assert sidecar.read_text() == text.replace("Some years later", "Many years later")


@pytest.mark.parametrize(
    "new, quote, passage, reason",
    [
        ("Zelensky said the talks had been useful either way.", "Zelensky said the talks were not useful either",
         "Zelensky said the talks had been useful either", 'a negation disappears ("not")'),
        ("Zelensky said he has not been in touch since.", "Zelensky said he has been in touch since",
         "Zelensky said he has not been in touch since", 'a negation appears ("not")'),
        ("Zelensky said 30 soldiers were wounded in the talks.", "Zelensky said 3 soldiers were wounded in the talks",
         "Zelensky said 30 soldiers were wounded in the talks", 'a number changes ("3" becomes "30")'),
        ("Zelensky denied that 2 soldiers were wounded.", "Zelensky said that two soldiers were wounded",
         "Zelensky denied that 2 soldiers were wounded", 'a negation appears ("denied")'),
    ],
)
def test_fix_leaves_a_correction_that_may_flip_the_meaning_to_a_person(tmp_path, new, quote, passage, reason):
    site, sidecar, text = _corrected(tmp_path, "Zelensky said the talks were not useful either.", new, quote, f'"{quote}"')
    result = run_cli("check", "--source", site, "--fix")
    assert result.code == 1 and sidecar.read_text() == text, "nothing is written"
    assert "fixed:" not in result.err
    assert (
        f'content/articles/plain-one.yaml:8:12: error: quote not found in seeds/plain-one.txt; closest passage: "{passage}", but {reason}, '
        "which may change what the quote says: check the article and update the quote by hand (digest check --fix leaves it)"
    ) in result.out.splitlines()


def test_fix_writes_no_invisible_characters(tmp_path):
    site, sidecar, text = _corrected(
        tmp_path, "Zelensky said the talks were not useful either.", "Zelensky said the peace\u00adtalks were not use\u200bful either.",
        "", '"Zelensky said the talks were not useful either"',
    )
    fixed = run_cli("check", "--source", site, "--fix")
    assert 'content/articles/plain-one.yaml:8:12: fixed: quote "Zelensky said the talks were not useful either" -> "Zelensky said the peacetalks were not useful either"' in fixed.err_lines
    assert sidecar.read_text() == text.replace("said the talks", "said the peacetalks")
    assert fixed.code == 0, fixed.out


def test_a_quote_matches_across_invisible_characters_without_warnings(tmp_path):
    site, sidecar, text = _corrected(
        tmp_path, "Zelensky said the talks were not useful either.", "Zel\u00adensky said the \u2060talks were\u200b not use\ufeff" "ful; it wasnʼt either.",
        "", "\"Zelensky said the talks were not useful; it wasn’t either\"",
    )
    result = run_cli("check", "--source", site)
    assert result.code == 0, result.out
    assert "quote" not in result.out


def test_a_quote_whose_context_alone_differs_is_told_so_and_not_fixed(tmp_path):
    site = copy_site("basic", tmp_path)
    sidecar = site / "content/articles/plain-one.yaml"
    text = sidecar.read_text().replace(
        '    quote: "Vladimir Zelensky met Sullivan in Kyiv"\n',
        '    quote:\n      exact: Vladimir Zelensky met Sullivan\n      prefix: Yesterday\n      suffix: in Lviv\n',
    )
    sidecar.write_text(text)
    result = run_cli("check", "--source", site, "--fix")
    assert result.code == 1 and sidecar.read_text() == text and "fixed:" not in result.err
    assert result.out.splitlines()[0] == (
        "content/articles/plain-one.yaml:22:7: error: quote found in seeds/plain-one.txt (line 2) but not with its context: "
        'the text has nothing before it, not the prefix "Yesterday"; '
        'the text after it reads "in Kyiv,", not the suffix "in Lviv"; correct the prefix and suffix or remove them'
    )


ARABIC_TEXT = "محادثات سرية بين واشنطن وموسكو\nقال جيك سوليفان إن المحادثات مع الكرملين كانت مفيدة. وأضاف سوليفان أن الاتصالات ستستمر بهدوء.\n"
POLISH_TEXT = (
    "Rozmowy w Moskwie\nSullivan rozmawiał z Patruszewem w zeszłym tygodniu. Według źródeł Patruszew nie potwierdził spotkania. "
    "Doradca Patruszewa odmówił komentarza, a o Patruszewie nie mówiono. Rozmowy trwały kilka godzin.\n"
)


def test_check_warns_where_an_articles_text_is_not_in_its_declared_language(tmp_path):
    """Located at the sidecar's `language:`, or at the sidecar (the seed, without one) where the site's language is assumed."""
    site = copy_site("basic", tmp_path)
    (site / "seeds/arabic-undeclared.txt").write_text(ARABIC_TEXT, encoding="utf-8")
    (site / "content/articles/arabic-undeclared.yaml").write_text("outlet: Al Jazeera Arabic\npublished: 2022-11-09\n", encoding="utf-8")
    (site / "seeds/polish-as-german.txt").write_text(POLISH_TEXT, encoding="utf-8")
    (site / "content/articles/polish-as-german.yaml").write_text("outlet: Gazeta\npublished: 2022-11-09\nlanguage: de\n", encoding="utf-8")
    (site / "seeds/arabic-declared.txt").write_text(ARABIC_TEXT.replace("سرية", "علنية"), encoding="utf-8")
    (site / "content/articles/arabic-declared.yaml").write_text("language: ar\noutlet: Al Jazeera Arabic\npublished: 2022-11-09\n", encoding="utf-8")
    (site / "seeds/no-sidecar.txt").write_text(ARABIC_TEXT.replace("سرية", "جديدة"), encoding="utf-8")
    result = run_cli("check", "--source", site)
    warnings = [line for line in result.out.splitlines() if "language" in line]
    assert warnings == [
        "content/articles/arabic-undeclared.yaml:1:1: warning: no 'language' is given, so the site's 'en' is assumed, but the text is mostly"
        " in Arabic script (100% of its letters), not in Latin as language 'en' is written; set 'language: ar'",
        "content/articles/polish-as-german.yaml:3:11: warning: the text reads as language 'pl', not 'de'; set 'language: pl' if it is",
        "seeds/no-sidecar.txt:1:1: warning: no 'language' is given, so the site's 'en' is assumed, but the text is mostly"
        " in Arabic script (100% of its letters), not in Latin as language 'en' is written; set 'language: ar'",
    ]
    as_json = json.loads(run_cli("check", "--source", site, "--format", "json").out)
    assert sum(1 for item in as_json if item.get("code") == "language-mismatch") == 3
