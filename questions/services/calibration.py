"""Refitting the bank's item parameters from real answers (calibrate_items)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from questions.adaptive import ItemFit, ItemSpec, calibrate
from questions.models import (
    BankParameters,
    ItemCalibration,
    Question,
)
from questions.services.adaptive import bank_items, calibration_responses


class CalibrationRefused(Exception):
    """Too little data, or the bank changed meanwhile: nothing was written."""


@dataclass(frozen=True)
class CalibrationRun:
    before: tuple[ItemSpec, ...]  # the active questions' parameters before, in bank order
    fits: tuple[ItemFit, ...]  # the same questions after (unchanged unless refitted)
    attempts: int
    answers: int
    version: int | None  # the new bank parameter version; None for a dry run
    # Pretest items whose parameters are now known within the set precision: they count from
    # now on (or would, on a dry run).
    left_pretest: tuple[str, ...] = ()

    @property
    def refitted(self) -> int:
        return sum(fit.refitted for fit in self.fits)


def pretest_max_error() -> float:
    """The precision a pretest item's discrimination and difficulty need (one standard error)."""
    return float(getattr(settings, "QUESTIONS_PRETEST_MAX_ERROR", 0.3))


def _leaving_pretest(fits: tuple[ItemFit, ...]) -> tuple[str, ...]:
    pretest = set(Question.objects.in_pretest().values_list("id", flat=True))
    limit = pretest_max_error()
    return tuple(fit.item.id for fit in fits if fit.item.id in pretest and fit.precise(limit))


def item_parameters_calibrate(
    *, min_answers: int, dry_run: bool = False, now: datetime | None = None
) -> CalibrationRun:
    """Refit the active questions' 3PL parameters from the answers of finished attempts.

    Only questions with at least `min_answers` answers get new parameters (the fit's priors keep
    them near their current values when the data say little); the others are left as they are.
    Records a new `BankParameters` version with every question's before and after. Refuses, with
    nothing written, when no question has enough answers or the bank changed during the fit.
    """
    items = bank_items()
    attempts = calibration_responses()
    # The fit takes seconds on a large history: it runs before, not inside, the transaction.
    fits = calibrate(items, attempts, min_answers=min_answers)
    _check_enough_data(fits, min_answers)
    answers = sum(fit.answers for fit in fits)
    run = CalibrationRun(
        items,
        fits,
        attempts=len(attempts),
        answers=answers,
        version=None,
        left_pretest=_leaving_pretest(fits),
    )
    if dry_run:
        return run
    with transaction.atomic():
        locked = _locked_unchanged(items)
        parameters = _version_record(run, min_answers=min_answers, now=now or timezone.now())
        _fits_apply(locked, fits)
        Question.objects.filter(id__in=run.left_pretest, pretest=True).update(
            pretest=False, updated_at=timezone.now()
        )
    return replace(run, version=parameters.version)


def _check_enough_data(fits: tuple[ItemFit, ...], min_answers: int) -> None:
    if not any(fit.refitted for fit in fits):
        most = max((fit.answers for fit in fits), default=0)
        raise CalibrationRefused(
            f"Too little data: no active question has {min_answers} answers in finished attempts "
            f"yet (the most answered has {most}). Nothing was changed."
        )


def _locked_unchanged(items: tuple[ItemSpec, ...]) -> dict[str, Question]:
    """The fitted questions, row-locked; refused when any changed (or went) during the fit."""
    locked = {
        question.id: question
        for question in Question.objects.select_for_update(of=("self",)).filter(
            id__in=[item.id for item in items]
        )
    }
    if any(not _same_parameters(locked.get(item.id), item) for item in items):
        raise CalibrationRefused(
            "The bank changed while the parameters were being fitted. Nothing was changed; "
            "run the calibration again."
        )
    return locked


def _same_parameters(question: Question | None, item: ItemSpec) -> bool:
    return question is not None and (
        question.discrimination,
        question.difficulty,
        question.guessing,
    ) == (item.discrimination, item.difficulty, item.guessing)


def _version_record(run: CalibrationRun, *, min_answers: int, now: datetime) -> BankParameters:
    """The new bank parameter version, with every question's parameters before and after."""
    parameters = BankParameters.objects.create(
        version=BankParameters.objects.current_version() + 1,
        created_at=now,
        min_answers=min_answers,
        attempts=run.attempts,
        answers=run.answers,
        refitted=run.refitted,
    )
    leaving = set(run.left_pretest)
    ItemCalibration.objects.bulk_create(
        ItemCalibration(
            parameters=parameters,
            question_id=old.id,
            answers=fit.answers,
            refitted=fit.refitted,
            discrimination_before=old.discrimination,
            difficulty_before=old.difficulty,
            guessing_before=old.guessing,
            discrimination_after=fit.item.discrimination,
            difficulty_after=fit.item.difficulty,
            guessing_after=fit.item.guessing,
            source=fit.source,
            discrimination_error=_finite(fit.errors[0]) if fit.errors else None,
            difficulty_error=_finite(fit.errors[1]) if fit.errors else None,
            left_pretest=old.id in leaving,
        )
        for old, fit in zip(run.before, run.fits, strict=True)
    )
    return parameters


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _fits_apply(locked: dict[str, Question], fits: tuple[ItemFit, ...]) -> None:
    changed = []
    for fit in fits:
        if fit.refitted:
            question = locked[fit.item.id]
            question.discrimination = fit.item.discrimination
            question.difficulty = fit.item.difficulty
            question.guessing = fit.item.guessing
            changed.append(question)
    Question.objects.bulk_update(changed, ["discrimination", "difficulty", "guessing"])
