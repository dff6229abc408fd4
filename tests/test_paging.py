"""Numbered pages: which items each shows, where it lives, what its navigation links."""

from __future__ import annotations

import pytest

from digest.views.paging import Pager, page_count, page_slice, page_url, page_urls


@pytest.mark.parametrize("total, pages", [(0, 1), (1, 1), (99, 1), (100, 1), (101, 2), (200, 2), (201, 3)])
def test_page_count_at_the_boundaries(total, pages):
    assert page_count(total, 100) == pages


def test_the_first_page_keeps_the_lists_own_url():
    assert page_url("claims/status/reported/", 1) == "claims/status/reported/"
    assert page_url("claims/status/reported/", 2) == "claims/status/reported/page/2/"
    assert page_urls("people/", 101, 100) == ["people/", "people/page/2/"]
    assert page_urls("people/", 0, 100) == ["people/"]


def test_slices_cover_every_item_once_and_a_page_past_the_end_is_gone():
    items = list(range(101))
    assert page_slice(items, 1, 100) == tuple(range(100))
    assert page_slice(items, 2, 100) == (100,)
    assert page_slice([], 1, 100) == ()
    for number in (0, 3):
        with pytest.raises(KeyError):
            page_slice(items, number, 100)


@pytest.mark.parametrize("number, links", [
    (1, [1, 2, 3, None, 20]),
    (4, [1, 2, 3, 4, 5, 6, None, 20]),
    (6, [1, None, 4, 5, 6, 7, 8, None, 20]),
    (20, [1, None, 18, 19, 20]),
])
def test_links_show_the_ends_and_the_neighbourhood(number, links):
    assert Pager("people/", number, 2000, 100).links() == links


def test_a_pager_says_which_items_it_shows():
    pager = Pager("people/", 2, 250, 100)
    assert (pager.count, pager.first_item, pager.last_item, pager.previous, pager.next) == (3, 101, 200, 1, 3)
    assert pager.label == "page 2 of 3" and pager.url(3) == "people/page/3/"
    last = Pager("people/", 3, 250, 100)
    assert (last.first_item, last.last_item, last.next) == (201, 250, None)
    assert Pager("people/", 1, 7, 100).label == ""
