"""A site's theme, read into memory by the load stage, so rendering never reads the disk.

A theme is templates and static files. The site's ``themes/<name>/`` wins
over the built-in default, file by file. `load_theme` reads both once per
build; `ThemeLoader` serves the templates to Jinja from memory, naming each
by the file it came from, so a template error still points at that file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from jinja2 import BaseLoader, Environment, TemplateNotFound

from digest import PACKAGE
from digest.errors import Diagnostic, Diagnostics, Location, machine_fault
from digest.text.slugs import unfit_path_segment


@dataclass(frozen=True, slots=True)
class ThemeFile:
    data: bytes
    path: str
    """The file it was read from: named in template errors (which show it relative to the site root)."""


@dataclass(frozen=True, slots=True)
class Theme:
    templates: Mapping[str, ThemeFile]
    """Template name ('article.html', 'partials/x.html') -> its file; the site's over the built-in ones."""
    static: Mapping[str, ThemeFile]
    """Static file name ('style.css') -> its file, published under /assets/."""
    templates_digest: bytes
    """A digest of every template's name and bytes: a session reuses its compiled templates while it holds."""


def builtin_theme() -> Path:
    """The default theme: packaged inside `digest/` in a wheel, beside it in a checkout."""
    packaged = PACKAGE / "themes" / "default"
    return packaged if packaged.is_dir() else PACKAGE.parent / "themes" / "default"


def theme_folders(root: Path, name: str) -> list[Path]:
    """Theme folders to search, most specific first."""
    folders = [root / "themes" / name] if (root / "themes" / name).is_dir() else []
    builtin = builtin_theme()
    if builtin.resolve() not in [f.resolve() for f in folders]:
        folders.append(builtin)
    return folders


def load_theme(root: Path, name: str, where: Location, diagnostics: Diagnostics) -> Theme | None:
    """Read the theme ``name`` (site's over built-in); None, with an error at ``where``, if there is none."""
    if name != "default" and not (root / "themes" / name).is_dir():
        diagnostics.error(where, f"theme '{name}' not found in themes/", "unknown-theme")
        return None
    templates: dict[str, ThemeFile] = {}
    static: dict[str, ThemeFile] = {}
    for folder in reversed(theme_folders(root, name)):
        templates.update(_read_folder(root, folder / "templates", diagnostics, check_names=False))
        static.update(_read_folder(root, folder / "static", diagnostics, check_names=True))
    digest = hashlib.blake2b(digest_size=16)
    for template, file in sorted(templates.items()):
        digest.update(template.encode() + b"\0" + file.data + b"\0")
    return Theme(MappingProxyType(templates), MappingProxyType(static), digest.digest())


def _read_folder(root: Path, folder: Path, diagnostics: Diagnostics, check_names: bool) -> dict[str, ThemeFile]:
    found: dict[str, ThemeFile] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        unfit = unfit_path_segment(name) if check_names else None
        if unfit is not None:
            diagnostics.items.append(Diagnostic(Location(shown), "error", f"cannot publish theme file '{name}': {unfit}", "bad-file-name"))
            continue
        try:
            found[name] = ThemeFile(path.read_bytes(), str(path))
        except OSError as exc:
            diagnostics.items.append(machine_fault(exc, shown, "cannot read this theme file").diagnostic())
    return found


class ThemeLoader(BaseLoader):
    """Jinja's templates from a `Theme` in memory; each named by its file, for error messages."""

    def __init__(self, theme: Theme):
        self.theme = theme

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        file = self.theme.templates.get(template)
        if file is None:
            raise TemplateNotFound(template)
        return file.data.decode("utf-8"), file.path, lambda: True

    def list_templates(self) -> list[str]:
        return sorted(self.theme.templates)
