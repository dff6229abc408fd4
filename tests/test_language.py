"""Telling the language and script of an article's text, and when it is not the declared one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.text.language import _SCRIPT_PATTERN, detect, main_script, mismatch, script_shares, scripts_of, unstated_script

ENGLISH = (
    "The White House has reportedly been holding talks with Kremlin officials, the Wall Street Journal reported on Sunday, "
    "citing unnamed officials. National Security Advisor Jake Sullivan has been in contact with Yuri Ushakov."
)
POLISH = (
    "Sullivan rozmawiał z Patruszewem w zeszłym tygodniu. Według źródeł Patruszew nie potwierdził spotkania. "
    "Doradca Patruszewa odmówił komentarza, a o Patruszewie nie mówiono. Rozmowy trwały kilka godzin."
)
GERMAN = (
    "Der Nationale Sicherheitsberater Jake Sullivan soll in den vergangenen Monaten vertrauliche Gespräche mit "
    "hochrangigen Beratern des russischen Präsidenten geführt haben, berichtete das Wall Street Journal am Sonntag."
)
ARABIC = "قال جيك سوليفان إن المحادثات مع الكرملين كانت مفيدة. وأضاف سوليفان أن الاتصالات ستستمر بهدوء في الأسابيع المقبلة."
PERSIAN = (
    "جیک سالیوان گفت که گفتگوها با کرملین مفید بوده است. او افزود که این تماس‌ها در هفته‌های آینده به آرامی ادامه خواهد یافت. "
    "به گزارش روزنامه وال استریت ژورنال، مشاور امنیت ملی آمریکا با دستیاران ارشد رئیس جمهور روسیه گفتگو کرده است."
)
HEBREW = "ג'ייק סאליבן אמר כי השיחות עם הקרמלין היו מועילות, והוסיף כי הקשר יימשך בשקט בשבועות הקרובים."
RUSSIAN = "Салливан говорил с Патрушевым на прошлой неделе, сообщили источники. Встреча прошла в Москве, и стороны обсудили вопросы безопасности."
JAPANESE = "東京で会談が行われました。サリバン氏は記者団に対し、協議は有益だったと述べた。"
CHINESE = "美国国家安全顾问沙利文与俄罗斯官员进行了秘密会谈，华尔街日报周日报道称。"


@pytest.mark.parametrize(
    ("text", "language", "script"),
    [
        (ENGLISH, "en", "Latn"), (POLISH, "pl", "Latn"), (GERMAN, "de", "Latn"), (ARABIC, "ar", "Arab"), (PERSIAN, "fa", "Arab"),
        (HEBREW, "he", "Hebr"), (RUSSIAN, "ru", "Cyrl"), (JAPANESE, "ja", "Kana"), (CHINESE, "zh", "Hani"),
    ],
)
def test_detects_language_and_script(text, language, script):
    found = detect(text)
    assert (found.language, found.script) == (language, script)


def test_a_short_latin_text_gets_no_language_guess():
    """Too few letters for the model: no guess rather than a wrong one; a short Arabic text still tells its script."""
    assert detect("Talks in Kyiv").language == ""
    assert detect("محادثات سرية بين واشنطن وموسكو").language == "ar"


def test_numbers_and_punctuation_are_not_letters():
    assert script_shares("2022-11-07, 12:00 — «» …") == {}
    assert detect("2022-11-07 12:00 " * 40).language == ""


@pytest.mark.parametrize(
    ("tag", "scripts"),
    [("ar", {"Arab"}), ("AR-eg", {"Arab"}), ("az-Latn", {"Latn"}), ("pa-Arab", {"Arab"}), ("sr", {"Cyrl", "Latn"}),
     ("zh-Hant", {"Hani"}), ("ja", {"Hani", "Kana"}), ("en-GB", {"Latn"}), ("tlh", set())],
)
def test_scripts_of_a_tag(tag, scripts):
    assert scripts_of(tag) == scripts


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        (ARABIC, "en", "the text is mostly in Arabic script (100% of its letters), not in Latin as language 'en' is written; set 'language: ar'"),
        (RUSSIAN, "pl", "the text is mostly in Cyrillic script (100% of its letters), not in Latin as language 'pl' is written; set 'language: ru'"),
        (ENGLISH, "ar", "the text is mostly in Latin script (100% of its letters), not in Arabic as language 'ar' is written; set 'language: en'"),
        (POLISH, "en", "the text reads as language 'pl', not 'en'; set 'language: pl' if it is"),
        (ENGLISH, "de-AT", "the text reads as language 'en', not 'de-AT'; set 'language: en' if it is"),
    ],
)
def test_mismatch_says_what_the_text_is(text, declared, expected):
    assert mismatch(text, declared) == expected


@pytest.mark.parametrize(
    ("text", "declared"),
    [
        (ARABIC, "ar"), (ARABIC, "ar-EG"), (PERSIAN, "fa"), (ENGLISH, "en"), (ENGLISH, "en-GB"), (POLISH, "pl"), (RUSSIAN, "ru"),
        (JAPANESE, "ja"), (CHINESE, "zh-Hans"),
        (ENGLISH, "tlh"),  # a language the model does not know: not second-guessed
        ("Talks in Kyiv", "pl"),  # too short to tell one Latin-script language from another
        ("Sullivan, Ushakov i Patruszew. " + ARABIC[:12], "pl"),  # no script has most of the letters
    ],
)
def test_no_mismatch_where_the_text_is_what_is_declared_or_cannot_be_told(text, declared):
    assert mismatch(text, declared) == ""


def test_an_english_article_quoting_arabic_is_still_english():
    assert mismatch(ENGLISH + " " + ENGLISH + " He wrote: " + ARABIC[:40], "en") == ""


@pytest.mark.parametrize(
    ("text", "site_language", "script"),
    [
        ("تصريحات جديدة من الكرملين حول المحادثات مع واشنطن", "en", "Arab"),
        ("תקשורת בין וושינגטון למוסקבה נמשכת בשקט", "pl", "Hebr"),
        ("Переговоры с Кремлём продолжатся в Вашингтоне", "en", "Cyrl"),
        ("تصريحات جديدة من الكرملين حول المحادثات مع واشنطن", "ar", ""),
        ("تصريحات جديدة من الكرملين حول المحادثات مع واشنطن", "fa", ""),
        ("Talks between Washington and Moscow will go on quietly", "en", ""),
        ("Rozmowy Waszyngtonu z Moskwą będą trwały po cichu", "en", ""),
        ("OK", "en", ""),
    ],
)
def test_unstated_script_is_a_script_the_sites_language_is_not_written_in(text, site_language, script):
    assert unstated_script(main_script(text)[0], site_language) == script


@given(st.text(alphabet=st.sampled_from("aZé×ß ,1\u00a0’Жлω中ا"), max_size=40))
def test_script_shares_of_latin_only_text_are_those_of_counting_every_run(text):
    """Text with no letter beyond Latin skips the count of each run of letters: the shares are the same."""
    counts: dict[str, int] = {}
    for match in _SCRIPT_PATTERN.finditer(text):
        counts[match.lastgroup or ""] = counts.get(match.lastgroup or "", 0) + len(match.group())
    total = sum(counts.values())
    assert script_shares(text) == {script: count / total for script, count in sorted(counts.items(), key=lambda item: -item[1])}
    assert main_script(text)[2] == sum(1 for char in text if char.isalpha())
