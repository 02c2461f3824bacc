"""Stage 4, write: put the pages into a fresh temporary folder beside the output
folder and swap it in only when everything was written. A failed or killed
build leaves the previous site exactly as it was; the builder replaces only a
folder that carries its own marker file."""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .models import UsageError

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
    folder = out.parent / ".explainer-cache"        # beside the output, with the build cache
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{out.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class OutputFile:
    """One file of the site. With no content and no source, the copy already in
    the output folder is right (its key matched) and is linked, not rewritten."""
    path: str
    key: str
    content: bytes | None = None
    source: Path | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest() if self.content is not None else ""


@dataclass(frozen=True)
class Existing:
    """A file of the last build, still exactly as that build wrote it."""
    key: str
    digest: str
    entry: list


def intact_files(out: Path, manifest: dict) -> dict[str, Existing]:
    found, folder = {}, str(out)
    for path, entry in manifest.items():
        try:
            key, size, mtime, digest = entry
            stat = os.stat(os.path.join(folder, path))
        except (OSError, ValueError, TypeError):
            continue
        if stat.st_size == size and stat.st_mtime_ns == mtime:
            found[path] = Existing(key, digest, entry)
    return found


def reusable_keys(existing: dict[str, Existing]) -> dict[str, str]:
    return {path: old.key for path, old in existing.items()}


def write_site(files: Iterable[OutputFile], out: Path, existing: dict[str, Existing]) -> tuple[dict, list[str]]:
    """Write the site into a staging folder and swap it in.

    Returns the manifest of what is now there and the paths whose bytes are new;
    every other file is a hard link to the identical file of the last build.
    """
    remove_leftovers(out)
    staging = tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent)
    try:
        os.chmod(staging, 0o755)
        folders, manifest, written = {staging}, {}, []
        for file in files:
            manifest[file.path] = place_file(file, staging, str(out), existing.get(file.path), folders)
            if manifest[file.path] is not getattr(existing.get(file.path), "entry", None):
                written.append(file.path)
        Path(staging, MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        swap_in(Path(staging), out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest, written


def place_file(file: OutputFile, staging: str, out: str, old: Existing | None, folders: set[str]) -> list:
    """Put one file into the staging folder; return its manifest entry [key, size, mtime, digest]."""
    target = os.path.join(staging, file.path)
    folder = os.path.dirname(target)
    if folder not in folders:
        os.makedirs(folder, exist_ok=True)
        folders.add(folder)
    digest = file.digest
    if old is not None and (old.key == file.key or (digest and old.digest == digest)):
        # Same bytes as the last build: a hard link costs no copy and keeps size and
        # time; the old folder is removed after the swap.
        os.link(os.path.join(out, file.path), target)
        return old.entry if old.key == file.key else [file.key, *old.entry[1:]]
    if file.content is not None:
        with open(target, "wb") as handle:
            handle.write(file.content)
    else:
        shutil.copyfile(file.source, target)
    stat = os.stat(target)
    return [file.key, stat.st_size, stat.st_mtime_ns, digest]


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
    rename = renameat2()
    if rename is None:
        return False
    return rename(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


@functools.lru_cache(maxsize=1)
def renameat2():
    """libc's renameat2, or None where there is none (not Linux, old glibc)."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    return getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None)


def remove_leftovers(out: Path) -> None:
    """Staging folders of a build that was killed, and shadows of servers that are gone: ours by name."""
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*", f".{out.name}.shadow-*"):
        for leftover in sorted(out.parent.glob(pattern)):
            if leftover.is_dir() and not owner_alive(leftover):
                shutil.rmtree(leftover, ignore_errors=True)


def owner_alive(folder: Path) -> bool:
    """A shadow folder is named after the process that keeps it."""
    if ".shadow-" not in folder.name:
        return False
    pid = folder.name.rsplit("-", 1)[-1]
    if not pid.isdigit() or int(pid) == os.getpid():
        return pid.isdigit()
    try:
        os.kill(int(pid), 0)
    except OSError:
        return False
    return True


# -- the dev server's double buffer ----------------------------------------------

@dataclass
class Shadow:
    """A hidden copy of the output folder that the dev server keeps one build behind.

    A rebuild brings it level with the live folder, writes only the changed files
    into it and exchanges the two folders in one step: every rebuild is still an
    atomic swap, but costs only what changed instead of a link per file.
    """
    folder: Path
    manifest: dict[str, list]          # what the folder holds: path -> [key, size, mtime, digest]


def make_shadow(out: Path, manifest: dict[str, list]) -> Shadow | None:
    """Clone the live folder with hard links (once, at the server's first build)."""
    if renameat2() is None:
        return None
    folder = out.with_name(f".{out.name}.shadow-{os.getpid()}")
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(out, folder, copy_function=os.link)
    return Shadow(folder, dict(manifest))


def write_through_shadow(files: Iterable[OutputFile], out: Path, existing: dict[str, Existing],
                         live: dict[str, list], shadow: Shadow) -> tuple[dict, list[str]]:
    """Like write_site, through the shadow folder; `live` is the manifest of the live folder."""
    level_with(shadow, out, live)
    manifest, written, folders = {}, [], set()
    for file in files:
        old = existing.get(file.path)
        if old is not None and (old.key == file.key or (file.content is not None and old.digest == file.digest)):
            manifest[file.path] = old.entry if old.key == file.key else [file.key, *old.entry[1:]]
            continue
        target = shadow.folder / file.path
        remove_file(target)
        manifest[file.path] = place_file(file, str(shadow.folder), str(out), None, folders)
        written.append(file.path)
    for path in live.keys() - manifest.keys():
        remove_file(shadow.folder / path)
    if not exchange(shadow.folder, out):
        raise OSError(f"could not exchange {shadow.folder} and {out}")
    shadow.manifest = {path: old.entry for path, old in existing.items()}
    return manifest, written


def level_with(shadow: Shadow, out: Path, live: dict[str, list]) -> None:
    """Make the shadow hold exactly what the live folder holds, touching only the differences."""
    for path in shadow.manifest.keys() - live.keys():
        remove_file(shadow.folder / path)
    for path, entry in live.items():
        if shadow.manifest.get(path) != entry:
            target = shadow.folder / path
            remove_file(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(out / path, target)
    shadow.manifest = dict(live)


def remove_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
