"""Read YAML into small trees that remember where each node was written.

We compose (not construct) with PyYAML so every node keeps its mark, then
convert to three plain node types. All scalars stay strings: ``country: NO``
is Norway and ``id: 2022`` is "2022", with no YAML 1.1 guessing. Tags
(``!!int``, ``!!binary``, ``!foo``) would promise a type that is never
given, so they are errors, as are duplicate keys; alias expansion is
bounded so a "billion laughs" document fails fast instead of eating memory.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

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
        return _convert(root, path, diagnostics, [0, 0])
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


def _depth_exceeded(text: str) -> yaml.Mark | None:
    """Where the document first nests deeper than MAX_DEPTH, from the parser's events (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return None


def _describe_yaml_error(exc: yaml.MarkedYAMLError, path: str, text: str) -> tuple[Location, str]:
    """Point at the most useful mark and phrase PyYAML's problem/context as one sentence.

    An unclosed quote or bracket is found at the end of the file; the editor
    needs the place where it was opened, which PyYAML gives as the context.
    """
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


def _location(path: str, mark: yaml.Mark) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def _convert(node: yaml.Node, path: str, diagnostics: Diagnostics, count: list[int]) -> Node:
    """Convert composed nodes; ``count`` holds [nodes, scalar characters] seen so far."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _TooManyNodes
    loc = _location(path, node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        count[1] += len(node.value)
        if count[1] > MAX_CHARACTERS:
            raise _TooManyNodes
        is_null = node.tag == _NULL_TAG and not node.style  # plain (None, or "" from the C loader)
        return Scalar(None if is_null else node.value, loc)
    if isinstance(node, yaml.SequenceNode):
        return Sequence(tuple(_convert(item, path, diagnostics, count) for item in node.value), loc)
    entries: dict[str, tuple[Location, Node]] = {}
    for key_node, value_node in node.value:
        key_loc = _location(path, key_node.start_mark)
        if not isinstance(key_node, yaml.ScalarNode):
            diagnostics.error(key_loc, "mapping keys must be plain strings", "bad-key")
            continue
        key = key_node.value
        if key == "<<":
            diagnostics.error(key_loc, "merge keys ('<<') are not supported", "bad-key")
            continue
        if key in entries:
            first = entries[key][0]
            diagnostics.error(key_loc, f"duplicate key '{key}' (first given at line {first.line})", "duplicate-key")
            continue
        entries[key] = (key_loc, _convert(value_node, path, diagnostics, count))
    return Mapping(entries, loc)
