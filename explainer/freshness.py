"""Is the output already what a build would write? Answered without importing the
engine's heavy dependencies, so an unchanged site costs little more than Python's start."""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from .models import Problem
from .options import Options, Report
from .write import Existing, intact_files


def scan(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under `root` (hidden files and folders left out), in a sorted walk,
    with what identifies its version: inode, size, modification time."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(n for n in names if not n.startswith(".")):
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue        # vanished while we looked: the next build sees the folder as it is then
            found[path] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return found


def input_fingerprint(options: Options, version: str, content: dict | None = None) -> str:
    """Changes when any input file or option changes: names, sizes and modification times.
    `content` is a scan of the content folder already made."""
    digest = hashlib.sha256(repr((version, str(options.content.resolve()), options.site_url, options.drafts,
                                  options.unsafe_html, str(options.config_file().resolve()))).encode())
    for files in (content if content is not None else scan(options.content), scan(options.templates),
                  scan(options.static)):
        for path, (_, size, mtime) in files.items():
            digest.update(f"{path}\0{size}\0{mtime}\n".encode())
    if options.config_file().exists():
        stat = options.config_file().stat()
        digest.update(f"config\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def freshness(options: Options, version: str, previous: dict, started: float,
              content: dict | None = None) -> tuple[str, dict[str, Existing], Report | None]:
    """The inputs' fingerprint, the files of the last build still intact, and a report
    if nothing changed since then (else None)."""
    inputs = input_fingerprint(options, version, content)
    existing = intact_files(options.out, previous.get("files", {}))
    if previous.get("inputs") != inputs or len(existing) != len(previous.get("files", {})):
        return inputs, existing, None
    warnings = tuple(Problem(*p) for p in previous.get("warnings", []))
    return inputs, existing, Report(previous.get("briefs", 0), previous.get("pages", 0), 0, len(existing),
                                    time.perf_counter() - started, warnings, up_to_date=True)
