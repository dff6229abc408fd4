"""The site in its readers' language: catalogues, CLDR formats, overrides.

The demo site is built again as a Polish and an Arabic newsroom would have
it (``language: pl``/``ar`` in site.yaml) and its labels, dates, numbers and
plural forms are read back from the pages; every message the default theme
and the page-facing Python use must be translated in every shipped catalogue.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from digest.text.dates import parse_edtf
from digest.text.days import Day
from digest.text.i18n import ENGLISH, builtin_locales, load_locale

from conftest import REPO, copy_site, run_cli

SHIPPED = sorted(path.parent.parent.name for path in builtin_locales().glob("*/LC_MESSAGES/digest.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _site(tmp_path: Path, language: str, extra: str = "") -> Path:
    site = copy_site("demo", tmp_path)
    config = site / "content/site.yaml"
    text = config.read_text(encoding="utf-8").replace("language: en\n", f"language: {language}\nsearch: false\n{extra}")
    config.write_text(text, encoding="utf-8")
    return site


def _build(site: Path) -> Path:
    result = run_cli("build", "--source", site, "--output", site / "site")
    assert result.code == 0, result.err
    return site / "site"


def _text(page: Path) -> str:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return re.sub(r"\s+", " ", soup.get_text(" "))


@pytest.fixture(scope="module")
def polish(tmp_path_factory) -> Path:
    return _build(_site(tmp_path_factory.mktemp("pl"), "pl"))


@pytest.fixture(scope="module")
def arabic(tmp_path_factory) -> Path:
    return _build(_site(tmp_path_factory.mktemp("ar"), "ar"))


# --- catalogues --------------------------------------------------------------


def _extracted() -> dict[str | tuple[str, ...], str]:
    """Every message babel.cfg extracts (templates and Python), with where it is."""
    method_map = [("digest/**.py", "python"), ("themes/default/templates/**.html", "jinja2")]
    options = {"themes/default/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}}
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _, _ in extract_from_dir(str(REPO), method_map, options):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def test_babel_cfg_is_what_the_test_extracts() -> None:
    config = (REPO / "babel.cfg").read_text()
    assert "[python: digest/**.py]" in config and "[jinja2: themes/default/templates/**.html]" in config


def test_templates_and_python_have_messages() -> None:
    found = _extracted()
    assert "Skip to content" in found and ("%(num)s claim", "%(num)s claims") in found  # templates
    assert "between %(first)s and %(last)s" in found and "Confirmed" in found  # date wording, statuses


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_is_translated(language: str) -> None:
    """No message of the theme or the pages' Python is missing or half-translated in a shipped catalogue."""
    with open(builtin_locales() / language / "LC_MESSAGES" / "digest.po", "rb") as file:
        catalogue = read_po(file)
    problems = []
    for message, where in _extracted().items():
        key = message if isinstance(message, str) else message[0]
        entry = catalogue.get(key)
        strings = () if entry is None else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if entry is None or not all(strings):
            problems.append(f"{where}: untranslated {key!r}")
            continue
        if isinstance(message, tuple) and len(strings) != catalogue.num_plurals:
            problems.append(f"{where}: {key!r} has {len(strings)} plural forms, {language} needs {catalogue.num_plurals}")
        wanted = set(PLACEHOLDER.findall(key)) - {"num"}  # a plural form may spell its number out ("مقالان")
        for string in strings:
            if not wanted <= set(PLACEHOLDER.findall(string)) or not set(PLACEHOLDER.findall(string)) <= wanted | {"num"}:
                problems.append(f"{where}: {key!r} -> {string!r} changes the placeholders")
    assert problems == [], "\n".join(problems)


def test_shipped_languages() -> None:
    assert {"en", "pl", "ar"} <= set(SHIPPED)


# --- CLDR formats -------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "edtf", "wording"),
    [
        ("en", "2022-11-07", "7 November 2022"),
        ("en-US", "2022-11-07", "November 7, 2022"),
        ("pl", "2022-11-07", "7 listopada 2022"),
        ("pl", "2022-11", "listopad 2022"),
        ("pl", "2022-23", "jesień 2022"),
        ("pl", "2022-11-07/2022-11-09", "7–9 listopada 2022"),
        ("pl", "[2022-10-31..2022-11-06]", "między 31 października a 6 listopada 2022"),
        ("pl", "2022~", "ok. 2022"),
        ("pl", "-0043-03-15", "15 marca 44 p.n.e."),
        ("pl", "202X", "lata 2020."),
        ("ar", "2022-11-07", "7 نوفمبر 2022"),  # CLDR: 'ar' writes Latin digits by default
        ("ar", "[2022-10-31..2022-11-06]", "بين 31 أكتوبر و6 نوفمبر 2022"),
        ("ar", "../2022", "حتى 2022"),
        ("ar-EG", "2022-11-07", "٧ نوفمبر ٢٠٢٢"),  # CLDR: Egyptian Arabic writes Arabic-Indic digits
        ("ar-EG", "2022-11-06T10:00:00Z", "٦ نوفمبر ٢٠٢٢، ١٠:٠٠:٠٠ UTC"),
    ],
)
def test_date_wording_in_the_language(language: str, edtf: str, wording: str) -> None:
    locale, problems = load_locale([], language)
    assert problems == []
    assert parse_edtf(edtf).display(locale) == wording


@pytest.mark.parametrize(
    ("language", "counts", "expected"),
    [
        ("en", (0, 1, 2, 5), ["0 articles", "1 article", "2 articles", "5 articles"]),
        ("pl", (1, 2, 5, 12, 22, 25), ["1 artykuł", "2 artykuły", "5 artykułów", "12 artykułów", "22 artykuły", "25 artykułów"]),
        ("ar", (0, 1, 2, 3, 11, 100), ["لا مقالات", "مقال واحد", "مقالان", "3 مقالات", "11 مقالًا", "100 مقال"]),
        ("ar-EG", (3, 1234, 1200), ["٣ مقالات", "١٬٢٣٤ مقالًا", "١٬٢٠٠ مقال"]),  # n mod 100 picks the form
    ],
)
def test_plural_forms_follow_cldr(language: str, counts: tuple[int, ...], expected: list[str]) -> None:
    locale, _ = load_locale([], language)
    assert [locale.ngettext("%(num)s article", "%(num)s articles", n) for n in counts] == expected


def test_english_needs_no_catalogue_and_keeps_its_words() -> None:
    assert ENGLISH.date(datetime.date(2022, 11, 7)) == "7 November 2022"
    assert ENGLISH.month_abbreviation(9) == "Sep" and ENGLISH.number(1234) == "1,234"
    assert ENGLISH.day(Day(-1985, 1, 1)) == "1 January 1986 BC"


def test_unknown_language_is_reported_and_built_in_english() -> None:
    locale, problems = load_locale([], "xx")
    assert locale is ENGLISH and "not known to CLDR" in problems[0].message
    locale, problems = load_locale([], "de")
    assert locale.date(datetime.date(2022, 11, 7)) == "7. November 2022" and "no translations for language 'de'" in problems[0].message


# --- whole sites --------------------------------------------------------------


def test_polish_site(polish: Path) -> None:
    home = (polish / "index.html").read_text(encoding="utf-8")
    assert '<html lang="pl" dir="ltr">' in home
    assert ">Artykuły</a>" in home and ">Oś czasu</a>" in home  # the navigation
    assert "Przejdź do treści" in home
    text = _text(polish / "index.html")
    assert "RT · 7 listopada 2022" in text  # an article's publication date
    claims = _text(polish / "claims/index.html")
    assert "Potwierdzone 3 twierdzenia" in claims and "Doniesienie 5 twierdzeń" in claims and "Zdementowane brak twierdzeń" in claims
    assert "Ustalone na podstawie oficjalnych wypowiedzi" in claims  # a built-in status's description
    timeline = (polish / "timeline/2022/index.html").read_text(encoding="utf-8")
    assert ">lut 2022</text>" in timeline and ">wrz</text>" in timeline  # the chart's month ticks
    assert 'class="month-heading">listopad 2022</h2>' in timeline
    assert '<time class="event-date" data-precision="day" datetime="2022-11-06">6 listopada 2022</time>' in timeline  # machine dates unchanged
    feed = (polish / "feed.xml").read_text(encoding="utf-8")
    assert 'label="Redakcja: RT"' in feed and "<published>2022-11-07T00:00:00Z</published>" in feed
    sitemap = (polish / "sitemap.xml").read_text(encoding="utf-8")
    assert "listopad" not in sitemap


def test_event_dates_outside_the_pages_are_in_the_sites_language(polish: Path) -> None:
    """data.json's display_date and the search index's event records word dates as the pages do."""
    import json

    from digest.pipeline.build import render_site
    from digest.search.index import event_records

    events = json.loads((polish / "data.json").read_text(encoding="utf-8"))["events"]
    assert {event["date"]: event["display_date"] for event in events}["2022-11-06"] == "6 listopada 2022"
    records = event_records(render_site(polish.parent).graph)
    assert "6 listopada 2022" in {record.date for record in records}, [record.date for record in records]


def test_arabic_site(arabic: Path) -> None:
    home = (arabic / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in home
    assert ">المقالات</a>" in home and ">الخط الزمني</a>" in home
    assert "RT · 7 نوفمبر 2022" in _text(arabic / "index.html")
    claims = _text(arabic / "claims/index.html")
    assert "مؤكَّد 3 ادعاءات" in claims and "غير متحقق منه ادعاء واحد" in claims  # the few and one forms
    timeline = (arabic / "timeline/2022/index.html").read_text(encoding="utf-8")
    assert ">فبراير 2022</text>" in timeline and 'class="month-heading">نوفمبر 2022</h2>' in timeline
    assert "(12 حدثًا)" in timeline  # 11..99: the many form
    data = (arabic / "timeline.json").read_text(encoding="utf-8")
    assert '"display_date": "24 فبراير 2022"' in data and '"year": "2022"' in data


def test_arabic_digits_where_cldr_says(tmp_path: Path) -> None:
    site = _build(_site(tmp_path, "ar-EG"))
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar-EG" dir="rtl">' in home
    assert "RT · ٧ نوفمبر ٢٠٢٢" in _text(site / "index.html")
    assert 'datetime="2022-11-07"' in home  # machine dates keep Latin digits


def test_own_statuses_stay_as_written(tmp_path: Path) -> None:
    statuses = "".join(
        f"  {sid}:\n    label: {sid.title()} as we say it\n    description: Our own words for {sid}.\n"
        for sid in ("confirmed", "reported", "unverified", "disputed", "denied", "false")
    )
    site = _build(_site(tmp_path, "pl", "claim_statuses:\n" + statuses))
    claims = _text(site / "claims/index.html")
    assert "Confirmed as we say it" in claims and "Our own words for reported." in claims
    assert "Potwierdzone" not in claims and "3 twierdzenia" in claims


def test_a_site_override_wins_message_by_message(tmp_path: Path) -> None:
    site = _site(tmp_path, "pl")
    override = site / "themes/default/locales/pl/LC_MESSAGES/digest.po"
    override.parent.mkdir(parents=True)
    override.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "Articles"\nmsgstr "Teksty"\n', encoding="utf-8")
    home = (_build(site) / "index.html").read_text(encoding="utf-8")
    assert ">Teksty</a>" in home and ">Artykuły</a>" not in home
    assert ">Oś czasu</a>" in home  # the other messages are still the built-in ones


def test_a_new_language_from_the_site(tmp_path: Path) -> None:
    """A language digest does not ship, added by the newsroom, with its CLDR plural rules."""
    site = _site(tmp_path, "cs")
    catalogue = site / "themes/default/locales/cs/LC_MESSAGES/digest.po"
    catalogue.parent.mkdir(parents=True)
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "%(num)s claim"\nmsgid_plural "%(num)s claims"\nmsgstr[0] "%(num)s tvrzení"\nmsgstr[1] "%(num)s tvrzení"\n'
        'msgstr[2] "%(num)s tvrzení"\n\nmsgid "Claims"\nmsgstr "Tvrzení"\n',
        encoding="utf-8",
    )
    result = run_cli("build", "--source", site, "--output", site / "site")
    assert result.code == 0, result.err
    assert "no translations" not in result.err
    claims = _text(site / "site/claims/index.html")
    assert "Tvrzení" in claims and "5 tvrzení" in claims
    assert "7. listopadu 2022" in _text(site / "site/index.html")


def test_a_broken_catalogue_is_an_error_with_its_line(tmp_path: Path) -> None:
    site = _site(tmp_path, "pl")
    broken = site / "themes/default/locales/pl/LC_MESSAGES/digest.po"
    broken.parent.mkdir(parents=True)
    broken.write_text('msgid "Articles"\nmsgstr "Teksty"\nthis is not po\n', encoding="utf-8")
    result = run_cli("build", "--source", site, "--output", site / "site")
    assert result.code != 0
    assert re.search(r"themes/default/locales/pl/LC_MESSAGES/digest\.po:3(:\d+)?: error: cannot read this catalogue", result.err), result.err


def test_a_language_without_catalogue_warns(tmp_path: Path) -> None:
    site = _site(tmp_path, "de")
    result = run_cli("build", "--source", site, "--output", site / "site")
    assert result.code == 0
    assert re.search(r"content/site\.yaml:\d+:\d+: warning: no translations for language 'de'", result.err), result.err
    assert "7. November 2022" in _text(site / "site/index.html")


def test_editing_a_catalogue_rebuilds_the_pages(tmp_path: Path) -> None:
    """Pages depend on the catalogue's text: an unchanged one renders nothing again, an edited one re-renders."""
    site = _site(tmp_path, "pl")
    override = site / "themes/default/locales/pl/LC_MESSAGES/digest.po"
    override.parent.mkdir(parents=True)
    override.write_text('msgid "Articles"\nmsgstr "Teksty"\n', encoding="utf-8")
    _build(site)
    again = run_cli("build", "--source", site, "--output", site / "site")
    assert again.code == 0 and ("up to date" in again.out or "(0 rendered" in again.out), again.out
    override.write_text('msgid "Articles"\nmsgstr "Materiały"\n', encoding="utf-8")
    edited = run_cli("build", "--source", site, "--output", site / "site")
    assert edited.code == 0 and "(0 rendered" not in edited.out, edited.out
    assert ">Materiały</a>" in (site / "site/index.html").read_text(encoding="utf-8")
    assert ">Materiały</a>" in (site / "site/claims/index.html").read_text(encoding="utf-8")
