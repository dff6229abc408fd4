"""The pieces pages repeat, written in Python (`render/fragments.py`): the same bytes the template code they replace made.

Each function is rendered beside the macro or loop it replaced (kept in
``tests/data/macros-before-fragments.html``, as the default theme had them)
over escaped, `Markup`, right-to-left and non-ASCII inputs, in English,
Arabic and Polish; the translations beside Jinja's own i18n callables.
"""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

import jinja2.ext
import pytest
from markupsafe import Markup, escape

from digest.errors import Diagnostics, Location
from digest.graph.model import SiteConfig, Status
from digest.render.bidi import html_text, isolated, lang_attrs
from digest.render.fragments import MEMO_LIMIT, Fragments, marked_words
from digest.render.templates import make_environment
from digest.source.theme import load_theme
from digest.text.dates import parse_edtf
from digest.text.i18n import ENGLISH, SiteLocale, load_locale
from digest.views.outlets import Cell, Quote
from digest.views.reads import ArticleSummary, ClaimSummary, PersonSummary

from conftest import TESTS

OLD_MACROS = (TESTS / "data/macros-before-fragments.html").read_text(encoding="utf-8")
HOSTILE = '<script>alert("x")</script> & \'quoted\' %s %% {{ x }}'
ARABIC = "محادثات سرية بين واشنطن وموسكو"

STATUSES = {
    "confirmed": Status("confirmed", "Confirmed", "Shown true by the record."),
    "hostile": Status("hostile", HOSTILE, HOSTILE),
    "arabic": Status("arabic", "مؤكد", ARABIC),
}
LOCALES = ["en", "ar", "pl"]
PEOPLE = [
    PersonSummary("jake-sullivan", "Jake Sullivan", "adviser", "NSC"),
    PersonSummary("arabic-name", "جيك سوليفان", "", ""),
    PersonSummary("hostile", HOSTILE, HOSTILE, ""),
    PersonSummary("markup", Markup("<b>Bold</b> &amp; kept"), "", ""),  # type: ignore[arg-type]
]
ARTICLES = [
    ArticleSummary("a", "a", "Talks in Geneva", "", "Reuters", datetime.date(2022, 11, 7)),
    ArticleSummary("b", "b-x", ARABIC, "", "الجزيرة", datetime.date(1999, 1, 31), "ar"),
    ArticleSummary("c", "c", HOSTILE, "", HOSTILE, None, 'x"><i>'),
    ArticleSummary("d", "d", "No outlet", "", "", datetime.date(2024, 2, 29), "en-GB"),
]
DATES = ["2022-11-07", "2022-11", "2022", "2022-11-07~", "2022-11?", "2022-11-07/2022-11-09", "2022-21", "1985-04-12T23:20:30Z"]
CLAIMS = [ClaimSummary("talks", "The talks happened.", "confirmed", 1), ClaimSummary("h", HOSTILE, "hostile", 0),
          ClaimSummary("ar", ARABIC, "arabic", 1234), ClaimSummary("x", "Unknown status", 'made-"up"<', 2)]
QUOTES = [Quote(article, text, anchor) for article, text, anchor in
          zip(ARTICLES, ["He said so.", ARABIC, HOSTILE, "Quoted."], ["q-1", "q-2", 'q"3<', "q-4"])]
CELLS = [None, Cell("Reuters", (ARTICLES[0],), ()), Cell("Reuters", (ARTICLES[0],), tuple(QUOTES)), Cell("X", (), QUOTES[1:2])]
PIECES = [(), (("The ", False), ("talks", True), (" were ", False), ("useful", True)), ((HOSTILE, True), (ARABIC, False), ("", True)),
          ((Markup("<b>kept</b>"), True), ("é ü ß", False))]


def locale_for(language: str) -> SiteLocale:
    return ENGLISH if language == "en" else load_locale([], language)[0]


def site_config(language: str, search: bool = True, statuses: dict[str, Status] = STATUSES, base_path: str = "/repo/") -> SiteConfig:
    return SiteConfig("Site", "https://example.org" + base_path, base_path, language=language, statuses=statuses, search=search)


def environments(language: str, tmp_path: Path, **config: object) -> tuple[jinja2.Environment, jinja2.Environment, Fragments]:
    """The theme's environment, one with Jinja's own translation callables (as before `Fragments`), and a `Fragments` like the first's."""
    theme = load_theme(tmp_path, "default", Location("content/site.yaml"), Diagnostics())
    assert theme is not None
    locale, site = locale_for(language), site_config(language, **config)  # type: ignore[arg-type]
    new = make_environment(theme, site, locale)
    old = make_environment(theme, site, locale)
    old.install_gettext_callables(locale.gettext, locale.ngettext, newstyle=True)  # type: ignore[attr-defined]
    old.globals["_"] = jinja2.ext._gettext_alias
    return new, old, Fragments(site, locale)


def old(env: jinja2.Environment, call: str, **values: object) -> str:
    """What the old macro ``call`` renders to (after the macros' own definitions, which write blank lines)."""
    return env.from_string(OLD_MACROS + "\u0000{{ " + call + " }}").render(**values).split("\u0000", 1)[1]


@pytest.mark.parametrize("language", LOCALES)
def test_each_piece_is_what_its_macro_made(language, tmp_path):
    _, before, fragments = environments(language, tmp_path)
    for status_id in [*STATUSES, "made-up", 'a"<b>&']:
        assert fragments.badge(status_id) == old(before, "badge(x)", x=status_id)
    for person in PEOPLE:
        assert fragments.person_link(person) == old(before, "person_link(x)", x=person)
    for article in ARTICLES:
        assert fragments.article_meta(article) == old(before, "article_meta(x)", x=article)
    for text in DATES:
        event = type("Event", (), {"date": parse_edtf(text)})()
        assert fragments.event_date(event) == old(before, "event_date(x)", x=event)
    for claim in CLAIMS:
        assert fragments.claim_item(claim) == old(before, "claim_item(x)", x=claim)
    for quote in QUOTES:
        assert fragments.quote_link(quote) == old(before, "quote_link(x)", x=quote)
    for cell in CELLS:
        assert fragments.cell_content(cell) == old(before, "cell_content(x)", x=cell)


@pytest.mark.parametrize(("language", "search", "statuses"), [("en", True, STATUSES), ("ar", False, STATUSES), ("pl", True, {})])
def test_the_header_and_footer_are_what_base_html_made(language, search, statuses, tmp_path):
    _, before, fragments = environments(language, tmp_path, search=search, statuses=statuses)
    for path in ["", "articles/", "articles/x/", "people/page/2/", "search/", "compare/", "feed.xml", "claims/status/confirmed/"]:
        assert fragments.site_nav(path) == old(before, "old_site_nav(x)", x=path)
    assert fragments.status_help() == old(before, "old_status_help()")


@pytest.mark.parametrize("language", LOCALES)
def test_word_diffs_are_what_the_loops_made(language, tmp_path):
    new, before, _ = environments(language, tmp_path)
    for pieces in PIECES:
        marked = new.from_string('{{ x | marked_words("mark", _("differs: "), "diff") }}').render(x=pieces)
        assert marked == old(before, "old_outlet_diff(x)", x=pieces)
        assert marked_words(pieces, "del") == old(before, "old_version_before(x)", x=pieces)
        assert marked_words(pieces, "ins") == old(before, "old_version_after(x)", x=pieces)


TRANSLATED = [
    '_("Skip to content")', '_("Next")', '_("50%% of %(x)s", x=v)', '_("%(outlet)s changed this article", outlet=v)',
    'gettext("in context")', '_("<a href=\\"%(href)s\\">Compare</a>.", href=v)', '_("plain %% sign")',
    'ngettext("%(num)s claim", "%(num)s claims", n)', 'ngettext("%(num)s event in %(year)s.", "%(num)s events in %(year)s.", n, year=v)',
    'ngettext("event in", "events in", n)', 'ngettext("%(num)s of %(num)s", "%(num)s of them", n, num=v)',
]


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.filterwarnings("ignore:Plural value must be an integer")  # a count of 1.5: Babel warns, both sides alike
def test_translations_are_what_jinjas_callables_made(language, autoescape, tmp_path):
    new, before, _ = environments(language, tmp_path)
    for call in TRANSLATED:
        source = "{% autoescape " + str(autoescape).lower() + " %}{{ " + call + " }}|{{ " + call + " }}{% endautoescape %}"
        mine, jinjas = new.from_string(source), before.from_string(source)
        for value, count in itertools.product([HOSTILE, Markup("<b>M</b>"), ARABIC, 7], [0, 1, 2, 5, 22, 1000, 1.5]):
            assert mine.render(v=value, n=count) == jinjas.render(v=value, n=count), call


def test_a_piece_is_made_once_per_environment():
    fragments = Fragments(site_config("en"), ENGLISH)
    first = fragments.person_link(PEOPLE[0])
    assert fragments.person_link(PersonSummary("jake-sullivan", "Jake Sullivan", "other role", "")) is first, "keyed by what it shows"
    renamed = fragments.person_link(PersonSummary("jake-sullivan", "Jacob Sullivan", "adviser", "NSC"))
    assert "Jacob Sullivan" in renamed and renamed is not first, "a rename is a new key, never the old chip"
    assert Fragments(site_config("en"), ENGLISH).person_link(PEOPLE[0]) is not first, "nothing shared between environments"


def test_a_memo_starts_again_when_full():
    fragments = Fragments(site_config("en"), ENGLISH)
    for number in range(MEMO_LIMIT + 5):
        fragments.person_link(PersonSummary(f"p{number}", f"P {number}", "", ""))
    assert len(fragments.memos["person"]) <= MEMO_LIMIT


class _Html:
    def __init__(self, html: str):
        self.html = html

    def __html__(self) -> str:
        return self.html


@pytest.mark.parametrize("value", ["plain", "", "a & b", "<i>", 'say "x"', "it's", ARABIC, HOSTILE, Markup("<b>kept</b>"), _Html("<u>"), 7, None])
def test_html_text_is_what_escape_makes(value):
    assert html_text(value) == str(escape(value))


@pytest.mark.parametrize("text", ["Reuters", ARABIC, HOSTILE, Markup("<b>M</b>"), "<b>M</b>", 5])
@pytest.mark.parametrize(("language", "direction"), [("", ""), ("ar", ""), ("en", "auto"), ("", "rtl")])
def test_remembered_attributes_and_isolates_are_the_helpers(text, language, direction):
    fragments = Fragments(site_config("en"), ENGLISH)
    fragments.isolated(Markup("<b>M</b>") if text == "<b>M</b>" else "<b>M</b>", language, direction)  # its twin of the other type first
    assert fragments.isolated(text, language, direction) == isolated(text, language, direction)
    assert fragments.lang_attrs(language, direction) == lang_attrs(language, direction)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_joined_pieces_are_what_the_loops_made(language, tmp_path):
    new, before, _ = environments(language, tmp_path)
    for count in range(len(QUOTES) + 1):
        quotes, people = QUOTES[:count], PEOPLE[:count]
        assert new.from_string('{% from "macros.html" import quote_link %}{{ x | joined(quote_link, " · ") }}').render(x=quotes) == old(
            before, "old_quote_links(x)", x=quotes)
        assert new.from_string('{% from "macros.html" import person_link %}{{ x | joined(person_link) }}').render(x=people) == old(
            before, "old_person_links(x)", x=people)
    macro = new.from_string('{% macro chip(p) %}<i>{{ p.name }}</i>{% endmacro %}{{ x | joined(chip, "<&>") }}')
    assert macro.render(x=PEOPLE[:2]) == "<i>Jake Sullivan</i>&lt;&amp;&gt;<i>جيك سوليفان</i>", "a macro's pieces; the separator escaped"


@pytest.mark.parametrize("language", ["en", "ar-EG", "pl"])
def test_remembered_dates_are_the_locales(language):
    locale = locale_for(language)
    fragments = Fragments(site_config(language), locale)
    for _ in range(2):  # made, then remembered
        for day in [datetime.date(2022, 11, 7), datetime.date(1999, 1, 31), None]:
            assert fragments.long_date(day) == locale.date(day)
        for text in DATES:
            assert fragments.date_text(parse_edtf(text)) == parse_edtf(text).display(locale)
        for year, month in [(2022, 11), (1999, 1), (2024, 2)]:
            assert fragments.year(year) == locale.year(year)
            assert fragments.month(year, month) == locale.month(year, month)
            assert fragments.month_abbreviation(month) == locale.month_abbreviation(month)
