"""Word-level differences between two outlets' wordings."""

from __future__ import annotations

import pytest

from digest.text.wording import word_diff


def marked(mine: str, theirs: str) -> list[str]:
    return [text for text, differs in word_diff(mine, theirs).pieces if differs]


@pytest.mark.parametrize("mine, theirs, expected", [
    ("Sullivan has been in touch with Yuri Ushakov", "Jake Sullivan has been in contact with Yuri Ushakov", ["touch"]),
    ("Jake Sullivan has been in contact with Yuri Ushakov", "Sullivan has been in touch with Yuri Ushakov", ["Jake", "contact"]),
    ("a foreign policy aide to Mr. Putin", "a foreign-policy adviser to Mr. Putin", ["aide"]),
    ("“catastrophic consequences,” he said", '"Catastrophic consequences" he said', []),
    ("visiting Kiev last week", "visiting Kyiv last week", ["Kiev"]),
    ("same words", "same words", []),
    ("all new", "", ["all new"]),
])
def test_marks_the_words_the_other_wording_lacks(mine, theirs, expected):
    assert marked(mine, theirs) == expected


def test_pieces_rebuild_the_text_and_spaces_stay_outside_marks():
    text = "Sullivan has been in touch with Yuri Ushakov, a foreign policy aide"
    diff = word_diff(text, "Jake Sullivan has been in contact with Yuri Ushakov, a foreign-policy adviser")
    assert "".join(piece for piece, _ in diff.pieces) == text
    assert all(piece == piece.strip() for piece, differs in diff.pieces if differs)
    assert [flag for _, flag in diff.pieces] == [False, True, False, True]
    assert diff.shared == pytest.approx(10 / 12)  # all but "touch" and "aide" of its twelve words


def test_empty_wordings():
    assert word_diff("", "anything").pieces == ()
    assert word_diff("", "").shared == 1.0
