"""Stage 2, link: build the site graph once from the loaded briefs and their
rendered bodies. Slugs, link and anchor checks, backlinks, related briefs,
prev/next, topics, entities and the timeline are all settled here; the
render stage only reads the result."""
from __future__ import annotations

import bisect
import difflib
import hashlib
import heapq
import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from .dates import PartialDate
from .models import Body, Brief, Change, Event, LinkIndex, Problem, Record, SiteConfig, suggest
from .searchindex import Document, analyse, build_index
from .urls import name_slug, output_path

MAX_RELATED = 5
MAX_COMPANIONS = 8
MIN_AUTOLINK = 4     # a shorter alias ('Dar', 'US') still names an entity, but never links by itself
HEADING_IDS = "; a heading's id is its text in lowercase with hyphens ('## What was decided' -> what-was-decided)"
RELATED_POOL = 12


@dataclass(frozen=True)
class TimelineEntry:
    plain_record = True     # only text, numbers, dates and plain records inside: its repr is faithful
    digest_by_parts = True  # shared by the timeline, topics and entities: digested once
    event: Event
    brief: str                  # slug of the brief the event comes from (the first to give it in full)
    briefs: tuple[str, ...] = ()    # every brief that tells of it, in file order: more than one for a shared id
    key: str = ""               # its element id in the timeline's list and on the briefs' pages


@dataclass(frozen=True)
class Group:
    """A topic or an entity, with everything that mentions it."""
    plain_record = True     # only text, numbers, dates and plain records inside: its repr is faithful
    digest_by_parts = True
    slug: str
    name: str
    briefs: tuple[str, ...]     # slugs, newest first
    events: tuple[TimelineEntry, ...]


@dataclass(frozen=True)
class Card:
    """What other pages show of a brief: a body edit leaves it unchanged."""
    plain_record = True     # only text, numbers and dates inside: its repr is a faithful digest
    slug: str
    title: str
    summary: str
    date: PartialDate


@dataclass(frozen=True)
class Meta:
    """A brief's front matter without its body: what feeds and data exports show."""
    plain_record = True
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
    published: tuple[str, ...]                 # the same without drafts: what feeds, sitemaps and exports list
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
    brief_events: Mapping[str, tuple[TimelineEntry, ...]]   # slug -> the entries it tells of, its own and by ref

    topic_index: Mapping[str, Group]           # slug -> topic
    entity_index: Mapping[str, Group]
    cards: Mapping[str, Card]
    meta: Mapping[str, Meta]
    labels: Mapping[tuple[str, str], str]      # ("topic", slug) -> name as shown
    records: Mapping[tuple[str, str], Record]  # ("entity", slug) -> its record, for those that have one
    profiles: Mapping[tuple[str, str], Body]   # the same keys -> the record's rendered profile
    companions: Mapping[str, tuple[tuple[str, int], ...]]   # entity slug -> the entities most often beside it
    referenced: Mapping[str, tuple[str, ...]]  # "entity:slug" -> briefs whose text links it (auto-links too)
    corrections: tuple[tuple[str, int, Change], ...]   # (brief slug, entry number, correction), newest first
    # The search index's files (searchindex.py), one mapping per kind so a page reads only its own
    search_manifest: str
    search_terms: Mapping[str, str]
    search_docs: Mapping[int, str]
    search_facets: str

def link_index(briefs: tuple[Brief, ...], failed_paths: Mapping[str, str] | None = None,
               records: tuple[Record, ...] = (), autolink: bool = True, images: Mapping[str, str] | None = None,
               remote_images: tuple[str, ...] = ()) -> LinkIndex:
    """Titles by slug (a record's name by "entity:slug" or "topic:slug"), slugs by file; a
    file that failed to load keeps its slug, with no title. For auto-links: each entity
    record's name and aliases of at least MIN_AUTOLINK characters, and the spelling keys
    that resolve a brief's own names."""
    entities = [r for r in records if r.group == "entity"]
    keys: dict[str, str] = {}
    mentions: dict[str, str] = {}
    for record in entities:
        for spelling in record.spellings:
            keys.setdefault(name_slug(spelling), record.slug)
        for spelling in (record.name, *(a for a in record.aliases if len(a) >= MIN_AUTOLINK)):
            mentions.setdefault(spelling, record.slug)
    digest = hashlib.sha256(repr((sorted(mentions.items()), sorted(keys.items()))).encode()).hexdigest()
    return LinkIndex(titles={**{f"{r.group}:{r.slug}": r.name for r in records}, **{b.slug: b.title for b in briefs}},
                     paths={**(failed_paths or {}), **{b.rel_path: b.slug for b in briefs}},
                     mentions=mentions, entity_keys=keys, images=dict(images or {}),
                     settings={"autolink": "on" if autolink else "off", "mentions": digest,
                               "remote_images": " ".join(remote_images)})


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


def compute(_name, function, *arguments):
    """How a part is made without a memo: call the function."""
    return function(*arguments)


def compute_each(_name, function, items):
    return tuple(function(item) for item in items)


def build_graph(briefs: tuple[Brief, ...], bodies: Mapping[str, Body], config: SiteConfig,
                include_drafts: bool, derive=compute, failed: Mapping[str, str] | None = None,
                records: tuple[Record, ...] = (), profile_bodies: Mapping[tuple[str, str], Body] | None = None,
                derive_each=compute_each) -> tuple[SiteGraph, list[Problem]]:
    """The site graph. Each derived part is `derive(name, function, *arguments)`: the function
    sees only its arguments, plain rows taken from the briefs, so a memo keyed by equal
    arguments can never hand back a part made from inputs it did not compare. `failed`
    holds the slugs of files whose front matter failed, with their paths: links to them
    follow from that error and are reported under it."""
    public = published(briefs, include_drafts)
    by_slug = {b.slug: b for b in briefs}
    failed = failed or {}
    profile_bodies = profile_bodies or {}
    recorded = {(r.group, r.slug): r for r in records}
    renames = likely_renames(briefs, bodies, by_slug, failed)
    problems = link_problems(briefs, bodies, by_slug, include_drafts, failed, renames, recorded, profile_bodies)
    problems += record_link_problems(records, profile_bodies, bodies, by_slug, include_drafts, failed, renames,
                                     recorded)
    problems += related_problems(briefs, by_slug, include_drafts, failed, renames)
    problems += [Problem(renamed.path, 1, f"looks like a rename of {old!r}: add `slug: {old}` to its front matter "
                                          "to keep the links to it working")
                 for old, renamed in sorted(renames.items())]
    in_file_order = sorted(public, key=lambda b: b.rel_path)
    public_paths = {b.path for b in public}     # a set: comparing whole briefs would be quadratic
    events, brief_events, event_problems = derive(
        "timeline", timeline, tuple((b.slug, b.path, b.events, b.refs) for b in in_file_order),
        tuple((e.id, b.path) for b in sorted(briefs, key=lambda b: b.rel_path) if b.path not in public_paths
              for e in b.events if e.id))
    problems += event_problems
    topic_records = record_rows(records, "topic")
    entity_records = record_rows(records, "entity")
    topic_names, topic_index_problems = derive("topic spellings", spelling_index, topic_records, "topic")
    entity_names, entity_index_problems = derive("entity spellings", spelling_index, entity_records, "entity")
    topics, topic_slugs, topic_problems = derive("topics", group_names, name_rows(in_file_order, "topics"),
                                                 mention_rows(public, "topics"), events, "topic", topic_records,
                                                 topic_names)
    entities, entity_slugs, entity_problems = derive("entities", group_names, name_rows(in_file_order, "entities"),
                                                     mention_rows(public, "entities"), events, "entity",
                                                     entity_records, entity_names)
    problems += topic_index_problems + entity_index_problems + topic_problems + entity_problems
    slugs = tuple(b.slug for b in public)
    group_labels = derive("labels", labels, topics, entities)
    documents = search_documents(public, bodies, topics, entities, topic_slugs, entity_slugs, recorded,
                                 profile_bodies)
    search = derive("search", build_index, documents, derive_each("search documents", analyse, documents),
                    group_labels)
    graph = SiteGraph(
        config=config, briefs=public, slugs=slugs, published=tuple(b.slug for b in public if not b.draft),
        by_slug=MappingProxyType({b.slug: b for b in public}),
        bodies=MappingProxyType({b.slug: bodies[b.slug] for b in public}),
        backlinks=derive("backlinks", backlinks, slugs, tuple(tuple(link.target for link in bodies[s].links)
                                                              for s in slugs)),
        related=derive("related", related_briefs, tuple(
            (b.slug, b.related, tuple(topic_slugs[n] for n in b.topics) + tuple(entity_slugs[n] for n in b.entities))
            for b in public)),
        neighbours=derive("neighbours", neighbours, slugs),
        topics=topics, entities=entities, topic_slugs=topic_slugs, entity_slugs=entity_slugs,
        timeline=events, brief_events=brief_events, topic_index=derive("topic index", group_index, topics),
        entity_index=derive("entity index", group_index, entities),
        cards=derive("cards", cards, tuple((b.slug, b.title, b.summary, b.date) for b in public)),
        meta=derive("meta", metadata, tuple((b.slug, b.title, b.summary, b.date, b.updated, b.topics, b.entities,
                                             b.sources) for b in public)),
        labels=group_labels,
        records=MappingProxyType(recorded),
        profiles=MappingProxyType(dict(profile_bodies)),
        companions=derive("companions", companions, tuple(tuple(dict.fromkeys(entity_slugs[n] for n in b.entities))
                                                          for b in public)),
        corrections=derive("corrections", correction_list, tuple((b.slug, b.changes) for b in public if not b.draft)),
        referenced=derive("referenced", record_backlinks, slugs, tuple(
            tuple(link.target for link in bodies[s].links if ":" in link.target) for s in slugs)),
        search_manifest=search.manifest, search_terms=search.terms, search_docs=search.docs,
        search_facets=search.facets)
    return graph, problems


def search_documents(public, bodies, topics, entities, topic_slugs, entity_slugs, recorded,
                     profile_bodies) -> tuple[Document, ...]:
    """What search reads of the site: every brief, oldest first (a new brief then takes the
    next number and renumbers nothing), then each topic's and entity's own page."""
    documents = [Document(url=output_path("brief", b.slug), kind="Brief", title=b.title, aliases="",
                          summary=b.summary, tags=" ".join((*b.topics, *b.entities)),
                          body=bodies[b.slug], date=b.date.display(),
                          facets=(*(("topic", topic_slugs[n]) for n in dict.fromkeys(b.topics)),
                                  *(("entity", entity_slugs[n]) for n in dict.fromkeys(b.entities)),
                                  ("year", str(b.date.year))),
                          record=False)
                 for b in reversed(public)]
    for kind, groups in (("topic", topics), ("entity", entities)):
        for group in groups:
            record = recorded.get((kind, group.slug))
            profile = profile_bodies.get((kind, group.slug))
            documents.append(Document(url=output_path(kind, group.slug), kind=kind.title(), title=group.name,
                                      aliases=" ".join(record.aliases) if record else "",
                                      summary=record.description if record else "", tags="",
                                      body=profile, date="", facets=(),
                                      record=True))
    return tuple(documents)


def name_rows(in_file_order: list[Brief], field: str) -> tuple:
    """What naming a topic or entity reads of each brief: where, and which names on which lines."""
    return tuple((b.path, names_in(b, field)) for b in in_file_order)


def mention_rows(public: tuple[Brief, ...], field: str) -> tuple:
    return tuple((b.slug, getattr(b, field)) for b in public)


def group_index(groups: tuple[Group, ...]) -> Mapping[str, Group]:
    return MappingProxyType({g.slug: g for g in groups})


def labels(topics: tuple[Group, ...], entities: tuple[Group, ...]) -> Mapping[tuple[str, str], str]:
    return MappingProxyType({**{("topic", g.slug): g.name for g in topics},
                             **{("entity", g.slug): g.name for g in entities}})


def metadata(rows: tuple) -> Mapping[str, Meta]:
    return MappingProxyType({row[0]: Meta(*row) for row in rows})


def cards(rows: tuple) -> Mapping[str, Card]:
    return MappingProxyType({row[0]: Card(*row) for row in rows})


def link_problems(briefs, bodies, by_slug, include_drafts, failed, renames, recorded,
                  profile_bodies=None) -> list[Problem]:
    problems = []
    for brief in briefs:
        problems += links_problems(brief, bodies[brief.slug].links, brief.draft, bodies, profile_bodies or {},
                                   by_slug, include_drafts, failed, renames, recorded)
    return problems


def record_link_problems(records, profile_bodies, bodies, by_slug, include_drafts, failed, renames, recorded):
    """The links in records' profiles, checked as a published brief's are."""
    problems = []
    for record in records:
        body = profile_bodies.get((record.group, record.slug))
        if body is not None:
            problems += links_problems(record, body.links, False, bodies, profile_bodies, by_slug, include_drafts,
                                       failed, renames, recorded)
    return problems


def links_problems(source, links, source_is_draft, bodies, profile_bodies, by_slug, include_drafts, failed, renames,
                   recorded) -> list[Problem]:
    problems = []
    for link in links:
        group, colon, record_slug = link.target.partition(":")
        if colon:           # [[entity:slug]] or [[topic:slug]], or a heading of a record's own page
            if (group, record_slug) not in recorded:
                choices = [slug for g, slug in recorded if g == group]
                folder = "_entities" if group == "entity" else "_topics"
                hint = suggest(record_slug, choices) or f"; write content/{folder}/{record_slug}.md or fix the slug"
                problems.append(Problem(source.path, link.line, f"link {link.raw!r}: no {group} record "
                                                                f"{record_slug!r}{hint}"))
            elif link.anchor and link.anchor not in profile_bodies[(group, record_slug)].ids:
                ids = profile_bodies[(group, record_slug)].ids
                problems.append(Problem(source.path, link.line, f"link {link.raw!r}: the {group} page of "
                                                                f"{record_slug!r} has no heading with id "
                                                                f"{link.anchor!r}{suggest(link.anchor, ids)}"))
            continue
        target = by_slug.get(link.target)
        if target is None:      # the body's answers said it exists: never trust, check
            problems.append(missing_target(source, link.line, f"link {link.raw!r}", link.target, by_slug,
                                           failed, renames))
        elif target.draft and not source_is_draft:
            problems.append(Problem(source.path, link.line,
                                    f"link {link.raw!r} points at the draft {target.path}; publish it "
                                    "(draft: false), remove the link, or build with --drafts"
                                    + ("; shown now, but 'build' without drafts will fail" if include_drafts else ""),
                                    warning=include_drafts))
        elif link.anchor and link.anchor not in bodies[target.slug].ids:
            hint = suggest(link.anchor, bodies[target.slug].ids) or HEADING_IDS
            problems.append(Problem(source.path, link.line, f"link {link.raw!r}: {target.path} has no "
                                                            f"heading with id {link.anchor!r}{hint}"))
    return problems


def missing_target(brief: Brief, line: int, what: str, slug: str, by_slug, failed, renames) -> Problem:
    """A reference to a slug no brief has: its own error, or one that follows from another."""
    if slug in failed:
        return Problem(brief.path, line, f"{what} cannot be checked because {failed[slug]} has an error",
                       cause=failed[slug])
    if slug in renames:
        return Problem(brief.path, line, f"{what}: no brief with slug {slug!r} (see the rename above)",
                       cause=renames[slug].path)
    hint = suggest(slug, by_slug) or ("; list the slugs of existing briefs" if what == "related"
                                      else "; fix the slug or write that brief")
    return Problem(brief.path, line, f"{what}: no brief with slug {slug!r}{hint}")


def wanted_by(briefs, bodies) -> dict[str, set[str]]:
    """Slug -> the briefs that link to it or list it as related."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for brief in briefs:
        for link in bodies[brief.slug].links:
            wanted[link.target].add(brief.slug)
        for slug in brief.related:
            wanted[slug].add(brief.slug)
    return wanted


def likely_renames(briefs, bodies, by_slug, failed) -> dict[str, Brief]:
    """Missing slug -> the brief whose file was most likely renamed from it. A missing slug
    that two or more briefs still name (one is more likely a typo) is matched with the
    closest brief that nobody names and whose slug comes from its file name. Decided from
    the content alone, so a clean build and the dev server say the same."""
    wanted = wanted_by(briefs, bodies)
    missing = sorted(slug for slug, sources in wanted.items()
                     if slug not in by_slug and slug not in failed and len(sources) >= 2)
    if not missing:
        return {}
    candidates = {b.slug: b for b in briefs if b.slug not in wanted and not b.draft
                  and not any(n == "slug" for n, _ in b.lines)}
    renames: dict[str, Brief] = {}
    for slug in missing:
        close = clear_match(slug, candidates)
        if close:
            renames[slug] = candidates.pop(close)
    return renames


def clear_match(slug: str, candidates) -> str | None:
    """The candidate closest to `slug`, if it is close and clearly closer than the next one:
    a hint that could name the wrong file is worse than none."""
    scored = sorted(((difflib.SequenceMatcher(None, slug, other).ratio(), other) for other in candidates),
                    reverse=True)
    if not scored or scored[0][0] < 0.6 or (len(scored) > 1 and scored[0][0] - scored[1][0] < 0.1):
        return None
    return scored[0][1]


def renames_since(before: set[str], briefs, bodies, failed) -> list[tuple[str, Brief]]:
    """(old slug, brief) for each slug that the last good site had, that some brief still
    names, and that no brief has now, paired with the closest brief that is new since."""
    by_slug = {b.slug for b in briefs}
    gone = sorted(slug for slug in wanted_by(briefs, bodies) if slug in before and slug not in by_slug
                  and slug not in failed)
    new = {b.slug: b for b in briefs if b.slug not in before and not b.draft}
    found = []
    if len(gone) == 1 and len(new) == 1:       # one slug went, one brief came: however unlike their names
        return [(gone[0], next(iter(new.values())))]
    for slug in gone:
        close = difflib.get_close_matches(slug, list(new), n=1, cutoff=0.3)
        if close:
            found.append((slug, new.pop(close[0])))
    return found


def related_problems(briefs, by_slug, include_drafts, failed, renames) -> list[Problem]:
    problems = []
    for brief in briefs:
        for slug in brief.related:
            line = brief.line_of("related")
            if slug not in by_slug:
                problems.append(missing_target(brief, line, "related", slug, by_slug, failed, renames))
            elif by_slug[slug].draft and not brief.draft:
                problems.append(Problem(brief.path, line,
                                        f"related: {slug!r} is a draft; publish it or build with --drafts"
                                        + ("; shown now, but 'build' without drafts will fail" if include_drafts
                                           else ""), warning=include_drafts))
    return problems


def backlinks(slugs: tuple[str, ...], targets: tuple[tuple[str, ...], ...]) -> Mapping[str, tuple[str, ...]]:
    """For each brief, the briefs that link to it by any link form, newest first."""
    found: dict[str, list[str]] = defaultdict(list)
    for slug, linked in zip(slugs, targets):
        for target in dict.fromkeys(linked):
            if target != slug:
                found[target].append(slug)
    return MappingProxyType({slug: tuple(found.get(slug, ())) for slug in slugs})


def related_briefs(briefs: tuple[tuple[str, tuple, tuple], ...]) -> Mapping[str, tuple[str, ...]]:
    """Declared `related` first, then briefs sharing the most topics and entities.

    Candidates for each name are the briefs nearest in date among those sharing it,
    so the cost stays linear in the number of briefs, however common a topic is.
    """
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


related_briefs.stored = (
    lambda result: json.dumps(dict(result), separators=(",", ":"), ensure_ascii=False),
    lambda text: MappingProxyType({slug: tuple(related) for slug, related in json.loads(text).items()}))


def nearest(sorted_positions: list[int], index: int, count: int) -> list[int]:
    """Up to `count` positions on each side of `index` in a sorted list."""
    middle = bisect.bisect_left(sorted_positions, index)
    return sorted_positions[max(0, middle - count):middle + count + 1]


def neighbours(slugs: tuple[str, ...]) -> Mapping[str, tuple[str | None, str | None]]:
    oldest_first = slugs[::-1]
    result = {}
    for position, slug in enumerate(oldest_first):
        older = oldest_first[position - 1] if position > 0 else None
        newer = oldest_first[position + 1] if position + 1 < len(oldest_first) else None
        result[slug] = (older, newer)
    return MappingProxyType(result)


def timeline(rows: tuple, hidden_ids: tuple = ()):
    """Every event once, by the first day of its period; ties keep file order (rows come in
    it). Events that share an id are one entry, told by every brief that gives it or refers
    to it. Returns the entries, each brief's entries (its own and those it refers to) and
    the problems: shared events that disagree, refs to no event. `rows`: (slug, path,
    events, refs) per brief; `hidden_ids`: (id, path) of events only drafts give."""
    shared: dict[str, list] = {}
    entries: list[TimelineEntry | str] = []     # a shared event stands where it is first told, by its id
    problems: list[Problem] = []
    own: dict[str, list[str]] = defaultdict(list)      # brief slug -> keys of the entries it tells
    for slug, path, events, _refs in rows:
        for number, event in enumerate(events, 1):
            if not event.id:
                key = f"ev-{slug}--{number}"
                entries.append(TimelineEntry(event, slug, (slug,), key))
                own[slug].append(key)
                continue
            tellers = shared.setdefault(event.id, [])
            if tellers:
                problems += disagreements(event, path, *tellers[0][1:])
            else:
                entries.append(event.id)
            tellers.append((slug, path, event))
            own[slug].append(f"ev-{event.id}")
    told_by_ref: dict[str, list[str]] = defaultdict(list)
    for slug, path, _events, refs in rows:
        for ref in refs:
            if ref.id in shared:
                told_by_ref[ref.id].append(slug)
                own[slug].append(f"ev-{ref.id}")
            else:
                problems.append(unknown_ref(ref, path, shared, dict(hidden_ids)))
    whole = {}
    for event_id, tellers in shared.items():
        slugs = tuple(dict.fromkeys([slug for slug, _, _ in tellers] + told_by_ref[event_id]))
        whole[event_id] = TimelineEntry(merged([event for _, _, event in tellers]), tellers[0][0], slugs,
                                        f"ev-{event_id}")
    ordered = tuple(sorted((whole[e] if isinstance(e, str) else e for e in entries),
                           key=lambda e: e.event.date.first_day()))
    by_key = {entry.key: entry for entry in ordered}
    per_brief = {slug: tuple(sorted((by_key[key] for key in dict.fromkeys(keys)),
                                    key=lambda e: e.event.date.first_day()))
                 for slug, keys in own.items()}
    return ordered, MappingProxyType(per_brief), problems


def disagreements(event: Event, path: str, first_path: str, first: Event) -> list[Problem]:
    """Events that share an id are one event: their dates (circa included) and title must be the same."""
    found = []
    for name, mine, theirs in (("date", event.date, first.date), ("end", event.end, first.end),
                               ("circa", event.circa, first.circa), ("title", event.title, first.title)):
        if mine != theirs:
            shown = lambda value: (value.iso() if hasattr(value, "iso") else str(value).lower()
                                   if isinstance(value, bool) else repr(value) if value else "none")
            found.append(Problem(path, event.line, f"events: the event {event.id!r} has {name} {shown(mine)} here "
                                                   f"but {shown(theirs)} in {first_path}:{first.line}; events that "
                                                   "share an id must agree on their dates and title (or write "
                                                   f"{{ref: {event.id}}} here to take them from there)"))
    return found


def unknown_ref(ref, path: str, shared: dict, hidden: dict) -> Problem:
    if ref.id in hidden:
        return Problem(path, ref.line, f"events: ref {ref.id!r} is an event only the draft {hidden[ref.id]} gives; "
                                       "publish it, or give the event in full here")
    hint = suggest(ref.id, shared) or "; give the event with 'id:' in the brief that tells it in full"
    return Problem(path, ref.line, f"events: ref {ref.id!r}: no event has that id{hint}")


def merged(events: list[Event]) -> Event:
    """One event told by several briefs: the first telling, with every brief's topics and
    entities, and the first summary any gives."""
    first = events[0]
    return replace(first, summary=next((e.summary for e in events if e.summary), ""),
                   topics=tuple(dict.fromkeys(t for e in events for t in e.topics)),
                   entities=tuple(dict.fromkeys(n for e in events for n in e.entities)))


def record_rows(records: tuple[Record, ...], group: str) -> tuple:
    """What naming reads of each record: its slug, name, spellings and file."""
    return tuple((r.slug, r.name, r.spellings, r.path, r.line_of("aliases") if r.aliases else r.line_of("name"))
                 for r in sorted(records, key=lambda r: r.rel_path) if r.group == group)


def spelling_index(rows: tuple, kind: str) -> tuple[Mapping[str, str], list[Problem]]:
    """Spelling key (case and diacritics ignored) -> the slug of the record it names; two
    records that claim one spelling are an error naming both."""
    index: dict[str, tuple[str, str]] = {}
    problems = []
    for slug, _name, spellings, path, line in rows:
        for spelling in dict.fromkeys(spellings):
            key = name_slug(spelling)
            other = index.get(key)
            if other is not None and other[0] != slug:
                problems.append(Problem(path, line, f"{kind} name {spelling!r} is also claimed by {other[1]}; "
                                                    "keep it in one record only"))
            elif key:
                index.setdefault(key, (slug, path))
    return MappingProxyType({key: slug for key, (slug, _) in index.items()}), problems


def group_names(names: tuple, mentioned: tuple, events: tuple[TimelineEntry, ...], kind: str,
                records: tuple = (), spellings_index: Mapping[str, str] | None = None):
    """Topics or entities, one per slug. A name that matches a record (by its slug, name or
    an alias, ignoring case and diacritics) is that record's group; any other name is a
    group of its own, with a warning that it has no record, and a name spelt two ways is
    one group and a warning. `names`: (path, ((name, line), ...)) per brief in file order;
    `mentioned`: (slug, names) per brief, newest first."""
    field = "topics" if kind == "topic" else "entities"
    index = spellings_index or {}
    record_names = {slug: name or slug for slug, name, *_ in records}     # a record without a name is an error
    spellings: dict[str, Counter] = defaultdict(Counter)
    first_seen: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for path, found in names:
        for name, line in found:
            slug = index.get(name_slug(name)) or name_slug(name)
            spellings[slug][name] += 1
            first_seen[slug].append((name, path, line))
    canonical = {slug: record_names.get(slug) or max(counts, key=lambda n: (counts[n],
                                                                             -first_index(first_seen[slug], n)))
                 for slug, counts in spellings.items()}
    folder = "_entities" if kind == "entity" else "_topics"
    problems = [Problem(path, line, f"{kind} {name!r} is also spelt {canonical[slug]!r}; "
                                    "use one spelling everywhere" + (", or give it a record with that alias"
                                                                     if kind == "entity" else ""), warning=True)
                for slug, seen in first_seen.items() if slug not in record_names
                for name, path, line in seen if name != canonical[slug]]
    problems += [Problem(seen[0][1], seen[0][2], f"{kind} {canonical[slug]!r} has no record; add "
                                                f"content/{folder}/{slug}.md with its name"
                                                f"{', kind' if kind == 'entity' else ''} and description",
                         warning=True)
                 for slug, seen in first_seen.items() if slug not in record_names]
    for slug in record_names:
        spellings.setdefault(slug, Counter())
    groups = tuple(sorted((Group(slug, record_names.get(slug) or shown_name(canonical[slug]), members, found)
                           for slug, members, found in mentions(mentioned, events, field, spellings, index)),
                          key=lambda g: (g.name.casefold(), g.slug)))
    slugs = MappingProxyType({name: slug for slug, counts in spellings.items() for name in counts})
    return groups, slugs, problems


def correction_list(rows: tuple) -> tuple:
    """Every correction of the published briefs, newest first: (slug, its number in the brief's log, entry)."""
    found = [(slug, number, change) for slug, changes in rows
             for number, change in enumerate(changes, 1) if change.kind == "correction"]
    return tuple(sorted(found, key=lambda item: (item[2].date.first_day(), item[0], item[1]), reverse=True))


def record_backlinks(slugs: tuple[str, ...], targets: tuple[tuple[str, ...], ...]) -> Mapping[str, tuple[str, ...]]:
    """"entity:slug" or "topic:slug" -> the briefs whose text links to it, newest first."""
    found: dict[str, list[str]] = defaultdict(list)
    for slug, linked in zip(slugs, targets):
        for target in dict.fromkeys(linked):
            found[target].append(slug)
    return MappingProxyType({target: tuple(briefs) for target, briefs in found.items()})


def companions(rows: tuple[tuple[str, ...], ...]) -> Mapping[str, tuple[tuple[str, int], ...]]:
    """Entity slug -> up to 8 entities named in the same briefs most often, with how often."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for slugs in rows:
        for slug in slugs:
            counts[slug].update(other for other in slugs if other != slug)
    return MappingProxyType({slug: tuple(sorted(found.items(), key=lambda item: (-item[1], item[0]))[:MAX_COMPANIONS])
                             for slug, found in counts.items()})


def shown_name(name: str) -> str:
    """How readers see a topic or entity: 'trade' becomes 'Trade'; a name the author wrote
    with any capital ('Ukraine war', 'BRICS', 'iPhone') stays exactly as written."""
    if any(c.isupper() for c in name) or not name[:1].isalpha():
        return name
    return name[0].upper() + name[1:]


def names_in(brief: Brief, field: str) -> tuple[tuple[str, int], ...]:
    return brief.name_lines[field]


def first_index(seen: list, name: str) -> int:
    return next(i for i, (n, _, _) in enumerate(seen) if n == name)


def mentions(mentioned: tuple, events: tuple[TimelineEntry, ...], field: str, slugs, index=None):
    """For each group slug: the briefs (newest first) and events (in time order) that mention it."""
    index = index or {}
    slug_of = lambda name: index.get(name_slug(name)) or name_slug(name)
    briefs: dict[str, list[str]] = defaultdict(list)
    found: dict[str, list[TimelineEntry]] = defaultdict(list)
    for brief_slug, names in mentioned:
        for slug in dict.fromkeys(map(slug_of, names)):
            briefs[slug].append(brief_slug)
    for entry in events:
        for slug in dict.fromkeys(map(slug_of, getattr(entry.event, field))):
            found[slug].append(entry)
    return [(slug, tuple(briefs[slug]), tuple(found[slug])) for slug in slugs]
