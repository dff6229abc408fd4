"""`digest import`: saved pages and feeds (tests/data/import, made for these tests) -> seeds and sidecars."""

from __future__ import annotations

import datetime
import os
import shutil
from pathlib import Path

import pytest

from digest.authoring.extract import ExtractedArticle
from digest.authoring.importer import article_stem, expand_paths
from digest.authoring.scaffold import init_site
from digest.errors import Diagnostics
from digest.source.load import load_site

from conftest import read_tree, run_cli

PAGES = Path(__file__).parent / "data" / "import"
STEM = "the-daily-ledger-2024-03-14-envoys-meet-in-geneva-as-talks-resume"
ARTICLE_TEXT = """\
Negotiators from both governments met in Geneva on Thursday for the first time since talks broke down in the autumn, officials said.

The envoy, Jake Sullivan, told reporters that the meeting had been *constructive* and that a second round was planned for April.

## A cautious start

According to two people familiar with the discussions, the sides agreed to exchange written proposals on prisoner releases before the next round.

The foreign ministry said in a [statement](https://ministry.example.org/statement) that no agreement had been reached on the wider ceasefire.
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    init_site(root, "Imports", "https://example.org/imports/")
    (root / "content/people/jake-sullivan.yaml").write_text('name: "Jake Sullivan"\n', encoding="utf-8")
    return root


def saved(tmp_path: Path, name: str, saved_on: datetime.date = datetime.date(2024, 3, 15)) -> Path:
    """A copy of a fixture page whose file says it was saved on ``saved_on``."""
    target = tmp_path / "saved" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PAGES / name, target)
    stamp = datetime.datetime.combine(saved_on, datetime.time(12), datetime.UTC).timestamp()
    os.utime(target, (stamp, stamp))
    return target


def test_a_news_page_imports_to_exactly_its_article(site, tmp_path):
    run = run_cli("import", saved(tmp_path, "news-page.html"), "--source", site)
    assert run.code == 0, run.err
    assert (site / f"seeds/{STEM}.md").read_text(encoding="utf-8") == ARTICLE_TEXT
    record = load_site(site, Diagnostics()).sidecars[STEM]
    assert {k: record.get(k) for k in ("title", "outlet", "url", "published", "author", "language", "captured")} == {
        "title": "Envoys meet in Geneva as talks resume",
        "outlet": "The Daily Ledger",
        "url": "https://ledger.example.com/world/2024/03/envoys-meet-in-geneva",
        "published": datetime.date(2024, 3, 14),
        "author": "Maria Keller",
        "language": "en",
        "captured": datetime.date(2024, 3, 15),
    }
    sidecar = (site / f"content/articles/{STEM}.yaml").read_text(encoding="utf-8")
    assert "#   jake-sullivan: Jake Sullivan (1 mention)" in sidecar  # the candidates `digest new article` lists
    assert "#   Geneva (1x)" in sidecar
    assert run.out.splitlines()[-1] == "imported 1, skipped 0 as duplicates, 0 failed"
    assert run_cli("check", "--source", site).code == 0


@pytest.mark.parametrize("dropped", ["Home", "Advertisement", "Share on", "Delegates arrive", "Related stories", "Great reporting", "All rights reserved", "Maria Keller"])
def test_nothing_around_the_article_reaches_the_seed(site, tmp_path, dropped):
    run_cli("import", saved(tmp_path, "news-page.html"), "--source", site)
    assert dropped not in (site / f"seeds/{STEM}.md").read_text(encoding="utf-8")


def test_a_feed_with_three_full_text_entries_imports_three_seeds(site, tmp_path):
    run = run_cli("import", saved(tmp_path, "wire-feed.xml"), "--source", site)
    assert run.code == 0, run.err
    assert sorted(p.name for p in (site / "seeds").glob("*.md")) == [
        "northern-wire-2024-05-02-ports-reopen-after-the-strike.md",
        "northern-wire-2024-05-03-central-bank-holds-rates.md",
        "northern-wire-2024-05-04-floods-close-mountain-roads.md",
    ]
    loaded = load_site(site, Diagnostics())
    rates = loaded.sidecars["northern-wire-2024-05-03-central-bank-holds-rates"]
    assert (rates.get("outlet"), rates.get("author"), rates.get("language"), rates.get("url")) == (
        "Northern Wire", "Kari Nordmann", "en-GB", "https://wire.example.net/2024/05/03/rates-held")
    assert loaded.seeds["northern-wire-2024-05-03-central-bank-holds-rates"].text == (
        "The central bank left its main interest rate unchanged on Friday, saying inflation was falling more slowly than it had expected in March.\n\n"
        "The governor told a news conference that *patience* was still needed and that cuts were unlikely before the autumn.\n"
    )
    assert run.out.splitlines()[-1] == "imported 3, skipped 0 as duplicates, 0 failed"
    assert run_cli("check", "--source", site).code == 0


def test_importing_again_changes_nothing(site, tmp_path):
    files = [saved(tmp_path, "news-page.html"), saved(tmp_path, "wire-feed.xml")]
    assert run_cli("import", *files, "--source", site).code == 0
    before = read_tree(site)
    again = run_cli("import", *files, "--source", site)
    assert again.code == 0
    assert read_tree(site) == before
    assert again.out.splitlines()[-1] == "imported 0, skipped 4 as duplicates, 0 failed"


def test_the_same_text_under_another_address_is_a_duplicate(site, tmp_path):
    page = saved(tmp_path, "news-page.html")
    run_cli("import", page, "--source", site)
    elsewhere = tmp_path / "saved" / "mirror.html"
    elsewhere.write_text(page.read_text(encoding="utf-8").replace("ledger.example.com", "mirror.example.com"), encoding="utf-8")
    run = run_cli("import", elsewhere, "--source", site)
    assert f"skipped: same text as seeds/{STEM}" in run.out
    assert len(list((site / "seeds").glob("*.md"))) == 1


def test_one_run_does_not_import_an_article_twice(site, tmp_path):
    page = saved(tmp_path, "news-page.html")
    copy = tmp_path / "saved" / "copy.htm"
    shutil.copyfile(page, copy)
    run = run_cli("import", tmp_path / "saved", "--source", site)
    assert run.out.splitlines()[-1] == "imported 1, skipped 1 as duplicate, 0 failed"


def test_a_browsers_single_file_archive_imports(site, tmp_path):
    run = run_cli("import", saved(tmp_path, "news-page.mhtml"), "--source", site)
    assert run.code == 0, run.err
    record = load_site(site, Diagnostics()).sidecars[STEM]
    assert record.get("captured") == datetime.date(2024, 3, 16)  # the archive's own date, not the file's
    assert (site / f"seeds/{STEM}.md").read_text(encoding="utf-8") == ARTICLE_TEXT.replace("broke down", "broke off")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.html", "not an HTML page or a feed (no HTML elements found)"),
        ("image.html", "not a web page or feed (binary data)"),
        ("script-only.html", "no article text found: the page may show its text only with JavaScript"),
        ("latin1-declared-utf8.html", "cannot be read as its declared charset 'utf-8': byte 0xe9 at offset 60 is not valid there"),
    ],
)
def test_a_file_without_an_article_is_reported_and_the_rest_still_import(site, tmp_path, name, message):
    bad = saved(tmp_path, f"bad/{name}")
    good = saved(tmp_path, "news-page.html")
    run = run_cli("import", bad, good, "--source", site)
    assert run.code == 1
    error = next(line for line in run.err_lines if ": error: " in line)
    assert error.startswith(f"{bad}: error: {message}")
    assert [p.name for p in (site / "seeds").glob("*.md")] == [f"{STEM}.md"]
    assert len(list((site / "content/articles").glob("*.yaml"))) == 1
    assert run.out.splitlines()[-1] == "imported 1, skipped 0 as duplicates, 1 failed"


def test_missing_paths_and_empty_patterns_are_reported(site, tmp_path):
    run = run_cli("import", tmp_path / "nowhere.html", str(tmp_path / "*.rss"), "--source", site)
    assert run.code == 1
    assert f"{tmp_path / 'nowhere.html'}: error: no such file or folder" in run.err_lines
    assert f"{tmp_path / '*.rss'}: error: no file matches this pattern" in run.err_lines


def test_folders_and_globs_expand_to_pages_and_feeds(tmp_path):
    for name in ("b.html", "a.xml", "notes.txt", "sub/c.mhtml", ".hidden.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    files, failed = expand_paths([str(tmp_path), str(tmp_path / "*.html")])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a.xml", "b.html", "sub/c.mhtml"]
    assert failed == []


def test_no_progress_bar_unless_stderr_is_a_terminal(site, tmp_path):
    run = run_cli("import", saved(tmp_path, "wire-feed.xml"), "--source", site)
    assert "\r" not in run.err and "importing [" not in run.err


@pytest.mark.parametrize(
    ("outlet", "published", "title", "url", "stem"),
    [
        ("The Daily Ledger", datetime.date(2024, 3, 14), "Envoys meet", "", "the-daily-ledger-2024-03-14-envoys-meet"),
        ("Le Monde", datetime.date(2024, 1, 2), "Les négociations reprennent à Genève", "", "le-monde-2024-01-02-les-negociations-reprennent-a-geneve"),
        ("", None, "Переговоры возобновились", "https://www.example.ru/x", "example-ru-peregovory-vozobnovilis"),
        ("新闻", None, "会谈", "", "article"),
        ("Con", None, "", "", "con-article"),
    ],
)
def test_stems_are_ascii_ids_made_from_outlet_date_and_title(outlet, published, title, url, stem):
    made = article_stem(ExtractedArticle(body="", title=title, outlet=outlet, url=url, published=published), set())
    assert made == stem
    assert made.isascii() and len(made) <= 80


def test_a_taken_stem_gets_a_number():
    article = ExtractedArticle(body="", title="Envoys meet", outlet="Ledger", published=datetime.date(2024, 3, 14))
    assert article_stem(article, {"ledger-2024-03-14-envoys-meet", "ledger-2024-03-14-envoys-meet-2"}) == "ledger-2024-03-14-envoys-meet-3"


CLAIMS = """\
claims:
  - id: talks-broke-down
    quote: "for the first time since talks broke down in the autumn"
    text: A claim.
    status: reported
  - id: constructive
    quote: "the meeting had been constructive"
    text: A claim.
    status: reported
  - id: no-agreement
    quote: "no agreement had been reached on the wider ceasefire"
    text: A claim.
    status: reported
  - id: proposals
    quote: "exchange written proposals on prisoner releases"
    text: A claim.
    status: reported
"""


@pytest.fixture
def changed_copy(site, tmp_path):
    """The news page imported and annotated, then a copy the outlet changed imported over it: (run, sidecar path)."""
    run_cli("import", saved(tmp_path, "news-page.html", datetime.date(2024, 3, 15)), "--source", site)
    sidecar = site / f"content/articles/{STEM}.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("claims:\n", CLAIMS, 1), encoding="utf-8")
    assert run_cli("check", "--source", site).code == 0
    return run_cli("import", saved(tmp_path, "news-page-updated.html", datetime.date(2024, 3, 20)), "--source", site), sidecar


def test_a_changed_copy_becomes_version_2_and_the_earlier_text_is_kept(site, changed_copy):
    run, _ = changed_copy
    assert f"version 2 of {STEM} (the earlier text is seeds/{STEM}.v1.md)" in run.out
    assert run.out.splitlines()[-1] == "imported 0, 1 new version of existing articles, skipped 0 as duplicates, 0 failed"
    assert (site / f"seeds/{STEM}.v1.md").read_text(encoding="utf-8") == ARTICLE_TEXT
    assert "talks collapsed" in (site / f"seeds/{STEM}.md").read_text(encoding="utf-8")
    loaded = load_site(site, Diagnostics())
    assert list(loaded.seeds) == [STEM]  # the earlier text is no seed of its own
    record = loaded.sidecars[STEM]
    assert record.get("captured") == datetime.date(2024, 3, 20)
    assert [dict(v.values) for v in record.get("versions")] == [{"file": f"seeds/{STEM}.v1.md", "captured": datetime.date(2024, 3, 15)}]


def test_quotes_are_re_anchored_and_a_change_of_meaning_is_reported_not_fixed(site, changed_copy):
    run, sidecar = changed_copy
    text = sidecar.read_text(encoding="utf-8")
    assert 'quote: "for the first time since talks collapsed in the autumn"' in text
    assert 'quote: "the meeting had been very constructive"' in text
    assert 'quote: "no agreement had been reached on the wider ceasefire"' in text  # left for a person
    assert 'quote: "exchange written proposals on prisoner releases"' in text
    fixed = [line for line in run.err_lines if ": fixed: quote" in line]
    assert len(fixed) == 2
    (warning,) = [line for line in run.err_lines if ": warning: quote" in line]
    assert warning.startswith(f"content/articles/{STEM}.yaml:") or f"content/articles/{STEM}.yaml:" in warning
    assert '"no agreement had been reached on the wider ceasefire" is not in the new text' in warning
    assert 'a negation disappears ("no")' in warning


def test_importing_either_copy_again_changes_nothing(site, tmp_path, changed_copy):
    before = read_tree(site)
    again = run_cli("import", saved(tmp_path, "news-page.html", datetime.date(2024, 3, 15)),
                    saved(tmp_path, "news-page-updated.html", datetime.date(2024, 3, 20)), "--source", site)
    assert read_tree(site) == before
    assert again.out.splitlines()[-1] == "imported 0, skipped 2 as duplicates, 0 failed"


def test_the_article_page_and_data_json_show_what_the_outlet_changed(site, tmp_path, changed_copy):
    from bs4 import BeautifulSoup

    _, sidecar = changed_copy
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace('"no agreement had been', '"an agreement had been'), encoding="utf-8")
    built = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert built.code == 0, built.err
    page = BeautifulSoup((tmp_path / "out/articles/envoys-meet-in-geneva-as-talks-resume/index.html").read_text(encoding="utf-8"), "html.parser")
    versions = page.select_one("section.versions")
    assert versions.h2.get_text() == "The Daily Ledger changed this article"
    assert "version 2, as captured on 20 March 2024" in " ".join(versions.p.get_text().split())
    assert [t["datetime"] for t in versions.summary.find_all("time")] == ["2024-03-15", "2024-03-20"]
    assert [d.get_text() for d in versions.find_all("del")] == ["broke down", "no"]
    assert [i.get_text() for i in versions.find_all("ins")] == ["collapsed", "very", "an"]
    import json

    data = json.loads((tmp_path / "out/data.json").read_text(encoding="utf-8"))
    (article,) = data["articles"]
    assert article["captured"] == "2024-03-20"
    (version,) = article["versions"]
    assert (version["number"], version["file"], version["captured"], version["replaced"]) == (1, f"seeds/{STEM}.v1.md", "2024-03-15", "2024-03-20")
    assert [(c["removed"], c["added"]) for c in version["changes"]] == [(["broke down"], ["collapsed"]), ([], ["very"]), (["no"], ["an"])]


def hand_made(site: Path, text: str) -> None:
    """The article as an editor pasted it before digest import: a plain seed, headline first, and a sidecar without a title."""
    (site / "seeds/ledger-envoys.txt").write_text(text, encoding="utf-8")
    (site / "content/articles/ledger-envoys.yaml").write_text(
        "outlet: The Daily Ledger\npublished: 2024-03-14\nurl: https://ledger.example.com/world/2024/03/envoys-meet-in-geneva\n", encoding="utf-8")


PASTED = "Envoys meet in Geneva as talks resume\n" + "\n".join(
    line.replace("*", "").replace("## ", "").replace("[statement](https://ministry.example.org/statement)", "statement")
    for line in ARTICLE_TEXT.splitlines() if line
) + "\n"


def test_a_hand_pasted_copy_of_the_same_words_is_a_duplicate(site, tmp_path):
    hand_made(site, PASTED)
    run = run_cli("import", saved(tmp_path, "news-page.html"), "--source", site)
    assert "skipped: same text as seeds/ledger-envoys" in run.out
    assert sorted(p.name for p in (site / "seeds").iterdir() if not p.name.startswith(".")) == ["ledger-envoys.txt"]


def test_a_changed_copy_of_a_hand_pasted_seed_keeps_it_as_version_1(site, tmp_path):
    hand_made(site, PASTED)
    run = run_cli("import", saved(tmp_path, "news-page-updated.html"), "--source", site)
    assert run.code == 0, run.err
    assert sorted(p.name for p in (site / "seeds").iterdir() if not p.name.startswith(".")) == ["ledger-envoys.md", "ledger-envoys.v1.txt"]
    assert (site / "seeds/ledger-envoys.v1.txt").read_text(encoding="utf-8") == PASTED
    assert (site / "seeds/ledger-envoys.md").read_text(encoding="utf-8").startswith("# Envoys meet in Geneva as talks resume\n\nNegotiators")
    assert run_cli("check", "--source", site).code == 0


def test_a_copy_older_than_the_current_text_is_not_made_current(site, tmp_path):
    run_cli("import", saved(tmp_path, "news-page-updated.html", datetime.date(2024, 3, 20)), "--source", site)
    before = read_tree(site)
    run = run_cli("import", saved(tmp_path, "news-page.html", datetime.date(2024, 3, 15)), "--source", site)
    assert run.code == 1
    assert "(captured 2024-03-15) is older than its current text (captured 2024-03-20)" in run.err
    assert read_tree(site) == before


def test_copies_named_in_one_run_are_taken_in_the_order_they_were_saved(site, tmp_path):
    """A glob sorts "news-page-updated.html" before "news-page.html": the earlier save must still become the earlier version."""
    saved(tmp_path, "news-page.html", datetime.date(2024, 3, 15))
    saved(tmp_path, "news-page-updated.html", datetime.date(2024, 3, 20))
    run = run_cli("import", str(tmp_path / "saved" / "*.html"), "--source", site)
    assert run.code == 0, run.err
    assert "talks collapsed" in (site / f"seeds/{STEM}.md").read_text(encoding="utf-8"), "the later save is current"
    assert (site / f"seeds/{STEM}.v1.md").read_text(encoding="utf-8") == ARTICLE_TEXT
    assert "warning" not in run.out + run.err


def test_two_copies_captured_the_same_day_say_which_was_taken_as_newer(site, tmp_path):
    saved(tmp_path, "news-page.html", datetime.date(2024, 3, 15))
    saved(tmp_path, "news-page-updated.html", datetime.date(2024, 3, 15))
    run = run_cli("import", tmp_path / "saved" / "news-page.html", tmp_path / "saved" / "news-page-updated.html", "--source", site)
    assert run.code == 0, run.err
    [warning] = [line for line in (run.out + run.err).splitlines() if "warning: this copy and the earlier text were both captured on 2024-03-15" in line]
    assert "news-page-updated.html" in warning and f"swap seeds/{STEM}.md and seeds/{STEM}.v1.md" in warning
