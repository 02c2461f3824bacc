"""Stage 2, link: build the site graph once from the loaded briefs and their
rendered bodies. Slugs, link and anchor checks, backlinks, related briefs,
prev/next, topics, entities and the timeline are all settled here; the
render stage only reads the result."""
from __future__ import annotations

import bisect
import heapq
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .dates import PartialDate
from .memo import reuse
from .models import Body, Brief, Event, LinkIndex, Problem, SiteConfig, suggest
from .urls import name_slug

MAX_RELATED = 5
HEADING_IDS = "; a heading's id is its text in lowercase with hyphens ('## What was decided' -> what-was-decided)"
RELATED_POOL = 12


@dataclass(frozen=True)
class TimelineEntry:
    event: Event
    brief: str                  # slug of the brief the event comes from


@dataclass(frozen=True)
class Group:
    """A topic or an entity, with everything that mentions it."""
    slug: str
    name: str
    briefs: tuple[str, ...]     # slugs, newest first
    events: tuple[TimelineEntry, ...]


@dataclass(frozen=True)
class Card:
    """What other pages show of a brief: a body edit leaves it unchanged."""
    slug: str
    title: str
    summary: str
    date: PartialDate


@dataclass(frozen=True)
class Meta:
    """A brief's front matter without its body: what feeds and data exports show."""
    slug: str
    title: str
    summary: str
    date: PartialDate
    updated: PartialDate | None
    topics: tuple[str, ...]
    entities: tuple[str, ...]
    sources: tuple


@dataclass(frozen=True)
class SiteGraph:
    config: SiteConfig
    briefs: tuple[Brief, ...]                  # published, newest first
    slugs: tuple[str, ...]                     # the same order: what a list of briefs needs
    by_slug: Mapping[str, Brief]
    bodies: Mapping[str, Body]
    backlinks: Mapping[str, tuple[str, ...]]
    related: Mapping[str, tuple[str, ...]]
    neighbours: Mapping[str, tuple[str | None, str | None]]   # (older, newer)
    topics: tuple[Group, ...]
    entities: tuple[Group, ...]
    topic_slugs: Mapping[str, str]             # name as written -> slug
    entity_slugs: Mapping[str, str]
    timeline: tuple[TimelineEntry, ...]

    topic_index: Mapping[str, Group]           # slug -> topic
    entity_index: Mapping[str, Group]
    cards: Mapping[str, Card]
    meta: Mapping[str, Meta]
    labels: Mapping[tuple[str, str], str]      # ("topic", slug) -> name as shown

def link_index(briefs: tuple[Brief, ...]) -> LinkIndex:
    return LinkIndex(titles={b.slug: b.title for b in briefs}, paths={b.rel_path: b.slug for b in briefs})


def duplicate_slugs(briefs: tuple[Brief, ...]) -> list[Problem]:
    first: dict[str, Brief] = {}
    problems = []
    for brief in briefs:
        if brief.slug in first:
            other = first[brief.slug]
            problems.append(Problem(brief.path, brief.line_of("slug"),
                                    f"slug {brief.slug!r} is also used by {other.path}; "
                                    "rename one file or set a different 'slug:'"))
        else:
            first[brief.slug] = brief
    return problems


def published(briefs: tuple[Brief, ...], include_drafts: bool) -> tuple[Brief, ...]:
    """Newest first; ties broken by slug so the order never depends on the walk."""
    chosen = [b for b in briefs if include_drafts or not b.draft]
    return tuple(sorted(chosen, key=lambda b: (b.date.first_day(), b.slug), reverse=True))


def build_graph(briefs: tuple[Brief, ...], bodies: Mapping[str, Body], config: SiteConfig,
                include_drafts: bool) -> tuple[SiteGraph, list[Problem]]:
    public = published(briefs, include_drafts)
    by_slug = {b.slug: b for b in briefs}
    problems = link_problems(briefs, bodies, by_slug, include_drafts)
    problems += related_problems(briefs, by_slug, include_drafts)
    events = reuse("timeline", public, lambda: timeline(public), same_events)
    topics, topic_slugs, topic_problems = reuse("topics", public, lambda: group_names(public, events, "topic"),
                                                same_names)
    entities, entity_slugs, entity_problems = reuse("entities", public,
                                                    lambda: group_names(public, events, "entity"), same_names)
    problems += topic_problems + entity_problems
    links = [(b.slug, bodies[b.slug].links) for b in public]
    graph = SiteGraph(
        config=config, briefs=public, slugs=tuple(b.slug for b in public),
        by_slug=MappingProxyType({b.slug: b for b in public}),
        bodies=MappingProxyType(dict(bodies)), backlinks=reuse("backlinks", links, lambda: backlinks(public, bodies)),
        related=reuse("related", public, lambda: related_briefs(public), same_related),
        neighbours=neighbours(public),
        topics=topics, entities=entities, topic_slugs=topic_slugs, entity_slugs=entity_slugs,
        timeline=events, topic_index=MappingProxyType({g.slug: g for g in topics}),
        entity_index=MappingProxyType({g.slug: g for g in entities}),
        cards=reuse("cards", public, lambda: cards(public), same_card),
        meta=reuse("meta", public, lambda: metadata(public), same_meta),
        labels=MappingProxyType({**{("topic", g.slug): g.name for g in topics},
                                 **{("entity", g.slug): g.name for g in entities}}))
    return graph, problems


# What each derived part depends on, for `reuse` to compare when a brief is a new object.
def same_events(a: Brief, b: Brief) -> bool:
    return a is b or (a.rel_path == b.rel_path and a.slug == b.slug and a.events == b.events)


def same_names(a: Brief, b: Brief) -> bool:
    return a is b or (a.path == b.path and a.rel_path == b.rel_path and a.slug == b.slug and a.topics == b.topics
                      and a.entities == b.entities and a.lines == b.lines and a.events == b.events)


def same_related(a: Brief, b: Brief) -> bool:
    return a is b or (a.slug == b.slug and a.related == b.related and a.topics == b.topics
                      and a.entities == b.entities)


def same_card(a: Brief, b: Brief) -> bool:
    return a is b or (a.slug == b.slug and a.title == b.title and a.summary == b.summary and a.date == b.date)


def same_meta(a: Brief, b: Brief) -> bool:
    return a is b or (a.slug == b.slug and a.title == b.title and a.summary == b.summary and a.date == b.date
                      and a.updated == b.updated and a.topics == b.topics and a.entities == b.entities
                      and a.sources == b.sources)


def metadata(public: tuple[Brief, ...]) -> Mapping[str, Meta]:
    return MappingProxyType({b.slug: Meta(b.slug, b.title, b.summary, b.date, b.updated, b.topics, b.entities,
                                          b.sources) for b in public})


def cards(public: tuple[Brief, ...]) -> Mapping[str, Card]:
    return MappingProxyType({b.slug: Card(b.slug, b.title, b.summary, b.date) for b in public})


def link_problems(briefs, bodies, by_slug, include_drafts) -> list[Problem]:
    problems = []
    for brief in briefs:
        for link in bodies[brief.slug].links:
            target = by_slug[link.target]
            if target.draft and not brief.draft and not include_drafts:
                problems.append(Problem(brief.path, link.line,
                                        f"link {link.raw!r} points at the draft {target.path}; publish it "
                                        "(draft: false), remove the link, or build with --drafts"))
            elif link.anchor and link.anchor not in bodies[target.slug].ids:
                hint = suggest(link.anchor, bodies[target.slug].ids) or HEADING_IDS
                problems.append(Problem(brief.path, link.line, f"link {link.raw!r}: {target.path} has no "
                                                               f"heading with id {link.anchor!r}{hint}"))
    return problems


def related_problems(briefs, by_slug, include_drafts) -> list[Problem]:
    problems = []
    for brief in briefs:
        for slug in brief.related:
            line = brief.line_of("related")
            if slug not in by_slug:
                problems.append(Problem(brief.path, line, f"related: no brief with slug {slug!r}"
                                        f"{suggest(slug, by_slug) or '; list the slugs of existing briefs'}"))
            elif by_slug[slug].draft and not brief.draft and not include_drafts:
                problems.append(Problem(brief.path, line,
                                        f"related: {slug!r} is a draft; publish it or build with --drafts"))
    return problems


def backlinks(public: tuple[Brief, ...], bodies: Mapping[str, Body]) -> Mapping[str, tuple[str, ...]]:
    """For each brief, the briefs that link to it by any link form, newest first."""
    found: dict[str, list[str]] = defaultdict(list)
    for brief in public:
        for target in dict.fromkeys(link.target for link in bodies[brief.slug].links):
            if target != brief.slug:
                found[target].append(brief.slug)
    return MappingProxyType({b.slug: tuple(found.get(b.slug, ())) for b in public})


def related_briefs(public: tuple[Brief, ...]) -> Mapping[str, tuple[str, ...]]:
    """Declared `related` first, then briefs sharing the most topics and entities.

    Candidates for each name are the briefs nearest in date among those sharing it,
    so the cost stays linear in the number of briefs, however common a topic is.
    """
    briefs = [(b.slug, b.related, b.topics + b.entities) for b in public]
    slugs = [slug for slug, _, _ in briefs]
    position = {slug: index for index, slug in enumerate(slugs)}
    sharing: dict[str, list[int]] = defaultdict(list)
    names = [sorted({name_slug(n) for n in brief_names}) for _, _, brief_names in briefs]
    for index, brief_names in enumerate(names):
        for name in brief_names:
            sharing[name].append(index)
    result = {}
    for index, (slug, related, _) in enumerate(briefs):
        declared = [s for s in dict.fromkeys(related) if s in position and s != slug]
        scores: Counter = Counter()
        for name in names[index]:
            scores.update(nearest(sharing[name], index, RELATED_POOL))
        del scores[index]
        wanted = MAX_RELATED - len(declared)
        ranked = heapq.nsmallest(wanted + len(declared), ((-score, abs(other - index), other)
                                                          for other, score in scores.items())) if wanted > 0 else []
        shared = [slugs[o] for _, _, o in ranked if slugs[o] not in declared][:max(wanted, 0)]
        result[slug] = tuple(declared + shared)
    return MappingProxyType(result)


def nearest(sorted_positions: list[int], index: int, count: int) -> list[int]:
    """Up to `count` positions on each side of `index` in a sorted list."""
    middle = bisect.bisect_left(sorted_positions, index)
    return sorted_positions[max(0, middle - count):middle + count + 1]


def neighbours(public: tuple[Brief, ...]) -> Mapping[str, tuple[str | None, str | None]]:
    oldest_first = public[::-1]
    result = {}
    for position, brief in enumerate(oldest_first):
        older = oldest_first[position - 1].slug if position > 0 else None
        newer = oldest_first[position + 1].slug if position + 1 < len(oldest_first) else None
        result[brief.slug] = (older, newer)
    return MappingProxyType(result)


def timeline(public: tuple[Brief, ...]) -> tuple[TimelineEntry, ...]:
    """Every event, by the first day of its period; ties keep file order."""
    entries = [TimelineEntry(event, brief.slug)
               for brief in sorted(public, key=lambda b: b.rel_path) for event in brief.events]
    return tuple(sorted(entries, key=lambda e: e.event.date.first_day()))


def group_names(public: tuple[Brief, ...], events: tuple[TimelineEntry, ...], kind: str):
    """Topics or entities, one per slug; a name spelt two ways is one group and a warning."""
    field = "topics" if kind == "topic" else "entities"
    spellings: dict[str, Counter] = defaultdict(Counter)
    first_seen: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for brief in sorted(public, key=lambda b: b.rel_path):
        for name, line in names_in(brief, field):
            slug = name_slug(name)
            spellings[slug][name] += 1
            first_seen[slug].append((name, brief.path, line))
    canonical = {slug: max(counts, key=lambda n: (counts[n], -first_index(first_seen[slug], n)))
                 for slug, counts in spellings.items()}
    problems = [Problem(path, line, f"{kind} {name!r} is also spelt {canonical[slug]!r}; "
                                    "use one spelling everywhere", warning=True)
                for slug, seen in first_seen.items() for name, path, line in seen if name != canonical[slug]]
    groups = tuple(sorted((Group(slug, canonical[slug], members, found) for slug, members, found
                           in mentions(public, events, field, spellings)), key=lambda g: (g.name.casefold(), g.slug)))
    slugs = MappingProxyType({name: slug for slug, counts in spellings.items() for name in counts})
    return groups, slugs, problems


def names_in(brief: Brief, field: str) -> list[tuple[str, int]]:
    found = [(name, brief.line_of(field)) for name in getattr(brief, field)]
    for event in brief.events:
        found.extend((name, event.line) for name in getattr(event, field))
    return found


def first_index(seen: list, name: str) -> int:
    return next(i for i, (n, _, _) in enumerate(seen) if n == name)


def mentions(public: tuple[Brief, ...], events: tuple[TimelineEntry, ...], field: str, slugs):
    """For each name slug: the briefs (newest first) and events (in time order) that mention it."""
    briefs: dict[str, list[str]] = defaultdict(list)
    found: dict[str, list[TimelineEntry]] = defaultdict(list)
    for brief in public:
        for slug in dict.fromkeys(name_slug(n) for n in getattr(brief, field)):
            briefs[slug].append(brief.slug)
    for entry in events:
        for slug in dict.fromkeys(name_slug(n) for n in getattr(entry.event, field)):
            found[slug].append(entry)
    return [(slug, tuple(briefs[slug]), tuple(found[slug])) for slug in slugs]
