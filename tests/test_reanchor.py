"""Quotes that survive corrections: relocate a quote after the seed changed, and splice the fix into YAML."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from digest.errors import Diagnostics
from digest.source.yamlnodes import Mapping, Scalar, Sequence, parse_yaml
from digest.text.anchor import find_all, normalise, normalise_blocks
from digest.text.reanchor import SIMILARITY_THRESHOLD, Relocation, fix_quote_in_yaml, propose_fix, relocate
from digest.text.seedtext import Block, parse_plain

from workcount import calls, growth

REPO = Path(__file__).resolve().parent.parent

# --- relocate -----------------------------------------------------------------

CORRECTED = (
    Block("Officials in Washington declined to comment on Monday.", 1),
    Block(
        "Sullivan has been in touch with Yuri Ushakov, a foreign policy aide to Russian President Vladimir Putin, "
        "and with Nikolay Patrushev, who heads Russia’s Security Council.",
        2,
    ),
    Block(
        "Sullivan has insisted, according to officials, on keeping a line of communication with Russia open, "
        "in contrast to other senior White House officials.",
        3,
    ),
    Block("The aim of the talks has been “to guard against the risk of escalation and keep\u00a0channels open”; no more.", 4),
    Block("He said the talks were helpful and productive, an aide said on Sunday.", 5),
    Block("In late September, Sullivan said the US had warned “the very high levels” of the Russian leadership.", 6),
)


@pytest.mark.parametrize(
    "change, quote, block, passage",
    [
        (
            "a word changed",
            "He said the talks were useful and productive",
            4,
            "He said the talks were helpful and productive",
        ),
        (
            "a typo fixed",
            "Sullivan has been in touch with Yuri Ushakov, a foriegn policy aide to Russian President Vladimir Putin",
            1,
            "Sullivan has been in touch with Yuri Ushakov, a foreign policy aide to Russian President Vladimir Putin",
        ),
        (
            "a clause inserted",
            "Sullivan has insisted on keeping a line of communication with Russia open, in contrast to other senior White House officials",
            2,
            "Sullivan has insisted, according to officials, on keeping a line of communication with Russia open, "
            "in contrast to other senior White House officials",
        ),
        (
            "punctuation changed",
            'The aim of the talks has been "to guard against the risk of escalation, and keep channels open," no more',
            3,
            "The aim of the talks has been “to guard against the risk of escalation and keep\u00a0channels open”; no more",
        ),
        (
            "a name respelt",
            "with Nikolai Patrushev, who heads Russia's Security Council",
            1,
            "with Nikolay Patrushev, who heads Russia’s Security Council",
        ),
        (
            "the last word changed, no word cut",
            "an aide said on Monday",
            4,
            "an aide said on Sunday",
        ),
        (
            "a quote written with the closing punctuation",
            "In late Sept, Sullivan said the US had warned \"the very high levels\" of the Russian leadership.",
            5,
            "In late September, Sullivan said the US had warned “the very high levels” of the Russian leadership.",
        ),
    ],
)
def test_a_corrected_passage_is_found(change, quote, block, passage):
    assert not find_all(normalise_blocks(CORRECTED), quote), "the quote must no longer match exactly"
    found = relocate(CORRECTED, quote)
    assert found is not None, change
    assert (found.block, found.text) == (block, passage), change
    assert CORRECTED[found.block].text[found.start : found.end] == found.text
    assert SIMILARITY_THRESHOLD <= found.score < 1
    # the new passage is a quote that anchors again
    assert len(find_all(normalise_blocks(CORRECTED), found.text)) == 1


def test_an_unchanged_quote_relocates_to_itself_with_score_one():
    found = relocate(CORRECTED, "Officials in Washington declined to comment")
    assert found == Relocation(0, 0, 43, "Officials in Washington declined to comment", 1.0)


@pytest.mark.parametrize(
    "quote",
    [
        "The White House neither confirmed nor denied the report",  # removed from the article
        "Patrushev told reporters the meeting never happened",  # shares a name, nothing else
        "Officials in Moscow were quick to comment on Tuesday evening",  # paraphrase-level rewrite
        "Sullivan has insisted on keeping a line of communication with Russia open, whatever his colleagues think of it",
    ],
)
def test_a_removed_passage_is_not_found(quote):
    assert relocate(CORRECTED, quote) is None


def test_empty_quote_and_empty_article():
    assert relocate(CORRECTED, "   ") is None
    assert relocate((), "the talks were useful") is None


TWINS = (
    Block("Moscow said the talks were useful. Nothing else was said.", 1),
    Block("Washington said the talks were useful. Nothing else was said.", 2),
    Block("A spokesman said the talks were useful too.", 3),
)


@pytest.mark.parametrize(
    "prefix, suffix, block",
    [
        ("", "", 0),  # no context: the earlier of two equal passages
        ("Washington said", "", 1),
        ("Moscow said", "", 0),
        ("", "too.", 2),
        ("A spokesman said", "", 2),
        ("Washingtn said", "", 1),  # context is fuzzy too
    ],
)
def test_prefix_and_suffix_pick_one_of_similar_passages(prefix, suffix, block):
    found = relocate(TWINS, "the talks were usefull", prefix, suffix)
    assert found is not None
    assert (found.block, found.text) == (block, "the talks were useful")


def test_context_outvotes_a_slightly_closer_passage():
    blocks = (
        Block("Moscow said the meeting was useful.", 1),
        Block("Washington said the meetings were useful.", 2),
    )
    closer = relocate(blocks, "the meetings was useful")
    assert closer is not None and (closer.block, closer.text) == (0, "the meeting was useful")
    found = relocate(blocks, "the meetings was useful", prefix="Washington said ")
    assert found is not None and (found.block, found.text) == (1, "the meetings were useful")


def test_context_reaches_into_the_previous_block():
    blocks = (Block("Moscow:", 1), Block("the talks were useful", 2), Block("Washington:", 3), Block("the talks were useful", 4))
    found = relocate(blocks, "the talks were usefull", prefix="Washington:")
    assert found is not None and found.block == 3


def test_markdown_and_line_breaks_map_back_to_the_seed_text():
    blocks = (Block("He said\nthe talks were  “helpful”, and left.", 1),)
    found = relocate(blocks, 'He said the talks were "useful"')
    assert found is not None
    assert found.text == "He said\nthe talks were  “helpful”"
    assert normalise(found.text) == 'He said the talks were "helpful"'


def test_fifty_blocks_of_a_thousand_characters_are_found_in_linear_work():
    rng = random.Random(5)
    words = "the of and to in a is that for on with as was by he said officials Sullivan Russia talks Kremlin".split()
    blocks = []
    for line in range(50):
        text = ""
        while len(text) < 1000:
            text += rng.choice(words) + " "
        blocks.append(Block(text.strip(), line + 1))
    target = blocks[37].text[200:500].split(" ", 1)[1].rsplit(" ", 1)[0]
    quote = target.replace(" the ", " teh ", 3)
    found = relocate(tuple(blocks), quote)
    missing = relocate(tuple(blocks), "An entirely different sentence about the weather in Geneva this week")
    assert found is not None and found.block == 37 and found.text == target
    assert missing is None

    def work(copies: int) -> int:  # the same article repeated: calls must grow with its length, not its square
        return calls(lambda: relocate(tuple(blocks) * copies, quote))

    assert growth(work, 2) < 3


# --- fix_quote_in_yaml ----------------------------------------------------------

SIDECAR = """\
# A sidecar as editors write it: comments, odd key order, every quoting style.
outlet: RT   # the outlet
published: 2022-11-07

claims:
  - id: plain
    status: reported
    quote: He said the talks were useful and productive
    text: Plain.
  - id: single
    quote: 'He said it''s useful, and that''s that'   # single
  - id: double
    quote: "The aim was “to guard against the risk of escalation” \\u2014 no more"
  - id: literal
    quote: |  # a literal block
      Sullivan has insisted on keeping a line
      of communication with Russia open

    # a comment after a blank line
    text: Literal.
  - id: folded
    quote: >-
      In late September, Sullivan said the US
      had warned the very high levels of the Russian leadership
  - id: flow-list
    quote: [the talks were useful, "they were productive", 'and short']
  - id: block-list
    quote:
      - the talks were useful
      - "they were productive"
  - id: selector
    quote: {exact: the talks were useful, prefix: "He said ", suffix: ' and productive'}
  - id: block-selector
    quote:
      - exact: the talks were useful
        prefix: He said   # context
        suffix: and productive
  - id: wrapped
    quote: Sullivan has been in touch with Yuri Ushakov, a foreign policy aide to
      Russian President Vladimir Putin, and with Nikolay Patrushev
  - id: anchored
    quote: &q "the talks were useful"
    also: *q
events: []
"""


def quote_nodes(text: str) -> dict[str, list]:
    """Claim id -> its quote nodes, located as digest's reader (and QuoteSelector.loc) locates them."""
    diagnostics = Diagnostics()
    root = parse_yaml(text, "f.yaml", diagnostics)
    assert not diagnostics.items, [str(d) for d in diagnostics.items]
    assert isinstance(root, Mapping)
    out = {}
    for claim in root.entries["claims"][1].items:
        node = claim.entries["quote"][1]
        out[claim.entries["id"][1].value] = list(node.items) if isinstance(node, Sequence) else [node]
    return out


def exact_of(node) -> Scalar:
    return node.entries["exact"][1] if isinstance(node, Mapping) else node


def scalar_span(text: str, line: int, column: int) -> tuple[int, int]:
    """Where the exact scalar at a quote location is written (PyYAML's own marks)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    stack = [root]
    while stack:
        node = stack.pop()
        if (node.start_mark.line, node.start_mark.column) == (line - 1, column - 1) and not isinstance(node, yaml.SequenceNode):
            if isinstance(node, yaml.MappingNode):
                node = next(v for k, v in node.value if k.value == "exact")
            start = node.start_mark.index
            if text[start] == "&":  # an anchor is not part of the scalar
                start = text.index(" ", start) + 1
            return start, node.end_mark.index
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for _, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    raise AssertionError("no node there")


def fix(text: str, claim: str, index: int, new: str) -> tuple[str, str]:
    node = quote_nodes(text)[claim][index]
    old = exact_of(node).value
    after = fix_quote_in_yaml(text, old, new, node.loc.line, node.loc.column)
    start, end = scalar_span(text, node.loc.line, node.loc.column)
    # not one byte changes outside the old scalar
    assert after[:start] == text[:start]
    assert after[len(after) - (len(text) - end) :] == text[end:]
    # it parses, and the quote at the same place now reads as the new text
    fixed = quote_nodes(after)[claim][index]
    assert fixed.loc == node.loc
    value = exact_of(fixed).value
    assert value.rstrip("\n") == new
    return after, after[start : len(after) - (len(text) - end)]


@pytest.mark.parametrize(
    "claim, index, new, written",
    [
        ("plain", 0, "He said the talks were helpful and productive", "He said the talks were helpful and productive"),
        ("single", 0, "He said it's helpful, and that's that", "'He said it''s helpful, and that''s that'"),
        (
            "double",
            0,
            "The aim was “to guard against the risk of escalation” \u2014 \"no more\" \\ nothing",
            '"The aim was “to guard against the risk of escalation” — \\"no more\\" \\\\ nothing"',
        ),
        (
            "literal",
            0,
            "Sullivan has insisted on keeping lines\nof communication with Moscow open",
            "|  # a literal block\n      Sullivan has insisted on keeping lines\n      of communication with Moscow open\n\n",
        ),
        (
            "folded",
            0,
            "In late September, Sullivan said the United States had warned the very high levels of the Russian leadership",
            ">-\n      In late September, Sullivan said the United States had\n"
            "      warned the very high levels of the Russian leadership\n",
        ),
        ("flow-list", 0, "the talks were helpful", "the talks were helpful"),
        ("flow-list", 1, "they were fruitful", '"they were fruitful"'),
        ("flow-list", 2, "and brief", "'and brief'"),
        ("block-list", 0, "the talks were helpful", "the talks were helpful"),
        ("block-list", 1, "they were fruitful", '"they were fruitful"'),
        ("selector", 0, "the talks were helpful", "the talks were helpful"),
        ("block-selector", 0, "the talks were helpful", "the talks were helpful"),
        (
            "wrapped",
            0,
            "Sullivan has been in touch with Yuri Ushakov, a senior foreign policy aide to Russian President Vladimir Putin, and with Nikolai Patrushev",
            "Sullivan has been in touch with Yuri Ushakov, a senior foreign policy\n"
            "      aide to Russian President Vladimir Putin, and with Nikolai Patrushev",
        ),
        ("anchored", 0, "the talks were helpful", '"the talks were helpful"'),
    ],
)
def test_fix_keeps_style_and_every_other_byte(claim, index, new, written):
    after, spliced = fix(SIDECAR, claim, index, new)
    assert spliced == written
    assert after.count("#") - spliced.count("#") == SIDECAR.count("#") - (1 if claim == "literal" else 0)


@pytest.mark.parametrize(
    "claim, index, new, written",
    [
        ("plain", 0, "He said: the talks were useful", '"He said: the talks were useful"'),
        ("plain", 0, "the talks were useful #1", '"the talks were useful #1"'),
        ("plain", 0, "“Useful”, he said of the talks", "“Useful”, he said of the talks"),
        ("plain", 0, "'Useful', he said", "\"'Useful', he said\""),
        ("plain", 0, "- useful", '"- useful"'),
        ("plain", 0, "null", '"null"'),
        ("plain", 0, "2022", '"2022"'),
        ("flow-list", 0, "useful, productive", '"useful, productive"'),
        ("flow-list", 0, "useful [sic]", '"useful [sic]"'),
        ("block-list", 0, "useful [sic]", "useful [sic]"),
        ("single", 0, "a line\nbreak", '"a line\\nbreak"'),
        ("folded", 0, "a line\nbreak", '"a line\\nbreak"'),
        ("literal", 0, " leading space", '" leading space"'),
        ("double", 0, "tab\there, bell\a", '"tab\\there, bell\\a"'),
    ],
)
def test_fix_switches_to_double_quotes_only_when_the_style_cannot_hold_the_text(claim, index, new, written):
    _, spliced = fix(SIDECAR, claim, index, new)
    assert spliced.rstrip("\n") == written


def test_a_long_line_that_an_emitter_would_wrap_stays_on_one_line():
    long_quote = (
        "Sullivan has insisted on keeping a line of communication with Russia open, in contrast to other senior "
        "White House officials, who feel that engagement with Moscow will not be fruitful at this stage"
    )
    new = long_quote.replace("will not be fruitful", "would not be useful")
    text = (
        "claims:\n"
        "  - id: long   # keep me\n"
        f"    quote: {long_quote}\n"
        f"    text: {long_quote}\n"
    )
    assert "\n" in yaml.safe_dump({"quote": new}).strip(), "PyYAML's emitter wraps such a line"
    after, spliced = fix(text, "long", 0, new)
    assert spliced == new
    assert after == text.replace(f"quote: {long_quote}", f"quote: {new}")
    assert after.count("\n") == text.count("\n")


def test_fixing_the_demo_sidecar_changes_one_line():
    path = REPO / "content" / "articles" / "000_6be69f254f387b69.yaml"
    text = path.read_text(encoding="utf-8")
    node = quote_nodes(text)["talks-aim-avoid-escalation"][0]
    new = node.value.replace("rather than to discuss", "rather than discuss")
    after = fix_quote_in_yaml(text, node.value, new, node.loc.line, node.loc.column)
    changed = [(a, b) for a, b in zip(text.split("\n"), after.split("\n")) if a != b]
    assert after.count("\n") == text.count("\n")
    assert changed == [(f'    quote: "{node.value}"', f'    quote: "{new}"')]


def test_bom_and_crlf_are_kept():
    text = "\ufeffclaims:\r\n  - id: a\r\n    quote: |\r\n      old text\r\n      here\r\n\r\n    text: T # c\r\n"
    after = fix_quote_in_yaml(text, "old text\nhere\n", "new text\nthere", 3, 12)
    assert after == "\ufeffclaims:\r\n  - id: a\r\n    quote: |\r\n      new text\r\n      there\r\n\r\n    text: T # c\r\n"


def test_fix_refuses_a_wrong_place_or_a_changed_value():
    node = quote_nodes(SIDECAR)["plain"][0]
    with pytest.raises(ValueError, match="not"):
        fix_quote_in_yaml(SIDECAR, "something else", "new", node.loc.line, node.loc.column)
    with pytest.raises(ValueError, match="no quote"):
        fix_quote_in_yaml(SIDECAR, node.value, "new", node.loc.line, node.loc.column + 1)


def test_fix_can_update_a_selector_prefix():
    node = quote_nodes(SIDECAR)["selector"][0]
    after = fix_quote_in_yaml(SIDECAR, "He said ", "She said ", node.loc.line, node.loc.column, key="prefix")
    assert after == SIDECAR.replace('prefix: "He said "', 'prefix: "She said "')


# --- together: a seed is corrected, the sidecar is fixed, the quote anchors again ----


def test_a_correction_round_trip():
    before = "Headline\nSullivan said the talks were useful and productive, an aide said.\nNothing else.\n"
    after = "Headline\nSullivan said on Sunday the talks were helpful and productive, an aide said.\nNothing else.\n"
    sidecar = "claims:\n  - id: c   # comment\n    quote: Sullivan said the talks were useful and productive\n    status: reported\n"
    old_blocks = parse_plain(before, None, set()).blocks
    new_blocks = parse_plain(after, None, set()).blocks
    node = quote_nodes(sidecar)["c"][0]
    assert find_all(normalise_blocks(old_blocks), node.value)
    assert not find_all(normalise_blocks(new_blocks), node.value)
    found = relocate(new_blocks, node.value)
    assert found is not None and found.text == "Sullivan said on Sunday the talks were helpful and productive"
    fixed = fix_quote_in_yaml(sidecar, node.value, found.text, node.loc.line, node.loc.column)
    assert fixed == sidecar.replace(node.value, found.text)
    assert len(find_all(normalise_blocks(new_blocks), quote_nodes(fixed)["c"][0].value)) == 1


def test_several_fixes_bottom_up_and_a_file_without_final_newline():
    text = "claims:\n  - id: a\n    quote: first quote here\n  - id: b\n    quote: >\n      second quote that\n      was wrapped\n  - id: c\n    quote: 'third quote'"
    nodes = quote_nodes(text)
    fixes = [(nodes[c][0], new) for c, new in (("a", "first quote: fixed"), ("b", "second quote, now much longer than it was before"), ("c", "third"))]
    for node, new in sorted(fixes, key=lambda pair: (pair[0].loc.line, pair[0].loc.column), reverse=True):
        text = fix_quote_in_yaml(text, node.value, new, node.loc.line, node.loc.column)
    assert text == (
        'claims:\n  - id: a\n    quote: "first quote: fixed"\n  - id: b\n    quote: >\n      second quote, now\n'
        "      much longer than\n      it was before\n  - id: c\n    quote: 'third'"
    )
    assert [quote_nodes(text)[c][0].value for c in "abc"] == ["first quote: fixed", "second quote, now much longer than it was before\n", "third"]


# --- edge words and what --fix may write ------------------------------------------

SQUAD = "Many years later, as he faced the firing squad, Colonel Aureliano Buendía was to recall that distant afternoon."


@pytest.mark.parametrize(
    "text, quote, passage",
    [
        (SQUAD, "Some years later, as he faced the firing squad", "Many years later, as he faced the firing squad"),
        ("It was cold. " + SQUAD, "Some years later, as he faced the firing squad", "Many years later, as he faced the firing squad"),
        (SQUAD, "as he faced the firing squad, Colonel Aureliano Buendía was to remember",
         "as he faced the firing squad, Colonel Aureliano Buendía was to recall"),
        (SQUAD, "So many years later, as he faced the firing squad", "Many years later, as he faced the firing squad"),
        ("He spoke “Many years later, as he faced the firing squad”", "Some years later, as he faced the firing squad",
         "Many years later, as he faced the firing squad"),
    ],
    ids=["first word", "first word after a sentence", "last word", "two words for one", "no opening mark taken"],
)
def test_a_changed_edge_word_is_kept_in_the_passage(text, quote, passage):
    found = relocate([Block(text, 1)], quote)
    assert found is not None and found.text == passage


def test_an_edge_word_is_not_taken_from_another_sentence():
    found = relocate([Block("It was cold. Years later, as he faced the firing squad, he smiled.", 1)], "Some years later, as he faced the firing squad")
    assert found is not None and found.text == "Years later, as he faced the firing squad"


def _haystack(*texts: str):
    return normalise_blocks(tuple(Block(text, number) for number, text in enumerate(texts, start=1)))


def test_propose_fix_writes_no_invisible_characters():
    repair = propose_fix(_haystack("Then Zel\u00adensky said the peace\u200btalks were hope\u00adless."), "Zelensky said the talks were useless")
    assert repair is not None and repair.new == "Zelensky said the peacetalks were hopeless" and repair.concerns == ()
    assert "\u00ad" in repair.relocation.text, "the relocation itself is the seed's text"


@pytest.mark.parametrize(
    "text, quote, concerns",
    [
        ("Sullivan has not been in touch with Ushakov.", "Sullivan has been in touch with Ushakov", ('a negation appears ("not")',)),
        ("Officials said 40 people were hurt.", "Officials said 4 people were hurt", ('a number changes ("4" becomes "40")',)),
    ],
)
def test_propose_fix_names_what_may_flip_the_meaning(text, quote, concerns):
    repair = propose_fix(_haystack(text), quote)
    assert repair is not None and repair.concerns == concerns


def test_propose_fix_has_nothing_for_a_quote_whose_context_alone_changed():
    haystack = _haystack("Putin's spokesman said the talks were useful.")
    assert propose_fix(haystack, "said the talks were useful", prefix="Putin's spokeswoman ") is None
    assert propose_fix(haystack, "Something else entirely, not in the text") is None


def test_relocate_does_not_look_past_its_budget(monkeypatch):
    import digest.text.reanchor as reanchor

    scans = []
    original = reanchor._distances
    monkeypatch.setattr(reanchor, "_distances", lambda *args: scans.append(1) or original(*args))
    blocks = (Block("Sullivan said the talks were useful on Sunday in Kyiv. " * 2000, 1),)
    assert reanchor.relocate_work(blocks, "the talks were helpful") < reanchor.RELOCATE_BUDGET
    assert relocate(blocks, "the talks were helpful") is not None and scans

    scans.clear()
    huge = "Sullivan said the talks were helpful on Sunday in Kyiv. " * 18_000  # a megabyte
    assert reanchor.relocate_work(blocks, huge) > reanchor.RELOCATE_BUDGET
    assert relocate(blocks, huge) is None
    assert scans == [], "past its budget relocate does not start"
