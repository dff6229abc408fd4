"""`digest check`: every validation of a build, plus editorial warnings, without writing.

It runs the same load, link and render stages as `digest build` (drafts
included, so work in progress is checked too), then checks the rendered
pages' internal links and adds warnings that point at likely editorial
slips rather than broken input.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from digest.errors import BuildFailed, Diagnostic, Diagnostics, Location
from digest.graph.link import link_site
from digest.graph.model import Article, SiteGraph
from digest.pipeline.build import fewer_collections, render_graph
from digest.pipeline.write import replace_file
from digest.source.load import LoadedSite, load_site
from digest.source.schema import Record
from digest.text.anchor import find_all, normalise_blocks, visible_text
from digest.text.language import mismatch
from digest.text.reanchor import fix_quote_in_yaml, propose_fix


def check_site(root: Path) -> list[Diagnostic]:
    """All problems of a site root, errors and warnings, sorted."""
    with fewer_collections():
        return _check_site(root)


def _check_site(root: Path) -> list[Diagnostic]:
    diagnostics = Diagnostics()
    loaded = load_site(root, diagnostics)
    graph = link_site(loaded, diagnostics, drafts=True)
    if graph is not None:
        editorial_warnings(graph, loaded, diagnostics)
    if graph is not None and not diagnostics.errors:
        try:
            result = render_graph(root, loaded, graph, Diagnostics()).collect()
        except BuildFailed as failure:
            diagnostics.items.extend(failure.diagnostics)
        else:
            diagnostics.items.extend(broken_links(result.outputs, graph.config.base_path))
    return diagnostics.sorted()


def editorial_warnings(graph: SiteGraph, loaded: LoadedSite, diagnostics: Diagnostics) -> None:
    """Things that build fine but are probably not what the editor meant."""
    for pid, person in graph.people.items():
        if not graph.mentions.get(pid):
            diagnostics.warning(loaded.people[pid].where("name"), f"{person.name} is not named in any article", "person-unused")
    for stem, record in loaded.sidecars.items():
        if stem not in graph.articles:
            continue
        for claim in record.get("claims", []):
            if "quote" not in claim.values and "id" in claim.values:
                diagnostics.warning(claim.where("id"), f"claim '{claim.values['id']}' has no quote in this article", "claim-without-quote")
    event_entries = [*loaded.timeline, *(e for record in loaded.sidecars.values() for e in record.get("events", []))]
    people_given = {e.values["id"] for e in event_entries if "people" in e.invalid and "id" in e.values}  # already errors
    for event in graph.events.values():
        if not event.people and event.id not in people_given:
            diagnostics.warning(event.source, f"event '{event.id}' names no people", "event-without-people")
    for stem, article in graph.articles.items():
        language_warning(article, loaded.sidecars.get(stem), graph.config.language, diagnostics)
        for passage in article.passages:
            if not passage.verbatim:
                block = article.text.blocks[passage.span.block]
                found = visible_text(block.text[passage.span.start : passage.span.end])
                diagnostics.warning(
                    passage.loc,
                    f'quote matches only after normalising whitespace or quote marks; the text reads "{found}"',
                    "quote-normalised",
                )


def language_warning(article: Article, sidecar: Record | None, site_language: str, diagnostics: Diagnostics) -> None:
    """Warn where an article's text is mostly in another script or language than the one declared for it.

    Located at the sidecar's `language:` where it gives one; otherwise at the
    sidecar (or the seed, without one), where a `language:` line would go."""
    declared = article.language or site_language
    text = "\n".join([article.title, *(block.text for block in article.text.blocks)])
    reason = mismatch(text, declared)
    if not reason:
        return
    if article.language and sidecar is not None:
        diagnostics.warning(sidecar.where("language"), f"{reason}", "language-mismatch")
        return
    where = sidecar.loc if sidecar is not None else Location(article.seed_path, 1, 1)
    diagnostics.warning(where, f"no 'language' is given, so the site's '{site_language}' is assumed, but {reason}", "language-mismatch")


@dataclass(frozen=True, slots=True)
class QuoteFix:
    path: str
    loc: Location
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class QuoteLeft:
    """A quote that no longer matches and that no tool may rewrite: a person must look."""

    loc: Location
    quote: str
    reason: str
    """What a person must decide ("a negation appears ...", or that no passage is near enough)."""


def quote_fixes(root: Path) -> list[QuoteFix]:
    """Quotes that no longer match their article but can be found again, with their new text.

    A correction that may change what the quote says (a negation or a number
    appeared, disappeared or changed) is left out: the build's error names it
    for a person to decide (see `digest.text.reanchor.propose_fix`).
    """
    return quote_review(root)[0]


def quote_review(root: Path, stems: set[str] | None = None) -> tuple[list[QuoteFix], list[QuoteLeft]]:
    """The quotes that no longer match (of the articles ``stems``, or all): those that may be fixed, and those left to a person."""
    diagnostics = Diagnostics()
    loaded = load_site(root, diagnostics)
    graph = link_site(loaded, Diagnostics(), drafts=True)
    if graph is None:
        return [], []
    fixes, left = [], []
    for stem, record in sorted(loaded.sidecars.items()):
        article = graph.articles.get(stem)
        if article is None or (stems is not None and stem not in stems):
            continue
        haystack = normalise_blocks(article.text.blocks)
        for entry in [*record.get("claims", []), *record.get("events", [])]:
            for selector in entry.get("quote", []):
                if find_all(haystack, selector.exact, selector.prefix, selector.suffix):
                    continue
                repair = propose_fix(haystack, selector.exact, selector.prefix, selector.suffix)
                if repair is not None and not repair.concerns:
                    fixes.append(QuoteFix(selector.loc.path, selector.loc, selector.exact, repair.new))
                elif repair is not None:
                    left.append(QuoteLeft(selector.loc, selector.exact, f'the text now reads "{repair.new}", but {"; ".join(repair.concerns)}'))
                else:
                    left.append(QuoteLeft(selector.loc, selector.exact, "no passage of the text is near enough to it"))
    return fixes, left


def apply_quote_fixes(root: Path, fixes: list[QuoteFix]) -> list[QuoteFix]:
    """Rewrite each quote in place, touching nothing else in its file; return the fixes applied."""
    applied = []
    by_file: dict[str, list[QuoteFix]] = {}
    for fix in fixes:
        by_file.setdefault(fix.path, []).append(fix)
    for path, file_fixes in sorted(by_file.items()):
        target = root / path
        text = target.read_text(encoding="utf-8")
        for fix in sorted(file_fixes, key=lambda f: (f.loc.line, f.loc.column), reverse=True):
            try:
                text = fix_quote_in_yaml(text, fix.old, fix.new, fix.loc.line, fix.loc.column)
            except ValueError:
                continue
            applied.append(fix)
        replace_file(target, text.encode("utf-8"))  # atomic: a full disk must not truncate the editor's file
    return sorted(applied, key=lambda f: (f.path, f.loc.line))


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for name in ("href", "src"):
            if values.get(name):
                line, column = self.getpos()
                self.links.append((values[name] or "", line, column + 1))


def broken_links(outputs: dict[str, bytes], base_path: str) -> list[Diagnostic]:
    """Internal links of rendered pages that point at no page, or at no id on it."""
    pages: dict[str, _LinkCollector] = {}
    for path, data in outputs.items():
        if path.endswith(".html"):
            collector = _LinkCollector()
            collector.feed(data.decode("utf-8"))
            pages[path] = collector
    problems = []
    for path, collector in sorted(pages.items()):
        for href, line, column in collector.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            if not parts.path:
                target = path
            elif not parts.path.startswith(base_path):
                problems.append(Diagnostic(Location(path, line, column), "error", f"link '{href}' is outside the site's base path {base_path}", "broken-link"))
                continue
            else:
                target = unquote(parts.path)[len(base_path):]
                target = target + "index.html" if target.endswith("/") or not target else target
            if target not in outputs and not target.startswith("pagefind/"):  # the search index is made after rendering
                problems.append(Diagnostic(Location(path, line, column), "error", f"link '{href}' points at no page", "broken-link"))
            elif parts.fragment and target in pages and parts.fragment not in pages[target].ids:
                problems.append(Diagnostic(Location(path, line, column), "error", f"link '{href}' points at no element id '{parts.fragment}'", "broken-link"))
    return problems
