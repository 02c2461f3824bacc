"""Stage 4, write: put the pages together in a staging folder in the project's cache
and swap it in only when everything was written. A failed or killed build leaves
the previous site exactly as it was; the builder replaces only a folder that
carries its own marker file, and writes nothing beside the output folder."""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import hashlib
import os
import shutil
import sys
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
    if out.is_symlink():
        raise UsageError(f"refusing to write the site to {out}: it is a symbolic link, which the build would "
                         f"replace with a folder; give the folder it points to, --out {target}")
    if target.exists() and not target.is_dir():
        raise UsageError(f"refusing to write the site to {out}: it is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise UsageError(f"refusing to write the site to {out}: the folder is not empty and was not made "
                         f"by Explainer (no {MARKER} file in it); choose an empty or new folder")


def output_id(out: Path) -> str:
    return hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]


def staging_folder(cache_dir: Path, out: Path) -> Path:
    """Where the next version of `out` is put together: in the project's cache, never beside `out`.
    Between builds it holds the version before the current one, mostly as hard links."""
    return cache_dir / f"{out.name}-{output_id(out)}.next"


@contextlib.contextmanager
def output_lock(cache_dir: Path, out: Path):
    """A second build of the same output folder waits for the first to finish."""
    from filelock import FileLock  # a portable lock (fcntl on POSIX, msvcrt on Windows)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(cache_dir / f"{out.name}-{output_id(out)}.lock"):
        yield


def refuse_split_filesystems(cache_dir: Path, out: Path) -> None:
    """The swap renames a folder of the cache into the output's place: one file system only.
    Creates nothing: the output's nearest existing folder tells the file system."""
    parent = out.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if os.stat(cache_dir).st_dev != os.stat(parent).st_dev:
        raise UsageError(f"the cache folder {cache_dir} and the output folder {out} are on different file "
                         "systems, so the site cannot be swapped in atomically; choose a cache folder on the "
                         f"output's file system with --cache DIR (e.g. --cache {parent / '.explainer-cache'})")


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
    inode: int


def intact_files(out: Path, manifest: dict) -> dict[str, Existing]:
    found, folder = {}, str(out)
    for path, entry in manifest.items():
        try:
            key, size, mtime, digest = entry
            stat = os.stat(os.path.join(folder, path))
        except (OSError, ValueError, TypeError):
            continue
        if stat.st_size == size and stat.st_mtime_ns == mtime:
            found[path] = Existing(key, digest, entry, stat.st_ino)
    return found


def write_site(files: Iterable[OutputFile], out: Path, existing: dict[str, Existing],
               staging: Path) -> tuple[dict, list[str]]:
    """Put the new site together in `staging` and swap it in; `staging` then holds the old one.

    The staging folder is checked, never trusted: a file is kept there only if it is the
    very file (same inode) of the live site that the new site re-uses; everything else is
    written anew or removed. Returns the manifest of what is now live and the paths whose
    bytes are new; every other file is a hard link to the identical file of the last build.
    """
    present = staged_files(staging)
    manifest, written, folders = {}, [], set()
    for file in files:
        old = existing.get(file.path)
        target = os.path.join(staging, file.path)
        found = present.pop(file.path, None)
        if found is None:
            clear_the_way(staging, file.path)
        if old is not None and (old.key == file.key or (file.content is not None and old.digest == file.digest)):
            if found is None or found.st_ino != old.inode:
                make_folder(os.path.dirname(target), folders)
                remove_file(Path(target))
                os.link(os.path.join(out, file.path), target)
            manifest[file.path] = old.entry if old.key == file.key else [file.key, *old.entry[1:]]
            continue
        if found is not None:
            remove_file(Path(target))       # unlinked first: it may be a link to a live file
        make_folder(os.path.dirname(target), folders)
        manifest[file.path] = place_file(file, target)
        written.append(file.path)
    for path in present:
        with contextlib.suppress(NotADirectoryError, IsADirectoryError):     # the new site put a file or folder there
            remove_file(staging / path)
    if present:
        remove_empty_folders(staging)
    remove_file(staging / MARKER)
    (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)     # only now that the site is whole
    swap_in(staging, out)
    return manifest, written


def clear_the_way(staging: Path, path: str) -> None:
    """Remove what the last version left where this file goes: a folder of that name, or a
    file where one of its folders must be (a static file that became a folder, or back)."""
    target = staging / path
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    for folder in reversed(target.relative_to(staging).parents[:-1]):
        place = staging / folder
        if place.is_file() or place.is_symlink():
            remove_file(place)


def staged_files(staging: Path) -> dict[str, os.stat_result]:
    """Every file in the staging folder. A staging folder holding a symbolic link is not
    one we made (we write none): it is emptied first."""
    found: dict[str, os.stat_result] = {}
    if staging.is_symlink() or (staging.exists() and not staging.is_dir()):
        remove_file(staging)
    staging.mkdir(mode=0o755, parents=True, exist_ok=True)
    waiting = [("", str(staging))]
    while waiting:
        prefix, folder = waiting.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink():      # nothing we write is a link: someone else's, start over
                    shutil.rmtree(staging)
                    staging.mkdir(mode=0o755)
                    return {}
                if entry.is_dir(follow_symlinks=False):
                    waiting.append((prefix + entry.name + "/", entry.path))
                else:
                    found[prefix + entry.name] = entry.stat(follow_symlinks=False)
    found.pop(MARKER, None)
    return found


def make_folder(folder: str, made: set[str]) -> None:
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)


def remove_empty_folders(root: Path) -> None:
    for folder, dirs, names in os.walk(root, topdown=False):
        if folder != str(root) and not dirs and not names:
            with contextlib.suppress(OSError):
                os.rmdir(folder)


def place_file(file: OutputFile, target: str) -> list:
    """Write one new file; return its manifest entry [key, size, mtime, digest]."""
    if file.content is not None:
        with open(target, "wb") as handle:
            handle.write(file.content)
        digest = file.digest
    else:
        shutil.copyfile(file.source, target)
        with open(target, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    stat = os.stat(target)
    return [file.key, stat.st_size, stat.st_mtime_ns, digest]


def swap_in(staging: Path, out: Path) -> None:
    """Exchange the folders in one step where the kernel can (Linux renameat2),
    so that a kill at any moment leaves either the old or the new site."""
    if not out.exists():
        os.rename(staging, out)
        return
    if not exchange(staging, out):
        old = staging.with_name(staging.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(out, old)
        os.rename(staging, out)
        os.rename(old, staging)


def exchange(a: Path, b: Path) -> bool:
    rename = renameat2()
    if rename is None:
        return False
    return rename(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


@functools.lru_cache(maxsize=1)
def renameat2():
    """libc's renameat2, or None where there is none (not Linux, old glibc), or when
    EXPLAINER_NO_RENAMEAT2 is set (to run the portable path on Linux, as the tests do)."""
    if os.environ.get("EXPLAINER_NO_RENAMEAT2") or not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    return getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None)


def remove_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
