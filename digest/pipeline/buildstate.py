"""What the last build produced and what each page depended on.

After a build, every page has a `PageRecord`: the graph keys it read (see
`reads.py`) and the templates it was rendered with. The next build
recomputes the fingerprints of those keys and the digests of those
templates; a page is rendered again only if one of them changed (or the
page is new). Like Lektor's build state, the record is made while
rendering, so it cannot drift from what the templates actually use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, meta


@dataclass(frozen=True, slots=True)
class PageRecord:
    keys: frozenset[str]
    """Graph keys the page read."""
    templates: frozenset[str]
    """Its template and every template that one extends, includes or imports."""


@dataclass(slots=True)
class BuildState:
    pages: dict[str, PageRecord] = field(default_factory=dict)
    fingerprints: dict[str, bytes | None] = field(default_factory=dict)
    """Graph key -> digest of its value when last rendered."""
    scopes: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    """Graph key -> the topics its value is made from (None: it has no declared scope; see `topics.py`)."""
    values: dict[str, Any] = field(default_factory=dict)
    """Graph key -> its value, for reads the next build takes as they are while unchanged
    (`site_reads.CARRIED_READS`: data.json's records). Kept with the state they were read
    against: a build that fails after rendering leaves the last good build's."""
    topics: dict[str, bytes] = field(default_factory=dict)
    """Topic -> its digest in this build's graph, for every topic of ``scopes``."""
    templates: dict[str, bytes] = field(default_factory=dict)
    """Template name -> digest of its source."""
    outputs: dict[str, bytes] = field(default_factory=dict)
    """Every output file -> digest of its bytes."""
    search_inputs: bytes | None = None
    """Digest of what the whole search index was made from (see `search.SearchPlan.inputs`)."""
    search_pages: dict[str, tuple[bytes, bytes | None]] = field(default_factory=dict)
    """Page -> (digest of the page, digest of its searchable part or None) when last indexed."""
    search_shards: dict[str, bytes] = field(default_factory=dict)
    """Search shard -> digest of what its index was made from (see `search.plan_search`)."""


def digest_bytes(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class TemplateIndex:
    """Digests and dependency closures of a theme's templates, computed once per build."""

    def __init__(self, env: Environment, references: dict[tuple[str, bytes], tuple[str | None, ...]] | None = None):
        self.env = env
        self._references_by_source = references if references is not None else {}
        """(template name, digest of its source) -> the templates it names: a session's,
        so each version of a template is parsed once."""
        self.digests: dict[str, bytes] = {}
        self._closures: dict[str, frozenset[str]] = {}

    def closure(self, name: str) -> frozenset[str]:
        if name not in self._closures:
            seen: set[str] = set()
            pending = [name]
            while pending:
                current = pending.pop()
                if current in seen:
                    continue
                seen.add(current)
                pending.extend(self._references(current))
            self._closures[name] = frozenset(seen)
        return self._closures[name]

    def _references(self, name: str) -> list[str]:
        assert self.env.loader is not None
        source, _, _ = self.env.loader.get_source(self.env, name)
        digest = self.digests[name] = digest_bytes(source.encode("utf-8"))
        referenced = self._references_by_source.get((name, digest))
        if referenced is None:
            referenced = tuple(meta.find_referenced_templates(self.env.parse(source)))
            self._references_by_source[(name, digest)] = referenced
        if any(ref is None for ref in referenced):  # computed names: depend on all templates
            return list(self.env.list_templates())
        return [ref for ref in referenced if ref is not None]

    def unchanged(self, names: frozenset[str], previous: dict[str, bytes]) -> bool:
        return all(self.digests.get(name) == previous.get(name) for name in names)

