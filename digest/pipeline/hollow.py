"""Articles read from a saved state without their bodies, which are read on first use.

A build after a one-file edit needs of every other article its head (title,
date, outlet, slug, who it names: what listings, the graph's index and the
scope check read), not its body (its parsed text, its passages, its earlier
versions, the names found in it, where: some 60 objects an article): the
body is read only when the article's page is rendered again or the article
is linked again. At 10,000 articles unpickling every
body was about a third of loading the state.

So a saved state pickles each article's head in the article's segment
(`reduce_head`: the body's fields left unset) and its body in a segment of its
own. The loaded article is a *hollow* one: an `Article` whose class is, until
its body is read, a subclass made for that load (`hollow_class`) that adds no
field and no slot, named ``Article`` too, whose ``__getattr__`` (reached only
for a field not set yet) fills the body and turns the object back into a plain
`Article`. So it is an `Article` for mypy, `isinstance` and ``repr`` (the scope
check digests the repr: the same bytes either way), and once filled nothing
tells it from one never saved.

A sidecar's `Record` and its claims' and events' entries are read so too:
the link of an untouched article compares its record by identity and never
reads it, yet a record with its entries was some 170 objects per article
(a `Location` for every field). The article's segment holds each of them as
an empty object (`empty_record`) and a record segment their fields; a
*hollow* record (`hollow_record_class`) fills itself and the other records
of its sidecar on the first use of any field.

So is where each field of a merged claim or event was given (`MergedEntity.where`, a
`Location` each): only checking it again reads it, which a build does for the
entities an edit merged again, each of them a new object.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from digest.graph.merge import MergedEntity
from digest.graph.model import Article
from digest.source.schema import Record

BODY_FIELDS = ("text", "passages", "versions", "names")
"""What an article's body segment holds: read when the article is linked again or its page rendered again.
The graph's index reads who every article names from its head (``named``, `model.build_index`)."""
HEAD_FIELDS = tuple(f.name for f in dataclasses.fields(Article) if f.name not in BODY_FIELDS)
assert len(HEAD_FIELDS) + len(BODY_FIELDS) == len(dataclasses.fields(Article))
RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(Record))
"""A hollow record has none of them: all are read on first use."""


class Hollow:
    """The mark of a hollow article's class (`hollow_class`): ``isinstance(article, Hollow)`` while its body is unread."""

    __slots__ = ()


def is_hollow(obj: object) -> bool:
    """Whether an article's body, or a record's fields, are not read yet."""
    return isinstance(obj, Hollow)


def body_of(article: Article) -> tuple:
    """The values of an article's body fields, in `BODY_FIELDS` order (filling a hollow article)."""
    return tuple([getattr(article, name) for name in BODY_FIELDS])


def reduce_head(article: Article) -> tuple:
    """Pickle an article without its body (a hollow one stays unfilled): `make_head` rebuilds it."""
    return make_head, tuple([getattr(article, name) for name in HEAD_FIELDS])


def make_head(*values: Any) -> Article:
    """An article with its head fields set and its body fields not set (see `hollow_class`)."""
    article: Any = object.__new__(Article)
    for name, value in zip(HEAD_FIELDS, values, strict=True):
        object.__setattr__(article, name, value)
    return article


def hollow_class(fill: Callable[[Article], None]) -> type[Article]:
    """A subclass of `Article` whose objects read their body with ``fill`` on first use.

    ``fill`` must set every field of `BODY_FIELDS` and then turn the object
    back into a plain `Article` (``article.__class__ = Article``: allowed, as
    the subclass adds no slot)."""
    return _hollow_subclass(Article, BODY_FIELDS, fill)


MERGED_BODY = ("where",)
"""What a merged entity's `hollow_merged_class` reads on first use."""
MERGED_HEAD = tuple(f.name for f in dataclasses.fields(MergedEntity) if f.name not in MERGED_BODY)


def reduce_merged_head(merged: MergedEntity) -> tuple:
    """Pickle a merged entity without `MERGED_BODY` (a hollow one stays unfilled): `make_merged_head` rebuilds it."""
    return make_merged_head, tuple([getattr(merged, name) for name in MERGED_HEAD])


def make_merged_head(*values: Any) -> MergedEntity:
    merged: Any = object.__new__(MergedEntity)
    for name, value in zip(MERGED_HEAD, values, strict=True):
        object.__setattr__(merged, name, value)
    return merged


def hollow_merged_class(fill: Callable[[MergedEntity], None]) -> type[MergedEntity]:
    """A subclass of `MergedEntity` whose objects read `MERGED_BODY` with ``fill`` on first use, as `hollow_class`'s do
    their body; ``fill`` must set it and turn the object back into a plain `MergedEntity`."""
    return _hollow_subclass(MergedEntity, MERGED_BODY, fill)


def empty_record() -> Record:
    """A record with no field set, to be made hollow (`hollow_record_class`) or filled."""
    record: Record = object.__new__(Record)
    return record


def record_fields(record: Record) -> tuple:
    """The values of a record's fields, in `RECORD_FIELDS` order (filling a hollow record)."""
    return tuple([getattr(record, name) for name in RECORD_FIELDS])


def set_record_fields(record: Record, values: tuple) -> None:
    """Set the fields of an empty record (`empty_record`), keeping its identity."""
    for name, value in zip(RECORD_FIELDS, values, strict=True):
        object.__setattr__(record, name, value)


def hollow_record_class(fill: Callable[[Record], None]) -> type[Record]:
    """A subclass of `Record` whose objects read their fields with ``fill`` on first use, as `hollow_class`'s do
    their body; ``fill`` must set every field of `RECORD_FIELDS` and turn the object back into a plain `Record`."""
    return _hollow_subclass(Record, RECORD_FIELDS, fill)


def _hollow_subclass(base: type[Any], body: tuple[str, ...], fill: Callable[[Any], None]) -> type[Any]:
    """A subclass of ``base`` that adds no slot, named as it, whose objects call ``fill`` the first time
    a field of ``body`` is asked for, compared, or pickled (see `hollow_class`)."""

    def __getattr__(self: Any, name: str) -> Any:  # only for a slot not set: a body not read yet
        if name not in body or not isinstance(self, Hollow):
            raise AttributeError(f"'{base.__name__}' object has no attribute '{name}'")
        fill(self)
        return getattr(self, name)

    def __eq__(self: Any, other: object) -> bool:  # the dataclass's compares classes: fill both first
        fill(self)
        if isinstance(other, base) and isinstance(other, Hollow):
            getattr(other, body[0])  # fills it
        return bool(self == other)

    def __reduce_ex__(self: Any, protocol: Any) -> Any:  # elsewhere than in a saved state's article segment: whole
        fill(self)
        return self.__reduce_ex__(protocol)

    namespace = {
        "__slots__": (), "__getattr__": __getattr__, "__eq__": __eq__, "__hash__": None, "__reduce_ex__": __reduce_ex__,
        "__qualname__": base.__qualname__, "__module__": base.__module__, "__doc__": base.__doc__,
    }
    return type(base.__name__, (base, Hollow), namespace)
