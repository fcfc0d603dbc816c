"""Plain helpers to build a bank and take exams (the fixtures in conftest.py wrap them)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from questions import services
from questions.models import Attempt, Quiz
from tests.factories import ExamQuizFactory


def exam_quiz() -> Quiz:
    """The certification exam over the exam pool, 60 minutes, unshuffled."""
    return ExamQuizFactory.create(
        title="Certification exam",
        slug="certification-exam",
        time_limit=timedelta(minutes=60),
    )


def answer_all(
    user: User,
    attempt: Attempt,
    *,
    wrong: Collection[str] = (),
    now: datetime | None = None,
) -> None:
    """Answer every question of an open attempt: right unless its id is in `wrong`."""
    for row in attempt.answers.order_by("position"):
        right = row.question_id not in wrong
        chosen = [c["id"] for c in row.choices if c["correct"] is right]
        services.answer_submit(
            user=user,
            attempt_id=attempt.pk,
            question_id=row.question_id,
            choice_ids=chosen if right else chosen[:1],
            now=now,
        )


def take_exam(
    user: User,
    quiz: Quiz,
    *,
    wrong: Collection[str] = (),
    at: datetime | None = None,
) -> Attempt:
    """Start, answer (right unless in `wrong`) and submit; returns the finished attempt."""
    start = at or timezone.now()
    attempt, _ = services.attempt_start(user=user, quiz=quiz, now=start)
    answer_all(user, attempt, wrong=wrong, now=start + timedelta(minutes=1))
    finished, _ = services.attempt_submit(
        user=user, attempt_id=attempt.pk, now=start + timedelta(minutes=2)
    )
    return finished
