"""Attributes and wrappers that keep a fragment's language and direction: bidi isolation.

Text shown away from its own article (a title, a quote, an outlet's name)
carries its language and is isolated from its neighbours, or the browser's
bidi algorithm runs it together with them. Used by the templates (as
globals and filters), by `fragments.py` and by the feeds.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from digest.graph.model import Article
from digest.text.language import RTL_SCRIPTS as RTL_SCRIPT_CODES

RTL_LANGUAGES = {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi"}
RTL_SCRIPTS = {"arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg"}


def text_direction(language: str) -> str:
    """'rtl' for languages and scripts written right to left (Arabic, Hebrew, Persian, Urdu...)."""
    parts = language.lower().split("-")
    if any(part in RTL_SCRIPTS for part in parts[1:]):
        return "rtl"
    if any(len(part) == 4 and part.isalpha() for part in parts[1:]):
        return "ltr"  # an explicit script that is not right to left, e.g. az-Latn
    return "rtl" if parts[0] in RTL_LANGUAGES else "ltr"


def lang_attrs(language: str = "", direction: str = "") -> Markup:
    """` lang="ar" dir="rtl"`: the attributes that give an element holding a fragment its language and isolate it.

    Text shown away from its own article (a title, a quote, a `date_text`)
    must carry its language and direction, or the browser's bidi algorithm
    runs it together with its neighbours: an Arabic headline followed by
    "7 November 2022" pulls the 7 inside it. An element with `dir` is
    isolated from its surroundings (HTML's rendering rules give it
    `unicode-bidi: isolate`). Without a ``language`` (text written by the
    editors, taken to be in the site's language but possibly a name in
    another script) the direction is the text's own, `dir="auto"`.
    """
    if not language:
        return AUTO_DIRECTION if not direction else Markup(f' dir="{_field(direction)}"')
    return Markup(f' lang="{_field(language)}" dir="{_field(direction or text_direction(language))}"')


def text_attrs(article: Article) -> Markup:
    """The attributes of the elements that hold an article's own words (title, lede, text).

    A declared language is the page's own (``<html lang>``), so they need
    none; an undeclared text in a script the site's language is not written
    in (`Article.script`) is marked as of unknown language (``lang=""``, as
    HTML says for it) in that script's direction."""
    if not article.script:
        return Markup("")
    return Markup(' lang="" dir="rtl"') if article.script in RTL_SCRIPT_CODES else Markup(' lang="" dir="ltr"')


def plain_isolated(text: str, foreign: object = True) -> str:
    """``text`` between Unicode's first-strong isolate and its pop (U+2068, U+2069) when ``foreign``.

    For places that take no markup, such as the document's ``<title>``: an
    Arabic article's title followed by " — " and the site's English name would
    otherwise give the whole line a right-to-left direction and move the
    site's name to its left in the tab and in bookmarks."""
    return f"\u2068{text}\u2069" if foreign else text


def isolated(text: str, language: str = "", direction: str = "") -> Markup:
    """``text`` escaped inside a `<bdi>` with its language: a fragment that cannot reorder its neighbours."""
    return Markup(f"<bdi{lang_attrs(language, direction)}>{_field(text)}</bdi>")


def _field(value: object) -> str:
    """``value`` as `Markup.format` puts it in a ``{}``, without its Python-level `string.Formatter`.

    These two helpers run a few times on every line of every list (about
    200,000 calls at 1,000 articles), where `Markup.format` was a sixth of
    the render stage's time.
    """
    if type(value) is str:
        return html_text(value)
    if hasattr(value, "__html_format__"):
        value = value.__html_format__("")
    elif hasattr(value, "__html__"):
        value = value.__html__()
    else:
        value = format(value, "")
    return str(escape(value))


def html_text(value: object) -> str:
    """``str(escape(value))``, without making a `Markup` (whose constructor is Python code) for a
    plain string that has nothing to escape: most names, titles and ids."""
    if type(value) is str and "&" not in value and "<" not in value and ">" not in value and '"' not in value and "'" not in value:
        return value
    if type(value) is Markup:
        return str(value)
    return str(escape(value))


AUTO_DIRECTION = Markup(' dir="auto"')
"""`lang_attrs()` of text without a language: its own direction."""
