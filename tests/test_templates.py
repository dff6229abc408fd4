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


# Calls straight to the environment's globals (`templates.direct_calls_context`): what Jinja's `Context.call` renders.

CALLING = """{% macro box(x) %}[{{ x }}{{ caller() if caller else "" }}]{% endmacro %}
{% block title %}T{{ plain("t") }}{% endblock %}|{{ self.title() }}|{{ _("Claim") }}|{{ _("%(n)s x", n=3) }}
{% for item in items %}{% set inner = item * 2 %}{{ asks("loop", inner) }} {{ plain(item) }} {{ box(item) }}{% call box(item) %}c{{ inner }}{% endcall %}
{% endfor %}{% set later = 7 %}{{ asks("block", later) }} {{ passed(1) }} {{ stops() }}|{{ lang_attrs() }}|{{ url("a/") }}|{{ ngettext("%(num)s a", "%(num)s b", 2) }}"""


@jinja2.pass_context
def _asks(context, label, name):
    """A global that asks for the context: it sees the loop's and block's variables, as with Jinja's `Context.call`."""
    return f"{label}:{context.get('inner', '-')}:{context.get('later', '-')}:{name}"


def _stops():
    raise StopIteration


def test_direct_calls_render_what_jinjas_context_calls_render(tmp_path):
    from digest.graph.model import SiteConfig
    from digest.render.templates import direct_calls_context, make_environment

    theme = load_theme(tmp_path, "default", Location("content/site.yaml"), Diagnostics())
    assert theme is not None
    envs = []
    for context_class in ("direct", jinja2.runtime.Context):
        env = make_environment(theme, SiteConfig("Site", "https://example.org/x/", "/x/"))
        env.globals.update(plain=lambda value: f"<{value}>", asks=_asks, stops=_stops)
        env.undefined = jinja2.Undefined  # a StopIteration's undefined value renders as nothing
        env.context_class = direct_calls_context(
            {id(value): value for value in env.globals.values() if callable(value) and not hasattr(value, "jinja_pass_arg")},
            {id(_asks): _asks, id(env.globals["_"]): env.globals["_"], id(env.globals["ngettext"]): env.globals["ngettext"]},
        ) if context_class == "direct" else context_class
        envs.append(env)
    passed = jinja2.pass_environment(lambda environment, value: f"env:{value}")  # not a global: Jinja's way
    direct, jinjas = (env.from_string(CALLING).render(items=[1, 2], passed=passed) for env in envs)
    assert direct == jinjas
    assert "loop:2:-:2" in direct and "block:-:7:7" in direct and "env:1" in direct and "[1c2]" in direct and "|T&lt;t&gt;|" in direct


def test_the_environments_globals_are_called_directly(tmp_path):
    """Each global of the default environment is one `direct_calls_context` calls straight away."""
    from digest.graph.model import SiteConfig
    from digest.render.templates import make_environment

    theme = load_theme(tmp_path, "default", Location("content/site.yaml"), Diagnostics())
    assert theme is not None
    env = make_environment(theme, SiteConfig("Site", "https://example.org/x/", "/x/"))
    called: list[str] = []
    original = jinja2.runtime.Context.call

    def counted(self, obj, *args, **kwargs):
        called.append(getattr(obj, "__name__", repr(obj)))
        return original(self, obj, *args, **kwargs)

    jinja2.runtime.Context.call = counted
    try:
        env.from_string('{{ _("Claim") }}{{ ngettext("%(num)s a", "%(num)s b", 2) }}{{ lang_attrs() }}{{ url("x/") }}{{ status_badge("x") }}').render()
    finally:
        jinja2.runtime.Context.call = original
    assert called == []


def test_another_jinja_keeps_its_own_context(tmp_path, monkeypatch):
    """The direct calls repeat Jinja 3.1's `Context.call`: under any other version the environment keeps Jinja's
    own context (and renders the same)."""
    from digest.graph.model import SiteConfig
    from digest.render import templates

    theme = load_theme(tmp_path, "default", Location("content/site.yaml"), Diagnostics())
    assert theme is not None
    config = SiteConfig("Site", "https://example.org/x/", "/x/")
    known = templates.make_environment(theme, config)
    monkeypatch.setattr(templates, "JINJA_CALL_KNOWN", False)
    other = templates.make_environment(theme, config)
    assert known.context_class is not jinja2.runtime.Context
    assert other.context_class is jinja2.runtime.Context
    page = '{{ _("Claim") }}|{{ lang_attrs() }}|{{ url("x/") }}'
    assert known.from_string(page).render() == other.from_string(page).render()
