"""Paths: nothing in the content can name a file outside the output, or read one outside the site root.

Ids, slugs and file names become output paths; content files and seeds may be
symlinks. Each case is a real build of a copy of tests/sites/basic.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import SITES, copy_site, read_tree, run_cli

SIDECAR = "content/articles/markdown-two.yaml"
SIDECAR_WITH_SLUG = (
    "outlet: Outlet Two\npublished: 2022-11-08\nslug: {slug}\n"
    "claims:\n  - id: talks-not-useful\n    quote: Sullivan met Zelensky\n"
)
SAFE_OUTPUT_PATH = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


@pytest.fixture
def site(tmp_path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(SITES / "basic", source)
    return source


def build(source: Path, output: Path):
    result = run_cli("build", "--source", source, "--output", output)
    assert "Traceback" not in result.err
    assert result.code in (0, 1), result.err
    return result


def assert_confined(output: Path) -> None:
    """Every output file lies inside the output folder, under a plain, portable path."""
    real = output.resolve()
    for rel in read_tree(output):
        assert (output / rel).resolve().is_relative_to(real), rel
        assert SAFE_OUTPUT_PATH.match(rel), f"unsafe output path {rel!r}"
        assert ".." not in rel.split("/"), rel


def errors_of(result) -> list[str]:
    return [line for line in result.err_lines if ": error: " in line]


# -- slugs and ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    [
        '"../../x"',
        '".."',
        '"."',
        '"/etc/x"',
        '"x/../../y"',
        '"x\\\\y"',
        '"a\\0b"',
        '"%2e%2e"',
        '"\\uff0e\\uff0e"',  # fullwidth full stops: NFKC gives '..'
        '"\\u2024\\u2024"',  # one dot leaders
        '"CON"',
        '"x y"',
        '"-x"',
        '"x-"',
        '""',
        "[a, b]",
    ],
    ids=lambda s: re.sub(r"\W+", "_", s).strip("_") or "empty",
)
def test_slugs_that_could_escape_are_rejected(site, tmp_path, slug):
    (site / SIDECAR).write_text(SIDECAR_WITH_SLUG.format(slug=slug), encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert errors_of(result) and errors_of(result)[0].startswith(f"{SIDECAR}:3:7: error: "), result.err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.mark.parametrize("where", ["slug", "claim-id", "person-file"])
def test_ids_with_a_trailing_newline_are_rejected(site, tmp_path, where):
    if where == "slug":
        (site / SIDECAR).write_text(SIDECAR_WITH_SLUG.format(slug='"fresh\\n"'), encoding="utf-8")
    elif where == "claim-id":
        (site / SIDECAR).write_text(
            'outlet: Outlet Two\npublished: 2022-11-08\nclaims:\n  - id: "fresh\\n"\n    quote: Sullivan met Zelensky\n'
            "    text: A claim.\n    status: reported\n",
            encoding="utf-8",
        )
    else:
        (site / "content/people/fresh\n.yaml").write_text("name: Fresh Person\n", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1, f"accepted; output paths: {[p for p in read_tree(tmp_path / 'out') if 'fresh' in p]}"


def test_person_file_with_a_reserved_windows_name_is_rejected(site, tmp_path):
    (site / "content/people/con.yaml").write_text("name: Con Person\n", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert errors_of(result)[0].startswith("content/people/con.yaml:1:1: error: "), result.err
    assert "reserve" in errors_of(result)[0]


@pytest.mark.parametrize("name", ["CON.yaml", "Jake.yaml", "jake sullivan.yaml", "-jake.yaml", "j\u00e4ke.yaml"])
def test_person_file_names_must_be_ids(site, tmp_path, name):
    (site / "content/people" / name).write_text("name: Someone\n", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert errors_of(result)[0].startswith(f"content/people/{name}:1:1: error: "), result.err


RESERVED_REASON = (
    "load.WINDOWS_RESERVED is applied to person file names only; a slug, a claim id or a slug made from a title "
    "('Con', 'Aux') can be con/aux/nul/com1..., giving a folder that cannot be checked out or unzipped on Windows"
)


@pytest.mark.parametrize("slug", ["con", "aux", "nul", "prn", "com1", "lpt9"])
def test_reserved_windows_names_are_rejected_as_slugs(site, tmp_path, slug):
    (site / SIDECAR).write_text(SIDECAR_WITH_SLUG.format(slug=slug), encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1, f"accepted: wrote articles/{slug}/"
    assert errors_of(result)[0].startswith(f"{SIDECAR}:3:7: error: "), result.err


def test_reserved_windows_names_are_rejected_as_claim_ids(site, tmp_path):
    (site / SIDECAR).write_text(
        "outlet: Outlet Two\npublished: 2022-11-08\nclaims:\n  - id: aux\n    quote: Sullivan met Zelensky\n"
        "    text: A claim.\n    status: reported\n",
        encoding="utf-8",
    )
    result = build(site, tmp_path / "out")
    assert result.code == 1, "accepted: wrote claims/aux/"
    assert errors_of(result)[0].startswith(f"{SIDECAR}:4:9: error: "), result.err


def test_a_title_that_slugifies_to_a_reserved_name_gets_another_slug(site, tmp_path):
    (site / SIDECAR).write_text(
        "title: Con\noutlet: Outlet Two\npublished: 2022-11-08\nclaims:\n  - id: talks-not-useful\n    quote: Sullivan met Zelensky\n",
        encoding="utf-8",
    )
    result = build(site, tmp_path / "out")
    assert result.code == 0, result.err
    folders = {rel.split("/")[1] for rel in read_tree(tmp_path / "out") if rel.startswith("articles/") and rel.count("/") == 2}
    assert "con" not in folders, folders


def test_arabic_title_without_slug_gets_a_safe_ascii_slug(site, tmp_path):
    (site / SIDECAR).write_text(
        "title: \u0645\u062d\u0627\u062f\u062b\u0627\u062a \u0633\u0631\u064a\u0629\noutlet: Outlet Two\npublished: 2022-11-08\n"
        "claims:\n  - id: talks-not-useful\n    quote: Sullivan met Zelensky\n",
        encoding="utf-8",
    )
    result = build(site, tmp_path / "out")
    assert result.code == 0, result.err
    assert_confined(tmp_path / "out")


WEIRD_SEED_NAMES = [
    "..md",
    "...txt",
    ".hidden.txt",
    "s\u00e9\u20acd \U0001f642.txt",
    "a\nb.txt",
    "\uff23\uff2f\uff2e.txt",  # fullwidth CON
    "-rf.txt",
    "\u202etxt.exe.txt",
    "con.txt",
    "x\x01y.txt",
    "back\\slash.txt",
    "\u0645\u0642\u0627\u0644.txt",
    "%2e%2e.txt",
    "very-" + "long-" * 40 + "name.txt",
]


def test_weird_seed_file_names_stay_inside_the_output(site, tmp_path):
    for index, name in enumerate(WEIRD_SEED_NAMES):
        (site / "seeds" / name).write_text(f"Seed title number {index}\nSome text of seed {index}.\n", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 0, result.err
    output = tmp_path / "out"
    assert_confined(output)
    assert not any(p.name.startswith("..") for p in tmp_path.iterdir())
    ids = {article["id"] for article in json.loads((output / "data.json").read_text(encoding="utf-8"))["articles"]}
    hidden = {name.rsplit(".", 1)[0] for name in WEIRD_SEED_NAMES if name.startswith(".")}
    assert not ids & hidden, "hidden seeds were built"
    assert len(ids) == 2 + len(WEIRD_SEED_NAMES) - 3


# -- collisions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [("Logo.png", "logo.png"), ("img/Photo.JPG", "img/photo.jpg"), ("IMG/a.png", "img/a.png"), ("stra\u00dfe.txt", "STRASSE.txt")],
)
def test_static_files_differing_only_in_case_are_an_error(site, tmp_path, first, second):
    for name in (first, second):
        path = site / "content/static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert any(line.startswith("content/static/") and "case" in line for line in errors_of(result)), result.err


@pytest.mark.parametrize("name", ["Feed.xml", "Index.html", "ARTICLES/index.html"])
def test_static_file_colliding_with_a_generated_file_by_case_is_an_error(site, tmp_path, name):
    path = site / "content/static" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("static", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1, "accepted"


@pytest.mark.parametrize("name", ["pagefind/pagefind.js", "PageFind/extra.txt"])
def test_a_static_file_where_the_search_index_goes_is_an_error(site, tmp_path, name):
    path = site / "content/static" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("static", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "index.html").write_text("the last good site", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert f"content/static/{name}:1:1: error: static file '{name}' is inside pagefind/, where the search index goes" in result.err
    assert "Traceback" not in result.err
    assert (tmp_path / "out" / "index.html").read_text(encoding="utf-8") == "the last good site"


def test_two_titles_with_the_same_slug_are_an_error(site, tmp_path):
    (site / "seeds/other.txt").write_text("Leaders trade words over Ukraine!\nAnother text.\n", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert any("slug 'leaders-trade-words-over-ukraine'" in line for line in errors_of(result)), result.err


def test_titles_that_fold_to_the_same_slug_are_an_error(site, tmp_path):
    (site / "seeds/one.txt").write_text("\u00c9t\u00e9 \u2014 r\u00e9sum\u00e9\nText one.\n", encoding="utf-8")
    (site / "seeds/two.txt").write_text("ETE resume\nText two.\n", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert any("slug 'ete-resume'" in line for line in errors_of(result)), result.err


# -- symlinks ---------------------------------------------------------------------------------


SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT"


def _outside(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("seeds/leak.txt", f"{SECRET}\nA leaked text.\n"),
        ("seeds/leak.md", f"# {SECRET}\n\nA leaked text.\n"),
        ("content/people/sean-obrien.yaml", f"name: {SECRET}\n"),
        ("content/articles/markdown-two.yaml", f"outlet: {SECRET}\npublished: 2022-11-08\n"),
        ("content/site.yaml", f"title: {SECRET}\nbase_url: https://example.org/basic\n"),
        ("content/static/leak.txt", SECRET),
    ],
)
@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_symlink_pointing_outside_the_root_is_refused(site, tmp_path, rel, text, relative):
    target = _outside(tmp_path, Path(rel).name, text)
    link = site / rel
    if link.exists():
        link.unlink()
    os.symlink(os.path.relpath(target, link.parent) if relative else target, link)
    result = build(site, tmp_path / "out")
    assert result.code == 1, "a file outside the root was read"
    assert any(line.startswith(f"{rel}:1:1: error: ") and "outside" in line for line in errors_of(result)), result.err
    assert not (tmp_path / "out").exists()


def test_timeline_symlink_pointing_outside_the_root_is_refused(site, tmp_path):
    target = _outside(tmp_path, "timeline.yaml", f"- id: leak\n  date: 2022\n  title: {SECRET}\n")
    (site / "content/timeline.yaml").unlink()
    os.symlink(target, site / "content/timeline.yaml")
    result = build(site, tmp_path / "out")
    assert result.code == 1, "content/timeline.yaml outside the root was read and published"


def test_symlinked_folder_pointing_outside_is_refused(site, tmp_path):
    outside = tmp_path / "outside-static"
    shutil.move(site / "content/static", outside)
    os.symlink(outside, site / "content/static")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert any(line.startswith("content/static/extra.txt:1:1: error: ") for line in errors_of(result)), result.err


def test_chain_of_symlinks_ending_outside_is_refused(site, tmp_path):
    target = _outside(tmp_path, "leak.txt", f"{SECRET}\nText.\n")
    os.symlink(target, site / "hop.txt")  # inside the root, pointing out
    os.symlink("../hop.txt", site / "seeds/leak.txt")  # pointing at the hop
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert any(line.startswith("seeds/leak.txt:1:1: error: ") for line in errors_of(result)), result.err


def test_refused_person_file_gives_one_error(site, tmp_path):
    rel = "content/people/vladimir-putin.yaml"
    target = _outside(tmp_path, "vladimir-putin.yaml", (site / rel).read_text(encoding="utf-8"))
    (site / rel).unlink()
    os.symlink(target, site / rel)
    result = build(site, tmp_path / "out")
    assert errors_of(result) == [f"{rel}:1:1: error: symlink points outside the site root; refusing to read it"]


def test_symlinks_inside_the_root_are_followed(site, tmp_path):
    archive = site / "archive"
    archive.mkdir()
    for rel in ("seeds/plain-one.txt", "content/people/jake-sullivan.yaml", "content/static/extra.txt", "content/articles/plain-one.yaml"):
        moved = archive / rel.replace("/", "__")
        shutil.move(site / rel, moved)
        os.symlink(os.path.relpath(moved, (site / rel).parent), site / rel)
    shutil.move(site / "content/people", archive / "people")
    os.symlink(archive / "people", site / "content/people")  # an absolute link to a folder inside the root
    result = build(site, tmp_path / "out")
    assert result.code == 0, result.err
    clean = build(copy_site("basic", tmp_path / "clean-source"), tmp_path / "clean")
    assert clean.code == 0
    assert read_tree(tmp_path / "out") == read_tree(tmp_path / "clean")


def test_a_site_root_reached_through_a_symlink_builds(site, tmp_path):
    link = tmp_path / "link-to-src"
    os.symlink(site, link)
    result = build(link, tmp_path / "out")
    assert result.code == 0, result.err


# -- the output folder ------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["src", "."])
def test_output_over_the_source_root_is_refused(site, tmp_path, monkeypatch, output):
    monkeypatch.chdir(tmp_path)
    before = read_tree(site)
    result = run_cli("build", "--source", "src", "--output", output)
    assert result.code == 2, result.err
    assert read_tree(site) == before


@pytest.mark.parametrize("output", ["src/content", "src/seeds", "src/content/people", "src/../src", "src/./content/.."])
def test_output_inside_the_sources_is_refused_and_deletes_nothing(site, tmp_path, monkeypatch, output):
    monkeypatch.chdir(tmp_path)
    before = read_tree(site)
    result = run_cli("build", "--source", "src", "--output", output)
    after = read_tree(site) if site.exists() else {}
    lost = sorted(set(before) - set(after))
    assert lost == [], f"the build deleted {len(lost)} source files, e.g. {lost[:3]}"
    assert result.code == 2, result.err


# -- the dev server's file lookup -------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from digest.live.serve import resolve_request  # noqa: E402

URL_PIECES = [
    "..", ".", "", "%2e%2e", "%2E%2e", ".%2e", "..%2f", "%2f", "%00", "\\", "..\\", "%5c", "%252e%252e", "a",
    "articles", "index.html", "link-out", "link-in", "\u2025", "\uff0e\uff0e", "~", "%c0%ae%c0%ae", "secret.txt",
]


@pytest.fixture(scope="module")
def served_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("serve-root")
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_text(SECRET, encoding="utf-8")
    root = base / "site"
    (root / "articles" / "a").mkdir(parents=True)
    (root / "index.html").write_text("home", encoding="utf-8")
    (root / "articles" / "a" / "index.html").write_text("article", encoding="utf-8")
    os.symlink(base / "outside", root / "link-out")
    os.symlink(root / "articles", root / "link-in")
    return root


@settings(max_examples=400, deadline=None, database=None)
@given(path=st.lists(st.sampled_from(URL_PIECES), max_size=8).map("/".join) | st.text(max_size=40))
def test_resolve_request_never_leaves_the_folder(served_root, path):
    target = resolve_request(served_root, path)
    if target is not None:
        real = Path(os.path.realpath(target))
        assert real == served_root.resolve() or real.is_relative_to(served_root.resolve()), (path, target)


def test_resolve_request_follows_inside_links_and_refuses_outside_ones(served_root):
    assert resolve_request(served_root, "link-in/a/index.html") is not None
    assert resolve_request(served_root, "link-out/secret.txt") is None
    assert resolve_request(served_root, "%2e%2e/outside/secret.txt") is None
    assert resolve_request(served_root, "articles/%2e%2e/%2e%2e/outside/secret.txt") is None


# -- Windows-reserved names and length limits, decided by one function ------------------


@pytest.mark.parametrize(
    ("name", "reserved"),
    [("CON", True), ("nul", True), ("Aux", True), ("\uff23\uff4f\uff4e", True), ("con.txt", True), ("NUL.tar.gz", True),
     ("com1", True), ("LPT9.log", True), ("COM\u00b9", True), ("con ", True), ("conin$", True),
     ("com0", False), ("console", False), ("icon", False), (".con", False), ("con-outlet", False)],
)
def test_is_windows_reserved(name, reserved):
    from digest.text.slugs import is_windows_reserved

    assert is_windows_reserved(name) is reserved


@pytest.mark.parametrize("outlet", ["CON", "nul", "Aux", "\uff23\uff4f\uff4e", "COM\u00b9"])
def test_an_outlet_named_like_a_device_gets_a_folder_windows_can_hold(site, tmp_path, outlet):
    sidecar = (site / SIDECAR).read_text(encoding="utf-8").replace("outlet: Outlet Two", f'outlet: "{outlet}"')
    (site / SIDECAR).write_text(sidecar, encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 0, result.err
    folders = {rel.split("/")[1] for rel in read_tree(tmp_path / "out") if rel.startswith("outlets/") and rel.count("/") >= 2}
    from digest.text.slugs import is_windows_reserved

    assert folders and not any(is_windows_reserved(folder) for folder in folders), folders
    assert_confined(tmp_path / "out")


@pytest.mark.parametrize("name", ["CON.txt", "nul", "files/Aux.pdf", "LPT1/readme.txt", "\uff23\uff4f\uff4e.txt"])
def test_static_files_named_like_a_device_are_located_errors(site, tmp_path, name):
    path = site / "content/static" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert errors_of(result) == [f"content/static/{name}:1:1: error: cannot publish '{name}': "
                                 f"'{name.split('/')[0] if name.startswith('LPT1') else name.rpartition('/')[2]}' is a name Windows reserves, "
                                 "so the site could not be checked out there; rename it"], result.err


def test_theme_static_files_named_like_a_device_are_located_errors(site, tmp_path):
    (site / "content/site.yaml").write_text((site / "content/site.yaml").read_text() + "theme: mine\n", encoding="utf-8")
    (site / "themes/mine/static").mkdir(parents=True)
    (site / "themes/mine/static/prn.css").write_text("x", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert errors_of(result)[0].startswith("themes/mine/static/prn.css:1:1: error: cannot publish theme file 'prn.css': 'prn.css' is a name Windows reserves"), result.err


def test_static_file_names_over_the_byte_limit_are_located_errors(site, tmp_path):
    name = "\u00e9" * 101 + ".txt"  # 206 bytes: fits the disk, not the 200-byte limit
    (site / "content/static" / name).write_text("x", encoding="utf-8")
    result = build(site, tmp_path / "out")
    assert result.code == 1
    assert errors_of(result)[0].startswith(f"content/static/{name}:1:1: error: cannot publish "), result.err
    assert "longer than 200 bytes" in errors_of(result)[0]


LONG_ID = "a" + "-b" * 60  # 121 characters: a fine id, too long for a folder name


@pytest.mark.parametrize("where", ["claim-id", "event-id", "slug", "person-file", "status"])
def test_ids_over_the_length_limit_are_located_errors_in_check_and_build(site, tmp_path, where):
    if where == "claim-id":
        (site / SIDECAR).write_text(
            f"outlet: Outlet Two\npublished: 2022-11-08\nclaims:\n  - id: {LONG_ID}\n    quote: Sullivan met Zelensky\n"
            "    text: A claim.\n    status: reported\n", encoding="utf-8")
        expected = f"{SIDECAR}:4:9: error: 'id' may not be"
    elif where == "event-id":
        (site / SIDECAR).write_text(
            f"outlet: Outlet Two\npublished: 2022-11-08\nevents:\n  - id: {LONG_ID}\n    quote: Sullivan met Zelensky\n"
            "    title: A meeting.\n    date: 2022-11-04\n", encoding="utf-8")
        expected = f"{SIDECAR}:4:9: error: 'id' may not be"
    elif where == "slug":
        (site / SIDECAR).write_text(SIDECAR_WITH_SLUG.format(slug=LONG_ID), encoding="utf-8")
        expected = f"{SIDECAR}:3:7: error: 'slug' may not be"
    elif where == "person-file":
        (site / f"content/people/{LONG_ID}.yaml").write_text("name: Long Name\n", encoding="utf-8")
        expected = f"content/people/{LONG_ID}.yaml:1:1: error: person file name"
    else:
        site_yaml = site / "content/site.yaml"
        site_yaml.write_text(site_yaml.read_text() + f"claim_statuses:\n  {LONG_ID}:\n    label: L\n    description: D\n", encoding="utf-8")
        expected = "content/site.yaml:8:3: error: status id"
    for result in (run_cli("check", "--source", site), build(site, tmp_path / "out")):
        lines = [line for line in (result.out + result.err).splitlines() if ": error: " in line]
        assert result.code == 1, result.out + result.err
        assert any(line.startswith(expected) and "at most 100" in line for line in lines), lines
    assert not (tmp_path / "out").exists()
