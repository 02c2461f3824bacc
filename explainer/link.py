"""Stage 2, link: build the site graph once from the loaded briefs and their
rendered bodies. Slugs, link and anchor checks, backlinks, related briefs,
prev/next, topics, entities and the timeline are all settled here; the
render stage only reads the result."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from .markup import Body, LinkIndex, suggest
from .models import Brief, Event, Problem, SiteConfig
from .urls import name_slug

MAX_RELATED = 5


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
class SiteGraph:
    config: SiteConfig
    briefs: tuple[Brief, ...]                  # published, newest first
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
    events = timeline(public)
    topics, topic_slugs, topic_problems = group_names(public, events, "topic")
    entities, entity_slugs, entity_problems = group_names(public, events, "entity")
    problems += topic_problems + entity_problems
    graph = SiteGraph(
        config=config, briefs=public, by_slug=MappingProxyType({b.slug: b for b in public}),
        bodies=MappingProxyType(dict(bodies)), backlinks=backlinks(public, bodies),
        related=related_briefs(public), neighbours=neighbours(public),
        topics=topics, entities=entities, topic_slugs=topic_slugs, entity_slugs=entity_slugs,
        timeline=events)
    return graph, problems


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
                problems.append(Problem(brief.path, link.line,
                                        f"link {link.raw!r}: {target.path} has no heading with id "
                                        f"{link.anchor!r}{suggest(link.anchor, bodies[target.slug].ids)}"))
    return problems


def related_problems(briefs, by_slug, include_drafts) -> list[Problem]:
    problems = []
    for brief in briefs:
        for slug in brief.related:
            line = brief.line_of("related")
            if slug not in by_slug:
                problems.append(Problem(brief.path, line,
                                        f"related: no brief with slug {slug!r}{suggest(slug, by_slug)}"))
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
    """Declared `related` first, then briefs sharing the most topics and entities."""
    names = {b.slug: {name_slug(n) for n in b.topics + b.entities} for b in public}
    order = {b.slug: position for position, b in enumerate(public)}
    result = {}
    for brief in public:
        declared = [s for s in dict.fromkeys(brief.related) if s in order and s != brief.slug]
        scored = sorted((-len(names[brief.slug] & names[other.slug]), order[other.slug], other.slug)
                        for other in public if other.slug != brief.slug and other.slug not in declared)
        shared = [slug for score, _, slug in scored if score < 0]
        result[brief.slug] = tuple((declared + shared)[:max(MAX_RELATED, len(declared))])
    return MappingProxyType(result)


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
    first_seen: dict[str, list[tuple[str, Brief, int]]] = defaultdict(list)
    for brief in sorted(public, key=lambda b: b.rel_path):
        for name, line in names_in(brief, field):
            slug = name_slug(name)
            spellings[slug][name] += 1
            first_seen[slug].append((name, brief, line))
    canonical = {slug: max(counts, key=lambda n: (counts[n], -first_index(first_seen[slug], n)))
                 for slug, counts in spellings.items()}
    problems = [Problem(brief.path, line, f"{kind} {name!r} is also spelt {canonical[slug]!r}; "
                                          "use one spelling everywhere", warning=True)
                for slug, seen in first_seen.items() for name, brief, line in seen if name != canonical[slug]]
    groups = tuple(sorted((make_group(slug, canonical[slug], public, events, field) for slug in spellings),
                          key=lambda g: (g.name.casefold(), g.slug)))
    slugs = MappingProxyType({name: slug for slug, counts in spellings.items() for name in counts})
    return groups, slugs, problems


def names_in(brief: Brief, field: str) -> list[tuple[str, int]]:
    found = [(name, brief.line_of(field)) for name in getattr(brief, field)]
    for event in brief.events:
        found.extend((name, event.line) for name in getattr(event, field))
    return found


def first_index(seen: list, name: str) -> int:
    return next(i for i, (n, _, _) in enumerate(seen) if n == name)


def make_group(slug: str, name: str, public: tuple[Brief, ...], events: tuple[TimelineEntry, ...],
               field: str) -> Group:
    def mentions(names) -> bool:
        return any(name_slug(n) == slug for n in names)
    return Group(slug, name, tuple(b.slug for b in public if mentions(getattr(b, field))),
                 tuple(e for e in events if mentions(getattr(e.event, field))))
