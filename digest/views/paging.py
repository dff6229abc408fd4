"""Long lists split into numbered pages: which items a page shows, and where it lives.

A page that listed the whole archive would be re-rendered by almost every
edit and grow past what a browser (or a reader) wants to load. A `Pager`
says which slice of a list one page shows; the first page keeps the list's
own URL (`claims/status/reported/`), later ones add `page/<n>/`. Pure: no
graph, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

WINDOW = 2
"""Page links shown either side of the current one; the first and last are always shown."""


def page_count(total: int, size: int) -> int:
    """Pages needed for ``total`` items; an empty list still has its (empty) first page."""
    return max(1, -(-total // size))


def page_url(base: str, number: int) -> str:
    """URL path of page ``number`` of the list at ``base`` ('people/' -> 'people/page/2/')."""
    return base if number == 1 else f"{base}page/{number}/"


def page_slice(items: Sequence[T], number: int, size: int) -> tuple[T, ...]:
    """The items page ``number`` shows; KeyError past the last page, as for any read of a page that is gone."""
    if number < 1 or number > page_count(len(items), size):
        raise KeyError(number)
    return tuple(items[(number - 1) * size : number * size])


def page_urls(base: str, total: int, size: int) -> list[str]:
    """URL paths of every page of a list, first to last."""
    return [page_url(base, number) for number in range(1, page_count(total, size) + 1)]


@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a list, and what its navigation links to."""

    base: str
    """URL path of the first page, relative to the site's base path: 'claims/status/reported/'."""
    number: int
    """This page, from 1."""
    total: int
    """Items in the whole list."""
    size: int
    """Items per page."""

    @property
    def count(self) -> int:
        return page_count(self.total, self.size)

    @property
    def first_item(self) -> int:
        """Position (from 1) of the first item on this page; 0 when the list is empty."""
        return min((self.number - 1) * self.size + 1, self.total)

    @property
    def last_item(self) -> int:
        return min(self.number * self.size, self.total)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None

    def url(self, number: int) -> str:
        return page_url(self.base, number)

    def links(self) -> list[int | None]:
        """Page numbers to link, None for a gap: [1, None, 4, 5, 6, 7, 8, None, 20] on page 6 of 20."""
        shown = {1, self.count, *range(self.number - WINDOW, self.number + WINDOW + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.count)
        out: list[int | None] = []
        for number in numbers:
            if out and out[-1] is not None and number - out[-1] == 2:
                out.append(number - 1)  # a gap of one page: show it rather than "…"
            elif out and out[-1] is not None and number - out[-1] > 2:
                out.append(None)
            out.append(number)
        return out

    @property
    def label(self) -> str:
        """'page 2 of 5' for titles; '' for a list that fits on one page."""
        return f"page {self.number} of {self.count}" if self.count > 1 else ""


def split_page_arg(arg: str) -> tuple[str, int]:
    """'<list>/<page number>' -> the list's key and the number; KeyError for anything else."""
    key, _, number = arg.rpartition("/")
    return key, page_number(number)


def page_number(arg: str) -> int:
    """A page number or a year (EDTF's may be 0 or negative) from a read's argument; KeyError (a read of something gone) for anything else."""
    if not (arg.removeprefix("-").isascii() and arg.removeprefix("-").isdigit()):
        raise KeyError(arg)
    return int(arg)
