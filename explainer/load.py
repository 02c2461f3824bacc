"""Stage 1, load: read every brief, split and parse its front matter, validate it
into frozen `Brief` records. Never raises for a content error: every problem
is collected with its file and line and returned beside the briefs."""
from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from slugify import slugify

from .dates import PartialDate, parse_full_date, parse_partial_date
from .frontmatter import FrontMatterError, dotted, parse_yaml, split_front_matter
from .models import (
    ENTITY_KINDS,
    PLACEHOLDER_BODY,
    PLACEHOLDER_HEADINGS,
    PLACEHOLDER_SUMMARY,
    Brief,
    Change,
    Event,
    EventRef,
    Figure,
    Problem,
    Record,
    Source,
    suggest,
)

BRIEF_KEYS = ("title", "date", "summary", "updated", "slug", "topics", "entities", "related",
              "draft", "lang", "figures", "events", "sources", "autolink", "updates", "corrections")
CHANGE_KEYS = ("date", "text")
EVENT_KEYS = ("date", "end", "title", "summary", "topics", "entities", "circa", "id", "ref")
EVENT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SOURCE_KEYS = ("id", "title", "publisher", "url", "date")
FIGURE_KEYS = ("label", "value", "source", "note")
URL_SCHEMES = ("http://", "https://", "mailto:")
SOURCE_ID = re.compile(r"[A-Za-z0-9](?:[\w.:-]*[A-Za-z0-9_])?")
LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
MAX_BRIEF_BYTES = 50 * 1024 * 1024
ENTITY_KEYS = ("name", "aliases", "kind", "description", "wikidata", "sources", "slug")
TOPIC_KEYS = ("name", "description", "sources", "slug")
MAX_DESCRIPTION = 200
WIKIDATA_ID = re.compile(r"Q[0-9]+")


@dataclass(frozen=True)
class Loaded:
    briefs: tuple[Brief, ...]
    problems: tuple[Problem, ...]
    fresh: dict = field(default_factory=dict, compare=False, repr=False)   # load key -> result, parsed now
    keys: frozenset = frozenset()           # the load key of every file read
    failed: dict = field(default_factory=dict)    # slug -> path shown, of each file whose front matter failed
    failed_paths: dict = field(default_factory=dict)    # its path in the content folder -> that slug


def load_key(path: str, digest: str, content_dir: Path) -> str:
    """A brief is a pure function of its bytes (and link target, in `digest`), its path, the
    content folder (its rel_path, and what counts as a link out of it) and the path shown
    in messages."""
    return key_of_file(path, digest, str(content_dir), os.getcwd())


@functools.lru_cache(maxsize=1 << 16)
def key_of_file(path: str, digest: str, content_dir: str, here: str) -> str:
    # Memoised on every argument it reads (the shown path depends on `here`): the dev
    # server asks again for every unchanged file on every save.
    return hashlib.sha256(f"{digest}\0{path}\0{content_dir}\0{shown_path(path, here)}".encode()).hexdigest()


def load_content(content_dir: Path, files: dict[str, str], known=None, group: str = "brief") -> Loaded:
    """Every brief of `files` (path -> digest of its bytes, from the build's snapshot), or
    with `group` "entity" or "topic", every record. `known(keys)` returns earlier results
    for some load keys; the rest are parsed."""
    content_dir = Path(os.path.abspath(content_dir))        # the snapshot's paths are absolute
    keys = {path: load_key(path, digest, content_dir) + (group if group != "brief" else "")
            for path, digest in files.items()}
    earlier = known(list(keys.values())) if known is not None else {}
    briefs, problems, fresh, failed, failed_paths = [], [], {}, {}, {}
    for path, key in keys.items():
        if key in earlier:
            brief, found, slug = earlier[key]
        else:
            brief, found, slug = (load_brief(Path(path), content_dir) if group == "brief"
                                  else load_record(Path(path), content_dir, group))
            brief = replace(brief, fingerprint=key) if brief is not None else None
            fresh[key] = (brief, tuple(found), slug)
        problems.extend(found)
        if brief is not None:
            briefs.append(brief)
        elif found:
            failed.setdefault(slug, found[0].path)
            failed_paths[Path(path).relative_to(content_dir).as_posix()] = slug
    return Loaded(tuple(briefs), tuple(problems), fresh, frozenset(keys.values()), failed, failed_paths)


def display_path(path: Path) -> str:
    """The path as the author typed it from the project: relative when possible."""
    return shown_path(os.fspath(path), os.getcwd())


def shown_path(path: str, here: str) -> str:
    text = os.path.abspath(path)
    if text == here:
        return "."
    folder, name = os.path.split(text)
    shown = shown_folder(folder, here)
    return name if shown == "." else f"{shown}/{name}"


@functools.lru_cache(maxsize=4096)
def shown_folder(folder: str, here: str) -> str:
    """Per folder, not per file: a thousand briefs share a few folders."""
    if folder == here:
        return "."
    if folder.startswith(here + os.sep):          # the common case, without relpath's cost
        return Path(folder[len(here) + 1:]).as_posix()
    relative = os.path.relpath(folder, here)
    return Path(folder).as_posix() if relative.startswith("..") else Path(relative).as_posix()


def load_record(path: Path, content_dir: Path, group: str) -> tuple[Record | None, list[Problem], str]:
    """An entity or topic record, its problems, and its slug (as load_brief)."""
    return load_file(path, content_dir, "name", lambda data, fields, rel_path, body, body_line:
                     validate_record(data, fields, rel_path, group, body, body_line))


def validate_record(data: dict, fields: Fields, rel_path: str, group: str, body: str, body_line: int) -> Record:
    entity = group == "entity"
    fields.warn_unknown(data, (), ENTITY_KEYS if entity else TOPIC_KEYS)
    sources = tuple(validate_source(key, item, fields)
                    for key, item in fields.mappings(data, ("sources",), SOURCE_KEYS))
    check_unique_sources(sources, fields)
    kind = fields.text(data, ("kind",), required=entity) if entity else ""
    if kind and kind not in ENTITY_KINDS:
        fields.problem(("kind",), f"{kind!r} is not a kind of entity; use one of {', '.join(ENTITY_KINDS)}"
                                  f"{suggest(kind, ENTITY_KINDS)}")
    description = fields.text(data, ("description",), required=True)
    if len(description) > MAX_DESCRIPTION:
        fields.problem(("description",), f"is {len(description)} characters; at most {MAX_DESCRIPTION} "
                                         "(the profile below the front matter can say more)")
    wikidata = fields.text(data, ("wikidata",)) if entity else ""
    if wikidata and not WIKIDATA_ID.fullmatch(wikidata):
        fields.problem(("wikidata",), f"{wikidata!r} is not a Wikidata id such as Q123456 (a Q and digits)")
        wikidata = ""
    return Record(
        group=group, path=fields.path, rel_path=rel_path, slug=validate_slug(data, fields, rel_path),
        name=fields.text(data, ("name",), required=True),
        aliases=fields.texts(data, ("aliases",)) if entity else (),
        kind=kind, description=description, wikidata=wikidata, sources=sources, body=body, body_line=body_line,
        lines=tuple((k[0], v) for k, v in sorted(fields.lines.items(), key=str) if len(k) == 1))


def load_brief(path: Path, content_dir: Path) -> tuple[Brief | None, list[Problem], str]:
    """The brief, its problems, and its slug; a file whose front matter cannot be read
    still has the slug it asks for (or its file name's), so that links to it wait on its
    fix instead of reporting a missing brief each."""
    return load_file(path, content_dir, "title", validate_brief)


def load_file(path: Path, content_dir: Path, first_key: str, validate) -> tuple:
    """Read, split and parse one Markdown file with front matter, then `validate` it."""
    shown, text = display_path(path), ""
    try:
        text = read_text(path, content_dir)
        split = split_front_matter(text)
        data, lines = parse_yaml(split.front, split.front_line)
    except FrontMatterError as error:
        return None, [Problem(shown, error.line, str(error))], intended_slug(path, text)
    except OSError as error:
        return None, [Problem(shown, 0, f"cannot be read ({error.strerror}); check the file's permissions")], path.stem
    if not isinstance(data, dict):
        return None, [Problem(shown, split.front_line, "front matter must be a mapping of keys to values, "
                                                       f"e.g. '{first_key}: ...'")], intended_slug(path, text)
    fields = Fields(shown, lines)
    item = validate(data, fields, path.relative_to(content_dir).as_posix(), split.body, split.body_line)
    return item, fields.problems, item.slug


SLUG_LINE = re.compile(r"^slug:[ \t]*[\"']?([a-z0-9]+(?:-[a-z0-9]+)*)[\"']?[ \t]*(?:#.*)?$", re.MULTILINE)


def intended_slug(path: Path, text: str) -> str:
    """The slug a file that could not be parsed would have: its `slug:` line, or its name."""
    front = text.split("\n---", 1)[0]
    found = SLUG_LINE.search(front)
    return found.group(1) if found else path.stem


def read_text(path: Path, content_dir: Path) -> str:
    if path.is_symlink() and not path.resolve().is_relative_to(content_dir.resolve()):
        raise FrontMatterError(0, "is a symbolic link to a file outside the content folder; "
                                  "copy the file in instead")
    size = path.stat().st_size
    if size > MAX_BRIEF_BYTES:
        raise FrontMatterError(0, f"is {size // 1048576} MB; a brief may be at most "
                                  f"{MAX_BRIEF_BYTES // 1048576} MB")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise FrontMatterError(line, f"is not valid UTF-8 (byte 0x{raw[error.start]:02x}); "
                                     "save the file as UTF-8") from error
    if not text.strip():
        raise FrontMatterError(0, "is empty; a brief needs front matter with title, date and summary")
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Fields:
    """Reads typed values out of parsed front matter, noting each problem with its line."""

    def __init__(self, path: str, lines: dict[tuple, int]):
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []

    def line(self, key: tuple) -> int:
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key, 1)

    def problem(self, key: tuple, message: str, warning: bool = False) -> None:
        self.problems.append(Problem(self.path, self.line(key), f"{dotted(key)}: {message}", warning))

    def text(self, data: dict, key: tuple, required: bool = False) -> str:
        value = data.get(key[-1])
        if value is None:
            if required:
                self.problem(key, f"is required; add '{key[-1]}: ...'")
            return ""
        if isinstance(value, (bool, list, dict)):
            self.problem(key, f"must be text, not {describe(value)}")
            return ""
        return str(value).strip()

    def flag(self, data: dict, key: tuple) -> bool:
        value = data.get(key[-1], False)
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, not {value!r}")
            return False
        return value

    def texts(self, data: dict, key: tuple) -> tuple[str, ...]:
        value = data.get(key[-1])
        if value is None:
            return ()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.problem(key, f"must be a list, e.g. [a, b], not {describe(value)}")
            return ()
        items = []
        for index, item in enumerate(value):
            if isinstance(item, (bool, list, dict)) or item is None or not str(item).strip():
                self.problem(key + (index,), f"must be text, not {describe(item)}")
            else:
                items.append(str(item).strip())
        return tuple(items)

    def date(self, data: dict, key: tuple, full: bool, required: bool = False) -> PartialDate | None:
        value = data.get(key[-1])
        if value is None:
            if required:
                self.problem(key, "is required; add a date such as 2024-09-19")
            return None
        try:
            return parse_full_date(value) if full else parse_partial_date(value)
        except ValueError as error:
            self.problem(key, str(error))
            return None

    def mappings(self, data: dict, key: tuple, known: tuple[str, ...]) -> list[tuple[tuple, dict]]:
        value = data.get(key[-1])
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(key, f"must be a list of mappings, not {describe(value)}")
            return []
        found = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.problem(key + (index,), f"must be a mapping such as {{title: ...}}, not {describe(item)}")
                continue
            self.warn_unknown(item, key + (index,), known)
            found.append((key + (index,), item))
        return found

    def warn_unknown(self, data: dict, key: tuple, known: tuple[str, ...]) -> None:
        for name in data:
            if name not in known:
                meant = meant_key(str(name), known)
                hint = f"; did you mean '{meant}'?" if meant else f" (known keys: {', '.join(known)})"
                self.problem(key + (str(name),), f"unknown key '{name}' is ignored{hint}", warning=True)


# Keys other tools use for ours: Hugo and Jekyll say tags and categories, feeds say description.
OTHER_TOOLS_KEYS = {"tags": "topics", "tag": "topics", "categories": "topics", "category": "topics",
                    "keywords": "topics", "people": "entities", "persons": "entities", "organisations": "entities",
                    "organizations": "entities", "places": "entities", "description": "summary",
                    "excerpt": "summary", "abstract": "summary", "lastmod": "updated", "modified": "updated",
                    "published": "date", "see_also": "related", "references": "sources", "name": "title",
                    "headline": "title", "to": "end", "until": "end", "link": "url", "href": "url"}


def meant_key(name: str, known: tuple[str, ...]) -> str | None:
    """The known key an unknown one most likely means: another tool's name for it, or a near miss."""
    lowered = name.lower()
    if lowered in known:
        return lowered
    if OTHER_TOOLS_KEYS.get(lowered) in known:
        return OTHER_TOOLS_KEYS[lowered]
    close = difflib.get_close_matches(lowered, known, n=1, cutoff=0.75)
    return close[0] if close else None


def describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def validate_brief(data: dict, fields: Fields, rel_path: str, body: str, body_line: int) -> Brief:
    fields.warn_unknown(data, (), BRIEF_KEYS)
    sources = tuple(validate_source(key, item, fields)
                    for key, item in fields.mappings(data, ("sources",), SOURCE_KEYS))
    check_unique_sources(sources, fields)
    source_ids = {s.id for s in sources}
    topics = fields.texts(data, ("topics",))
    date = fields.date(data, ("date",), full=True, required=True)
    updated = fields.date(data, ("updated",), full=True)
    if date and updated and updated.first_day() < date.first_day():
        fields.problem(("updated",), f"{updated.iso()} is before the brief's date {date.iso()}; "
                                     "it must be the same day or later")
    changes = validate_changes(data, fields, date)
    events = [e for key, item in fields.mappings(data, ("events",), EVENT_KEYS)
              if (e := validate_event(key, item, fields, topics)) is not None]
    check_unique_event_ids(events, fields)
    if changes:
        newest = max(changes, key=lambda c: c.date.first_day())
        if updated and newest.date.first_day() < updated.first_day():
            fields.problem(("updated",), f"{updated.iso()} is after the newest update or correction "
                                         f"({newest.date.iso()}); the newest entry is the brief's modified date, "
                                         "so remove 'updated:' or add the entry that explains it")
        elif not updated or newest.date.first_day() > updated.first_day():
            updated = newest.date       # the brief's modified date
    brief = Brief(
        path=fields.path, rel_path=rel_path,
        slug=validate_slug(data, fields, rel_path),
        title=fields.text(data, ("title",), required=True),
        date=date or PartialDate(1970, 1, 1), updated=updated,
        summary=fields.text(data, ("summary",), required=True),
        topics=topics,
        entities=fields.texts(data, ("entities",)),
        related=fields.texts(data, ("related",)),
        draft=fields.flag(data, ("draft",)),
        lang=validate_lang(data, fields),
        figures=tuple(validate_figure(key, item, fields, source_ids)
                      for key, item in fields.mappings(data, ("figures",), FIGURE_KEYS)),
        events=tuple(e for e in events if isinstance(e, Event)),
        refs=tuple(e for e in events if isinstance(e, EventRef)),
        sources=sources, body=body, body_line=body_line,
        lines=tuple((k[0], v) for k, v in sorted(fields.lines.items(), key=str) if len(k) == 1),
        autolink=fields.flag(data, ("autolink",)) if "autolink" in data else True,
        changes=changes,
    )
    if not brief.draft:
        warn_placeholders(brief, fields)
    return brief


def warn_placeholders(brief: Brief, fields: Fields) -> None:
    """A published brief that still holds text of `new`'s skeleton: a warning (an error
    for check --strict), since readers would see it."""
    if brief.summary.strip() == PLACEHOLDER_SUMMARY:
        fields.problem(("summary",), "is still the placeholder of 'build.py new'; write one or two sentences "
                                     "that say what the brief explains", warning=True)
    for number, line in enumerate(brief.body.splitlines()):
        placeholder = PLACEHOLDER_BODY if PLACEHOLDER_BODY in line else line.strip()
        if placeholder == PLACEHOLDER_BODY or placeholder in PLACEHOLDER_HEADINGS:
            fields.problems.append(Problem(brief.path, brief.body_line + number,
                                           f"the body still holds the placeholder {placeholder!r} of "
                                           "'build.py new'; replace it with your own text", warning=True))


def validate_changes(data: dict, fields: Fields, date: PartialDate | None) -> tuple[Change, ...]:
    """`updates:` and `corrections:`: each {date, text}, with a full date no earlier than the brief's."""
    changes = []
    for name, kind in (("updates", "update"), ("corrections", "correction")):
        for key, item in fields.mappings(data, (name,), CHANGE_KEYS):
            when = fields.date(item, key + ("date",), full=True, required=True)
            text = fields.text(item, key + ("text",), required=True).strip()
            if "text" in item and not text:
                fields.problem(key + ("text",), f"is empty; say what the {kind} changed")
            if when and date and when.first_day() < date.first_day():
                fields.problem(key + ("date",), f"{when.iso()} is before the brief's date {date.iso()}; an {kind} "
                                                "comes after the brief was published")
            if when and text:
                changes.append(Change(kind, when, text, fields.line(key)))
    return tuple(changes)


def validate_slug(data: dict, fields: Fields, rel_path: str) -> str:
    stem = Path(rel_path).stem
    slug = fields.text(data, ("slug",)) or stem
    if not is_slug(slug):
        where = "slug" if data.get("slug") else "file name"
        fields.problem(("slug",), f"the {where} gives the slug {slug!r}, which is not lowercase letters, "
                                  f"digits and hyphens; use e.g. 'slug: {slugify(slug) or 'my-brief'}'")
    return slug


def is_slug(text: str) -> bool:
    return bool(re.fullmatch(r"[^\W_](?:[\w-]*[^\W_])?", text)) and text == text.lower()


def validate_lang(data: dict, fields: Fields) -> str:
    lang = fields.text(data, ("lang",))
    if lang and not LANG_TAG.fullmatch(lang):
        fields.problem(("lang",), f"{lang!r} is not a language tag such as 'en', 'ur' or 'pt-BR'")
        return ""
    return lang


def validate_source(key: tuple, item: dict, fields: Fields) -> Source:
    source_id = fields.text(item, key + ("id",), required=True)
    if source_id and not SOURCE_ID.fullmatch(source_id):
        fields.problem(key + ("id",), f"{source_id!r} may hold only letters, digits and . : - _ "
                                      "(it is cited as [@id])")
    url = fields.text(item, key + ("url",))
    if url and not url.lower().startswith(URL_SCHEMES):
        fields.problem(key + ("url",), f"{url!r} is not an http, https or mailto address; "
                                       "give the source's web address")
        url = ""
    return Source(id=source_id, title=fields.text(item, key + ("title",), required=True),
                  publisher=fields.text(item, key + ("publisher",)), url=url,
                  date=fields.date(item, key + ("date",), full=False), line=fields.line(key))


def check_unique_sources(sources: tuple[Source, ...], fields: Fields) -> None:
    seen = set()
    for index, source in enumerate(sources):
        if source.id in seen:
            fields.problem(("sources", index, "id"), f"the id {source.id!r} is used twice in this brief; "
                                                     "give each source its own id")
        seen.add(source.id)


def validate_figure(key: tuple, item: dict, fields: Fields, source_ids: set[str]) -> Figure:
    source = fields.text(item, key + ("source",))
    if source and source not in source_ids:
        fields.problem(key + ("source",), f"no source with id {source!r} in this brief's sources "
                                          f"(ids: {', '.join(sorted(source_ids)) or 'none'})")
    return Figure(label=fields.text(item, key + ("label",), required=True),
                  value=fields.text(item, key + ("value",), required=True),
                  source=source, note=fields.text(item, key + ("note",)), line=fields.line(key))


def validate_event(key: tuple, item: dict, fields: Fields, brief_topics: tuple[str, ...]) -> Event | EventRef | None:
    """An event without topics of its own takes the brief's; `{ref: id}` is an event another
    brief gives in full, and has nothing of its own."""
    if "ref" in item:
        return validate_ref(key, item, fields)
    event_id = checked_event_id(item, key + ("id",), fields)
    date = fields.date(item, key + ("date",), full=False, required=True)
    end = fields.date(item, key + ("end",), full=False)
    title = fields.text(item, key + ("title",), required=True)
    if date and end and end.last_day() < date.first_day():
        fields.problem(key + ("end",), f"{end.iso()} is before the event's start {date.iso()}; "
                                       "swap them or correct the date")
    if date is None:
        return None
    return Event(date=date, end=end, title=title, summary=fields.text(item, key + ("summary",)),
                 topics=fields.texts(item, key + ("topics",)) or brief_topics,
                 entities=fields.texts(item, key + ("entities",)),
                 circa=fields.flag(item, key + ("circa",)), line=fields.line(key), id=event_id)


def validate_ref(key: tuple, item: dict, fields: Fields) -> EventRef | None:
    extra = [name for name in item if name in EVENT_KEYS and name != "ref"]
    if extra:
        fields.problem(key + (extra[0],), f"an event given by 'ref:' takes everything from the brief that tells it "
                                          f"in full; remove {', '.join(repr(n) for n in extra)}, or write 'id:' "
                                          "instead of 'ref:' to give the event here")
    event_id = checked_event_id(item, key + ("ref",), fields, required=True)
    return EventRef(event_id, fields.line(key)) if event_id else None


def checked_event_id(item: dict, key: tuple, fields: Fields, required: bool = False) -> str:
    event_id = fields.text(item, key, required=required)
    if not event_id and item.get(key[-1]) is not None and not isinstance(item.get(key[-1]), (bool, list, dict)):
        fields.problem(key, f"is empty; give the event's id (lowercase letters, digits and hyphens, e.g. "
                            f"'kazan-summit-2024'){'' if required else ', or remove ' + repr(key[-1])}")
        return ""
    if event_id and not EVENT_ID.fullmatch(event_id):
        fields.problem(key, f"{event_id!r} is not lowercase letters, digits and single hyphens; "
                            f"use e.g. {slugify(event_id) or 'kazan-summit-2024'!r}")
        return ""
    return event_id


def check_unique_event_ids(events: list, fields: Fields) -> None:
    """One brief tells of each event once: an id twice in one brief is a slip."""
    seen: dict[str, int] = {}
    for event in events:
        if not event.id:
            continue
        if event.id in seen:
            fields.problems.append(Problem(fields.path, event.line, f"events: the id {event.id!r} is also on line "
                                                                    f"{seen[event.id]} of this brief; keep one"))
        else:
            seen[event.id] = event.line
