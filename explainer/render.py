"""Stage 3, render: turn the site graph into pages through Jinja.

Each page gets one view model with every href already made relative to that
page and every date already written out; templates only lay out. Autoescape
is on and undefined names are errors, so front matter can never become markup.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import html
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markdown
from markupsafe import Markup

from . import drawing
from .dates import display_range
from .link import Group, SiteGraph, TimelineEntry
from .markup import plain_text, sanitize
from .models import Brief
from .urls import (
    absolute_url,
    name_slug,
    output_path,
    preview_path,
    relative_url,
    search_doc_path,
    search_terms_path,
    static_path,
)

# Our scripts and styles are files; nothing inline runs. 'self' covers the dev server's
# reload script and socket too.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")


def content_security_policy(config) -> str:
    """Images from this site, plus exactly the hosts site.yml lists under remote_images."""
    hosts = "".join(f" https://{host}" for host in config.remote_images)
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data:{hosts}")
EXPORTS = (("timeline.json", "timeline-json", "every event in TimelineJS3's format, for Knight Lab's viewer"),
           ("timeline.ics", "timeline-ics", "every event for a calendar app"),
           ("briefs.json", "briefs-json", "every brief's title, address, dates, summary, topics, entities "
                                          "and sources"))
RTL_LANGUAGES = {"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"}
WORDS_PER_MINUTE = 220
TOC_MIN_HEADINGS = 3


@dataclass(frozen=True)
class PageSpec:
    """One page to make: which template, where it goes, and which view builds its data."""
    template: str
    path: str          # inside the output folder, POSIX
    kind: str
    slug: str = ""


class ViewEnvironment(jinja2.Environment):
    """Views are plain dicts: `page.title` looks up the key first, instead of first trying
    (and failing) an attribute, which is most of Jinja's own cost on our pages."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def make_environment(templates_dir: Path) -> jinja2.Environment:
    return ViewEnvironment(loader=jinja2.FileSystemLoader(str(templates_dir)), autoescape=True,
                           undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                           keep_trailing_newline=True)


# Pages made from the whole site, slowest first (measured at 10,000 briefs): a build starts
# them first, each on its own, so no worker is left with them at the end.
WHOLE_SITE_PAGES = ("timeline-ics", "timeline", "timeline-json", "entities", "topics", "briefs-json", "index",
                    "sitemap", "feed", "search-facets", "corrections", "search-index", "search")


def page_specs(graph: SiteGraph) -> list[PageSpec]:
    """Every page of the site, in a fixed order."""
    specs = [PageSpec("index.html", output_path("index"), "index"),
             PageSpec("timeline.html", output_path("timeline"), "timeline"),
             PageSpec("groups.html", "topics.html", "topics"),
             PageSpec("groups.html", "entities.html", "entities"),
             PageSpec("404.html", output_path("404"), "404"),
             PageSpec("search.html", output_path("search"), "search"),
             PageSpec("corrections.html", output_path("corrections"), "corrections"),
             PageSpec("search-index.js", output_path("search-index"), "search-index")]
    specs += [PageSpec("search-chunk.js", search_terms_path(name), "search-terms", name) for name in graph.search_terms]
    specs += [PageSpec("search-chunk.js", search_doc_path(number), "search-doc", str(number))
              for number in graph.search_docs]
    specs.append(PageSpec("search-chunk.js", output_path("search-facets"), "search-facets"))
    specs += [PageSpec("brief.html", output_path("brief", slug), "brief", slug) for slug in graph.slugs]
    specs += [PageSpec("group.html", output_path("topic", g.slug), "topic", g.slug) for g in graph.topics]
    specs += [PageSpec("group.html", output_path("entity", g.slug), "entity", g.slug) for g in graph.entities]
    specs += [PageSpec("", preview_path("brief", slug), "preview-brief", slug) for slug in graph.slugs]
    specs += [PageSpec("", preview_path("topic", g.slug), "preview-topic", g.slug) for g in graph.topics]
    specs += [PageSpec("", preview_path("entity", g.slug), "preview-entity", g.slug) for g in graph.entities]
    specs += [PageSpec("robots.txt", output_path("robots"), "robots"),
              PageSpec("", output_path("timeline-json"), "timeline-json"),
              PageSpec("", output_path("timeline-ics"), "timeline-ics"),
              PageSpec("", output_path("briefs-json"), "briefs-json")]
    if graph.config.url:
        specs += [PageSpec("feed.xml", output_path("feed"), "feed"),
                  PageSpec("sitemap.xml", output_path("sitemap"), "sitemap")]
    return specs


def page_view(graph: SiteGraph, spec: PageSpec) -> dict:
    """The ready-made data for one page's template. `graph` is the site graph as the
    pipeline shows it (a recording view that also offers `stylesheet`, static/style.css)."""
    kind = spec.kind
    if kind == "brief":
        return brief_view(graph, graph.by_slug[spec.slug])
    if kind in ("topic", "entity"):
        groups = graph.topic_index if kind == "topic" else graph.entity_index
        return group_view(graph, groups[spec.slug], kind)
    if kind in ("topics", "entities"):
        return groups_view(graph, kind[:-1] if kind == "topics" else "entity")
    if kind == "404":
        return not_found_view(graph)
    if kind == "search":
        return search_view(graph)
    if kind.startswith("search-"):
        return search_file_view(graph, kind, spec.slug)
    if kind.startswith("preview-"):
        return preview_view(graph, kind[len("preview-"):], spec.slug)
    return {"index": index_view, "timeline": timeline_view, "feed": feed_view, "sitemap": sitemap_view,
            "corrections": corrections_view,
            "robots": robots_view, "timeline-json": timeline_json_view, "timeline-ics": calendar_view,
            "briefs-json": briefs_json_view}[kind](graph)


def render_page(env: jinja2.Environment, spec: PageSpec, view: dict) -> bytes:
    """A page through its template; a data export through its format."""
    if spec.kind in DATA_FORMATS:
        return DATA_FORMATS[spec.kind](view)
    return env.get_template(spec.template).render(**view).encode("utf-8")


def as_json(view: dict) -> bytes:
    return (json.dumps(view, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def as_calendar(view: dict) -> bytes:
    """iCalendar (RFC 5545) through the icalendar package: all-day events, end dates exclusive.

    Each event is made and written out on its own, so a calendar of thousands of events
    never exists as one tree of objects.
    """
    import icalendar  # only where a calendar is made: it costs a noticeable share of start-up
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Explainer//timeline//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", view["name"])
    head, end = calendar.to_ical().split(b"END:VCALENDAR")
    parts = [head]
    for item in view["events"]:
        event = icalendar.Event()
        event.add("uid", item["uid"])
        event.add("dtstamp", dt.datetime.fromisoformat(item["stamp"]).replace(tzinfo=dt.UTC))
        event.add("dtstart", dt.date.fromisoformat(item["start"]))
        event.add("dtend", dt.date.fromisoformat(item["end"]))
        event.add("summary", item["summary"])
        event.add("description", item["description"])
        if item["url"]:
            event.add("url", item["url"])
        parts.append(event.to_ical())
    return b"".join(parts) + b"END:VCALENDAR" + end


def as_preview(view: dict) -> bytes:
    """A script that hands the card's data to static/previews.js: explainerPreview(page, data)."""
    data = json.dumps(view["data"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Inside a script, "</" could end it early in some contexts, and U+2028/2029 were not valid in old JS.
    data = data.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"explainerPreview({json.dumps(view['page'])}, {data});\n".encode()


DATA_FORMATS = {"timeline-json": as_json, "briefs-json": as_json, "timeline-ics": as_calendar,
                "preview-brief": as_preview, "preview-topic": as_preview, "preview-entity": as_preview}


def preview_view(graph: SiteGraph, kind: str, slug: str) -> dict:
    """What a link's preview card shows: a brief's title, date, summary, reading time and the
    first sentences of each section; an entity's or topic's name, kind and description."""
    if kind == "brief":
        card, body = graph.cards[slug], graph.bodies[slug]
        return {"page": output_path("brief", slug), "data": {
            "kind": "brief", "title": card.title, "date": card.date.display(), "summary": card.summary,
            "minutes": max(1, math.ceil(body.words / WORDS_PER_MINUTE)), "sections": section_leads(body.html)}}
    record = graph.records.get((kind, slug))
    group = (graph.topic_index if kind == "topic" else graph.entity_index)[slug]
    label = "Topic" if kind == "topic" else KIND_LABELS[record.kind] if record else "Entity"
    count = len(group.briefs)
    return {"page": output_path(kind, slug), "data": {
        "kind": kind, "title": group.name, "label": label, "description": record.description if record else "",
        "count": f"{count} brief{'s' if count != 1 else ''}"}}


HEADING = re.compile(r'<h([1-6])[^>]*\bid="([^"]+)"[^>]*>')
FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
SPACE_BEFORE_MARK = re.compile(r"\s+([.,;:!?])")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\u201c\"(])")


def section_leads(html_text: str, sentences: int = 2, limit: int = 320) -> dict[str, str]:
    """Heading id -> the first sentences of its section, as plain text."""
    leads = {}
    matches = list(HEADING.finditer(html_text))
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(html_text)
        after = html_text[match.end():end]
        paragraph = FIRST_PARAGRAPH.search(after)       # a section's lead is its first paragraph
        if paragraph is None:
            continue
        text = SPACE_BEFORE_MARK.sub(r"\1", plain_text(paragraph.group(1)))
        lead = " ".join(SENTENCE_END.split(text)[:sentences]).strip()
        if lead:
            leads[match.group(2)] = lead if len(lead) <= limit else lead[:limit].rsplit(" ", 1)[0] + "…"
    return leads


# -- pieces shared by every page ------------------------------------------------

def chrome(graph: SiteGraph, path: str, title: str, description: str, lang: str = "",
           crumbs: tuple[tuple[str, str], ...] = (), scripts: tuple[str, ...] = (),
           og_type: str = "website", jsonld: dict | None = None) -> dict:
    """What the base layout needs: head and social metadata, navigation, search and breadcrumbs."""
    config = graph.config
    language = lang or config.language
    home = relative_url(path, output_path("index"))
    return {
        "site": {"title": config.title, "description": config.description, "author": config.author},
        "page": {
            "title": title if path == output_path("index") else f"{title} · {config.title}",
            "heading": title, "description": description, "lang": language,
            "dir": "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "",
            "root": home[:-len("index.html")],
            "canonical": absolute_url(config.url, path) if config.url else "",
            "css": relative_url(path, static_path("style.css")),
            "icon": relative_url(path, static_path("favicon.svg")),
            "feed": relative_url(path, output_path("feed")) if config.url else "",
            "search": relative_url(path, output_path("search")),
            "head_scripts": [relative_url(path, static_path("theme.js"))],
            "scripts": [relative_url(path, static_path(name)) for name in ("app.js", *scripts)],
            "footer_links": [{"text": "Corrections", "href": relative_url(path, output_path("corrections"))}],
            "policy": markdown_html(config.corrections_policy),
            "csp": content_security_policy(config),
            "og_type": og_type,
            "og_locale": language.replace("-", "_"),
            "jsonld": jsonld,
        },
        "nav": [{"text": text, "href": relative_url(path, target), "current": target == path, "key": text.lower()}
                for text, target in (("Home", output_path("index")), ("Timeline", output_path("timeline")),
                                     ("Topics", "topics.html"), ("Entities", "entities.html"),
                                     ("Search", output_path("search")))],
        "crumbs": [] if path == output_path("index") else [{"text": "Home", "href": home}] + [
            {"text": text, "href": relative_url(path, target)} for text, target in crumbs],
    }


def link_for(graph: SiteGraph, path: str, target: str) -> str:
    """An address for metadata and data files: absolute with a site URL, else relative to `path`."""
    return absolute_url(graph.config.url, target) if graph.config.url else relative_url(path, target)


def item_list(graph: SiteGraph, path: str, name: str, items: list[tuple[str, str]]) -> dict:
    """schema.org ItemList of (name, target page) pairs."""
    return {"@context": "https://schema.org", "@type": "ItemList", "name": name,
            "numberOfItems": len(items),
            "itemListElement": [{"@type": "ListItem", "position": n, "name": text, "url": link_for(graph, path, target)}
                                for n, (text, target) in enumerate(items, 1)]}


def article(graph: SiteGraph, path: str, brief: Brief) -> dict:
    """schema.org NewsArticle for a brief."""
    config = graph.config
    publisher = {"@type": "Organization", "name": config.title}
    if config.url:
        publisher["url"] = config.url
    publisher.update(policy(graph, path))
    corrections = [{"@type": "CorrectionComment", "text": c.text, "datePublished": c.date.iso()}
                   for _, c in newest_first(brief.changes) if c.kind == "correction"]
    return {"@context": "https://schema.org", "@type": "NewsArticle", "headline": brief.title,
            **({"correction": corrections} if corrections else {}),
            "description": brief.summary, "datePublished": brief.date.iso(),
            "dateModified": (brief.updated or brief.date).iso(), "inLanguage": brief.lang or config.language,
            "author": {"@type": "Organization", "name": config.author or config.title},
            "publisher": publisher, "url": link_for(graph, path, path),
            "mainEntityOfPage": link_for(graph, path, path),
            "keywords": [graph.labels[("topic", graph.topic_slugs[n])] for n in brief.topics],
            "about": [about(graph, path, graph.entity_slugs[n]) for n in brief.entities],
            "mentions": [about(graph, path, slug) for slug in mentioned_only(graph, brief)],
            "citation": [s.url for s in brief.sources if s.url]}


def mentioned_only(graph: SiteGraph, brief: Brief) -> list[str]:
    """Entities the brief's text links to (auto-links too) that its front matter does not list."""
    listed = {graph.entity_slugs[n] for n in brief.entities}
    linked = (link.target.partition(":")[2] for link in graph.bodies[brief.slug].links
              if link.target.startswith("entity:"))
    return [slug for slug in dict.fromkeys(linked) if slug not in listed and ("entity", slug) in graph.records]


def policy(graph: SiteGraph, path: str) -> dict:
    """schema.org correctionsPolicy: the page that lists the site's corrections and its policy."""
    return {"correctionsPolicy": link_for(graph, path, output_path("corrections"))} \
        if graph.config.corrections_policy else {}


def corrections_view(graph: SiteGraph) -> dict:
    path = output_path("corrections")
    items = [{"title": graph.cards[slug].title, "date_iso": change.date.iso(), "date_text": change.date.display(),
              "text": change.text, "href": relative_url(path, output_path("brief", slug), f"change-{number}")}
             for slug, number, change in graph.corrections]
    publisher = {"@type": "Organization", "name": graph.config.title, **policy(graph, path)}
    return {
        **chrome(graph, path, "Corrections", f"Every correction made to {graph.config.title}, newest first.",
                 jsonld={"@context": "https://schema.org", "@type": "WebPage", "name": "Corrections",
                         "url": link_for(graph, path, path), "publisher": publisher}),
        "policy": markdown_html(graph.config.corrections_policy),
        "corrections": items,
    }


@functools.lru_cache(maxsize=16)
def markdown_html(text: str) -> Markup | str:
    """A short Markdown setting of site.yml (the intro, the corrections policy), cleaned."""
    return Markup(sanitize(markdown.markdown(text, extensions=["attr_list"]))) if text else ""


def about(graph: SiteGraph, path: str, slug: str) -> dict:
    """An entity a brief names, for its NewsArticle: typed and linked when it has a record."""
    record = graph.records.get(("entity", slug))
    thing = {"@type": SCHEMA_TYPES.get(record.kind, "Thing") if record else "Thing",
             "name": graph.labels[("entity", slug)], "url": link_for(graph, path, output_path("entity", slug))}
    if record and record.wikidata:
        thing["sameAs"] = f"https://www.wikidata.org/wiki/{record.wikidata}"
    return thing


def brief_card(graph: SiteGraph, path: str, slug: str) -> dict:
    card = graph.cards[slug]
    return {"title": card.title, "href": relative_url(path, output_path("brief", slug)),
            "summary": card.summary, "date_iso": card.date.iso(), "date_text": card.date.display()}


def name_links(graph: SiteGraph, path: str, names: tuple[str, ...], kind: str) -> list[dict]:
    slugs = graph.topic_slugs if kind == "topic" else graph.entity_slugs
    links = {}
    for name in names:
        slug = slugs[name]
        links[slug] = {"name": graph.labels[(kind, slug)], "slug": slug,
                       "href": relative_url(path, output_path(kind, slug))}
    return list(links.values())


def event_view(graph: SiteGraph, path: str, entry: TimelineEntry, stories=None) -> dict:
    """One event as a list entry; `stories` is story_topics(graph), made once by a view of many events."""
    event = entry.event
    topics = name_links(graph, path, event.topics, "topic")
    entities = name_links(graph, path, event.entities, "entity")
    return {
        "date_text": display_range(event.date, event.end, event.circa),
        "date_iso": event.date.iso(), "year": event.date.year,
        "precision": event.date.precision,
        "title": event.title, "summary": event.summary,
        "id": entry.key,
        "brief": brief_card(graph, path, entry.brief),
        "briefs": [brief_card(graph, path, slug) for slug in entry.briefs or (entry.brief,)],
        "topics": topics, "entities": entities,
        "topic_slugs": " ".join(t["slug"] for t in topics),
        "entity_slugs": " ".join(e["slug"] for e in entities),
        "story": story_of(graph, event, stories).slug if graph.config.stories else "",
    }


OTHER_LANE = drawing.Lane("other", "Other events")
TIMELINE_WIDTH = 1000
BRIEF_WIDTH = 640


def story_topics(graph: SiteGraph) -> tuple[tuple[drawing.Lane, frozenset[str]], ...]:
    """Each story of site.yml with the slugs of its topics."""
    return tuple((drawing.Lane(story.slug, story.name),
                  frozenset(graph.topic_slugs.get(t) or name_slug(t) for t in story.topics))
                 for story in graph.config.stories)


def story_of(graph: SiteGraph, event, stories=None) -> drawing.Lane:
    """An event's lane: the first story that has one of its topics; without stories, its
    first topic. `stories` is story_topics(graph), if the caller has made it already."""
    slugs = [graph.topic_slugs[t] for t in event.topics]
    if graph.config.stories:
        stories = story_topics(graph) if stories is None else stories
        return next((lane for lane, topics in stories if topics.intersection(slugs)), OTHER_LANE)
    return drawing.Lane(slugs[0], graph.labels[("topic", slugs[0])]) if slugs else OTHER_LANE


def known_to_the_day(event) -> bool:
    """Whether an event's dates (start and end) are days, not months or years."""
    return event.date.precision == "day" and (event.end is None or event.end.precision == "day")


def drawing_item(entry: TimelineEntry, view: dict, lane: str) -> drawing.Item:
    event = entry.event
    last = (event.end or event.date).last_day()
    return drawing.Item(key=entry.key, title=event.title, when=view["date_text"], first=event.date.first_day(),
                        last=last, precise=known_to_the_day(event), circa=event.circa, lane=lane,
                        topics=view["topic_slugs"],
                        entities=view["entity_slugs"], story=view["story"])


def era_bands(graph: SiteGraph) -> tuple[drawing.Band, ...]:
    # An era without an end runs on past the last event; the drawing stops it there.
    return tuple(drawing.Band(era.title, era.start.first_day(), era.end.last_day() if era.end else dt.date.max)
                 for era in graph.config.eras)


def timeline_drawing(graph: SiteGraph, entries, views: list[dict]) -> drawing.Layout | None:
    """The whole timeline: one lane per story (or first topic), in the order stories are
    listed (or topics first appear), events that fit none last."""
    stories = story_topics(graph)
    lanes = [story_of(graph, entry.event, stories) for entry in entries]
    order = [lane for lane, _ in stories] if graph.config.stories else list(dict.fromkeys(lanes))
    order = [lane for lane in order if lane != OTHER_LANE] + [OTHER_LANE]
    items = tuple(drawing_item(entry, view, lane.slug) for entry, view, lane in zip(entries, views, lanes))
    return drawing.layout(items, tuple(order), era_bands(graph), TIMELINE_WIDTH,
                          f"Timeline of {len(items)} events, drawn to scale", max_rows=6)


def brief_drawing(graph: SiteGraph, entries, views: list[dict]) -> drawing.Layout | None:
    items = tuple(drawing_item(entry, view, "all") for entry, view in zip(entries, views))
    return drawing.layout(items, (drawing.Lane("all", ""),), era_bands(graph), BRIEF_WIDTH,
                          f"This brief's {len(items)} event{'s' if len(items) != 1 else ''}, drawn to scale",
                          show_lane_names=False, max_rows=3)


def years(events: list[dict]) -> list[dict]:
    grouped: dict[int, list[dict]] = {}
    for event in events:
        grouped.setdefault(event["year"], []).append(event)
    return [{"year": year, "id": f"y{year}", "events": items} for year, items in grouped.items()]


# -- one function per kind of page ---------------------------------------------

def index_view(graph: SiteGraph) -> dict:
    path = output_path("index")
    config = graph.config
    return {
        **chrome(graph, path, config.title, config.description or "An explainer site.",
                 jsonld=item_list(graph, path, f"Briefs of {config.title}",
                                  [(graph.cards[s].title, output_path("brief", s)) for s in graph.published])),
        "intro": markdown_html(config.intro),
        "start_here": [brief_card(graph, path, s) for s in config.start_here if s in graph.by_slug],
        "briefs": [brief_card(graph, path, slug) for slug in graph.slugs],
        "topics": group_cards(graph, path, "topic"),
        "entities": group_cards(graph, path, "entity"),
        "timeline_href": relative_url(path, output_path("timeline")),
        "event_count": len(graph.timeline),
    }


def group_cards(graph: SiteGraph, path: str, kind: str) -> list[dict]:
    groups = graph.topics if kind == "topic" else graph.entities
    return [{"name": g.name, "href": relative_url(path, output_path(kind, g.slug)),
             "count": len(g.briefs), "events": len(g.events)} for g in groups]


def groups_view(graph: SiteGraph, kind: str) -> dict:
    path = "topics.html" if kind == "topic" else "entities.html"
    title = "Topics" if kind == "topic" else "Entities"
    what = "subjects" if kind == "topic" else "people, countries and organisations"
    groups = graph.topics if kind == "topic" else graph.entities
    listed = item_list(graph, path, title, [(g.name, output_path(kind, g.slug)) for g in groups])
    return {**chrome(graph, path, title, f"All the {what} covered by {graph.config.title}.", jsonld=listed),
            "kind": kind, "groups": group_cards(graph, path, kind)}


def source_list(sources, body, figures=()) -> list[dict]:
    """A brief's or record's sources, each linking back to every place that cites it: the
    text's citations, then the key-figure cards'."""
    def places(source_id: str) -> list[str]:
        return ([f"#cite-{source_id}-{k}" for k in range(1, body.citations.count(source_id) + 1)]
                + [f"#cite-{source_id}-figure-{n}" for n, f in enumerate(figures, 1) if f.source == source_id])
    return [{"id": f"src-{s.id}", "number": n, "title": s.title, "publisher": s.publisher,
             "url": s.url, "date_text": s.date.display() if s.date else "",
             "cited_at": [{"href": href, "mark": backref_mark(k)} for k, href in enumerate(places(s.id), 1)]}
            for n, s in enumerate(sources, 1)]


def newest_first(changes) -> list[tuple[int, object]]:
    """(number in the log as written, entry), newest first; entries of one day keep their order, reversed."""
    return sorted(enumerate(changes, 1), key=lambda item: (item[1].date.first_day(), item[0]), reverse=True)


def change_notices(brief: Brief) -> list[dict]:
    """'Corrected on …' and 'Updated on …' at the top of a brief, each linking to its change log."""
    notices = []
    for kind, verb in (("correction", "Corrected"), ("update", "Updated")):
        entries = [(n, c) for n, c in newest_first(brief.changes) if c.kind == kind]
        if entries:
            number, change = entries[0]
            notices.append({"kind": kind, "verb": verb, "date_iso": change.date.iso(),
                            "date_text": change.date.display(), "href": f"#change-{number}"})
    return notices


def contents(brief: Brief, body, referenced: bool) -> list[dict]:
    """The table of contents: the body's headings, then the brief's own sections below it."""
    if len(body.headings) < TOC_MIN_HEADINGS:
        return []
    items = [{"level": h.level, "text": h.text, "href": f"#{h.id}"} for h in body.headings]
    level = min(h.level for h in body.headings)
    for present, text, anchor in ((brief.events, "Timeline", "brief-timeline"),
                                  (brief.sources, "Sources", "brief-sources"),
                                  (brief.changes, "Changes", "brief-changes"),
                                  (referenced, "Referenced by", "brief-backlinks")):
        if present:
            items.append({"level": level, "text": text, "href": f"#{anchor}"})
    return items


def backref_mark(number: int) -> str:
    """a, b, … z, aa, ab: the marks of the links from a source back to where it is cited."""
    mark = ""
    while number:
        number, rest = divmod(number - 1, 26)
        mark = chr(ord("a") + rest) + mark
    return mark


def brief_view(graph: SiteGraph, brief: Brief) -> dict:
    path = output_path("brief", brief.slug)
    body = graph.bodies[brief.slug]
    older, newer = graph.neighbours[brief.slug]
    numbers = {s.id: n for n, s in enumerate(brief.sources, 1)}
    first_topic = name_links(graph, path, brief.topics[:1], "topic")
    entries = graph.brief_events.get(brief.slug, ())
    events = [dict(event_view(graph, path, e), brief=None,
                   briefs=[brief_card(graph, path, s) for s in e.briefs if s != brief.slug]) for e in entries]
    return {
        **chrome(graph, path, brief.title, brief.summary, brief.lang,
                 crumbs=tuple((t["name"], output_path("topic", t["slug"])) for t in first_topic),
                 og_type="article", jsonld=article(graph, path, brief), scripts=("previews.js",)),
        "brief": {
            "title": brief.title, "summary": brief.summary, "draft": brief.draft,
            "notices": change_notices(brief),
            "changes": [{"id": f"change-{n}", "kind": change.kind, "label": change.kind.capitalize(),
                         "date_iso": change.date.iso(), "date_text": change.date.display(), "text": change.text}
                        for n, change in newest_first(brief.changes)],
            "date_iso": brief.date.iso(), "date_text": brief.date.display(),
            "updated_iso": brief.updated.iso() if brief.updated else "",
            "updated_text": brief.updated.display() if brief.updated else "",
            "reading_minutes": max(1, math.ceil(body.words / WORDS_PER_MINUTE)),
            "topics": name_links(graph, path, brief.topics, "topic"),
            "entities": name_links(graph, path, brief.entities, "entity"),
            "figures": [{"label": f.label, "value": f.value, "note": f.note,
                         "cite_number": numbers.get(f.source, 0), "cite_href": f"#src-{f.source}",
                         "cite_id": f"cite-{f.source}-figure-{n}"}
                        for n, f in enumerate(brief.figures, 1)],
            "body": Markup(body.html),
            "toc": contents(brief, body, bool(graph.backlinks[brief.slug])),
            "events": events,
            "drawing": brief_drawing(graph, entries, events),
            "sources": source_list(brief.sources, body, brief.figures),
            "backlinks": [brief_card(graph, path, s) for s in graph.backlinks[brief.slug]],
            "related": [brief_card(graph, path, s) for s in graph.related[brief.slug]],
            "older": brief_card(graph, path, older) if older else None,
            "newer": brief_card(graph, path, newer) if newer else None,
        },
    }


SCHEMA_TYPES = {"person": "Person", "country": "Country", "organisation": "Organization", "place": "Place",
                "event": "Event", "other": "Thing"}
KIND_LABELS = {"person": "Person", "country": "Country", "organisation": "Organisation", "place": "Place",
               "event": "Event", "other": "Entity"}


def group_view(graph: SiteGraph, group: Group, kind: str) -> dict:
    path = output_path(kind, group.slug)
    listing = ("Topics", "topics.html") if kind == "topic" else ("Entities", "entities.html")
    record = graph.records.get((kind, group.slug))
    label = ("Topic" if kind == "topic" else KIND_LABELS[record.kind] if record else "Entity")
    description = record.description if record else f"{label}: {group.name}. Briefs and events on " \
                                                     f"{group.name} in {graph.config.title}."
    briefs = item_list(graph, path, f"Briefs on {group.name}",
                       [(graph.cards[s].title, output_path("brief", s)) for s in group.briefs])
    jsonld = {"@context": "https://schema.org", "@graph": [described(graph, path, record),
                                                           {k: v for k, v in briefs.items() if k != "@context"}]} \
        if record else briefs
    stories, listed = story_topics(graph), set(group.briefs)
    return {
        **chrome(graph, path, group.name, description, crumbs=(listing,), jsonld=jsonld,
                 scripts=("previews.js",) if record else ()),
        "kind": kind, "label": label, "name": group.name,
        "description": record.description if record else "",
        "aliases": list(record.aliases) if record else [],
        "profile": Markup(graph.profiles[(kind, group.slug)].html) if record else "",
        "sources": source_list(record.sources, graph.profiles[(kind, group.slug)]) if record else [],
        "briefs": [brief_card(graph, path, s) for s in group.briefs],
        "referenced": [brief_card(graph, path, s) for s in graph.referenced.get(f"{kind}:{group.slug}", ())
                       if s not in listed],
        "years": years([event_view(graph, path, e, stories) for e in group.events]),
        "companions": [{"name": graph.labels[("entity", slug)], "count": count,
                        "href": relative_url(path, output_path("entity", slug))}
                       for slug, count in graph.companions.get(group.slug, ())] if kind == "entity" else [],
    }


def described(graph: SiteGraph, path: str, record) -> dict:
    """schema.org for an entity or topic that has a record: its type by kind, names and sameAs."""
    thing = {"@type": SCHEMA_TYPES.get(record.kind, "Thing") if record.group == "entity" else "DefinedTerm",
             "name": record.name, "description": record.description, "url": link_for(graph, path, path)}
    if record.aliases:
        thing["alternateName"] = list(record.aliases)
    if record.wikidata:
        thing["sameAs"] = f"https://www.wikidata.org/wiki/{record.wikidata}"
    return thing


def timeline_view(graph: SiteGraph) -> dict:
    path = output_path("timeline")
    stories = story_topics(graph)
    events = [event_view(graph, path, e, stories) for e in graph.timeline]
    stories = [{"slug": lane.slug, "name": lane.name} for lane, _ in story_topics(graph)]
    return {
        **chrome(graph, path, "Timeline", f"Every dated event in {graph.config.title}, in order.",
                 scripts=("timeline.js",),
                 jsonld=item_list(graph, path, "Timeline", [(e.event.title, output_path("brief", e.brief))
                                                            for e in graph.timeline])),
        "years": years(events), "event_count": len(events),
        "exports": [{"text": text, "href": relative_url(path, output_path(kind)), "about": about}
                    for text, kind, about in EXPORTS],
        "topics": [{"slug": g.slug, "name": g.name} for g in graph.topics],
        "entities": [{"slug": g.slug, "name": g.name} for g in graph.entities],
        "stories": stories + ([{"slug": OTHER_LANE.slug, "name": OTHER_LANE.name}]
                              if stories and any(e["story"] == OTHER_LANE.slug for e in events) else []),
        "drawing": timeline_drawing(graph, graph.timeline, events),
    }


def not_found_view(graph: SiteGraph) -> dict:
    path = output_path("404")
    css = graph.stylesheet
    view = chrome(graph, path, "Page not found", "This page does not exist.")
    # The one inline thing in the site: 404.html's stylesheet, allowed by its hash.
    inline = css.replace("</", "<\\/")
    digest = base64.b64encode(hashlib.sha256(f"\n{inline}\n".encode()).digest()).decode("ascii")
    icon = f"{graph.config.url.rstrip('/')}/static/favicon.svg" if graph.config.url else "data:,"
    search = f"{graph.config.url.rstrip('/')}/search.html" if graph.config.url else output_path("search")
    view["page"] = dict(view["page"], head_scripts=[], scripts=[], root="", icon=icon, search=search,
                        csp=content_security_policy(graph.config).replace("style-src 'self'",
                                                                          f"style-src 'self' 'sha256-{digest}'"))
    # GitHub Pages serves 404.html for a missing URL at any depth, so relative
    # links cannot work here: inline the CSS and link home absolutely when we can.
    site = graph.config.url.rstrip("/")
    absolute = (lambda href: f"{site}/{href}") if site else (lambda href: href)
    home = absolute(output_path("index"))
    view["nav"] = [dict(item, href=absolute(item["href"])) for item in view["nav"]]
    view["crumbs"] = [dict(item, href=absolute(item["href"])) for item in view["crumbs"]]
    view["page"]["footer_links"] = [dict(item, href=absolute(item["href"])) for item in view["page"]["footer_links"]]
    if view["page"]["feed"]:
        view["page"]["feed"] = absolute(view["page"]["feed"])
    return {**view, "inline_css": Markup(inline), "home_href": home}


def search_view(graph: SiteGraph) -> dict:
    path = output_path("search")
    return {**chrome(graph, path, "Search", f"Search every brief of {graph.config.title}.",
                     jsonld={"@context": "https://schema.org", "@type": "SearchResultsPage", "name": "Search",
                             "url": link_for(graph, path, path)}),
            "topics_href": relative_url(path, "topics.html"), "entities_href": relative_url(path, "entities.html"),
            "timeline_href": relative_url(path, output_path("timeline"))}


def search_file_view(graph: SiteGraph, kind: str, key: str) -> dict:
    """A file of the search index (see searchindex.py): its data, already JSON text.
    The manifest also says where the other files are, from the site's root."""
    if kind == "search-index":
        return {"data": Markup(graph.search_manifest), "paths": {
            "terms": search_terms_path("{}"), "docs": search_doc_path("{}"), "facets": output_path("search-facets"),
            "engine": static_path("search.js")}}
    if kind == "search-terms":
        return {"kind": "terms", "key": key, "data": Markup(graph.search_terms[key])}
    if kind == "search-doc":
        return {"kind": "doc", "key": key, "data": Markup(graph.search_docs[int(key)])}
    return {"kind": "facets", "key": "", "data": Markup(graph.search_facets)}


def feed_view(graph: SiteGraph) -> dict:
    url = graph.config.url
    entries = [{"title": b.title, "url": absolute_url(url, output_path("brief", b.slug)), "summary": b.summary,
                "published": atom_time(b.date.iso()), "updated": atom_time((b.updated or b.date).iso()),
                "topics": list(b.topics)} for b in (graph.meta[slug] for slug in graph.published)]
    newest = max((e["updated"] for e in entries), default=atom_time("1970-01-01"))
    return {"site": {"title": graph.config.title, "description": graph.config.description,
                     "author": graph.config.author or graph.config.title},
            "feed_url": absolute_url(url, output_path("feed")), "home_url": absolute_url(url, output_path("index")),
            "updated": newest, "entries": entries}


def atom_time(iso_date: str) -> str:
    return f"{iso_date}T00:00:00Z"


def robots_view(graph: SiteGraph) -> dict:
    return {"sitemap": absolute_url(graph.config.url, output_path("sitemap")) if graph.config.url else ""}


def date_parts(date) -> dict:
    """TimelineJS3 date object: year, and month and day only as far as the date is known."""
    parts = {"year": date.year}
    if date.month is not None:
        parts["month"] = date.month
    if date.day is not None:
        parts["day"] = date.day
    return parts


def viewer_text(text: str) -> str:
    """Plain text for a field TimelineJS3 first strips of markup (textContent of the parsed
    HTML) and then writes into innerHTML: escaped twice, so it survives both and shows as written."""
    return html.escape(html.escape(text, quote=False), quote=False)


def timeline_json_view(graph: SiteGraph) -> dict:
    """The timeline in TimelineJS3's JSON format (Knight Lab's embeddable viewer). The viewer
    writes headline and text into innerHTML, so our plain text is escaped once for them (or
    "Trade < $1bn & rising" would show wrong and markup in a title would run), and twice for
    display_date and group (see viewer_text)."""
    path = output_path("timeline-json")
    events = []
    published = set(graph.published)
    for number, entry in enumerate(published_events(graph), 1):
        event = entry.event
        tellers = [(graph.cards[slug].title, link_for(graph, path, output_path("brief", slug)))
                   for slug in told_by(entry, published)]
        href = tellers[0][1]
        item = {"unique_id": event.id or f"event-{number}", "start_date": date_parts(event.date),
                "display_date": viewer_text(display_range(event.date, event.end, event.circa)),
                "text": {"headline": html.escape(event.title, quote=False),
                         "text": (f"<p>{html.escape(event.summary)}</p>" if event.summary else "")
                         + "<p>From " + ", ".join(f'<a href="{html.escape(link)}">{html.escape(title)}</a>'
                                                  for title, link in tellers) + "</p>"},
                "group": viewer_text(graph.labels[("topic", graph.topic_slugs[event.topics[0]])])
                if event.topics else "",
                "url": href}
        if event.end is not None:
            item["end_date"] = date_parts(event.end)
        events.append(item)
    return {"title": {"text": {"headline": html.escape(graph.config.title, quote=False),
                               "text": html.escape(graph.config.description, quote=False)}},
            "events": events}


def told_by(entry: TimelineEntry, published: set[str]) -> list[str]:
    """The published briefs (`published`: graph.published as a set, made once per view, not
    once per event) that tell of an event (all, when drafts are not shown)."""
    return [slug for slug in entry.briefs or (entry.brief,) if slug in published]


def published_events(graph: SiteGraph) -> list[TimelineEntry]:
    """The timeline without the events of drafts: exports carry only what is published."""
    if len(graph.published) == len(graph.slugs):
        return list(graph.timeline)
    published = set(graph.published)
    return [entry for entry in graph.timeline if published.intersection(entry.briefs or (entry.brief,))]


def calendar_view(graph: SiteGraph) -> dict:
    """Every event as an all-day calendar entry; a year or month is its whole period."""
    path = output_path("timeline-ics")
    events = []
    published = set(graph.published)
    for number, entry in enumerate(published_events(graph), 1):
        first = told_by(entry, published)[0]
        event, card = entry.event, graph.cards[first]
        last = (event.end or event.date).last_day()
        precision = event.date.precision
        note = "" if known_to_the_day(event) else \
            f"Date known to the {precision}: {display_range(event.date, event.end, event.circa)}. "
        url = absolute_url(graph.config.url, output_path("brief", first)) if graph.config.url else ""
        uid = f"{event.id}@explainer" if event.id else f"{entry.brief}-{event.date.iso()}-{number}@explainer"
        events.append({"uid": uid,
                       "stamp": f"{card.date.iso()}T00:00:00", "start": event.date.first_day().isoformat(),
                       "end": (last + dt.timedelta(days=1)).isoformat(), "summary": event.title,
                       "description": f"{note}{event.summary + ' ' if event.summary else ''}From the brief "
                                      f"\u201c{card.title}\u201d: "
                                      + (url or link_for(graph, path, output_path("brief", first))),
                       "url": url})
    return {"name": graph.config.title, "events": events}


def briefs_json_view(graph: SiteGraph) -> dict:
    path = output_path("briefs-json")
    return {"site": {"title": graph.config.title, "url": graph.config.url},
            "briefs": [{"slug": b.slug, "title": b.title, "url": link_for(graph, path, output_path("brief", b.slug)),
                        "date": b.date.iso(), "updated": b.updated.iso() if b.updated else None,
                        "summary": b.summary, "topics": list(b.topics), "entities": list(b.entities),
                        "sources": [{"id": s.id, "title": s.title, "publisher": s.publisher, "url": s.url,
                                     "date": s.date.iso() if s.date else None} for s in b.sources]}
                       for b in (graph.meta[slug] for slug in graph.published)]}


def draft_only(graph: SiteGraph, kind: str, group: Group, published: set[str]) -> bool:
    """A topic or entity page that exists only because drafts are shown: no record, and
    named by no published brief or event (`published`: their slugs). The sitemap leaves it out."""
    if (kind, group.slug) in graph.records or len(published) == len(graph.slugs):
        return False
    return not published.intersection(group.briefs) and not any(published.intersection(e.briefs or (e.brief,))
                                                                for e in group.events)


def sitemap_view(graph: SiteGraph) -> dict:
    url = graph.config.url
    newest = graph.corrections[0][2].date.iso() if graph.corrections else ""
    pages = [(output_path("index"), ""), (output_path("timeline"), ""), ("topics.html", ""), ("entities.html", ""),
             (output_path("corrections"), newest)]
    pages += [(output_path("brief", b.slug), (b.updated or b.date).iso()) for b in
              (graph.meta[slug] for slug in graph.published)]
    published = set(graph.published)
    pages += [(output_path("topic", g.slug), "") for g in graph.topics
              if not draft_only(graph, "topic", g, published)]
    pages += [(output_path("entity", g.slug), "") for g in graph.entities
              if not draft_only(graph, "entity", g, published)]
    return {"urls": [{"loc": absolute_url(url, p), "lastmod": lastmod} for p, lastmod in pages]}
