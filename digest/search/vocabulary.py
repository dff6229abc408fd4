"""Which shards hold a word: the search index's vocabulary (pure; `index.py` runs Pagefind over it).

Why it exists. Pagefind looks a query word up in each index on its own, and
where an index has no word that starts with the word's stem it falls back to
the longest word it has that the stem starts with (or, with none, drops the
word from the query). Over one index of the whole site that happens only for
a typo. Over shards it happens in every shard that lacks the word, so a name
found in one article shard of twenty matched "us" ("U.S.") in all the others,
and a search for "Ushakov" listed every page about the U.S.

So the bundle holds one more small Pagefind index, ``pagefind/vocabulary/``,
with one record per shard: the distinct words that shard indexed, in the
site's language, the shard's name as its only filter value. Pagefind itself
tokenises and stems those words, so a word searched there finds exactly the
shards holding an extension of its stem, with Pagefind's own fallback over the
whole site's words when it is a typo. The search page's front for Pagefind's
API (``pagefind/digest/pagefind.js``, `FACADE`) asks it which shards hold each
query word and searches only those (see that file).

A shard's words are read from what Pagefind made of its pages, not from the
pages: each fragment holds a page's indexed text and metadata, and the
shard's metadata file names the metadata fields it indexed (a person's
``names`` among them); the record gives each field as metadata again, so it is
tokenised as the shard tokenised it. They are kept beside the shard (`WORDS`),
made and kept with it, so after an edit only the re-indexed shards'
fragments are read, and the other shards' lists are read back whole.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.search.bundle import SIGNATURE, BundleFormatError, BundleTruncated, decode_file

FOLDER = "vocabulary"
"""The vocabulary index's folder in the bundle, beside the shards' (never a shard's name: those are a group and a number)."""
WORDS = "digest-words.json.gz"
"""A shard's word list, in the shard's folder."""
FILTER = "_digest_shard"
"""The filter naming a vocabulary record's shard; the facade gives every shard's pages the same key (``mergeFilter``)
to search only some shards, and hides it from the reader. The same word is in facade.js."""
FACADE = "digest/pagefind.js"
"""Where in the bundle the facade goes: Pagefind's UI imports ``<bundlePath>pagefind.js``."""
FACADE_SOURCE = Path(__file__).with_name("facade.js")
FORMAT = "vocabulary-2"
"""Changes when the words, the records or the files kept are made differently, so the vocabulary is made again
(2: with Pagefind's web worker, `WORKER`)."""
WORKER = "pagefind-worker.js"
"""Pagefind's web worker, kept in the vocabulary's folder: Pagefind 1.5 loads one worker for a page, from the folder of
the first index the page opens (``<basePath>pagefind-worker.js``, its search_wrapper.ts), and the facade opens the
vocabulary first, so search runs in the worker instead of on the page's thread after a console warning."""
_FRAGMENT = re.compile(r"^fragment/[^/]+\.pf_fragment$")
_META = re.compile(r"^pagefind\.[^/]+\.pf_meta$")
_KEPT = re.compile(r"^(pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|wasm\.[^/]+\.pagefind|(index|filter)/.+|" + re.escape(WORKER) + ")$")
"""The vocabulary's files the facade needs, and the web worker (`WORKER`): not its fragments (each a shard's whole
word list), which a search never opens."""


@dataclass(frozen=True, slots=True)
class ShardWords:
    """The words one shard indexed, as the text Pagefind tokenised: distinct, sorted."""

    text: tuple[str, ...]
    """The pages' indexed text, split at white space."""
    meta: tuple[tuple[str, tuple[str, ...]], ...]
    """Each indexed metadata field (``title``, ``names``, an event's ``url``...) and the words of its values."""


def shard_words(bundle: Mapping[str, bytes]) -> ShardWords:
    """The words of a shard from its Pagefind files (by name inside the shard)."""
    fields = indexed_meta_fields(bundle)
    text: set[str] = set()
    meta: dict[str, set[str]] = {field: set() for field in fields}
    for path in sorted(bundle):
        if not _FRAGMENT.match(path):
            continue
        fragment = decode_fragment(bundle[path], path)
        text.update(fragment["content"].split())
        values = fragment.get("meta", {})
        for field in fields:
            value = values.get(field)
            if isinstance(value, str):
                meta[field].update(value.split())
    return ShardWords(tuple(sorted(text)), tuple((field, tuple(sorted(words))) for field, words in sorted(meta.items()) if words))


def indexed_meta_fields(bundle: Mapping[str, bytes]) -> tuple[str, ...]:
    """The metadata fields a shard indexed: the last item of its metadata file."""
    metas = [path for path in bundle if _META.match(path)]
    if len(metas) != 1:
        raise BundleFormatError(f"expected one metadata file in a shard, found {len(metas)}")
    meta = decode_file(bundle[metas[0]], metas[0])
    if not (isinstance(meta, list) and len(meta) >= 6 and isinstance(meta[5], list) and all(isinstance(field, str) for field in meta[5])):
        raise BundleFormatError(f"{metas[0]}: unexpected metadata layout (no list of indexed fields)")
    return tuple(sorted(meta[5]))


def decode_fragment(data: bytes, path: str) -> dict:
    """A Pagefind fragment: gzipped JSON after the ``pagefind_dcd`` signature."""
    try:
        raw = gzip.decompress(data)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BundleTruncated(f"{path} is not complete gzip data") from exc
    if not raw.startswith(SIGNATURE):
        raise BundleFormatError(f"{path}: missing pagefind_dcd signature")
    try:
        fragment = json.loads(raw[len(SIGNATURE):])
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise BundleTruncated(f"{path} is not complete JSON") from exc
    if not (isinstance(fragment, dict) and isinstance(fragment.get("content"), str) and isinstance(fragment.get("meta", {}), dict)):
        raise BundleFormatError(f"{path}: unexpected fragment layout")
    return fragment


def encode_words(words: ShardWords) -> bytes:
    """`WORDS`: the same bytes for the same words."""
    body = {"text": list(words.text), "meta": {field: list(values) for field, values in words.meta}}
    return gzip.compress(json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8"), mtime=0)


def decode_words(data: bytes, path: str) -> ShardWords:
    try:
        body = json.loads(gzip.decompress(data))
    except (EOFError, gzip.BadGzipFile, zlib.error, ValueError) as exc:
        raise BundleTruncated(f"{path} is not a complete word list") from exc
    text, meta = body.get("text") if isinstance(body, dict) else None, body.get("meta") if isinstance(body, dict) else None
    if not (isinstance(text, list) and isinstance(meta, dict)):
        raise BundleFormatError(f"{path}: unexpected word list layout")
    return ShardWords(tuple(text), tuple((field, tuple(values)) for field, values in sorted(meta.items())))


def vocabulary_records(words: Mapping[str, ShardWords], language: str) -> list[dict]:
    """Pagefind's ``AddRecord`` requests (without the index id): one per shard, in name order."""
    return [
        {
            "type": "AddRecord", "url": name, "content": " ".join(words[name].text), "language": language,
            "meta": {field: " ".join(values) for field, values in words[name].meta} or None,
            "filters": {FILTER: [name]}, "sort": None,
        }
        for name in sorted(words)
    ]


def vocabulary_bundle(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files of the vocabulary's Pagefind run that the facade reads (by name inside its folder)."""
    return {path: data for path, data in files.items() if _KEPT.match(path)}


def facade_script() -> bytes:
    return FACADE_SOURCE.read_bytes()
