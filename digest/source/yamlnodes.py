"""Read YAML into small trees that remember where each node was written.

We compose (not construct) with PyYAML so every node keeps its mark, then
convert to three plain node types. All scalars stay strings: ``country: NO``
is Norway and ``id: 2022`` is "2022", with no YAML 1.1 guessing. Tags
(``!!int``, ``!!binary``, ``!foo``) would promise a type that is never
given, so they are errors, as are duplicate keys; alias expansion is
bounded so a "billion laughs" document fails fast instead of eating memory.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import Protocol

import yaml

from digest.errors import Diagnostics, Location

try:  # The C composer is several times faster and keeps the same marks.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_NODES = 200_000
"""Nodes one document may expand to, aliases included."""
MAX_CHARACTERS = 20_000_000
"""Characters of scalar text one document may expand to, aliases included."""
MAX_DEPTH = 200
"""Nesting depth of collections; deeper documents would overflow the C composer's stack."""

_NULL_TAG = "tag:yaml.org,2002:null"


class Position(Protocol):
    """A place in the document: PyYAML's marks, whether made by its Python or its C parser."""

    line: int
    """From 0."""
    column: int
    """From 0."""


@dataclass(frozen=True, slots=True)
class Scalar:
    value: str | None
    """The text as written; None for an explicit or empty null."""
    loc: Location


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple[Node, ...]
    loc: Location


@dataclass(frozen=True, slots=True)
class Mapping:
    entries: dict[str, tuple[Location, Node]]
    """Key -> (where the key is written, value node), in file order."""
    loc: Location


Node = Scalar | Sequence | Mapping


class _TooManyNodes(Exception):
    pass


def kind_name(node: Node) -> str:
    """Name a node's type the way an editor thinks of it."""
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    return "null" if node.value is None else "a string"


def parse_yaml(text: str, path: str, diagnostics: Diagnostics) -> Node | None:
    """Parse one YAML document; report problems and return None on failure."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        if _may_be_deep(text):
            too_deep = _depth_exceeded(text)
            if too_deep is not None:
                diagnostics.error(_location(path, too_deep), f"document is nested more than {MAX_DEPTH} levels deep", "yaml-too-deep")
                return None
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        loc, message = _describe_yaml_error(exc, path, text)
        diagnostics.error(loc, f"invalid YAML: {message}", "yaml-syntax")
        return None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        loc = Location(path, before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        diagnostics.error(loc, f"invalid YAML: character U+{exc.character:04X} is not allowed in YAML text" if isinstance(exc.character, int) else f"invalid YAML: {exc.reason}", "yaml-syntax")
        return None
    except yaml.YAMLError as exc:
        diagnostics.error(Location(path), f"invalid YAML: {str(exc).splitlines()[0]}", "yaml-syntax")
        return None
    if "!" in text and _report_tags(text, path, diagnostics):
        return None
    if root is None:
        return Scalar(None, Location(path))
    try:
        return _convert(root, path, diagnostics, [0, 0], text.split("\n"))
    except _TooManyNodes:
        diagnostics.error(
            _location(path, root.start_mark),
            f"document expands to more than {MAX_NODES} nodes or {MAX_CHARACTERS} characters (too many aliases?)",
            "yaml-too-large",
        )
        return None
    except RecursionError:
        diagnostics.error(_location(path, root.start_mark), "document is nested too deeply", "yaml-too-deep")
        return None


def _report_tags(text: str, path: str, diagnostics: Diagnostics) -> bool:
    """Report every explicit tag (``!!int 3``, ``!foo x``, ``! x``); True if there was one.

    The composed nodes cannot tell ``!!int 3`` from ``3`` (both are resolved
    to the int tag), so the parser's events, which keep only written tags,
    are read instead; only documents with a '!' somewhere pay for it.
    """
    found = False
    for event in yaml.parse(text, Loader=_Loader):
        tag = getattr(event, "tag", None)
        if tag is not None and isinstance(event, yaml.NodeEvent):
            found = True
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            assert event.start_mark is not None, "the parser marks every event"
            diagnostics.error(
                _location(path, event.start_mark),
                f"YAML tag '{shown}' is not supported (every value is read as text): remove it, or quote the value if it starts with '!'",
                "yaml-tag",
            )
    return found


def decode_source(data: bytes, path: str, diagnostics: Diagnostics) -> str | None:
    """Decode UTF-8 (with or without BOM), reporting where a bad byte is."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        diagnostics.error(Location(path, line, column), "file is not valid UTF-8", "encoding")
        return None
    # NFC: text typed or pasted in decomposed form matches quotes and names written composed.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _may_be_deep(text: str) -> bool:
    """A cheap test that lets ordinary files skip the depth check."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        return True
    return any(len(line) - len(line.lstrip(" -?:[{")) > MAX_DEPTH for line in text.split("\n"))


def _depth_exceeded(text: str) -> Position | None:
    """Where the document first nests deeper than MAX_DEPTH, from the parser's events (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                assert event.start_mark is not None, "the parser marks every event"
                return event.start_mark
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return None


def _describe_yaml_error(exc: yaml.MarkedYAMLError, path: str, text: str) -> tuple[Location, str]:
    """Point at the most useful mark and phrase PyYAML's problem/context as one sentence.

    An unclosed quote or bracket is found at the end of the file; the editor
    needs the place where it was opened, which PyYAML gives as the context.
    Common slips (see `_slip`) are named with what to do instead.
    """
    slip = _slip(exc, text)
    if slip is not None:
        (line, column), message = slip
        return Location(path, line, column), message
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    at_end = exc.problem_mark is not None and exc.problem_mark.index >= len(text.rstrip())
    if context and exc.context_mark and (at_end or "end of stream" in problem or "stream end" in problem):
        return _location(path, exc.context_mark), f"{problem} ({context})"
    mark = exc.problem_mark or exc.context_mark
    loc = _location(path, mark) if mark else Location(path)
    if context.startswith("expected"):
        return loc, f"{context}, {problem}"
    message = f"{problem} ({context})" if context else problem
    if "expected key" in problem or "expected <block end>" in problem:
        message += "; check this line's indentation against the lines above"
    elif "mapping values are not allowed" in problem:
        message += "; a value containing ': ' must be put in quotes"
    return loc, message


# --- common slips ---------------------------------------------------------------

_EMPTY_FLOW = re.compile(r"^(\s*(?:- )?[^\s#:][^#:]*):[ \t]+(\[\s*\]|\{\s*\})[ \t]*(?:#.*)?$")
_INDENT_PROBLEMS = ("expected key", "expected <block end>", "expected '-' indicator", "mapping values are not allowed")

Place = tuple[int, int]
"""1-based line and column."""


def _slip(exc: yaml.MarkedYAMLError, text: str) -> tuple[Place, str] | None:
    """Recognise the slips editors make most, at the line where they made them.

    A tab in the indentation; a quote left open (PyYAML notices only at the
    next quote or the end of the file); a quote mark inside a quoted value;
    items written under an empty ``[]``; a line indented like no line above.
    """
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    problem = exc.problem or ""
    if "\t" in indent:
        return (mark.line + 1, indent.index("\t") + 1), "a tab indents this line; YAML indents with spaces only, so replace the tab with spaces"
    quoted = _quote_slip(text, exc)
    if quoted is not None:
        return quoted
    if not any(kind in problem for kind in _INDENT_PROBLEMS):
        return None
    previous = _previous_content_line(lines, mark.line)
    if previous is not None:
        empty = _EMPTY_FLOW.match(lines[previous])
        if empty and len(line) - len(line.lstrip(" ")) >= len(empty.group(1)) - len(empty.group(1).lstrip(" -")) and line.strip():
            key = empty.group(1).strip(" -")
            return (previous + 1, empty.start(2) + 1), (
                f"'{key}: {empty.group(2)}' is already a whole (empty) {'list' if empty.group(2)[0] == '[' else 'mapping'}, so the lines below cannot add to it;"
                f" remove the '{empty.group(2)}' and keep the items below '{key}:'"
            )
    return _indent_slip(lines, mark.line)


def _previous_content_line(lines: list[str], number: int) -> int | None:
    """The index of the last line before ``number`` that is neither blank nor a comment."""
    for index in range(number - 1, -1, -1):
        if lines[index].strip() and not lines[index].lstrip().startswith("#"):
            return index
    return None


def _quote_slip(text: str, exc: yaml.MarkedYAMLError) -> tuple[Place, str] | None:
    """A quoted value left open, or ended early by a quote mark inside it."""
    context_mark = exc.context_mark
    if "while scanning a quoted scalar" in (exc.context or "") and context_mark is not None:
        mark = context_mark
        quote = text[mark.index] if mark.index < len(text) else '"'
        return (mark.line + 1, mark.column + 1), f"the {quote} that opens this value is never closed; add the closing {quote} at the end of the value"
    limit = exc.problem_mark.index if exc.problem_mark is not None else len(text)
    for token in _tokens_before(text, limit):
        if not isinstance(token, yaml.ScalarToken) or token.style not in ('"', "'"):
            continue
        start, end = token.start_mark, token.end_mark
        run_on = text[start.index : end.index].split("\n")[1:]
        if any(re.match(r"\s*(?:- |[\w-]+:(?:\s|$))", row) for row in run_on):
            return (start.line + 1, start.column + 1), (
                f"the {token.style} that opens this value is not closed on this line, so the value runs on"
                f" to line {end.line + 1}; add the closing {token.style} at the end of the value"
            )
        after = text[end.index : end.index + 1]
        if end.line == (exc.problem_mark.line if exc.problem_mark else -1) and after and after not in " \t\n,]}#:":
            inner = '\\"' if token.style == '"' else "''"
            other = "single" if token.style == '"' else "double"
            return (end.line + 1, end.column), (
                f"this {token.style} ends the quoted value, but more text follows it; write a {token.style} inside"
                f" the value as {inner}, or put the value in {other} quotes"
            )
    return None


def _tokens_before(text: str, limit: int) -> list[yaml.Token]:
    """The tokens PyYAML's scanner reads before it fails (or before ``limit``)."""
    tokens: list[yaml.Token] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index > limit:
                break
            tokens.append(token)
    except yaml.YAMLError:
        pass  # the error being described: the tokens before it are what we need
    return tokens


def _indent_slip(lines: list[str], number: int) -> tuple[Place, str] | None:
    """A line indented by a number of spaces no open line above it uses: name the columns that would fit."""
    line = lines[number]
    indent = len(line) - len(line.lstrip(" "))
    levels = _open_levels(lines, number)
    if not line.strip() or indent in levels or not levels:
        return None
    lower = max((level for level in levels if level < indent), default=None)
    higher = min((level for level in levels if level > indent), default=None)
    options: list[str] = []
    for level in (lower, higher):
        if level is not None:
            row = levels[level]
            word = re.match(r"-|[^\s:]+", lines[row][level:])
            spaces = " spaces" if not options else ""
            options.append(f'{level}{spaces} (like "{word.group() if word else lines[row].strip()}" on line {row + 1})')
    return (number + 1, indent + 1), (
        f"this line is indented {indent} spaces, which lines it up with nothing above it; indent it " + " or ".join(options)
    )


def _open_levels(lines: list[str], number: int) -> dict[int, int]:
    """Columns where the keys and list items still open at line ``number`` start -> the line that opened each.

    A list item ``- key: value`` opens two: its dash and its key. Lines of a
    block scalar (``|`` or ``>``) are skipped.
    """
    stack: list[tuple[int, int]] = []
    block_indent: int | None = None
    for index in range(number):
        row = lines[index]
        if not row.strip() or row.lstrip().startswith("#"):
            continue
        indent = len(row) - len(row.lstrip(" "))
        if block_indent is not None and indent > block_indent:
            continue
        block_indent = None
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, index))
        item = re.match(r"((?:- +)+)", row[indent:])
        if item:
            stack.append((indent + len(item.group(1)), index))
        if re.search(r":\s*[|>][-+0-9]*\s*(?:#.*)?$", row):
            block_indent = indent
    return {level: index for level, index in stack}


def _check_run_on_item(node: yaml.ScalarNode, lines: list[str], path: str, diagnostics: Diagnostics) -> None:
    """Report a list item that YAML reads as more text of the value above it.

    An item indented deeper than the items before it (``  - a`` then
    ``   - b``), or items under a key that already has a value on its own
    line, parse without error as one plain scalar ("a - b"): the slip would
    otherwise surface only as a strange alias or a quote not found.
    """
    first = node.start_mark.line
    for number in range(first + 1, min(node.end_mark.line + 1, len(lines))):
        row = lines[number]
        if not row.lstrip(" ").startswith("- "):
            continue
        indent = len(row) - len(row.lstrip(" "))
        dash = node.start_mark.column - 2
        opening = lines[first]
        if dash >= 0 and opening[dash : dash + 2] == "- ":
            advice = f'not as a new item, because its "-" is indented more than the one on line {first + 1}; indent it {dash} spaces, like line {first + 1}'
        else:
            key = re.match(r"\s*(?:- )?([^:#]+):", opening)
            advice = f'not as a list item; for a list, leave nothing after "{key.group(1).strip() if key else "the key"}:" and start each item on a line of its own with "- "'
        diagnostics.error(
            Location(path, number + 1, indent + 1),
            f'this line reads as more text of the value on line {first + 1} ("{node.value}"), {advice}',
            "yaml-indentation",
        )
        return


def _location(path: str, mark: Position) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def _convert(node: yaml.Node, path: str, diagnostics: Diagnostics, count: list[int], lines: list[str]) -> Node:
    """Convert composed nodes; ``count`` holds [nodes, scalar characters] seen so far, ``lines`` the document's lines."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _TooManyNodes
    loc = _location(path, node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        count[1] += len(node.value)
        if count[1] > MAX_CHARACTERS:
            raise _TooManyNodes
        is_null = node.tag == _NULL_TAG and not node.style  # plain (None, or "" from the C loader)
        if not node.style and node.end_mark.line > node.start_mark.line:
            _check_run_on_item(node, lines, path, diagnostics)
        return Scalar(None if is_null else node.value, loc)
    if isinstance(node, yaml.SequenceNode):
        return Sequence(tuple(_convert(item, path, diagnostics, count, lines) for item in node.value), loc)
    entries: dict[str, tuple[Location, Node]] = {}
    for key_node, value_node in node.value:
        key_loc = _location(path, key_node.start_mark)
        if not isinstance(key_node, yaml.ScalarNode):
            diagnostics.error(key_loc, "mapping keys must be plain strings", "bad-key")
            continue
        key = sys.intern(key_node.value)  # each file's 'claims', 'quote', 'status'...: the one string of the schema's field name
        if key == "<<":
            diagnostics.error(key_loc, "merge keys ('<<') are not supported", "bad-key")
            continue
        if key in entries:
            first = entries[key][0]
            diagnostics.error(key_loc, f"duplicate key '{key}' (first given at line {first.line})", "duplicate-key")
            continue
        entries[key] = (key_loc, _convert(value_node, path, diagnostics, count, lines))
    return Mapping(entries, loc)
