"""Which pages the site has, and what each page's template is given.

Every page is a `Page`: an output path, a template name and a context built
from the graph. Rendering a page is a pure function of those, which is what
lets incremental builds reason about what a page depends on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment

from digest.model import Article, Claim, Event, SiteGraph
from digest.render import article_body

HOME_ARTICLES = 10
HOME_EVENTS = 6


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Output file, relative to the site root: 'people/x/index.html'."""
    template: str
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def url_path(self) -> str:
        """The page's URL relative to the base path: 'people/x/'."""
        return self.path.removesuffix("index.html")


def site_pages(graph: SiteGraph) -> list[Page]:
    pages = [
        Page("index.html", "home.html", home_context(graph)),
        Page("articles/index.html", "articles.html", {"articles": list(graph.articles.values())}),
        Page("people/index.html", "people.html", {"people": people_list(graph)}),
        Page("timeline/index.html", "timeline.html", {"events": list(graph.events.values())}),
        Page("claims/index.html", "claims.html", {"groups": claims_by_status(graph)}),
        Page("404.html", "404.html", {}),
    ]
    pages += [Page(f"articles/{a.slug}/index.html", "article.html", article_context(graph, a)) for a in graph.articles.values()]
    pages += [Page(f"people/{pid}/index.html", "person.html", person_context(graph, pid)) for pid in graph.people]
    pages += [Page(f"claims/{cid}/index.html", "claim.html", claim_context(graph, c)) for cid, c in graph.claims.items()]
    return pages


def render_page(env: Environment, page: Page) -> bytes:
    template = env.get_template(page.template)
    return template.render(page=page, **page.context).encode("utf-8")


def home_context(graph: SiteGraph) -> dict[str, Any]:
    events = list(graph.events.values())
    return {
        "articles": list(graph.articles.values())[:HOME_ARTICLES],
        "article_count": len(graph.articles),
        "people": people_list(graph),
        "events": events[-HOME_EVENTS:],
        "event_count": len(events),
        "groups": claims_by_status(graph),
    }


def people_list(graph: SiteGraph) -> list[dict[str, Any]]:
    """People with how often they are named, most-named first."""
    rows = []
    for pid, person in graph.people.items():
        mentions = graph.mentions.get(pid, [])
        rows.append({"person": person, "articles": len(mentions), "mentions": sum(m.count for m in mentions)})
    rows.sort(key=lambda row: (-row["mentions"], row["person"].name))
    return rows


def claims_by_status(graph: SiteGraph) -> list[dict[str, Any]]:
    """Claims grouped in the order of the status vocabulary."""
    groups = []
    for status in graph.config.statuses.values():
        claims = [c for c in graph.claims.values() if c.status == status.id]
        if claims:
            groups.append({"status": status, "claims": claims})
    return groups


def article_context(graph: SiteGraph, article: Article) -> dict[str, Any]:
    claims = []
    events = []
    for passage_kind, target in dict.fromkeys((p.kind, p.target) for p in article.passages):
        (claims if passage_kind == "claim" else events).append(target)
    for claim in graph.claims.values():
        if claim.id not in claims and any(o.article == article.stem for o in claim.occurrences):
            claims.append(claim.id)
    for event in graph.events.values():
        if event.id not in events and any(o.article == article.stem for o in event.occurrences):
            events.append(event.id)
    mentioned = Counter(match.person for block in article.names for match in block)
    return {
        "article": article,
        "body": article_body(article, graph, _url(graph)),
        "claims": [graph.claims[c] for c in claims],
        "events": sorted((graph.events[e] for e in events if e in graph.events), key=lambda e: e.sort_key()),
        "people": [(graph.people[pid], count) for pid, count in sorted(mentioned.items(), key=lambda i: (-i[1], i[0]))],
    }


def person_context(graph: SiteGraph, pid: str) -> dict[str, Any]:
    made, about = graph.claims_by_person(pid)
    mentions = [(graph.articles[m.article], m) for m in graph.mentions.get(pid, [])]
    return {
        "person": graph.people[pid],
        "mentions": mentions,
        "events": graph.events_with(pid),
        "claims_made": made,
        "claims_about": about,
        "related": related_people(graph, pid),
    }


def related_people(graph: SiteGraph, pid: str, limit: int = 8) -> list[tuple[Any, int]]:
    """People who appear with this one: in the same article or the same event."""
    together: Counter[str] = Counter()
    for article in graph.articles.values():
        named = {match.person for block in article.names for match in block}
        if pid in named:
            together.update(named - {pid})
    for event in graph.events.values():
        if pid in event.people:
            together.update(set(event.people) - {pid})
    ranked = sorted(together.items(), key=lambda item: (-item[1], graph.people[item[0]].name))
    return [(graph.people[other], count) for other, count in ranked[:limit] if other in graph.people]


def claim_context(graph: SiteGraph, claim: Claim) -> dict[str, Any]:
    carriers = [(graph.articles[o.article], o) for o in claim.occurrences if o.article in graph.articles]
    carriers.sort(key=lambda item: (item[0].outlet, item[0].sort_key()))
    return {
        "claim": claim,
        "status": graph.config.statuses.get(claim.status),
        "carriers": carriers,
        "claimant": graph.people.get(claim.claimant),
        "about": [graph.people[p] for p in claim.about if p in graph.people],
    }


def event_links(graph: SiteGraph, event: Event) -> list[tuple[Article, str]]:
    """(article, anchor) for each passage an event is quoted in."""
    links = []
    for occurrence in event.occurrences:
        article = graph.articles.get(occurrence.article)
        if article is not None:
            links += [(article, anchor) for anchor in occurrence.anchors] or [(article, "")]
    return links


def _url(graph: SiteGraph):
    base = graph.config.base_path
    return lambda path="": base + path.lstrip("/")
