"""Earlier texts of an article that its outlet changed: naming, the sidecar's list, the diff shown.

When an outlet edits a published story, `digest import` keeps the text it
replaces as ``seeds/<stem>.v<N>.md`` and lists it under ``versions:`` in
the sidecar with the date that copy was captured, so the site can show
readers what changed. This module holds the pure parts: where the next
version goes, the edit that adds it to the sidecar (touching nothing else
an editor wrote), and the paragraph-by-paragraph word diff of two texts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from difflib import SequenceMatcher

import yaml

from digest.text.seedtext import parse_markdown, parse_plain
from digest.text.wording import word_diff

Pieces = tuple[tuple[str, bool], ...]
"""A paragraph cut into (text, changed) pieces."""


@dataclass(frozen=True, slots=True)
class ParagraphChange:
    """One paragraph as it was and as it became; either side is () when it was added or removed."""

    before: Pieces
    after: Pieces


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """An earlier text, and how the next text (the next version, or the current one) differs from it."""

    number: int
    file: str
    """Its seed file, relative to the site root."""
    captured: datetime.date
    next_captured: datetime.date | None
    """When the text that replaced it was captured (None when unknown)."""
    changes: tuple[ParagraphChange, ...]


def version_path(stem: str, number: int, suffix: str) -> str:
    """Where an article's ``number``th text is kept, relative to the site root."""
    return f"seeds/{stem}.v{number}{suffix}"


def paragraphs(text: str, is_markdown: bool) -> list[str]:
    """The visible text of each block of a seed, as readers see it (markup gone)."""
    parsed = parse_markdown(text, set(), drop_first_h1=False)[1] if is_markdown else parse_plain(text, None, set())
    return [block.text for block in parsed.blocks]


def text_changes(old: list[str], new: list[str]) -> tuple[ParagraphChange, ...]:
    """The paragraphs that differ between two texts, each with the words that changed marked."""
    changes = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = old[i1:i2], new[j1:j2]
        for index in range(max(len(before), len(after))):
            was = before[index] if index < len(before) else ""
            now = after[index] if index < len(after) else ""
            changes.append(ParagraphChange(word_diff(was, now).pieces if was else (), word_diff(now, was).pieces if now else ()))
    return tuple(changes)


def add_version(sidecar: str, file: str, captured: datetime.date, now_captured: datetime.date) -> str:
    """The sidecar's text with ``file`` added last to ``versions:`` and ``captured:`` set to the new text's date.

    Only those two places change; comments, order and quoting of the rest stay
    as the editor wrote them. Raises ValueError when the file is not a YAML
    mapping or its ``versions:`` is not a list this can extend.
    """
    try:
        root = yaml.compose(sidecar)
    except yaml.YAMLError as exc:
        raise ValueError(f"the sidecar is not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("the sidecar is not a mapping of fields")
    if sidecar and not sidecar.endswith("\n"):
        sidecar += "\n"
    keys = [(key.value, key, value) for key, value in root.value if isinstance(key, yaml.ScalarNode)]
    item = f"- file: {file}\n  captured: {captured.isoformat()}\n"
    edits: list[tuple[int, int, str]] = []
    appended = ""
    versions = next(((key, value) for name, key, value in keys if name == "versions"), None)
    if versions is None:
        appended += "versions:  # earlier texts the outlet replaced, oldest first\n" + _indented(item, 2)
    else:
        key, value = versions
        if isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
            at = _after_last_line(sidecar, key, [k for _, k, _ in keys])
            edits.append((at, at, _indented(item, value.start_mark.column)))
        elif (isinstance(value, yaml.SequenceNode) and not value.value) or (isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null")):
            start, end = _value_span(sidecar, key, value)
            edits.append((start, end, "\n" + _indented(item, 2).rstrip("\n")))
        else:
            raise ValueError("'versions' is not a block list that can be extended; fix it by hand")
    current = next((value for name, _, value in keys if name == "captured"), None)
    if current is None:
        appended = f"captured: {now_captured.isoformat()}  # when the current text was saved\n" + appended
    elif isinstance(current, yaml.ScalarNode):
        edits.append((current.start_mark.index, current.end_mark.index, now_captured.isoformat()))
    else:
        raise ValueError("'captured' is not a date")
    for start, end, text in sorted(edits, reverse=True):
        sidecar = sidecar[:start] + text + sidecar[end:]
    return sidecar + appended


def _indented(text: str, column: int) -> str:
    return "".join(" " * column + line for line in text.splitlines(keepends=True))


def _value_span(text: str, key: yaml.Node, value: yaml.Node) -> tuple[int, int]:
    """Where an empty value is written: from after its key's colon to the end of that line's value."""
    start = text.index(":", key.end_mark.index) + 1
    end = value.end_mark.index if value.end_mark.index > start else start
    return start, end


def _after_last_line(text: str, key: yaml.Node, all_keys: list[yaml.Node]) -> int:
    """Where a block list under ``key`` ends: before the next top-level key and the comments above it."""
    following = [k.start_mark.index for k in all_keys if k.start_mark.index > key.start_mark.index]
    limit = min(following) if following else len(text)
    lines = text[:limit].splitlines(keepends=True)
    while lines and (not lines[-1].strip() or lines[-1].startswith("#")):
        lines.pop()
    return len("".join(lines))
