"""The package's modules import one another in one direction: no cycle, and none dodged.

Read from the source with `ast`: the imports a module makes when it is
loaded (its top level, not ``if TYPE_CHECKING:`` blocks, which only type
checkers run) must form a graph without cycles, and no function may import
another digest module to hide a cycle. `cli.py` alone imports inside its
commands, so that ``digest --help`` does not load the whole pipeline.
"""

from __future__ import annotations

import ast
from pathlib import Path

import digest

PACKAGE = Path(digest.__file__).parent
STAGES = ("text", "source", "graph", "views", "render", "search", "pipeline", "live", "authoring")
"""The folders in pipeline order: a module imports only from its own folder, earlier ones and the shared top level."""
SHARED = {"digest", "digest.errors", "digest.caches", "digest.memo"}
"""Top-level modules every stage may use: errors and the session's caches (they import no stage)."""
LAZY_IMPORTS_ALLOWED = {"digest.cli": "keeps `digest --help` fast: each command loads only what it runs"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py")) if path.stem != "__main__"}


def _digest_imports(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        if node.module.startswith("digest.") or node.module == "digest":
            submodules = [f"{node.module}.{alias.name}" for alias in node.names if (PACKAGE.parent / node.module.replace(".", "/") / f"{alias.name}.py").exists()]
            return submodules or [node.module]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.startswith("digest.")]
    return []


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def load_time_imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If):
            if not _is_type_checking(node):
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody, *(s for h in node.handlers for s in h.body)])
        else:
            found.update(_digest_imports(node))
    return found


def test_no_function_imports_a_digest_module():
    offenders = []
    for name, tree in modules().items():
        if name in LAZY_IMPORTS_ALLOWED:
            continue
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(function):
                    offenders += [f"{name}.{function.name}:{node.lineno} imports {target}" for target in _digest_imports(node)]
    assert offenders == []


def test_the_import_graph_has_no_cycle():
    graph = {name: load_time_imports(tree) - {name} for name, tree in modules().items()}
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph.get(name, ())):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target):], target] if target in path else [name, target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def _stage(name: str) -> int | None:
    parts = name.split(".")
    return STAGES.index(parts[1]) if len(parts) >= 2 and parts[1] in STAGES else None


def test_stages_import_only_earlier_stages():
    """The folder layout is the pipeline: text -> source -> graph -> views -> render -> search -> pipeline -> live/authoring."""
    offenders = []
    for name, tree in modules().items():
        for target in load_time_imports(tree):
            own, theirs = _stage(name), _stage(target)
            if target in SHARED or own is None:
                continue
            if theirs is None or theirs > own:
                offenders.append(f"{name} imports {target}")
    assert offenders == []


def test_every_module_sits_in_a_stage_folder_or_is_shared():
    loose = sorted(name for name in modules() if _stage(name) is None and name not in SHARED and name != "digest.cli")
    assert loose == []
