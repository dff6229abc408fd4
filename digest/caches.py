"""What one build may reuse of earlier builds of the same site, owned by one session.

A watch session (`session.SiteBuilder`) keeps one `Caches` for its whole
life, so a save re-reads, re-parses and re-links only what changed; a
single `digest build` makes a fresh one. Nothing of this lives at module
level: two sessions in one process never see each other's entries, and a
fresh process and a long-lived session produce the same bytes, because
every entry is keyed by what it was made from (a file's stat or bytes,
or the very objects an unchanged input produced, see `memo.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from digest.memo import ByIdentity

if TYPE_CHECKING:
    from jinja2 import Environment

FILES_LIMIT = 50_000
"""Files, parsed records and seeds remembered; past it a session starts afresh."""


@dataclass(slots=True)
class Caches:
    files: dict[tuple[str, str], tuple[tuple[int, int, int, int], Any, tuple, int]] = field(default_factory=dict)
    """(root, path) -> (stat signature, what loading the file made, the problems found, when it was read in ns)."""
    parsed: dict[tuple[str, bytes], tuple[Any, tuple]] = field(default_factory=dict)
    """(path, digest of the bytes) -> (validated record, problems): YAML parsed once per version."""
    seeds: dict[tuple, Any] = field(default_factory=dict)
    """(text, is Markdown, title, omitted lines) -> (own title, blocks): each seed version parsed once."""
    anchored: ByIdentity[Any] = field(default_factory=lambda: ByIdentity(200_000))
    """(a seed's blocks, an annotation entry) -> the passages its quotes anchor to."""
    names_in_text: ByIdentity[Any] = field(default_factory=lambda: ByIdentity(50_000))
    """A seed's blocks (with the name index) -> the names found in each block."""
    mentions: ByIdentity[Any] = field(default_factory=lambda: ByIdentity(50_000))
    """The names found in an article -> its mentions of each person."""
    scripts: ByIdentity[str] = field(default_factory=lambda: ByIdentity(50_000))
    """A seed's blocks (with the article's title) -> the script most of its letters are in."""
    names_in_block: dict[tuple[str, str], Any] = field(default_factory=dict)
    """(name index key, a block's text) -> the names in it: only changed text is scanned again."""
    template_references: dict[tuple[str, bytes], tuple[str | None, ...]] = field(default_factory=dict)
    """(template name, digest of its source) -> the templates it names."""
    value_digests: ByIdentity[bytes] = field(default_factory=lambda: ByIdentity(100_000))
    """Large immutable values read by pages (an article's text and names) -> their digest."""
    topic_digests: ByIdentity[bytes] = field(default_factory=lambda: ByIdentity(200_000), metadata={"saved": False})
    """The graph's articles, claims, events, summaries and mention lists, by identity -> their digest
    (see `topics.py`). Not saved with the state: a load makes new objects, so it would never hit."""
    topics_basis: tuple[Any, Any] | None = field(default=None, metadata={"saved": False})
    """The topic digests the last build recorded (`BuildState.topics`, that very dict) and the graph they are
    of: the next build, linked right after it, digests only the topics of what link made again (`topics.ScopeCheck`)."""
    pages: tuple[Any, list] | None = field(default=None, metadata={"saved": False})
    """The graph the last build listed the pages of, and that list: the next build takes it while link
    kept what the list is made of (`pages.same_pages`)."""
    locale: tuple[tuple, Any] | None = None
    """The site's language compiled from its catalogues, with what it was compiled from."""
    environment: tuple[tuple, Environment] | None = None
    """The last Jinja environment, with what it was made from (its templates' bytes, the config)."""
    compiled_templates: dict[str, bytes] = field(default_factory=dict)
    """Each template's compiled code (Jinja's bytecode, checked against its source's digest): a new
    environment (another config, a template edited) compiles only the templates that changed."""
    link: Any = None
    """The last link (`link.LinkMemory`): each article's result and each merged claim and event,
    for the next link to reuse where their inputs are the very same objects (in a new process:
    the one a saved state kept, see `savedstate._saved_memory`)."""
    saved_link: Any = field(default=None, metadata={"saved": False})
    """What a saved state kept of the last link (`link.SavedLink`: each article's result, the
    people's names), for the first link of a new process when there is no ``link``."""
    restore: Callable[[str], None] | None = field(default=None, metadata={"saved": False})
    """Reads what a saved state kept of one article (its parsed text, anchored quotes, names found:
    its memo segment, see `savedstate.py`) into these tables, the first time it is asked for."""

    def restore_article(self, stem: str) -> None:
        """Make sure what was saved of the article ``stem`` is in the tables before it is linked or read again."""
        if self.restore is not None:
            self.restore(stem)


def remember(table: dict, key: Any, value: Any, limit: int = FILES_LIMIT) -> Any:
    """Put ``value`` in a bounded table: a crude bound, a long session starts afresh."""
    if len(table) >= limit:
        table.clear()
    table[key] = value
    return value
