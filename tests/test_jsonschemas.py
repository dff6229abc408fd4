"""The JSON Schemas accept what the validator accepts and reject its structural errors.

Files are read two ways: as digest reads them (every scalar a string, plain
empties null: what the validator sees) and as the YAML language server reads
them (YAML 1.2 core schema: 2022 is a number, true a boolean). The schemas
must give the validator's verdict in both views.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from test_invalid_sites import apply_overlay

from digest.authoring import jsonschemas
from digest.authoring.jsonschemas import schema_command, schemas, write_schemas
from digest.errors import Diagnostics, UsageError
from digest.source.schema import _CHECKERS, ARTICLE_FIELDS, PERSON_FIELDS, SITE_FIELDS, TIMELINE_EVENT_FIELDS, Field, check_record
from digest.source.yamlnodes import Mapping, Node, Scalar, Sequence, parse_yaml

from conftest import INVALID_SITES, REPO, SITES

BASIC = SITES / "basic"
GENERIC = schemas()


def digest_view(text: str) -> object:
    """The data as our loader sees it."""
    node = parse_yaml(text, "x.yaml", Diagnostics())
    assert node is not None, "not valid YAML"
    return _plain(node)


def _plain(node: Node) -> object:
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [_plain(item) for item in node.items]
    assert isinstance(node, Mapping)
    return {key: _plain(value) for key, (_, value) in node.entries.items()}


class CoreLoader(yaml.SafeLoader):
    """YAML 1.2 core schema typing, as the YAML language server applies it."""

    yaml_implicit_resolvers: dict = {}


CoreLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), [*"~nN", ""])
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"),
)
CoreLoader.add_constructor("tag:yaml.org,2002:int", lambda loader, node: int(node.value, 0 if node.value[1:2] in "ox" else 10))
CoreLoader.add_constructor(
    "tag:yaml.org,2002:float", lambda loader, node: float(node.value.lower().replace(".inf", "inf").replace(".nan", "nan"))
)


def core_view(text: str) -> object:
    return yaml.load(text, Loader=CoreLoader)


def schema_name(rel: str) -> str:
    """Which schema a content file follows."""
    if rel == "content/site.yaml":
        return "site.schema.json"
    if rel == "content/timeline.yaml":
        return "timeline.schema.json"
    if rel.startswith("content/people/"):
        return "person.schema.json"
    assert rel.startswith("content/articles/"), rel
    return "article.schema.json"


def errors(schema: dict, data: object) -> list[str]:
    return [error.message for error in Draft202012Validator(schema).iter_errors(data)]


def site_schemas(root: Path, folder: Path) -> dict[str, dict]:
    paths = schema_command(root, folder)
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in paths}


def content_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "content").rglob("*.yaml"))


def test_schemas_are_valid_json_schema(tmp_path):
    documents = [GENERIC, schemas(["reported"], ["jake-sullivan"]), site_schemas(BASIC, tmp_path)]
    for documents_set in documents:
        assert sorted(documents_set) == ["article.schema.json", "person.schema.json", "site.schema.json", "timeline.schema.json"]
        for schema in documents_set.values():
            Draft202012Validator.check_schema(schema)


def test_every_field_kind_has_a_fragment():
    for kind in _CHECKERS:
        jsonschemas._fragment(Field(kind, fields={"x": Field("string")}), "x", None, None)


SITES_WITH_CONTENT = [pytest.param(REPO, id="demo"), pytest.param(BASIC, id="basic")]


@pytest.mark.parametrize("root", SITES_WITH_CONTENT)
def test_good_content_validates(root, tmp_path):
    specific = site_schemas(root, tmp_path)
    for rel in content_files(root):
        text = (root / rel).read_text(encoding="utf-8")
        for view in (digest_view, core_view):
            for documents in (GENERIC, specific):
                assert errors(documents[schema_name(rel)], view(text)) == [], f"{rel} ({view.__name__})"


def test_site_schemas_carry_the_vocabularies(tmp_path):
    specific = site_schemas(BASIC, tmp_path)
    claim = specific["article.schema.json"]["properties"]["claims"]["anyOf"][0]["items"]
    statuses = claim["properties"]["status"]["anyOf"][0]["enum"]
    assert statuses == ["confirmed", "reported", "unverified", "disputed", "denied", "false"]
    sidecar = digest_view((BASIC / "content/articles/plain-one.yaml").read_text(encoding="utf-8"))
    sidecar["claims"][1]["about"] = ["vladimir-putn"]
    assert errors(specific["article.schema.json"], sidecar), "an unknown person id in 'about' was accepted"
    assert errors(GENERIC["article.schema.json"], sidecar) == []
    sidecar["claims"][1]["about"] = "vladimir-putin"
    assert errors(specific["article.schema.json"], sidecar) == []


def test_written_schemas_are_deterministic(tmp_path):
    first = write_schemas(tmp_path / "a", ["reported"], ["jake-sullivan"])
    second = write_schemas(tmp_path / "b", ["reported"], ["jake-sullivan"])
    for one, two in zip(first, second, strict=True):
        text = one.read_text(encoding="utf-8")
        assert text == two.read_text(encoding="utf-8") and text.endswith("}\n")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_schema_command_defaults_and_usage_errors(tmp_path):
    site = tmp_path / "site"
    apply_overlay("unknown-status", site)  # any copy of the basic site
    assert [p.relative_to(site).as_posix() for p in schema_command(site, None)] == [
        "schemas/article.schema.json", "schemas/person.schema.json", "schemas/site.schema.json", "schemas/timeline.schema.json"
    ]
    generic = schema_command(None, tmp_path / "generic")
    assert {p.name: json.loads(p.read_text(encoding="utf-8")) for p in generic} == GENERIC
    with pytest.raises(UsageError):
        schema_command(None, None)
    with pytest.raises(UsageError):
        schema_command(tmp_path / "generic", None)


# Each error message of tests/sites_invalid, by what a schema can see of it.
STRUCTURAL = "structural"
ENUM = "needs the site's status or person vocabulary"
MESSAGE_KINDS = [
    (r"^unknown field '", STRUCTURAL),
    (r"^missing required field '", STRUCTURAL),
    (r"^'[\w.]+' must be (a string|a list|a mapping)", STRUCTURAL),
    (r"^expected a mapping of fields", STRUCTURAL),
    (r"^'[\w.]+' must be an id: lowercase words joined by hyphens", STRUCTURAL),
    (r"^'[\w.]+' must be an http\(s\) URL", STRUCTURAL),
    (r"^'[\w.]+' must be a date written YYYY-MM-DD", STRUCTURAL),
    (r"^'[\w.]+' must be one of ", STRUCTURAL),
    (r"^invalid EDTF date '[^']*' \(use ", STRUCTURAL),
    (r"^unknown (status|person) '", ENUM),
    (r"^invalid EDTF date '[^']*': ", "EDTF ranges and interval order are the parser's, not a pattern's"),
    (r"^invalid YAML: ", "a YAML syntax error: the file never becomes data"),
    (r"^duplicate key ", "loaders keep one value; the language server reports duplicate keys itself"),
    (r"^(quote is ambiguous|quote not found|quote found|omit line not found)", "needs the seed's text"),
    (r"^this line reads as more text of the value", "a list item joined to the text above: still a string to a schema"),
    (r"^conflicting '", "a conflict across files"),
    (r"has no '\w+' \(give it in one of", "the field may be given in another file"),
    (r"has no '\w+' \(did you mean '", "the field may be given in another file"),
    (r"^'[\w.]+' must contain a letter to name a person", STRUCTURAL),
    (r"has both 'claimant' and 'claimant_text'", "a rule between two fields, in link.py, not a Field declaration"),
    (r"is given twice in this article", "unique ids across list items are beyond JSON Schema"),
    (r"^slug '[^']*' is already used", "a clash across files"),
    (r"^no seed for this sidecar", "needs the seeds folder"),
    (r"^person file name ", "about the file's name, not its content"),
    (r"^theme '[^']*' not found", "needs the themes folder"),
]

SCHEMA_INVISIBLE = {
    "ambiguous-quote": "needs the seed's text",
    "bad-id-person-file": "the file's name is wrong, not its content",
    "claim-without-text-status": "the fields may be given in another sidecar",
    "claimant-and-claimant-text": "a rule between two fields, checked in link.py",
    "conflicting-claim-status": "a conflict across files",
    "conflicting-event-date": "a conflict across files",
    "duplicate-claim-id-in-sidecar": "unique ids across list items",
    "duplicate-key": "duplicate keys are the YAML layer's",
    "duplicate-key-site": "duplicate keys are the YAML layer's",
    "duplicate-slug": "a clash across files",
    "event-without-date-title": "the fields may be given in a sidecar",
    "invalid-edtf-interval-reversed": "interval order is not a pattern",
    "misspelt-shared-id": "the fields may be given in another sidecar",
    "omit-line-not-found": "needs the seed's text",
    "outlet-spelling": "a warning about spellings across files",
    "quote-across-paragraphs": "needs the seed's text",
    "quote-in-title-not-searched": "needs the seed's text",
    "quote-not-found": "needs the seed's text",
    "shared-name-in-other-spacing": "a warning about names across files",
    "quote-ambiguous-on-one-line": "needs the seed's text",
    "quote-context-mismatch": "needs the seed's text",
    "quote-correction-flips-meaning": "needs the seed's text",
    "sidecar-without-seed": "needs the seeds folder",
    "site-theme-missing": "needs the themes folder",
    "yaml-bad-indentation": "YAML syntax",
    "yaml-error-in-sidecar-defining-claim": "YAML syntax",
    "yaml-multiple-documents": "YAML syntax",
    "yaml-tab-indentation": "YAML syntax",
    "yaml-unclosed-quote": "YAML syntax",
    "yaml-unclosed-quote-runs-on": "YAML syntax",
    "yaml-items-under-empty-list": "YAML syntax",
    "yaml-quote-inside-quoted-value": "YAML syntax",
    "yaml-three-space-list-key": "YAML syntax",
    "yaml-three-space-list-item": "the item reads as more text of the one above: a string, as the schema allows",
}

CASES = sorted(p.name for p in INVALID_SITES.iterdir() if p.is_dir())
ERROR_LINE = re.compile(r"^(?P<path>[^:]+):\d+:\d+: error: (?P<message>.*)$")


def error_lines(case: str) -> list[tuple[str, str, str]]:
    """(path, message, kind) of each error line of a case's expected.txt."""
    found = []
    for line in (INVALID_SITES / case / "expected.txt").read_text(encoding="utf-8").splitlines():
        match = ERROR_LINE.match(line)
        if match:
            kinds = [kind for pattern, kind in MESSAGE_KINDS if re.search(pattern, match["message"])]
            assert kinds, f"{case}: classify this message for the schema tests: {line}"
            found.append((match["path"], match["message"], kinds[0]))
    return found


def test_invisible_cases_are_exactly_those_without_structural_errors():
    derived = {case for case in CASES if all(kind not in (STRUCTURAL, ENUM) for _, _, kind in error_lines(case))}
    assert derived == set(SCHEMA_INVISIBLE)


@pytest.mark.parametrize("case", [c for c in CASES if c not in SCHEMA_INVISIBLE])
def test_schemas_reject_structural_errors(case, tmp_path):
    root = apply_overlay(case, tmp_path / "site")
    specific = site_schemas(root, tmp_path / "schemas")
    for path, message, kind in error_lines(case):
        if kind not in (STRUCTURAL, ENUM):
            continue
        text = (root / path).read_text(encoding="utf-8")
        for view in (digest_view, core_view):
            data = view(text)
            assert errors(specific[schema_name(path)], data), f"site schema accepts {path} ({view.__name__}): {message}"
            if kind == STRUCTURAL:
                assert errors(GENERIC[schema_name(path)], data), f"generic schema accepts {path} ({view.__name__}): {message}"


SIDECAR = "outlet: O\npublished: 2022-11-07\n"
CLAIM = SIDECAR + "claims:\n  - id: c\n"
EVENT = SIDECAR + "events:\n  - id: e\n"
SITE = "title: T\nbase_url: https://example.org/\n"
AGREEMENT = [  # (fields, document, the validator accepts it)
    (ARTICLE_FIELDS, SIDECAR + "title: 1984\nsubtitle:\nauthor: true\n", True),
    (ARTICLE_FIELDS, SIDECAR + "title: '  '\n", False),
    (ARTICLE_FIELDS, "outlet:\npublished: 2022-11-07\n", False),
    (ARTICLE_FIELDS, "outlet: O\npublished: 2024-02-29\n", True),
    (ARTICLE_FIELDS, "outlet: O\npublished: 2000-02-29\n", True),
    (ARTICLE_FIELDS, "outlet: O\npublished: 2023-02-29\n", False),
    (ARTICLE_FIELDS, "outlet: O\npublished: 1900-02-29\n", False),
    (ARTICLE_FIELDS, "outlet: O\npublished: 2022-04-31\n", False),
    (ARTICLE_FIELDS, "outlet: O\npublished: 0000-01-01\n", False),
    (ARTICLE_FIELDS, "outlet: O\npublished: 2022-1-01\n", False),
    (ARTICLE_FIELDS, SIDECAR + "url: HTTP://Example.org/a\n", True),
    (ARTICLE_FIELDS, SIDECAR + "url: http://\n", False),
    (ARTICLE_FIELDS, SIDECAR + "url: http://exa mple.org/\n", False),
    (ARTICLE_FIELDS, SIDECAR + "slug: 2022\nomit: one line\ndraft: Yes\n", True),
    (ARTICLE_FIELDS, SIDECAR + "draft: maybe\n", False),
    (ARTICLE_FIELDS, SIDECAR + "claims: {id: c}\n", False),
    (ARTICLE_FIELDS, SIDECAR + "claims:\n  - id: 2022\n", True),
    (ARTICLE_FIELDS, SIDECAR + "claims:\n  - id: -1\n", False),
    (ARTICLE_FIELDS, SIDECAR + "claims:\n  - id: 1.5\n", False),
    (ARTICLE_FIELDS, CLAIM + "    quote: [a, {exact: b, prefix: c}]\n    about: x\n    status:\n", True),
    (ARTICLE_FIELDS, CLAIM + "    quote: []\n", False),
    (ARTICLE_FIELDS, CLAIM + "    quote: {prefix: a}\n", False),
    (ARTICLE_FIELDS, CLAIM + "    quote: {exact: a, after: b}\n", False),
    (ARTICLE_FIELDS, CLAIM + "    about: []\n    evidence: [{url: https://x.org, label: L}]\n", True),
    (ARTICLE_FIELDS, CLAIM + "    evidence: {url: https://x.org, label: L}\n", False),
    (ARTICLE_FIELDS, CLAIM + "    evidence: [{url: https://x.org}]\n", False),
    (ARTICLE_FIELDS, CLAIM + "    history: [{date: 2022-11-08, status: reported, note: n}]\n", True),
    (ARTICLE_FIELDS, CLAIM + "    history: [{status: reported}]\n", False),
    (ARTICLE_FIELDS, CLAIM + "    sourcing: anonymus\n", False),
    (ARTICLE_FIELDS, EVENT + "    date: 2022\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: 2022-23\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: ../2022-11\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: 2022-11-04/\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: 202X\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: 999\n", False),
    (ARTICLE_FIELDS, EVENT + "    date: Nov 2022\n", False),
    (ARTICLE_FIELDS, EVENT + "    date: ../..\n", False),
    (ARTICLE_FIELDS, EVENT + "    date: 2022/2023/2024\n", False),
    (ARTICLE_FIELDS, EVENT + "    date: '2022-11-06T23:20:30+04:30'\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: '-0043-03-15'\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: '[2022-10-31..2022-11-06]'\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: '[..2022, 2023-05, 2024..]'\n", True),
    (ARTICLE_FIELDS, EVENT + "    date: [2022-10-31..2022-11-06]\n", False),
    (ARTICLE_FIELDS, EVENT + "    date: '{2022, 2023}'\n", False),
    (ARTICLE_FIELDS, EVENT + "    date: \"\\uff12\\uff10\\uff12\\uff12\"\n", False),
    (SITE_FIELDS, SITE + "language: pt-BR\ncname: News.Example.org\narticle_text: excerpts\n", True),
    (SITE_FIELDS, SITE + "language: english\n", False),
    (SITE_FIELDS, SITE + "cname: localhost\n", False),
    (SITE_FIELDS, SITE + "claim_statuses: {}\n", False),
    (SITE_FIELDS, SITE + "claim_statuses: {Bad: {label: L, description: D}}\n", False),
    (SITE_FIELDS, SITE + "claim_statuses: {ok: {label: L}}\n", False),
    (SITE_FIELDS, SITE + "claim_statuses: {ok: {label: L, description: D}}\n", True),
    (PERSON_FIELDS, "name: N\naliases: One\ncountry: NO\nlinks: {wikipedia: https://x.org}\n", True),
    (PERSON_FIELDS, "name: N\nlinks: [https://x.org]\n", False),
    (PERSON_FIELDS, "name: N\nlinks: {wikipedia: ~}\n", False),
    (PERSON_FIELDS, "name: N\naliases: [A, ~]\n", False),
    (PERSON_FIELDS, "name: N\naliases: [\"'t Hooft\", Jr., yes, Ана, 50 Cent]\n", True),
    (PERSON_FIELDS, "name: N\naliases: 7\n", False),
    (PERSON_FIELDS, "name: N\naliases: [A, '--']\n", False),
    (PERSON_FIELDS, "name: '2022'\n", False),
    (PERSON_FIELDS, "name: 2022\n", False),
    (TIMELINE_EVENT_FIELDS, "id: e\ndate: 2022-03/2022-11\nsource_url: https://x.org\n", True),
]
SCHEMA_FOR = {id(ARTICLE_FIELDS): "article.schema.json", id(SITE_FIELDS): "site.schema.json",
              id(PERSON_FIELDS): "person.schema.json", id(TIMELINE_EVENT_FIELDS): "timeline.schema.json"}


@pytest.mark.parametrize("fields, text, valid", [pytest.param(*case, id=case[1].replace("\n", "|")) for case in AGREEMENT])
def test_schema_agrees_with_validator(fields, text, valid):
    diagnostics = Diagnostics()
    check_record(parse_yaml(text, "x.yaml", diagnostics), fields, diagnostics)
    assert (not diagnostics.errors) == valid, [str(d) for d in diagnostics.items]
    name = SCHEMA_FOR[id(fields)]
    for view in (digest_view, core_view):
        data = view(text)
        data = [data] if name == "timeline.schema.json" else data
        assert (not errors(GENERIC[name], data)) == valid, f"{view.__name__}: {errors(GENERIC[name], data)}"
