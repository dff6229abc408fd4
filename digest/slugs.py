"""ASCII slugs for URLs: lowercase words joined by hyphens."""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_SLUG_LENGTH = 80

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = {
    "ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
    "þ": "th", "Þ": "th", "œ": "oe", "Œ": "oe", "ı": "i",
}
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "ye", "yi", "g"],
))


def transliterate(text: str) -> str:
    """Best-effort ASCII for Latin and Cyrillic text; other scripts drop out."""
    out = []
    for char in text:
        lower = char.lower()
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif lower in _CYRILLIC:
            out.append(_CYRILLIC[lower])
        else:
            out.append(char)
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    return decomposed.encode("ascii", "ignore").decode("ascii")


@functools.lru_cache(maxsize=50_000)
def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Lowercase-hyphenated ASCII, cut at a word boundary; '' when nothing is left."""
    words = re.findall(r"[a-z0-9]+", transliterate(text.replace("'", "").replace("\u2019", "")).lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            if not slug:
                slug = word[:max_length]
            break
        slug = candidate
    return slug
