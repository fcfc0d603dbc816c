"""Generating items: deterministic for a seed, discarding what cannot be an item, and the pool's
figures."""

from __future__ import annotations

from questions.bankfile import DEFAULT_PATH, bank_dump, bank_parse, bank_read
from questions.families import FAMILIES_BY_SLUG
from questions.generation import family_generate, pool_bank, pool_generate
from questions.pool import pool_report

CATEGORIES = bank_parse(text=bank_read(path=DEFAULT_PATH)).categories
FAMILY = FAMILIES_BY_SLUG["item-names"]


def generate(seed: int) -> str:
    results = pool_generate(seed=seed, families=[FAMILY])
    return bank_dump(pool_bank(results, categories=CATEGORIES, sdk_version="0.24.0"))


def test_generation_is_deterministic_for_a_seed_and_the_seed_matters() -> None:
    first = generate(0)
    assert generate(0) == first
    assert generate(7) != first
    assert bank_parse(text=first).questions  # a valid bank file


def test_each_variant_is_discarded_with_its_reason_or_becomes_an_item() -> None:
    result = family_generate(FAMILY, seed=0)
    shapes = {variant.shape.key for variant in FAMILY.variants(0)}
    made = {item.draft.variant.split("__")[1] for item in result.items}
    dropped = {discard.variant.split("__")[1] for discard in result.discarded}
    assert made | dropped == shapes
    assert not made & dropped
    assert [item.id for item in result.items] == [FAMILY.id_for(n) for n in range(len(made))]


def test_a_variant_doing_what_another_did_is_discarded() -> None:
    from dataclasses import replace

    twice = replace(
        FAMILY, scenario=replace(FAMILY.scenario, shapes=FAMILY.scenario.shapes[:2] * 1)
    )
    doubled = replace(
        twice,
        scenario=replace(
            twice.scenario,
            shapes=(*twice.scenario.shapes, replace(twice.scenario.shapes[0], key="again")),
        ),
    )
    result = family_generate(doubled, seed=0)
    assert [d.variant.split("__")[1] for d in result.discarded] == ["again"]
    assert "does what" in result.discarded[0].reason


def test_the_report_counts_cells_families_objectives_and_the_length_cue() -> None:
    results = pool_generate(seed=0, families=[FAMILY])
    generated = pool_bank(results, categories=CATEGORIES, sdk_version="0.24.0")
    handwritten = bank_parse(text=bank_read(path=DEFAULT_PATH))
    report = pool_report([handwritten, generated])
    assert report.generated == len(generated.questions)
    assert report.handwritten == len([q for q in handwritten.questions if q.status == "active"])
    assert report.families == {"item-names": len(generated.questions)}
    assert report.cells[("run-items", "beginner")] >= len(generated.questions)
    text = "\n".join(report.lines())
    assert "item-names" in text
    assert "Length cue" in text
