"""ASCII slugs for URLs: lowercase words joined by hyphens, and which names are safe as path segments."""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_SLUG_LENGTH = 80
MAX_ID_LENGTH = 100
"""Characters an id or slug may have (ids are ASCII, so also bytes): a folder name well under
the 255 bytes file systems allow, with room for the temporary names written beside it."""
MAX_SEGMENT_BYTES = 200
"""UTF-8 bytes a published file or folder name may have (static files): under the 255 that
file systems allow, with room for the ``.NAME.XXXXXXXX.tmp`` written beside it while replacing it."""

WINDOWS_RESERVED = frozenset({
    "con", "prn", "aux", "nul", "conin$", "conout$",
    *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10)),
})
"""Device names Windows will not use for a file or folder, whatever the extension."""


def is_windows_reserved(name: str) -> bool:
    """Whether Windows refuses ``name`` as a file or folder name: a site holding it cannot be checked out there.

    Windows compares case-insensitively, ignores what follows the first dot
    (``CON.txt``, ``nul.tar.gz``) and trailing spaces and dots, and treats
    the superscript digits of ``COM¹`` as digits; NFKC folds those and the
    full-width forms (``Ｃｏｎ``) that other steps (slugs, copies on other
    systems) may also fold to ASCII.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    stem = folded.split(".", 1)[0].rstrip(" .")
    return stem in WINDOWS_RESERVED

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


def safe_slug(slug: str, suffix: str) -> str:
    """``slug``, with ``-suffix`` added when it is a name Windows reserves (a title such as "Con")."""
    return f"{slug}-{suffix}" if is_windows_reserved(slug) else slug


def unfit_path_segment(rel: str) -> str | None:
    """Why a published file's path (site-relative, '/'-separated) would not work everywhere, or None."""
    for segment in rel.split("/"):
        if is_windows_reserved(segment):
            return f"'{segment}' is a name Windows reserves, so the site could not be checked out there; rename it"
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            return f"a name is longer than {MAX_SEGMENT_BYTES} bytes; shorten it"
    return None
