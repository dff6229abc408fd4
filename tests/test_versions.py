"""Earlier texts of an article: the sidecar edit that lists one, the diff shown, and how they load."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import digest.link

from digest.errors import Diagnostics
from digest.link import link_site
from digest.load import load_site, version_of
from digest.scaffold import init_site
from digest.schema import ARTICLE_FIELDS, check_record
from digest.versions import add_version, text_changes
from digest.yamlnodes import parse_yaml

ITEM = "  - file: seeds/x.v{n}.md\n    captured: 2024-03-0{n}\n"


def versions_of(text: str) -> tuple[list[dict], datetime.date | None]:
    diagnostics = Diagnostics()
    record = check_record(parse_yaml(text, "x.yaml", diagnostics), ARTICLE_FIELDS, diagnostics)
    assert record is not None and not diagnostics.errors, diagnostics.items
    return [dict(v.values) for v in record.get("versions", [])], record.get("captured")


BASE = 'title: "T"  # kept\noutlet: O\npublished: 2024-03-01\n'


@pytest.mark.parametrize(
    "sidecar",
    [
        BASE,
        BASE + "captured: 2024-03-01\nclaims:\n  # none yet\n",
        BASE + "versions:\n" + ITEM.format(n=1) + "\n# a comment of the next field\nclaims:\n",
        BASE + "versions:\n" + ITEM.format(n=1),
        BASE + "versions: []\n",
        BASE + "versions:\nclaims:\n",
    ],
)
def test_a_version_is_added_last_and_nothing_else_changes(sidecar):
    before, _ = versions_of(sidecar)
    after_text = add_version(sidecar, "seeds/x.v9.md", datetime.date(2024, 3, 9), datetime.date(2024, 3, 10))
    after, captured = versions_of(after_text)
    assert after == before + [{"file": "seeds/x.v9.md", "captured": datetime.date(2024, 3, 9)}]
    assert captured == datetime.date(2024, 3, 10)
    assert after_text.startswith(BASE)
    assert all(line in after_text for line in sidecar.splitlines() if not line.startswith(("captured", "versions:")))


@pytest.mark.parametrize("sidecar", ["- a list\n", BASE + "versions: {file: x}\n", BASE + "versions: [{file: seeds/x.v1.md, captured: 2024-03-01}]\n"])
def test_a_sidecar_that_cannot_be_extended_is_refused(sidecar):
    with pytest.raises(ValueError):
        add_version(sidecar, "seeds/x.v2.md", datetime.date(2024, 3, 9), datetime.date(2024, 3, 10))


def test_changed_paragraphs_mark_the_words_on_each_side():
    (changed, added) = text_changes(["Talks broke down.", "Same here."], ["Talks collapsed.", "Same here.", "A new paragraph."])
    assert [t for t, differs in changed.before if differs] == ["broke down."]
    assert [t for t, differs in changed.after if differs] == ["collapsed."]
    assert (added.before, [t for t, differs in added.after if differs]) == ((), ["A new paragraph."])
    assert text_changes(["Same."], ["Same."]) == ()


@pytest.mark.parametrize(("stem", "stems", "found"), [("x.v1", {"x", "x.v1"}, ("x", 1)), ("x.v12", {"x"}, ("x", 12)), ("report.v2", {"other"}, None), ("x.v0", {"x"}, None), ("x.version", {"x"}, None)])
def test_only_a_numbered_text_beside_its_seed_is_a_version(stem, stems, found):
    assert version_of(stem, stems) == found


def test_a_listed_version_that_is_missing_is_an_error(tmp_path: Path):
    root = tmp_path / "site"
    init_site(root, "T", "https://example.org/")
    (root / "seeds/x.md").write_text("# T\n\nNow.\n", encoding="utf-8")
    (root / "seeds/report.v2.md").write_text("# Report\n\nA seed of its own.\n", encoding="utf-8")
    (root / "content/articles/x.yaml").write_text(
        "outlet: O\npublished: 2024-03-01\nversions:\n  - file: seeds/x.v1.md\n    captured: 2024-03-01\n", encoding="utf-8")
    diagnostics = Diagnostics()
    loaded = load_site(root, diagnostics)
    assert set(loaded.seeds) == {"x", "report.v2"}
    link_site(loaded, diagnostics)
    assert [str(d) for d in diagnostics.items if d.severity == "error"] == [
        "content/articles/x.yaml:4:11: error: no earlier text 'seeds/x.v1.md': an earlier text of this article is a file seeds/x.v<N>.md (or .txt)"
    ]


@pytest.mark.parametrize(("listed", "parsed"), [(0, 0), (1, 2), (2, 3)])
def test_a_text_is_cut_into_paragraphs_only_to_compare_it_with_an_earlier_one(tmp_path: Path, monkeypatch, listed: int, parsed: int):
    """Each article's text was once parsed a second time, for a comparison that without versions never came."""
    root = tmp_path / "site"
    init_site(root, "T", "https://example.org/")
    for name, text in (("x.md", "# T\n\nNow.\n"), ("x.v1.md", "# T\n\nFirst.\n"), ("x.v2.md", "# T\n\nThen.\n")):
        (root / "seeds" / name).write_text(text, encoding="utf-8")
    items = "".join(ITEM.format(n=n) for n in range(1, listed + 1))
    (root / "content/articles/x.yaml").write_text(BASE + ("versions:\n" + items if items else ""), encoding="utf-8")
    cut = []
    original = digest.link.version_paragraphs
    monkeypatch.setattr(digest.link, "version_paragraphs", lambda text, is_markdown: cut.append(text) or original(text, is_markdown))
    diagnostics = Diagnostics()
    graph = link_site(load_site(root, diagnostics), diagnostics)
    assert graph is not None and not diagnostics.errors, diagnostics.items
    assert len(cut) == parsed
    assert [v.file for v in graph.articles["x"].versions] == [f"seeds/x.v{n}.md" for n in range(1, listed + 1)]
    assert [len(v.changes) for v in graph.articles["x"].versions] == [1] * listed
