"""Enemies: the items of one family are variants of one scenario, so knowing one helps with the
others. A practice session never serves two of them one after the other.

Pure: no Django imports.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def families_apart(items: Sequence[T], family: Callable[[T], str]) -> list[T]:
    """`items` in their order, moved only as much as it takes so that no two items of one family
    (a non-empty `family(item)`) are next to each other, wherever that can be done."""
    pending = list(items)
    left = Counter(family(item) for item in pending if family(item))
    result: list[T] = []
    while pending:
        last = family(result[-1]) if result else ""
        index = _next_index(pending, family, last, left)
        chosen = pending.pop(index)
        if family(chosen):
            left[family(chosen)] -= 1
        result.append(chosen)
    return result


def _next_index(pending: list[T], family: Callable[[T], str], last: str, left: Counter[str]) -> int:
    allowed = [i for i, item in enumerate(pending) if not family(item) or family(item) != last]
    if not allowed:
        return 0  # only the last one's family is left: the pair cannot be avoided
    if crowded := _crowded(left, last, len(pending)):
        return next(i for i in allowed if family(pending[i]) == crowded)
    return allowed[0]


def _crowded(left: Counter[str], last: str, pending: int) -> str:
    """A family holding more than half of what is left: it must be served now, or it runs out
    of other items to be kept apart by ("" when there is none)."""
    return next((name for name, count in left.items() if name != last and count > pending // 2), "")


def back_to_back(items: Sequence[T], family: Callable[[T], str]) -> int:
    """How many neighbouring pairs are of one family (0 when the rule holds)."""
    return sum(
        1
        for first, second in itertools.pairwise(items)
        if family(first) and family(first) == family(second)
    )
