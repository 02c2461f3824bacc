"""Is the output already what a build would write? Answered without importing the
engine's heavy dependencies, so an unchanged site costs little more than reading
its inputs once."""
from __future__ import annotations

import time

from .inputs import Snapshot, build_key, declared_inputs, take_snapshot
from .models import Problem
from .options import Options, Report
from .state import ReuseState
from .write import Existing, intact_files, output_lock, refuse_output, refuse_split_filesystems


def open_state(options: Options) -> ReuseState:
    """The reuse state for these options: backed by the cache folder's store unless --no-cache."""
    return ReuseState.open(options.cache_dir() if options.use_cache else None,
                           salt="unsafe-html" if options.unsafe_html else "")


def protected_folders(options: Options) -> list:
    return [options.project, options.content, options.templates, options.static, options.cache_dir()]


def build(options: Options, state: ReuseState | None = None, warm: bool = False) -> Report:
    """Build the site into options.out; the entry point of `build` and of the dev server.

    `state` carries re-usable results between builds (the dev server keeps one); without
    it, the store in the cache folder is used. The engine proper is imported only when
    the output is not already up to date. `warm` runs the whole pipeline even then, to
    fill `state` for the edits to come.
    """
    started = time.perf_counter()
    refuse_output(options.out, protected_folders(options))
    own = state is None
    state = state if state is not None else open_state(options)
    try:
        with output_lock(options.cache_dir(), options.out):
            refuse_output(options.out, [])
            refuse_split_filesystems(options.cache_dir(), options.out)
            key, snapshot, existing, unchanged = up_to_date(options, state)
            if unchanged is not None and not warm:
                if own:
                    state.save()        # the file digests it learned
                return unchanged
            from .site import build_locked  # the engine, imported only when there is work for it
            return build_locked(options, state, started, key, snapshot, existing, persist=own)
    finally:
        if own:
            state.close()


def up_to_date(options: Options, state: ReuseState) -> tuple[str, Snapshot, dict[str, Existing], Report | None]:
    """The build key, the snapshot of the inputs, the output files still as the last build
    wrote them (same size and modification time: the output folder is ours, a file whose
    size or time differs is taken as foreign), and a report if the inputs are exactly those
    of the last build and every file it wrote is still there as written (else None)."""
    started = time.perf_counter()
    inputs = declared_inputs(options)
    snapshot = take_snapshot(inputs, state.file_digests())
    key = build_key(inputs, snapshot, state.version)
    state.load_output(str(options.out.resolve()))
    previous = state.output if options.use_cache and state.output else {}
    existing = intact_files(options.out, previous.get("files", {}))
    if not previous or previous.get("key") != key or len(existing) != len(previous.get("files", {})):
        return key, snapshot, existing, None
    warnings = tuple(Problem(*p) for p in previous.get("warnings", []))
    return key, snapshot, existing, Report(previous.get("briefs", 0), previous.get("pages", 0), 0, len(existing),
                                           time.perf_counter() - started, warnings, up_to_date=True)
