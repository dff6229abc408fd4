"""Which language and script an article's text is written in.

`digest new article` writes the detected `language:` into a new sidecar,
and `digest check` warns where a text does not read as the language its
sidecar (or the site) declares: an Arabic seed without `language: ar` is
laid out left to right and its fragments lose their direction everywhere.

Two steps. The script comes from the Unicode blocks of the text's letters
(`script_shares`): that alone tells Arabic, Hebrew, Cyrillic, Greek, CJK and
the other non-Latin scripts from Latin, with nothing to get wrong. Telling
languages of one script apart (Polish from English, Russian from Ukrainian,
Persian from Arabic) needs a statistical model: py3langid, a maintained
fork of langid.py (97 languages, a 4 MB model inside the wheel, no download
at run time, deterministic, a few microseconds a kilobyte once loaded).
Its guesses are used only where they are confident (`CONFIDENT`) and the
text long enough (`MIN_LETTERS_FOR_LANGUAGE`), and a same-script disagreement
between languages readers often mix up is never reported.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_SCRIPT_RANGES: tuple[tuple[str, str], ...] = (
    ("Latn", "A-Za-z\u00c0-\u024f\u1e00-\u1eff"),
    ("Arab", "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"),
    ("Hebr", "\u0590-\u05ff\ufb1d-\ufb4f"),
    ("Cyrl", "\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"),
    ("Grek", "\u0370-\u03ff\u1f00-\u1fff"),
    ("Hani", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"),
    ("Kana", "\u3040-\u30ff\u31f0-\u31ff"),
    ("Hang", "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"),
    ("Deva", "\u0900-\u097f"),
    ("Beng", "\u0980-\u09ff"),
    ("Taml", "\u0b80-\u0bff"),
    ("Thai", "\u0e00-\u0e7f"),
    ("Geor", "\u10a0-\u10ff"),
    ("Armn", "\u0530-\u058f"),
    ("Ethi", "\u1200-\u139f"),
    ("Thaa", "\u0780-\u07bf"),
    ("Syrc", "\u0700-\u074f"),
)
_SCRIPT_PATTERN = re.compile("|".join(f"(?P<{name}>[{ranges}]+)" for name, ranges in _SCRIPT_RANGES))
_LATIN = re.compile(f"[{_SCRIPT_RANGES[0][1]}]")
_NOT_LATIN = re.compile(f"[{''.join(ranges for _, ranges in _SCRIPT_RANGES[1:])}]")
"""A letter of any script but Latin: where there is none, every letter counted is Latin."""

SCRIPT_NAMES = {
    "Latn": "Latin", "Arab": "Arabic", "Hebr": "Hebrew", "Cyrl": "Cyrillic", "Grek": "Greek", "Hani": "Chinese (Han)",
    "Kana": "Japanese kana", "Hang": "Korean (Hangul)", "Deva": "Devanagari", "Beng": "Bengali", "Taml": "Tamil",
    "Thai": "Thai", "Geor": "Georgian", "Armn": "Armenian", "Ethi": "Ethiopic", "Thaa": "Thaana", "Syrc": "Syriac",
}

LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ckb", "sd", "ug", "ks"), frozenset({"Arab"})),
    **dict.fromkeys(("he", "iw", "yi"), frozenset({"Hebr"})),
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "kk", "ky", "tg", "mn", "ba", "tt", "cv", "os"), frozenset({"Cyrl"})),
    "sr": frozenset({"Cyrl", "Latn"}),
    "el": frozenset({"Grek"}),
    "zh": frozenset({"Hani"}),
    "ja": frozenset({"Hani", "Kana"}),
    "ko": frozenset({"Hang", "Hani"}),
    **dict.fromkeys(("hi", "mr", "ne", "sa"), frozenset({"Deva"})),
    **dict.fromkeys(("bn", "as"), frozenset({"Beng"})),
    "ta": frozenset({"Taml"}),
    "th": frozenset({"Thai"}),
    "ka": frozenset({"Geor"}),
    "hy": frozenset({"Armn"}),
    **dict.fromkeys(("am", "ti"), frozenset({"Ethi"})),
    "dv": frozenset({"Thaa"}),
    "syr": frozenset({"Syrc"}),
    **dict.fromkeys((
        "en", "pl", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "nn", "fi", "et", "lv", "lt", "cs", "sk", "sl",
        "hr", "bs", "hu", "ro", "tr", "az", "uz", "id", "ms", "vi", "tl", "sq", "ca", "eu", "gl", "ga", "cy", "is", "mt",
        "sw", "af", "lb", "eo", "la", "ht", "qu", "so", "ha", "yo", "zu", "xh", "ku",
    ), frozenset({"Latn"})),
}
"""The scripts a language is usually written in (ISO 15924); a tag's own script subtag overrides it."""

DEFAULT_SCRIPTS = {"Arab": "ar", "Hebr": "he", "Cyrl": "ru", "Grek": "el", "Hani": "zh", "Kana": "ja", "Hang": "ko",
                   "Deva": "hi", "Beng": "bn", "Taml": "ta", "Thai": "th", "Geor": "ka", "Armn": "hy", "Ethi": "am",
                   "Thaa": "dv", "Syrc": "syr"}
"""The language to suggest for a script when the model cannot say which of its languages a text is in."""

CLOSE_LANGUAGES = (frozenset({"no", "nb", "nn", "da"}), frozenset({"hr", "sr", "bs"}), frozenset({"id", "ms"}), frozenset({"cs", "sk"}))
"""Languages close enough that a model's disagreement with the editor is no reason to warn."""

SAMPLE_CHARACTERS = 20_000
"""How much of a text is looked at: enough to tell its language, and a check of a large site stays quick."""
MIN_LETTERS_FOR_SCRIPT = 20
MIN_LETTERS_FOR_LANGUAGE = 150
MOSTLY = 0.6
"""Share of the letters a script must have for the text to count as written in it."""
CONFIDENT = 0.99
"""Share of the model's probability its best language must have to be used."""


@dataclass(frozen=True, slots=True)
class Detection:
    language: str
    """A BCP 47 tag (the primary language subtag), or '' when the text says too little."""
    script: str
    """ISO 15924 code of most of its letters ('Arab'), or '' for no clear majority."""
    share: float
    """Share of the letters in that script."""


def script_shares(text: str) -> dict[str, float]:
    """Share of the letters of ``text`` (its first `SAMPLE_CHARACTERS`) in each script, largest first; {} for no letters."""
    sample = text[:SAMPLE_CHARACTERS]
    if not _NOT_LATIN.search(sample):  # most seeds: one pass in C instead of a Python step per word
        return {"Latn": 1.0} if _LATIN.search(sample) else {}
    counts: Counter[str] = Counter()
    for match in _SCRIPT_PATTERN.finditer(sample):
        counts[match.lastgroup or ""] += len(match.group())
    total = sum(counts.values())
    return {script: count / total for script, count in counts.most_common()} if total else {}


def main_script(text: str) -> tuple[str, float, int]:
    """(script of most letters, its share, how many letters), or ('', 0, letters) without a clear majority."""
    shares = script_shares(text)
    letters = sum(map(str.isalpha, text[:SAMPLE_CHARACTERS]))  # counted in C: a Python step per character was a tenth of link
    if not shares or letters < MIN_LETTERS_FOR_SCRIPT:
        return "", 0.0, letters
    if shares.get("Kana", 0.0) > 0.05:  # Japanese mixes kana with Han characters
        shares = {**shares, "Kana": shares["Kana"] + shares.pop("Hani", 0.0)}
    script, share = max(shares.items(), key=lambda item: item[1])
    return (script, share, letters) if share >= MOSTLY else ("", share, letters)


def detect(text: str) -> Detection:
    """The language a text is written in, as far as its letters tell."""
    script, share, letters = main_script(text)
    if not script:
        return Detection("", "", share)
    language = ""
    if letters >= MIN_LETTERS_FOR_LANGUAGE:
        guess, confidence, _ = _model_guess(text)
        if confidence >= CONFIDENT and script in scripts_of(guess):
            language = guess
    return Detection(language or DEFAULT_SCRIPTS.get(script, ""), script, share)


def scripts_of(tag: str) -> frozenset[str]:
    """The scripts a BCP 47 tag is written in: its script subtag, else its language's usual ones (empty if unknown)."""
    parts = tag.split("-")
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            code = part.title()
            return frozenset({"Hani", "Kana"}) if code == "Jpan" else frozenset({"Hani"}) if code in ("Hans", "Hant") else frozenset({code})
    return LANGUAGE_SCRIPTS.get(parts[0].lower(), frozenset())


RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa"})
"""The scripts told apart here that are written right to left."""


def unstated_script(script: str, site_language: str) -> str:
    """``script`` (a text's, from `main_script`) when the site's language is not written in it; '' otherwise.

    For a text whose language nobody declared: the build does not guess a
    language from a model (a short text can fool it, and ``digest check``
    asks the editor to declare one), but a script is plain from the letters:
    enough to mark the text as of unknown language and give it its
    direction, so an Arabic seed in an English site is not laid out left to
    right."""
    return script if script and script not in scripts_of(site_language) else ""


def mismatch(text: str, declared: str) -> str:
    """Why ``text`` does not read as the ``declared`` language, or '' when it does (or cannot be told)."""
    script, share, letters = main_script(text)
    if not script:
        return ""
    expected = scripts_of(declared)
    primary = declared.split("-")[0].lower()
    if expected and script not in expected:
        suggestion = detect(text).language
        return (
            f"the text is mostly in {SCRIPT_NAMES[script]} script ({share:.0%} of its letters), "
            f"not in {', '.join(sorted(SCRIPT_NAMES[s] for s in expected))} as language '{declared}' is written"
            + (f"; set 'language: {suggestion}'" if suggestion else "")
        )
    if letters < MIN_LETTERS_FOR_LANGUAGE:
        return ""
    guess, confidence, known = _model_guess(text)
    if (
        confidence >= CONFIDENT
        and guess != primary
        and script in scripts_of(guess)
        and not any({guess, primary} <= group for group in CLOSE_LANGUAGES)
        and primary in known
    ):
        return f"the text reads as language '{guess}', not '{declared}'; set 'language: {guess}' if it is"
    return ""


def same_language(first: str, second: str) -> bool:
    """Whether two BCP 47 tags name one language in one script, so that their words can be compared.

    Regions do not matter ("en-GB" and "en" compare); scripts do ("sr-Latn"
    and "sr-Cyrl" share no words)."""
    return _language_and_script(first) == _language_and_script(second)


def _language_and_script(tag: str) -> tuple[str, str]:
    parts = tag.lower().split("-")
    script = next((part for part in parts[1:] if len(part) == 4 and part.isalpha()), "")
    return parts[0], script


def _model_guess(text: str) -> tuple[str, float, frozenset[str]]:
    """py3langid's most likely language of ``text``, its probability among all it knows, and the languages it knows."""
    import py3langid  # loads its model on first use: only the commands that detect pay for it

    ranked = py3langid.rank(text[:SAMPLE_CHARACTERS])
    best = float(ranked[0][1])
    total = sum(math.exp(float(score) - best) for _, score in ranked)
    return str(ranked[0][0]), 1.0 / total, frozenset(str(language) for language, _ in ranked)
