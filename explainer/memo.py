"""Re-use a pure function's last result while its inputs are unchanged.

The dev server rebuilds the site graph after every save from objects that are
mostly the very ones of the last build (the loader keeps unchanged briefs). An
identity check per input is far cheaper than hashing them all, and where an
input is a new object (the edited brief), `same` compares just the parts the
function depends on, so a body edit does not redo work that only needs names.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
_last: dict[str, tuple[tuple, object]] = {}


def equal(a, b) -> bool:
    return a is b or a == b


def reuse(name: str, inputs: Sequence, compute: Callable[[], T], same: Callable = equal) -> T:
    """compute(), or the result of the last call under `name` if every input is `same` as then."""
    inputs = tuple(inputs)
    last = _last.get(name)
    if last is not None and len(last[0]) == len(inputs) and all(map(same, last[0], inputs)):
        return last[1]
    result = compute()
    _last[name] = (inputs, result)
    return result
