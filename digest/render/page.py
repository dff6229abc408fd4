"""A page of the site: an output path, a template and the reads that make its context.

A `Page`'s context is built through a `Reader`, so every value it shows is
a recorded read; `render_page` is a pure function of those reads and the
templates, which is what lets incremental builds skip pages whose reads and
templates did not change. Which pages a site has is `pages.site_pages`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from jinja2 import Environment

from digest.views import queries
from digest.views.paging import page_url
from digest.views.reads import Reader

Context = Callable[[Reader], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Output file, relative to the site root: 'people/x/index.html'."""
    template: str
    """A Jinja template, or '' when ``serialize`` makes the bytes (feeds, JSON)."""
    context: Context
    serialize: Callable[[dict[str, Any]], bytes] | None = None

    @property
    def url_path(self) -> str:
        """The page's URL relative to the base path: 'people/x/'."""
        return self.path.removesuffix("index.html")


def numbered_pages(base: str, count: int, template: str, context: Callable[..., dict[str, Any]], **args: Any) -> list[Page]:
    """The ``count`` pages of a list at ``base``: page 1 there, page n at ``base``page/n/; each context gets its number."""
    return [Page(f"{page_url(base, number)}index.html", template, partial(context, number=number, **args)) for number in range(1, count + 1)]


def render_page(env: Environment, page: Page, reader: Reader) -> tuple[bytes, set[str]]:
    """The page's bytes, and the keys it read."""
    with reader.recording() as keys:
        config = queries.config(reader)
        assets = queries.assets(reader)
        queries.locale(reader)  # every page's words and dates are in the site's language
        context = page.context(reader)
    if page.serialize is not None:
        return page.serialize(context), keys
    html = env.get_template(page.template).render(page=page, asset=lambda name: config.base_path + assets[name], **context)
    return html.encode("utf-8"), keys
