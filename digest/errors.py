"""Source locations, diagnostics and the exceptions the CLI turns into exit codes.

Every problem a user can fix is a `Diagnostic` with a location in their files.
Stages append to a `Diagnostics` list instead of raising, so one run reports
every problem at once; only `cli.py` formats them and picks the exit status.
"""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A position in a source file, relative to the site root, 1-based.

    Line 0 stands for the file or folder as a whole (one that cannot be
    read or written at all) and prints as the bare path.
    """

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}" if self.line else self.path


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


class MachineFault(DigestError):
    """The machine refused a read or a write (disk full, read-only, no permission, name too long).

    Raised where the OS error happens, with the path it concerns, and turned
    into one ``PATH: error: what happened (what to do)`` line by the CLI or
    the dev server. Its arguments are plain strings so that it crosses from
    a forked render worker to the parent intact.
    """

    def __init__(self, path: str, problem: str, advice: str):
        super().__init__(path, problem, advice)
        self.path = path
        self.problem = problem
        self.advice = advice

    @property
    def message(self) -> str:
        return f"{self.problem} ({self.advice})"

    def __str__(self) -> str:
        return f"{self.path}: error: {printable(self.message)}"

    def diagnostic(self) -> Diagnostic:
        """The fault as a diagnostic about the whole path, for lists of build problems."""
        return Diagnostic(Location(self.path, 0, 0), "error", self.message, "machine-fault")


_FAULTS = {
    errno.ENOSPC: ("no space left on the device", "free some space and run it again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space and run it again"),
    errno.EROFS: ("the file system is read-only", "choose a writable --output"),
    errno.EACCES: ("permission denied", "give your user access to it, or choose another folder"),
    errno.EPERM: ("operation not permitted", "give your user access to it, or choose another folder"),
    errno.ENAMETOOLONG: ("file name too long", "use a shorter id, slug or file name"),
    errno.EMFILE: ("too many open files", "raise the limit with 'ulimit -n' and run it again"),
    errno.EIO: ("input/output error", "check the disk"),
}


def machine_fault(exc: OSError, path: str | os.PathLike[str] | None = None, doing: str = "") -> MachineFault:
    """The `MachineFault` for an OS error about ``path`` (by default, the file the error names).

    The caller's path wins over the error's: it names what the user knows
    (``site/articles/x/index.html``), not a temporary name inside a stage.
    ``doing`` says what digest was doing ("cannot write the site"), so the
    line reads as what happened, not just the errno.
    """
    where = path if path is not None else exc.filename
    shown = os.fsdecode(where) if where is not None else "."
    problem, advice = _FAULTS.get(exc.errno or 0, (exc.strerror or str(exc), "check the disk and the permissions"))
    return MachineFault(shown, f"{doing}: {problem}" if doing else problem, advice)


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
