"""Stage 4, write: put the pages into a fresh temporary folder beside the output
folder and swap it in only when everything was written. A failed or killed
build leaves the previous site exactly as it was; the builder replaces only a
folder that carries its own marker file."""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from .models import UsageError
from .render import Page

MARKER = ".explainer-site"
MARKER_TEXT = "This folder is written by Explainer (build.py) and is replaced on every build.\n"
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def refuse_output(out: Path, protected: Iterable[Path]) -> None:
    """Raise UsageError if writing `out` could destroy something we did not make."""
    target = out.resolve()
    for place in [Path("/"), Path.home(), *protected]:
        place = place.resolve()
        if target == place or place.is_relative_to(target):
            raise UsageError(f"refusing to write the site to {out}: it is or contains {place}; "
                             "choose an output folder of its own, such as site/")
    if target.exists() and not target.is_dir():
        raise UsageError(f"refusing to write the site to {out}: it is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise UsageError(f"refusing to write the site to {out}: the folder is not empty and was not made "
                         f"by Explainer (no {MARKER} file in it); choose an empty or new folder")


@contextlib.contextmanager
def output_lock(out: Path):
    """A second build of the same output folder waits for the first to finish."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_site(pages: Iterable[Page], static_dir: Path, out: Path, extra_files: dict[str, bytes]) -> int:
    """Write every page, the static files and `extra_files`; swap the result in. Returns files written."""
    remove_leftovers(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        staging.chmod(0o755)
        count = write_pages(staging, pages, extra_files)
        count += copy_static(static_dir, staging / "static")
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def write_pages(root: Path, pages: Iterable[Page], extra_files: dict[str, bytes]) -> int:
    count = 0
    files = [(p.path, p.content) for p in pages] + sorted(extra_files.items())
    for relative, content in files:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        count += 1
    return count


def copy_static(static_dir: Path, target: Path) -> int:
    count = 0
    if not static_dir.is_dir():
        return count
    for folder, dirs, files in os.walk(static_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(f for f in files if not f.startswith(".")):
            source = Path(folder, name)
            destination = target / source.relative_to(static_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            count += 1
    return count


def swap_in(staging: Path, out: Path) -> None:
    """Exchange the folders in one step where the kernel can (Linux renameat2),
    so that a kill at any moment leaves either the old or the new site."""
    if not out.exists():
        os.rename(staging, out)
        return
    if not exchange(staging, out):
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
        os.rename(staging, out)
        staging = old
    shutil.rmtree(staging)


def exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    result = libc.renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return result == 0


def remove_leftovers(out: Path) -> None:
    """Staging folders of a build that was killed: ours by name and place."""
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        for leftover in sorted(out.parent.glob(pattern)):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
