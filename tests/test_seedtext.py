"""Markdown seeds as CommonMark renders them: every spec example, and the cases readers met.

The CommonMark 0.31.2 examples (tests/commonmark/, from markdown-it-py's
repository) are each rendered as a `.md` seed through digest's own pipeline
(`parse_markdown`, then `article_body`) and compared, element by element,
with markdown-it-py's rendering of the same example. Only the differences
digest makes on purpose are allowed, and they are applied to the reference
here, independently of digest's code:

- raw HTML is not rendered: the reference is rendered with ``html`` off too;
- a link digest refuses (not http(s), ``#`` or ``mailto:``) is shown as its
  text; an image it refuses (not http(s)) as its alt text;
- a relative destination is resolved against the article's ``url``;
- fenced code is highlighted (``<span>``s inside ``<pre>``, extra classes),
  links get ``rel`` and images ``loading``: attributes other than the ones
  compared below are ignored.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from markdown_it import MarkdownIt

from digest.graph.model import Article, Claim, Passage
from digest.render.templates import article_body, render_markdown
from digest.text.anchor import Span
from digest.text.seedtext import parse_markdown, resolve_link

from conftest import SITES, TESTS, run_cli

SPEC = json.loads((TESTS / "commonmark" / "spec-0.31.2.json").read_text(encoding="utf-8"))
BASE = "https://outlet.example/news/story.html"
"""The article's original address in the sidecar (``url:``)."""

# Examples whose rendering differs from CommonMark's on purpose, beyond the rules above.
DEVIATIONS: dict[int, str] = {}

COMPARED_ATTRIBUTES = {"href", "src", "alt", "title", "start"}
VOID = {"br", "hr", "img", "input"}


def seed_html(markdown: str, base_url: str = "") -> str:
    """The article text digest publishes for a Markdown seed with this body."""
    _, text = parse_markdown(markdown, set(), drop_first_h1=False, base_url=base_url)
    article = Article(
        stem="spec", seed_path="seeds/spec.md", sidecar_path=None, slug="spec", title="Spec",
        text=text, url=base_url, names=[[] for _ in text.blocks],
    )
    return str(article_body(article, {}, {}, {}, {}, url=lambda path: "/" + path))


def reference_html(markdown: str) -> str:
    """markdown-it-py's CommonMark rendering, raw HTML off as in digest, no destination refused."""
    md = MarkdownIt("commonmark", {"html": False})
    md.validateLink = lambda url: True
    return md.render(markdown)


# -- a small DOM that checks nesting as it parses -----------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)


class TreeBuilder(HTMLParser):
    """Parse HTML into `Element`s, failing on any end tag that does not close the open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in VOID, f"<{tag} /> is not a void element"
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert tag not in VOID, f"</{tag}> closes a void element"
        open_tags = [element.tag for element in self.stack[1:]]
        assert open_tags and open_tags[-1] == tag, f"</{tag}> closes {open_tags}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_tree(html: str) -> Element:
    """The parsed document; asserts that it is well-formed and every element is closed where it was opened."""
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert [e.tag for e in builder.stack[1:]] == [], f"left open: {[e.tag for e in builder.stack[1:]]}"
    return builder.root


# -- comparing -------------------------------------------------------------------------------------------


def expected_target(url: str, base_url: str, image: bool) -> str | None:
    """Where digest should point a link or image of the reference, or None when it should refuse it."""
    if url.startswith("#"):
        return None if image else url
    parts = urlsplit(url)
    if not parts.scheme:
        return urljoin(base_url, url) if base_url else None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return url if parts.scheme.lower() == "mailto" and not image else None


def alt_of(element: Element) -> str:
    return element.attrs.get("alt", "")


def apply_digest_rules(node: Element, base_url: str) -> Element:
    """The reference as digest should show it: refused links unwrapped, refused images as their alt text."""
    children: list[Element | str] = []
    for child in node.children:
        if isinstance(child, str):
            children.append(child)
            continue
        child = apply_digest_rules(child, base_url)
        if child.tag == "a":
            target = expected_target(child.attrs.get("href", ""), base_url, image=False)
            if target is None:
                children.extend(child.children)
                continue
            child.attrs["href"] = target
        elif child.tag == "img":
            target = expected_target(child.attrs.get("src", ""), base_url, image=True)
            if target is None:
                children.append(alt_of(child))
                continue
            child.attrs["src"] = target
        children.append(child)
    return Element(node.tag, node.attrs, children)


def canonical(node: Element, in_pre: bool = False) -> tuple:
    """Tags, compared attributes and text, with highlighting spans and the newlines between blocks left out."""
    in_pre = in_pre or node.tag == "pre"
    parts: list = []
    for child in node.children:
        if isinstance(child, Element) and in_pre and child.tag == "span":
            parts.extend(canonical(child, in_pre)[2])
        elif isinstance(child, Element):
            parts.append(canonical(child, in_pre))
        else:
            parts.append(child)
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if not in_pre:
        merged = [part for part in merged if not (isinstance(part, str) and part.strip() == "" and "\n" in part)]
    merged = [part for part in merged if part != ""]
    attrs = {k: v for k, v in node.attrs.items() if k in COMPARED_ATTRIBUTES or (k == "class" and node.tag == "code")}
    return (node.tag, tuple(sorted(attrs.items())), tuple(merged))


def text_of(node: Element) -> str:
    return "".join(child if isinstance(child, str) else text_of(child) for child in node.children)


def example_params() -> list:
    params = []
    for example in SPEC:
        number = example["example"]
        marks = [pytest.mark.xfail(reason=DEVIATIONS[number], strict=True)] if number in DEVIATIONS else []
        params.append(pytest.param(example, id=f"{number}-{example['section'].replace(' ', '-')}", marks=marks))
    return params


# -- every spec example ---------------------------------------------------------------------------------


@pytest.mark.parametrize("example", [pytest.param(e, id=str(e["example"])) for e in SPEC])
@pytest.mark.parametrize("base_url", ["", BASE], ids=["no-url", "with-url"])
def test_spec_example_is_well_formed(example, base_url):
    """Whatever the example, every element digest opens is closed, in order, before the next block."""
    parse_tree(seed_html(example["markdown"], base_url))


@pytest.mark.parametrize("example", example_params())
@pytest.mark.parametrize("base_url", ["", BASE], ids=["no-url", "with-url"])
def test_spec_example_renders_as_commonmark(example, base_url):
    """Same elements, nesting, destinations and text as CommonMark, so no Markdown syntax is left showing."""
    markdown = example["markdown"]
    ours = seed_html(markdown, base_url)
    reference = apply_digest_rules(parse_tree(reference_html(markdown)), base_url)
    assert canonical(parse_tree(ours)) == canonical(reference), f"\n{markdown!r}\ndigest:    {ours!r}\nreference: {reference_html(markdown)!r}"


def test_spec_examples_are_all_there():
    assert len(SPEC) == 652
    assert sorted(e["example"] for e in SPEC) == list(range(1, 653))
    assert set(DEVIATIONS) <= {e["example"] for e in SPEC}


# -- linked images, empty links: whatever meets at one position nests as written ----------------------


def paragraphs(html: str) -> list[Element]:
    return [child for child in parse_tree(html).children if isinstance(child, Element)]


def test_linked_image_closes_its_link_before_the_next_paragraph():
    markdown = (
        "Photo: [![Sullivan in Kyiv](https://example.org/kyiv.jpg)](https://example.org/story)\n\n"
        "The first paragraph after it.\n\nThe second.\n"
    )
    first, second, third = paragraphs(seed_html(markdown))
    link = first.children[1]
    assert isinstance(link, Element) and link.tag == "a" and link.attrs["href"] == "https://example.org/story"
    assert [(c.tag, c.attrs["src"], c.attrs["alt"]) for c in link.children if isinstance(c, Element)] == [
        ("img", "https://example.org/kyiv.jpg", "Sullivan in Kyiv")
    ]
    assert (second.tag, text_of(second)) == ("p", "The first paragraph after it.")
    assert (third.tag, text_of(third)) == ("p", "The second.")


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("a []() b", "<p>a  b</p>"),  # nothing to link to: nothing at all
        ("a [](https://x.example/) b", '<p>a <a href="https://x.example/"></a> b</p>'),
        ("[*a* **b**](https://x.example/)", '<p><a href="https://x.example/"><em>a</em> <strong>b</strong></a></p>'),
        ("[a![i](https://x.example/i.png)](https://x.example/)", '<p><a href="https://x.example/">a<img src="https://x.example/i.png" alt="i"></a></p>'),
        ("[![i](https://x.example/i.png)b](https://x.example/)", '<p><a href="https://x.example/"><img src="https://x.example/i.png" alt="i">b</a></p>'),
        ("*![i](https://x.example/i.png)*", '<p><em><img src="https://x.example/i.png" alt="i"></em></p>'),
        ("**[![i](https://x.example/i.png)](https://x.example/)**", '<p><strong><a href="https://x.example/"><img src="https://x.example/i.png" alt="i"></a></strong></p>'),
        ("*a*![i](https://x.example/i.png)*b*", '<p><em>a</em><img src="https://x.example/i.png" alt="i"><em>b</em></p>'),
        ("[a\\\nb](https://x.example/)", '<p><a href="https://x.example/">a<br>\nb</a></p>'),
    ],
)
def test_pieces_of_no_width_nest_as_written(markdown, expected):
    html = seed_html(markdown).replace(' rel="nofollow noopener"', "").replace(' loading="lazy"', "")
    assert html.strip() == expected


def test_linked_image_inside_a_highlighted_quote_nests_validly():
    _, text = parse_markdown("He said [![photo](https://x.example/p.jpg)](https://x.example/s) it was over.\n", set(), False)
    claim = Claim(id="over", text="Over", status="reported")
    block = text.blocks[0].text
    for start, end in [(0, len(block)), (block.index("said"), block.index("it")), (block.index(" it"), len(block))]:
        passage = Passage("claim", "over", "claim-over", Span(0, start, end))
        for mode in ("full", "excerpts"):
            article = Article(
                stem="s", seed_path="seeds/s.md", sidecar_path=None, slug="s", title="S", text=text,
                text_mode=mode, passages=[passage], names=[[]],
            )
            html = str(article_body(article, {}, {"over": claim}, {}, {}, url=lambda path: "/" + path))
            tree = parse_tree(html)
            links = [e for e in walk(tree) if e.tag == "a" and e.attrs.get("href") == "https://x.example/s"]
            assert len(links) == 1 and [c.tag for c in links[0].children if isinstance(c, Element)] == ["img"], html


def walk(node: Element):
    for child in node.children:
        if isinstance(child, Element):
            yield child
            yield from walk(child)


# -- destinations digest refuses, and relative ones ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "base_url", "expected"),
    [
        ("https://example.org/a", "", "https://example.org/a"),
        ("HTTP://EXAMPLE.ORG/", "", "HTTP://EXAMPLE.ORG/"),
        ("#top", BASE, "#top"),
        ("mailto:desk@example.org", "", "mailto:desk@example.org"),
        ("/uri", "", None),
        ("/uri", BASE, "https://outlet.example/uri"),
        ("photo.jpg", BASE, "https://outlet.example/news/photo.jpg"),
        ("//cdn.example/p.png", BASE, "https://cdn.example/p.png"),
        ("", BASE, BASE),
        ("javascript:alert(1)", BASE, None),
        ("JaVaScRiPt:alert(1)", "", None),
        ("data:text/html,x", BASE, None),
        ("file:///etc/passwd", BASE, None),
        ("irc://foo.bar:2233/baz", BASE, None),
        ("http:no-host", "", None),
        ("http://[::1", "", None),
        ("/uri", "not a url", None),
    ],
)
def test_resolve_link(url, base_url, expected):
    assert resolve_link(url, base_url) == expected


@pytest.mark.parametrize(
    ("markdown", "base_url", "expected"),
    [
        ('[link](/uri "title")', "", "<p>link</p>"),
        ('[link](/uri "title")', BASE, '<p><a href="https://outlet.example/uri" title="title">link</a></p>'),
        ('[foo]: /url "title"\n\n[foo]', "", "<p>foo</p>"),
        ('[foo]: /url "title"\n\n[foo]', BASE, '<p><a href="https://outlet.example/url" title="title">foo</a></p>'),
        ("[*js*](javascript:alert(1)) and <javascript:alert(2)>", BASE, "<p><em>js</em> and javascript:alert(2)</p>"),
        ("![a *b*](data:image/png;base64,AAAA) ![c](/c.png)", "", "<p>a b c</p>"),
        ("![c](/c.png)", BASE, '<p><img src="https://outlet.example/c.png" alt="c"></p>'),
        ("![c](#top) ![d](mailto:a@example.org)", BASE, "<p>c d</p>"),
        ("[write](mailto:desk@example.org) <desk@example.org>", "", '<p><a href="mailto:desk@example.org">write</a> <a href="mailto:desk@example.org">desk@example.org</a></p>'),
        ("[![i](javascript:x)](https://x.example/)", "", '<p><a href="https://x.example/">i</a></p>'),
    ],
)
def test_refused_destinations_show_their_text(markdown, base_url, expected):
    html = seed_html(markdown, base_url).replace(' rel="nofollow noopener"', "").replace(' loading="lazy"', "")
    assert html.strip() == expected


def test_refused_links_in_yaml_markdown_fields_show_their_text_too():
    assert str(render_markdown('[a](/x "t") ![b *c*](data:x) [d](https://d.example/ "T")')) == (
        '<p>a b c <a href="https://d.example/" title="T">d</a></p>\n'
    )


def test_the_sidecar_url_resolves_relative_links_in_the_article(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    (source / "seeds" / "markdown-two.md").write_text(
        "# Links\n\nSee [the report](/reports/1 \"Report\") and ![the map](map.png).\n", encoding="utf-8"
    )
    (source / "content" / "articles" / "markdown-two.yaml").write_text(
        "outlet: Outlet Two\npublished: 2022-11-08\nurl: https://outlet.example/news/story\n", encoding="utf-8"
    )
    result = run_cli("build", "--source", source, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    html = (tmp_path / "out" / "articles" / "links" / "index.html").read_text(encoding="utf-8")
    assert '<a href="https://outlet.example/reports/1" title="Report" rel="nofollow noopener">the report</a>' in html
    assert '<img src="https://outlet.example/news/map.png" alt="the map" loading="lazy">' in html


# -- titles and alt text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ('![foo *bar*](https://x.example/i.png "A title")', {"alt": "foo bar", "title": "A title"}),
        ("![a `b` **c** [d](https://x.example/)](https://x.example/i.png)", {"alt": "a b c d"}),
        ("![outer ![inner *x*](https://x.example/j.png)](https://x.example/i.png)", {"alt": "outer inner x"}),
        ('![q](https://x.example/i.png "say &quot;hi&quot; <now>")', {"alt": "q", "title": 'say "hi" <now>'}),
    ],
)
def test_image_alt_is_plain_text_and_title_is_kept(markdown, expected):
    (image,) = [e for e in walk(parse_tree(seed_html(markdown))) if e.tag == "img"]
    assert {k: v for k, v in image.attrs.items() if k in ("alt", "title")} == expected


def test_link_title_is_kept():
    (link,) = [e for e in walk(parse_tree(seed_html('[a](https://x.example/ "It\'s <b>")'))) if e.tag == "a"]
    assert link.attrs["title"] == "It's <b>"


# -- fenced code ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "code"),
    [
        ("```\n\n  \nfoo\n\n```\n", "\n  \nfoo\n\n"),
        ("```python\n\nx = 1\n\n\n```\n", "\nx = 1\n\n\n"),
        ("```\n```\n", ""),
        ("```nosuchlanguage\n```\n", ""),
        ("```\nno newline at the end", "no newline at the end\n"),
    ],
)
def test_fenced_code_keeps_its_blank_lines(markdown, code):
    (pre,) = [e for e in walk(parse_tree(seed_html(markdown))) if e.tag == "pre"]
    assert text_of(pre) == code


def test_inline_spans_share_their_tags():
    """Every emphasis of every seed writes the same two tags: one string each, not two per span."""
    _, first = parse_markdown("One *two* and **three**.\n", set(), False)
    _, second = parse_markdown("Four *five* and **six** and ~~seven~~.\n", set(), False)
    spans = [span for text in (first, second) for block in text.blocks for span in block.spans]
    assert [span.open_html for span in spans] == ["<em>", "<strong>", "<em>", "<strong>", "<s>"]
    by_tag: dict[str, set[int]] = {}
    for span in spans:
        by_tag.setdefault(span.open_html, set()).update((id(span.open_html), id(span.close_html)))
    assert all(len(ids) == 2 for ids in by_tag.values())
