"""A simulated cohort (`bench.cohort`) written into the database as finished attempts of a quiz,
so that the item analysis reads it exactly as it reads real learners' answers."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from bench.cohort import CohortItem, SimAttempt
from questions import scoring
from questions.models import Answer, Attempt, Question, Quiz
from questions.services import question_snapshot


def cohort_items(questions: Sequence[Question]) -> list[CohortItem]:
    """The questions as the simulator's items: their parameters in use, their keyed option."""
    items = []
    for question in questions:
        choices = list(question.choices.all())
        keyed = tuple(k for k, choice in enumerate(choices) if choice.is_correct) or (0,)
        items.append(
            CohortItem(
                question.id,
                question.discrimination,
                question.difficulty,
                question.guessing,
                len(choices),
                keyed,
            )
        )
    return items


@transaction.atomic
def cohort_record(
    *,
    quiz: Quiz,
    questions: Sequence[Question],
    attempts: Sequence[SimAttempt],
    tag: str,
    start: datetime,
    spacing: timedelta,
    forms: Sequence[dict[str, Any]] | None = None,
) -> int:
    """One learner (user `cohort-<tag>-<n>`) and one finished attempt per simulated attempt,
    started `spacing` apart from `start`; how many answers were written."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"cohort-{tag}-{a.learner}", password="!") for a in attempts
    )
    snapshots = {q.id: question_snapshot(q, seed=0, shuffle=False) for q in questions}
    choices = {q.id: [choice.pk for choice in q.choices.all()] for q in questions}
    rows: list[Attempt] = []
    answers: list[Answer] = []
    for n, (user, simulated) in enumerate(zip(users, attempts, strict=True)):
        started = start + n * spacing
        attempt = _attempt(quiz, user, simulated, questions, started)
        attempt.form = forms[n] if forms is not None else None
        rows.append(attempt)
        clock = started
        for position, answer in enumerate(simulated.answers, start=1):
            question = questions[answer.item]
            clock += timedelta(seconds=answer.seconds)
            answers.append(
                Answer(
                    attempt=attempt,
                    question=question,
                    position=position,
                    category_slug=question.category_slug,
                    question_version=question.version,
                    snapshot=snapshots[question.id],
                    chosen=[choices[question.id][k] for k in answer.chosen],
                    correct=answer.correct,
                    scored=not question.pretest,
                    answered_at=clock,
                )
            )
        attempt.submitted_at = clock
    Attempt.objects.bulk_create(rows)
    Answer.objects.bulk_create(answers, batch_size=2000)
    return len(answers)


def _attempt(
    quiz: Quiz,
    user: Any,
    simulated: SimAttempt,
    questions: Sequence[Question],
    started: datetime,
) -> Attempt:
    results = [
        scoring.ItemResult(questions[a.item].category_slug, a.correct)
        for a in simulated.answers
        if not questions[a.item].pretest
    ]
    card = scoring.score(results)
    thresholds = scoring.Thresholds(quiz.overall_threshold, quiz.category_threshold)
    return Attempt(
        user=user,
        quiz=quiz,
        status=Attempt.Status.SUBMITTED,
        started_at=started,
        seed=secrets.randbelow(2**31),
        correct_count=card.overall.correct,
        question_count=card.overall.total,
        score=card.overall.percent,
        category_scores={name: s.as_dict() for name, s in card.categories.items()},
        passed=scoring.readiness(card, thresholds).ready,
    )
