"""Checking the stored bank's keys against the installed SDK, and recording what was found.

`keys_verify` derives every item's key again (questions.keys: a generated item's scenario run,
a hand-written item's deriver), compares it with the keyed choices, and records a `KeyCheck` per
item for the installed SDK version. An item whose key no longer holds is reported with what the
bank said before and what the run says now.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from pydantic import ValidationError

from questions.claims import Claim
from questions.derivation import Deriver, sdk_version
from questions.keys import (
    KeyVerdict,
    generated_deriver,
    handwritten_derivers,
    key_verdict,
    keyed_indexes,
    letters,
)
from questions.models import Choice, KeyCheck, Question


@dataclass(frozen=True)
class BrokenKey:
    question_id: str
    family: str  # "" for a hand-written item
    variant: str
    keyed: str  # letters
    derived: str
    before: str  # what the bank said (the keyed choice, or the last check's outcome)
    now: str  # what the run did


@dataclass(frozen=True)
class KeyReport:
    sdk_version: str
    held: tuple[str, ...] = ()
    broken: tuple[BrokenKey, ...] = ()
    unverified: tuple[str, ...] = field(default=())  # hand-written items without a deriver

    @property
    def checked(self) -> int:
        return len(self.held) + len(self.broken)


class _BadClaims(ValueError):
    pass


def _claims(question: Question) -> list[Claim]:
    try:
        return [Claim.model_validate(choice.claim) for choice in question.choices.all()]
    except ValidationError as error:
        raise _BadClaims(f"A choice's claim is not valid: {error.errors()[0]['msg']}") from None


def _deriver(question: Question, handwritten: dict[str, Deriver]) -> Deriver | None:
    if not question.family:
        return handwritten.get(question.id)
    try:
        claims = _claims(question)
    except _BadClaims as error:
        message = str(error)

        async def fail() -> object:
            raise ValueError(message)

        return fail  # type: ignore[return-value]  # a deriver that reports the bad claim
    return generated_deriver(
        item_id=question.id, lesson=question.demo_lesson, variant=question.variant, claims=claims
    )


async def _verdicts(jobs: list[tuple[Question, Deriver]]) -> list[KeyVerdict]:
    verdicts = []
    for question, deriver in jobs:
        keyed = keyed_indexes([choice.is_correct for choice in question.choices.all()])
        verdicts.append(await key_verdict(question.id, keyed, deriver))
    return verdicts


def _before(question: Question, previous: dict[str, str]) -> str:
    if question.id in previous:
        return previous[question.id]
    keyed = [choice for choice in question.choices.all() if choice.is_correct]
    return " / ".join(choice.text for choice in keyed) or "(no keyed choice)"


def keys_verify(*, questions: QuerySet[Question] | None = None) -> KeyReport:
    """Derive every chosen question's key (default: all but retired ones) and record it."""
    chosen = list(
        (questions if questions is not None else Question.objects.exclude(status="retired"))
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
        .order_by("category__order", "id")
    )
    handwritten = dict(handwritten_derivers())
    jobs, unverified = [], []
    for question in chosen:
        deriver = _deriver(question, handwritten)
        if deriver is None:
            unverified.append(question.id)
        else:
            jobs.append((question, deriver))
    verdicts = asyncio.run(_verdicts(jobs))
    version = sdk_version()
    previous = {
        check.question_id: check.outcome
        for check in KeyCheck.objects.filter(
            question__in=[question for question, _ in jobs], holds=True
        ).order_by("checked_at")
    }
    key_checks_record(verdicts=verdicts, version=version)
    broken = tuple(
        BrokenKey(
            question_id=question.id,
            family=question.family,
            variant=question.variant,
            keyed=letters(verdict.keyed),
            derived=letters(verdict.derived),
            before=_before(question, previous),
            now=verdict.outcome,
        )
        for (question, _), verdict in zip(jobs, verdicts, strict=True)
        if not verdict.holds
    )
    held = tuple(verdict.item_id for verdict in verdicts if verdict.holds)
    return KeyReport(version, held, broken, tuple(unverified))


@transaction.atomic
def key_checks_record(*, verdicts: list[KeyVerdict], version: str) -> None:
    """One KeyCheck per item for this SDK version (replacing an earlier check on it)."""
    now = timezone.now()
    for verdict in verdicts:
        KeyCheck.objects.update_or_create(
            question_id=verdict.item_id,
            sdk_version=version,
            defaults={
                "holds": verdict.holds,
                "keyed": letters(verdict.keyed),
                "derived": letters(verdict.derived),
                "outcome": verdict.outcome,
                "checked_at": now,
            },
        )
