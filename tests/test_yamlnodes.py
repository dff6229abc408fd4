"""YAML reading: strings stay strings, positions are kept, hostile documents fail cleanly."""

from __future__ import annotations

import pytest

from digest.errors import Diagnostics
from digest.source import yamlnodes
from digest.source.yamlnodes import Mapping, Scalar, Sequence, decode_source, parse_yaml


def parse(text: str):
    diagnostics = Diagnostics()
    return parse_yaml(text, "f.yaml", diagnostics), [str(d) for d in diagnostics.sorted()]


def test_scalars_are_strings_with_positions():
    node, errors = parse("country: NO\nid: 2022\nwhen: 2022-11-07\nok: yes\nlist:\n  - 1.0\n")
    assert errors == []
    assert isinstance(node, Mapping)
    values = {key: value.value for key, (_, value) in node.entries.items() if isinstance(value, Scalar)}
    assert values == {"country": "NO", "id": "2022", "when": "2022-11-07", "ok": "yes"}
    key_loc, items = node.entries["list"]
    assert (key_loc.line, key_loc.column) == (5, 1)
    assert isinstance(items, Sequence) and (items.items[0].loc.line, items.items[0].loc.column) == (6, 5)


def test_null_and_quoted_null():
    node, _ = parse("a:\nb: ~\nc: 'null'\n")
    assert [v.value for _, v in node.entries.values()] == [None, None, "null"]


def test_duplicate_keys_are_errors():
    _, errors = parse("name: a\nname: b\n")
    assert errors == ["f.yaml:2:1: error: duplicate key 'name' (first given at line 1)"]


def test_syntax_error_has_a_position():
    _, errors = parse("a: 'unclosed\nb: c\n")
    assert errors == ["f.yaml:1:4: error: invalid YAML: the ' that opens this value is never closed; add the closing ' at the end of the value"]


@pytest.mark.parametrize(
    "slip, text, expected",
    [
        ("a tab indents a list item", "name: Jake Sullivan\naliases:\n\t- Sullivan\n",
         "f.yaml:3:1: error: invalid YAML: a tab indents this line; YAML indents with spaces only, so replace the tab with spaces"),
        ("a tab after spaces indents a key", "claims:\n  - id: a\n  \t text: b\n",
         "f.yaml:3:3: error: invalid YAML: a tab indents this line; YAML indents with spaces only, so replace the tab with spaces"),
        ("a quote left open runs on to the next quote", 'name: "Jake Sullivan\nrole: Adviser\naliases:\n  - "Sullivan"\n',
         'f.yaml:1:7: error: invalid YAML: the " that opens this value is not closed on this line, so the value runs on to line 4; '
         'add the closing " at the end of the value'),
        ("a quote left open in a list of claims", 'claims:\n  - id: a\n    quote: "the talks were\n    text: b\n  - id: c\n    quote: "x"\n',
         'f.yaml:3:12: error: invalid YAML: the " that opens this value is not closed on this line, so the value runs on to line 6; '
         'add the closing " at the end of the value'),
        ("a quote never closed", "claims:\n  - id: a\n    quote: 'the talks were\n    text: b\n",
         "f.yaml:3:12: error: invalid YAML: the ' that opens this value is never closed; add the closing ' at the end of the value"),
        ("a quote mark inside a quoted value", 'quote: "He said "no" today"\n',
         'f.yaml:1:17: error: invalid YAML: this " ends the quoted value, but more text follows it; write a " inside the value as \\", '
         "or put the value in single quotes"),
        ("a list item indented 3 spaces", "claims:\n  - id: a\n    text: b\n   - id: c\n",
         'f.yaml:4:4: error: invalid YAML: this line is indented 3 spaces, which lines it up with nothing above it; '
         'indent it 2 spaces (like "-" on line 2) or 4 (like "text" on line 3)'),
        ("a key of a list item indented 3 spaces", "claims:\n  - id: a\n   text: b\n",
         'f.yaml:3:4: error: invalid YAML: this line is indented 3 spaces, which lines it up with nothing above it; '
         'indent it 2 spaces (like "-" on line 2) or 4 (like "id" on line 2)'),
        ("a key indented too far", "claims:\n  - id: a\n     text: b\n",
         'f.yaml:3:6: error: invalid YAML: this line is indented 5 spaces, which lines it up with nothing above it; '
         'indent it 4 spaces (like "id" on line 2)'),
        ("a block scalar's lines are not levels", "claims:\n  - id: a\n    note: |\n       deep\n   text: b\n",
         'f.yaml:5:4: error: invalid YAML: this line is indented 3 spaces, which lines it up with nothing above it; '
         'indent it 2 spaces (like "-" on line 2) or 4 (like "note" on line 3)'),
        ("items under aliases: []", "name: Jake Sullivan\naliases: []\n  - Sullivan\n",
         "f.yaml:2:10: error: invalid YAML: 'aliases: []' is already a whole (empty) list, so the lines below cannot add to it; "
         "remove the '[]' and keep the items below 'aliases:'"),
        ("unindented items under claims: [] and a comment", "outlet: x\nclaims: []  # none yet\n- id: a\n",
         "f.yaml:2:9: error: invalid YAML: 'claims: []' is already a whole (empty) list, so the lines below cannot add to it; "
         "remove the '[]' and keep the items below 'claims:'"),
        ("a 3-space list item read as text", "aliases:\n  - Sullivan\n   - Jake\n",
         'f.yaml:3:4: error: this line reads as more text of the value on line 2 ("Sullivan - Jake"), not as a new item, '
         'because its "-" is indented more than the one on line 2; indent it 2 spaces, like line 2'),
        ("list items after a value", "aliases: Sullivan\n  - Jake\n",
         'f.yaml:2:3: error: this line reads as more text of the value on line 1 ("Sullivan - Jake"), not as a list item; '
         'for a list, leave nothing after "aliases:" and start each item on a line of its own with "- "'),
    ],
)
def test_common_slips_are_named_where_they_are(slip, text, expected):
    _, errors = parse(text)
    assert errors == [expected], slip


@pytest.mark.parametrize(
    "text",
    [
        "aliases:\n- Sullivan\n- Jake\n",
        "aliases: []\nrole: x\n",
        "description: a long value\n  that goes on - and on\n",
        "note: |\n  - a list in markdown\n  - still text\n",
        "quote: 'it''s \"fine\"'\n",
    ],
)
def test_good_yaml_is_not_taken_for_a_slip(text):
    node, errors = parse(text)
    assert errors == [] and node is not None


def test_billion_laughs_is_rejected_quickly(monkeypatch):
    """Nine levels of nine aliases expand to 9**9 nodes; the conversion must stop at the limit.

    Work is counted (nodes converted), not seconds: the limit is what keeps it quick.
    """
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]")
    convert = yamlnodes._convert
    converted = 0

    def counting(*args, **kwargs):
        nonlocal converted
        converted += 1
        return convert(*args, **kwargs)

    monkeypatch.setattr(yamlnodes, "_convert", counting)
    node, errors = parse("\n".join(lines))
    assert node is None and errors[0].endswith("(too many aliases?)")
    assert yamlnodes.MAX_NODES / 2 < converted <= yamlnodes.MAX_NODES + 1


def test_decoding_reports_the_bad_byte_and_strips_bom_and_crlf():
    diagnostics = Diagnostics()
    assert decode_source(b"\xef\xbb\xbfa: b\r\nc: d\r\n", "f.yaml", diagnostics) == "a: b\nc: d\n"
    assert decode_source(b"a: b\nc: \xff\n", "f.yaml", diagnostics) is None
    assert [str(d) for d in diagnostics.items] == ["f.yaml:2:4: error: file is not valid UTF-8"]


@pytest.mark.parametrize(
    ("text", "where", "tag"),
    [
        ("a: !!int 3\n", "1:4", "!!int"),
        ("a: !!binary aGk=\n", "1:4", "!!binary"),
        ("a: !foo x\n", "1:4", "!foo"),
        ("a:\n  - ! x\n", "2:5", "!"),
        ("a: !!map {b: c}\n", "1:4", "!!map"),
        ("a: &x !!str 1\nb: *x\n", "1:4", "!!str"),
    ],
)
def test_yaml_tags_are_located_errors(text, where, tag):
    diagnostics = Diagnostics()
    assert parse_yaml(text, "f.yaml", diagnostics) is None
    assert [str(d) for d in diagnostics.items] == [
        f"f.yaml:{where}: error: YAML tag '{tag}' is not supported (every value is read as text): remove it, or quote the value if it starts with '!'"
    ]


def test_exclamation_marks_in_values_are_not_tags():
    diagnostics = Diagnostics()
    node = parse_yaml('a: "!wow"\nb: hi!\nc: \'!x\'\n', "f.yaml", diagnostics)
    assert diagnostics.items == [] and node is not None
