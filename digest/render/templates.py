"""Templates and HTML fragments: the pure part of rendering.

`make_environment` builds the Jinja environment for a theme (the site's
``themes/<name>/templates`` over the built-in default, by file name);
`article_body` renders an article's text with its highlights and person
links. Nothing here touches the output folder.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import Environment, StrictUndefined, TemplateError, pass_context, select_autoescape
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.runtime import BlockReference, Context, Macro
from markupsafe import Markup, escape

from digest.caches import Caches
from digest.graph.model import Article, Claim, Event, Passage, SiteConfig, Status
from digest.render.bidi import lang_attrs, plain_isolated, text_attrs, text_direction
from digest.render.fragments import Fragments, marked_words
from digest.render.inline import Range, render_ranges
from digest.source.theme import Theme, ThemeLoader
from digest.text.i18n import ENGLISH, N_, SiteLocale
from digest.text.seedtext import make_markdown
from digest.views.listing import event_path, year_path
from digest.views.reads import PersonSummary

_markdown = make_markdown()


def environment_for(theme: Theme, config: SiteConfig, locale: SiteLocale = ENGLISH, caches: Caches | None = None) -> Environment:
    """`make_environment`, reused while the templates' bytes and the site config are unchanged.

    The session's ``caches`` keep the last environment made, with what it
    was made from, so a rebuild reuses its compiled templates; a new one
    takes every template whose source is unchanged from the compiled code
    the caches keep (saved with the build state, so the next `digest build`
    compiles nothing it compiled before)."""
    key = (theme.templates_digest, repr(config), repr(locale))
    if caches is not None and caches.environment is not None and caches.environment[0] == key:
        return caches.environment[1]
    env = make_environment(theme, config, locale, caches.compiled_templates if caches is not None else None)
    load_templates(env, theme)
    if caches is not None:
        caches.environment = (key, env)
    return env


class CompiledTemplates(BytecodeCache):
    """Jinja's bytecode cache over a table in memory (the session's `Caches.compiled_templates`).

    Jinja keys an entry by the template's name and file and checks it
    against the digest of its source, so an edited template is compiled
    again and nothing stale is ever run. In memory, not on disk: rendering
    reads no file; the table is saved with the build state."""

    def __init__(self, table: dict[str, bytes]):
        self.table = table

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.table.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.table[bucket.key] = bucket.bytecode_to_string()


def load_templates(env: Environment, theme: Theme) -> None:
    """Load every template before any page renders: compiled once, here, rather than by each forked
    render worker (whose compiled code would die with it). A template that does not compile is left
    for the page that uses it, whose error says where."""
    for name in sorted(theme.templates):
        try:
            env.get_template(name)
        except (TemplateError, UnicodeDecodeError):
            continue


def make_environment(theme: Theme, config: SiteConfig, locale: SiteLocale = ENGLISH, compiled: dict[str, bytes] | None = None) -> Environment:
    """Templates speak the site's language: ``_``/``gettext``/``ngettext`` and ``{% trans %}`` from its catalogues
    (``%(num)s`` in a plural message is the count in the locale's digits), and filters format dates and
    numbers by CLDR. The theme is in memory: nothing here reads the disk. ``compiled``: the table of
    compiled templates to take unchanged ones from and add new ones to (see `CompiledTemplates`)."""
    env = Environment(
        loader=ThemeLoader(theme),
        bytecode_cache=CompiledTemplates(compiled) if compiled is not None else None,
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        locale.gettext, locale.ngettext, newstyle=True, pgettext=locale.pgettext, npgettext=locale.npgettext
    )
    base_path = config.base_path
    env.globals["url"] = lambda path="": base_path + path.lstrip("/")
    env.globals["site"] = config
    env.globals["locale"] = locale
    env.globals["search_words"] = search_words(locale)
    env.filters["markdown"] = render_markdown
    env.filters["number"] = locale.number
    env.filters["percent"] = locale.percent
    env.filters["sourcing"] = lambda kinds: sourcing_text(kinds, locale)
    env.filters["text_direction"] = text_direction
    env.globals["text_attrs"] = text_attrs
    env.filters["plain_isolated"] = plain_isolated
    env.filters["marked_words"] = marked_words
    env.filters["event_path"] = lambda event: event_path(event.id, event.date)
    env.filters["year_path"] = year_path
    fragments = Fragments(config, locale)
    env.globals.update(fragments.globals())  # after the i18n extension's: faster ``_``, ``gettext``, ``ngettext``
    env.filters.update(fragments.filters())
    env.filters["plural"] = lambda count, word: f"{count} {word}" if count == 1 else f"{count} {word}s"  # English only: kept for older themes
    if JINJA_CALL_KNOWN:
        env.context_class = direct_calls_context(
            {id(value): value for value in env.globals.values() if _asks_for(value) is None},
            {id(value): value for value in env.globals.values() if _asks_for(value) is _ASKS_FOR_CONTEXT},
        )
    return env


JINJA_CALL_KNOWN = jinja2.__version__.split(".")[:2] == ["3", "1"]
"""Whether this Jinja's `Context.call` is the one `direct_calls_context` does the work of (Jinja 3.1's):
any other Jinja keeps its own context, slower by a microsecond a call but never wrong."""

_ASKS_FOR_CONTEXT = pass_context(lambda: None).jinja_pass_arg  # type: ignore[attr-defined]
"""What `jinja2.pass_context` marks a callable with, found without importing Jinja's private names."""


def direct_calls_context(plain: dict[int, object], with_context: dict[int, object]) -> type[Context]:
    """A template context whose ``call`` (every ``f(...)`` a template writes) calls the environment's own globals,
    and Jinja's macros and blocks, straight away.

    Jinja's `Context.call` looks at each callable for a request to be passed the context, the evaluation context
    or the environment (on the callable and on its ``__call__``) before calling it: about a microsecond a call,
    and an article's page makes some 50 calls, an outlet's 800 (``_``, ``lang_attrs``, the pieces of
    `Fragments`). What the globals ask for is known when the environment is made: ``plain`` ask for nothing,
    ``with_context`` for the context (``_``, ``ngettext``), each by id with the object (which the environment keeps
    alive); macros and blocks ask for nothing. Anything else takes Jinja's way, and each call here does what
    Jinja's would with what the callable asks for."""

    class DirectCallsContext(Context):
        def call(self, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            if plain.get(id(obj)) is obj or type(obj) in _JINJA_CALLABLES:
                if kwargs:
                    kwargs.pop("_block_vars", None)
                    kwargs.pop("_loop_vars", None)
                return _called(self, obj, args, kwargs)
            if with_context.get(id(obj)) is obj:
                context: Context = self
                if kwargs:
                    if kwargs.get("_loop_vars"):
                        context = context.derived(kwargs["_loop_vars"])
                    if kwargs.get("_block_vars"):
                        context = context.derived(kwargs["_block_vars"])
                    kwargs.pop("_block_vars", None)
                    kwargs.pop("_loop_vars", None)
                return _called(self, obj, (context, *args), kwargs)
            return super().call(obj, *args, **kwargs)

    return DirectCallsContext


def _called(context: Context, function: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    """``function(*args, **kwargs)``, a StopIteration turned into an undefined value as `Context.call` does."""
    try:
        return function(*args, **kwargs)
    except StopIteration:
        return context.environment.undefined("value was undefined because a callable raised a StopIteration exception")


_JINJA_CALLABLES = (Macro, BlockReference)
"""Jinja's own callables, which never ask to be passed a context (their ``__call__`` has no `pass_context`)."""


def _asks_for(value: object) -> object:
    """What a callable asks `Context.call` to pass it (`jinja2.pass_context` and the like, on it or on its
    ``__call__``, as Jinja looks), None for nothing; False for what is not callable or asks on its ``__call__``."""
    if not callable(value) or getattr(value.__call__, "jinja_pass_arg", None) is not None:  # noqa: B004 - where Jinja looks
        return False
    return getattr(value, "jinja_pass_arg", None)


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Markdown from YAML fields: raw HTML off, links as in seeds (`seedtext.resolve_link`, no base address).

    Cached: the same description or note is shown on many pages.
    """
    return Markup(_markdown.render(text or ""))


SEARCH_WORDS = {
    "kind": N_("Kind"), "outlet": N_("Outlet"), "status": N_("Status"),
    "article": N_("Article"), "person": N_("Person"), "claim": N_("Claim"), "event": N_("Event"),
}
"""The search index's filters (kind, outlet, status) and kinds of result. Pagefind's filter panel
and the result labels show them exactly as they are indexed, so they are indexed in the site's language."""


def search_words(locale: SiteLocale) -> dict[str, str]:
    """`SEARCH_WORDS` in the site's language, without the characters Pagefind's filter syntax reserves (``:,[]``)."""
    return {key: re.sub(r"[:,\[\]]", "", locale.gettext(word)).strip() or key for key, word in SEARCH_WORDS.items()}


SOURCING_WORDS = {"on-record": N_("on record"), "anonymous": N_("anonymous"), "document": N_("document"), "unattributed": N_("unattributed")}
"""How an outlet sourced a claim (the sidecar's ``sourcing`` values), as readers read it."""


def sourcing_text(kinds: str | list[str] | tuple[str, ...], locale: SiteLocale = ENGLISH) -> str:
    """'anonymous, on record sourcing': one or more sourcing values in the site's language."""
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    words = ", ".join(locale.gettext(SOURCING_WORDS[kind]) if kind in SOURCING_WORDS else kind.replace("-", " ") for kind in kinds)
    return locale.gettext("%(kinds)s sourcing") % {"kinds": words}


def article_body(
    article: Article,
    statuses: dict[str, Status],
    claims: dict[str, Claim],
    events: dict[str, Event],
    people: dict[str, PersonSummary],
    url: Callable[[str], str],
    locale: SiteLocale = ENGLISH,
    searchable: bool = False,
) -> Markup:
    """The article's text with claim/event marks and person links, as HTML.

    Takes exactly the entities the text refers to, so the page that calls it
    depends on those and nothing else. The status labels and dates placed
    after marks are in the site's language (``locale``), isolated from the
    article's text around them. On a ``searchable`` site those chips are kept
    out of the search index: they are the site's words, not the article's, and
    would break its sentences in every result's excerpt ("…Patrushev claim, Reported.").
    """
    by_block: dict[int, list[Range]] = {}
    chrome = lang_attrs(locale.language) + (" data-pagefind-ignore" if searchable else "")
    for rank, passage in enumerate(article.passages):
        if passage.kind == "claim":
            mark = _claim_mark(passage, claims[passage.target], statuses, url, rank, locale, chrome)
        else:
            mark = _event_mark(passage, events.get(passage.target), url, rank, locale, chrome)
        by_block.setdefault(passage.span.block, []).append(mark)
    def block_ranges(index: int) -> list[Range]:
        block = article.text.blocks[index]
        ranges = [Range(s.start, s.end, s.open_html, s.close_html, is_link=s.is_link, rank=-1, tokens=s.tokens) for s in block.spans]
        ranges += by_block.get(index, [])
        ranges += [_person_link(m.start, m.end, person_tags(m.person)) for m in article.names[index]]
        return ranges

    @functools.cache
    def person_tags(pid: str) -> str:
        """A named person's link tag, made once per article: most are named several times."""
        person = people[pid]
        return f'<a class="person" href="{escape(url("people/" + person.id + "/"))}" data-person="{escape(person.id)}" title="{escape(person.name)}">'

    if article.text_mode == "excerpts":
        return _excerpts(article, block_ranges)
    html = []
    for part in article.text.parts:
        if isinstance(part, str):
            html.append(part)
        else:
            html.append(render_ranges(article.text.blocks[part].text, block_ranges(part)))
    return Markup("".join(html))


_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*(?:\s|$)")


def _excerpts(article: Article, block_ranges: Callable[[int], list[Range]]) -> Markup:
    """Only the sentences that hold an annotated passage, each as its own paragraph."""
    windows: dict[int, list[tuple[int, int]]] = {}
    for passage in article.passages:
        text = article.text.blocks[passage.span.block].text
        windows.setdefault(passage.span.block, []).append(sentence_window(text, passage.span.start, passage.span.end))
    html = []
    for index in sorted(windows):
        text = article.text.blocks[index].text
        for start, end in _merge(windows[index]):
            clipped = [
                r._replace(start=max(r.start, start) - start, end=min(r.end, end) - start)
                for r in block_ranges(index)
                if (r.start < end and r.end > start) or (r.start == r.end and start <= r.start <= end)
            ]
            before = "… " if start > 0 else ""
            after = " …" if end < len(text) else ""
            html.append(f'<p class="excerpt">{before}{render_ranges(text[start:end], clipped)}{after}</p>\n')
    return Markup("".join(html))


def sentence_window(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole sentences."""
    window_start = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        window_start = match.end()
    found = _SENTENCE_END.search(text, max(end - 1, 0))
    window_end = found.end() if found else len(text)
    return window_start, len(text[:window_end].rstrip()) if window_end > end else end


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _claim_mark(passage: Passage, claim: Claim, statuses: dict[str, Status], url: Callable[[str], str], rank: int, locale: SiteLocale, chrome: str) -> Range:
    status = escape(claim.status)
    label = statuses[claim.status].label if claim.status in statuses else claim.status
    kind = locale.gettext("claim, ")
    attrs = f'class="claim status-{status}" data-claim="{escape(claim.id)}" data-status="{status}"'
    ref = (
        f'<a class="ref ref-claim status-{status}" href="{escape(url("claims/" + claim.id + "/"))}"{chrome} '
        f'title="{escape(claim.text)}"><span class="visually-hidden">{escape(kind)}</span>{escape(label)}</a>'
    )
    return _mark(passage, attrs, ref, rank, holds_after=True)


def _event_mark(passage: Passage, event: Event | None, url: Callable[[str], str], rank: int, locale: SiteLocale, chrome: str) -> Range:
    when = event.date.display(locale) if event and event.date else ""
    kind = locale.gettext("event, ")
    attrs = f'class="event" data-event="{escape(passage.target)}"'
    ref = (
        f'<a class="ref ref-event" href="{escape(url(event_path(passage.target, event.date if event else None)))}"{chrome} '
        f'title="{escape(event.title if event else "")}"><span class="visually-hidden">{escape(kind)}</span>{escape(when)}</a>'
    )
    return _mark(passage, attrs, ref, rank + 1000)


def _mark(passage: Passage, attrs: str, ref: str, rank: int, holds_after: bool = False) -> Range:
    """A highlight: the first piece carries the anchor id, continuation pieces don't.

    A claim's highlight (``holds_after``) keeps the chips of events quoted inside it until it ends.
    """
    return Range(
        passage.span.start,
        passage.span.end,
        f'<mark id="{escape(passage.anchor)}" {attrs}>',
        "</mark>",
        reopen_html=f"<mark {attrs}>",
        after_html=ref,
        holds_after=holds_after,
        rank=rank,
    )


def _person_link(start: int, end: int, open_html: str) -> Range:
    return Range(start, end, open_html, "</a>", None, "", True, False, 10_000)  # is_link, rank: by position, the cheaper call
