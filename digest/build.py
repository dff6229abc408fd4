"""Run the pipeline: load -> validate -> link -> render -> write.

`build_site` is what `digest build` calls; `render_site` stops before the
write stage so tests, `digest check` and the dev server can reuse it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError

from digest.errors import BuildFailed, Diagnostic, Diagnostics, Location
from digest.link import link_site
from digest.load import load_site
from digest.model import SiteGraph
from digest.pages import render_page, site_pages
from digest.render import make_environment, theme_folders
from digest.write import WriteReport, write_site


@dataclass(frozen=True, slots=True)
class BuildResult:
    graph: SiteGraph
    files: dict[str, bytes]
    warnings: list[Diagnostic]
    report: WriteReport | None = None
    seconds: float = 0.0

    @property
    def page_count(self) -> int:
        return sum(1 for path in self.files if path.endswith(".html"))


def render_site(root: Path, base_url: str | None = None, strict: bool = False) -> BuildResult:
    """Everything but writing: raises BuildFailed with every problem found."""
    diagnostics = Diagnostics()
    loaded = load_site(root, diagnostics)
    graph = link_site(loaded, diagnostics, base_url)
    failing = diagnostics.errors + (diagnostics.warnings if strict else [])
    if failing or graph is None:
        raise BuildFailed(diagnostics.sorted())
    folders = theme_folders(root, graph.config.theme)
    if graph.config.theme != "default" and not (root / "themes" / graph.config.theme).is_dir():
        where = loaded.config.where("theme") if loaded.config else Location("content/site.yaml")
        raise BuildFailed([Diagnostic(where, "error", f"theme '{graph.config.theme}' not found in themes/", "unknown-theme")])
    env = make_environment(folders, graph)
    files: dict[str, bytes] = {}
    try:
        for page in site_pages(graph):
            files[page.path] = render_page(env, page)
    except TemplateError as exc:
        raise BuildFailed([_template_diagnostic(exc, root, folders)]) from exc
    files.update(_theme_assets(folders))
    for rel, path in loaded.static_files:
        files[rel] = path.read_bytes()
    return BuildResult(graph, files, diagnostics.sorted())


def build_site(root: Path, output: Path, base_url: str | None = None, strict: bool = False) -> BuildResult:
    started = time.perf_counter()
    result = render_site(root, base_url, strict)
    report = write_site(output, result.files)
    return BuildResult(result.graph, result.files, result.warnings, report, time.perf_counter() - started)


def _theme_assets(folders: list[Path]) -> dict[str, bytes]:
    """Theme static files under /assets/, a site theme's file winning over the default's."""
    assets: dict[str, bytes] = {}
    for folder in reversed(folders):
        static = folder / "static"
        if static.is_dir():
            for path in sorted(static.rglob("*")):
                if path.is_file():
                    assets["assets/" + path.relative_to(static).as_posix()] = path.read_bytes()
    return assets


def _template_diagnostic(exc: TemplateError, root: Path, folders: list[Path]) -> Diagnostic:
    filename = getattr(exc, "filename", None) or getattr(exc, "name", None) or "templates"
    line = getattr(exc, "lineno", None) or 1
    path = Path(filename)
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(filename)
    return Diagnostic(Location(shown, line, 1), "error", f"template error: {exc.message or exc}", "template")
