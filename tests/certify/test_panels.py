"""The exam's score report on its results page (certify.panels through QUESTIONS_EXAM_REPORT)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from certify.models import Certificate
from questions.models import Category, Question, Quiz
from tests.certify.conftest import TakeExam
from tests.factories import CategoryFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

# Session, user, the attempt with its quiz, the report's answers, the practice items of its weak
# objectives, its certificate.
RESULTS_QUERIES = 6


def results(client: Client, attempt_id: int) -> str:
    return client.get(reverse("questions:attempt_results", args=[attempt_id])).content.decode()


def test_the_score_report_says_which_objectives_are_weak_and_what_to_study(
    learner: User, learner_client: Client, bank: list[Question], exam: Quiz, take_exam: TakeExam
) -> None:
    Question.objects.filter(pk=bank[1].pk).update(objective="raw-events")
    practice = QuestionFactory.create(
        category=CategoryFactory.create(slug="raw-events"),
        objective="raw-events",
        topic="Text deltas",
    )
    attempt = take_exam(learner, exam, wrong={bank[1].id})

    html = results(learner_client, attempt.pk)

    assert "Score report" in html
    assert 'data-objective="raw-events"' in html
    assert "0 of 1" in html
    assert "✗ Weak" in html
    assert "✓ Strong" in html
    assert "Text deltas" in html  # the practice item to study
    assert f'href="/lessons/{practice.demo_lesson}/?preset={practice.demo_preset}"' in html
    assert 'href="/lessons/raw-response-events/"' in html
    assert "Practise the objectives you missed" in html
    for question in bank:
        assert question.id not in html
        assert question.prompt not in html
        assert question.explanation not in html
    assert "Right: it does." not in html  # no rationale


def test_a_passed_exam_links_its_certificate(
    learner: User, learner_client: Client, exam: Quiz, take_exam: TakeExam
) -> None:
    attempt = take_exam(learner, exam)
    certificate = Certificate.objects.get(attempt=attempt)

    html = results(learner_client, attempt.pk)

    assert "Ready: certification thresholds met" in html
    assert f'href="/certificates/{certificate.code}/"' in html
    assert "What to study" not in html


def test_the_results_page_costs_the_same_however_long_the_form(
    learner: User,
    learner_client: Client,
    bank: list[Question],
    exam: Quiz,
    take_exam: TakeExam,
    django_assert_num_queries,
) -> None:
    Question.objects.filter(pk=bank[0].pk).update(objective="observability")
    small = take_exam(learner, exam, wrong={bank[0].id})
    with django_assert_num_queries(RESULTS_QUERIES):
        results(learner_client, small.pk)

    categories = [CategoryFactory.create(slug=slug) for slug in Category.Slug.values]
    for n in range(40):
        # Eight more per category: the blueprint's ten per category in all.
        QuestionFactory.create(
            pool=Question.Pool.EXAM,
            category=categories[n % 5],
            objective=("raw-events", "event-types")[n % 2],
        )
        QuestionFactory.create(objective=("raw-events", "event-types")[n % 2])
    other = UserFactory.create()
    # Two of basics' ten wrong: 80%, below the bar (no certificate, as the first).
    larger = take_exam(other, exam, wrong={bank[0].id, bank[5].id})
    assert larger.question_count == 50
    learner_client.force_login(other)
    with django_assert_num_queries(RESULTS_QUERIES):
        html = results(learner_client, larger.pk)
    assert "What to study" in html
