"""Which pages the site has, and what each page's template is given.

`site_pages` lists every page (the list pages come from `listpages.py`);
the context functions here build what the home, article, person and claim
templates show, each value through the `Reader`, so it is a recorded read
(see `page.py` for what a page is and how it is rendered).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from digest.graph.model import Article, Claim, Event, SiteGraph
from digest.render import site_queries
from digest.render.listpages import list_pages
from digest.render.page import Page, numbered_pages
from digest.render.templates import article_body
from digest.views import queries
from digest.views.listing import PERSON_ROWS_PER_PAGE, month_key, per_graph, person_page_count, timeline_year
from digest.views.paging import Pager, page_url
from digest.views.reads import Reader

HOME_ARTICLES = 10
HOME_EVENTS = 6
HOME_CLAIMS = 6
HOME_PEOPLE = 12
HOME_OUTLETS = 10

@per_graph
def site_pages(graph: SiteGraph) -> tuple[Page, ...]:
    """Every page made from templates (once per graph: the build and the sitemap both ask)."""
    pages = [
        Page("index.html", "home.html", home_context),
        Page("outlets/index.html", "outlets.html", lambda r: {"outlets": site_queries.outlets(r)}),
        Page("404.html", "404.html", lambda r: {}),
    ]
    if graph.config.search:
        pages.append(Page("search/index.html", "search.html", lambda r: {}))
    pages += list_pages(graph)
    pages += [article_page(article) for article in graph.articles.values()]
    for pid in graph.people:
        pages += person_pages(graph, pid)
    pages += [Page(f"claims/{cid}/index.html", "claim.html", partial(claim_context, cid=cid)) for cid in graph.claims]
    return tuple(pages)


def same_pages(before: SiteGraph, graph: SiteGraph) -> bool:
    """Whether ``graph`` has the very pages of ``before`` (`site_pages` and the publishing pages): it was linked
    right after it (`SiteGraph.relinked`), and what link made again kept all that the list of pages is made of:
    the configuration, the people, the order of articles, claims and events, and for each one made again its
    slug, month and outlet (an article), its status, claimant, subjects and carrying articles (a claim), its
    year, people and carrying articles (an event), and how many articles name each person. A save in watch mode
    then takes the last page list instead of listing 28,000 pages at 10,000 articles."""
    relinked = graph.relinked
    if relinked is None or relinked.since is not before.articles or graph.people is not before.people or graph.config != before.config:
        return False
    if list(graph.articles) != list(before.articles) or list(graph.claims) != list(before.claims) or list(graph.events) != list(before.events):
        return False
    for stem in relinked.articles:
        old, new = before.articles[stem], graph.articles[stem]
        if (old.slug, month_key(old.published), old.outlet) != (new.slug, month_key(new.published), new.outlet):
            return False
    for kind, eid in relinked.entities:
        if kind == "claim" and _claim_shape(before.claims[eid]) != _claim_shape(graph.claims[eid]):
            return False
        if kind == "event" and _event_shape(before.events[eid]) != _event_shape(graph.events[eid]):
            return False
    return all(len(before.mentions.get(pid, ())) == len(graph.mentions.get(pid, ())) for pid in graph.people)


def _claim_shape(claim: Claim) -> tuple:
    """What of a claim the page list counts: the status list, the claimant's and subjects' pages, the outlets' pages."""
    return (claim.status, claim.claimant, tuple(claim.about), tuple(o.article for o in claim.occurrences))


def _event_shape(event: Event) -> tuple:
    """What of an event the page list counts: its year of the timeline, its people's pages, the outlets' pages."""
    return (None if event.date is None else timeline_year(event.date), tuple(event.people), tuple(o.article for o in event.occurrences))


def article_page(article: Article) -> Page:
    return Page(f"articles/{article.slug}/index.html", "article.html", partial(article_context, stem=article.stem))


def person_pages(graph: SiteGraph, pid: str) -> list[Page]:
    """A person's page and its numbered pages."""
    return numbered_pages(f"people/{pid}/", person_page_count(graph, pid), "person.html", person_context, pid=pid)


def own_pages(graph: SiteGraph, key: str) -> list[Page]:
    """The pages of the article or person a graph key names ('article:<stem>', 'person:<id>'), as `site_pages`
    lists them, found without listing every page: watch mode renders the saved entity's pages first."""
    kind, _, name = key.partition(":")
    if kind == "article" and name in graph.articles:
        return [article_page(graph.articles[name])]
    if kind == "person" and name in graph.people:
        return person_pages(graph, name)
    return []


def home_context(reader: Reader) -> dict[str, Any]:
    return {
        "articles": queries.latest_articles(reader, HOME_ARTICLES),
        "article_count": queries.article_count(reader),
        "people": queries.people_top(reader, HOME_PEOPLE),
        "events": queries.latest_events(reader, HOME_EVENTS),
        "event_count": queries.event_count(reader),
        "status_counts": queries.claim_status_counts(reader),
        "latest_claims": queries.latest_claims(reader, HOME_CLAIMS),
        "outlets": site_queries.outlets_top(reader, HOME_OUTLETS),
    }


def article_context(reader: Reader, stem: str) -> dict[str, Any]:
    article = queries.article(reader, stem)
    claim_ids: list[str] = []
    event_ids: list[str] = []
    for kind, target in dict.fromkeys((p.kind, p.target) for p in article.passages):
        (claim_ids if kind == "claim" else event_ids).append(target)
    claims = [queries.claim(reader, cid) for cid in claim_ids]
    events = [queries.event(reader, eid) for eid in event_ids]
    people = queries.article_people(reader, stem)
    statuses = queries.config(reader).statuses
    config = queries.config(reader)
    url = f"{config.base_url}articles/{article.slug}/"
    jsonld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "url": url,
        "mainEntityOfPage": url,
        "publisher": {"@type": "Organization", "name": article.outlet} if article.outlet else None,
        "datePublished": article.published.isoformat() if article.published else None,
        # Without a byline the outlet is the author, as schema.org's NewsArticle expects one.
        "author": {"@type": "Person", "name": article.author} if article.author
        else {"@type": "Organization", "name": article.outlet} if article.outlet else None,
        "isBasedOn": article.url or None,
        "sameAs": article.url or None,
        "inLanguage": article.language or config.language,
    }
    return {
        "jsonld": _compact(jsonld),
        "article": article,
        "body": article_body(
            article, statuses, {c.id: c for c in claims}, {e.id: e for e in events}, {p.id: p for p, _ in people}, _url(reader), queries.locale(reader),
            searchable=config.search,
        ),
        "claims": [(c, _occurrence_in(c, stem)) for c in claims],
        "key_statuses": [statuses[sid] for sid in dict.fromkeys(c.status for c in claims) if sid in statuses],
        "events": sorted(((e, _occurrence_in(e, stem)) for e in events), key=lambda item: item[0].sort_key()),
        "people": people,
    }


def _occurrence_in(entity, stem: str):
    return next((o for o in entity.occurrences if o.article == stem), None)


def person_context(reader: Reader, pid: str, number: int = 1) -> dict[str, Any]:
    """A person's page, or page ``number`` of it: the next slice of each of their lists.

    The description, activity strip and network are on the first page only.
    """
    lists: dict[str, tuple[tuple[Any, ...], int]] = {
        "mentions": queries.mentions_page(reader, pid, number),
        "events-with": queries.events_with_page(reader, pid, number),
        "claims-made": queries.claims_made_page(reader, pid, number),
        "claims-about": queries.claims_about_page(reader, pid, number),
    }
    pager = Pager(f"people/{pid}/", number, max(total for _, total in lists.values()), PERSON_ROWS_PER_PAGE)
    context = {
        "pager": pager,
        "mentions": lists["mentions"][0],
        "events": lists["events-with"][0],
        "claims_made": lists["claims-made"][0],
        "claims_about": lists["claims-about"][0],
        "ranges": {name: (pager.first_item, pager.first_item + len(shown) - 1, total) for name, (shown, total) in lists.items()},
    }
    if number > 1:
        return {"person": queries.person_summary(reader, pid), **context}
    person = queries.person(reader, pid)
    config = queries.config(reader)
    jsonld = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": person.name,
        "url": f"{config.base_url}people/{pid}/",
        "alternateName": list(person.aliases) or None,
        "jobTitle": person.role or None,
        "affiliation": {"@type": "Organization", "name": person.organization} if person.organization else None,
        "nationality": {"@type": "Country", "name": person.country} if person.country else None,
        "sameAs": [url for _, url in person.links] or None,
    }
    activity, years = queries.person_activity(reader, pid)
    return {
        "jsonld": _compact(jsonld),
        "person": person,
        "related": queries.related(reader, pid),
        "activity": activity,
        "timeline_years": years,
        **context,
    }


def claim_context(reader: Reader, cid: str) -> dict[str, Any]:
    claim = queries.claim(reader, cid)
    carriers = [(queries.article_summary(reader, o.article), o) for o in claim.occurrences]
    carriers.sort(key=lambda item: item[0].outlet)
    config = queries.config(reader)
    status = config.statuses.get(claim.status)
    claimant = queries.person_summary(reader, claim.claimant) if claim.claimant else None
    return {
        "jsonld": claim_review(config, claim, status, claimant, carriers),
        "outlet_slugs": dict(site_queries.outlet_slugs(reader)),
        "compare_path": page_url("compare/", queries.comparison_page_of(reader, cid)),
        "claim": claim,
        "status": status,
        "carriers": carriers,
        "claimant": claimant,
        "about": [queries.person_summary(reader, pid) for pid in claim.about],
        "history": sorted(claim.history, key=lambda change: change.date),
    }


def claim_review(config, claim, status, claimant, carriers) -> dict[str, Any]:
    """schema.org ClaimReview: what fact-checking search features read."""
    dates = [article.published for article, _ in carriers if article.published]
    reviewed = claim.reviewed or max(dates, default=None)
    if claimant is not None:
        author = {"@type": "Person", "name": claimant.name}
    elif claim.claimant_text:
        author = {"@type": "Organization", "name": claim.claimant_text}
    else:
        author = None
    appearances = [
        {"@type": "NewsArticle", "url": f"{config.base_url}articles/{article.slug}/", "headline": article.title,
         "datePublished": article.published.isoformat() if article.published else None,
         "publisher": {"@type": "Organization", "name": article.outlet} if article.outlet else None}
        for article, _ in carriers
    ]
    dated = sorted((article.published, index) for index, (article, _) in enumerate(carriers) if article.published)
    first = appearances[dated[0][1]] if dated else None
    return _compact({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{config.base_url}claims/{claim.id}/",
        "claimReviewed": claim.text,
        "datePublished": reviewed.isoformat() if reviewed else None,
        "author": {"@type": "Organization", "name": config.title, "url": config.base_url},
        "reviewRating": {"@type": "Rating", "alternateName": status.label if status else claim.status,
                         "ratingExplanation": status.description if status else None, **status_rating(config, claim.status)},
        "itemReviewed": {"@type": "Claim", "author": author, "appearance": appearances or None,
                         "datePublished": first["datePublished"] if first else None, "firstAppearance": first},
    })


def status_rating(config, status: str) -> dict[str, int]:
    """A status as schema.org rating numbers: the site's statuses in the order listed, best supported first,
    count down from ``bestRating`` (how many there are) to ``worstRating`` 1; an unknown status has none."""
    order = list(config.statuses)
    if status not in order:
        return {}
    return {"ratingValue": len(order) - order.index(status), "bestRating": len(order), "worstRating": 1}


def _compact(value: Any) -> Any:
    """Drop empty fields from JSON-LD, recursively."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _url(reader: Reader) -> Callable[[str], str]:
    base = queries.config(reader).base_path
    return lambda path: base + path.lstrip("/")
