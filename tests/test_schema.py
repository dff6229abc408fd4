"""base_url: refused when it could leave an attribute, and escaped wherever it is written anyway."""

from __future__ import annotations

import dataclasses
import shutil
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import pytest

from digest.graph import link
from digest.pipeline.build import render_site

from conftest import SITES, run_cli

HOSTILE = [
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/'onmouseover='alert(1)",
    "https://example.org/<script>alert(1)</script>",
    "https://example.org/a b",
    "https://example.org/a\\b",
    "https://example.org/a\x01b",
    "https://example.org/a\u0085b",
    "https://example.org/`x`",
    "//example.org/",
    "/relative/",
    "javascript:alert(1)",
]


@pytest.fixture
def site(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    return source


@pytest.mark.parametrize("url", HOSTILE)
def test_a_hostile_base_url_in_site_yaml_is_a_located_error(site, tmp_path, url):
    site_yaml = site / "content/site.yaml"
    quoted = '"' + url.replace("\\", "\\\\").replace('"', '\\"').replace("\x01", "\\x01").replace("\u0085", "\\N") + '"'
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("base_url: https://example.org/basic", f"base_url: {quoted}"), encoding="utf-8")
    result = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert result.code == 1
    errors = [line for line in result.err_lines if ": error: " in line]
    assert errors and errors[0].endswith("(the site's full address, without quotes, spaces, angle brackets or backslashes)"), result.err
    assert errors[0].startswith("content/site.yaml:2:11: error: 'base_url' must be an http(s) URL, got "), result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("url", HOSTILE)
def test_a_hostile_base_url_option_is_a_usage_error(site, tmp_path, url):
    result = run_cli("build", "--source", site, "--output", tmp_path / "out", "--base-url", url)
    assert result.code == 2
    assert result.err.startswith("digest: error: --base-url must be an absolute http(s) URL"), result.err
    assert not (tmp_path / "out").exists()


class AttributeNames(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.names.update(name for name, _ in attrs)


def test_a_base_url_that_bypassed_validation_stays_inside_its_attributes(site, monkeypatch):
    """Defence in depth: a config made without validation (a plugin, a future option) still cannot inject markup."""
    hostile = 'https://example.org/x"onmouseover="alert(1)"\'onfocus=\'alert(2)<b>/'
    real = link.site_config

    def unvalidated(record, base_url=None):
        config = real(record, base_url)
        return dataclasses.replace(config, base_url=hostile, base_path='/x"onmouseover="alert(1)"\'onfocus=\'alert(2)<b>/')

    monkeypatch.setattr(link, "site_config", unvalidated)
    result = render_site(site)
    html = {path: data for path, data in result.outputs.items() if path.endswith(".html")}
    assert len(html) > 10
    for path, data in html.items():
        parser = AttributeNames()
        parser.feed(data.decode("utf-8"))
        assert not {name for name in parser.names if name.startswith("on")}, path
        assert "b" not in parser.tags, path
    for path, data in result.outputs.items():
        if path.endswith(".xml"):
            root = ElementTree.fromstring(data)  # well-formed, the URL kept as text and attribute values
            assert not [element for element in root.iter() if element.tag.endswith("}b") or element.tag == "b"], path
            assert hostile in data.decode("utf-8").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&#39;", "'").replace("&apos;", "'"), path


SIDECAR = """outlet: Outlet One
published: 2021-05-01
claims:
  - id: {claim}
    quote: "the talks were useful"
    text: The talks were useful.
    status: reported
    sourcing: on-record
    about: [ana-cruz, ben-okafor]
"""


def _sidecar(text: str, path: str):
    from digest.errors import Diagnostics
    from digest.source.schema import ARTICLE_FIELDS, check_record
    from digest.source.yamlnodes import parse_yaml

    diagnostics = Diagnostics()
    record = check_record(parse_yaml(text, path, diagnostics), ARTICLE_FIELDS, diagnostics)
    return record, diagnostics.items


def test_records_of_many_files_share_their_field_names_ids_and_empty_sets():
    """Ten thousand sidecars write the same field names, person ids and statuses: one string each, not one per
    file, and one empty set of invalid fields (the records of a 10,000-article site were 130 MB)."""
    first, problems = _sidecar(SIDECAR.format(claim="talks"), "content/articles/a.yaml")
    second, more = _sidecar(SIDECAR.format(claim="talks"), "content/articles/b.yaml")
    assert first is not None and second is not None and problems == more == []
    for one, other in ((first, second), (first.values["claims"][0], second.values["claims"][0])):
        assert list(one.values) == list(other.values) and list(one.locs) == list(other.locs)
        assert all(a is b for a, b in zip(one.values, other.values, strict=True)), "field names"
        assert all(a is b for a, b in zip(one.locs, other.locs, strict=True)), "field names and list items ('about.0')"
        assert one.invalid is other.invalid and not one.invalid
    claim, other_claim = first.values["claims"][0], second.values["claims"][0]
    for name in ("id", "status", "sourcing"):
        assert claim.values[name] is other_claim.values[name], name
    assert all(a is b for a, b in zip(claim.values["about"], other_claim.values["about"], strict=True))


def test_a_field_given_but_rejected_is_not_reported_missing_too():
    record, problems = _sidecar(SIDECAR.format(claim="talks").replace("sourcing: on-record", "sourcing: rumour"), "content/articles/a.yaml")
    assert record is not None and [p.code for p in problems] == ["bad-value"]
    claim = record.values["claims"][0]
    assert claim.invalid == frozenset({"sourcing"}) and "sourcing" not in claim.values
