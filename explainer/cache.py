"""A persistent cache of rendered Markdown bodies and of what each build wrote.

Rendering a body is a pure function of the brief and of the link-index answers
it asked for, so a body is stored under a hash of its inputs and re-used while
those answers still hold. The store is SQLite (standard library, one file, safe
against a build killed mid-write). It is versioned by the engine's own source
and its dependencies' versions; a corrupt or foreign store is thrown away and
rebuilt, never trusted. Values are JSON, never pickle: a cache file must not be
able to run code.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

from .models import Body, Brief, Heading, Link, Problem

SCHEMA = 3


OUTPUT_SHAPERS = ("markdown", "jinja2", "markupsafe", "pyyaml", "nh3", "python-slugify", "text-unidecode",
                  "icalendar")


def engine_version() -> str:
    """Changes whenever our code, Python or a dependency that shapes output changes.
    Versions come from package metadata: importing the packages here would cost more
    than the whole check for an unchanged site."""
    versions = []
    for name in OUTPUT_SHAPERS:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    digest = hashlib.sha256(f"{SCHEMA} {sys.version} {' '.join(versions)}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def body_key(version: str, brief: Brief) -> str:
    parts = [version, brief.path, brief.rel_path, brief.slug, str(brief.body_line),
             "\0".join(s.id for s in brief.sources), brief.body]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def body_to_json(body: Body) -> str:
    return json.dumps({
        "html": body.html, "headings": [[h.level, h.id, h.text] for h in body.headings],
        "ids": sorted(body.ids), "links": [[k.target, k.anchor, k.raw, k.line] for k in body.links],
        "citations": list(body.citations),
        "problems": [[p.path, p.line, p.message, p.warning] for p in body.problems],
        "lookups": [list(item) for item in body.lookups], "words": body.words,
    }, ensure_ascii=False)


def body_from_json(text: str) -> Body:
    data = json.loads(text)
    return Body(html=data["html"], headings=tuple(Heading(*h) for h in data["headings"]),
                ids=frozenset(data["ids"]), links=tuple(Link(*k) for k in data["links"]),
                citations=tuple(data["citations"]), problems=tuple(Problem(*p) for p in data["problems"]),
                lookups=tuple(tuple(item) for item in data["lookups"]), words=data["words"])


class Cache:
    """Bodies by key, and the manifest of each output folder; in memory, backed by SQLite if given a path."""

    def __init__(self, path: Path | None, salt: str = ""):
        self.version = engine_version() + salt
        self.path = path
        self.memory: dict[str, Body] = {}
        self.last_index = None                           # the link index the memory's bodies were checked against
        self._keys: dict[int, tuple[Brief, str]] = {}     # by id(): hashing a whole Brief costs more
        self.connection = self._open() if path else None

    def _open(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._connect()
            if connection is None:
                self.path.unlink(missing_ok=True)
                connection = self._connect()
            return connection
        except (OSError, sqlite3.Error):
            return None         # no cache is slower, never wrong

    def _connect(self) -> sqlite3.Connection | None:
        # One build at a time uses it, but the dev server builds on its own thread.
        connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            connection.executescript(
                "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);"
                "CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, value TEXT);"
                "CREATE TABLE IF NOT EXISTS manifests (out TEXT PRIMARY KEY, value TEXT);")
            row = connection.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
            if row is None or row[0] != self.version:
                connection.executescript("DELETE FROM bodies; DELETE FROM manifests;")
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (self.version,))
                connection.commit()
            return connection
        except sqlite3.DatabaseError:
            connection.close()
            return None

    def key_of(self, brief: Brief) -> str:
        """body_key, remembered for the brief objects of the last build (the dev server re-uses them)."""
        known = self._keys.get(id(brief))
        if known is not None and known[0] is brief:
            return known[1]
        key = body_key(self.version, brief)
        self._keys[id(brief)] = (brief, key)
        return key

    def bodies(self, keys: list[str]) -> dict[str, Body]:
        found = {k: self.memory[k] for k in keys if k in self.memory}
        wanted = [k for k in keys if k not in found]
        if self.connection is not None and wanted:
            try:
                for start in range(0, len(wanted), 500):
                    chunk = wanted[start:start + 500]
                    rows = self.connection.execute(
                        f"SELECT key, value FROM bodies WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                    for key, value in rows:
                        found[key] = self.memory[key] = body_from_json(value)
            except (sqlite3.Error, ValueError, KeyError, TypeError):
                # A damaged row or store: render those bodies again rather than trust it.
                return {k: v for k, v in found.items() if k not in wanted}
        return found

    def store_bodies(self, bodies: dict[str, Body], keep: set[str], prune: bool = True) -> None:
        """Remember new bodies; forget those no brief uses any more (on disk only if `prune`)."""
        self.memory = {k: v for k, v in {**self.memory, **bodies}.items() if k in keep}
        self._keys = {ident: known for ident, known in self._keys.items() if known[1] in keep}
        if self.connection is None or not (bodies or prune):
            return
        try:
            with self.connection:
                self.connection.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?)",
                                            ((k, body_to_json(v)) for k, v in bodies.items()))
                if not prune:
                    return
                self.connection.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key TEXT PRIMARY KEY)")
                self.connection.execute("DELETE FROM keep")
                self.connection.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(k,) for k in keep])
                self.connection.execute("DELETE FROM bodies WHERE key NOT IN (SELECT key FROM keep)")
        except sqlite3.Error:
            pass        # the cache only saves time; the build has already succeeded without it

    def manifest(self, out: Path) -> dict:
        if self.connection is None:
            return {}
        try:
            row = self.connection.execute("SELECT value FROM manifests WHERE out = ?",
                                          (str(out.resolve()),)).fetchone()
            data = json.loads(row[0]) if row else {}
            return data if isinstance(data, dict) else {}
        except (sqlite3.Error, ValueError):
            return {}

    def store_manifest(self, out: Path, manifest: dict) -> None:
        if self.connection is None:
            return
        try:
            with self.connection:
                self.connection.execute("INSERT OR REPLACE INTO manifests VALUES (?, ?)",
                                        (str(out.resolve()), json.dumps(manifest, sort_keys=True)))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
