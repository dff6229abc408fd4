"""The search vocabulary (digest/search/vocabulary.py): each shard's words as Pagefind indexed them, and the index of them."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from digest.search import index as search
from digest.search import vocabulary
from digest.search.bundle import SIGNATURE, BundleFormatError, BundleTruncated, decode_file
from digest.search.index import index_shard

from conftest import REPO, copy_site, read_tree, run_cli


def index_words(files: dict[str, bytes]) -> dict[str, set[int]]:
    """Every word of a Pagefind index (its word index files, names inside the index) and the pages holding it.

    Each word's entry lists its pages as [page, locations, metadata locations], page numbers given
    as the difference from the page before."""
    words: dict[str, set[int]] = {}
    for path, data in files.items():
        if path.startswith("index/") and path.endswith(".pf_index"):
            for chunk in decode_file(data, path):
                for word, pages, *_ in chunk:
                    page = 0
                    for entry in pages:
                        page += entry[0]
                        words.setdefault(word, set()).add(page)
    return words


def shard_of_records(files: dict[str, bytes]) -> dict[int, str]:
    """The vocabulary's record numbers -> shard names, from its filter."""
    (path,) = [path for path in files if path.startswith("filter/")]
    name, values = decode_file(files[path], path)
    assert name == vocabulary.FILTER
    return {page: shard for shard, pages in values for page in pages}


def folder_files(folder) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def split_demo(tmp_path_factory):
    """The demo with every folder split into shards of two pages (as in test_search.py)."""
    from digest.search import shards as searchshards

    out = tmp_path_factory.mktemp("split") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(searchshards, "SHARD_PAGES", 2)
        result = run_cli("build", "--source", REPO, "--output", out)
    assert result.code == 0, result.err
    return out


def test_each_shards_vocabulary_record_holds_exactly_the_words_the_shard_indexed(split_demo):
    """Pagefind tokenises and stems the shard's text and metadata again in the vocabulary: the same words come out,
    names and aliases (a person's ``names``) and an event's URL words included, and nothing else."""
    bundle = split_demo / "pagefind"
    names = json.loads((bundle / "shards.json").read_text())["shards"]
    assert len(names) > 10
    vocabulary_files = folder_files(bundle / vocabulary.FOLDER)
    records = shard_of_records(vocabulary_files)
    assert sorted(records.values()) == sorted(names)
    by_shard: dict[str, set[str]] = {name: set() for name in names}
    for word, pages in index_words(vocabulary_files).items():
        for page in pages:
            by_shard[records[page]].add(word)
    for name in names:
        assert by_shard[name] == set(index_words(folder_files(bundle / name))), name
    people = next(name for name in names if "zelenskyy" in by_shard[name])
    assert people.startswith("people"), "an alias, found only in the names metadata"
    assert any("digesttimeline2022" in word for word in by_shard["events-2"]), "an event's url metadata is indexed, so it is a word"
    assert not [path for path in vocabulary_files if path.startswith("fragment/")], "a search never opens the vocabulary's fragments"


def test_the_search_page_gets_the_facade_from_the_bundle(split_demo):
    facade = (split_demo / "pagefind" / vocabulary.FACADE).read_text()
    assert facade.startswith("/* digest's front") and 'import * as pagefind from "../pagefind.js";' in facade
    assert re.search(r'const KEY = "([^"]+)"', facade).group(1) == vocabulary.FILTER
    assert re.search(r'new URL\("\.\./([^/"]+)/", import\.meta\.url\)', facade).group(1) == vocabulary.FOLDER
    for name in ("options", "mergeIndex", "filters", "preload", "search", "debouncedSearch", "init", "destroy"):
        assert f"export async function {name}(" in facade, name
    script = (REPO / "themes/default/static/search.js").read_text()
    assert 'bundlePath: bundle + "digest/"' in script and vocabulary.FACADE == "digest/pagefind.js"


PERSON = ('<html lang="en"><head><title>Yuri Ushakov</title></head><body data-pagefind-body data-pagefind-meta="names:Yuri Ushakov, Ushakov">'
          '<h1>Yuri Ushakov</h1><p>Aide to the U.S.-Russia talks.<a class="ref" href="/c/">claim, Reported</a></p>'
          '<div data-pagefind-ignore>Ignored words</div></body></html>')


def test_a_shards_words_are_its_indexed_text_and_metadata():
    bundle = index_shard([("people/yuri/index.html", PERSON.encode())], (), "en")
    words = vocabulary.shard_words(bundle)
    assert words.text == ("Aide", "U.S.-Russia", "Ushakov.", "Yuri", "talks.", "the", "to"), "the heading and the text, split at white space"
    assert not {"Ignored", "claim,", "Reported"} & set(words.text), "ignored elements and the chips are not indexed"
    assert dict(words.meta) == {"names": ("Ushakov", "Ushakov,", "Yuri"), "title": ("Ushakov", "Yuri")}
    assert vocabulary.decode_words(vocabulary.encode_words(words), "w") == words
    assert vocabulary.encode_words(words) == vocabulary.encode_words(vocabulary.shard_words(dict(reversed(bundle.items()))))


def test_a_fragment_is_gzipped_json_after_pagefinds_signature():
    bundle = index_shard([("people/yuri/index.html", PERSON.encode())], (), "en")
    (path,) = [path for path in bundle if path.startswith("fragment/")]
    fragment = vocabulary.decode_fragment(bundle[path], path)
    assert fragment["url"] == "/people/yuri/" and fragment["meta"]["names"] == "Yuri Ushakov, Ushakov"
    raw = gzip.decompress(bundle[path])
    assert raw.startswith(SIGNATURE)
    for cut in (bundle[path][:10], gzip.compress(raw[:-5], mtime=0)):
        with pytest.raises(BundleTruncated):
            vocabulary.decode_fragment(cut, path)
    for wrong in (gzip.compress(b"{}", mtime=0), gzip.compress(SIGNATURE + b'{"url": "/"}', mtime=0)):
        with pytest.raises(BundleFormatError):
            vocabulary.decode_fragment(wrong, path)


@pytest.mark.parametrize(("data", "error"), [
    (b"", BundleTruncated), (gzip.compress(b'{"text": ["a"]', mtime=0), BundleTruncated), (gzip.compress(b'{"text": "a"}', mtime=0), BundleFormatError),
])
def test_a_damaged_word_list_is_an_error_not_a_guess(data, error):
    with pytest.raises(error):
        vocabulary.decode_words(data, "pagefind/articles/digest-words.json.gz")


def test_an_edit_reads_only_the_fragments_of_the_shards_it_indexes_again(tmp_path, monkeypatch):
    """A shard's word list is kept beside it: after an edit only the re-indexed shard's fragments are read,
    the other shards' lists are read back from the live site (or none, when the edited shard's words are
    the same: the vocabulary is kept), and the result is a clean build's."""
    from digest.pipeline.build import build_site

    site = copy_site("basic", tmp_path)
    out = tmp_path / "out"
    decoded: list[str] = []
    real = vocabulary.decode_fragment

    def counted(data: bytes, path: str) -> dict:
        decoded.append(path)
        return real(data, path)

    monkeypatch.setattr(vocabulary, "decode_fragment", counted)
    first = build_site(site, out)
    shards = set(first.state.search_shards) - {vocabulary.FOLDER}
    fragments = {name: len(list((out / "pagefind" / name / "fragment").iterdir())) for name in shards}
    assert len(decoded) == sum(fragments.values()) and len(shards) >= 4
    words_read: list[str] = []
    real_words = vocabulary.decode_words
    monkeypatch.setattr(search, "decode_words", lambda data, path: words_read.append(path) or real_words(data, path))

    decoded.clear()
    seed = site / "seeds/plain-one.txt"
    seed.write_text(seed.read_text() + "A new paragraph about zeppelins.\n")
    second = build_site(site, out, previous=first.state)
    assert len(decoded) == fragments["articles"]
    assert sorted(words_read) == sorted(f"pagefind/{name}/{vocabulary.WORDS}" for name in shards)
    assert second.state.search_shards[vocabulary.FOLDER] != first.state.search_shards[vocabulary.FOLDER]
    assert read_tree(out) == read_tree(_clean(site, tmp_path / "clean"))

    decoded.clear()
    words_read.clear()
    third = build_site(site, out, previous=second.state)
    assert decoded == [] and words_read == [], "nothing changed: nothing read"

    seed.write_text(seed.read_text() + "A new paragraph about zeppelins.\n")  # no word the shard lacks
    made: list[str] = []
    real_vocabulary = search.vocabulary_files
    monkeypatch.setattr(search, "vocabulary_files", lambda names, *args: made.append("vocabulary") or real_vocabulary(names, *args))
    fourth = build_site(site, out, previous=third.state)
    assert len(decoded) == fragments["articles"] and made == [] and words_read == [], "the same words: the vocabulary is kept"
    assert fourth.state.search_shards["articles"] != third.state.search_shards["articles"]
    assert read_tree(out) == read_tree(_clean(site, tmp_path / "clean-2"))
    made.clear()
    seed.write_text(seed.read_text() + "And one about dirigibles.\n")
    build_site(site, out, previous=fourth.state)
    assert made == ["vocabulary"], "a new word: the vocabulary is made again"
    assert read_tree(out) == read_tree(_clean(site, tmp_path / "clean-3"))


@pytest.mark.parametrize("gone", ["pagefind/vocabulary/pagefind-entry.json", "pagefind/articles/" + vocabulary.WORDS])
def test_a_vocabulary_file_deleted_from_the_output_is_made_again(gone, tmp_path):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "out"
    assert run_cli("build", "--source", site, "--output", out).code == 0
    (out / gone).unlink()
    result = run_cli("build", "--source", site, "--output", out)
    assert result.code == 0, result.err
    assert (out / gone).is_file() and read_tree(out) == read_tree(_clean(site, tmp_path / "clean"))


def _clean(site, out):
    assert run_cli("build", "--source", site, "--output", out).code == 0
    return out


def test_a_damaged_live_word_list_fails_the_index_with_one_line():
    with pytest.raises(search.SearchIndexError, match=r"^the search index's word list pagefind/articles/digest-words.json.gz is damaged \(.*\); delete pagefind/"):
        search.vocabulary_files(["articles"], {}, lambda path: b"not gzip", "en")
