"""Pretest items on exam forms: up to the quiz's number per form, unscored, not marked, never
revealed, those with the fewest answers first, the enemy rule held with the form."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from questions import services
from questions.models import Attempt, Category, Question
from tests.factories import CategoryFactory, ExamQuizFactory, QuestionFactory, UserFactory
from tests.questions.test_exam_forms import exam_pool

pytestmark = pytest.mark.django_db


def pretest_items(count: int, **fields: object) -> list[Question]:
    basics = CategoryFactory.create(slug=Category.Slug.BASICS)
    return [
        QuestionFactory.create(
            id=f"basics-pre-{n:02d}",
            category=basics,
            pool=Question.Pool.EXAM,
            pretest=True,
            prompt=f"PRETEST-PROMPT {n}",
            explanation=f"PRETEST-EXPLANATION {n}",
            **fields,
        )
        for n in range(count)
    ]


def sit(user: User, attempt: Attempt, *, pretest_right: bool) -> Attempt:
    for row in attempt.answers.all():
        right = pretest_right if not row.scored else True
        chosen = [c["id"] for c in row.choices if c["correct"] is right][:1]
        services.answer_submit(
            user=user, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=chosen
        )
    finished, _ = services.attempt_submit(user=user, attempt_id=attempt.pk)
    return finished


def test_a_form_carries_up_to_five_unscored_pretest_items(learner: User) -> None:
    exam_pool(6)
    pretest_items(8)
    attempt, _ = services.attempt_start(user=learner, quiz=ExamQuizFactory.create())
    unscored = attempt.answers.filter(scored=False)
    assert unscored.count() == 5
    assert set(unscored.values_list("question__pretest", flat=True)) == {True}
    assert attempt.answers.filter(scored=True, question__pretest=True).count() == 0
    assert attempt.form is not None
    assert attempt.form["pretest"] == 5
    assert attempt.answers.count() == 55


def test_pretest_answers_never_count(learner: User) -> None:
    exam_pool(6)
    pretest_items(5)
    attempt, _ = services.attempt_start(user=learner, quiz=ExamQuizFactory.create())
    finished = sit(learner, attempt, pretest_right=False)
    assert (finished.correct_count, finished.question_count) == (50, 50)
    assert finished.passed is True


def test_pretest_items_are_never_revealed(learner: User, learner_client: Client) -> None:
    exam_pool(6)
    pretest_items(5)
    quiz = ExamQuizFactory.create()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    pages = [
        learner_client.get(reverse("questions:attempt_question", args=[attempt.pk, position]))
        for position in range(1, 56)
    ]
    for page in pages:
        body = page.content.decode()
        assert "PRETEST-EXPLANATION" not in body
        assert "unscored" not in body.lower()
    finished = sit(learner, attempt, pretest_right=False)
    results = learner_client.get(reverse("questions:attempt_results", args=[finished.pk]))
    assert "PRETEST" not in results.content.decode()


def test_the_enemy_rule_holds_between_a_forms_pretest_items(
    learner: User,
) -> None:
    exam_pool(6)
    family = pretest_items(4, family="fresh-family", variant="v")
    attempt, _ = services.attempt_start(user=learner, quiz=ExamQuizFactory.create())
    asked = Counter(attempt.answers.filter(scored=False).values_list("question__family", flat=True))
    # Four variants of one new family: the form takes two.
    assert asked == {"fresh-family": 2}
    assert {q.id for q in family} >= set(
        attempt.answers.filter(scored=False).values_list("question_id", flat=True)
    )


def test_a_quiz_can_ask_no_pretest_items(learner: User) -> None:
    exam_pool(6)
    pretest_items(5)
    quiz = ExamQuizFactory.create(pretest_per_form=0)
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    assert not attempt.answers.filter(scored=False).exists()


def test_the_pretest_items_asked_least_go_on_the_next_form_first(learner: User) -> None:
    exam_pool(6)
    pretest_items(6)
    quiz = ExamQuizFactory.create()
    first, _ = services.attempt_start(user=learner, quiz=quiz)
    asked_first = set(first.answers.filter(scored=False).values_list("question_id", flat=True))
    left_out = {f"basics-pre-{n:02d}" for n in range(6)} - asked_first
    assert len(left_out) == 1
    second, _ = services.attempt_start(user=UserFactory.create(), quiz=quiz)
    asked_second = set(second.answers.filter(scored=False).values_list("question_id", flat=True))
    assert left_out <= asked_second
