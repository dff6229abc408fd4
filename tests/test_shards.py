"""search/shards.py: the searchable part of a page that Pagefind is fed, and what the render step hands over."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.search.index import index_shard
from digest.search.shards import page_part, searchable_part

PAGE = '<!doctype html><html lang="en"><head><title>T</title></head><body><nav>Menu</nav><main data-pagefind-body>{}</main></body></html>'


@pytest.mark.parametrize(("body", "dropped", "kept"), [
    ('<h1>Talks</h1><div data-pagefind-ignore><p>A list of links</p></div><p>The words.</p>', "A list of links", ""),
    ('<h1>Talks</h1><p>Security Council<a class="ref" data-pagefind-ignore href="/c/">Reported</a>. Peace.</p>', "Reported", ""),
    ('<h1>Talks</h1><ul data-pagefind-ignore="all"><li id="x">Gone</li></ul><h2 id="later">Later</h2><p>Anchored.</p>', "Gone", ""),
    ('<h1>Talks</h1><section data-pagefind-ignore><h2 id="m">Mentions</h2><ul><li>one</li></ul></section><p>Text.</p>', "Mentions", ""),
    ('<h1>Talks</h1><div data-pagefind-ignore><span data-pagefind-filter="Outlet">RT</span></div><p>Text.</p>', "", "Outlet"),
    ('<div data-pagefind-ignore><h1>The title from an ignored heading</h1></div><p>Text.</p>', "", "ignored heading"),
    ('<h1>Talks</h1><div data-pagefind-ignore><img src="/a.png" alt="a picture"></div><p>Text.</p>', "", "a picture"),
    ('<h1>Talks</h1><div data-pagefind-ignore data-pagefind-meta="names:A, B">x</div><p>Text.</p>', "", "names:A"),
    ('<h1>Talks</h1><section data-pagefind-ignore><span data-pagefind-meta="k:v"></span><ul data-pagefind-ignore><li>inner list</li></ul></section>'
     '<p>Text.</p>', "inner list", "k:v"),
    ('<h1>Talks</h1><div data-pagefind-ignore><div><div>nested</div></div><p>still ignored</p></div><div><p>After the divs.</p></div>', "still ignored", "After"),
    ('<h1>Talks</h1><p>Line<br data-pagefind-ignore>break</p>', "", "<br data-pagefind-ignore>"),
    ('<h1>Talks</h1><p><a class="person" href="/p/js/" data-person="js" title="Jake Sullivan">Sullivan</a> spoke.</p>', "Jake", "Sullivan</a>"),
    ('<h1 title="A heading">Talks</h1><p>A tag wrote title="kept" in the text; <a title="x > y" href="/">a link</a>.</p>',
     'title="A heading"', 'wrote title="kept" in'),
])
def test_ignored_elements_pagefind_takes_nothing_from_are_not_fed_and_it_indexes_the_same(body, dropped, kept):
    """Pagefind 1.5 takes filters, metadata, a title and an image from inside an ignored element, nothing else
    (its fossick/parser.rs): the part leaves out the rest, and Pagefind makes the same index of it as of the page."""
    html = PAGE.format(body).encode()
    part = searchable_part(html)
    assert part is not None and b"Menu" not in part
    if dropped:
        assert dropped.encode() not in part and len(part) < len(html)
    if kept:
        assert kept.encode() in part
    assert index_shard([("a/index.html", part)], (), "en") == index_shard([("a/index.html", html)], (), "en")


def test_a_renamed_person_leaves_the_part_of_an_article_naming_them_as_it_was():
    """The person's canonical name is only in the tooltip of each link to them, which Pagefind does not index."""
    link = '<p><a class="person" href="/people/js/" data-person="js" title="{}">Sullivan</a> met <a href="/x/" title="{}">them</a>.</p>'
    before = page_part(PAGE.format(link.format("Jake Sullivan", "Jake Sullivan")).encode())
    after = page_part(PAGE.format(link.format("Jacob M. Sullivan", "Jacob M. Sullivan")).encode())
    assert before is not None and after is not None and before.digest == after.digest


def test_a_page_with_nothing_marked_has_no_part():
    assert searchable_part(b"<html><body><p>A list page</p></body></html>") is None
    assert page_part(b"<html><body><p>A list page</p></body></html>") is None


def test_a_handed_part_is_the_part_and_its_digest():
    html = PAGE.format('<h1>Talks</h1><div data-pagefind-ignore>list</div><p>Words.</p>').encode()
    handed = page_part(html)
    assert handed is not None and handed.html == searchable_part(html) and len(handed.packed) < len(handed.html)
    assert handed.digest == page_part(html).digest != page_part(html.replace(b"Words", b"Other words")).digest


_TAG_PIECES = st.sampled_from([
    b"<", b">", b"<div", b"<a-", b"<p ", b"<h1>", b"</div>", b"<img ", b"/>", b" ", b"\n", b"-", b"x", b"=", b'"', b"'", b"<1",
    b" data-pagefind-body", b"data-pagefind-body", b" data-pagefind-body>", b" data-pagefind-ignore", b"data-pagefind-ignore=\"all\"",
    b" data-pagefind-ignored", b" data-pagefind-bodyx", b"\tdata-pagefind-body/", b"<section class=\"a\"",
])


@settings(max_examples=600, deadline=None)
@given(st.lists(_TAG_PIECES, max_size=14).map(b"".join), st.integers(0, 40), st.integers(0, 200))
def test_the_marked_tag_is_found_where_the_pattern_search_finds_it(html, start, length):
    """`_marked_tag` starts from the occurrences of the mark: the same match as the pattern's search, in any window."""
    from digest.search import shards

    end = min(len(html), start + length)
    for pattern, mark in ((shards._TAG_START, shards.MARK), (shards._IGNORED_START, shards._IGNORE_MARK)):
        expected = pattern.search(html, start, end)
        found = shards._marked_tag(html, pattern, mark, start, end)
        assert (found and (found.span(), found.group(1))) == (expected and (expected.span(), expected.group(1)))
