"""YAML reading: strings stay strings, positions are kept, hostile documents fail cleanly."""

from __future__ import annotations

import time

import pytest

from digest.errors import Diagnostics
from digest.yamlnodes import Mapping, Scalar, Sequence, decode_source, parse_yaml


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
    assert errors == ["f.yaml:1:4: error: invalid YAML: found unexpected end of stream (while scanning a quoted scalar)"]


def test_billion_laughs_is_rejected_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]")
    started = time.perf_counter()
    node, errors = parse("\n".join(lines))
    assert time.perf_counter() - started < 10
    assert node is None and errors[0].endswith("(too many aliases?)")


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
