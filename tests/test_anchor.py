"""Quote anchoring: what matches, what doesn't, and the spans it yields."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.text.anchor import (
    Span,
    _to_span,
    closest_passage,
    context_misses,
    find_all,
    matches_verbatim,
    normalise,
    normalise_blocks,
    offset_map,
    visible_text,
)
from digest.text.seedtext import Block

BLOCKS = (
    Block("Sullivan said “the talks were useful” on Sunday.", 1),
    Block("He   said the talks\u00a0were useful, again. He said it twice.", 2),
    Block("Nothing here.", 3),
)


def spans(exact: str, prefix: str = "", suffix: str = "") -> list[Span]:
    return find_all(normalise_blocks(BLOCKS), exact, prefix, suffix)


def text_of(span: Span) -> str:
    return BLOCKS[span.block].text[span.start : span.end]


@pytest.mark.parametrize(
    "quote, expected",
    [
        ('Sullivan said "the talks were useful"', "Sullivan said “the talks were useful”"),
        ("He said the talks were useful", "He   said the talks\u00a0were useful"),
        ("  Nothing   here. ", "Nothing here."),
        ("on Sunday.", "on Sunday."),
    ],
)
def test_whitespace_and_quote_style_are_ignored(quote, expected):
    [span] = spans(quote)
    assert text_of(span) == expected


@pytest.mark.parametrize("quote", ["sullivan said", "the talks were usefull", "Sunday. He", "Nothing here.\nHe"])
def test_case_spelling_and_paragraph_breaks_are_not_ignored(quote):
    assert spans(quote) == []


def test_a_repeated_phrase_is_found_each_time():
    assert [s.block for s in spans("talks were useful")] == [0, 1]
    assert len(spans("said")) == 3


def test_prefix_and_suffix_pick_one_occurrence():
    [span] = spans("said", prefix="He", suffix="the talks")
    assert (span.block, text_of(span)) == (1, "said")
    [span] = spans("said", suffix="it twice")
    assert span.block == 1 and BLOCKS[1].text[span.start - 3 : span.start] == "He "
    [span] = spans("talks were useful", prefix="the", suffix=", again")
    assert span.block == 1


def test_prefix_may_reach_into_the_previous_paragraph():
    [span] = spans("He", prefix="on Sunday.")
    assert span == Span(1, 0, 2)


def test_verbatim_flag_tells_normalised_matches_apart():
    [exact] = spans("the talks were useful”")
    assert matches_verbatim(BLOCKS, exact, "the talks were useful”")
    [loose] = spans('the talks were useful"')
    assert not matches_verbatim(BLOCKS, loose, 'the talks were useful"')


def test_closest_passage_points_at_the_likely_intended_text():
    assert closest_passage(BLOCKS, "the talks were usefull on Sunday") == "“the talks were useful” on Sunday."
    assert closest_passage(BLOCKS, "zzzz") is None


def test_normalise_folds_only_whitespace_and_quotes():
    assert normalise("“A”\u00a0 ‘b’\tc\n") == "\"A\" 'b' c"


INVISIBLES = [
    ("soft hyphen", "Zel\u00adensky said the talks"),
    ("zero-width space", "Zelensky said\u200b the talks"),
    ("word joiner", "Zelensky said the\u2060 talks"),
    ("zero-width non-joiner", "Zelen\u200csky said the talks"),
    ("zero-width joiner", "Zelensky\u200d said the talks"),
    ("a BOM inside the text", "Zelensky \ufeffsaid the talks"),
]


@pytest.mark.parametrize("kind, seeded", INVISIBLES, ids=[kind for kind, _ in INVISIBLES])
def test_invisible_characters_are_matched_across(kind, seeded):
    blocks = (Block(f"Then {seeded} were over.", 1),)
    [span] = find_all(normalise_blocks(blocks), "Zelensky said the talks")
    assert blocks[0].text[span.start : span.end] == seeded
    assert matches_verbatim(blocks, span, "Zelensky said the talks"), "no 'normalised' warning for what no one can see"
    [span] = find_all(normalise_blocks((Block("Then Zelensky said the talks were over.", 1),)), seeded)
    assert span.start == 5


def test_modifier_letter_apostrophe_is_an_apostrophe():
    blocks = (Block("Zelensky said it wasnʼt so.", 1),)
    [span] = find_all(normalise_blocks(blocks), "it wasn't so")
    assert not matches_verbatim(blocks, span, "it wasn't so"), "a straight quote for a typographic one is still reported"
    assert matches_verbatim(blocks, span, "it wasn’t so")


@pytest.mark.parametrize(
    "text, visible",
    [
        ("Zel\u00adensky\u200b said\u2060 it\ufeff", "Zelensky said it"),
        ("wasnʼt", "wasn’t"),
        ("Zelen\u200csky a\u200db", "Zelensky ab"),
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian needs its non-joiner
        ("\U0001f469\u200d\U0001f52c", "\U0001f469\u200d\U0001f52c"),  # an emoji sequence
    ],
)
def test_visible_text_drops_only_what_no_one_sees(text, visible):
    assert visible_text(text) == visible


def _normalise_by_table(text: str) -> str:
    """`normalise` as it was written before (a translation table and a regular expression): the reference."""
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                           "\u2033": '"'} | {char: None for char in "\u00ad\u200b\u200c\u200d\u2060\ufeff"})
    return re.sub(r"\s+", " ", text.translate(table)).strip()


EVERY_SPACE = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())


@given(st.text(alphabet=st.sampled_from("ab ’‘‛′ʼ“”„″\u00ad\u200b\u200c\u200d\u2060\ufeff\u00e9\u0645" + EVERY_SPACE), max_size=40) | st.text(max_size=40))
def test_normalise_folds_as_the_translation_table_and_regular_expression_did(text):
    assert normalise(text) == _normalise_by_table(text)


@given(st.text(alphabet=st.sampled_from("ab \u00a0\n\t\u00ad\u200b\u2060\ufeff“’ʼ"), max_size=30))
def test_offset_map_points_at_each_normalised_character(text):
    folded = normalise(text)
    offsets = offset_map(text)
    assert len(offsets) == len(folded)
    assert offsets == sorted(set(offsets))
    for char, offset in zip(folded, offsets):
        assert normalise(text[offset]) == char or (char == " " and text[offset].isspace())


CONTEXT = normalise_blocks((Block("Putin's spokesman said the talks were over, and Putin agreed.", 1), Block("Lavrov said nothing.", 3)))


@pytest.mark.parametrize(
    "prefix, suffix, before, after",
    [
        ("Putin's spokeswoman ", "", "Putin's spokesman", None),
        ("", " the war", None, "the talks"),
        ("Kremlin spokesman", "the war were", "Putin's spokesman", "the talks were"),
    ],
)
def test_context_misses_say_what_the_text_has_there(prefix, suffix, before, after):
    miss = context_misses(CONTEXT, "said", prefix, suffix)[0]  # the nearest of the two "said"
    assert (miss.span.block, miss.prefix_found, miss.suffix_found) == (0, before, after)


def test_context_misses_are_empty_when_some_place_fits_or_the_words_are_absent():
    assert context_misses(CONTEXT, "said", "Lavrov") == []
    assert context_misses(CONTEXT, "declared", "Lavrov") == []
    assert context_misses(CONTEXT, "said") == []
    nearest, other = context_misses(CONTEXT, "said", "Lavrv")
    assert (nearest.span.block, other.span.block) == (1, 0)


# --- limits: work that grows with the input, bounded or linear ---------------------------------


def test_a_quote_found_thousands_of_times_in_one_block_costs_linear_work():
    """Each occurrence used to walk its block from the start: n occurrences, n² steps."""
    from workcount import calls, growth

    def work(n: int) -> int:
        haystack = normalise_blocks((Block(" ".join(["he  said so"] * n), 1),))
        found: list[Span] = []
        count = calls(lambda: found.extend(find_all(haystack, "said")))
        assert len(found) == n
        return count

    assert growth(work, 500) < 3


def test_the_closest_passage_search_stops_at_its_budget(monkeypatch):
    import difflib

    from digest.text.anchor import CLOSEST_PASSAGE_BUDGET, closest_passage_work

    searched = []
    original = difflib.SequenceMatcher.find_longest_match
    monkeypatch.setattr(difflib.SequenceMatcher, "find_longest_match", lambda self, *args: searched.append(1) or original(self, *args))
    article = tuple(Block("Sullivan said the talks were useful on Sunday in Kyiv. " * 20, line) for line in range(1, 51))

    assert closest_passage_work(article, "the talks were helpful") < CLOSEST_PASSAGE_BUDGET
    assert closest_passage(article, "the talks were helpful") is not None and len(searched) == 50

    searched.clear()
    huge = "the talks were helpful " * 45_000  # a megabyte
    assert closest_passage_work(article, huge) > CLOSEST_PASSAGE_BUDGET
    assert closest_passage(article, huge) is None
    assert searched == [], "past its budget the search does not start"


@given(st.lists(st.text(alphabet=st.sampled_from("ab \u00a0\n\t\u00ad\u200b“’ʼ"), max_size=12), min_size=1, max_size=4))
def test_a_span_is_the_same_with_or_without_the_walk_of_its_block(texts):
    """`_to_span` skips `offset_map` for blocks normalising loses nothing from: the spans are those the walk gives."""
    haystack = normalise_blocks(tuple(Block(text, 1) for text in texts))
    for index, text in enumerate(texts):
        base, offsets = haystack.block_starts[index], offset_map(text)
        for start in range(len(offsets)):
            for end in range(start + 1, len(offsets) + 1):
                expected = Span(index, offsets[start], offsets[end - 1] + 1)
                assert _to_span(haystack, base + start, base + end, {}) == expected
