"""The generated bank (questions/bank/generated.yaml): every key derived again by running its
scenario on the installed SDK, and tied to it.

Each item's scenario runs once per test session (questions.keys caches a variant's outcome), on
the offline model and a virtual clock: no pacing delays, the same outcome every time.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from functools import cache

import pytest

from lessons.scenarios.registry import variant_for
from questions.bankfile import DEFAULT_PATH, BankFile, QuestionEntry, bank_parse, bank_read
from questions.claims import Claim
from questions.derivation import Derivation, Deriver
from questions.generation import EVIDENCE_TEST, GENERATED_PATH
from questions.keys import generated_deriver, keyed_indexes, letters
from questions.pool import key_is_longest, pool_report


@cache
def generated() -> BankFile:
    return bank_parse(text=bank_read(path=GENERATED_PATH), source=GENERATED_PATH.name)


@cache
def handwritten() -> BankFile:
    return bank_parse(text=bank_read(path=DEFAULT_PATH), source=DEFAULT_PATH.name)


ITEMS = {entry.id: entry for entry in generated().questions}


def claims_of(entry: QuestionEntry) -> list[Claim]:
    claims = [choice.claim for choice in entry.choices]
    assert all(claim is not None for claim in claims), entry.id
    return claims  # type: ignore[return-value]


@cache
def derived(item_id: str) -> Derivation:
    entry = ITEMS[item_id]
    assert entry.family
    assert entry.variant
    deriver = generated_deriver(
        item_id=entry.id, lesson=entry.demo.lesson, variant=entry.variant, claims=claims_of(entry)
    )
    return asyncio.run(_derive(deriver))


async def _derive(deriver: Deriver) -> Derivation:
    return await deriver()


def keyed(entry: QuestionEntry) -> frozenset[int]:
    return keyed_indexes([choice.correct for choice in entry.choices])


@pytest.mark.parametrize("item_id", sorted(ITEMS))
def test_generated_key_holds(item_id: str) -> None:
    """The run makes true exactly the keyed choice: the key is what the SDK did."""
    entry = ITEMS[item_id]
    derivation = derived(item_id)
    assert derivation.true_options == keyed(entry), (
        f"{item_id} ({entry.variant}) keys {letters(keyed(entry))}, the run makes "
        f"{letters(derivation.true_options) or 'none'} true: {derivation.outcome}"
    )
    assert entry.evidence == f"{EVIDENCE_TEST}[{item_id}]"
    assert entry.demo.preset == entry.variant


@pytest.mark.parametrize("item_id", sorted(ITEMS))
def test_the_prompt_shows_exactly_the_code_that_runs(item_id: str) -> None:
    entry = ITEMS[item_id]
    variant = variant_for(entry.demo.lesson, entry.variant or "")
    assert variant is not None
    program = variant.program()
    assert f"```python\n{program.code.strip()}\n```" in entry.prompt
    assert entry.prompt.startswith(program.premise)


def _other_keys(count: int, kind: str, keyed: frozenset[int]) -> list[frozenset[int]]:
    """Every key the bank could be changed to: moved to another choice, or a key added."""
    single = [frozenset({index}) for index in range(count)]
    added = [keyed | {index} for index in range(count) if index not in keyed]
    if kind == "multiple":
        every = [
            frozenset(c) for n in range(1, count) for c in itertools.combinations(range(count), n)
        ]
        return [key for key in every if key != keyed]
    return [key for key in single + added if key != keyed]


def test_moving_or_adding_any_generated_key_disagrees_with_its_run() -> None:
    """In process, for every generated item: each other key the file could hold (the key moved
    to another choice, or another key added) is refused by the same derivation that accepts the
    file's key."""
    for item_id, entry in ITEMS.items():
        derivation = derived(item_id)
        assert derivation.true_options == keyed(entry)
        for mutant in _other_keys(len(entry.choices), entry.kind, keyed(entry)):
            assert derivation.true_options != mutant, f"{item_id}: {letters(mutant)} would pass"


def test_no_two_items_of_one_scenario_shape_have_the_same_key_outcome() -> None:
    seen: dict[tuple[str, str], str] = {}
    for entry in generated().questions:
        assert entry.variant
        shape = entry.variant.rsplit("__", 1)[0]
        keyed_claims = [c.claim.model_dump_json() for c in entry.choices if c.correct and c.claim]
        key = (shape, "|".join(sorted(keyed_claims)))
        assert key not in seen, f"{entry.id} and {seen[key]} ask the same of {shape}"
        seen[key] = entry.id


def test_the_variants_of_a_family_differ_in_what_happens() -> None:
    """What a variant did, its theme's words aside, is its own within its family."""
    outcomes: dict[str, dict[str, str]] = defaultdict(dict)
    for item_id, entry in ITEMS.items():
        assert entry.family
        variant = variant_for(entry.demo.lesson, entry.variant or "")
        assert variant is not None
        outcome = variant.unthemed(derived(item_id).outcome)
        other = outcomes[entry.family].get(outcome)
        assert other is None, f"{item_id} and {other} ({entry.family}) do the same: {outcome}"
        outcomes[entry.family][outcome] = item_id


def test_generated_items_are_active_and_scored_with_their_family_parameters() -> None:
    from questions.families import FAMILIES_BY_SLUG

    for entry in generated().questions:
        family = FAMILIES_BY_SLUG[entry.family or ""]
        assert entry.status == "active"
        assert (entry.category, entry.level, entry.objective) == (
            family.category,
            family.level,
            family.objective,
        )
        assert entry.params is not None
        assert entry.params.a == family.discrimination


def test_the_keyed_option_of_generated_items_is_rarely_the_longest() -> None:
    single = [entry for entry in generated().questions if entry.kind == "single"]
    longest = sum(key_is_longest(entry) for entry in single)
    assert longest / len(single) <= 0.20, f"{longest} of {len(single)}"


def test_over_the_whole_pool_the_key_is_the_longest_in_at_most_28_percent() -> None:
    report = pool_report([handwritten(), generated()])
    assert report.length_cue <= 0.28, "\n".join(report.lines())


def test_the_pool_is_big_enough_for_exam_forms() -> None:
    """>= 450 active items (>= 400 generated), every category x level cell >= 30, >= 30
    families with >= 6 in each category, every objective >= 4 items."""
    from questions import rules
    from questions.families import FAMILIES
    from questions.objectives import OBJECTIVES

    report = pool_report([handwritten(), generated()])
    assert report.total >= 450
    assert report.generated >= 400
    for category in rules.CATEGORIES:
        for level in rules.LEVELS:
            assert report.cells[(category, level)] >= 30, (category, level)
        in_category = [family for family in FAMILIES if family.category == category]
        assert len(in_category) >= 6, category
    assert len(report.families) >= 30
    for objective in OBJECTIVES:
        assert report.objectives[objective.key] >= 4, objective.key
