"""No mutable state at module level: every cache belongs to a session (`digest.caches.Caches`).

Two checks. Statically, no module of the package rebinds a module-level
name from inside a function (`global`). Dynamically, the state of every
module-level object is taken after one warm-up build, then two sessions
build other sites (with an edit and a rebuild): any module-level object
whose state moved is a cache or a register that two sessions share.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import pkgutil
import re
import types
from pathlib import Path

import pytest

import digest
from digest.memo import ByIdentity
from digest.pipeline.build import render_site
from digest.pipeline.session import SiteBuilder

from conftest import copy_site

PURE_MEMOS = {
    "digest.render.templates.render_markdown": "a pure function of its text: the same answer in every session",
    "digest.text.slugs.slugify": "a pure function of its text: the same answer in every session",
}
"""Memoised pure functions allowed at module level, each with the reason."""


def modules() -> list[types.ModuleType]:
    names = [info.name for info in pkgutil.walk_packages(digest.__path__, prefix="digest.")]
    return [importlib.import_module(name) for name in sorted(names) if name != "digest.__main__"]


def test_no_function_rebinds_a_module_level_name():
    offenders = []
    for module in modules():
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                offenders.append(f"{module.__name__}:{node.lineno}: global {', '.join(node.names)}")
    assert offenders == []


def _state(value: object) -> object:
    """What can change of a module-level object, or None for what cannot hold state."""
    if isinstance(value, (types.ModuleType, type, str, bytes, int, float, bool, type(None), frozenset, re.Pattern)):
        return None
    if isinstance(value, functools._lru_cache_wrapper):
        return value.cache_info().currsize
    if isinstance(value, ByIdentity):
        return len(value._entries)
    if isinstance(value, (dict, list, set, bytearray)):
        return hashlib.sha256(repr(value).encode()).hexdigest()
    if isinstance(value, types.FunctionType):
        cells = [cell.cell_contents for cell in value.__closure__ or () if cell.cell_contents is not value]
        return tuple(_state(cell) for cell in cells if not callable(cell)) or None
    if hasattr(value, "__dict__") and not callable(value):
        return hashlib.sha256(repr(sorted(vars(value).items(), key=lambda item: item[0])).encode()).hexdigest()
    return None


def snapshot() -> dict[str, object]:
    found = {}
    for module in modules():
        for name, value in vars(module).items():
            if name == "__warningregistry__":  # the warnings module's own note of what it has shown, not digest's state
                continue
            if name.startswith("__") or getattr(value, "__module__", module.__name__) not in (module.__name__, None):
                if not isinstance(value, (dict, list, set)):
                    continue
            state = _state(value)
            if state is not None:
                found[f"{module.__name__}.{name}"] = state
    return found


@pytest.mark.slow
def test_builds_leave_no_state_at_module_level(tmp_path):
    render_site(copy_site("basic", tmp_path / "warm"))  # lazy constants made on first use are not state
    before = snapshot()
    for name in ("demo", "basic"):
        site = copy_site(name, tmp_path / f"{name}-session")
        builder = SiteBuilder(site, tmp_path / f"{name}-out", search=False)
        assert builder.build().ok
        person = next((site / "content" / "people").glob("*.yaml"))
        person.write_text(person.read_text() + "\n# edited\n")
        assert builder.build([person.relative_to(site).as_posix()]).ok
    after = snapshot()
    moved = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name) and name not in PURE_MEMOS)
    assert moved == [], "module-level state that builds changed: move it into digest.caches.Caches"
