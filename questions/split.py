"""The stratified split of the bank into the exam pool and the practice pool.

Every category x level cell is split on its own, so that both pools cover every cell a learner
is taught and tested on: by default two thirds of a cell's items go to the exam pool and one third
to practice (rounded to the nearest item, and a cell of two or more keeps at least one item in
each pool). Items that already have a pool keep it (an item practice has shown can never become
secret again by a re-split); new items fill whichever pool of their cell is furthest below its
share, in an order fixed by their ids, so the same bank always splits the same way.

Pure: plain data in and out, no Django.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

EXAM = "exam"
PRACTICE = "practice"
# The exam pool's share of every cell.
DEFAULT_EXAM_SHARE = 2 / 3

Cell = tuple[str, str]  # (category, level)


@dataclass(frozen=True)
class SplitItem:
    """One item as the split sees it: its cell and its pool, if it has one yet."""

    id: str
    category: str
    level: str
    pool: str | None = None

    @property
    def cell(self) -> Cell:
        return (self.category, self.level)


def exam_target(size: int, exam_share: float = DEFAULT_EXAM_SHARE) -> int:
    """How many of a cell's `size` items belong in the exam pool."""
    if size <= 1:
        # One item cannot cover both pools: the exam, which certifies, keeps it.
        return size
    target = int(size * exam_share + 0.5)
    return min(max(target, 1), size - 1)


def _order(item_id: str) -> str:
    # A stable shuffle: the order does not follow ids (a cell's first-written items are not all
    # practice), and it is the same on every run and machine.
    return hashlib.sha256(item_id.encode()).hexdigest()


def split(items: Iterable[SplitItem], *, exam_share: float = DEFAULT_EXAM_SHARE) -> dict[str, str]:
    """The pool of every item: its own where it has one, else the split's choice."""
    by_cell: dict[Cell, list[SplitItem]] = defaultdict(list)
    for item in items:
        by_cell[item.cell].append(item)
    pools: dict[str, str] = {}
    for cell_items in by_cell.values():
        pools.update(_split_cell(cell_items, exam_share))
    return pools


def _split_cell(items: Sequence[SplitItem], exam_share: float) -> dict[str, str]:
    pools = _placed(items)
    counts = Counter(pools.values())
    exam_wanted = exam_target(len(items), exam_share)
    for item in sorted(_unplaced(items), key=lambda i: _order(i.id)):
        pool = _next_pool(
            exam_short=exam_wanted - counts[EXAM],
            practice_short=(len(items) - exam_wanted) - counts[PRACTICE],
        )
        pools[item.id] = pool
        counts[pool] += 1
    return pools


def _placed(items: Sequence[SplitItem]) -> dict[str, str]:
    return {item.id: item.pool for item in items if item.pool is not None}


def _unplaced(items: Sequence[SplitItem]) -> list[SplitItem]:
    return [item for item in items if item.pool is None]


def _next_pool(*, exam_short: int, practice_short: int) -> str:
    """The pool further from its share; exam when every share is met already (items moved by
    hand): an item in doubt stays secret."""
    if exam_short <= 0 and practice_short <= 0:
        return EXAM
    return EXAM if exam_short >= practice_short and exam_short > 0 else PRACTICE


@dataclass(frozen=True)
class CellCoverage:
    """One cell's items per pool."""

    category: str
    level: str
    exam: int
    practice: int

    @property
    def covered(self) -> bool:
        return self.exam > 0 and self.practice > 0


def coverage(
    pools: Mapping[str, str], cells: Mapping[str, Cell], all_cells: Sequence[Cell] = ()
) -> list[CellCoverage]:
    """Per cell (those of `all_cells`, then any other), how many items each pool holds."""
    counts: dict[Cell, Counter[str]] = {cell: Counter() for cell in all_cells}
    for item_id, pool in pools.items():
        counts.setdefault(cells[item_id], Counter())[pool] += 1
    return [
        CellCoverage(category, level, tally[EXAM], tally[PRACTICE])
        for (category, level), tally in counts.items()
    ]
