"""The content format, declared once: which fields each YAML file may have.

Validation walks a YAML node tree against these declarations and returns
plain Python values plus the location of every value, so later stages can
point at the exact node when a reference does not resolve. The same
declarations document the format (and can be exported as JSON Schema).
"""

from __future__ import annotations

import datetime
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from digest.errors import Diagnostics, Location, closest, did_you_mean
from digest.source.yamlnodes import Mapping, Node, Scalar, Sequence, kind_name
from digest.text.dates import EDTFError, parse_edtf
from digest.text.slugs import MAX_ID_LENGTH, is_windows_reserved, slugify

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def id_unfit_for_path(value: str) -> str | None:
    """Why an id that is otherwise well formed cannot name a folder, or None.

    Ids (of people, claims, events, statuses, and slugs) become folder
    names: one Windows reserves would make the site impossible to check
    out there, and a very long one fails to write (name too long).
    """
    if is_windows_reserved(value):
        return "Windows reserves that name, so the site could not be checked out there"
    if len(value) > MAX_ID_LENGTH:
        return f"it is {len(value)} characters long, and ids and slugs may have at most {MAX_ID_LENGTH} (they become folder names)"
    return None
SOURCING_VALUES = ("on-record", "anonymous", "document", "unattributed")


@dataclass(frozen=True, slots=True)
class Field:
    kind: str
    """One of the keys of ``_CHECKERS``."""
    required: bool = False
    help: str = ""
    fields: dict[str, Field] | None = None
    """For ``records``: the fields of each item."""
    choices: tuple[str, ...] = ()


@dataclass(slots=True)
class Record:
    """A validated mapping: values by field name, and where each was written."""

    loc: Location
    values: dict[str, Any] = field(default_factory=dict)
    locs: dict[str, Location] = field(default_factory=dict)
    """Field name -> value location; list items as ``"field.N"``."""
    invalid: frozenset[str] = frozenset()
    """Fields that were given but rejected: later stages don't call them missing. Most records have none:
    they share the one empty set (a set each was a tenth of a sidecar's records in memory)."""

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def where(self, name: str, index: int | None = None) -> Location:
        if index is not None and f"{name}.{index}" in self.locs:
            return self.locs[f"{name}.{index}"]
        return self.locs.get(name, self.loc)


@dataclass(frozen=True, slots=True)
class QuoteSelector:
    """One passage to find: W3C TextQuoteSelector semantics."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    loc: Location = Location("")


QUOTE_SELECTOR_FIELDS = {
    "exact": Field("string", required=True, help="the passage, exactly as in the seed"),
    "prefix": Field("string", help="text just before the passage, to pick one occurrence"),
    "suffix": Field("string", help="text just after the passage, to pick one occurrence"),
}

EVIDENCE_FIELDS = {"url": Field("url", required=True), "label": Field("string", required=True)}

STATUS_FIELDS = {
    "label": Field("string", required=True),
    "description": Field("string", required=True),
}

SITE_FIELDS = {
    "title": Field("string", required=True, help="the site's name"),
    "base_url": Field("base_url", required=True, help="where the site is published"),
    "description": Field("string", help="one line about the story"),
    "intro": Field("markdown", help="the story in brief, for the home page"),
    "language": Field("language", help="BCP 47 tag, e.g. en"),
    "theme": Field("id", help="a folder in themes/"),
    "claim_statuses": Field("statuses", help="status id -> {label, description}"),
    "cname": Field("hostname", help="custom domain, written to /CNAME"),
    "article_text": Field("choice", choices=("full", "excerpts"), help="publish full texts or only annotated passages"),
    "search": Field("bool", help="false: no search page and no search index (default true)"),
}

PERSON_FIELDS = {
    "name": Field("name", required=True),
    "aliases": Field("names", help="other spellings the articles use; each links the person wherever it appears"),
    "role": Field("string"),
    "organization": Field("string"),
    "country": Field("string"),
    "description": Field("markdown"),
    "links": Field("links"),
}

HISTORY_FIELDS = {
    "date": Field("date", required=True),
    "status": Field("id", required=True),
    "note": Field("markdown"),
}

CLAIM_FIELDS = {
    "id": Field("id", required=True),
    "quote": Field("quote"),
    "text": Field("string", help="a neutral one-sentence statement"),
    "status": Field("id"),
    "sourcing": Field("choice", choices=SOURCING_VALUES),
    "claimant": Field("id", help="a person id"),
    "claimant_text": Field("string"),
    "about": Field("ids"),
    "note": Field("markdown"),
    "evidence": Field("evidence"),
    "reviewed": Field("date", help="when the status was last checked"),
    "history": Field("records", fields=HISTORY_FIELDS, help="earlier statuses: {date, status, note}"),
}

EVENT_FIELDS = {
    "id": Field("id", required=True),
    "quote": Field("quote"),
    "date": Field("edtf"),
    "title": Field("string"),
    "people": Field("ids"),
    "description": Field("markdown"),
    "date_text": Field("string", help="the article's own words for the date"),
}

TIMELINE_EVENT_FIELDS = {
    **{name: spec for name, spec in EVENT_FIELDS.items() if name != "quote"},
    "source_url": Field("url"),
}

VERSION_FIELDS = {
    "file": Field("string", required=True, help="the earlier text, kept in seeds/ as <stem>.v<N>.md (or .txt)"),
    "captured": Field("date", required=True, help="when that copy of the text was saved"),
}

ARTICLE_FIELDS = {
    "title": Field("string"),
    "subtitle": Field("string"),
    "outlet": Field("string", required=True),
    "url": Field("url"),
    "published": Field("date", required=True),
    "author": Field("string"),
    "slug": Field("id"),
    "omit": Field("strings", help="exact seed lines not to show"),
    "article_text": Field("choice", choices=("full", "excerpts"), help="overrides the site's setting"),
    "draft": Field("bool", help="true: left out of digest build, shown by digest serve"),
    "language": Field("language", help="BCP 47 tag of the article's text, if not the site's (e.g. ar, pl)"),
    "captured": Field("date", help="when the current text was saved (digest import fills it in)"),
    "versions": Field("records", fields=VERSION_FIELDS, help="earlier texts the outlet replaced, oldest first: {file, captured}"),
    "claims": Field("records", fields=CLAIM_FIELDS),
    "events": Field("records", fields=EVENT_FIELDS),
}


def check_record(node: Node, fields: dict[str, Field], diagnostics: Diagnostics) -> Record | None:
    """Validate a mapping against its fields; report every problem found."""
    if not isinstance(node, Mapping):
        diagnostics.error(node.loc, f"expected a mapping of fields, got {kind_name(node)}", "wrong-type")
        return None
    record = Record(node.loc)
    invalid: set[str] = set()
    for key, (key_loc, value) in node.entries.items():
        spec = fields.get(key)
        if spec is None:
            suggestion = closest(key, fields)
            hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
            diagnostics.error(key_loc, f"unknown field '{key}'{hint}", "unknown-field")
            if suggestion:  # reported once, as a typo, not again as missing
                invalid.add(suggestion)
            continue
        if isinstance(value, Scalar) and value.value is None:
            if spec.required:
                diagnostics.error(value.loc, f"'{key}' is required but empty", "missing-field")
            continue
        checked = _CHECKERS[spec.kind](value, spec, record, key, diagnostics)
        if checked is _INVALID:
            invalid.add(key)
        else:
            record.values[key] = checked
            record.locs.setdefault(key, value.loc)
    for name, spec in fields.items():
        if spec.required and name not in node.entries and name not in invalid:
            diagnostics.error(node.loc, f"missing required field '{name}'", "missing-field")
    if invalid:
        record.invalid = frozenset(invalid)
    return record


_INVALID = object()


def _expect_string(node: Node, key: str, diagnostics: Diagnostics) -> Any:
    if isinstance(node, Scalar) and node.value is not None:
        return node.value
    diagnostics.error(node.loc, f"'{key}' must be a string, got {kind_name(node)}", "wrong-type")
    return _INVALID


def _check_string(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    if value is not _INVALID and not value.strip():
        diagnostics.error(node.loc, f"'{key}' must not be empty", "missing-field")
        return _INVALID
    return value


def _check_name(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    """A person's name or alias: text with a letter in it, since it links every place it appears."""
    value = _check_string(node, spec, record, key, diagnostics)
    if value is not _INVALID and not any(char.isalpha() for char in value):
        diagnostics.error(
            node.loc, f"'{key}' must contain a letter to name a person, got '{value}' (it would link every '{value.strip()}' in the articles)", "bad-name"
        )
        return _INVALID
    return value


def _check_markdown(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    return _expect_string(node, key, diagnostics)


def _check_id(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    unfit = id_unfit_for_path(value) if value is not _INVALID else None
    if unfit is not None:
        shown = value if len(value) <= 40 else value[:40] + "…"
        diagnostics.error(node.loc, f"'{key}' may not be '{shown}': {unfit}", "bad-id")
        return _INVALID
    if value is not _INVALID and not ID_PATTERN.fullmatch(value):
        suggestion = slugify(value)
        hint = f" (did you mean '{suggestion}'?)" if suggestion and suggestion != value else ""
        diagnostics.error(
            node.loc, f"'{key}' must be an id: lowercase words joined by hyphens (like 'jake-sullivan'), got '{value}'{hint}", "bad-id"
        )
        return _INVALID
    return value if value is _INVALID else sys.intern(value)  # a person's or a claim's id is written in many files: one string


def _check_choice(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    if value is not _INVALID and value not in spec.choices:
        allowed = ", ".join(spec.choices)
        diagnostics.error(
            node.loc, f"'{key}' must be one of {allowed}; got '{value}'{did_you_mean(value, spec.choices)}", "bad-value"
        )
        return _INVALID
    return value if value is _INVALID else sys.intern(value)


def _check_language(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    if value is not _INVALID and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        diagnostics.error(node.loc, f"'{key}' must be a BCP 47 language tag such as 'en' or 'pt-BR'", "bad-value")
        return _INVALID
    return value


_NOT_IN_BASE_URLS = frozenset('"\'<>\\`')
"""Characters a URL never holds unencoded (RFC 3986 allows only ' of them) that would end an attribute or start markup."""


def is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises for a malformed port or host such as 'http://[abc'
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() or ord(c) < 32 for c in value)


def is_base_url(value: str) -> bool:
    """A web URL fit to be the site's ``base_url``, which is written into every page.

    Quotes, angle brackets, backslashes, spaces and control characters are
    refused rather than escaped: ``base_url`` goes into attributes, feeds,
    robots.txt and JSON, and a site's address has no need for any of them.
    (Other URL fields may hold them: they are escaped where written.)
    """
    return is_web_url(value) and not any(0x7F <= ord(c) < 0xA0 or c in _NOT_IN_BASE_URLS for c in value)


def _check_base_url(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    if value is not _INVALID and not is_base_url(value):
        diagnostics.error(node.loc, f"'{key}' must be an http(s) URL, got '{value}' (the site's full address, without quotes, spaces, angle brackets or backslashes)", "bad-url")
        return _INVALID
    return value


def _check_url(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    if value is not _INVALID and not is_web_url(value):
        diagnostics.error(node.loc, f"'{key}' must be an http(s) URL, got '{value}'", "bad-url")
        return _INVALID
    return value


def _check_hostname(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    if value is not _INVALID and not re.fullmatch(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", value.lower()):
        diagnostics.error(node.loc, f"'{key}' must be a domain name such as 'news.example.org', got '{value}'", "bad-value")
        return _INVALID
    return value


def _check_date(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    if value is _INVALID:
        return value
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        diagnostics.error(node.loc, f"'{key}' must be a date written YYYY-MM-DD, got '{value}'", "bad-date")
        return _INVALID


def _check_edtf(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    if isinstance(node, Sequence):
        scalars = [item for item in node.items if isinstance(item, Scalar)]
        if len(scalars) == len(node.items):
            # Unquoted, EDTF's "one of a set" [A, B..C] is a YAML list.
            written = "[" + ", ".join(str(item.value) for item in scalars) + "]"
            diagnostics.error(node.loc, f"'{key}' is a YAML list here: quote a set of dates, {key}: \"{written}\"", "wrong-type")
            return _INVALID
    value = _expect_string(node, key, diagnostics)
    if value is _INVALID:
        return value
    try:
        return parse_edtf(value)
    except EDTFError as exc:
        diagnostics.error(node.loc, str(exc), "bad-date")
        return _INVALID


def _check_list(node: Node, key: str, diagnostics: Diagnostics, item: Callable[[Node, int], Any], record: Record) -> Any:
    items = node.items if isinstance(node, Sequence) else (node,) if isinstance(node, Scalar) else None
    if items is None:
        diagnostics.error(node.loc, f"'{key}' must be a list, got {kind_name(node)}", "wrong-type")
        return _INVALID
    values: list[Any] = []
    for index, child in enumerate(items):
        value = item(child, index)
        if value is not _INVALID:
            record.locs[sys.intern(f"{key}.{len(values)}")] = child.loc  # one "about.0" for every record
            values.append(value)
    return values


def _check_strings(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    return _check_list(node, key, diagnostics, lambda child, i: _check_string(child, spec, record, key, diagnostics), record)


def _check_names(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    return _check_list(node, key, diagnostics, lambda child, i: _check_name(child, spec, record, key, diagnostics), record)


def _check_ids(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    return _check_list(node, key, diagnostics, lambda child, i: _check_id(child, spec, record, key, diagnostics), record)


def _check_links(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    if not isinstance(node, Mapping):
        diagnostics.error(node.loc, f"'{key}' must be a mapping of label: URL, got {kind_name(node)}", "wrong-type")
        return _INVALID
    links = {}
    for label, (_, value) in node.entries.items():
        url = _check_url(value, spec, record, f"{key}.{label}", diagnostics)
        if url is not _INVALID:
            links[label] = url
    return links


def _check_evidence(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    def item(child: Node, index: int) -> Any:
        checked = check_record(child, EVIDENCE_FIELDS, diagnostics)
        return _INVALID if checked is None or len(checked.values) < 2 else dict(checked.values)

    return _check_list(node, key, diagnostics, item, record)


def _check_statuses(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    if not isinstance(node, Mapping) or not node.entries:
        diagnostics.error(node.loc, f"'{key}' must be a non-empty mapping of status id: {{label, description}}", "wrong-type")
        return _INVALID
    statuses = {}
    for status_id, (status_loc, value) in node.entries.items():
        if not ID_PATTERN.fullmatch(status_id):
            diagnostics.error(status_loc, f"status id '{status_id}' must be lowercase words joined by hyphens", "bad-id")
            continue
        unfit = id_unfit_for_path(status_id)
        if unfit is not None:
            diagnostics.error(status_loc, f"status id '{status_id[:40]}' cannot be used: {unfit}", "bad-id")
            continue
        checked = check_record(value, STATUS_FIELDS, diagnostics)
        if checked is not None and len(checked.values) == len(STATUS_FIELDS):
            statuses[status_id] = (checked.values["label"], checked.values["description"])
    return statuses


def _check_quote(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    """Accept a string, a {exact, prefix, suffix} mapping, or a list of either."""
    def one(child: Node, index: int) -> Any:
        if isinstance(child, Mapping):
            checked = check_record(child, QUOTE_SELECTOR_FIELDS, diagnostics)
            if checked is None or "exact" not in checked.values:
                return _INVALID
            return QuoteSelector(
                checked.values["exact"], checked.values.get("prefix", ""), checked.values.get("suffix", ""), child.loc
            )
        text = _check_string(child, spec, record, key, diagnostics)
        return _INVALID if text is _INVALID else QuoteSelector(text, loc=child.loc)

    if isinstance(node, Sequence):
        if not node.items:
            diagnostics.error(node.loc, f"'{key}' must not be an empty list", "missing-field")
            return _INVALID
        return _check_list(node, key, diagnostics, one, record)
    selector = one(node, 0)
    return _INVALID if selector is _INVALID else [selector]


def _check_records(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    fields = spec.fields
    assert fields is not None, "every records field names the fields of its items"

    def item(child: Node, index: int) -> Any:
        checked = check_record(child, fields, diagnostics)
        return _INVALID if checked is None else checked

    if not isinstance(node, Sequence):
        diagnostics.error(node.loc, f"'{key}' must be a list, got {kind_name(node)}", "wrong-type")
        return _INVALID
    return _check_list(node, key, diagnostics, item, record)


def _check_bool(node: Node, spec: Field, record: Record, key: str, diagnostics: Diagnostics) -> Any:
    value = _expect_string(node, key, diagnostics)
    if value is _INVALID:
        return value
    if value.lower() in ("true", "yes"):
        return True
    if value.lower() in ("false", "no"):
        return False
    diagnostics.error(node.loc, f"'{key}' must be true or false, got '{value}'", "wrong-type")
    return _INVALID


_CHECKERS: dict[str, Callable[[Node, Field, Record, str, Diagnostics], Any]] = {
    "string": _check_string,
    "markdown": _check_markdown,
    "id": _check_id,
    "choice": _check_choice,
    "language": _check_language,
    "url": _check_url,
    "base_url": _check_base_url,
    "date": _check_date,
    "hostname": _check_hostname,
    "edtf": _check_edtf,
    "strings": _check_strings,
    "name": _check_name,
    "names": _check_names,
    "ids": _check_ids,
    "links": _check_links,
    "evidence": _check_evidence,
    "statuses": _check_statuses,
    "quote": _check_quote,
    "records": _check_records,
    "bool": _check_bool,
}
