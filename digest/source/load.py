"""Read a site root from disk into validated records (the load+validate stages).

This is the only stage that reads content files. Each YAML file is parsed
into located nodes and checked against `schema.py`; every problem goes to
the `Diagnostics` with its path:line:col, and loading carries on so one run
reports them all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from digest.caches import Caches, remember
from digest.errors import Diagnostics, Location, machine_fault
from digest.source.schema import (
    ARTICLE_FIELDS,
    ID_PATTERN,
    PERSON_FIELDS,
    SITE_FIELDS,
    TIMELINE_EVENT_FIELDS,
    Record,
    check_record,
    id_unfit_for_path,
)
from digest.source.theme import Theme, load_theme, theme_folders
from digest.source.yamlnodes import Sequence, decode_source, kind_name, parse_yaml
from digest.text.i18n import read_catalogues
from digest.text.slugs import unfit_path_segment

T = TypeVar("T")

SEED_SUFFIXES = (".txt", ".md")
SITE_FILE = "content/site.yaml"


@dataclass(frozen=True, slots=True)
class Seed:
    stem: str
    path: str
    """Relative to the site root."""
    text: str
    is_markdown: bool


@dataclass(slots=True)
class LoadedSite:
    root: Path
    config: Record | None = None
    people: dict[str, Record] = field(default_factory=dict)
    """Person id (file stem) -> record."""
    sidecars: dict[str, Record] = field(default_factory=dict)
    """Seed stem -> record."""
    seeds: dict[str, Seed] = field(default_factory=dict)
    timeline: list[Record] = field(default_factory=list)
    static_files: list[tuple[str, bytes]] = field(default_factory=list)
    """(path inside the site, its bytes), sorted: content/static/, copied as it is."""
    theme: Theme | None = None
    """The theme named in site.yaml, read into memory (None when it is missing or unreadable)."""
    catalogues: list[tuple[str, bytes]] = field(default_factory=list)
    """The gettext catalogues of the site's language (shown path, bytes), weakest first: built-in, then the theme's."""
    failed: set[str] = field(default_factory=set)
    """Kinds of content with a file that could not be read: 'people', 'articles', 'timeline', 'seeds'
    (and 'folder:seeds' and the like for a folder that could not be listed at all).

    Later checks that need the whole picture (unknown ids, fields given
    nowhere) are skipped for these, so one broken file gives one error.
    """
    sidecar_files: set[str] = field(default_factory=set)
    """Stems of every sidecar file, loaded or not."""
    seed_files: set[str] = field(default_factory=set)
    """Stems of every seed file, readable or not."""
    versions: dict[str, str] = field(default_factory=dict)
    """Earlier texts of articles (``seeds/<stem>.v<N>.md``, see `version_of`): path -> text."""


_VERSION_STEM = re.compile(r"(.+)\.v([1-9][0-9]*)")


def version_of(stem: str, stems: set[str]) -> tuple[str, int] | None:
    """(article stem, number) when a seed stem names an earlier text of another seed, else None.

    ``x.v1`` is a version of ``x`` only while ``x`` is a seed too, so a
    site that happens to name a seed ``report.v2`` keeps it as a seed.
    """
    match = _VERSION_STEM.fullmatch(stem)
    if match is None or match.group(1) not in stems:
        return None
    return match.group(1), int(match.group(2))


def is_site_root(folder: Path) -> bool:
    return (folder / SITE_FILE).is_file()


def load_site(
    root: Path, diagnostics: Diagnostics, changed: Iterable[str] | None = None, caches: Caches | None = None, fresh: Iterable[str] = ()
) -> LoadedSite:
    """Read and validate every content file under ``root``.

    A file whose inode, size and modification and change times are what they
    were when the last load read it is not read again: its record from then
    is reused (`_KnownFiles`), unless it was modified so shortly before that
    read that a second write could have kept all four (`RACY_NANOSECONDS`).
    ``changed`` (watch mode): the paths, relative to the root, that the
    watcher saw change since the last load; they are read again whatever
    their stat says. ``caches``: the session's, or a saved state's, where
    earlier loads left what they made (parsed YAML is reused when the bytes
    are the same). ``fresh``: paths read earlier in this same build (watch
    mode's quick look, `reload_changed`), trusted while their stat is
    unchanged however recently they were written: a write after that read
    is a new event for the watcher, and so a new build.
    """
    caches = caches if caches is not None else Caches()
    site = LoadedSite(root)
    known = _KnownFiles(root, changed, caches, fresh)
    parsed = caches.parsed
    site.config = _load_yaml_record(root, SITE_FILE, SITE_FIELDS, diagnostics, parsed)
    for name, rel, stem, file_stat in _files(root, "content/people", ".yaml", diagnostics, site.failed):
        unfit = id_unfit_for_path(stem)
        if not ID_PATTERN.fullmatch(stem) or unfit is not None:
            site.failed.add("people")
            reason = f"cannot be used: {unfit}" if unfit is not None else "must be a lowercase-hyphenated id such as 'jake-sullivan.yaml'"
            diagnostics.error(Location(rel), f"person file name '{name}' {reason}", "bad-id")
            continue
        record = known.get(rel, file_stat, diagnostics, partial(_load_yaml_record, root, rel, PERSON_FIELDS, parsed=parsed, checked=True))
        if record is not None:
            site.people[stem] = record
        else:
            site.failed.add("people")
    for _, rel, stem, file_stat in _files(root, "content/articles", ".yaml", diagnostics, site.failed):
        site.sidecar_files.add(stem)
        read = partial(_load_yaml_record, root, rel, ARTICLE_FIELDS, parsed=parsed, checked=True)
        record = known.get(rel, file_stat, diagnostics, partial(_restored_first, caches, stem, read))
        if record is not None:
            site.sidecars[stem] = record
        else:
            site.failed.add("articles")
    seed_files = _files(root, "seeds", SEED_SUFFIXES, diagnostics, site.failed)
    stems = {stem for _, _, stem, _ in seed_files}
    for _, rel, stem, file_stat in seed_files:
        if version_of(stem, stems) is not None:
            text = known.get(rel, file_stat, diagnostics, partial(_read_text, root, rel))
            if text is not None:
                site.versions[rel] = text
            continue
        if stem in site.seeds:
            other = site.seeds[stem].path
            diagnostics.error(Location(rel), f"two seeds share the stem '{stem}' ({other} and {rel}); keep one", "duplicate-seed")
            continue
        site.seed_files.add(stem)
        if file_stat.st_size > MAX_SEED_BYTES:
            diagnostics.error(Location(rel), f"seed is larger than {MAX_SEED_BYTES // (1024 * 1024)} MB; no article is this long (split it into parts)", "too-large")
            site.failed.add("seeds")
            continue
        text = known.get(rel, file_stat, diagnostics, partial(_read_text, root, rel))
        if text is not None:
            site.seeds[stem] = Seed(stem, rel, text, rel.endswith(".md"))
        else:
            site.failed.add("seeds")
    timeline = root / "content/timeline.yaml"
    if timeline.exists():
        site.timeline = _load_timeline(root, site, known, diagnostics)
    site.static_files = _static_files(root, diagnostics)
    theme = str(site.config.values.get("theme") or "default") if site.config else "default"
    site.theme = load_theme(root, theme, site.config.where("theme") if site.config else Location(SITE_FILE), diagnostics)
    language = str(site.config.values.get("language") or "en") if site.config else "en"
    try:
        site.catalogues = read_catalogues(theme_folders(root, theme), language, root)
    except OSError as exc:
        diagnostics.items.append(machine_fault(exc, None, "cannot read the site's translations").diagnostic())
    return site


class _KnownFiles:
    """What the last load made of each file, reused while the file's stat is unchanged."""

    def __init__(self, root: Path, changed: Iterable[str] | None, caches: Caches, fresh: Iterable[str] = ()):
        self.root = str(root.absolute())
        self.changed = set(changed or ())
        self.fresh = frozenset(fresh)
        self.files = caches.files

    def get(self, rel: str, stat: os.stat_result, diagnostics: Diagnostics, make: Callable[[Diagnostics], T]) -> T:
        """What ``make`` makes of the file ``rel``, made again only when the file may have changed."""
        key = (self.root, rel)
        signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        known = self.files.get(key)
        if known is None or known[0] != signature or rel in self.changed or (rel not in self.fresh and _racy(signature, known[3])):
            found = Diagnostics()
            read_at = time.time_ns()
            known = remember(self.files, key, (signature, make(found), tuple(found.items), read_at))
        diagnostics.items.extend(known[2])
        return known[1]


RACY_NANOSECONDS = 2_000_000_000
"""A file modified this close to the moment it was read may have been written again within the
same timestamp tick (coarse on many file systems: 2 s on FAT), keeping its stat; it is read
again next time, as git does with a racily clean index entry."""


def _racy(signature: tuple[int, int, int, int], read_at: int) -> bool:
    """Whether the file's stat cannot tell a write after the read at ``read_at`` (ns) from none.

    A write sets the modification time (and the change time, which the
    signature holds too: setting the modification time back changes it)."""
    return signature[2] >= read_at - RACY_NANOSECONDS


def _restored_first(caches: Caches, stem: str, make: Callable[[Diagnostics], T], diagnostics: Diagnostics) -> T:
    """Read a sidecar with what a saved state kept of its article at hand (its parsed versions, see
    `Caches.restore_article`): the same bytes then give the very record the last link was made from."""
    caches.restore_article(stem)
    return make(diagnostics)


MAX_FILE_BYTES = 20 * 1024 * 1024
"""Larger content files are refused: no article or annotation file is this big."""
MAX_SEED_BYTES = 4 * 1024 * 1024
"""Larger seeds are refused: the longest novels are smaller, and a build spends
seconds and hundreds of megabytes per megabyte of one article's text."""



def _inside_root(root: Path, path: Path) -> bool:
    """Whether a path (following symlinks) stays within the site root."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _static_files(root: Path, diagnostics: Diagnostics) -> list[tuple[str, bytes]]:
    """Files to copy as they are, refusing ones that escape the root or collide on case-insensitive disks."""
    static = root / "content/static"
    if not static.is_dir():
        return []
    found = []
    seen: dict[str, str] = {}
    for path in sorted(_walk_files(root, static, diagnostics)):
        if path.name.startswith(".") or not path.is_file():
            continue
        rel = path.relative_to(static).as_posix()
        if not _inside_root(root, path):
            diagnostics.error(Location(_rel(root, path)), "symlink points outside the site root; refusing to publish it", "outside-root")
            continue
        unfit = unfit_path_segment(rel)
        if unfit is not None:
            diagnostics.error(Location(_rel(root, path)), f"cannot publish '{rel}': {unfit}", "bad-file-name")
            continue
        folded = rel.casefold()
        if folded in seen:
            diagnostics.error(Location(_rel(root, path)), f"'{rel}' and '{seen[folded]}' differ only in case; they would collide on macOS and Windows", "case-collision")
            continue
        seen[folded] = rel
        try:
            found.append((rel, path.read_bytes()))
        except OSError as exc:
            diagnostics.items.append(machine_fault(exc, f"content/static/{rel}", "cannot read this static file").diagnostic())
    return found


def _walk_files(root: Path, folder: Path, diagnostics: Diagnostics) -> list[Path]:
    """Every entry under ``folder`` that is not a folder, reporting folders that cannot be read."""
    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else folder
        diagnostics.items.append(machine_fault(error, _rel(root, where), "cannot read this folder").diagnostic())

    found = []
    for directory, _, names in os.walk(folder, onerror=unreadable):
        found += [Path(directory) / name for name in names]
    return found


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _acceptable_file(root: Path, path: Path, diagnostics: Diagnostics, folder_inside: bool = False, size: int | None = None, is_symlink: bool | None = None) -> bool:
    """Refuse files that lead outside the site root, or are too big to be content.

    ``folder_inside``: the file's folder is known to be inside the root, so
    only a symlink needs resolving (resolving every path costs a system call
    per folder level, which adds up over ten thousand files). ``size`` and
    ``is_symlink``, when the caller knows them (a folder listing does), save
    a system call each.
    """
    if is_symlink is None:
        is_symlink = path.is_symlink()
    if not ((folder_inside and not is_symlink) or _inside_root(root, path)):
        diagnostics.error(Location(_rel(root, path)), "symlink points outside the site root; refusing to read it", "outside-root")
        return False
    if (path.stat().st_size if size is None else size) > MAX_FILE_BYTES:
        diagnostics.error(Location(_rel(root, path)), f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", "too-large")
        return False
    return True


def _files(root: Path, folder: str, suffixes: str | tuple[str, ...], diagnostics: Diagnostics, failed: set[str]) -> list[tuple[str, str, str, os.stat_result]]:
    """Content files of one folder, sorted, skipping editors' hidden and backup files: (name, rel, stem, stat).

    Each file costs one system call (its stat, which tells a watch build
    whether it changed); a plain file in a folder inside the root needs no other.
    """
    directory = root / folder
    if not directory.is_dir():
        return []
    found = []
    folder_inside = _inside_root(root, directory)
    try:
        with os.scandir(directory) as entries:
            listed = sorted((entry.name, entry) for entry in entries)
    except OSError as exc:
        diagnostics.items.append(machine_fault(exc, folder, "cannot read this folder").diagnostic())
        failed.update((_KINDS.get(folder, folder), f"folder:{folder}"))
        return []
    for name, entry in listed:
        if name.startswith((".", "#")) or name.endswith("~") or not name.endswith(suffixes):
            continue
        rel = f"{folder}/{name}"
        try:
            stat = entry.stat() if entry.is_file() else None
            is_symlink = entry.is_symlink()  # known from the listing: no system call
        except OSError:
            stat = None
        if stat is None:
            diagnostics.error(Location(rel), "expected a file here", "bad-file")
            continue
        if (folder_inside and not is_symlink and stat.st_size <= MAX_FILE_BYTES) or _acceptable_file(
            root, directory / name, diagnostics, folder_inside, stat.st_size, is_symlink
        ):
            found.append((name, rel, name.rpartition(".")[0], stat))
        elif folder == "content/people":
            failed.add("people")
        elif folder == "seeds":
            failed.add("seeds")
    return found


_KINDS = {"content/people": "people", "content/articles": "articles", "seeds": "seeds"}
"""Folder -> the kind of content `LoadedSite.failed` names when it cannot be read."""


def _read_text(root: Path, rel: str, diagnostics: Diagnostics) -> str | None:
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        diagnostics.error(Location(rel), f"cannot read file: {exc.strerror}", "io")
        return None
    return decode_source(data, rel, diagnostics)


def _load_yaml_record(root: Path, rel: str, fields: dict, diagnostics: Diagnostics, parsed: dict, checked: bool = False) -> Record | None:
    """One YAML file's validated record; ``checked``: `_files` has already vetted the path.

    ``parsed`` remembers records by path and bytes (a path's kind of record
    is fixed by its folder), so a file is parsed once per version."""
    if not checked:
        try:
            is_file = stat.S_ISREG((root / rel).stat().st_mode)
        except (FileNotFoundError, NotADirectoryError):
            is_file = False
        except OSError as exc:  # a folder on the way that may not be read
            diagnostics.items.append(machine_fault(exc, rel, "cannot read this file").diagnostic())
            return None
        if not is_file:
            diagnostics.error(Location(rel), "file not found", "missing-file")
            return None
    if not checked and not _acceptable_file(root, root / rel, diagnostics):
        return None
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        diagnostics.error(Location(rel), f"cannot read file: {exc.strerror}", "io")
        return None
    key = (rel, hashlib.blake2b(data, digest_size=16).digest())
    cached = parsed.get(key)
    if cached is None:
        found = Diagnostics()
        cached = remember(parsed, key, (_parse_record(data, rel, fields, found), tuple(found.items)))
    record, problems = cached
    diagnostics.items.extend(problems)
    return record


def _parse_record(data: bytes, rel: str, fields: dict, diagnostics: Diagnostics) -> Record | None:
    text = decode_source(data, rel, diagnostics)
    if text is None:
        return None
    node = parse_yaml(text, rel, diagnostics)
    if node is None:
        return None
    return check_record(node, fields, diagnostics)


def _load_timeline(root: Path, site: LoadedSite, known: _KnownFiles, diagnostics: Diagnostics) -> list[Record]:
    rel = "content/timeline.yaml"
    if not _acceptable_file(root, root / rel, diagnostics):
        site.failed.add("timeline")
        return []
    records = known.get(rel, (root / rel).stat(), diagnostics, lambda found: _timeline_records(root, rel, found))
    if records is None:
        site.failed.add("timeline")
        return []
    return records


def _timeline_records(root: Path, rel: str, diagnostics: Diagnostics) -> list[Record] | None:
    """The timeline's event records; None when the file cannot be read or parsed."""
    text = _read_text(root, rel, diagnostics)
    node = parse_yaml(text, rel, diagnostics) if text is not None else None
    if node is None:
        return None
    if not isinstance(node, Sequence):
        if not (kind_name(node) == "null"):
            diagnostics.error(node.loc, f"timeline.yaml must be a list of events, got {kind_name(node)}", "wrong-type")
        return []
    records = []
    for item in node.items:
        record = check_record(item, TIMELINE_EVENT_FIELDS, diagnostics)
        if record is not None:
            records.append(record)
    return records


def reload_changed(previous: LoadedSite, changed: Iterable[str], diagnostics: Diagnostics, caches: Caches) -> LoadedSite | None:
    """``previous`` with the seeds, sidecars and person files among ``changed`` read again, and no other file
    looked at: watch mode's first look at a save, so that the saved page waits for no stat of every content
    file (the session then loads the whole site as `load_site` does, to find what the watcher missed).

    None when that cannot stand for a whole load: ``previous`` had a problem, or a path is anything else
    (the site file, the timeline, a theme, a file added or removed, an earlier version of a seed), or a
    file is gone or no longer reads as one.
    """
    if previous.failed:
        return None
    known = _KnownFiles(previous.root, changed, caches)
    people, sidecars, seeds = dict(previous.people), dict(previous.sidecars), dict(previous.seeds)
    for rel in changed:
        folder, _, name = rel.rpartition("/")
        stem, _, suffix = name.rpartition(".")
        is_seed = folder == "seeds" and stem in seeds and seeds[stem].path == rel
        table = people if folder == "content/people" else sidecars if folder == "content/articles" else None
        if not (is_seed or (table is not None and suffix == "yaml" and stem in table)):
            return None
        try:
            file_stat = os.lstat(previous.root / rel)  # a symbolic link is left to the whole load to vet
        except OSError:
            return None
        if not stat.S_ISREG(file_stat.st_mode) or file_stat.st_size > (MAX_SEED_BYTES if is_seed else MAX_FILE_BYTES):
            return None
        if is_seed:
            text = known.get(rel, file_stat, diagnostics, partial(_read_text, previous.root, rel))
            if text is None:
                return None
            seeds[stem] = Seed(stem, rel, text, rel.endswith(".md"))
            continue
        assert table is not None, "a person file or a sidecar"
        fields = PERSON_FIELDS if table is people else ARTICLE_FIELDS
        record = known.get(rel, file_stat, diagnostics, partial(_load_yaml_record, previous.root, rel, fields, parsed=caches.parsed, checked=True))
        if record is None:
            return None
        table[stem] = record
    return dataclasses.replace(previous, people=people, sidecars=sidecars, seeds=seeds)
