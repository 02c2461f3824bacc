"""Is the output already what a build would write? Answered without importing the
engine's heavy dependencies, so an unchanged site costs little more than Python's start."""
from __future__ import annotations

import hashlib
import os
import time

from .models import Problem
from .options import Options, Report
from .write import Existing, intact_files


def input_fingerprint(options: Options, version: str) -> str:
    """Changes when any input file or option changes: names, sizes and modification times."""
    digest = hashlib.sha256(repr((version, str(options.content.resolve()), options.site_url, options.drafts,
                                  str(options.config_file().resolve()))).encode())
    for root in (options.content, options.templates, options.static):
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    if options.config_file().exists():
        stat = options.config_file().stat()
        digest.update(f"config\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def freshness(options: Options, version: str, previous: dict,
              started: float) -> tuple[str, dict[str, Existing], Report | None]:
    """The inputs' fingerprint, the files of the last build still intact, and a report
    if nothing changed since then (else None)."""
    inputs = input_fingerprint(options, version)
    existing = intact_files(options.out, previous.get("files", {}))
    if previous.get("inputs") != inputs or len(existing) != len(previous.get("files", {})):
        return inputs, existing, None
    warnings = tuple(Problem(*p) for p in previous.get("warnings", []))
    return inputs, existing, Report(previous.get("briefs", 0), previous.get("pages", 0), 0, len(existing),
                                    time.perf_counter() - started, warnings, up_to_date=True)
