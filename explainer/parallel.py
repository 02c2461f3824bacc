"""Spread independent work over processes: Markdown bodies and page rendering.

Work is split into small chunks and results come back in input order, so
the output never depends on the number of workers. Workers are forked so they
inherit the (large, read-only) inputs instead of receiving pickled copies;
where fork is unavailable, or there is too little work, everything runs here.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence

MIN_ITEMS_PER_WORKER = 40
_task: tuple[Callable, Sequence] | None = None


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def map_in_chunks(function: Callable[[Sequence], list], items: Sequence, jobs: int) -> list:
    """function(chunk) -> list of results, one per item; all results, in input order."""
    return list(stream_in_chunks(function, items, jobs))


def stream_in_chunks(function: Callable[[Sequence], list], items: Sequence, jobs: int,
                     chunk: int = 32, ordered: bool = True, alone: int = 0) -> Iterator:
    """Like map_in_chunks, but yields results as small chunks finish, so the caller can
    write each result and let it go instead of holding them all. Unordered, a slow chunk
    (the whole timeline, say) does not hold back the results that finish after it. The
    first `alone` items go one to a chunk: a caller that puts its slowest items first so
    spreads them over the workers at the start instead of leaving one worker a long tail."""
    workers = min(jobs, len(items) // MIN_ITEMS_PER_WORKER)
    alone = min(alone, len(items))
    slices = [(start, start + 1) for start in range(alone)]
    slices += [(start, min(start + chunk, len(items))) for start in range(alone, len(items), chunk)]
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for start, stop in slices:
            yield from function(items[start:stop])
        return
    global _task
    _task = (function, items)
    gc.freeze()         # workers share the parent's objects; a collection there would copy them all
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        for part in (pool.imap if ordered else pool.imap_unordered)(_run_slice, slices):
            yield from part
    finally:
        pool.terminate()
        pool.join()
        gc.unfreeze()
        _task = None


def _run_slice(bounds: tuple[int, int]) -> list:
    function, items = _task
    return function(items[bounds[0]:bounds[1]])
