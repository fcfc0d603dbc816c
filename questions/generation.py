"""Generating the pool: every family's variants run, keyed by the run, written as a bank file.

For each family, each variant (one per shape, in a theme the seed picks) runs on the offline
model and a virtual clock. A variant is discarded, and said so, when:
- its program's outcome depends on time although it is not meant to (it is run a second time at
  a real model's pace, in virtual time, and must do exactly the same);
- another variant of the family did the same thing (two items must differ in what happens);
- its options do not have exactly one true claim (a misconception that is right here, say).

The result is deterministic for a seed. `pool_bank` writes it as a `BankFile`, beside the
hand-written bank; `GENERATED_PATH` is where the repository keeps the pool of seed 0.

Pure: no Django imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lessons.offline import Pacing
from lessons.scenarios import Outcome, Variant
from lessons.scenarios.program import program_outcome
from questions import rules
from questions.bankfile import (
    BankFile,
    CategoryEntry,
    ChoiceEntry,
    DemoEntry,
    ParamsEntry,
    QuestionEntry,
)
from questions.families import FAMILIES
from questions.families.base import MAX_ITEMS, Family, ItemDraft, NoItem

GENERATED_PATH = Path(__file__).resolve().parent / "bank" / "generated.yaml"
EVIDENCE_TEST = "tests/questions/test_generated_items.py::test_generated_key_holds"
# The pace an untimed program is checked at: a real model's, in virtual seconds.
REAL_PACE = Pacing(first_token=0.4, per_token=0.03)


@dataclass(frozen=True)
class Discard:
    variant: str
    reason: str


@dataclass(frozen=True)
class Generated:
    id: str
    family: Family
    draft: ItemDraft


@dataclass
class FamilyResult:
    family: Family
    items: list[Generated] = field(default_factory=list)
    discarded: list[Discard] = field(default_factory=list)


def _run(variant: Variant) -> Outcome:
    """The variant's outcome; NoItem if it depends on time although the program is not timed."""
    program = variant.program()
    outcome = program_outcome(program)
    if not program.timed and program_outcome(program, pacing=REAL_PACE) != outcome:
        raise NoItem("its outcome depends on the model's pace, yet it is not timed")
    return outcome


def signature(variant: Variant, outcome: Outcome) -> str:
    """What the variant did, whatever its theme: two items of a family must differ in it."""
    return variant.unthemed(outcome.as_json())


def _neighbour_outcomes(
    family: Family, variant: Variant, cache: dict[str, Outcome]
) -> dict[str, Outcome]:
    """The outcomes of the variant's neighbours (same theme, one knob otherwise), run once."""
    outcomes = {}
    for neighbour, _knob in family.neighbours(variant):
        if neighbour.preset not in cache:
            cache[neighbour.preset] = program_outcome(neighbour.program())
        outcomes[neighbour.preset] = cache[neighbour.preset]
    return outcomes


def family_generate(family: Family, *, seed: int) -> FamilyResult:
    """The items of one family for a seed, with the variants it had to discard and why."""
    result = FamilyResult(family)
    seen: dict[str, str] = {}  # what a variant did -> the variant that did it first
    cache: dict[str, Outcome] = {}
    for variant in family.variants(seed):
        if len(result.items) == MAX_ITEMS:
            result.discarded.append(
                Discard(variant.preset, f"the family has its {MAX_ITEMS} items")
            )
            continue
        try:
            outcome = _run(variant)
            cache[variant.preset] = outcome
            did = signature(variant, outcome)
            if did in seen:
                raise NoItem(f"it does what {seen[did]} does")
            others = _neighbour_outcomes(family, variant, cache)
            draft = family.draft(variant, outcome, seed, others)
        except NoItem as reason:
            result.discarded.append(Discard(variant.preset, str(reason)))
            continue
        seen[did] = variant.preset
        result.items.append(Generated(family.id_for(len(result.items)), family, draft))
    return result


def pool_generate(
    *,
    seed: int,
    families: Sequence[Family] = FAMILIES,
    progress: Callable[[FamilyResult], None] | None = None,
) -> list[FamilyResult]:
    results = []
    for family in families:
        result = family_generate(family, seed=seed)
        if progress is not None:
            progress(result)
        results.append(result)
    return results


def _entry(generated: Generated) -> QuestionEntry:
    family, draft = generated.family, generated.draft
    kind = "single"
    params = rules.default_item_parameters(family.level, kind, len(draft.options))
    return QuestionEntry(
        id=generated.id,
        category=family.category,
        level=family.level,
        kind=kind,
        style=family.style,
        topic=family.topic,
        objective=family.objective,
        status="active",
        prompt=draft.prompt,
        choices=[
            ChoiceEntry(
                text=option.text,
                correct=option.correct,
                rationale=option.rationale,
                claim=option.claim,
            )
            for option in draft.options
        ],
        explanation=draft.explanation,
        evidence_kind="test",
        evidence=f"{EVIDENCE_TEST}[{generated.id}]",
        demo=DemoEntry(lesson=draft.lesson, preset=draft.variant),
        params=ParamsEntry(
            a=family.discrimination,
            b=params.difficulty if family.difficulty is None else family.difficulty,
            c=params.guessing,
        ),
        family=family.slug,
        variant=draft.variant,
    )


def pool_bank(
    results: Iterable[FamilyResult], *, categories: Sequence[CategoryEntry], sdk_version: str
) -> BankFile:
    """The generated items as a bank file (with the categories it must list)."""
    entries = [_entry(item) for result in results for item in result.items]
    entries.sort(key=lambda entry: (rules.CATEGORIES.index(entry.category), entry.id))
    return BankFile(sdk_version=sdk_version, categories=list(categories), questions=entries)
