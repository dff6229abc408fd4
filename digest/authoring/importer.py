"""`digest import`: saved pages and feeds become seeds and pre-filled sidecars.

For each file (folders and globs are expanded to the pages and feeds in
them), `digest.authoring.extract` finds the article; this module decides what it is
to the site and writes it:

- new: ``seeds/<stem>.md`` and ``content/articles/<stem>.yaml``, the stem
  made from outlet, date and title;
- a duplicate (an article with the same canonical URL and the same text, or
  any article with the same text): nothing is written;
- a newer copy of an article (same URL, other text): the current text is
  kept as ``seeds/<stem>.v<N>.md``, listed under ``versions:``, the new text
  becomes the seed, and quotes are re-anchored as `digest check --fix`
  does, those that may have changed meaning being reported instead;
- a file that gives no article: a ``path: error: ...`` result, nothing written.

Each file's files are written atomically and in one step after everything
about it is known, so a failure never leaves half an import behind.
"""

from __future__ import annotations

import datetime
import glob
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from digest.authoring.extract import ExtractedArticle, ExtractError, extract_file
from digest.authoring.scaffold import ArticleFacts, imported_sidecar_text
from digest.errors import Diagnostics, UsageError
from digest.graph.versions import add_version, version_path
from digest.pipeline.check import apply_quote_fixes, quote_review
from digest.pipeline.write import output_faults, replace_file
from digest.source.load import LoadedSite, load_site, version_of
from digest.text.seedtext import parse_markdown, parse_plain
from digest.text.slugs import safe_slug, slugify

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".mhtml", ".mht")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
STEM_MAX_LENGTH = 80
"""As slugs: room for ``.v<N>.md`` and a temporary name beside it under any file system's limit."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    source: str
    """The file as given (and the feed entry, "feed.xml (entry 2)")."""
    outcome: str
    """'imported', 'version', 'duplicate' or 'failed'."""
    stem: str = ""
    message: str = ""
    """Why it failed, or which article it duplicates."""
    written: tuple[str, ...] = ()
    """Files written, relative to the site root."""
    notes: tuple[str, ...] = ()
    """Lines for the editor: quotes re-anchored, or left for a person to decide."""


@dataclass(slots=True)
class _Known:
    """What the site already holds, updated as a run imports, so one run never imports an article twice."""

    by_url: dict[str, str] = field(default_factory=dict)
    """Canonical URL -> stem."""
    by_text: dict[str, str] = field(default_factory=dict)
    """Text (whitespace folded) of every current and earlier text -> stem."""
    stems: set[str] = field(default_factory=set)
    captured: dict[str, datetime.date] = field(default_factory=dict)
    """Stem -> when its current text was captured (the sidecar's, or this run's import)."""


def import_files(
    root: Path, paths: list[str], progress: Callable[[int, int], None] | None = None
) -> list[ImportResult]:
    """Import every page and feed that ``paths`` name (files, folders, globs); one result per article or failure."""
    files, results = expand_paths(paths)
    # Oldest saved first, so that of two copies of one article the later one becomes current
    # (the sort is stable: copies saved at the same time keep the order they were named in).
    files.sort(key=_saved_at)
    loaded = load_site(root, Diagnostics())
    known = _known(loaded)
    for done, path in enumerate(files):
        results += _import_file(root, loaded, known, path)
        if progress is not None:
            progress(done + 1, len(files))
    return results


def expand_paths(paths: list[str]) -> tuple[list[Path], list[ImportResult]]:
    """The files to read, in order and each once, and a failure for each path that names none."""
    files: list[Path] = []
    failed: list[ImportResult] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES + FEED_SUFFIXES and not p.name.startswith("."))
            if not found:
                failed.append(ImportResult(given, "failed", message="no saved pages (.html, .htm, .mhtml) or feeds (.xml, .rss, .atom) in this folder"))
            files += found
        elif path.exists():
            files.append(path)
        elif glob.has_magic(given):
            matched = sorted(Path(p) for p in glob.glob(given, recursive=True) if Path(p).is_file())
            if not matched:
                failed.append(ImportResult(given, "failed", message="no file matches this pattern"))
            files += matched
        else:
            failed.append(ImportResult(given, "failed", message="no such file or folder"))
    return list(dict.fromkeys(files)), failed


def _known(loaded: LoadedSite) -> _Known:
    known = _Known(stems=set(loaded.seed_files) | set(loaded.sidecar_files))
    for stem, record in loaded.sidecars.items():
        if record.get("url"):
            known.by_url.setdefault(record.get("url"), stem)
        if record.get("captured"):
            known.captured[stem] = record.get("captured")
    for stem, seed in loaded.seeds.items():
        known.by_text.setdefault(folded_text(seed.text, seed.is_markdown), stem)
    for rel, text in loaded.versions.items():
        found = version_of(Path(rel).name.rpartition(".")[0], set(loaded.seeds))
        if found is not None:
            known.by_text.setdefault(folded_text(text, rel.endswith(".md")), found[0])
    return known


def folded_text(text: str, is_markdown: bool = True) -> str:
    """A text as compared for sameness: the words readers see, without the title, whitespace folded.

    So a copy pasted by hand as plain text and the same article imported as
    Markdown are the same text, and so are two copies wrapped differently.
    """
    if is_markdown:
        blocks = parse_markdown(text, set(), drop_first_h1=True)[1].blocks
    else:
        blocks = parse_plain(text, None, set()).blocks
    return " ".join(" ".join(block.text for block in blocks).split())


def article_stem(article: ExtractedArticle, taken: set[str]) -> str:
    """``<outlet>-<yyyy-mm-dd>-<title>`` in ASCII, the same for the same article, with -2, -3... when taken."""
    outlet = article.outlet or _host(article.url)
    date = article.published.isoformat() if article.published else ""
    stem = slugify(" ".join(part for part in (outlet, date, article.title) if part), STEM_MAX_LENGTH) or "article"
    stem = safe_slug(stem, "article")
    candidate, number = stem, 2
    while candidate in taken:
        candidate = f"{stem}-{number}"
        number += 1
    return candidate


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _import_file(root: Path, loaded: LoadedSite, known: _Known, path: Path) -> list[ImportResult]:
    shown = _shown(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [ImportResult(shown, "failed", message=f"cannot read the file: {exc.strerror}")]
    try:
        articles = extract_file(data, path.name)
    except ExtractError as error:
        return [ImportResult(shown, "failed", message=str(error))]
    except Exception as exc:  # noqa: BLE001 - a library choking on one file must not stop the others; the error names it
        return [ImportResult(shown, "failed", message=f"cannot be read as a web page or feed ({exc.__class__.__name__}: {exc})")]
    captured = _file_date(path)
    results = []
    for article in articles:
        source = f"{shown} ({article.part})" if article.part else shown
        results.append(_import_article(root, loaded, known, source, article, article.captured or captured))
    return results


def _saved_at(path: Path) -> int:
    """When a file was last written (ns): a browser writes a saved page when it is saved."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _file_date(path: Path) -> datetime.date:
    """When a saved page was saved, as its file says (a browser writes the file when the page is saved)."""
    return datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC).date()


def _import_article(root: Path, loaded: LoadedSite, known: _Known, source: str, article: ExtractedArticle, captured: datetime.date) -> ImportResult:
    text = article.body + "\n"
    folded = folded_text(text)
    same_url = known.by_url.get(article.url) if article.url else None
    same_text = known.by_text.get(folded)
    if same_text is not None:
        return ImportResult(source, "duplicate", same_text, f"same text as seeds/{same_text}")
    if same_url is not None:
        return _import_version(root, loaded, known, source, same_url, article, captured)
    stem = article_stem(article, known.stems)
    facts = ArticleFacts(article.outlet or _host(article.url), article.published, article.url, article.author, article.language, captured)
    seed, sidecar = f"seeds/{stem}.md", f"content/articles/{stem}.yaml"
    _write(root, {seed: text, sidecar: imported_sidecar_text(loaded, f"{stem}.md", article.title, text, facts)})
    known.stems.add(stem)
    known.by_text[folded] = stem
    if article.url:
        known.by_url[article.url] = stem
    known.captured[stem] = captured
    return ImportResult(source, "imported", stem, written=(seed, sidecar))


def _import_version(root: Path, loaded: LoadedSite, known: _Known, source: str, stem: str, article: ExtractedArticle, captured: datetime.date) -> ImportResult:
    """Keep the current text of ``stem`` as its next version, make the article's text current and re-anchor its quotes."""
    record = loaded.sidecars.get(stem)
    text = article.body + "\n"
    if (record is None or not record.get("title")) and article.title:  # the title was the seed's headline: keep one
        text = f"# {article.title}\n\n{text}"

    current_captured = known.captured.get(stem)
    if current_captured is not None and captured < current_captured:
        return ImportResult(
            source, "failed", stem,
            f"this copy of {stem} (captured {captured.isoformat()}) is older than its current text (captured {current_captured.isoformat()}); "
            "an earlier text goes in versions: by hand",
        )
    current = _current_seed(root, stem)
    sidecar_rel = f"content/articles/{stem}.yaml"
    if current is None:
        return ImportResult(source, "failed", stem, f"the article with this URL, {stem}, has no seed to keep as a version")
    try:
        old_text = current.read_text(encoding="utf-8")
        sidecar = (root / sidecar_rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return ImportResult(source, "failed", stem, f"cannot read the current text or sidecar of {stem}: {exc}")
    number = len(record.get("versions", [])) + 1 if record is not None else 1
    while (root / version_path(stem, number, current.suffix)).exists():
        number += 1
    kept = version_path(stem, number, current.suffix)
    old_captured = current_captured or _file_date(current)
    try:
        new_sidecar = add_version(sidecar, kept, old_captured, captured)
    except ValueError as error:
        return ImportResult(source, "failed", stem, f"cannot add the version to {sidecar_rel}: {error}")
    new_seed = f"seeds/{stem}.md"
    _write(root, {kept: old_text, new_seed: text, sidecar_rel: new_sidecar})
    if current.name != f"{stem}.md":  # a .txt seed: its text is kept as the version, the Markdown copy is current
        with output_faults(current, "cannot remove the replaced seed"):
            current.unlink()
    known.by_text[folded_text(text)] = stem
    known.captured[stem] = captured
    fixes, left = quote_review(root, {stem})
    applied = apply_quote_fixes(root, fixes)
    notes = tuple(f'{fix.loc}: fixed: quote "{_line(fix.old)}" -> "{_line(fix.new)}"' for fix in applied)
    notes += tuple(f'{quote.loc}: warning: quote "{_line(quote.quote)}" is not in the new text: {quote.reason}; fix it by hand' for quote in left)
    if old_captured == captured:
        notes += (
            f"{sidecar_rel}: warning: this copy and the earlier text were both captured on {captured.isoformat()}, so the one imported "
            f"later ({source}) was taken as the newer; if it is not, swap seeds/{stem}.md and {kept} by hand",
        )
    return ImportResult(source, "version", stem, f"version {number + 1} of {stem} (the earlier text is {kept})", (kept, new_seed, sidecar_rel), notes)


def _current_seed(root: Path, stem: str) -> Path | None:
    for suffix in (".md", ".txt"):
        if (root / "seeds" / f"{stem}{suffix}").is_file():
            return root / "seeds" / f"{stem}{suffix}"
    return None


def _line(text: str) -> str:
    return " ".join(text.split())


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        replace_file(root / rel, text.encode("utf-8"))


def _shown(path: Path) -> str:
    try:
        return str(path.absolute().relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def summary_line(results: list[ImportResult]) -> str:
    """One line: how many were imported, became versions, were skipped as duplicates, failed."""
    counts = {outcome: sum(1 for r in results if r.outcome == outcome) for outcome in ("imported", "version", "duplicate", "failed")}
    parts = [f"imported {counts['imported']}"]
    if counts["version"]:
        parts.append(f"{counts['version']} new version{'s' if counts['version'] != 1 else ''} of existing articles")
    parts.append(f"skipped {counts['duplicate']} as duplicate{'s' if counts['duplicate'] != 1 else ''}")
    parts.append(f"{counts['failed']} failed")
    return ", ".join(parts)


def require_site_folders(root: Path) -> None:
    """Refuse to import where seeds/ or content/articles/ is a file (nothing could be written)."""
    for rel in ("seeds", "content/articles"):
        if (root / rel).exists() and not (root / rel).is_dir():
            raise UsageError(f"{rel} is not a folder; digest import writes seeds and sidecars there")

