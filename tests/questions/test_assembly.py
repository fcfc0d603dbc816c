"""Exam forms to a blueprint: every cell its share, exposure held by the randomesque window, a
learner's new form mostly new to them, the enemy rule, and the closest form when the pool is
short (reported, never silent)."""

from __future__ import annotations

import random
from collections import Counter

from questions import assembly
from questions.assembly import FormItem, FormRules, assemble, cell_counts, default_blueprint
from tests.purity import django_modules_imported_by

SEED_CELLS = cell_counts(default_blueprint(), 50)


def pool(per_cell: int, *, family_size: int = 0) -> list[FormItem]:
    """`per_cell` items in every cell; with `family_size`, variants of families of that size."""
    items = []
    for category in assembly.CATEGORIES:
        for level_index, level in enumerate(assembly.LEVELS):
            for n in range(per_cell):
                family = f"{category}-{level}-f{n // family_size}" if family_size else ""
                items.append(
                    FormItem(
                        f"{category}-{level}-{n:03d}",
                        category,
                        level,
                        1.0 + (n % 7) / 10,
                        -1.0 + level_index + (n % 5) / 5,
                        0.2,
                        family,
                    )
                )
    return items


def cells_of(form: assembly.AssembledForm) -> Counter[tuple[str, str]]:
    return Counter(item.cell for item in form.items)


def test_assembly_is_pure() -> None:
    assert django_modules_imported_by("questions.assembly") == []


def test_the_default_blueprint_is_the_seeds_fifty_and_scales_to_any_length() -> None:
    assert sum(SEED_CELLS.values()) == 50
    per_category: Counter[str] = Counter()
    for (category, _), n in SEED_CELLS.items():
        per_category[category] += n
    assert set(per_category.values()) == {10}
    assert SEED_CELLS[("basics", "beginner")] == 4
    assert SEED_CELLS[("production", "advanced")] == 4
    assert SEED_CELLS[("raw-events", "intermediate")] == 4
    assert sum(cell_counts(default_blueprint(), 25).values()) == 25
    assert sum(cell_counts(default_blueprint(), 7).values()) == 7
    assert cell_counts({"basics": {"advanced": 1}}, 12) == {("basics", "advanced"): 12}


def test_a_blueprint_names_what_is_wrong_with_it() -> None:
    assert assembly.blueprint_errors(default_blueprint()) == []
    assert assembly.blueprint_errors([1, 2]) != []
    assert "Unknown category 'streams'" in assembly.blueprint_errors({"streams": {}})[0]
    assert "unknown level 'expert'" in assembly.blueprint_errors({"basics": {"expert": 1}})[0]
    assert "a weight is a number >= 0" in assembly.blueprint_errors({"basics": {"beginner": -1}})[0]
    assert "at least one cell" in assembly.blueprint_errors({"basics": {"beginner": 0}})[0]


def test_every_form_meets_the_blueprint() -> None:
    items = pool(25, family_size=5)
    rng = random.Random(1)
    for _ in range(200):
        form = assemble(items, SEED_CELLS, rng=rng)
        assert form.meets_blueprint
        assert not form.borrowed
        assert cells_of(form) == Counter(SEED_CELLS)
        assert len(set(form.ids)) == 50


def test_no_item_is_on_more_than_the_exposure_target_of_forms() -> None:
    items = pool(25)
    rng = random.Random(2)
    forms = 2000
    exposure: Counter[str] = Counter()
    for _ in range(forms):
        exposure.update(assemble(items, SEED_CELLS, rng=rng).ids)
    # At most 0.2 each, give or take the sampling noise; the more informative likelier.
    assert max(exposure.values()) / forms < 0.23
    assert len(exposure) == len(items)


def test_a_learners_new_form_shares_at_most_a_fifth_with_their_earlier_forms() -> None:
    items = pool(25)
    rng = random.Random(3)
    seen: set[str] = set()
    for sitting in range(4):
        form = assemble(items, SEED_CELLS, rng=rng, seen=seen)
        assert form.meets_blueprint
        shared = len(seen & set(form.ids))
        assert shared == form.overlap <= 10, sitting
        assert form.overlap_limit == 10
        seen |= set(form.ids)
    # Four forms of 50 from 375 items: each so far new to the learner.
    assert form.overlap == 0


def test_past_what_the_pool_allows_the_form_is_whole_and_the_overlap_is_reported() -> None:
    items = pool(5)
    rng = random.Random(4)
    first = assemble(items, SEED_CELLS, rng=rng)
    second = assemble(items, SEED_CELLS, rng=rng, seen=set(first.ids))
    # 75 items, 50 seen: 25 new, then seen ones for the rest; each category keeps its 10.
    assert len(second.items) == 50
    assert set(Counter(item.category for item in second.items).values()) == {10}
    assert second.overlap >= 25
    assert second.overlap_exceeded
    assert second.summary()["overlap"] == second.overlap


def test_a_form_takes_at_most_two_variants_of_a_family() -> None:
    # Every cell of one family: the rule leaves each cell two items.
    items = pool(10, family_size=10)
    form = assemble(items, SEED_CELLS, rng=random.Random(5))
    families = Counter(item.family for item in form.items)
    assert max(families.values()) == 2
    assert form.short
    assert not form.meets_blueprint
    assert form.items  # the closest form, never nothing


def test_the_enemy_rule_holds_on_every_form() -> None:
    items = pool(25, family_size=3)
    rng = random.Random(6)
    for _ in range(300):
        form = assemble(items, SEED_CELLS, rng=rng, rules=FormRules(family_limit=2))
        assert max(Counter(item.family for item in form.items).values()) <= 2


def test_a_short_cell_borrows_from_its_category_and_is_reported() -> None:
    items = [item for item in pool(25) if item.cell != ("basics", "advanced")]
    items += [FormItem("basics-advanced-only", "basics", "advanced", 1.0, 1.0, 0.2)]
    form = assemble(items, SEED_CELLS, rng=random.Random(7))
    # The lone item would be on every form: the cell's three come from the other levels, which
    # have room to spare within the exposure target (25 items each carry 5 a form).
    assert form.short == {("basics", "advanced"): 3}
    assert form.borrowed == {("basics", "advanced"): 3}
    assert "basics-advanced-only" not in form.ids
    assert sum(1 for item in form.items if item.category == "basics") == 10
    assert len(form.items) == 50
    assert form.missing == 0
    assert form.summary()["short"] == {"basics/advanced": 3}


def test_an_empty_category_leaves_the_form_short_by_its_questions() -> None:
    items = [item for item in pool(25) if item.category != "production"]
    form = assemble(items, SEED_CELLS, rng=random.Random(8))
    assert form.missing == 10
    assert sum(form.short.values()) == 10
    assert len(form.items) == 40


def test_the_pool_allows_what_its_cells_hold() -> None:
    cell = ("basics", "beginner")
    eight = [item for item in pool(8) if item.cell == cell]
    assert assembly.allowed_exposure(eight, {cell: 4}, family_limit=2) == {cell: 0.5}
    assert assembly.allowed_exposure([], {cell: 4}, family_limit=2) == {cell: None}
    # One family of 21 and one item of its own, 3 a form: the lone item is on every form.
    family = [
        FormItem(f"basics-{n}", "basics", "beginner", 1.0, 0.0, 0.2, "one") for n in range(21)
    ]
    lone = FormItem("basics-lone", "basics", "beginner", 1.0, 0.0, 0.2)
    assert assembly.allowed_exposure([*family, lone], {cell: 3}, family_limit=2) == {cell: 1.0}
    assert assembly.cell_capacity([*family, lone], rate=0.2, family_limit=2) == {cell: 2}


def test_the_same_seed_gives_the_same_form() -> None:
    items = pool(25)
    first = assemble(items, SEED_CELLS, rng=random.Random(9))
    again = assemble(items, SEED_CELLS, rng=random.Random(9))
    assert first.ids == again.ids
