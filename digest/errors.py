"""Source locations, diagnostics and the exceptions the CLI turns into exit codes.

Every problem a user can fix is a `Diagnostic` with a location in their files.
Stages append to a `Diagnostics` list instead of raising, so one run reports
every problem at once; only `cli.py` formats them and picks the exit status.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A position in a source file, relative to the site root, 1-based."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    location: Location
    severity: str  # "error" or "warning"
    message: str
    code: str = ""
    """A stable, machine-readable kind such as ``unknown-field``."""

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {printable(self.message)}"

    def sort_key(self) -> tuple:
        return (self.location, self.severity, self.message)


@dataclass
class Diagnostics:
    """Problems collected across the stages of one build."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, location: Location, message: str, code: str = "") -> None:
        self.items.append(Diagnostic(location, "error", message, code))

    def warning(self, location: Location, message: str, code: str = "") -> None:
        self.items.append(Diagnostic(location, "warning", message, code))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        unique = {(d.location, d.severity, d.message): d for d in self.items}
        return sorted(unique.values(), key=Diagnostic.sort_key)


_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]}
_CONTROL.update({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"})


def printable(text: str) -> str:
    """Escape control characters, so content quoted in a message cannot drive the terminal or split the line."""
    return text.translate(_CONTROL)


class DigestError(Exception):
    """Base of the errors the CLI reports without a traceback."""

    exit_code = 1


class BuildFailed(DigestError):
    """The content has errors; nothing was written."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(f"{len(diagnostics)} problem(s)")
        self.diagnostics = diagnostics


class OutputError(DigestError):
    """The output folder cannot be written as asked; nothing was written.

    ``path`` is the output as the user named it, so the CLI can print
    ``PATH: error: message`` like every other diagnostic."""

    def __init__(self, path: Path | str, message: str):
        super().__init__(message)
        self.path = Path(path)
        self.message = message


class UsageError(DigestError):
    """The command line itself is wrong (missing folder, bad option)."""

    exit_code = 2


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``word``, if any is close enough to be a typo."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest candidate, or ''."""
    match = closest(word, candidates)
    return f" (did you mean '{match}'?)" if match else ""
