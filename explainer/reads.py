"""Re-use a page's view model for as long as the parts of the site graph it read are unchanged.

A view is a pure function of the graph, but each page reads only a small part
of it: one brief's body, a few cards, some topic names. Building the view
through a `RecordingGraph` notes which parts it read. After the next build,
`graph_changes` compares the old and new graph once, field by field and key by
key; a view is still good if none of the parts it read changed. This one rule
covers every kind of page and edit without listing which edit touches which page.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

WHOLE = "<whole>"        # a read of a whole field (or of every key of a mapping)
EVERYTHING = None        # in a change set: the whole field changed


class RecordingMapping(Mapping):
    def __init__(self, name: str, mapping: Mapping, reads: set):
        self._name, self._mapping, self._reads = name, mapping, reads

    def __getitem__(self, key):
        self._reads.add((self._name, key))
        return self._mapping[key]

    def __contains__(self, key) -> bool:
        self._reads.add((self._name, key))
        return key in self._mapping

    def __iter__(self):
        self._reads.add((self._name, WHOLE))
        return iter(self._mapping)

    def __len__(self) -> int:
        self._reads.add((self._name, WHOLE))
        return len(self._mapping)


class RecordingGraph:
    """Looks like the SiteGraph to the view functions and notes every part read."""

    def __init__(self, graph: Any):
        self._graph = graph
        self.reads: set[tuple[str, Any]] = set()

    def __getattr__(self, name: str):
        value = getattr(self._graph, name)
        if callable(value):
            raise AttributeError(f"views may read the graph's data, not call {name}()")
        if isinstance(value, Mapping):
            return RecordingMapping(name, value, self.reads)
        self.reads.add((name, WHOLE))
        return value


def graph_changes(old: Any, new: Any) -> dict[str, set | None]:
    """For each field of the graph: the keys whose values differ (EVERYTHING for a changed plain field)."""
    changes: dict[str, set | None] = {}
    for field in dataclasses.fields(new):
        before, after = getattr(old, field.name), getattr(new, field.name)
        if isinstance(after, Mapping) and isinstance(before, Mapping):
            keys = {k for k in before.keys() | after.keys()
                    if k not in before or k not in after or (before[k] is not after[k] and before[k] != after[k])}
            if keys:
                changes[field.name] = keys
        elif before is not after and before != after:
            changes[field.name] = EVERYTHING
    return changes


class ReadIndex:
    """Which page read which part of the graph, so that a change finds its pages
    directly instead of every page checking every read."""

    def __init__(self):
        self.reads: dict[str, set] = {}
        self.by_key: dict[tuple, set[str]] = defaultdict(set)       # (field, key) -> pages
        self.by_field: dict[str, set[str]] = defaultdict(set)       # field -> pages reading any of it
        self.whole: dict[str, set[str]] = defaultdict(set)          # field -> pages reading all of it

    def record(self, page: str, reads: set) -> None:
        self.forget(page)
        self.reads[page] = reads
        for name, key in reads:
            self.by_field[name].add(page)
            (self.whole[name] if key == WHOLE else self.by_key[(name, key)]).add(page)

    def forget(self, page: str) -> None:
        for name, key in self.reads.pop(page, ()):
            self.by_field[name].discard(page)
            (self.whole[name] if key == WHOLE else self.by_key[(name, key)]).discard(page)

    def stale(self, changes: dict[str, set | None]) -> set[str]:
        """The pages that read something in `changes`."""
        pages: set[str] = set()
        for name, changed in changes.items():
            if changed is EVERYTHING:
                pages |= self.by_field.get(name, set())
                continue
            pages |= self.whole.get(name, set())
            for key in changed:
                pages |= self.by_key.get((name, key), set())
        return pages
