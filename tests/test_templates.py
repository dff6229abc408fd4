"""Compiled templates (`render/templates.py`): compiled once per source, kept by the session and its saved state."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType, SimpleNamespace

import jinja2
import pytest

from digest.caches import Caches
from digest.errors import Diagnostics, Location
from digest.render.templates import environment_for
from digest.source.theme import Theme, ThemeFile, load_theme

from conftest import copy_site, read_tree, run_cli


@pytest.fixture
def compiles(monkeypatch, own_compiled_templates) -> list[str]:
    """The names of the templates Jinja compiles from source, as it compiles them."""
    names: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def builtin_theme(tmp_path: Path) -> Theme:
    theme = load_theme(tmp_path, "default", Location("content/site.yaml"), Diagnostics())
    assert theme is not None
    return theme


def config(base_path: str) -> SimpleNamespace:
    return SimpleNamespace(base_path=base_path)


def edited(theme: Theme, name: str) -> Theme:
    file = theme.templates[name]
    templates = dict(theme.templates) | {name: ThemeFile(file.data + b"\n{# edited #}\n", file.path)}
    return dataclasses.replace(theme, templates=MappingProxyType(templates), templates_digest=theme.templates_digest + b"-edited")


def test_a_new_environment_compiles_only_the_templates_whose_source_changed(tmp_path, compiles):
    theme, caches = builtin_theme(tmp_path), Caches()
    first = environment_for(theme, config("/"), caches=caches)  # type: ignore[arg-type]
    assert sorted(compiles) == sorted(theme.templates), "every template, once, before any page renders"
    compiles.clear()
    other = environment_for(theme, config("/sub/"), caches=caches)  # type: ignore[arg-type]
    assert other is not first and compiles == [], "another config: the compiled code is the same"
    again = environment_for(edited(theme, "article.html"), config("/sub/"), caches=caches)  # type: ignore[arg-type]
    assert compiles == ["article.html"]
    assert again.get_template("article.html") is not first.get_template("article.html")


def test_a_template_that_does_not_compile_is_left_for_the_page_that_uses_it(tmp_path):
    theme = builtin_theme(tmp_path)
    broken = dataclasses.replace(
        theme,
        templates=MappingProxyType(dict(theme.templates) | {"broken.html": ThemeFile(b"{% if %}", "themes/default/templates/broken.html")}),
        templates_digest=b"broken",
    )
    env = environment_for(broken, config("/"), caches=Caches())  # type: ignore[arg-type]
    with pytest.raises(jinja2.TemplateSyntaxError):
        env.get_template("broken.html")


def test_a_build_after_an_edit_compiles_no_template(tmp_path, compiles):
    """The compiled templates are saved with the build state: the next `digest build` compiles none."""
    site = copy_site("basic", tmp_path)
    assert run_cli("build", "--source", site, "--output", tmp_path / "out").code == 0
    assert compiles
    compiles.clear()
    sidecar = site / "content/articles/plain-one.yaml"
    sidecar.write_text(sidecar.read_text().replace("Outlet One", "Outlet Uno"))
    rebuilt = run_cli("build", "--source", site, "--output", tmp_path / "out")
    assert rebuilt.code == 0 and "Outlet Uno" in (tmp_path / "out/index.html").read_text()
    assert compiles == []
    assert run_cli("build", "--source", site, "--output", tmp_path / "clean", "--clean").code == 0
    assert read_tree(tmp_path / "out") == read_tree(tmp_path / "clean"), "the kept code renders what compiling afresh renders"
