"""JSON Schema for the content files, generated from the Field declarations.

Editors who use the YAML language server (VS Code, Neovim, JetBrains) get
completion, hover help and inline errors from these schemas. They are built
by walking `digest.source.schema` (one fragment per `Field.kind`, see `_KINDS`), so
a field added to the validator appears in the schema, and a kind without a
fragment fails loudly instead of drifting.

Scalar types. Our loader reads every scalar as text, but the language server
types scalars by YAML 1.2's core schema: `2022` is a number, `true` a boolean,
`2022-11-07`, `NO` and `yes` are strings, and `~` or nothing is null. So the
schema accepts, per kind, what the validator would accept as text:

- free text (`string`, `markdown`) also accepts numbers and booleans:
  `title: 1984` builds, so the editor must not flag it;
- an `id` also accepts a non-negative integer (`id: 2022` is a valid id);
- a person's `name` and `aliases` take text with a character that is not an
  ASCII digit, punctuation or space (the validator asks for a letter in any
  script), or a boolean, but no number: `aliases: 7` would link every "7";
- an `edtf` date also accepts an integer year 1000-9999 (`date: 2022`);
- a `bool` is a boolean or one of the strings true/false/yes/no, any case;
- dates, URLs, hostnames, language tags and choices are strings only: a
  number there is an error for the validator too.

An optional field left empty (null) is accepted, as the validator skips it;
a required one is not. Only keywords that mean the same in drafts 7 and
2020-12 are used (no `$ref`, no `prefixItems`), because language servers
differ in which draft they implement.

Site-specific schemas (`digest schema` in a site root) turn claim statuses
and person ids into enums, so a misspelt status or person is flagged while
typing. The rest (quotes, conflicts across files, duplicate ids) stays the
validator's: no schema sees the seeds or the other files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from digest.errors import Diagnostics, UsageError
from digest.graph.link import site_config
from digest.graph.model import DEFAULT_STATUSES
from digest.source.load import is_site_root, load_site
from digest.source.schema import (
    ARTICLE_FIELDS,
    EVIDENCE_FIELDS,
    ID_PATTERN,
    PERSON_FIELDS,
    QUOTE_SELECTOR_FIELDS,
    SITE_FIELDS,
    STATUS_FIELDS,
    TIMELINE_EVENT_FIELDS,
    Field,
)
from digest.text.dates import SINGLE_DATE_RE

DRAFT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]

# Declared inside schema.py's _check_quote and _check_evidence; repeated here
# (the only copies) and covered by the invalid-fixture tests.
STATUS_REFERENCES = {"status"}
"""Field names (in claims and claim history) whose value is a status id."""
PERSON_REFERENCES = {"claimant", "about", "people"}
"""Field names (in claims and events) whose values are person ids."""

_TEXT = {"type": ["string", "number", "boolean"]}
_NONEMPTY_TEXT = {**_TEXT, "pattern": r"\S"}
_NAME = {"type": ["string", "boolean"], "pattern": r"[^\s0-9!-/:-@\[-`{-~]"}
_ID = {"anyOf": [{"type": "string", "pattern": ID_PATTERN.pattern}, {"type": "integer", "minimum": 0}]}
_URL = {"type": "string", "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+\S*$"}
_BASE_URL = {"type": "string", "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s\"'<>\\`]+[^\s\"'<>\\`]*$"}
"""`schema.is_base_url`: a web URL with none of the characters that could leave an attribute."""
_YEAR = r"(?!0000)[0-9]{4}"
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_DATE = (  # YYYY-MM-DD that is a real calendar day, like datetime.date.fromisoformat.
    rf"^(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    rf"|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?!0000){_LEAP_YEAR}-02-29)$"
)
# EDTF's shape (one date, an A/B interval with open ".." or unknown "" sides,
# or one of a set "[A, B..C]"), derived from the parser's own pattern; ranges
# and order stay the validator's.
_EDTF_ONE = re.sub(r"\(\?P<\w+>", "(?:", SINGLE_DATE_RE.pattern).replace(r"\d", "[0-9]")
_EDTF_MEMBER = rf"(?:\.\.)?{_EDTF_ONE}(?:\.\.(?:{_EDTF_ONE})?)?"
_EDTF_SET = rf"\[\s*{_EDTF_MEMBER}(?:\s*,\s*{_EDTF_MEMBER})*\s*\]"
_EDTF = rf"^\s*(?:{_EDTF_ONE}(?:/(?:{_EDTF_ONE}|\.\.)?)?|(?:\.\.)?/{_EDTF_ONE}|{_EDTF_SET})\s*$"
_BOOL_WORDS = ("true", "false", "yes", "no")


def _ci(word: str) -> str:
    """A case-insensitive regex for a word (ECMA-262 patterns have no (?i))."""
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


def _list_of(item: Schema, allow_single: bool = True) -> Schema:
    """`_check_list`: a list of items; 'ids' and 'strings' also take a single one."""
    array = {"type": "array", "items": item}
    return {"anyOf": [item, array]} if allow_single else array


def _fragment(spec: Field, name: str, statuses: list[str] | None, people: list[str] | None) -> Schema:
    """The JSON Schema of one field's value (without null), by kind."""
    if name in STATUS_REFERENCES and statuses is not None and spec.kind == "id":
        return {"type": "string", "enum": list(statuses)}
    if name in PERSON_REFERENCES and people is not None and spec.kind in ("id", "ids"):
        person = {"type": "string", "enum": list(people)}
        return person if spec.kind == "id" else _list_of(person)
    kind = spec.kind
    if kind == "records":
        assert spec.fields is not None
        return _list_of(_object(spec.fields, statuses, people), allow_single=False)
    if kind == "choice":
        return {"type": "string", "enum": list(spec.choices)}
    if kind == "quote":
        one = {"anyOf": [_NONEMPTY_TEXT, _object(QUOTE_SELECTOR_FIELDS, statuses, people)]}
        return {"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]}
    if kind == "evidence":
        return _list_of(_object(EVIDENCE_FIELDS, statuses, people), allow_single=False)
    if kind == "statuses":
        return {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": ID_PATTERN.pattern},
            "additionalProperties": _object(STATUS_FIELDS, statuses, people),
        }
    return _KINDS[kind]


_KINDS: dict[str, Schema] = {
    "string": _NONEMPTY_TEXT,
    "markdown": _TEXT,
    "id": _ID,
    "language": {"type": "string", "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
    "url": _URL,
    "base_url": _BASE_URL,
    "hostname": {
        "type": "string",
        "pattern": r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$",
    },
    "date": {"type": "string", "pattern": _DATE},
    "edtf": {"anyOf": [{"type": "string", "pattern": _EDTF}, {"type": "integer", "minimum": 1000, "maximum": 9999}]},
    "strings": _list_of(_NONEMPTY_TEXT),
    "name": _NAME,
    "names": _list_of(_NAME),
    "ids": _list_of(_ID),
    "links": {"type": "object", "additionalProperties": _URL},
    "bool": {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": f"^(?:{'|'.join(map(_ci, _BOOL_WORDS))})$"}]},
}
"""Kinds whose fragment does not depend on the field; the rest are built in `_fragment`."""


def _property(spec: Field, name: str, statuses: list[str] | None, people: list[str] | None) -> Schema:
    """A field's fragment with its help text; optional fields may be left empty."""
    fragment = _fragment(spec, name, statuses, people)
    schema = dict(fragment)
    if not spec.required:
        choices = fragment["anyOf"] if set(fragment) == {"anyOf"} else [fragment]
        schema = {"anyOf": [*choices, {"type": "null"}]}
    if spec.help:
        schema["description"] = spec.help
    if name in PERSON_REFERENCES and people is not None:
        what = spec.help or ("person ids" if spec.kind == "ids" else "a person id")
        schema["description"] = f"{what}: a file name in content/people/ without .yaml"
        schema["markdownDescription"] = f"{what}: the name of a file `content/people/<id>.yaml`, without `.yaml`"
    if name in STATUS_REFERENCES and statuses is not None:
        schema["description"] = "a claim status id, from claim_statuses in content/site.yaml"
    return schema


def _object(fields: dict[str, Field], statuses: list[str] | None, people: list[str] | None) -> Schema:
    """`check_record`: a mapping of the declared fields only, required ones present."""
    schema: Schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: _property(spec, name, statuses, people) for name, spec in fields.items()},
    }
    required = [name for name, spec in fields.items() if spec.required]
    if required:
        schema["required"] = required
    return schema


def _document(title: str, body: Schema) -> Schema:
    return {"$schema": DRAFT, "title": title, **body}


def schemas(statuses: list[str] | None = None, people: list[str] | None = None) -> dict[str, Schema]:
    """JSON Schema documents by file name; with statuses/people, those become enums."""
    timeline_event = _object(TIMELINE_EVENT_FIELDS, statuses, people)
    return {
        "site.schema.json": _document("digest content/site.yaml", _object(SITE_FIELDS, statuses, people)),
        "person.schema.json": _document(
            "digest person (content/people/<id>.yaml)", _object(PERSON_FIELDS, statuses, people)
        ),
        "article.schema.json": _document(
            "digest article sidecar (content/articles/<seed>.yaml)", _object(ARTICLE_FIELDS, statuses, people)
        ),
        # An empty timeline.yaml is accepted by the loader, hence null.
        "timeline.schema.json": _document(
            "digest content/timeline.yaml: a list of events", {"type": ["array", "null"], "items": timeline_event}
        ),
    }


def write_schemas(folder: Path, statuses: list[str] | None = None, people: list[str] | None = None) -> list[Path]:
    """Write the schemas as stable JSON (sorted keys, trailing newline); unchanged files are left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in sorted(schemas(statuses, people).items()):
        path = folder / name
        text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def schema_command(root: Path | None, output: Path | None) -> list[Path]:
    """`digest schema`: the site's own schemas into OUTPUT or ROOT/schemas/, or generic ones into OUTPUT.

    Raises UsageError (exit 2) for a missing OUTPUT or a ROOT without site.yaml.
    Content errors do not stop it: schemas help most while content is broken.
    Like the validator, it falls back to the default statuses when site.yaml
    cannot be read, and leaves person ids open when a person file could not be.
    """
    if root is None:
        if output is None:
            raise UsageError("digest schema needs --output when not run in a site root")
        return write_schemas(output)
    if not is_site_root(root):
        raise UsageError(f"{root} is not a site root: content/site.yaml not found")
    loaded = load_site(root, Diagnostics())
    statuses = list(site_config(loaded.config).statuses) if loaded.config is not None else list(DEFAULT_STATUSES)
    people = None if "people" in loaded.failed else sorted(loaded.people)
    return write_schemas(output if output is not None else root / "schemas", statuses, people)
