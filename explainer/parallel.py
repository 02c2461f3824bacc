"""Spread independent work over processes: Markdown bodies and page rendering.

Work is split into contiguous chunks and results come back in input order, so
the output never depends on the number of workers. Workers are forked so they
inherit the (large, read-only) inputs instead of receiving pickled copies;
where fork is unavailable, or there is too little work, everything runs here.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence

MIN_ITEMS_PER_WORKER = 40
_task: tuple[Callable, Sequence] | None = None


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def map_in_chunks(function: Callable[[Sequence], list], items: Sequence, jobs: int) -> list:
    """function(chunk) -> list of results, one per item; results come back in input order.

    Worker k takes items k, k+n, k+2n, ...: costly items that sit together (the
    timeline and the calendar, say) end up in different workers.
    """
    workers = min(jobs, len(items) // MIN_ITEMS_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return function(items)
    global _task
    _task = (function, items, workers)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_run_share, range(workers))
    finally:
        _task = None
    results = [None] * len(items)
    for worker, part in enumerate(parts):
        results[worker::workers] = part
    return results


def _run_share(worker: int) -> list:
    function, items, workers = _task
    return function(items[worker::workers])
