"""Articles read from a saved state without their bodies, which are read on first use.

A build after a one-file edit needs of every other article its head (title,
date, outlet, slug, the names found in it: what listings, the graph's index
and the scope check read), not its body (its parsed text, its passages, its
earlier versions): the body is read only when the article's page is rendered
again or the article is linked again. At 10,000 articles unpickling every
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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from digest.graph.model import Article

BODY_FIELDS = ("text", "passages", "versions")
"""What an article's body segment holds: read when the article is linked again or its page rendered again.
Not ``names``: the graph's index reads who every article names (`model.build_index`)."""
HEAD_FIELDS = tuple(f.name for f in dataclasses.fields(Article) if f.name not in BODY_FIELDS)
assert len(HEAD_FIELDS) + len(BODY_FIELDS) == len(dataclasses.fields(Article))


class Hollow:
    """The mark of a hollow article's class (`hollow_class`): ``isinstance(article, Hollow)`` while its body is unread."""

    __slots__ = ()


def is_hollow(article: Article) -> bool:
    return isinstance(article, Hollow)


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

    def __getattr__(self: Article, name: str) -> Any:  # only for a slot not set: a body not read yet
        if name not in BODY_FIELDS or not isinstance(self, Hollow):
            raise AttributeError(f"'Article' object has no attribute '{name}'")
        fill(self)
        return getattr(self, name)

    def __eq__(self: Article, other: object) -> bool:  # the dataclass's compares classes: fill both first
        fill(self)
        if isinstance(other, Article) and isinstance(other, Hollow):
            other.text  # noqa: B018 - fills it
        return self == other

    def __reduce_ex__(self: Article, protocol: Any) -> Any:  # elsewhere than in a saved state's article segment: whole
        fill(self)
        return self.__reduce_ex__(protocol)

    namespace = {
        "__slots__": (), "__getattr__": __getattr__, "__eq__": __eq__, "__hash__": None, "__reduce_ex__": __reduce_ex__,
        "__qualname__": Article.__qualname__, "__module__": Article.__module__, "__doc__": Article.__doc__,
    }
    return type(Article.__name__, (Article, Hollow), namespace)
