"""After a certification exam that did not pass, the next attempt opens after the quiz's
cooldown (24 hours by default): a start before then is refused with a message saying when, and
creates nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from questions import services
from questions.models import Answer, Attempt, Question, Quiz
from tests.factories import ExamQuizFactory, questions_across_categories

pytestmark = pytest.mark.django_db


def sit(user: User, quiz: Quiz, *, right: bool, at: datetime) -> Attempt:
    attempt, created = services.attempt_start(user=user, quiz=quiz, now=at)
    assert created
    for row in attempt.answers.all():
        chosen = [c["id"] for c in row.choices if c["correct"] is right][:1]
        services.answer_submit(
            user=user,
            attempt_id=attempt.pk,
            question_id=row.question_id,
            choice_ids=chosen,
            now=at + timedelta(minutes=1),
        )
    finished, _ = services.attempt_submit(
        user=user, attempt_id=attempt.pk, now=at + timedelta(minutes=2)
    )
    return finished


@pytest.fixture
def exam() -> Quiz:
    questions_across_categories(10, pool=Question.Pool.EXAM)
    return ExamQuizFactory.create()


def test_a_new_exam_waits_24_hours_by_default(exam: Quiz) -> None:
    assert exam.retake_cooldown == timedelta(hours=24)


def test_a_start_inside_the_cooldown_is_refused_saying_when_and_creates_nothing(
    learner: User, exam: Quiz
) -> None:
    at = timezone.now() - timedelta(hours=3)
    failed = sit(learner, exam, right=False, at=at)
    assert failed.passed is False
    attempts, answers = Attempt.objects.count(), Answer.objects.count()
    with pytest.raises(services.RetakeTooSoon) as refused:
        services.attempt_start(user=learner, quiz=exam)
    assert failed.submitted_at is not None
    opens_at = failed.submitted_at + timedelta(hours=24)
    assert refused.value.opens_at == opens_at
    message = str(refused.value)
    assert f"opens on {opens_at:%A} {opens_at.day} {opens_at:%B at %H:%M} UTC" in message
    assert "(in 21 h 0" in message
    assert "the next one opens 24 hours later" in message
    assert (Attempt.objects.count(), Answer.objects.count()) == (attempts, answers)


def test_the_next_attempt_opens_once_the_cooldown_has_passed(learner: User, exam: Quiz) -> None:
    at = timezone.now() - timedelta(days=2)
    sit(learner, exam, right=False, at=at)
    assert services.exam_opens_at(user=learner, quiz=exam) is None
    _, created = services.attempt_start(user=learner, quiz=exam)
    assert created


def test_a_passed_exam_and_an_exam_without_cooldown_wait_for_nothing(
    learner: User, exam: Quiz
) -> None:
    sit(learner, exam, right=True, at=timezone.now() - timedelta(minutes=5))
    _, created = services.attempt_start(user=learner, quiz=exam, now=timezone.now())
    assert created
    other = ExamQuizFactory.create(retake_cooldown=None)
    sit(learner, other, right=False, at=timezone.now() - timedelta(minutes=5))
    _, created = services.attempt_start(user=learner, quiz=other)
    assert created


def test_the_cooldown_is_the_quizs_setting(learner: User, exam: Quiz) -> None:
    exam.retake_cooldown = timedelta(hours=2)
    exam.save()
    sit(learner, exam, right=False, at=timezone.now() - timedelta(hours=1))
    with pytest.raises(services.RetakeTooSoon, match="opens 2 hours later"):
        services.attempt_start(user=learner, quiz=exam)


def test_the_pages_say_when_the_next_attempt_opens(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    failed = sit(learner, exam, right=False, at=timezone.now() - timedelta(hours=1))
    start = learner_client.post(reverse("questions:quiz_start", args=[exam.slug]), follow=True)
    body = start.content.decode()
    assert start.redirect_chain[-1][0] == reverse("questions:quiz_list")
    assert "Your next attempt at" in body
    assert "opens on" in body
    # The quiz list offers no Start button for the exam meanwhile.
    assert "Next attempt</span> opens on" in body
    assert f'action="{reverse("questions:quiz_start", args=[exam.slug])}"' not in body
    results = learner_client.get(reverse("questions:attempt_results", args=[failed.pk]))
    assert "Your next attempt opens on" in results.content.decode()
    assert Attempt.objects.filter(quiz=exam).count() == 1
