"""Finding people's names in text."""

from __future__ import annotations

import re
import shutil

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.text import people_match
from digest.text.people_match import NameIndex, build_name_index, changed_spellings, find_names, fold_name, spelling_finder
from digest.text.seedtext import parse_markdown

from conftest import SITES, run_cli

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


# -- names in any spacing, with any hyphen -------------------------------------------------------

SPACED = build_name_index({
    "Ana de la Cruz": "ana-de-la-cruz",
    "Cruz": "pedro-cruz",
    "Jean-Luc Mélenchon": "jean-luc-melenchon",
    "Mélenchon": "jean-luc-melenchon",
    "'t Hooft": "gerard-t-hooft",
    "Martin Luther King Jr.": "mlk",
})


def spaced(text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.person) for m in find_names(text, SPACED)]


SPACES = {
    "soft line break": "\n",
    "carriage return and line feed": "\r\n",
    "no-break space U+00A0": "\u00a0",
    "narrow no-break space U+202F": "\u202f",
    "figure space U+2007": "\u2007",
    "thin space U+2009": "\u2009",
    "ideographic space U+3000": "\u3000",
    "two spaces": "  ",
    "tab": "\t",
    "line break and indent": "\n   ",
    "space, soft hyphen, space": " \u00ad ",
}


@pytest.mark.parametrize("space", SPACES.values(), ids=SPACES.keys())
def test_any_run_of_whitespace_inside_a_name_matches(space):
    text = f"Then Ana de la{space}Cruz spoke."
    assert spaced(text) == [(f"Ana de la{space}Cruz", "ana-de-la-cruz")], "and not Pedro Cruz, for the shorter 'Cruz'"


@pytest.mark.parametrize("space", SPACES.values(), ids=SPACES.keys())
def test_whitespace_in_the_alias_is_folded_too(space):
    index = build_name_index({f"Ana{space}de la Cruz": "ana-de-la-cruz", "Cruz": "pedro-cruz"})
    assert [(m.start, m.end, m.person) for m in find_names("by Ana de la Cruz", index)] == [(3, 17, "ana-de-la-cruz")]


HYPHENS = {
    "hyphen-minus": "-",
    "hyphen U+2010": "\u2010",
    "non-breaking hyphen U+2011": "\u2011",
}


@pytest.mark.parametrize("hyphen", HYPHENS.values(), ids=HYPHENS.keys())
def test_unicode_hyphens_inside_a_name_match_the_plain_hyphen(hyphen):
    text = f"Jean{hyphen}Luc Mélenchon, then Mélenchon."
    assert spaced(text) == [(f"Jean{hyphen}Luc Mélenchon", "jean-luc-melenchon"), ("Mélenchon", "jean-luc-melenchon")]


@pytest.mark.parametrize("dash", ["\u2012", "\u2013", "\u2014", "\u2212"], ids=["figure dash", "en dash", "em dash", "minus"])
def test_dashes_are_not_hyphens(dash):
    """A dash joins numbers or clauses, not the parts of a name: only the surname links."""
    assert spaced(f"Jean{dash}Luc Mélenchon") == [("Mélenchon", "jean-luc-melenchon")]


def test_a_soft_hyphen_inside_a_word_is_invisible():
    assert spaced("Mélen\u00adchon and Jean-\u00adLuc Mélenchon") == [
        ("Mélen\u00adchon", "jean-luc-melenchon"),
        ("Jean-\u00adLuc Mélenchon", "jean-luc-melenchon"),
    ]


def test_offsets_cover_the_original_text_after_folded_runs():
    """Squeezed runs before a name shift the folded text; the offsets still point into the original."""
    text = "A\t\t\u00a0 long \n\n  gap, Ana  de\u00a0la\n Cruz,\u00ad\u00adthen  Cruz."
    found = find_names(text, SPACED)
    assert [(text[m.start : m.end], m.person) for m in found] == [
        ("Ana  de\u00a0la\n Cruz", "ana-de-la-cruz"),
        ("Cruz", "pedro-cruz"),
    ]


def test_alias_beginning_with_punctuation_is_linked():
    assert spaced("Gerard 't Hooft and Gerard ’t Hooft, not don't Hooft") == [
        ("'t Hooft", "gerard-t-hooft"),
        ("’t Hooft", "gerard-t-hooft"),
    ]


def test_alias_beginning_with_punctuation_at_the_start_of_the_text():
    assert spaced("'t Hooft won.") == [("'t Hooft", "gerard-t-hooft")]


def test_alias_ending_with_punctuation_is_linked_as_a_whole_word():
    assert spaced("Martin Luther King Jr. spoke; Martin Luther King Jr.x did not.") == [("Martin Luther King Jr.", "mlk")]


def test_an_alias_without_a_word_is_not_indexed():
    index = build_name_index({"--": "dash", "'": "apostrophe", "Cruz": "pedro-cruz"})
    assert [m.person for m in find_names("-- ' Cruz", index)] == ["pedro-cruz"]


@pytest.mark.parametrize(
    ("first", "second"),
    [("Ana de la Cruz", "Ana de la\u00a0Cruz"), ("Jean-Luc", "Jean\u2011Luc"), ("O'Brien", "O’Brien"), (" Cruz ", "Cruz")],
)
def test_fold_name_makes_spellings_that_match_alike_equal(first, second):
    assert fold_name(first) == fold_name(second)


def test_markdown_seed_with_a_soft_break_inside_a_name():
    """Through the seed pipeline: a Markdown paragraph broken across lines keeps a newline in its text."""
    _, seed = parse_markdown("# Title\n\nThe minister Ana de la\nCruz said so, and *Ana de\nla Cruz* again.\n", set(), drop_first_h1=True)
    (block,) = seed.blocks
    assert [(block.text[m.start : m.end], m.person) for m in find_names(block.text, SPACED)] == [
        ("Ana de la\nCruz", "ana-de-la-cruz"),
        ("Ana de\nla Cruz", "ana-de-la-cruz"),
    ]


class _CountingLookup(dict):
    """An index whose every lookup is counted: the work of a scan."""

    lookups = 0
    tried = 0

    def get(self, key, default=None):
        type(self).lookups += 1
        candidates = super().get(key, default)
        return _Counted(candidates) if candidates else candidates


class _Counted(tuple):
    def __iter__(self):
        for item in super().__iter__():
            _CountingLookup.tried += 1
            yield item


def _scan_work(text: str) -> tuple[int, int]:
    index = build_name_index({"Ana de la Cruz": "a", "Ana de la Rosa": "b", "Ana": "c", "de la": "d", "'t Hooft": "e"})
    _CountingLookup.lookups = _CountingLookup.tried = 0
    find_names(text, NameIndex(_CountingLookup(index.by_first_word), index.key))
    return _CountingLookup.lookups, _CountingLookup.tried


def test_matching_is_linear_in_text_length():
    """Near misses in odd spacing: each word is looked up once and tries a bounded number of aliases."""
    unit = "Ana  de\u00a0la\nCru 't\tHoof de la "
    small, large = _scan_work(unit * 200), _scan_work(unit * 2000)
    assert large[0] <= 10 * small[0] + 10 and large[1] <= 10 * small[1] + 10
    words = len(unit.split()) * 2000
    assert large[0] <= words and large[1] <= 4 * words


def test_built_article_links_names_in_any_spacing(tmp_path):
    """End to end: a .md seed's soft break and a no-break space link the full name, not another person's surname."""
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    people = source / "content" / "people"
    (people / "ana-de-la-cruz.yaml").write_text("name: Ana de la Cruz\n", encoding="utf-8")
    (people / "pedro-cruz.yaml").write_text("name: Pedro Cruz\naliases: [Cruz]\n", encoding="utf-8")
    (people / "jean-luc-melenchon.yaml").write_text("name: Jean-Luc Mélenchon\naliases: [\"'t Mélenchon\"]\n", encoding="utf-8")
    (source / "seeds" / "cruz.md").write_text(
        "# The Cruz story\n\nThe minister Ana de la\nCruz said so; Ana de la\u00a0Cruz\tagreed.\n\n"
        "Jean\u2011Luc  Mélenchon and ’t Mélenchon did not, nor did Cruz.\n",
        encoding="utf-8",
    )
    (source / "content" / "articles" / "cruz.yaml").write_text("outlet: Outlet One\npublished: 2022-11-09\n", encoding="utf-8")
    output = tmp_path / "out"
    result = run_cli("build", "--source", source, "--output", output)
    assert result.code == 0, result.err
    page = output / "articles" / "the-cruz-story" / "index.html"
    links = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select(".article-text a.person")
    assert [(a["data-person"], a.get_text()) for a in links] == [
        ("ana-de-la-cruz", "Ana de la\nCruz"),
        ("ana-de-la-cruz", "Ana de la\u00a0Cruz"),
        ("jean-luc-melenchon", "Jean\u2011Luc  Mélenchon"),
        ("jean-luc-melenchon", "’t Mélenchon"),
        ("pedro-cruz", "Cruz"),
    ]


# -- Arabic words written onto the name -----------------------------------------------------------

ARABIC = build_name_index({
    "نيكولاي باتروشيف": "nikolai-patrushev",
    "باتروشيف": "nikolai-patrushev",
    "لافروف": "sergei-lavrov",
    "بوتين": "vladimir-putin",
    "السيسي": "abdel-fattah-el-sisi",
})


def arabic(text: str) -> list[tuple[str, str, str]]:
    """(what comes before the link in its word, the linked text, person)."""
    found = []
    for match in find_names(text, ARABIC):
        word_start = match.start
        while word_start > 0 and text[word_start - 1].isalnum():
            word_start -= 1
        found.append((text[word_start : match.start], text[match.start : match.end], match.person))
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ونيكولاي باتروشيف", [("و", "نيكولاي باتروشيف", "nikolai-patrushev")]),  # and
        ("فباتروشيف", [("ف", "باتروشيف", "nikolai-patrushev")]),  # so
        ("بباتروشيف", [("ب", "باتروشيف", "nikolai-patrushev")]),  # with
        ("لباتروشيف", [("ل", "باتروشيف", "nikolai-patrushev")]),  # to
        ("كباتروشيف", [("ك", "باتروشيف", "nikolai-patrushev")]),  # like
        ("وبباتروشيف", [("وب", "باتروشيف", "nikolai-patrushev")]),
        ("ولباتروشيف", [("ول", "باتروشيف", "nikolai-patrushev")]),
        ("الباتروشيف", [("ال", "باتروشيف", "nikolai-patrushev")]),
        ("فالباتروشيف", [("فال", "باتروشيف", "nikolai-patrushev")]),
        ("وبالباتروشيف", [("وبال", "باتروشيف", "nikolai-patrushev")]),
        ("ولافروف", [("و", "لافروف", "sergei-lavrov")]),  # a name that starts with a prefix letter
        ("لافروف", [("", "لافروف", "sergei-lavrov")]),
        ("بوتين ولبوتين", [("", "بوتين", "vladimir-putin"), ("ول", "بوتين", "vladimir-putin")]),
        ("والسيسي", [("و", "السيسي", "abdel-fattah-el-sisi")]),  # a name with its own article
        ("فبالسيسي", [("فب", "السيسي", "abdel-fattah-el-sisi")]),
        ("للسيسي", [("ل", "لسيسي", "abdel-fattah-el-sisi")]),  # ل + السيسي drops the alif
        ("وللسيسي", [("ول", "لسيسي", "abdel-fattah-el-sisi")]),
    ],
)
def test_arabic_prefixes_stay_outside_the_link(text, expected):
    assert arabic(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "وبوتينية",  # the name inside a longer word
        "سباتروشيف",  # not a prefix
        "ووباتروشيف",  # two conjunctions
        "بلباتروشيف",  # two prepositions
        "السيسيون",
    ],
)
def test_arabic_words_that_only_contain_a_name_are_not_linked(text):
    assert arabic(text) == []


def test_attached_prefixes_keep_matching_linear():
    """Every word may try each of its prefixes: a bounded number of lookups per word, whatever the text's length."""
    unit = "ولبالكرملين وفلاتروشيف للسيسيات والباتروشيفي "

    def lookups(text: str) -> int:
        _CountingLookup.lookups = 0
        find_names(text, NameIndex(_CountingLookup(ARABIC.by_first_word), ARABIC.key, ARABIC.elided))
        return _CountingLookup.lookups

    small, large = lookups(unit * 200), lookups(unit * 2000)
    assert 0 < large <= 10 * small + 10
    assert large <= 8 * len(unit.split()) * 2000


@pytest.mark.parametrize(("spelling", "text"), [
    ("Jake Sullivan", "met Jake\u00a0Sullivan today"),
    ("Jake Sullivan", "met Jake \n  Sullivan today"),
    ("Jake Sullivan", "met Ja\u00adke Sul\u2060livan today"),
    ("O'Brien", "said O\u2019Brien"),
    ("Jean-Claude", "Jean\u2011Claude"),
    ("السيسي", "قال للسيسي"),
])
def test_the_spelling_finder_finds_a_spelling_however_it_is_written(spelling, text):
    finder = spelling_finder(frozenset({fold_name(spelling)}))
    assert finder is not None and finder.search(text)


def test_changed_spellings_are_those_added_removed_or_given_to_another_person():
    before = {"Putin": "vladimir-putin", "Sullivan": "jake-sullivan", "Kyiv": "x"}
    after = {"Putin": "vladimir-putin", "Sullivan": "sean-obrien", "Zelensky": "volodymyr-zelensky"}
    assert changed_spellings(before, after) == {"Sullivan", "Kyiv", "Zelensky"}
    assert spelling_finder(changed_spellings(before, before)) is None


_PIECES = ["Ana", "Cruz", "de", "la", "Ana de la Cruz", "O'Brien", "O\u2019Brien", "Jean-Claude", "Jean\u2011Claude", "Putin's",
           " ", "\u00a0", "\u00ad", "\n", ", ", ".", "وال", "السيسي", "للسيسي", "و", "x"]
_ALIASES = ["Ana", "Cruz", "Ana de la Cruz", "de la Cruz", "O'Brien", "Jean-Claude", "Claude", "Putin", "السيسي", "x"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from(_PIECES), max_size=14).map("".join),
    before=st.dictionaries(st.sampled_from(_ALIASES), st.sampled_from(["p1", "p2", "p3"]), max_size=6),
    after=st.dictionaries(st.sampled_from(_ALIASES), st.sampled_from(["p1", "p2", "p3"]), max_size=6),
)
def test_a_text_the_finder_passes_over_has_the_same_names_with_either_index(text, before, after):
    """What lets a person edit leave most articles alone (`link._names_unchanged`)."""
    finder = spelling_finder(changed_spellings(before, after))
    if finder is None or not finder.search(text):
        assert find_names(text, build_name_index(before)) == find_names(text, build_name_index(after))


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["Vladimir", "Putin", "Putin's", "Zelensky", "O'Brien", "O\u2019Brien", "Jean-Claude", "Juncker", "Jean\u2011Claude",
                                 "Vladimirs", "xPutin", "Putin_", "said", "—", "\u00a0", " ", "\n", "  ", "\u00ad", ",", "."]), max_size=40))
def test_placing_only_name_starting_words_finds_what_a_word_by_word_scan_finds(parts):
    """`_candidate_words` places only the words the index holds; a scan of every word (past `PLACED_WORDS`) finds the same."""
    import digest.text.people_match as people_match

    text = "".join(parts)
    placed = find_names(text, INDEX)
    limit = people_match.PLACED_WORDS
    people_match.PLACED_WORDS = -1  # every text takes the word-by-word scan
    try:
        scanned = find_names(text, INDEX)
    finally:
        people_match.PLACED_WORDS = limit
    assert placed == scanned


def test_words_that_start_no_name_cost_no_lookup():
    """Most words of a news text begin no alias: only the places of those that do are looked up."""
    text = "The minister said the talks were over, and Putin agreed with Zelensky. " * 50
    _CountingLookup.lookups = 0
    found = find_names(text, NameIndex(_CountingLookup(INDEX.by_first_word), INDEX.key))
    assert len(found) == 100
    assert _CountingLookup.lookups == 100


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Ana", "de", "la", "Cruz", "Rosa", "'t", "Hooft", "delta", "Dela", "Anas", "xAna", "_de", "said", "—",
                                 " ", "\n", "'", ",", "é", "Éva", "Évariste", "9de"]), max_size=30))
def test_the_words_looked_up_are_those_a_scan_of_every_word_would_look_up(parts):
    """`NameIndex.starts` gives only the words starting with a name's first letter: the same names as every word."""
    from digest.text.people_match import _WORD, _candidate_words

    index = build_name_index({"Ana de la Cruz": "a", "de la Rosa": "b", "'t Hooft": "c", "Éva": "d"})
    text = "".join(parts)
    assert index.starts is not None
    assert _candidate_words(text, index.by_first_word, index.starts) == _candidate_words(text, index.by_first_word)
    assert set(re.findall(index.starts, text)) >= {word for word in _WORD.findall(text) if word[0] in "AdtÉ"}


def test_words_starting_with_no_name_s_first_letter_are_not_made_into_strings():
    """The pattern yields the capitalised words of a news text here, not all of them."""
    text = "The minister said the talks were over, and Putin agreed with Zelensky. " * 50
    words = re.findall(INDEX.starts, text) if INDEX.starts is not None else []
    assert sorted(set(words)) == ["Putin", "Zelensky"] and len(words) == 100


def _fold_by_table(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """`people_match._fold` as it was written first: `str.translate` through the table, then the squeezing pattern."""
    translated = text.translate(people_match._FOLD)
    shifts: list[tuple[int, int]] = []
    pieces: list[str] = []
    folded_length = previous = 0
    for run in people_match._SQUEEZE.finditer(translated):
        pieces.append(translated[previous : run.start()])
        folded_length += run.start() - previous
        if " " in run.group():
            pieces.append(" ")
            shifts.append((folded_length, run.start()))
            folded_length += 1
        shifts.append((folded_length, run.end()))
        previous = run.end()
    pieces.append(translated[previous:])
    return "".join(pieces), tuple(shifts)


_FOLDABLE_TEXT = st.text(
    alphabet=st.sampled_from([*people_match._SPACES, *people_match._INVISIBLE, "\u2019", "\u2018", "\u02bc", "\u2010", "\u2011", "'", "-", "a", "Z", "é", "ب", "\u2014", "_"]),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(_FOLDABLE_TEXT)
def test_folding_by_replacement_is_folding_by_the_table(text):
    assert people_match._fold(text) == _fold_by_table(text)


@pytest.mark.parametrize("text", ["", "plain", "two  spaces", "tab\there", "soft\u00adhyphen", "O\u2019Brien\u00a0\u2010 x", "\u3000\u3000"])
def test_folding_examples_match_the_table(text):
    assert people_match._fold(text) == _fold_by_table(text)
