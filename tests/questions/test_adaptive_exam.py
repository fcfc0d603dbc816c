"""Adaptive certification: the engine chooses each question from the exam pool within the
blueprint's cells, answers are final once the next question is chosen, and the exam certifies by
its issuing rule (posterior probability of readiness, minimum answers per category)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from questions import services
from questions.adaptive import selection
from questions.models import AdaptiveOutcome, Attempt, Question, Quiz
from questions.services.attempts import adaptive_exam_passed
from tests.factories import ExamQuizFactory, QuizFactory
from tests.questions.test_exam_forms import exam_pool

pytestmark = pytest.mark.django_db


def adaptive_exam(**fields: object) -> Quiz:
    return ExamQuizFactory.create(
        adaptive=True, pretest_per_form=0, **({"ready_probability": 0.9} | fields)
    )


def sit(user: User, quiz: Quiz, *, right: bool) -> Attempt:
    attempt, _ = services.attempt_start(user=user, quiz=quiz)
    while True:
        row = attempt.answers.filter(answered_at__isnull=True).order_by("position").first()
        if row is None:
            break
        chosen = [c["id"] for c in row.choices if c["correct"] is right][:1]
        services.answer_submit(
            user=user, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=chosen
        )
    finished, _ = services.attempt_submit(user=user, attempt_id=attempt.pk)
    return finished


def test_an_able_learner_is_certified_once_the_engine_is_sure(learner: User) -> None:
    exam_pool(6)
    quiz = adaptive_exam()
    finished = sit(learner, quiz, right=True)
    outcome = AdaptiveOutcome.objects.get(attempt=finished)
    assert finished.passed is True
    assert outcome.p_ready >= 0.9
    assert all(row["answered"] >= 4 for row in outcome.categories)
    served = list(
        finished.answers.values_list("question__pool", "category_slug", "question__level")
    )
    assert {pool for pool, _, _ in served} == {Question.Pool.EXAM}
    # It stops before the form's length only when very sure, and no cell past its blueprint
    # share.
    assert outcome.p_ready >= selection.EXAM_STOP_READY or len(served) == quiz.form_length
    caps = quiz.form_cells()
    assert all(n <= caps[cell] for cell, n in Counter((c, lv) for _, c, lv in served).items())


def test_a_learner_who_misses_everything_is_not_certified(learner: User) -> None:
    exam_pool(6)
    finished = sit(learner, adaptive_exam(), right=False)
    assert finished.passed is False
    assert AdaptiveOutcome.objects.get(attempt=finished).verdict == "not_yet"


def test_an_answer_is_final_once_the_next_question_is_chosen(learner: User) -> None:
    exam_pool(6)
    attempt, _ = services.attempt_start(user=learner, quiz=adaptive_exam())
    first = attempt.answers.get(position=1)
    right = [c["id"] for c in first.choices if c["correct"]]
    wrong = [c["id"] for c in first.choices if not c["correct"]][:1]
    outcome = services.answer_submit(
        user=learner, attempt_id=attempt.pk, question_id=first.question_id, choice_ids=right
    )
    assert outcome.served_next is not None
    with pytest.raises(services.AnswerRejected, match="final once the next question"):
        services.answer_submit(
            user=learner, attempt_id=attempt.pk, question_id=first.question_id, choice_ids=wrong
        )


def test_the_issuing_rule_asks_the_probability_and_the_coverage() -> None:
    quiz = Quiz(mode=Quiz.Mode.CERTIFICATION, adaptive=True, ready_probability=0.9)
    quiz.min_per_category = 3
    rows = [{"category": "basics", "answered": 3}, {"category": "production", "answered": 3}]
    sure = AdaptiveOutcome(p_ready=0.93, categories=rows)
    assert adaptive_exam_passed(quiz, sure)
    assert not adaptive_exam_passed(quiz, AdaptiveOutcome(p_ready=0.85, categories=rows))
    thin = [{"category": "basics", "answered": 2}, {"category": "production", "answered": 9}]
    assert not adaptive_exam_passed(quiz, AdaptiveOutcome(p_ready=0.99, categories=thin))
    assert not adaptive_exam_passed(quiz, None)


def test_only_an_exam_is_adaptive_and_it_asks_no_pretest_items() -> None:
    with pytest.raises(ValidationError, match="Only a certification exam can be adaptive"):
        QuizFactory.build(adaptive=True).full_clean(exclude=["slug"])
    with pytest.raises(ValidationError, match="asks no pretest items"):
        ExamQuizFactory.build(adaptive=True).full_clean(exclude=["slug"])
    assert adaptive_exam().delivery == "adaptive"
    assert ExamQuizFactory.create().delivery == "fixed-form"
