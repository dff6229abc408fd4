"""HTML pieces that many pages show, written in Python and kept for the environment's life.

The default theme's hottest template code was not its pages but the small
pieces every page repeats: a status badge on every claim, a person chip,
an outlet and date line under every article title, a "not mentioned" in
most cells of the comparison table, a word diff looped over word by word,
and ``_("...")`` itself (Jinja's i18n extension makes each call three
`Context.call` hops and a ``Markup % {}``). Each was a Jinja macro call or
loop costing tens of microseconds; here each is a Python function that
writes the same bytes (`tests/test_fragments.py` renders the old macros
beside them).

A `Fragments` belongs to one Jinja environment (made by
`templates.make_environment`, kept by the session's `Caches`), and its
memos live and die with it: never module-level state. A memo is keyed by
everything its piece shows (a person chip by the person's id and name, a
badge by the status id under the environment's config and locale), so it
is a pure function's cache: a page still records the typed reads of what it
shows when its context is built (`views/reads.py`), and an edit that
changes what a piece shows changes its key. The environment is made again
when the config, the locale or the templates change.

Themes: the default theme's ``macros.html`` exports these functions under
the macros' old names (``{% set badge = status_badge %}``), so a site theme
that overrides ``macros.html`` with macros of its own still has its own used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from digest.graph.model import SiteConfig
from digest.render.bidi import html_text, isolated, lang_attrs
from digest.text.i18n import SiteLocale

MEMO_LIMIT = 20_000
"""Entries a memo holds before it starts again: a long watch session sees renamed people and
edited dates come and go; a site's distinct pieces (statuses, people, outlets and days) fit easily."""

T = TypeVar("T")

NAV_SECTIONS = (
    ("articles/", "Articles"), ("people/", "People"), ("timeline/", "Timeline"), ("claims/", "Claims"),
    ("outlets/", "Outlets"), ("compare/", "Compare"),
)
"""The site header's sections (the search page's is added when the site has search), as base.html lists them."""


class Fragments:
    """The pieces, for one environment's config, locale and base path."""

    def __init__(self, config: SiteConfig, locale: SiteLocale):
        self.config = config
        self.locale = locale
        self.base_path = config.base_path
        self.memos: dict[str, dict[Hashable, Any]] = {}

    def memo(self, kind: str, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, once per ``key`` of this ``kind`` for the environment's life."""
        table = self.memos.setdefault(kind, {})
        try:
            return table[key]
        except KeyError:
            pass
        if len(table) >= MEMO_LIMIT:
            table.clear()
        value = table[key] = make()
        return value

    def url(self, path: str = "") -> str:
        """The ``url()`` global: a path under the site's base path."""
        return self.base_path + path.lstrip("/")

    # --- translations -------------------------------------------------------------------

    def globals(self) -> dict[str, Any]:
        """What the environment's templates call these by."""
        gettext = self.gettext_callable()
        return {
            "_": gettext,
            "gettext": gettext,
            "ngettext": self.ngettext_callable(),
            "status_badge": self.badge,
            "person_chip": self.person_link,
            "article_meta_line": self.article_meta,
            "event_date_time": self.event_date,
            "claim_list_item": self.claim_item,
            "quote_jump": self.quote_link,
            "compare_cell": self.cell_content,
            "site_nav": self.site_nav,
            "status_help": self.status_help,
            "lang_attrs": self.lang_attrs,
            "month_text": self.month,
            "month_short": self.month_abbreviation,
        }

    def filters(self) -> dict[str, Callable[..., Any]]:
        """The date filters, each wording made once per value; and ``joined``."""
        return {
            "long_date": self.long_date,
            "date_text": self.date_text,
            "year_text": self.year,
            "joined": joined,
            "isolated": self.isolated,
        }

    def lang_attrs(self, language: str = "", direction: str = "") -> Markup:
        """`bidi.lang_attrs`, once per language and direction."""
        return self.memo("lang-attrs", (language, direction), lambda: lang_attrs(language, direction))

    def isolated(self, text: Any, language: str = "", direction: str = "") -> Markup:
        """`bidi.isolated`, once per text (and its type: a `Markup` is not escaped), language and direction."""
        return self.memo("isolated", (type(text), text, language, direction), lambda: isolated(text, language, direction))

    def long_date(self, value: Any) -> str:
        """A calendar date as the locale writes it (`SiteLocale.date`)."""
        return self.memo("long-date", (type(value), value), lambda: self.locale.date(value))

    def date_text(self, date: Any) -> str:
        """An EDTF date in words (`EDTFDate.display`)."""
        return self.memo("date-text", date, lambda: date.display(self.locale))

    def year(self, year: int) -> str:
        """A year in the locale's digits (`SiteLocale.year`)."""
        return self.memo("year", (type(year), year), lambda: self.locale.year(year))

    def month(self, year: int, month: int) -> str:
        """'November 2022' (`SiteLocale.month`)."""
        return self.memo("month", (type(year), year, type(month), month), lambda: self.locale.month(year, month))

    def month_abbreviation(self, month: int) -> str:
        """'Nov' (`SiteLocale.month_abbreviation`)."""
        return self.memo("month-short", (type(month), month), lambda: self.locale.month_abbreviation(month))

    def gettext_callable(self) -> Callable[..., str]:
        """Jinja's new-style ``gettext`` (``jinja2.ext._make_new_gettext``) in one call instead of three.

        The same result: the translation, as `Markup` under autoescaping, always
        used as a ``%`` format (``%%`` is a percent sign even with no variables);
        without variables, once per message."""
        translate = self.locale.gettext

        @pass_context
        def gettext(context: Context, string: str, /, **variables: Any) -> str:
            autoescape = context.eval_ctx.autoescape
            if not variables:
                return self.memo("gettext", (string, autoescape), lambda: _formatted(translate(string), autoescape, {}))
            return _formatted(translate(string), autoescape, variables)

        return gettext

    def ngettext_callable(self) -> Callable[..., str]:
        """Jinja's new-style ``ngettext`` (``jinja2.ext._make_new_ngettext``) in one call; without other variables, once per count."""
        translate = self.locale.ngettext

        @pass_context
        def ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
            autoescape = context.eval_ctx.autoescape
            if not variables:
                return self.memo(
                    "ngettext",
                    (singular, plural, num, type(num), autoescape),
                    lambda: _formatted(translate(singular, plural, num), autoescape, {"num": num}),
                )
            variables.setdefault("num", num)
            return _formatted(translate(singular, plural, num), autoescape, variables)

        return ngettext

    def text(self, message: str) -> Markup:
        """``_(message)`` as a template writes it (no variables): the translation as a format string, escaped."""
        return self.memo("gettext", (message, True), lambda: _formatted(self.locale.gettext(message), True, {}))  # type: ignore[return-value]

    # --- pieces ---------------------------------------------------------------------------

    def badge(self, status_id: str) -> Markup:
        """A claim's status badge (the old ``badge`` macro); the status's label and description come from the config."""
        return self.memo("badge", status_id, lambda: _badge(self.config, status_id))

    def person_link(self, person: Any) -> Markup:
        """A person's chip, linking their page (the old ``person_link`` macro)."""
        return self.memo("person", (person.id, person.name), lambda: Markup(
            f'<a class="person" href="{html_text(self.url("people/" + str(person.id) + "/"))}" data-person="{html_text(person.id)}" dir="auto">'
            f"{html_text(person.name)}</a>"
        ))

    def article_meta(self, article: Any) -> Markup:
        """The outlet and date under an article's title (the old ``article_meta`` macro)."""
        return self.memo("meta", (article.outlet, article.published), lambda: self._article_meta(article.outlet, article.published))

    def _article_meta(self, outlet: str, published: Any) -> Markup:
        line = f'<span class="outlet" dir="auto">{html_text(outlet or self.text("Unknown outlet"))}</span>\n'
        if published:
            line += f' · <time datetime="{html_text(published.isoformat())}">{html_text(self.long_date(published))}</time>'
        return Markup(line)

    def event_date(self, event: Any) -> Markup:
        """An event's date as a ``<time>`` (the old ``event_date`` macro)."""
        return self.memo("event-date", event.date, lambda: self._event_date(event.date))

    def _event_date(self, date: Any) -> Markup:
        classes = "event-date" + (" approximate" if date.approximate else "") + (" uncertain" if date.uncertain else "")
        start = date.iso_start()
        when = f' datetime="{html_text(start)}"' if start else ""
        return Markup(f'<time class="{classes}" data-precision="{html_text(date.precision)}"{when}>{html_text(self.date_text(date))}</time>')

    def claim_item(self, claim: Any) -> Markup:
        """A claim in a list: badge, text, how many outlets carry it (the old ``claim_item`` macro)."""
        return self.memo("claim-item", (claim.id, claim.text, claim.status, claim.outlets), lambda: Markup(
            f'<li class="claim-item" data-claim="{html_text(claim.id)}" data-status="{html_text(claim.status)}">\n'
            f"  {self.badge(claim.status)}\n"
            f'  <a href="{html_text(self.url("claims/" + str(claim.id) + "/"))}" dir="auto">{html_text(claim.text)}</a>\n'
            f'  <span class="muted">{html_text(self._carried_by(claim.outlets))}</span>\n'
            "</li>"
        ))

    def _carried_by(self, count: int) -> Markup:
        return self.memo("carried-by", (count, type(count)), lambda: _formatted(
            self.locale.ngettext("— carried by %(num)s outlet", "— carried by %(num)s outlets", count), True, {"num": count}
        ))  # type: ignore[return-value]

    def quote_link(self, quote: Any) -> Markup:
        """The "in context" link of a quote to its place in its article (the old ``quote_link`` macro)."""
        article = quote.article
        return self.memo("quote-link", (article.slug, quote.anchor, article.outlet, article.title, article.language), lambda: Markup(
            f'<a class="jump" href="{html_text(self.url("articles/" + str(article.slug) + "/"))}#{html_text(quote.anchor)}">'
            f'{self.text("in context")}<span class="visually-hidden"> ({self.isolated(article.outlet)}, {self.isolated(article.title, article.language)})</span></a>'
        ))

    def cell_content(self, cell: Any) -> Markup:
        """One cell of the comparison: the outlet's quotes, or that it says nothing or no quoted passage (the old ``cell_content`` macro)."""
        if cell is None:
            return self.memo("cell", None, lambda: Markup(f'<span class="not-mentioned">{self.text("not mentioned")}</span>\n'))
        if cell.quotes:
            return Markup("".join(
                f'<blockquote><p{self.lang_attrs(quote.article.language)}>{html_text(quote.text)}</p> {self.quote_link(quote)}</blockquote>\n'
                for quote in cell.quotes
            ))
        return self.memo("cell", "", lambda: Markup(f'<span class="muted">{self.text("mentioned without a quoted passage")}</span>\n'))

    def site_nav(self, url_path: str) -> Markup:
        """The header's list of sections, the one holding ``url_path`` marked current (base.html's loop)."""
        current = next((path for path, _ in self._sections() if url_path.startswith(path)), None)
        exact = current is not None and url_path == current
        return self.memo("nav", (current, exact), lambda: Markup("".join(
            f'        <li><a href="{html_text(self.url(path))}"'
            + (f' aria-current="{"page" if exact else "true"}"' if path == current else "")
            + f">{html_text(label)}</a></li>\n"
            for path, label in self._sections()
        )))

    def _sections(self) -> list[tuple[str, Markup]]:
        sections = [*NAV_SECTIONS, *([("search/", "Search")] if self.config.search else [])]
        return self.memo("sections", None, lambda: [(path, self.text(label)) for path, label in sections])

    def status_help(self) -> Markup:
        """The hidden descriptions the badges' ``aria-describedby`` point at, one per status (base.html's footer)."""
        return self.memo("status-help", None, lambda: Markup("".join(
            f'    <p id="status-help-{html_text(status.id)}">{html_text(status.description)}</p>\n' for status in self.config.statuses.values()
        )))


def joined(items: Iterable[Any], piece: Callable[[Any], Any], separator: str = ", ") -> Markup:
    """``piece(item)`` for each item, between ``separator``s (escaped unless `Markup`): a template's
    ``{% for %}{{ piece(item) }}{% if not loop.last %}, {% endif %}{% endfor %}`` in one call; ``piece``
    may be a macro."""
    return Markup(html_text(separator).join(html_text(piece(item)) for item in items))


def marked_words(pieces: Iterable[tuple[str, bool]], tag: str, label: str = "", css_class: str = "") -> Markup:
    """A word diff's pieces, each changed one in ``<tag class>`` after a visually hidden ``label``.

    The outlet page's and the article versions' diffs looped over every word in
    the template; this writes the same bytes in one call."""
    opening = f"<{html_text(tag)}" + (f' class="{html_text(css_class)}"' if css_class else "") + ">"
    if label:
        opening += f'<span class="visually-hidden">{html_text(label)}</span>'
    closing = f"</{html_text(tag)}>"
    return Markup("".join(f"{opening}{html_text(text)}{closing}" if differs else html_text(text) for text, differs in pieces))


def _formatted(translation: str, autoescape: bool, variables: dict[str, Any]) -> str:
    """``Markup(translation) % variables`` (``translation % variables`` without autoescaping).

    `Markup.__mod__` wraps the mapping and each value it looks up in a helper
    object; when every placeholder is a plain ``%(name)s`` (or ``%%``), which
    is what the catalogues hold, the values escaped first give the same string."""
    if not autoescape:
        return translation % variables
    if not variables or _ONLY_NAMED_STRINGS.fullmatch(translation) is None:
        return Markup(translation) % variables
    return Markup(translation % {name: escape(value) for name, value in variables.items()})


_ONLY_NAMED_STRINGS = re.compile(r"(?:[^%]|%%|%\([^()]*\)s)*")
"""A format string whose only placeholders are ``%(name)s`` and ``%%``."""


def _badge(config: SiteConfig, status_id: str) -> Markup:
    status = config.statuses.get(status_id)
    sid = escape(status_id)
    if status:
        return Markup(
            f'<span class="badge status-{sid}" data-status="{sid}" tabindex="0" aria-describedby="status-help-{sid}" '
            f'data-description="{html_text(status.description)}"><span class="badge-icon" aria-hidden="true"></span>{html_text(status.label)}</span>'
        )
    return Markup(f'<span class="badge status-{sid}" data-status="{sid}"><span class="badge-icon" aria-hidden="true"></span>{sid}</span>')

