"""What a page's view read of the site graph, so that the page is re-used only while
every part it read has the same value.

A view is a pure function of the graph, but each page reads only a small part of
it: one brief's body, a few cards, some topic names. Building the view through a
`RecordingGraph` notes each part read: `(field, key)` for one entry of a mapping,
`(field, WHOLE)` for a plain field or for iterating a whole mapping. The page's key
is then a digest of the digests of those parts' values (`reads_key`): the next build
computes the same key from its own graph, and an equal key means an equal view. This
one rule covers every kind of page and edit without listing which edit touches which page.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

WHOLE = "<whole>"        # a read of a whole field (or of every key of a mapping)


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
    """Looks like the SiteGraph to the view functions and notes every part read.
    `extras` are inputs the views may read beside the graph (the stylesheet)."""

    def __init__(self, graph: Any, extras: Mapping[str, Any]):
        self._graph, self._extras = graph, extras
        self.reads: set[tuple[str, Any]] = set()

    def __getattr__(self, name: str):
        value = self._extras[name] if name in self._extras else getattr(self._graph, name)
        if callable(value):
            raise AttributeError(f"views may read the graph's data, not call {name}()")
        if isinstance(value, Mapping):
            return RecordingMapping(name, value, self.reads)
        self.reads.add((name, WHOLE))
        return value


MISSING = object()


def part_reader(graph: Any, extras: Mapping[str, Any]) -> Callable[[tuple], Any]:
    """read -> the value it sees in this graph; a key that is not there reads as MISSING
    (a read of its absence)."""
    fields: dict[str, tuple[Any, bool]] = {}

    def part(read: tuple[str, Any]) -> Any:
        name, key = read
        known = fields.get(name)
        if known is None:
            value = extras[name] if name in extras else getattr(graph, name, MISSING)
            known = fields[name] = (value, isinstance(value, Mapping))
        value, mapping = known
        if key == WHOLE or value is MISSING:
            return value
        return value.get(key, MISSING) if mapping else MISSING
    return part


def reads_key(head: str, reads: tuple, value_of: Callable[[tuple], str]) -> str:
    """A digest of `head` and of each read with the digest of the value it saw
    (`value_of(read)` names both)."""
    return hashlib.sha256("\0".join([head, *map(value_of, reads)]).encode()).hexdigest()
