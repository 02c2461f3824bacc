"""The plain, frozen records that flow from one stage to the next."""
from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field

from .dates import PartialDate

# The placeholders of `build.py new`'s skeleton: a published brief must not still hold them.
PLACEHOLDER_SUMMARY = "One or two sentences shown in lists and search results."
PLACEHOLDER_BODY = "Write the brief here."
PLACEHOLDER_HEADINGS = ("## A first heading", "## Another heading")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, said where it is and how to fix it."""
    path: str
    line: int
    message: str
    warning: bool = False
    cause: str = ""     # the file whose own error this one follows from ("" for a root cause)
    suggestion: bool = False    # a warning that even check --strict lets pass

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        kind = "suggestion: " if self.suggestion else "warning: " if self.warning else ""
        return f"{where}: {kind}{self.message}"


def in_reading_order(problems) -> tuple[Problem, ...]:
    """Root causes first, each followed by the problems that follow from it, then the
    warnings: the first line an author reads is always something to fix in its own file."""
    problems = sorted(set(problems))
    roots = [p for p in problems if not p.cause and not p.warning]
    followers: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.cause and not problem.warning:
            followers.setdefault(problem.cause, []).append(problem)
    ordered = []
    for root in roots:
        ordered.append(root)
        ordered += followers.pop(root.path, [])
    ordered += [p for group in followers.values() for p in group]      # a cause with no error left
    return tuple(ordered + [p for p in problems if p.warning])


def problem_count(errors) -> str:
    """'3 problems', or '1 problem (and 6 that follow from it)': the count an author fixes."""
    roots = sum(1 for p in errors if not p.cause)
    following = len(errors) - roots
    text = f"{roots} problem{'s' if roots != 1 else ''}"
    if following:
        text += f" (and {following} that follow{'s' if following == 1 else ''} from {'it' if roots == 1 else 'them'})"
    return text


class ContentError(Exception):
    """The input has problems; carries every one of them, root causes first."""

    def __init__(self, problems, hints: tuple[str, ...] = ()):
        self.problems = in_reading_order(problems)
        self.hints = tuple(hints)   # what the last good build suggests about the cause (see site.rename_hints)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # Raised in worker processes too; comes back whole, not rebuilt from its message.
        return type(self), (self.problems, self.hints)


class UsageError(Exception):
    """The command line asks for something the builder refuses to do."""


@dataclass(frozen=True)
class Source:
    plain_record = True     # only text, numbers and dates inside: its repr is a faithful digest
    id: str
    title: str
    publisher: str
    url: str
    date: PartialDate | None
    line: int


@dataclass(frozen=True)
class Figure:
    plain_record = True     # only text, numbers and dates inside: its repr is a faithful digest
    label: str
    value: str
    source: str
    note: str
    line: int


@dataclass(frozen=True)
class Event:
    plain_record = True     # only text, numbers and dates inside: its repr is a faithful digest
    date: PartialDate
    end: PartialDate | None
    title: str
    summary: str
    topics: tuple[str, ...]
    entities: tuple[str, ...]
    circa: bool
    line: int
    id: str = ""            # one real event that several briefs tell of: same id, one timeline entry


@dataclass(frozen=True)
class EventRef:
    """`{ref: id}` in a brief's events: the brief tells of an event another brief gives in full."""
    plain_record = True
    id: str
    line: int


@dataclass(frozen=True)
class Change:
    """An entry of a brief's change log: an update (news added) or a correction (an error fixed)."""
    plain_record = True     # only text, numbers and dates inside: its repr is a faithful digest
    kind: str               # "update" or "correction"
    date: PartialDate
    text: str
    line: int


@dataclass(frozen=True)
class Brief:
    path: str            # as shown in messages, e.g. content/trade/x.md
    rel_path: str        # POSIX path inside the content folder, for .md links
    slug: str
    title: str
    date: PartialDate
    updated: PartialDate | None
    summary: str
    topics: tuple[str, ...]
    entities: tuple[str, ...]
    related: tuple[str, ...]
    draft: bool
    lang: str
    figures: tuple[Figure, ...]
    events: tuple[Event, ...]
    sources: tuple[Source, ...]
    body: str
    body_line: int       # file line of the body's first line
    lines: tuple[tuple[str, int], ...]  # front-matter field -> file line
    autolink: bool = True   # link the first mention of each recorded entity in the body
    changes: tuple[Change, ...] = ()    # updates and corrections, as written (newest last)
    refs: tuple[EventRef, ...] = ()     # events told in full by another brief, by id
    fingerprint: str = ""   # digest of the file's bytes and paths: the Brief is a pure function of it

    def line_of(self, field: str) -> int:
        for name, line in self.lines:
            if name == field:
                return line
        return 1

    @functools.cached_property
    def name_lines(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """For 'topics' and 'entities': each name the brief and its events give, with its line.
        Computed once per Brief object (the object is immutable; the dev server keeps it)."""
        found = {}
        for kind in ("topics", "entities"):
            names = getattr(self, kind)
            line = self.line_of(kind) if names else 0
            pairs = [(name, line) for name in names]
            for event in self.events:
                pairs += [(name, event.line) for name in getattr(event, kind)]
            found[kind] = tuple(pairs)
        return found


ENTITY_KINDS = ("person", "country", "organisation", "place", "event", "other")


@dataclass(frozen=True)
class Record:
    """What one entity or topic is: a file under content/_entities/ or content/_topics/.
    It has what the markup stage needs of a brief (body, sources, path, slug) to render
    its profile the same way."""
    plain_record = True     # only text, numbers, dates and plain records inside: its repr is faithful
    group: str           # "entity" or "topic"
    path: str            # as shown in messages
    rel_path: str        # POSIX path inside the content folder
    slug: str
    name: str
    aliases: tuple[str, ...]
    kind: str            # an entity's: one of ENTITY_KINDS; "" for a topic
    description: str
    wikidata: str        # "Q…" or ""
    sources: tuple[Source, ...]
    body: str
    body_line: int
    lines: tuple[tuple[str, int], ...]
    fingerprint: str = ""   # its load key: the record is a pure function of it

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every way a brief may name it: slug, name and aliases."""
        return (self.slug, self.name, *self.aliases)

    def line_of(self, field: str) -> int:
        for name, line in self.lines:
            if name == field:
                return line
        return 1


@dataclass(frozen=True)
class SiteConfig:
    plain_record = True     # only text inside: its repr is a faithful digest
    title: str = "Explainer"
    description: str = ""
    url: str = ""
    language: str = "en"
    author: str = ""
    intro: str = ""
    start_here: tuple[str, ...] = ()
    cname: str = ""
    autolink: bool = True       # false: no brief links mentions of entities by itself
    corrections_policy: str = ""    # Markdown: how the site corrects its errors (footer, corrections page)
    remote_images: tuple[str, ...] = ()     # hosts a brief may show images from (the CSP names exactly these)
    stories: tuple[Story, ...] = ()     # the timeline's lanes; without them, each event's first topic is its lane
    eras: tuple[Era, ...] = ()          # labelled periods drawn behind the timeline's lanes


@dataclass(frozen=True)
class Story:
    """A lane of the timeline drawing: the events whose topics include one of `topics`."""
    plain_record = True
    name: str
    slug: str
    topics: tuple[str, ...]
    line: int = 0           # in site.yml, for messages


@dataclass(frozen=True)
class Era:
    """A period drawn as a labelled band behind the timeline; `end` None runs to the last event."""
    plain_record = True
    title: str
    start: PartialDate
    end: PartialDate | None


def suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


# -- what the markup stage makes of a brief's body ------------------------------------

@dataclass(frozen=True)
class LinkIndex:
    """What a body needs to know of the other briefs and the records: titles, files, and
    the spellings that auto-link to entity pages."""
    titles: dict[str, str]      # slug -> title ("entity:slug" -> a record's name)
    paths: dict[str, str]       # rel_path in content -> slug
    mentions: dict[str, str] = field(default_factory=dict)       # spelling in text -> entity slug
    entity_keys: dict[str, str] = field(default_factory=dict)    # spelling key (name_slug) -> entity slug
    settings: dict[str, str] = field(default_factory=dict)       # "autolink": "on"/"off"; "mentions": digest
    images: dict[str, str] = field(default_factory=dict)         # image's path in content -> "digest WxH"


@dataclass(frozen=True)
class Link:
    target: str        # slug of the brief linked to
    anchor: str
    raw: str           # as written, for messages
    line: int


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Body:
    html: str
    headings: tuple[Heading, ...]
    ids: frozenset[str]            # every element id in the html: the valid anchors
    links: tuple[Link, ...]
    citations: tuple[str, ...]     # the source id of every citation, in order (a source cited twice is twice)
    problems: tuple[Problem, ...]
    words: int = 0                 # for the reading time
    # What the body asked of the link index, e.g. ("title", "other-slug", "Its title"):
    # a cached body is valid as long as every answer is still the same.
    lookups: tuple[tuple[str, str, str | None], ...] = ()
    fingerprint: str = ""   # digest of the brief it was made from and of `lookups`: all it depends on
    sentences: tuple[str, ...] = ()     # its prose as sentences (prose.sentences of `html`), for search

    def still_valid(self, index: LinkIndex) -> bool:
        tables = {"title": index.titles, "path": index.paths, "setting": index.settings, "image": index.images}
        return all(tables[table].get(key) == value for table, key, value in self.lookups)
