"""Fixtures for the learner's journey: a bank across the five categories and finished exams."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from questions import services
from questions.models import Attempt, Question, Quiz
from tests.factories import QuizFactory, questions_across_categories

TakeExam = Callable[..., Attempt]


@pytest.fixture
def bank(db) -> list[Question]:
    """Ten active questions, two per category (basics, raw-events, run-items, ...)."""
    return questions_across_categories(10)


@pytest.fixture
def exam(bank: list[Question]) -> Quiz:
    return QuizFactory(
        title="Certification exam",
        slug="certification-exam",
        mode=Quiz.Mode.CERTIFICATION,
        time_limit=timedelta(minutes=60),
    )


def answer_all(
    user: AbstractUser,
    attempt: Attempt,
    *,
    wrong: Collection[str] = (),
    skip: Collection[str] = (),
    now: datetime | None = None,
) -> None:
    """Answer every question of an open attempt: right unless its id is in `wrong`."""
    for row in attempt.answers.order_by("position"):
        if row.question_id in skip:
            continue
        key = row.question_id not in wrong
        chosen = [c["id"] for c in row.choices if c["correct"] is key][:1 if not key else None]
        services.answer_submit(
            user=user,
            attempt_id=attempt.pk,
            question_id=row.question_id,
            choice_ids=chosen,
            now=now,
        )


@pytest.fixture
def take_exam() -> TakeExam:
    """take_exam(user, quiz, wrong={"raw-events-11"}, at=datetime) -> the submitted attempt."""

    def take(
        user: AbstractUser,
        quiz: Quiz,
        *,
        wrong: Collection[str] = (),
        at: datetime | None = None,
    ) -> Attempt:
        start = at or timezone.now()
        attempt, _ = services.attempt_start(user=user, quiz=quiz, now=start)
        answer_all(user, attempt, wrong=wrong, now=start + timedelta(minutes=1))
        finished, _ = services.attempt_submit(
            user=user, attempt_id=attempt.pk, now=start + timedelta(minutes=2)
        )
        return finished

    return take
