"""Everything one build may re-use from earlier builds, in one object: `ReuseState`.

What it holds (each entry keyed by a digest of exactly what it was made from):

- `briefs`: a brief and its problems, under the digest of its file's bytes (and link
  target), its path, the content folder and the path shown in messages;
- `bodies`: a rendered body, under its brief's digest; used only while every answer
  it recorded from the link index is still the same;
- `derived`: each graph part, with the exact arguments it was computed from; used
  only for equal arguments, or, for a part whose function can bring a last result up to
  date (the search index: `build_index.update`), handed to that function, which compares
  what the result was made from with the new arguments and redoes what differs (a part
  made item by item, `derive_each`, holds a result per current item under the digest
  of that item, in memory and in the store; `remembered` results, such as the template
  fingerprints, also live here, under the digest of their inputs, and in the store);
- `pages`: per output path, what the page's view read of the graph and the digest
  of its spec, templates and those values;
- `output`: the manifest of the output folder as the last build left it, and that
  build's key;
- `entries`: for each graph part a page of the last build read, the value it saw and
  that value's digest; a part whose value is the very same (immutable) object now is
  not hashed again;
- `environment`: the Jinja environment, for one digest of all the templates;
- `digests`: each input file's digest with the identity (inode, size, mtime, ctime) it
  had when it was hashed, for files that had settled by then (see inputs.file_digest).

Who may change it: only the pipeline (`freshness.build` and `site.build_locked`),
through the methods here; `pages`, `output` and `entries` change only when a whole
build has succeeded (`keep_output`). A build that fails with a content error
keeps the entries it verified (they are keyed by digest, so they stay true); a build
that fails in any other way must be followed by `ReuseState.forget_all()`, which the
dev server does, so a bug cannot feed the next build.

What must always hold:
- nothing is re-used because of a flag: every use re-derives the key from the
  current inputs and compares it;
- values are immutable (frozen dataclasses, tuples, strings), so a digest stays true
  while its object lives;
- the store on disk holds the same kinds of entry under the same keys, in JSON
  (never pickle: a cache file must not be able to run code), and is dropped whole
  when the engine's version differs. `build` reads it and saves to it at the end;
  `serve` keeps the state in memory and saves after each reload (`save`);
- the output folder is written only by builds: a file whose size or modification
  time differs from the manifest is treated as foreign and written again.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import sqlite3
import sys
from pathlib import Path
from typing import Any

from .dates import PartialDate
from .models import Body, Brief, Change, Event, EventRef, Figure, Heading, Link, Problem, Record, Source

SCHEMA = 12
OUTPUT_SHAPERS = ("markdown", "jinja2", "markupsafe", "pyyaml", "nh3", "python-slugify", "text-unidecode",
                  "icalendar")
STORE_NAME = "store.sqlite"


def engine_version(salt: str = "") -> str:
    """Changes whenever our code, Python or a dependency that shapes output changes.
    Versions come from the installed packages' metadata folders: importing the packages
    here, or importlib.metadata, would cost more than the whole check for an unchanged site."""
    installed = installed_versions()
    versions = [f"{name}={installed.get(name, '?')}" for name in OUTPUT_SHAPERS]
    digest = hashlib.sha256(f"{SCHEMA} {sys.version} {' '.join(versions)} {salt}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def installed_versions() -> dict[str, str]:
    """Distribution name (lower case, '-' for '_') -> version, from the `name-version.dist-info`
    folders on sys.path; the first found wins, as for imports."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info") and "-" in folder:
                name, _, version = folder[:-len(".dist-info")].partition("-")
                found.setdefault(name.lower().replace("_", "-").replace(".", "-"), version)
    return found


# -- a JSON codec for our own frozen records, and nothing else ------------------------------
# Records go out as nested lists in field order and come back through explicit
# constructors: only these types can come out of a cache file, and decoding a
# thousand briefs costs a few milliseconds, not a generic walk.

def date_from(row) -> PartialDate | None:
    return PartialDate(*row) if row is not None else None


def problems_from(rows) -> tuple[Problem, ...]:
    return tuple(Problem(*row) for row in rows)


def brief_from(row) -> Brief:
    (path, rel_path, slug, title, date, updated, summary, topics, entities, related, draft, lang, figures,
     events, sources, body, body_line, lines, autolink, changes, refs, fingerprint) = row
    return Brief(path, rel_path, slug, title, PartialDate(*date), date_from(updated), summary, tuple(topics),
                 tuple(entities), tuple(related), draft, lang, tuple(Figure(*f) for f in figures),
                 tuple(Event(PartialDate(*d), date_from(end), t, s, tuple(tp), tuple(en), circa, line, i)
                       for d, end, t, s, tp, en, circa, line, i in events),
                 sources_from(sources),
                 body, body_line, tuple(tuple(pair) for pair in lines), autolink,
                 tuple(Change(kind, PartialDate(*date), text, line) for kind, date, text, line in changes),
                 tuple(EventRef(i, line) for i, line in refs), fingerprint)


def sources_from(rows) -> tuple[Source, ...]:
    return tuple(Source(i, t, p, u, date_from(d), line) for i, t, p, u, d, line in rows)


def sources_to(sources) -> list:
    return [[s.id, s.title, s.publisher, s.url, date_to(s.date), s.line] for s in sources]


def record_from(row) -> Record:
    (group, path, rel_path, slug, name, aliases, kind, description, wikidata, sources, body, body_line, lines,
     fingerprint) = row
    return Record(group, path, rel_path, slug, name, tuple(aliases), kind, description, wikidata, sources_from(sources),
                  body, body_line, tuple(tuple(pair) for pair in lines), fingerprint)


def record_to(r: Record) -> list:
    return [r.group, r.path, r.rel_path, r.slug, r.name, r.aliases, r.kind, r.description, r.wikidata,
            sources_to(r.sources), r.body, r.body_line, r.lines, r.fingerprint]


def loaded_from(text: str) -> tuple[Brief | Record | None, tuple[Problem, ...], str]:
    head, _, body = text.partition("\n")
    tag, row, problems, slug = json.loads(head)
    item = None
    if row is not None:
        row[BODY_AT[tag]] = body
        item = brief_from(row) if tag == "brief" else record_from(row)
    return item, problems_from(problems), str(slug)


def date_to(date: PartialDate | None) -> list | None:
    return [date.year, date.month, date.day] if date is not None else None


def brief_to(b: Brief) -> list:
    """The fields in order, as brief_from reads them."""
    return [b.path, b.rel_path, b.slug, b.title, date_to(b.date), date_to(b.updated), b.summary, b.topics,
            b.entities, b.related, b.draft, b.lang, [[f.label, f.value, f.source, f.note, f.line] for f in b.figures],
            [[date_to(e.date), date_to(e.end), e.title, e.summary, e.topics, e.entities, e.circa, e.line, e.id]
             for e in b.events],
            sources_to(b.sources),
            b.body, b.body_line, b.lines, b.autolink,
            [[c.kind, date_to(c.date), c.text, c.line] for c in b.changes], [[r.id, r.line] for r in b.refs],
            b.fingerprint]


def problems_to(problems) -> list:
    return [[p.path, p.line, p.message, p.warning, p.cause, p.suggestion] for p in problems]


BODY_AT = {"brief": 15, "record": 10}   # where the Markdown source is in each row; it goes after the JSON line


def loaded_to(result: tuple[Brief | Record | None, tuple[Problem, ...], str]) -> str:
    """One line of JSON (which escapes every newline in its strings), then the Markdown as
    it is: decoding a long text from JSON costs far more than slicing it."""
    item, problems, slug = result
    tag = "record" if isinstance(item, Record) else "brief"
    row = (record_to(item) if tag == "record" else brief_to(item)) if item is not None else None
    body = ""
    if row is not None:
        body, row[BODY_AT[tag]] = row[BODY_AT[tag]], ""
    return json.dumps([tag, row, problems_to(problems), slug], ensure_ascii=False,
                      separators=(",", ":")) + "\n" + body


def body_from(text: str) -> Body:
    head, _, html = text.partition("\n")
    headings, ids, links, citations, problems, words, lookups, fingerprint, sentences = json.loads(head)
    return Body(html, tuple(Heading(*h) for h in headings), frozenset(ids), tuple(Link(*k) for k in links),
                tuple(citations), problems_from(problems), words, tuple(tuple(item) for item in lookups), fingerprint,
                tuple(sentences))


def body_to(body: Body) -> str:
    """One line of JSON, then the HTML as it is (see loaded_to)."""
    return json.dumps([[[h.level, h.id, h.text] for h in body.headings], sorted(body.ids),
                       [[k.target, k.anchor, k.raw, k.line] for k in body.links], body.citations,
                       problems_to(body.problems), body.words, body.lookups, body.fingerprint, body.sentences],
                      ensure_ascii=False, separators=(",", ":")) + "\n" + body.html


# -- digests of graph parts ------------------------------------------------------------------

class _DigestPickler(pickle.Pickler):
    """Pickles a value for hashing: a Brief or Body stands for itself by its own digest
    (each is a pure function of what that digest covers), and the memo is off so that
    shared objects never change the bytes. Pickle is faithful, so equal bytes mean equal
    values; a set's order may differ between processes, which can only cost a re-use."""

    def reducer_override(self, obj):
        if type(obj) in (Brief, Body, Record) and obj.fingerprint:
            return str, (type(obj).__name__ + ":" + obj.fingerprint,)
        if type(obj).__name__ == "mappingproxy":
            return tuple, (tuple(obj.items()),)
        return NotImplemented


PLAIN = (str, int, float, bool, type(None), PartialDate)


def is_plain(value: Any) -> bool:
    return type(value) in PLAIN or getattr(type(value), "plain_record", False) or is_plain_tuple(value)


def is_plain_tuple(value: Any) -> bool:
    """A tuple of plain values and such tuples (a document's facets): its repr is faithful."""
    return type(value) is tuple and all(type(v) in PLAIN or is_plain_tuple(v) for v in value)


class Digester:
    """value -> a digest of it, for the values of one build: equal digests mean equal values.

    A Brief or Body is its own fingerprint. A plain value, a record whose fields hold only
    plain values and such records (its class says `plain_record = True`), or a tuple of
    those (tuples of plain values nested to any depth included), is its repr, which is
    faithful for them (dataclass reprs name every field; strings are quoted). A record
    whose class also says `digest_by_parts = True` (a topic holds its events, which the
    timeline and every entity holding them also hold), and a tuple holding such records,
    is made of its parts: text, numbers and tuples of them as their repr, anything else as
    its digest, each such part digested once per object: the memo is by identity, and
    keeps each object alive so an id is never reused. Anything else is pickled."""

    def __init__(self):
        self.memo: dict[int, tuple[Any, str]] = {}

    def __call__(self, value: Any) -> str:
        kind = type(value)
        if kind in (Brief, Body, Record) and value.fingerprint:
            return kind.__name__ + ":" + value.fingerprint
        if kind in PLAIN:
            return hashlib.sha256(repr(value).encode()).hexdigest()
        by_parts = getattr(kind, "digest_by_parts", False)
        if not by_parts and kind is not tuple and getattr(kind, "plain_record", False):
            return hashlib.sha256(repr(value).encode()).hexdigest()
        known = self.memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        if by_parts:
            # A field of text, numbers or tuples of them stands as its repr; any other (records,
            # shared and so memoized) as '#' and its digest.
            parts = (self._part(getattr(value, f.name)) for f in dataclasses.fields(value))
            text = f"{kind.__qualname__}({','.join(parts)})"
        elif kind is tuple and all(map(is_plain, value)):
            text = "parts(" + ",".join(map(self, value)) + ")" if any(
                getattr(type(v), "digest_by_parts", False) for v in value) else repr(value)
        else:
            buffer = _Buffer()
            pickler = _DigestPickler(buffer, protocol=5)
            pickler.fast = True
            pickler.dump(value)
            text = "pickle:" + buffer.digest.hexdigest()
        digest = hashlib.sha256(text.encode()).hexdigest()
        self.memo[id(value)] = (value, digest)
        return digest

    def _part(self, value: Any) -> str:
        return repr(value) if type(value) in PLAIN or is_plain_tuple(value) else "#" + self(value)


def value_digest(value: Any) -> str:
    """A digest of one value (see Digester)."""
    return Digester()(value)


def _map_here(compute, items: list) -> list:
    return [compute(item) for item in items]


class _Buffer:
    def __init__(self):
        self.digest = hashlib.sha256()

    def write(self, data) -> None:
        self.digest.update(data)


# -- the store on disk ------------------------------------------------------------------------

class Store:
    """SQLite in the cache folder: briefs, bodies, page records and manifests, as JSON.
    Any damage or foreign version means starting empty; the store only saves time."""

    def __init__(self, path: Path | None, version: str):
        self.path, self.version = path, version
        self.connection = self._open() if path is not None else None

    def _open(self) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                connection.executescript(
                    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);"
                    "CREATE TABLE IF NOT EXISTS entries (part TEXT, key TEXT, value TEXT, PRIMARY KEY (part, key));")
                row = connection.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
                if row is None or row[0] != self.version:
                    with connection:
                        connection.execute("DELETE FROM entries")
                        connection.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (self.version,))
                return connection
            except sqlite3.DatabaseError:
                if attempt == 0:
                    self.path.unlink(missing_ok=True)      # not a database of ours: start again
            except OSError:
                return None
        return None

    def get(self, part: str, keys: list[str]) -> dict[str, str]:
        if self.connection is None or not keys:
            return {}
        found = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                rows = self.connection.execute(
                    f"SELECT key, value FROM entries WHERE part = ? AND key IN ({','.join('?' * len(chunk))})",
                    [part, *chunk])
                found.update(rows)
        except sqlite3.Error:
            return {}
        return found

    def put(self, part: str, items, keep: set[str] | None = None) -> None:
        """Store items (a mapping, or (key, value) pairs made as they are written, so a large
        site's entries never exist all at once as text); with `keep`, drop every other entry."""
        if self.connection is None:
            return
        pairs = items.items() if isinstance(items, dict) else items
        try:
            with self.connection:
                self.connection.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                                            ((part, k, v) for k, v in pairs))
                if keep is not None:
                    existing = [k for (k,) in self.connection.execute("SELECT key FROM entries WHERE part = ?",
                                                                      (part,))]
                    self.connection.executemany("DELETE FROM entries WHERE part = ? AND key = ?",
                                                ((part, k) for k in existing if k not in keep))
        except sqlite3.Error:
            pass        # the build has succeeded without it

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# -- the one object ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PageRecord:
    """What one page of the last build read, and what came of it."""
    spec: tuple                     # the PageSpec's fields
    reads: tuple                    # sorted ((field, key), ...) of the graph parts the view read
    key: str                        # digest of the spec, the templates it uses and the values of `reads`


@dataclasses.dataclass
class ReuseState:
    """See the module's docstring: what this holds, who changes it, what always holds."""
    version: str
    store: Store
    briefs: dict[str, tuple[Brief | None, tuple[Problem, ...], str]] = dataclasses.field(default_factory=dict)
    bodies: dict[str, Body] = dataclasses.field(default_factory=dict)
    derived: dict[str, tuple[tuple, Any]] = dataclasses.field(default_factory=dict)
    pages: dict[str, PageRecord] = dataclasses.field(default_factory=dict)
    output: dict | None = None      # {"key": build key, "files": manifest, "briefs", "pages", "warnings"}
    entries: dict[tuple, tuple[Any, str]] = dataclasses.field(default_factory=dict)
    environment: tuple[str, Any] | None = None      # (digest of all templates, Jinja environment)
    digests: dict | None = None     # path -> (identity, digest); read from the store on first use
    out: str = ""                   # the output folder `pages` and `output` describe
    pages_loaded: bool = False      # `pages` read from the store for `out` (or made by this process)
    unsaved: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)   # part -> new entries
    used: dict[str, set[str]] = dataclasses.field(default_factory=dict)            # part -> keys the last build used

    @classmethod
    def open(cls, cache_dir: Path | None, salt: str = "") -> ReuseState:
        version = engine_version(salt)
        return cls(version, Store(cache_dir / STORE_NAME if cache_dir is not None else None, version))

    def forget_all(self) -> None:
        """Start from nothing but the store's verified entries (after a build failed unexpectedly)."""
        self.briefs, self.bodies, self.derived, self.pages = {}, {}, {}, {}
        self.output, self.entries, self.environment, self.out, self.pages_loaded = None, {}, None, "", False
        self.digests = None
        self.unsaved, self.used = {}, {}

    # input files --------------------------------------------------------------------------
    def file_digests(self) -> dict:
        if self.digests is None:
            self.digests = {}
            stored = self.store.get("digests", [""]).get("")
            try:
                for path, (identity, digest) in (json.loads(stored) if stored else {}).items():
                    self.digests[path] = (list(identity), str(digest))
            except (ValueError, TypeError):
                self.digests = {}
        return self.digests

    # briefs ---------------------------------------------------------------------------------
    def known_briefs(self, keys: list[str]) -> dict[str, tuple[Brief | None, tuple[Problem, ...], str]]:
        found = {k: self.briefs[k] for k in keys if k in self.briefs}
        for key, text in self.store.get("brief", [k for k in keys if k not in found]).items():
            try:
                found[key] = self.briefs[key] = loaded_from(text)
            except (ValueError, KeyError, TypeError):
                continue        # damaged: parse the file again
        return found

    def keep_briefs(self, fresh: dict, used: set[str]) -> None:
        self.briefs = {k: v for k, v in {**self.briefs, **fresh}.items() if k in used}
        self._remember("brief", fresh, used)

    def _remember(self, part: str, fresh: dict, used: set[str]) -> None:
        self.unsaved[part] = {k: v for k, v in {**self.unsaved.get(part, {}), **fresh}.items() if k in used}
        self.used[part] = used

    # bodies ---------------------------------------------------------------------------------
    def known_bodies(self, keys: list[str]) -> dict[str, Body]:
        found = {k: self.bodies[k] for k in keys if k in self.bodies}
        for key, text in self.store.get("body", [k for k in keys if k not in found]).items():
            try:
                found[key] = self.bodies[key] = body_from(text)
            except (ValueError, KeyError, TypeError):
                continue
        return found

    def keep_bodies(self, fresh: dict[str, Body], used: set[str]) -> None:
        self.bodies = {k: v for k, v in {**self.bodies, **fresh}.items() if k in used}
        self._remember("body", fresh, used)

    # derived graph parts ------------------------------------------------------------------
    def derive(self, name: str, compute, *arguments):
        """compute(*arguments), or the last result under `name` if the arguments are equal.
        A function that says how to store its result (`compute.stored = (encode, decode)`,
        for one that takes only text and tuples of text, whose repr is faithful) is also
        looked up in the store, under a digest of its arguments' repr, so that a new
        process does not compute it again. A function that says how to bring its last result
        up to date (`compute.update(last_result, *arguments)`, which must equal
        compute(*arguments) whatever the last result was made from: the result holds its own
        arguments to compare) is given the last result instead of starting again."""
        last = self.derived.get(name)
        if last is not None and last[0] == arguments:
            return last[1]
        stored = getattr(compute, "stored", None)
        update = getattr(compute, "update", None)
        result = self._stored_part(name, arguments, *stored) if stored else None
        if result is None and update is not None and last is not None:
            result = update(last[1], *arguments)
        if result is None:
            result = compute(*arguments)
            if stored:
                key = hashlib.sha256(repr(arguments).encode()).hexdigest()
                self.unsaved["part:" + name] = {key: stored[0](result)}
        self.derived[name] = (arguments, result)
        return result

    def derive_each(self, name: str, compute, items: tuple, map_all=None) -> tuple:
        """tuple(compute(item) for item in items), each result kept under its item's digest
        (`Digester`: equal digests mean equal items), in memory
        and, through `compute.stored = (encode, decode)`, in the store: a build computes only
        the items that changed, a new process included. Only the current items are kept.
        `map_all(compute, items)` -> their results, in order, computes the missing ones (on
        several cores, say); without it they are computed here, one by one."""
        encode, decode = compute.stored
        known = self.derived.get(name)
        memo = known[1] if known is not None else {}
        digest = Digester()
        keys = [digest(item) for item in items]
        missing = [k for k in dict.fromkeys(keys) if k not in memo]
        found = self.store.get("each:" + name, missing)
        results, to_compute = {}, {}
        for key, item in zip(keys, items):
            if key in results or key in to_compute:
                continue
            if key in memo:
                results[key] = memo[key]
                continue
            value = None
            if key in found:
                try:
                    value = decode(found[key])
                except (ValueError, TypeError, KeyError):
                    value = None
            if value is None:
                to_compute[key] = item
            else:
                results[key] = value
        computed = (map_all or _map_here)(compute, list(to_compute.values()))
        fresh = {}
        for key, value in zip(to_compute, computed):
            results[key] = value
            fresh[key] = encode(value)
        self.derived[name] = ((), results)
        if missing:
            earlier = self.unsaved.get("each:" + name, ({}, set()))[0]     # not saved yet, still current
            self.unsaved["each:" + name] = ({**{k: v for k, v in earlier.items() if k in results}, **fresh},
                                            set(results))
        return tuple(results[key] for key in keys)

    def _stored_part(self, name: str, arguments: tuple, _encode, decode):
        key = hashlib.sha256(repr(arguments).encode()).hexdigest()
        text = self.store.get("part:" + name, [key]).get(key)
        try:
            return decode(text) if text is not None else None
        except (ValueError, TypeError, KeyError):
            return None

    def remembered(self, part: str, inputs: str, compute) -> dict[str, str]:
        """compute() -> a JSON-able mapping of text, under a digest of `inputs` (all it reads),
        kept in memory and in the store, for small results that cost more than a look-up."""
        key = hashlib.sha256(inputs.encode()).hexdigest()
        known = self.derived.get(part)
        if known is not None and known[0] == (key,):
            return known[1]
        stored = self.store.get(part, [key]).get(key)
        try:
            result = json.loads(stored) if stored is not None else None
        except ValueError:
            result = None
        if not isinstance(result, dict):
            result = compute()
            self.store.put(part, {key: json.dumps(result, sort_keys=True)}, keep={key})
        self.derived[part] = ((key,), result)
        return result

    # pages and the output folder ----------------------------------------------------------
    def load_output(self, out: str) -> None:
        """The manifest of `out`, from the store if this process has none."""
        if self.out == out and self.output is not None:
            return
        self.out, self.pages, self.output, self.pages_loaded = out, {}, None, False
        stored = self.store.get("output", [out]).get(out)
        try:
            data = json.loads(stored) if stored is not None else None
        except ValueError:
            data = None
        self.output = data if isinstance(data, dict) else None

    def page_records(self) -> dict[str, PageRecord]:
        """How each page of the output folder was made (read from the store on first use)."""
        if not self.pages_loaded and self.output is not None:
            self.pages = {}
            paths = [path for path in self.output.get("files", {}) if not path.startswith("static/")]
            for path, text in self.store.get("page:" + self.out, paths).items():
                try:
                    spec, reads, key = json.loads(text)
                    self.pages[path] = PageRecord(tuple(spec), tuple(
                        (name, tuple(k) if isinstance(k, list) else k) for name, k in reads), key)
                except (ValueError, TypeError):
                    continue        # made again
        self.pages_loaded = True
        return self.pages

    def keep_output(self, out: str, output: dict, pages: dict[str, PageRecord], entries: dict) -> None:
        """After a build that succeeded: what is now in the output folder, how each page was
        made, and the values its reads saw (only those stay alive)."""
        changed = {path: record for path, record in pages.items() if self.pages.get(path) != record}
        self.out, self.output, self.pages, self.pages_loaded = out, output, pages, True
        self.unsaved["output"] = {**self.unsaved.get("output", {}), **changed}
        self.used["output"] = set(pages)
        self.entries = entries

    def save(self) -> None:
        """Write what is new to the store (the dev server does it after the reload, off the clock)."""
        unsaved, self.unsaved = self.unsaved, {}
        for part, encode in (("brief", loaded_to), ("body", body_to)):
            if part in unsaved:
                self.store.put(part, ((k, encode(v)) for k, v in unsaved[part].items()), keep=self.used.get(part))
        for part in [p for p in unsaved if p.startswith("part:")]:
            self.store.put(part, unsaved[part], keep=set(unsaved[part]))     # one result per part
        for part in [p for p in unsaved if p.startswith("each:")]:
            fresh, current = unsaved[part]
            self.store.put(part, fresh, keep=current)                       # a result per current item
        if self.digests is not None:
            self.store.put("digests", {"": json.dumps(self.digests)})
        if "output" not in unsaved or self.output is None:
            return
        records = ((path, json.dumps([list(r.spec), [list(read) for read in r.reads], r.key], ensure_ascii=False))
                   for path, r in unsaved["output"].items() if path in self.pages)
        self.store.put("page:" + self.out, records, keep=self.used["output"])
        self.store.put("output", {self.out: json.dumps(self.output, sort_keys=True, ensure_ascii=False)})

    def close(self) -> None:
        self.store.close()
