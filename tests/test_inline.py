"""Overlapping ranges come out as valid, properly nested HTML."""

from __future__ import annotations

from html.parser import HTMLParser

from digest.inline import Range, render_ranges


class NestingChecker(HTMLParser):
    VOID = {"br", "img"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        if dict(attrs).get("id"):
            self.ids.append(dict(attrs)["id"])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()


def check(html: str) -> NestingChecker:
    checker = NestingChecker()
    checker.feed(html)
    checker.close()
    assert checker.stack == []
    assert len(checker.ids) == len(set(checker.ids))
    return checker


def mark(start, end, name):
    return Range(start, end, f'<mark id="{name}">', "</mark>", reopen_html="<mark>", after_html=f'<a href="#{name}">*</a>')


def test_partly_overlapping_marks_are_split_with_one_id():
    html = render_ranges("one two three four", [mark(0, 7, "a"), mark(4, 13, "b")])
    assert html == '<mark id="a">one <mark id="b">two</mark></mark><a href="#a">*</a><mark> three</mark><a href="#b">*</a> four'
    check(html)


def test_nested_marks_stay_nested():
    html = render_ranges("one two three", [mark(0, 13, "outer"), mark(4, 7, "inner")])
    assert html == '<mark id="outer">one <mark id="inner">two</mark><a href="#inner">*</a> three</mark><a href="#outer">*</a>'


def test_refs_never_land_inside_a_link():
    link = Range(0, 9, '<a href="x">', "</a>", is_link=True)
    html = render_ranges("linked text", [link, mark(2, 6, "m")])
    assert html == '<a href="x">li<mark id="m">nked</mark> te</a><a href="#m">*</a>xt'
    check(html)


def test_text_is_escaped_and_voids_are_placed():
    html = render_ranges("<b>&", [Range(1, 1, "<br>", "")])
    assert html == "&lt;<br>b&gt;&amp;"


def test_many_random_overlaps_nest_validly():
    import random

    rng = random.Random(7)
    text = "abcdefghij" * 5
    for _ in range(200):
        ranges = []
        for n in range(rng.randint(1, 6)):
            start = rng.randint(0, len(text) - 1)
            end = rng.randint(start + 1, len(text))
            if rng.random() < 0.3:
                ranges.append(Range(start, end, "<a>", "</a>", is_link=True))
            else:
                ranges.append(mark(start, end, f"m{n}"))
        html = render_ranges(text, ranges)
        check(html)
        assert "".join(part for part in _text_only(html)) .replace("*", "") == text


def _text_only(html: str):
    parser = HTMLParser()
    chunks: list[str] = []
    parser.handle_data = chunks.append
    parser.feed(html)
    return chunks
