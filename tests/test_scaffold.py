"""digest init / digest new: starting files an editor can fill in."""

from __future__ import annotations

import pytest
import yaml

from digest.authoring.scaffold import looks_like_headline, unknown_names

from conftest import REPO, copy_site, run_cli

SEED = """Envoys meet in Geneva
According to the Foreign Ministry, Maria Zakharova said on Monday that talks with Antony Blinken were useful.
The talks in September ended early. Zakharova’s deputy disagreed with Blinken.
"""


def test_init_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x/file").write_text("")
    result = run_cli("init", tmp_path / "x")
    assert result.code == 2 and "is not empty" in result.err


def test_from_init_to_a_built_page(tmp_path):
    site = tmp_path / "story"
    assert run_cli("init", site, "--title", "Geneva talks", "--base-url", "https://me.github.io/story/").code == 0
    for path in ("content/site.yaml", "README.md", ".gitignore", ".github/workflows/pages.yml", "seeds", "content/people", "content/articles", "schemas/article.schema.json"):
        assert (site / path).exists(), path
    assert run_cli("build", "--source", site, "--output", tmp_path / "empty").code == 0, "an empty new site builds"
    (site / "seeds/geneva.txt").write_text(SEED)
    assert run_cli("new", "person", "Antony Blinken", "--source", site).code == 0
    assert run_cli("new", "article", "geneva", "--source", site).code == 0
    sidecar = site / "content/articles/geneva.yaml"
    text = sidecar.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/article.schema.json\n")
    assert "#   antony-blinken: Antony Blinken (1 mention)" in text
    assert "#   Maria Zakharova (1x): According to the Foreign Ministry, Maria Zakharova said on Monday" in text
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 1
    assert "content/articles/geneva.yaml:4:8: error: 'outlet' is required but empty" in result.err_lines
    sidecar.write_text(text.replace("outlet:  #", "outlet: Agency  #").replace("published:  #", "published: 2022-11-08  #")
                       .replace("claims: []", "claims:\n  - id: talks-useful\n    quote: talks with Antony Blinken were useful\n    text: The talks were useful.\n    status: reported"))
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    assert (tmp_path / "out/articles/envoys-meet-in-geneva/index.html").exists()
    assert (tmp_path / "out/people/antony-blinken/index.html").exists()


def test_unknown_names_skip_sentence_initial_words_months_and_known_names():
    names = {c.text: c for c in unknown_names(SEED.splitlines()[1:], {"Antony Blinken", "Blinken"})}
    assert set(names) == {"Foreign Ministry", "Maria Zakharova"}, "sentence-initial 'According', 'The', 'Zakharova’s' are skipped"
    assert names["Maria Zakharova"].sentence.startswith("According to the Foreign Ministry, Maria Zakharova said")


def test_new_refuses_to_overwrite_and_near_duplicates(tmp_path):
    site = copy_site("basic", tmp_path)
    result = run_cli("new", "article", "plain-one", "--source", site)
    assert result.code == 2 and "already exists; digest new never overwrites a sidecar" in result.err
    result = run_cli("new", "article", "plain-too", "--source", site)
    assert result.code == 2 and "did you mean 'plain-one'" in result.err
    assert run_cli("new", "person", "Jake Sullivan", "--source", site).code == 2
    result = run_cli("new", "person", "Vladimir Putn", "--source", site)
    assert result.code == 2 and "'Vladimir Putin'" in result.err
    assert run_cli("new", "person", "Sergey Lavrov", "--source", site).code == 0
    data = yaml.safe_load((site / "content/people/sergey-lavrov.yaml").read_text())
    assert data == {"name": "Sergey Lavrov", "aliases": None}
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0


def test_a_new_person_file_takes_aliases_as_written_below_its_key(tmp_path):
    """`digest new person` writes no `aliases: []` that items written below would break."""
    site = copy_site("basic", tmp_path)
    assert run_cli("new", "person", "Sergey Lavrov", "--source", site).code == 0
    path = site / "content/people/sergey-lavrov.yaml"
    text = path.read_text()
    assert "aliases: []" not in text and "\n#  - Patrushev\n" in text
    path.write_text(text.replace("#  - Patrushev", "  - Lavrov"))
    assert yaml.safe_load(path.read_text())["aliases"] == ["Lavrov"]
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0


@pytest.mark.parametrize(
    "line, headline",
    [
        ("Envoys meet in Geneva", True),
        ("Will the talks resume?", True),
        ("Ukraine: the view from Kyiv", True),
        ("Sullivan met Zelensky in Kyiv.", False),
        ("Kyiv, November 7:", False),
        ("He left. Then the talks ended", False),
        ("Officials said " + "the talks were useful and " * 17 + "then they stopped talking", False),
        ("", False),
    ],
)
def test_looks_like_headline(line, headline):
    assert looks_like_headline(line) is headline


def test_a_seed_without_a_headline_gets_a_blank_title(tmp_path):
    site = copy_site("basic", tmp_path)
    paragraph = "Officials in Washington said on Monday that " + "the talks with Sergey Lavrov were useful, and " * 9 + "nothing more."
    assert len(paragraph) > 400
    (site / "seeds/no-headline.txt").write_text(paragraph + "\nA second paragraph.\n")
    assert run_cli("new", "article", "no-headline", "--source", site).code == 0
    text = (site / "content/articles/no-headline.yaml").read_text()
    assert "title: \"\"  # REQUIRED: the seed's first line reads as a paragraph, not a headline; write one (that line stays part of the text)\n" in text
    assert paragraph[:40] not in text.split("# People")[0], "the paragraph is not offered as a title"
    assert "#   Sergey Lavrov (9x)" in text, "names in the first paragraph are still listed"
    build = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert "content/articles/no-headline.yaml:3:8: error: 'title' must not be empty" in build.err_lines, build.err
    written = text.replace('title: ""', "title: Talks were useful").replace("outlet:  #", "outlet: Agency  #").replace("published:  #", "published: 2022-11-08  #")
    (site / "content/articles/no-headline.yaml").write_text(written)
    build = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert build.code == 0, build.err
    page = (tmp_path / "out/articles/talks-were-useful/index.html").read_text()
    assert "Officials in Washington said on Monday" in page, "the first line is shown as the first paragraph"


def test_starter_workflow_builds_like_the_repository_workflow():
    from digest.authoring.scaffold import STARTER

    def build_lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip().startswith("digest build")]

    repo = (REPO / ".github/workflows/pages.yml").read_text()
    starter = (STARTER / "pages.yml").read_text()
    assert build_lines(starter) == build_lines(repo) and build_lines(repo)


@pytest.mark.parametrize("spelling", ["Jean\u2011Luc Mélenchon", "Jean\u2010Luc\u00a0Mélenchon", "Jean-Luc\n Mélenchon"])
def test_unknown_names_compare_names_as_they_are_matched(spelling):
    assert [c.text for c in unknown_names([f"Yesterday {spelling} spoke."], {"Jean-Luc Mélenchon"})] == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "محادثات سرية بين واشنطن وموسكو\nقال جيك سوليفان إن المحادثات مع الكرملين كانت مفيدة.\n",
            "language: ar  # detected from the text (Arabic script); correct it if it is wrong\n",
        ),
        (
            "Rozmowy w Moskwie\nSullivan rozmawiał z Patruszewem w zeszłym tygodniu. Według źródeł Patruszew nie potwierdził spotkania. "
            "Doradca Patruszewa odmówił komentarza, a o Patruszewie nie mówiono. Rozmowy trwały kilka godzin.\n",
            "language: pl  # detected from the text (Latin script); correct it if it is wrong\n",
        ),
        (
            "Talks in Moscow\nThe White House has reportedly been holding talks with Kremlin officials, the Wall Street Journal reported "
            "on Sunday, citing unnamed officials. Jake Sullivan has been in contact with Yuri Ushakov, an aide to the president.\n",
            "# language: en  (detected from the text: the site's language, so nothing to set)\n",
        ),
        ("Talks\nShort.\n", "# language: ...  (could not tell from the text; without it, the site's language 'en' is assumed)\n"),
    ],
)
def test_new_article_writes_the_detected_language(tmp_path, text, line):
    site = copy_site("basic", tmp_path)
    (site / "seeds/new-one.txt").write_text(text, encoding="utf-8")
    assert run_cli("new", "article", "new-one", "--source", site).code == 0
    sidecar = (site / "content/articles/new-one.yaml").read_text(encoding="utf-8")
    assert line in sidecar.splitlines(keepends=True)
    if line.startswith("language:"):
        written = sidecar.replace("outlet:  #", "outlet: Agency  #").replace("published:  #", "published: 2022-11-08  #")
        (site / "content/articles/new-one.yaml").write_text(written, encoding="utf-8")
        check = run_cli("check", "--source", site)
        assert check.code == 0 and "language" not in check.out, check.out
