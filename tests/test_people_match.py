"""Finding people's names in text."""

from __future__ import annotations

from digest.people_match import build_name_index, find_names

INDEX = build_name_index({
    "Vladimir Putin": "vladimir-putin",
    "Putin": "vladimir-putin",
    "Vladimir Zelensky": "volodymyr-zelensky",
    "Zelensky": "volodymyr-zelensky",
    "O'Brien": "sean-obrien",
    "Jean-Claude Juncker": "juncker",
})


def names(text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.person) for m in find_names(text, INDEX)]


def test_longest_name_wins():
    assert names("Vladimir Zelensky and Vladimir Putin met Putin.") == [
        ("Vladimir Zelensky", "volodymyr-zelensky"),
        ("Vladimir Putin", "vladimir-putin"),
        ("Putin", "vladimir-putin"),
    ]


def test_possessives_leave_the_s_outside():
    assert names("Putin's and Putin’s men") == [("Putin", "vladimir-putin"), ("Putin", "vladimir-putin")]


def test_apostrophes_in_names_match_either_style():
    assert names("O’Brien and O'Brien") == [("O’Brien", "sean-obrien"), ("O'Brien", "sean-obrien")]


def test_whole_words_and_case_only():
    assert names("Putinism, putin, PUTIN, SuperPutin, Vladimir") == []


def test_hyphenated_names():
    assert names("Jean-Claude Juncker, not Jean-Claude.") == [("Jean-Claude Juncker", "juncker")]


def test_name_at_end_of_text():
    assert names("said Zelensky") == [("Zelensky", "volodymyr-zelensky")]
