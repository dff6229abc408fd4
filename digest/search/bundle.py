"""Make Pagefind's bundle byte-for-byte reproducible.

Pagefind writes its filter indexes in hash-map order, which changes from run
to run (its fragments and word indexes are stable). So after indexing, each
filter file is decoded, its values sorted and encoded again, and the files
that name it by content hash (the language's metadata file, then
``pagefind-entry.json``) are renamed and rewritten to match. The files are
gzipped CBOR after a ``pagefind_dcd`` signature; this module reads and writes
the part of CBOR they use. Anything unexpected raises `BundleFormatError`
instead of guessing; a file that ends too soon (Pagefind writing on a
nearly full disk) raises `BundleTruncated`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import struct
import zlib
from typing import Any

SIGNATURE = b"pagefind_dcd"
FILTER_FILE = re.compile(r"^(?P<prefix>.*filter/)(?P<hash>[a-z0-9-]+_[0-9a-f]+)\.pf_filter$")
META_FILE = re.compile(r"^(?P<prefix>.*)pagefind\.(?P<hash>[a-z0-9-]+_[0-9a-f]+)\.pf_meta$")


class BundleFormatError(Exception):
    """The bundle is not laid out as this module expects (a new Pagefind version?)."""


class BundleTruncated(BundleFormatError):
    """A bundle file ends before its content does: it was cut short when written."""


def canonical_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    """The same bundle with its filter indexes in sorted order and every name that depends on them updated."""
    out = dict(files)
    renamed: dict[str, str] = {}
    for path in sorted(files):
        match = FILTER_FILE.match(path)
        if not match:
            continue
        name, values = decode_file(files[path], path)
        if not (isinstance(name, str) and isinstance(values, list) and all(isinstance(v, list) and len(v) == 2 for v in values)):
            raise BundleFormatError(f"{path}: unexpected filter layout")
        data = _encode_file([name, sorted(values, key=lambda value: _sort_key(value[0]))])
        language = match["hash"].split("_")[0]
        new_hash = f"{language}_{_content_hash(data, len(match['hash']) - len(language) - 1)}"
        del out[path]
        out[f"{match['prefix']}{new_hash}.pf_filter"] = data
        renamed[match["hash"]] = new_hash
    for path in sorted(files):
        match = META_FILE.match(path)
        if not match:
            continue
        meta = decode_file(files[path], path)
        filters = _find_filter_list(meta, path)
        for entry in filters:
            entry[1] = renamed.get(entry[1], entry[1])
        filters.sort(key=lambda entry: entry[0])
        data = _encode_file(meta)
        language = match["hash"].split("_")[0]
        new_hash = f"{language}_{_content_hash(data, len(match['hash']) - len(language) - 1)}"
        del out[path]
        out[f"{match['prefix']}pagefind.{new_hash}.pf_meta"] = data
        entry_path = f"{match['prefix']}pagefind-entry.json"
        if entry_path not in out:
            raise BundleFormatError(f"{entry_path} missing")
        try:
            entry = json.loads(out[entry_path])
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            raise BundleTruncated(f"{entry_path} is not complete JSON") from exc
        languages = [info for info in entry.get("languages", {}).values() if info.get("hash") == match["hash"]]
        if len(languages) != 1:
            raise BundleFormatError(f"{entry_path} does not name {match['hash']} once")
        languages[0]["hash"] = new_hash
        out[entry_path] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return out


def _find_filter_list(meta: Any, path: str) -> list:
    """The metadata's [[filter name, file hash], ...]: its fourth item, after the version, pages and word index."""
    if not (isinstance(meta, list) and len(meta) >= 4 and isinstance(meta[0], str) and isinstance(meta[3], list)):
        raise BundleFormatError(f"{path}: unexpected metadata layout")
    filters = meta[3]
    if not all(isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair) for pair in filters):
        raise BundleFormatError(f"{path}: unexpected filter list")
    return filters


def _sort_key(value: Any) -> tuple:
    return (str(type(value)), value)


def _content_hash(data: bytes, length: int) -> str:
    return hashlib.sha1(data).hexdigest()[:length]


def decode_file(data: bytes, path: str) -> Any:
    try:
        raw = gzip.decompress(data)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BundleTruncated(f"{path} is not complete gzip data") from exc
    if len(raw) < len(SIGNATURE) and SIGNATURE.startswith(raw):
        raise BundleTruncated(f"{path} ends inside its signature")
    if not raw.startswith(SIGNATURE):
        raise BundleFormatError("missing pagefind_dcd signature")
    try:
        value, end = _decode(raw, len(SIGNATURE))
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise BundleTruncated(f"{path} ends in the middle of a value") from exc
    if end != len(raw):
        raise BundleFormatError("trailing bytes after CBOR value")
    return value


def _encode_file(value: Any) -> bytes:
    return gzip.compress(SIGNATURE + _encode(value), mtime=0)


def _decode(data: bytes, offset: int) -> tuple[Any, int]:
    major, info = data[offset] >> 5, data[offset] & 0x1F
    offset += 1
    if major == 7:
        simple = {20: False, 21: True, 22: None}
        if info in simple:
            return simple[info], offset
        if info == 27:
            return struct.unpack(">d", data[offset:offset + 8])[0], offset + 8
        raise BundleFormatError(f"unsupported CBOR simple value {info}")
    if info < 24:
        argument = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        _need(data, offset + size)
        argument = int.from_bytes(data[offset:offset + size], "big")
        offset += size
    else:
        raise BundleFormatError(f"unsupported CBOR length {info}")
    if major == 0:
        return argument, offset
    if major == 1:
        return -1 - argument, offset
    if major in (2, 3):
        _need(data, offset + argument)
        chunk = data[offset:offset + argument]
        return (chunk if major == 2 else chunk.decode("utf-8")), offset + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, offset = _decode(data, offset)
            items.append(item)
        return items, offset
    if major == 5:
        pairs = []
        for _ in range(argument):
            key, offset = _decode(data, offset)
            value, offset = _decode(data, offset)
            pairs.append((key, value))
        return _Map(pairs), offset
    raise BundleFormatError(f"unsupported CBOR major type {major}")


def _need(data: bytes, end: int) -> None:
    """Fail as truncated (IndexError) where a value would run past the end of the data."""
    if end > len(data):
        raise IndexError("CBOR value runs past the end of the data")


class _Map(list):
    """A CBOR map, kept as ordered pairs so it is written back as read."""


def _encode(value: Any) -> bytes:
    if value is False or value is True or value is None:
        return bytes([0xF4 if value is False else 0xF5 if value is True else 0xF6])
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return _head(3, len(encoded)) + encoded
    if isinstance(value, _Map):
        return _head(5, len(value)) + b"".join(_encode(k) + _encode(v) for k, v in value)
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_encode(item) for item in value)
    raise BundleFormatError(f"cannot encode {type(value).__name__}")


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise BundleFormatError("integer too large for CBOR")
