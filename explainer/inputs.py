"""The one declaration of what a build reads.

`declared_inputs` names every file a build may read: the briefs, the entity and
topic records (content/_entities/, content/_topics/), the templates, the static
files and the site settings. Everything that must know when an input
changed derives from it and from nothing else:

- the up-to-date check compares `build_key` (a digest of every input's bytes and
  of the options that shape the output) with the key of the last build;
- the dev server's watcher watches `InputSet.root` of each set and asks
  `BuildInputs.kind_of` whether a changed path is an input at all;
- the load stage re-uses a parsed brief only under the digest of its bytes.

A new kind of input (a data file, records, images) is one more `InputSet` here.
Standard library only: the command line reads this before the engine's imports.
"""
from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from .options import Options

HIDDEN = "."
RECORDS = "_"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")   # copied into the site
RECORD_FOLDERS = {"entities": "_entities", "topics": "_topics"}     # kind of input -> folder in content/


@dataclass(frozen=True)
class InputSet:
    """Files of one kind: every file under a folder (or one file) whose name ends in a suffix,
    exactly the files the build reads of that kind, no more and no fewer."""
    kind: str                       # "content", "templates", "static", "config"
    root: Path                      # a folder, or the one file of a single-file set
    suffixes: tuple[str, ...] = ()  # empty: any file
    single: bool = False            # root is a file (which may not exist yet)
    skip_hidden: bool = True        # files and folders whose names start with "." are not read
    skip_records: bool = False      # folders at the root whose names start with "_" hold records, not these

    def wants(self, path: str) -> bool:
        """Is `path` (absolute) a member of this set, by name alone?"""
        root = str(self.root)
        if self.single:
            return path == root
        if not path.startswith(root + os.sep):
            return False
        parts = path[len(root) + 1:].split(os.sep)
        if self.skip_hidden and any(part.startswith(HIDDEN) for part in parts):
            return False
        if self.skip_records and len(parts) > 1 and parts[0].startswith(RECORDS):
            return False
        return not self.suffixes or path.endswith(self.suffixes)

    def files(self) -> list[str]:
        """The members that exist now, in a sorted walk."""
        if self.single:
            return [str(self.root)] if self.root.is_file() else []
        found = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not (self.skip_hidden and d.startswith(HIDDEN))
                             and not (self.skip_records and folder == str(self.root) and d.startswith(RECORDS)))
            for name in sorted(names):
                path = os.path.join(folder, name)
                if self.wants(path):
                    found.append(path)
        return found


@dataclass(frozen=True)
class BuildInputs:
    sets: tuple[InputSet, ...]
    settings: tuple[tuple[str, str], ...]      # the options that shape the output, as text

    def kind_of(self, path: str) -> str | None:
        """The kind of input `path` is, or None: the watcher rebuilds only for inputs."""
        absolute = os.path.abspath(path)
        return next((s.kind for s in self.sets if s.wants(absolute)), None)


def declared_inputs(options: Options) -> BuildInputs:
    """Everything a build with these options reads. The only place that says so."""
    root = lambda path: Path(os.path.abspath(path))
    return BuildInputs(
        sets=(InputSet("content", root(options.content), (".md",), skip_records=True),
              *(InputSet(kind, root(options.content / folder), (".md",)) for kind, folder in RECORD_FOLDERS.items()),
              InputSet("images", root(options.content), IMAGE_SUFFIXES),
              InputSet("templates", root(options.templates), skip_hidden=False),   # Jinja may load any
              InputSet("static", root(options.static)),
              InputSet("config", root(options.config_file()), single=True)),
        settings=(("site_url", options.site_url or ""), ("drafts", str(options.drafts)),
                  ("unsafe_html", str(options.unsafe_html)), ("content", os.path.abspath(options.content)),
                  ("cwd", os.getcwd())))     # messages name files relative to where the build runs


@dataclass(frozen=True)
class Snapshot:
    """Every input file as it was when the build started: path -> digest of its bytes, by kind.

    A file that changes while the build runs may be read in its newer version,
    but the snapshot keeps the older digest; the next build then sees a change
    and builds again. The error is always towards building too often, never too little.
    """
    files: dict[str, dict[str, str]]

    def of(self, kind: str) -> dict[str, str]:
        return self.files.get(kind, {})


SETTLED_NS = 2_000_000_000     # 2 s: far more than the file system clock's coarseness


def file_digest(path: str, known: dict | None = None) -> str | None:
    """sha256 of the file's bytes; for a symbolic link, also of where it points (the loader
    refuses a link out of the content folder, so a changed target must change the digest).
    Only regular files are inputs: opening a named pipe would wait for a writer for ever.

    `known` (path -> (identity, digest)) spares reading a file whose inode, size, mtime
    and ctime are those it had when it was hashed, provided its last change was well
    before that hashing: any later write sets ctime to a time after it (and ctime cannot
    be set back), so an unchanged identity means unchanged bytes. A file changed just
    before it was hashed is hashed again next time (git's "racy" files).
    """
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return None
        identity = [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
        remembered = known.get(path) if known is not None and not link else None
        if remembered is not None and remembered[0] == identity:
            return remembered[1]
        hashed_at = time.time_ns()
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
    except FileNotFoundError:
        return None         # vanished since the walk: not an input now
    except OSError as error:
        return f"unreadable:{error.errno}"      # still an input: the stage that reads it says why
    if link:
        digest.update(b"\0" + os.path.realpath(path).encode())
    if known is not None:
        if not link and info.st_ctime_ns < hashed_at - SETTLED_NS:
            known[path] = (identity, digest.hexdigest())
        else:
            known.pop(path, None)
    return digest.hexdigest()


def take_snapshot(inputs: BuildInputs, known: dict | None = None) -> Snapshot:
    """The digest of every input file now; `known` is file_digest's memo, kept by the caller."""
    files: dict[str, dict[str, str]] = {}
    seen = set()
    for input_set in inputs.sets:
        found = files.setdefault(input_set.kind, {})
        for path in input_set.files():
            digest = file_digest(path, known)
            seen.add(path)
            if digest is not None:
                found[path] = digest
    if known is not None:
        for gone in known.keys() - seen:
            del known[gone]
    return Snapshot(files)


def build_key(inputs: BuildInputs, snapshot: Snapshot, version: str) -> str:
    """Equal keys mean an equal site: a digest of the engine, the options and every input's bytes."""
    digest = hashlib.sha256(version.encode())
    for name, value in inputs.settings:
        digest.update(f"\0{name}={value}".encode())
    for input_set in inputs.sets:
        digest.update(f"\0[{input_set.kind}:{input_set.root}]".encode())
        for path, file in snapshot.of(input_set.kind).items():
            digest.update(f"\0{path}\0{file}".encode())
    return digest.hexdigest()
