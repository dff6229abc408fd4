"""The last build's state, kept between runs so `digest build` is incremental too.

After a successful `digest build`, what a watch session keeps in memory is
saved under ``.digest-cache/``: the `BuildState` (what each page read, the
fingerprints of those reads, the digest of every output file) and the
session's `Caches` (parsed files and seeds, anchored quotes, names found).
The next `digest build` into the same output starts from it: it re-reads
only files whose stat changed, re-links only what they feed, renders only
pages whose reads or templates changed, and hard-links every other page
from the site it is replacing.

The state is trusted only when it is whole and was made for this site as
it is now: the file carries a format line, the version and code digest of
the digest that wrote it and a checksum of the payload, and every file the
build wrote must still hold what it wrote: a file whose size or
modification time moved since (a restore from a CI cache, an edit by hand)
is read and compared with the digest the build recorded. Anything else (no
file, another version, a truncated or corrupt file, an output changed by
hand) is a clean build, with a one-line note saying why; it never yields a
wrong site.
The file is a list of pickled segments, each with its checksum (see
`statefile.py`): a save pickles again only the segments an edit changed,
and appends them to the file with a new index.
Each article has four: what every build needs (its files' records, its link
result with its article's head: `EAGER_TABLES`), read with the state; its
body (parsed text, passages, earlier versions: `hollow.py`) and its
sidecar's fields (its `Record` and its entries', which the head holds as
empty objects: `_Records`), whose bytes are read and checked with the state
and unpickled when the build first reads them (its page rendered again, the
article linked again); and its memos
(parsed seed, anchored quotes, names found), read only when the build loads
or links that article again (`Caches.restore_article`). A save keeps the
segments of an article the build left as read where they are,
without making their rows again (`_unchanged_articles`). The last link's merged
claims and events are saved too, in shards (`_merged_segments`), so the
link of a new process is a session's next link. So a build after one edit
reads, links, merges and digests (`_known_topic_digests`) what the edit
touched, beyond one pass over every article's small records. A memo
segment found damaged then is as if never saved: its article is made from
its files; so are damaged merged entities: all are merged again.
Like the sources themselves, ``.digest-cache/`` must only be writable by
those who may change the site.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import operator
import os
import zlib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from digest.caches import Caches
from digest.graph.link import LinkedArticle, LinkMemory, SavedLink
from digest.graph.merge import Contribution, EntityKey, MergedEntity
from digest.graph.model import Article
from digest.memo import ByIdentity
from digest.pipeline.buildcache import CACHE_FOLDER, make_cache_folder, record_key
from digest.pipeline.buildstate import BuildState, digest_bytes
from digest.pipeline.hollow import (
    BODY_FIELDS,
    body_of,
    empty_record,
    hollow_class,
    hollow_merged_class,
    hollow_record_class,
    is_hollow,
    record_fields,
    reduce_head,
    reduce_merged_head,
    set_record_fields,
)
from digest.pipeline.previoussite import LiveFiles
from digest.pipeline.statefile import (
    Damaged,
    Kept,
    Keyed,
    Origin,
    OtherFormat,
    Segment,
    Unread,
    Written,
    collector_paused,
    open_state,
    save_state_file,
)
from digest.search.index import BUNDLE as SEARCH_BUNDLE
from digest.search.index import shard_of
from digest.source.schema import Record

STATE_SEGMENT = "state"
"""The segment of the `BuildState`'s small fields and the output's stats: made anew by every build, always written."""
STATE_PREFIX = "state "
"""Segments named so hold one of the build state's big tables (`STATE_TABLES`), or a shard of its carried values."""
STATE_TABLES = ("pages", "fingerprints", "scopes", "topics", "outputs", "search_pages")
VALUES_SHARDS = 16


@dataclass(frozen=True, slots=True)
class SavedState:
    state: BuildState
    caches: Caches
    stats: dict[str, tuple[int, int]]
    """Each output file's (size, modification time in ns) as the build left it."""
    origin: Origin | None = None
    """The file it was read from, so the next save keeps what did not change where it is (see `statefile.py`)."""
    output: LiveFiles | None = None
    """The output's files as the load checked them (each one's inode and stat): the write
    brings the kept tree up to date from it, without listing the live site."""


@dataclass(frozen=True, slots=True)
class Loaded:
    saved: SavedState | None
    note: str | None
    """Why no saved state is used, when there was one to use (None when none was there)."""


def state_path(root: Path, output: Path) -> Path:
    return root / CACHE_FOLDER / f"state-{record_key(output)}.bin"


def save_state(root: Path, output: Path, state: BuildState, caches: Caches, code: str, loaded: SavedState | None = None) -> Written | None:
    """Save the state of a build just written to ``output``; failing to save only costs the next build time.

    ``code``: the `buildcache.code_fingerprint` of the digest that built it.
    ``loaded``: the saved state this build started from; the cached records
    it read and the build kept stay in its file, not pickled again, and so
    do the memos of articles the build never asked for: the save appends
    what changed and a new index to that file (or, once most of it is dead,
    writes a whole new one: `statefile.save_state_file`).
    Returns how many segments were pickled and kept, and the bytes written (None if it could not save)."""
    path = state_path(root, output)
    origin = loaded.origin if loaded is not None else None
    try:
        with collector_paused():  # hundreds of thousands of rows, none of them garbage
            stats = _output_stats(output, state.outputs, loaded)
            segments = [*_state_segments(state, stats), *_cache_segments(caches, origin), *_merged_segments(caches.link, origin)]
            make_cache_folder(root)
            written = save_state_file(path, code, segments, origin)
    except (OSError, Damaged):  # Damaged: a compaction found the old file changed under us, so nothing of it may be copied
        return None
    finally:
        if origin is not None:
            origin.close()
    return written


def load_state(root: Path, output: Path, code: str) -> Loaded:
    """The saved state of the last build into ``output``, if it can be trusted now
    by the digest whose `buildcache.code_fingerprint` is ``code``.

    Reads the build state and what the graph is made of (each file's
    record, each article's link); each article's memo segment (its parsed
    text, anchored quotes, names found) is read only if the build asks for
    it (`Caches.restore_article`)."""
    path = state_path(root, output)
    if not output.is_dir():  # nothing to start from: a first build
        return Loaded(None, None)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - kept open in the Origin, for the next save to append to (or copy from)
    except FileNotFoundError:
        return Loaded(None, None)
    except OSError as exc:
        return Loaded(None, f"cannot read {CACHE_FOLDER}/{path.name} ({exc.strerror}); building everything")
    try:
        saved = _read_state(stream, code)
    except OtherFormat:
        return _unusable(path, stream, "written by another version of digest")
    except Damaged:
        return _unusable(path, stream, "damaged (its checksum does not match)")
    except OSError as exc:
        return _unusable(path, stream, f"unreadable ({exc.strerror})")
    except Exception as exc:  # noqa: BLE001 - any failure to read it back means: build without it
        return _unusable(path, stream, f"unreadable ({type(exc).__name__})")
    live = LiveFiles({}, saved.stats)
    changed, missing = _changed_output(output, saved, live.inodes)
    if changed:
        return _unusable(path, stream, f"out of date: the output folder changed since that build ({changed})")
    if missing:
        _forget_missing(saved.state, missing)
        for table in ("pages", "outputs"):  # changed in place: no longer what their bytes say
            saved.origin.decoded.pop(STATE_PREFIX + table, None)  # type: ignore[union-attr]
    return Loaded(dataclasses.replace(saved, output=live), None)


MEMO_PREFIX = "memo "
"""Segments named so hold an article's memos (see `_cache_segments`): read when the build asks for them."""
BODY_PREFIX = "body "
"""Segments named so hold an article's body (`hollow.BODY_FIELDS`: its text, passages, versions and the names
found in it) and the digests of its text and names: checked at load, unpickled when the build first reads
the body (`_Bodies`)."""
RECORD_PREFIX = "record "
"""Segments named so hold the fields of the records an article's segment holds empty (`_head_records`):
checked at load, unpickled when the build first reads one of them (`_Records`)."""
EAGER_TABLES = ("files", "link")
"""What a build needs of every article, asked for or not: the loaded files, each article's link (its article without its body)."""
BODY_TABLES = ("body", "value_digests")


def _read_state(stream: Any, code: str) -> SavedState:
    """The state, the stats and the graph's records, from a file whose header and checksums are checked as read."""
    origin = open_state(stream, code)
    names = list(origin.placed)
    if not names or names[0] != STATE_SEGMENT:
        raise TypeError("not a saved build state")
    state, stats = origin.read(STATE_SEGMENT)
    if not isinstance(state, BuildState) or not isinstance(stats, dict):
        raise TypeError("not a saved build state")
    with collector_paused():
        for name in names:
            if name.startswith(STATE_PREFIX + "values "):
                state.values.update(origin.read(name))
            elif name.startswith(STATE_PREFIX):
                setattr(state, name.removeprefix(STATE_PREFIX), origin.read(name))
    caches = Caches()
    links: dict[str, Any] = {}
    people = None
    bodies = _Bodies(origin, caches)
    records = _Records(origin)
    with collector_paused():  # once for all: re-enabled after each segment, it collected all that was read so far
        for name in names[1:]:
            if name.startswith((BODY_PREFIX, RECORD_PREFIX, WHERE_PREFIX)):
                origin.hold(name)
                continue
            if name.startswith((MEMO_PREFIX, MERGED_PREFIX, STATE_PREFIX)) or name == LINK_ORDER:
                continue
            rows = origin.read(name)
            if name.startswith("article "):
                records.hollow_out(name.removeprefix("article "), _head_records(rows))
            for row in rows:
                if row[0] == "link":
                    links[row[1]] = row[2]
                    if row[2].article is not None:
                        bodies.hollow_out(row[2].article)
                elif row[0] == "link-people":
                    people = row[2]
                else:
                    _put(caches, row)
        caches.link = _saved_memory(origin, names, links, people)
        _known_topic_digests(caches, links, state)
    caches.saved_link = SavedLink(people, links)
    caches.restore = _Restorer(origin, caches)
    return SavedState(state, caches, stats, origin)


def _state_segments(state: BuildState, stats: dict[str, tuple[int, int]]) -> list[Segment]:
    """The build state in segments: its big tables each in one (the carried values in `VALUES_SHARDS`), kept while
    equal to what was read (`Segment.equal`), and its small fields with the output's stats, always written.

    Pickled whole, it was 64 MB and 0.6 s of every save at 10,000 articles;
    an edit changes some of its tables (the fingerprints of the reads it
    changed, the digests of the files it wrote), rarely what every page read."""
    skeleton = dataclasses.replace(state, pages={}, fingerprints={}, scopes={}, topics={}, outputs={}, search_pages={}, values={})
    assert all(not getattr(skeleton, table) for table in STATE_TABLES)
    segments = [Segment(STATE_SEGMENT, (skeleton, stats))]
    segments += [Segment(STATE_PREFIX + table, getattr(state, table), equal=True) for table in STATE_TABLES]
    shards: dict[int, dict[str, Any]] = {}
    for key, value in state.values.items():
        shards.setdefault(zlib.crc32(key.encode()) % VALUES_SHARDS, {})[key] = value
    segments += [Segment(f"{STATE_PREFIX}values {number:02x}", shard, equal=True) for number, shard in sorted(shards.items())]
    return segments


MERGED_PREFIX = "merged "
"""Segments named so hold a share of the merged claims and events (`_merged_segments`)."""
MERGED_SHARDS = 64
LINK_ORDER = "link order"
"""The segment of what the last link kept besides the articles' results and the merged entities."""
WHERE_PREFIX = "where "
"""Segments named so hold where the fields of a merged shard's entities were given (`MergedEntity.where`, in
the shard's order): checked at load, unpickled when the build first reads one of them (`_Wheres`)."""


def _merged_segments(memory: Any, origin: Origin | None = None) -> list[Segment | Kept]:
    """The last link's merged claims and events and its lists in order, for the next process to link as a session does.

    Without them a new process merged and checked every claim and event
    again (27,000 at 10,000 articles) and the scope check digested each
    (`_known_topic_digests`). Entities are spread over `MERGED_SHARDS`
    segments by a hash of their key: a save pickles the shards holding an
    entity the edit merged or checked again and keeps the others. The
    objects they share with the articles' segments (occurrences, mentions,
    the articles themselves) are named by key (`_link_keys`), never copied:
    an entity that names an article's occurrence is merged again whenever
    that article is linked again, so a shard kept unchanged names only
    objects of articles whose segments are unchanged too.
    Where each entity's fields were given goes to a where segment per shard
    (`_Wheres`): kept while the shard's entities are the very objects read and
    none of them was asked where (the bytes held since the load say it)."""
    if not isinstance(memory, LinkMemory):
        return []
    refs = Keyed(_link_keys(memory.articles))
    shards: dict[int, list[tuple]] = {}
    for key, merged in memory.entities.items():
        shards.setdefault(_shard(key), []).append(("merged", key, merged, memory.checks.get(key)))
    reducers: dict[type, Any] = {type(merged): reduce_merged_head for merged in memory.entities.values() if is_hollow(merged)}
    reducers[MergedEntity] = reduce_merged_head
    segments: list[Segment | Kept] = []
    for number, rows in sorted(shards.items()):
        rows.sort(key=_entity_key)
        name, where = f"{MERGED_PREFIX}{number:02x}", f"{WHERE_PREFIX}{number:02x}"
        segments.append(Segment(name, rows, refs, reducers=reducers))
        if origin is not None and where in origin.placed and all(is_hollow(row[2]) for row in rows) and origin.reusable(name, rows, refs) is not None:
            segments.append(Kept(where))
        else:
            segments.append(Segment(where, tuple([row[2].where for row in rows])))
    order = (
        memory.ordered_articles, tuple(memory.claims), tuple(memory.events), memory.mentions,
        memory.check_context, memory.rereads, memory.timeline, memory.timeline_groups,
    )
    segments.append(Segment(LINK_ORDER, order, refs))  # not a list of rows: pickled by every save (it changes with any edit)
    return segments


def _entity_key(row: tuple) -> EntityKey:
    return row[1]


def _shard(key: EntityKey) -> int:
    return zlib.crc32(f"{key[0]}:{key[1]}".encode()) % MERGED_SHARDS


def _link_keys(articles: dict[str, LinkedArticle]) -> dict[int, tuple]:
    """id of each object of the articles' link results that the merged segments name -> its key there."""
    return {id(obj): key for key, obj in _link_objects(articles)}


def _link_objects(articles: dict[str, LinkedArticle]) -> list[tuple[tuple, object]]:
    """(key, object) for each article, each occurrence of a claim or event in it, and each mention it makes."""
    found: list[tuple[tuple, object]] = []
    for stem, linked in articles.items():
        if linked.article is not None:
            found.append((("a", stem), linked.article))
        found += [(("o", stem, number), occurrence) for number, (_, _, occurrence) in enumerate(linked.entries)]
        found += [(("m", stem, number), mention) for number, (_, mention) in enumerate(linked.mentions)]
    return found


class _LinkObjects(Mapping[tuple, object]):
    """The objects `_link_objects` names, found by key when asked for rather than all listed first
    (some 50,000 at 10,000 articles, of which a load asks for those the merged entities name)."""

    def __init__(self, links: dict[str, LinkedArticle]):
        self.links = links

    def __getitem__(self, key: tuple) -> object:
        linked = self.links[key[1]]
        if key[0] == "a" and linked.article is not None:
            return linked.article
        if key[0] == "o":
            return linked.entries[key[2]][2]
        if key[0] == "m":
            return linked.mentions[key[2]][1]
        raise KeyError(key)

    def __iter__(self) -> Iterator[tuple]:
        return (key for key, _ in _link_objects(self.links))

    def __len__(self) -> int:
        return len(_link_objects(self.links))

    def __bool__(self) -> bool:  # not through __len__, which lists them all
        return bool(self.links)


def _saved_memory(origin: Origin, names: list[str], links: dict[str, LinkedArticle], people: Any) -> LinkMemory | None:
    """The last link's memory rebuilt from the saved segments, so this process's link merges only what an edit
    touched; None when there is none (or it cannot be read: then every entity is merged again, as without it).

    Each entity's contributions are derived again from the articles' results
    (as the last link grouped them), not saved."""
    if people is None or LINK_ORDER not in origin.placed:
        return None
    lookup = _LinkObjects(links)
    entities: dict[EntityKey, Any] = {}
    checks: dict[EntityKey, Any] = {}
    wheres = _Wheres(origin)
    try:
        for name in names:
            if name.startswith(MERGED_PREFIX):
                rows = origin.read(name, lookup)
                wheres.hollow_out(WHERE_PREFIX + name.removeprefix(MERGED_PREFIX), tuple([row[2] for row in rows]))
                for _, key, merged, checked in rows:
                    entities[key] = merged
                    if checked is not None:
                        checks[key] = checked
        ordered, claim_ids, event_ids, mentions, context, rereads, timeline, timeline_groups = origin.read(LINK_ORDER, lookup)
        claims = {claim_id: entities[("claim", claim_id)].entity for claim_id in claim_ids}
        events = {event_id: entities[("event", event_id)].entity for event_id in event_ids}
    except Exception:  # noqa: BLE001 - derived data: without it the link merges every entity again
        for name in [name for name in origin.decoded if name.startswith(MERGED_PREFIX) or name == LINK_ORDER]:
            del origin.decoded[name]
        return None
    groups: dict[EntityKey, dict[str, Contribution]] = {}
    for stem, linked in links.items():
        if linked.article is not None:
            for key, entry, occurrence in linked.entries:
                groups.setdefault(key, {})[stem] = Contribution(linked.article.seed_path, entry, occurrence)
    return LinkMemory(people, links, groups, timeline, timeline_groups, entities, context, checks, rereads, ordered, claims, events, mentions)


def _put(caches: Caches, row: tuple) -> None:
    """Put one saved row back in its table: (table, key, value) of a dict, (table, key, value, *objects) of a `ByIdentity`."""
    table = getattr(caches, row[0])
    if isinstance(table, dict):
        table[row[1]] = row[2]
    else:
        table.put(row[3:], row[1], row[2])


class _Bodies:
    """Reads a hollow article's body (`hollow.py`) from its segment, the first time the build reads it.

    The segment's bytes were read and checked at load (`Origin.hold`): a body
    damaged on disk makes the whole state unusable then, a clean build; one
    damaged after the load is never read. A forked worker reads the bytes its
    parent held."""

    def __init__(self, origin: Origin, caches: Caches):
        self.origin = origin
        self.caches = caches
        self.hollow = hollow_class(self.fill)

    def hollow_out(self, article: Article) -> None:
        """Make an article read without its body (`hollow.make_head`) read it on first use."""
        if BODY_PREFIX + article.stem not in self.origin.placed:
            raise Damaged  # a saved article without its body
        article.__class__ = self.hollow

    def fill(self, article: Article) -> None:
        rows = self.origin.read(BODY_PREFIX + article.stem)
        for row in rows:
            if row[0] == "body":
                for name, value in zip(BODY_FIELDS, row[2], strict=True):
                    object.__setattr__(article, name, value)
            else:
                _put(self.caches, row)
        article.__class__ = Article


class _Wheres:
    """Reads where the fields of a merged shard's entities were given (`MergedEntity.where`) from its where
    segment, for all of them the first time the build asks one (`hollow.hollow_merged_class`).

    As `_Bodies`: the bytes were checked at load (`Origin.hold`)."""

    def __init__(self, origin: Origin):
        self.origin = origin
        self.hollow = hollow_merged_class(self.fill)
        self.shards: dict[int, str] = {}
        """id of each hollow entity -> its where segment."""
        self.heads: dict[str, tuple[MergedEntity, ...]] = {}

    def hollow_out(self, name: str, heads: tuple[MergedEntity, ...]) -> None:
        if name not in self.origin.placed:
            raise KeyError(name)  # a merged shard without its where segment: merged again, as without the shard
        self.heads[name] = heads
        for merged in heads:
            object.__setattr__(merged, "__class__", self.hollow)  # frozen: not through its own __setattr__
            self.shards[id(merged)] = name

    def fill(self, merged: MergedEntity) -> None:
        name = self.shards[id(merged)]
        heads = self.heads.pop(name)
        wheres = self.origin.read(name, keep=False)
        for head, where in zip(heads, wheres, strict=True):
            object.__setattr__(head, "where", where)
            del self.shards[id(head)]
        for head in heads:
            object.__setattr__(head, "__class__", MergedEntity)


class _Records:
    """Reads the fields of an article's hollow records (`hollow.hollow_record_class`) from its record segment,
    all of them the first time the build reads one (its sidecar's record, or one of its claims' or events' entries).

    As `_Bodies`: the bytes were checked at load (`Origin.hold`)."""

    def __init__(self, origin: Origin):
        self.origin = origin
        self.hollow = hollow_record_class(self.fill)
        self.stems: dict[int, str] = {}
        """id of each hollow record -> its article (they are alive as long as the origin's rows)."""
        self.heads: dict[str, tuple[Record, ...]] = {}
        """Article -> its hollow records, in the order its record segment holds their fields."""

    def hollow_out(self, stem: str, heads: tuple[Record, ...]) -> None:
        """Make the empty records of an article's segment (`empty_record`) read their fields on first use."""
        if not heads:
            return
        if RECORD_PREFIX + stem not in self.origin.placed:
            raise Damaged  # a saved article without its records' fields
        self.heads[stem] = heads
        for record in heads:
            record.__class__ = self.hollow
            self.stems[id(record)] = stem

    def fill(self, record: Record) -> None:
        stem = self.stems[id(record)]
        heads = self.heads.pop(stem)
        fields = self.origin.read(RECORD_PREFIX + stem, heads, keep=False)
        for head, values in zip(heads, fields, strict=True):
            set_record_fields(head, values)
            del self.stems[id(head)]
        for head in heads:
            head.__class__ = Record


def _head_records(rows: list) -> tuple[Record, ...]:
    """The records an article's segment holds (its sidecar's, from its file and its link, and its link's
    entries), in the order of its rows: saved empty there (`_reduce_record`), their fields in its record segment."""
    found: dict[int, Record] = {}
    for row in rows:
        if row[0] == "files" and isinstance(row[2][1], Record):
            found.setdefault(id(row[2][1]), row[2][1])
        elif row[0] == "link":
            linked: LinkedArticle = row[2]
            if linked.record is not None:
                found.setdefault(id(linked.record), linked.record)
            for _, entry, _ in linked.entries:
                found.setdefault(id(entry), entry)
    return tuple(found.values())


def _reduce_record(heads: Collection[int], record: Record) -> tuple:
    """Pickle one of an article's `_head_records` empty (its fields go to its record segment), any other record whole."""
    if id(record) in heads:
        return empty_record, ()
    return Record, record_fields(record)


class _Restorer:
    """Reads an article's memo segment the first time the build asks for it (`Caches.restore_article`).

    A memo segment found damaged (or unreadable) is left unread: what it held
    is made again from the sources, and the next save leaves it out."""

    def __init__(self, origin: Origin, caches: Caches):
        self.origin = origin
        self.caches = caches
        self.failed: set[str] = set()
        """Memo segments that could not be read."""

    def __call__(self, stem: str) -> None:
        name = MEMO_PREFIX + _article_segment(stem)
        origin = self.origin
        if name not in origin.placed or name in origin.decoded or name in self.failed:
            return
        eager = origin.decoded.get(_article_segment(stem))
        try:
            rows = origin.read(name, _references(eager[0] if eager is not None else []))
            with collector_paused():
                for row in rows:
                    _put(self.caches, row)
        except Exception:  # noqa: BLE001 - damaged or unreadable: a memo, made again from the sources
            origin.decoded.pop(name, None)
            self.failed.add(name)


def _known_topic_digests(caches: Caches, links: dict[str, Any], state: BuildState) -> None:
    """The digests the last build gave each article's topics, remembered for the very objects loaded.

    An article the link keeps is the object that was digested then (a graph
    never changes an article after link; see `topics.py`), so its topics keep
    their digest without being computed again: the scope check costs what
    changed. An article linked again is a new object, digested anew. So are
    the claims and events the saved link memory holds (`_saved_memory`), and
    each person's list of mentions: the link keeps those no edit touched."""
    memo, topics = caches.topic_digests, state.topics
    known: list[tuple[object, str, str]] = []
    """(an object of the graph to be, its kind of digest in `topics.Topics`, its topic)"""
    for stem, linked in links.items():
        article = linked.article
        if article is not None:
            known += [(article, "", f"article:{stem}"), (article, "summary", f"summary:{stem}")]
    memory = caches.link
    if isinstance(memory, LinkMemory):  # the merged claims and events, and who is mentioned where, as the last link left them
        for claim_id, claim in memory.claims.items():
            known += [(claim, "", f"claim:{claim_id}"), (claim, "place", f"claim-place:{claim_id}")]
        known += [(event, "", f"event:{event_id}") for event_id, event in memory.events.items()]
        known += [(mentions, "mentions", f"mentions:{pid}") for pid, mentions in memory.mentions.items()]
    for part, kind, topic in known:
        digest = topics.get(topic)
        if digest is not None:
            memo.put((part,), (kind,), digest)


def _cache_segments(caches: Caches, origin: Origin | None) -> list[Segment | Unread | Kept]:
    """The session's caches as rows, one segment per source file (an article's seed and sidecar together),
    and per article a body segment, a record segment and a memo segment.

    A row is (table, key, value) of a dict, or (table, key, value, *objects)
    of a `ByIdentity` table. What was made from an article's seed (its parsed
    text, the names and quotes found in it...) goes with the file it came
    from, found through the objects it is keyed by, so that an edit changes
    the segments of the files edited and leaves the others byte for byte.
    An article's segment holds what every build needs (its files' records,
    its link with its article's head, `EAGER_TABLES`); its body segment the
    article's body and the digests of its text and names (`BODY_TABLES`); its
    record segment the fields of the records its segment holds empty
    (`_record_segment`); the rest goes to its memo segment, which names the objects of the first two
    as references (`_references`) so that its rows find them by identity once
    read. A memo segment that was never read is kept while its article's
    segment is (its references are those of the bytes kept), and left out otherwise.
    An article the build left as it was read (`_unchanged_articles`: most of
    them, after an edit) keeps its segments as they are, without its
    rows being made again or compared.
    The Jinja environment, the compiled language and the tables marked ``saved: False`` are not saved."""
    unchanged = _unchanged_articles(caches, origin)
    skip_files = {row[1] for rows in unchanged.values() for row in rows if row[0] == "files"}
    articles = caches.link.articles if isinstance(caches.link, LinkMemory) else {}
    filled: dict[str, Article] = {}
    for stem in unchanged:
        article = articles[stem].article
        if article is not None and not is_hollow(article):
            filled[stem] = article
    """Untouched articles whose body the build read (a page of them rendered again): their body segments are
    made here of the body and its digests (`_body_rows`), and kept while those are what was read."""
    skip_digests = {id(part) for article in filled.values() for part in (article.text, article.names)}
    untouched = list(unchanged)
    groups: dict[str, list] = {}
    owner: dict[Any, str] = {}
    """id of an object a row was made from -> its segment (all of them are alive in the caches
    meanwhile); and a seed's text -> its segment (a build reads the seed again: an equal new text)."""
    hollow: list[str] = []
    """Articles whose body was never read: their body segments are kept as they are."""
    reducers: dict[type, Any] = {Article: reduce_head}
    for row in _rows(caches, skip_files, unchanged.keys(), skip_digests):
        group = _segment_of(row, owner)
        if group.startswith("article "):
            if row[0] in BODY_TABLES:
                group = BODY_PREFIX + group.removeprefix("article ")
            elif row[0] not in EAGER_TABLES:
                group = MEMO_PREFIX + group
        groups.setdefault(group, []).append(row)
        _own(row, group, owner)
        if row[0] == "link" and row[2].article is not None and is_hollow(row[2].article):
            hollow.append(row[1])
            reducers[type(row[2].article)] = reduce_head
    for stem in [stem for stem in unchanged if _article_names(stem) & groups.keys()]:  # rows made for it after all
        rows = unchanged.pop(stem)
        groups.setdefault(_article_segment(stem), []).extend(rows)
        for row in rows:
            if row[0] == "link" and row[2].article is not None and is_hollow(row[2].article):
                reducers[type(row[2].article)] = reduce_head
    segments: list[tuple[str, Segment | Unread | Kept]] = []
    kept: set[str] = set()
    heads: set[int] = set()
    """ids of the records the article segments made here hold empty (`_head_records`)."""
    reducers[Record] = functools.partial(_reduce_record, heads)
    for name, rows in groups.items():
        if name.startswith(MEMO_PREFIX):
            continue
        rows.sort(key=_row_order)
        if name.startswith("article "):
            segments += _record_segment(name.removeprefix("article "), rows, origin, heads, reducers)
        if name.startswith(BODY_PREFIX):
            segments.append((name, Segment(name, rows)))
        else:
            segments.append((name, Segment(name, rows, reducers=reducers if name.startswith("article ") else None)))
        if origin is not None and origin.reusable(name, rows) is not None:
            kept.add(name)
    if origin is not None:
        segments += [(BODY_PREFIX + stem, Kept(BODY_PREFIX + stem)) for stem in hollow]
        for stem in untouched:
            name = BODY_PREFIX + stem
            if stem in filled:
                rows = _body_rows(stem, filled[stem], caches.value_digests)
                segments.append((name, Segment(name, rows)))  # kept while the same objects
            elif name in origin.placed:
                segments.append((name, Kept(name)))
        for stem in unchanged:
            name = _article_segment(stem)
            segments.append((name, Kept(name)))
            if RECORD_PREFIX + stem in origin.placed:
                segments.append((RECORD_PREFIX + stem, Kept(RECORD_PREFIX + stem)))
            if MEMO_PREFIX + name in origin.placed:
                segments.append((MEMO_PREFIX + name, Unread(MEMO_PREFIX + name)))  # never read: see `_unchanged_articles`
    memos = {MEMO_PREFIX + name for name in groups if name.startswith("article ")}
    for name in memos:
        head = name.removeprefix(MEMO_PREFIX)
        if name in groups:
            rows = groups[name]
            if origin is not None and name in origin.placed and name not in origin.decoded:
                rows = _merged_rows(_unread_rows(origin, name, head), rows)  # an article not linked again: keep its old rows too
            segments.append((name, Segment(name, rows, _references(groups[head]))))
        elif origin is not None and name in origin.placed and name not in origin.decoded and head in kept:
            segments.append((name, Unread(name)))  # kept where it is, or copied by a compaction (left out if found damaged then)
    segments.sort(key=_segment_order)
    return [segment for _, segment in segments]


def _record_segment(stem: str, rows: list, origin: Origin | None, heads: set[int], reducers: dict[type, Any]) -> list[tuple[str, Segment | Kept]]:
    """The record segment of an article whose segment is made of ``rows``: kept while its records are the very
    objects the load read, none of them read since (their fields are what the segment holds), else their
    fields pickled anew (once read, written again: the bytes on disk may have changed since the load checked them)."""
    records = _head_records(rows)
    if not records:
        return []
    heads.update(map(id, records))
    for record in records:
        reducers.setdefault(type(record), reducers[Record])  # a hollow one's class too
    name = RECORD_PREFIX + stem
    read = origin.decoded.get(_article_segment(stem)) if origin is not None else None
    if origin is not None and read is not None and name in origin.placed:
        before = _head_records(read[0])
        if len(before) == len(records) and all(map(operator.is_, before, records)) and all(map(is_hollow, records)):
            return [(name, Kept(name))]
    return [(name, Segment(name, tuple(map(record_fields, records)), records))]


def _body_rows(stem: str, article: Article, digests: ByIdentity[bytes]) -> list[tuple]:
    """The rows of an article's body segment, as `_rows` and `_cache_segments` would group them."""
    rows: list[tuple] = [("body", stem, body_of(article))]
    for part in (article.text, article.names):
        digest = digests.find((part,), ())
        if digest is not None:
            rows.append(("value_digests", (), digest, part))
    return rows


def _segment_order(named: tuple[str, Any]) -> tuple[bool, str]:
    """Memo segments after all others, each kind by name (as a load reads them)."""
    return named[0].startswith(MEMO_PREFIX), named[0]


def _article_names(stem: str) -> set[str]:
    name = _article_segment(stem)
    return {name, BODY_PREFIX + stem, RECORD_PREFIX + stem, MEMO_PREFIX + name}


def _unchanged_articles(caches: Caches, origin: Origin | None) -> dict[str, list]:
    """The articles the build left as the load read them: stem -> the rows of its segment as read.

    Each of its files still has the very record the load read (their stat
    did not move), its link is the one read and its memo segment was not
    read (it was not linked again): so its segment and its memo segment
    would be made of the same rows, and are kept without making them (at
    10,000 articles, 0.6 s of every save); so is its body segment if the
    body was never read (no page of it was rendered again). Only the link
    makes rows of an article's memo tables, and only of the articles it
    links: what else the build can have made of it are the digests of its
    text and names (`_body_rows`)."""
    memory = caches.link
    if origin is None or not isinstance(memory, LinkMemory):
        return {}
    files, articles = caches.files, memory.articles
    found: dict[str, list] = {}
    for name, (rows, _) in origin.decoded.items():
        if not name.startswith("article ") or MEMO_PREFIX + name in origin.decoded:
            continue
        for row in rows:
            if row[0] == "files":
                same = files.get(row[1]) is row[2]
            elif row[0] == "link":
                linked: LinkedArticle = row[2]
                same = articles.get(row[1]) is linked
            else:
                same = False
            if not same:
                break
        else:
            found[name.removeprefix("article ")] = rows
    return found


def _merged_rows(old: list, new: list) -> list:
    """A memo segment's saved rows with the rows this build added, each entry once (the new one)."""
    made = {_row_identity(row) for row in new}
    return [row for row in old if _row_identity(row) not in made] + new


def _row_identity(row: tuple) -> tuple:
    return (row[0], row[1], *map(id, row[3:]))


def _unread_rows(origin: Origin, name: str, article: str) -> list:
    """The rows of a memo segment no one read (an empty list if they cannot be read)."""
    eager = origin.decoded.get(article)
    try:
        return list(origin.read(name, _references(eager[0] if eager is not None else []), keep=False))
    except Exception:  # noqa: BLE001 - damaged or unreadable: a memo, made again when needed
        return []


def _rows(caches: Caches, skip_files: Collection[tuple] = (), skip_links: Collection[str] = (), skip_digests: Collection[int] = ()) -> list[tuple]:
    """Every row to save, table by table, each article's link (and body, if it was read) right after the files:
    the objects it holds (its parsed text, the names found) then own the rows keyed by them (`_own`).
    Leaves out the files ``skip_files``, the links of ``skip_links`` (`_unchanged_articles`) and the digests of
    the objects whose ids are ``skip_digests``."""
    rows: list[tuple] = []
    for field in dataclasses.fields(caches):
        table = getattr(caches, field.name)
        if not field.metadata.get("saved", True):
            continue
        if field.name == "files" and skip_files:
            rows += [(field.name, key, value) for key, value in table.items() if key not in skip_files]
        elif isinstance(table, dict):
            rows += [(field.name, key, value) for key, value in table.items()]
        elif field.name == "value_digests" and skip_digests:
            rows += [(field.name, key, value, *objects) for objects, key, value in table.__getstate__()[1] if id(objects[0]) not in skip_digests]
        elif isinstance(table, ByIdentity):
            rows += [(field.name, key, value, *objects) for objects, key, value in table.__getstate__()[1]]
        memory = caches.link
        if field.name == "files" and isinstance(memory, LinkMemory):
            for stem, linked in memory.articles.items():
                if stem in skip_links:
                    continue
                rows.append(("link", stem, linked))
                if linked.article is not None and not is_hollow(linked.article):
                    rows.append(("body", stem, body_of(linked.article)))
            rows.append(("link-people", "", memory.people))
    return rows


def _row_order(row: tuple) -> tuple:
    """Rows of an article's segment in a fixed order, which `_references` relies on: its files by path, then its link."""
    return (EAGER_TABLES.index(row[0]) if row[0] in EAGER_TABLES else len(EAGER_TABLES), repr(row[1]) if row[0] in ("files", "link") else "")


def _references(rows: list) -> tuple:
    """The objects of an article's segment that its memo rows are keyed by: the records and text its
    files loaded (with each claim's and event's entry), its parsed text and the names found in it."""
    found: dict[int, object] = {}
    for row in rows:
        if row[0] == "files":
            made = row[2][1]
            if made is None:
                continue
            found.setdefault(id(made), made)
            values = getattr(made, "values", None)
            if isinstance(values, dict):
                for listed in (values.get("claims"), values.get("events")):
                    for entry in listed if isinstance(listed, list) else ():
                        found.setdefault(id(entry), entry)
        elif row[0] == "link" and row[2].article is not None:
            article = row[2].article
            found.setdefault(id(article.text), article.text)
            found.setdefault(id(article.names), article.names)
    return tuple(found.values())


def _segment_of(row: tuple, owner: dict[Any, str]) -> str:
    table, key = row[0], row[1]
    if table == "files":
        return _file_segment(key[1])
    if table == "parsed":
        return _file_segment(key[0])
    if table == "link":
        return _article_segment(key)
    if table == "body":
        return BODY_PREFIX + key
    if table == "link-people":
        return "link people"
    if table == "seeds":
        found = owner.get(key[0])
    elif table == "names_in_block":
        found = owner.get(id(key[1]))
    elif len(row) > 3:
        found = owner.get(id(row[3]))
    else:
        found = None
    return found if found is not None else table


def _article_segment(stem: str) -> str:
    return f"article {stem}"


def _file_segment(rel: str) -> str:
    """A seed and its sidecar share a segment; any other file has its own."""
    path = PurePosixPath(rel)
    if rel.startswith(("seeds/", "content/articles/")):
        return _article_segment(path.stem)
    return f"file {rel}"


def _own(row: tuple, group: str, owner: dict[Any, str]) -> None:
    """Note the objects a row made, for the rows made from them to join its segment."""
    group = group.removeprefix(MEMO_PREFIX)
    table, value = row[0], row[2]
    if table == "files" and isinstance(value[1], str):  # a seed's text: the key of its parsed blocks
        owner.setdefault(value[1], group)
    elif table == "parsed":
        owner.setdefault(id(value[0]), group)
    elif table == "seeds":
        for part in value:
            owner.setdefault(id(part), group)
            for block in getattr(part, "blocks", ()):
                owner.setdefault(id(block.text), group)
    elif table == "names_in_text":
        owner.setdefault(id(value), group)
    elif table == "link" and value.article is not None and not is_hollow(value.article):  # a hollow one's body is in no row
        text = value.article.text
        owner.setdefault(id(text), group)
        owner.setdefault(id(value.article.names), group)
        for block in text.blocks:
            owner.setdefault(id(block.text), group)


def _output_stats(output: Path, outputs: dict[str, bytes], loaded: SavedState | None = None) -> dict[str, tuple[int, int]]:
    """Each output file's (size, modification time), to know at the next load that it still holds what was written.

    A file that holds what it held when ``loaded`` was checked against the
    output (the same digest) keeps the stat seen then: the write keeps or
    hard-links an unchanged file, the very inode (a file written again with
    the same bytes has a new time: the next load reads it and compares, and
    trusts it). So a save after an edit stats the files the edit wrote, not
    the whole site (67,000 at 10,000 articles)."""
    before = loaded.state.outputs if loaded is not None else {}
    seen = loaded.stats if loaded is not None else {}
    stats = {}
    folder = str(output)
    for rel, digest in outputs.items():
        known = seen.get(rel)
        if known is not None and before.get(rel) == digest:
            stats[rel] = known
            continue
        try:
            stat = os.stat(os.path.join(folder, rel))  # plain strings: some 67,000 files at 10,000 articles
        except OSError:
            continue
        stats[rel] = (stat.st_size, stat.st_mtime_ns)
    return stats


def _changed_output(output: Path, saved: SavedState, inodes: dict[str, int]) -> tuple[str | None, list[str]]:
    """The first file the build wrote that no longer holds what it wrote, if any, and the files that are gone.

    A file whose size and modification time are as recorded is taken as
    is; any other is read and compared with its recorded digest, so a copy
    restored with coarser times (a CI cache) is still trusted, and its stat
    as seen now is what the next save records (`_output_stats`). A missing
    file is no harm: the next build makes it again (`_forget_missing`).
    ``inodes``: filled with each file's inode, for the write (`previoussite.LiveFiles`)."""
    missing: list[str] = []
    folder = str(output)
    stats = saved.stats
    for rel, digest in saved.state.outputs.items():
        try:
            stat = os.stat(os.path.join(folder, rel))
        except FileNotFoundError:
            missing.append(rel)
            stats.pop(rel, None)
            continue
        except OSError:
            return rel, missing
        inodes[rel] = stat.st_ino
        seen = (stat.st_size, stat.st_mtime_ns)
        if stats.get(rel) == seen:
            continue
        try:
            data = (output / rel).read_bytes()
        except OSError:
            return rel, missing
        if digest_bytes(data) != digest:
            return rel, missing
        stats[rel] = seen  # read and found as written: the stat it has now
    return None, missing


def _forget_missing(state: BuildState, missing: list[str]) -> None:
    """Make the state say what the output holds now: a page that is gone is rendered again, a search shard remade.

    The build then never needs to look at the old site to decide what to
    keep from it (the write stage hard-links what it keeps)."""
    for rel in missing:
        del state.outputs[rel]
        state.pages.pop(rel, None)
        if rel.startswith(SEARCH_BUNDLE):
            shard = shard_of(rel)
            if shard is None:  # a file all shards share: index everything again
                state.search_shards.clear()
            else:
                state.search_shards.pop(shard, None)


def _unusable(path: Path, stream: Any, why: str) -> Loaded:
    with contextlib.suppress(OSError):
        stream.close()
    return Loaded(None, f"note: the saved build state {CACHE_FOLDER}/{path.name} is {why}; building everything")
