"""Results remembered across rebuilds by the identity of the objects they came from.

A rebuild reuses the objects of unchanged inputs: a file whose bytes did
not change gives the very same parsed record, a seed the very same parsed
text (see `load.py`, `link._parse_seed`). Work derived from such immutable
objects (normalised text, anchored quotes, names found, digests) is then
looked up by their ``id`` instead of being done again. Each entry keeps
the objects themselves, so an id cannot be reused by a new object while
its entry exists, and a hit is checked with ``is``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class ByIdentity(Generic[T]):
    """A bounded map from (objects, plain key) to what was made of them."""

    def __init__(self, limit: int):
        self.limit = limit
        self._entries: dict[tuple, tuple[tuple[object, ...], T]] = {}

    def get(self, objects: tuple[object, ...], key: tuple[Hashable, ...], make: Callable[[], T]) -> T:
        """What ``make`` returned for these very objects and ``key``, making it if new."""
        full_key = (*map(id, objects), *key)
        entry = self._entries.get(full_key)
        if entry is not None and all(map(operator.is_, entry[0], objects)):
            return entry[1]
        value = make()
        if len(self._entries) >= self.limit:  # a crude bound: a long session starts afresh
            self._entries.clear()
        self._entries[full_key] = (objects, value)
        return value

    def find(self, objects: tuple[object, ...], key: tuple[Hashable, ...]) -> T | None:
        """What was made of these very objects and ``key``, if it is remembered (nothing is made)."""
        entry = self._entries.get((*map(id, objects), *key))
        return entry[1] if entry is not None and all(map(operator.is_, entry[0], objects)) else None

    def put(self, objects: tuple[object, ...], key: tuple[Hashable, ...], value: T) -> None:
        """Remember ``value`` as what was made of these very objects (a saved state's entries, say)."""
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[(*map(id, objects), *key)] = (objects, value)

    def __getstate__(self) -> tuple[int, list[tuple[tuple[object, ...], tuple, T]]]:
        """Entries without the ids of their objects, which mean nothing in another process."""
        return self.limit, [(objects, full_key[len(objects):], value) for full_key, (objects, value) in self._entries.items()]

    def __setstate__(self, state: tuple[int, list[tuple[tuple[object, ...], tuple, T]]]) -> None:
        """Key the entries again by the ids their objects have now (pickle keeps shared objects shared)."""
        self.limit, entries = state
        self._entries = {(*map(id, objects), *key): (objects, value) for objects, key, value in entries}
