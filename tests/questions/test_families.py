"""Item families: options from misconceptions, every claim checked against the same run."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from lessons.scenarios.registry import SCENARIOS
from questions import rules
from questions.claims import Claim
from questions.families import FAMILIES, FAMILIES_BY_SLUG
from questions.families.base import (
    Family,
    Misconception,
    NoItem,
    Run,
    describe,
    pick_distractors,
    printed,
)
from questions.families.transforms import (
    interleave,
    keep_last,
    move_after,
    squeeze,
)
from questions.generation import family_generate
from questions.objectives import OBJECTIVES_BY_KEY
from tests.purity import django_modules_imported_by


def test_the_families_import_without_django() -> None:
    assert django_modules_imported_by("questions.families") == []
    assert django_modules_imported_by("questions.generation") == []


def test_families_are_well_formed_and_their_ids_never_collide() -> None:
    ids: set[str] = set()
    for family in FAMILIES:
        assert family.category in rules.CATEGORIES
        assert family.level in rules.LEVELS
        assert family.objective in OBJECTIVES_BY_KEY
        assert family.scenario.slug in SCENARIOS
        block = {family.id_for(index) for index in range(30)}
        assert not ids & block, family.slug
        ids |= block
    assert len(FAMILIES_BY_SLUG) == len(FAMILIES)


def test_ids_stay_in_the_family_block() -> None:
    family = FAMILIES[0]
    assert family.id_for(0) == f"{family.category}-{100 + 30 * (family.number - 1)}"
    with pytest.raises(ValueError, match="at most 30"):
        family.id_for(30)


def test_transforms_predict_what_a_misconception_expects() -> None:
    lines = ("m", "c", "c", "o", "o", "m")
    assert interleave(lines, "c", "o") == ("m", "c", "o", "c", "o", "m")
    assert keep_last(lines, "m") == ("c", "c", "o", "o", "m")
    assert move_after(lines, "m", "c", "o") == ("c", "c", "o", "o", "m", "m")
    assert squeeze(lines, "c", "o") == ("m", "c", "o", "m")
    assert interleave(("c", "o"), "c", "o") is None  # the same: no distractor from it


def test_options_render_runs_of_a_line_once_with_their_count() -> None:
    assert describe(printed(["a", "a", "b"])) == "It prints `a` \u00d72, `b`."
    assert describe(printed([], "TypeError")) == "It raises `TypeError` before printing anything."
    assert describe(printed(["a"], "KeyError")) == "It prints `a`, then raises `KeyError`."


def test_the_key_is_not_the_longest_option_when_distractors_can_help_it() -> None:
    key = printed(["a", "b", "c", "d"])
    candidates = [(printed([f"x{i}" for i in range(n)]), "") for n in (1, 2, 3, 6)]
    for seed in range(20):
        chosen = pick_distractors(key, candidates, describe, random.Random(seed))
        assert chosen is not None
        assert max(len(describe(claim)) for claim, _ in chosen) >= len(describe(key))


def _variant_and_outcome(family: Family):
    variant = family.variants(0)[0]
    return variant, variant.outcome()


def test_a_distractor_the_run_makes_true_discards_the_variant() -> None:
    """A misconception whose claim the run makes true is no misconception: the variant makes no
    item (with the reason), whichever distractors would have been picked."""
    family = FAMILIES_BY_SLUG["item-names"]
    variant, outcome = _variant_and_outcome(family)
    family.draft(variant, outcome, 0)  # an item

    def right_after_all(run: Run) -> Claim:
        # What the run did, stated a little differently from the key (so not a duplicate).
        return Claim(includes=run.printed)

    wrong = Misconception("a belief that is right here", right_after_all, "never shown")
    broken = replace(family, misconceptions=(*family.misconceptions, wrong))
    for seed in range(5):
        with pytest.raises(NoItem, match="'a belief that is right here' predicts what it did"):
            broken.draft(variant, outcome, seed)
    result = family_generate(replace(broken, shapes=(variant.shape.key,)), seed=0)
    assert result.items == []
    assert "predicts what it did" in result.discarded[0].reason


def test_a_key_the_run_does_not_make_true_discards_the_variant() -> None:
    family = FAMILIES_BY_SLUG["item-names"]
    variant, outcome = _variant_and_outcome(family)
    lying = replace(family, answer=lambda run: printed(["not what it printed"]))
    with pytest.raises(NoItem, match=r"exactly one true claim \(0 true\)"):
        lying.draft(variant, outcome, 0)


def test_a_draft_has_one_true_claim_and_feedback_from_the_run() -> None:
    family = FAMILIES_BY_SLUG["item-names"]
    variant, outcome = _variant_and_outcome(family)
    draft = family.draft(variant, outcome, 0)
    assert draft is not None
    assert [option.claim.holds(outcome) for option in draft.options] == [
        option.correct for option in draft.options
    ]
    assert sum(option.correct for option in draft.options) == 1
    for option in draft.options:
        assert "The run printed" in option.rationale
    assert variant.program().code.strip() in draft.prompt
    assert draft.variant == variant.preset
