"""Deriving keys again: each item's deriver, and whether what it derives is what the bank keys.

A generated item is derived by running its scenario variant and checking each choice's claim
against the run; a hand-written item by its deriver in `questions.evidence.HANDWRITTEN` (items
without one are reported as unverified). `key_verdict` compares a derivation with the keyed
choices: they hold when the run makes true exactly the keyed choices, no more, no fewer.

A variant's outcome depends only on its program and the installed SDK, so each runs once per
process (`variant_outcome` is cached): the test suite and `verify_items` derive each key once.

Pure: no Django imports.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from lessons.scenarios import Outcome
from lessons.scenarios.registry import variant_for
from questions.claims import Claim, true_options
from questions.derivation import Derivation, Deriver, sdk_version


class UnknownVariant(LookupError):
    """A generated item names a scenario variant the lessons do not have."""


@cache
def variant_outcome(lesson: str, preset: str) -> Outcome:
    """What the variant's program does on the installed SDK (run once per process)."""
    variant = variant_for(lesson, preset)
    if variant is None:
        raise UnknownVariant(f"The lesson '{lesson}' has no scenario variant '{preset}'.")
    return variant.outcome()


def generated_deriver(
    *, item_id: str, lesson: str, variant: str, claims: Sequence[Claim]
) -> Deriver:
    """The deriver of a generated item: run its variant, see which choices' claims hold."""

    async def derive() -> Derivation:
        outcome = await asyncio.to_thread(variant_outcome, lesson, variant)
        return Derivation(
            item_id=item_id,
            true_options=true_options(claims, outcome),
            outcome=outcome.summary(),
            sdk_version=sdk_version(),
        )

    return derive


def handwritten_derivers() -> Mapping[str, Deriver]:
    """The hand-written items' derivers (empty until the evidence package exists)."""
    if importlib.util.find_spec("questions.evidence") is None:
        return {}
    registry: Mapping[str, Deriver] = getattr(
        importlib.import_module("questions.evidence"), "HANDWRITTEN", {}
    )
    return registry


def letters(indexes: Iterable[int]) -> str:
    """Choice indexes as the letters learners see: {0, 2} -> "AC"."""
    return "".join(chr(ord("A") + index) for index in sorted(indexes))


@dataclass(frozen=True)
class KeyVerdict:
    """One item's key against its derivation (or the error that stopped the derivation)."""

    item_id: str
    keyed: frozenset[int]
    derivation: Derivation | None
    error: str = ""

    @property
    def holds(self) -> bool:
        return self.derivation is not None and self.derivation.true_options == self.keyed

    @property
    def derived(self) -> frozenset[int]:
        return frozenset() if self.derivation is None else self.derivation.true_options

    @property
    def outcome(self) -> str:
        return self.error if self.derivation is None else self.derivation.outcome


async def key_verdict(item_id: str, keyed: Iterable[int], deriver: Deriver) -> KeyVerdict:
    """Derive the item's key and compare it with `keyed` (choice indexes in bank order)."""
    keyed = frozenset(keyed)
    try:
        derivation = await deriver()
    except Exception as error:  # a deriver that cannot run says so; the key does not hold
        return KeyVerdict(item_id, keyed, None, f"{type(error).__name__}: {error}")
    return KeyVerdict(item_id, keyed, derivation)


def keyed_indexes(correct: Sequence[bool]) -> frozenset[int]:
    return frozenset(index for index, flag in enumerate(correct) if flag)
