"""Reading a built site the way a reader's browser would: pages, links, ids."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(site: Path, url_path: str) -> BeautifulSoup:
    """The page at a site-relative URL path such as 'people/x/'."""
    return parse(site / url_path / "index.html" if not url_path.endswith(".html") else site / url_path)


def resolve(site: Path, base_path: str, href: str, from_page: Path) -> tuple[Path | None, str]:
    """Map an internal href to (file in the output, fragment); None if it is external."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None, ""
    if not parts.path:  # '#fragment' on the same page
        return from_page, parts.fragment
    path = unquote(parts.path)
    assert path.startswith(base_path), f"{href} on {from_page} escapes the base path {base_path}"
    target = site / path[len(base_path):]
    if path.endswith("/"):
        target = target / "index.html"
    return target, parts.fragment


def broken_links(site: Path, base_path: str) -> list[str]:
    """Every internal href/src that does not resolve to a file and id of the output."""
    problems = []
    ids: dict[Path, set[str]] = {}
    pages = sorted(site.rglob("*.html"))
    soups = {p: parse(p) for p in pages}
    for path, soup in soups.items():
        ids[path] = {tag["id"] for tag in soup.find_all(id=True)}
    for path, soup in soups.items():
        for tag in soup.find_all(["a", "link", "img", "script"]):
            href = tag.get("href") or tag.get("src")
            if not href:
                continue
            target, fragment = resolve(site, base_path, href, path)
            if target is None:
                continue
            if not target.is_file():
                problems.append(f"{path.relative_to(site)}: {href} -> missing file")
            elif fragment and fragment not in ids.get(target, set()):
                problems.append(f"{path.relative_to(site)}: {href} -> missing id")
    return problems
