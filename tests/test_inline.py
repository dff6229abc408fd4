"""Overlapping ranges come out as valid, properly nested HTML."""

from __future__ import annotations

from html.parser import HTMLParser

from digest.render.inline import Range, render_ranges


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


# -- Markdown ranges of no width: placed by their token indexes ---------------------------------------

IMG = '<img src="i">'


def md(start, end, open_html, close_html, tokens, is_link=False):
    return Range(start, end, open_html, close_html, is_link=is_link, rank=-1, tokens=tokens)


def test_an_image_that_is_a_links_whole_text_stays_inside_the_link():
    # "x [![i](i)](u) y": link_open=1, image=2, link_close=3
    ranges = [md(2, 2, '<a href="u">', "</a>", (1, 3), is_link=True), md(2, 2, IMG, "", (2, 2))]
    assert render_ranges("x  y", ranges) == 'x <a href="u"><img src="i"></a> y'


def test_an_image_at_either_end_of_a_links_text_stays_inside_it():
    # "[a![i](i)](u)b" and "a[![i](i)b](u)"
    assert render_ranges("ab", [md(0, 1, "<a>", "</a>", (0, 3), True), md(1, 1, IMG, "", (2, 2))]) == f"<a>a{IMG}</a>b"
    assert render_ranges("ab", [md(1, 2, "<a>", "</a>", (1, 4), True), md(1, 1, IMG, "", (2, 2))]) == f"a<a>{IMG}b</a>"


def test_an_image_between_two_ranges_stays_between_them():
    # "*a*![i](i)*b*"
    ranges = [md(0, 1, "<em>", "</em>", (0, 2)), md(1, 1, IMG, "", (3, 3)), md(1, 2, "<em>", "</em>", (4, 6))]
    assert render_ranges("ab", ranges) == f"<em>a</em>{IMG}<em>b</em>"


def test_ranges_of_one_extent_nest_in_token_order():
    # "[*a*](u)": the link opened first, so it is outside
    ranges = [md(0, 1, "<em>", "</em>", (1, 3)), md(0, 1, "<a>", "</a>", (0, 4), True)]
    assert render_ranges("a", ranges) == "<a><em>a</em></a>"


def test_an_empty_link_is_written_whole_inside_a_highlight():
    ranges = [mark(0, 3, "m"), md(1, 1, "<a>", "</a>", (1, 2), True)]
    html = render_ranges("a b", ranges)
    assert html == '<mark id="m">a<a></a> b</mark><a href="#m">*</a>'
    check(html)


def test_random_markdown_trees_with_empty_pieces_and_highlights_nest_validly():
    """Alone, Markdown ranges come out exactly as their tree; with highlights, still valid."""
    import random

    rng = random.Random(11)
    for _ in range(300):
        text, ranges, token = "", [], 0

        def build(depth: int) -> str:
            nonlocal text, token
            written = ""
            for _ in range(rng.randint(0, 3)):
                choice = rng.random()
                if choice < 0.3:
                    piece = rng.choice(["ab", "c", ""])
                    text += piece
                    written += piece
                elif choice < 0.5:
                    ranges.append(md(len(text), len(text), IMG, "", (token, token)))  # noqa: B023 - build runs within its iteration
                    token += 1
                    written += IMG
                elif depth < 3:
                    start, opened = len(text), token
                    token += 1
                    inner = build(depth + 1)
                    tag = rng.choice(["a", "em", "strong"])
                    ranges.append(md(start, len(text), f"<{tag}>", f"</{tag}>", (opened, token), tag == "a"))  # noqa: B023
                    token += 1
                    written += f"<{tag}>{inner}</{tag}>"
            return written

        expected = build(0)
        assert render_ranges(text, ranges) == expected
        for n in range(rng.randint(1, 3)):
            if text:
                start = rng.randint(0, len(text) - 1)
                ranges.append(mark(start, rng.randint(start + 1, len(text)), f"m{n}"))
        html = render_ranges(text, ranges)
        check(html)
        assert html.count("<img") == expected.count("<img")


def test_a_claim_keeps_the_chips_of_events_quoted_inside_it_until_it_ends():
    claim = Range(0, 18, '<mark id="c">', "</mark>", reopen_html="<mark>", after_html='<a href="#c">*</a>', holds_after=True)
    html = render_ranges("one two three four five", [claim, mark(4, 7, "e"), mark(14, 23, "late")])
    assert html == ('<mark id="c">one <mark id="e">two</mark> three <mark id="late">four</mark></mark>'
                    '<a href="#c">*</a><a href="#e">*</a><mark> five</mark><a href="#late">*</a>')
    check(html)
