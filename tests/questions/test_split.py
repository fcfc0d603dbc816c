"""The stratified split into the exam and the practice pool (pure)."""

from __future__ import annotations

from collections import Counter

import pytest

from questions.split import (
    EXAM,
    PRACTICE,
    SplitItem,
    coverage,
    exam_target,
    split,
)
from tests.purity import django_modules_imported_by


def cell_items(category: str, level: str, count: int, start: int = 1) -> list[SplitItem]:
    return [SplitItem(f"{category}-{n:02d}", category, level) for n in range(start, start + count)]


@pytest.mark.parametrize(
    ("size", "exam"), [(0, 0), (1, 1), (2, 1), (3, 2), (4, 3), (5, 3), (6, 4), (9, 6), (30, 20)]
)
def test_two_thirds_of_a_cell_go_to_the_exam_and_both_pools_keep_one(size: int, exam: int) -> None:
    assert exam_target(size) == exam


def test_every_cell_is_split_on_its_own() -> None:
    items = cell_items("basics", "beginner", 9) + cell_items("raw-events", "advanced", 3, start=20)

    pools = split(items)

    per_cell = Counter((item.cell, pools[item.id]) for item in items)
    assert per_cell[(("basics", "beginner"), EXAM)] == 6
    assert per_cell[(("basics", "beginner"), PRACTICE)] == 3
    assert per_cell[(("raw-events", "advanced"), EXAM)] == 2
    assert per_cell[(("raw-events", "advanced"), PRACTICE)] == 1


def test_the_split_is_the_same_every_time_and_does_not_follow_ids() -> None:
    items = cell_items("basics", "beginner", 30)

    pools = split(items)

    assert split(list(reversed(items))) == pools
    practice = sorted(item_id for item_id, pool in pools.items() if pool == PRACTICE)
    # A stable shuffle: not simply the first or the last ten ids.
    assert practice not in (
        [f"basics-{n:02d}" for n in range(1, 11)],
        [f"basics-{n:02d}" for n in range(21, 31)],
    )


def test_items_with_a_pool_keep_it_and_new_ones_fill_the_shares() -> None:
    placed = [
        SplitItem(f"basics-{n:02d}", "basics", "beginner", PRACTICE) for n in range(1, 4)
    ]  # three practice items already: the cell's practice share of nine
    new = cell_items("basics", "beginner", 6, start=10)

    pools = split(placed + new)

    assert all(pools[item.id] == PRACTICE for item in placed)
    assert all(pools[item.id] == EXAM for item in new)


def test_a_cell_whose_shares_are_met_by_hand_sends_new_items_to_the_exam() -> None:
    placed = [SplitItem("basics-01", "basics", "beginner", PRACTICE)] * 1 + [
        SplitItem("basics-02", "basics", "beginner", PRACTICE)
    ]
    new = [SplitItem("basics-03", "basics", "beginner")]

    assert split(placed + new)["basics-03"] == EXAM


def test_coverage_counts_each_pool_per_cell_and_names_empty_cells() -> None:
    items = cell_items("basics", "beginner", 3)
    pools = split(items)

    rows = coverage(
        pools,
        {item.id: item.cell for item in items},
        [("basics", "beginner"), ("basics", "advanced")],
    )

    assert [(r.category, r.level, r.exam, r.practice, r.covered) for r in rows] == [
        ("basics", "beginner", 2, 1, True),
        ("basics", "advanced", 0, 0, False),
    ]


def test_the_split_imports_nothing_from_django() -> None:
    assert django_modules_imported_by("questions.split") == []
