"""A GET never changes state: every page a learner opens, with an exam past its deadline among
their attempts, leaves every row of every table as it was. Finalizing is the finishing path's
(submit) and the expiry sweep's (the task worker)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certify.models import Certificate
from lessons.catalog import LESSONS
from questions import services
from questions.models import Attempt, Question, Quiz
from tests.certify import exams
from tests.factories import ExamQuizFactory, QuizFactory, questions_across_categories

pytestmark = pytest.mark.django_db

Snapshot = dict[str, list[tuple[object, ...]]]


def snapshot() -> Snapshot:
    """Every row of every table in the database, in a stable order."""
    rows: Snapshot = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # names from the schema
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def attempt_pages(attempt: Attempt) -> list[str]:
    pk = attempt.pk
    return [
        reverse("questions:attempt_resume", args=[pk]),
        reverse("questions:attempt_question", args=[pk, 1]),
        reverse("questions:attempt_summary", args=[pk]),
        reverse("questions:attempt_results", args=[pk]),
    ]


@pytest.fixture
def overdue(learner: User, exam: Quiz) -> Attempt:
    """A passing exam whose deadline passed a minute ago, not submitted and not swept yet."""
    start = timezone.now() - timedelta(minutes=61)
    attempt, _ = services.attempt_start(user=learner, quiz=exam, now=start)
    exams.answer_all(learner, attempt, now=start + timedelta(minutes=1))
    return attempt


def test_every_learner_page_writes_nothing(
    learner_client: Client, learner: User, exam: Quiz, overdue: Attempt
) -> None:
    questions_across_categories(5, pool=Question.Pool.PRACTICE)  # for the practice quizzes
    drill = QuizFactory.create(title="Drill", slug="drill", mode=Quiz.Mode.DRILL)
    finished = exams.take_exam(learner, drill)
    in_progress, _ = services.attempt_start(
        user=learner, quiz=QuizFactory.create(title="Level", slug="level")
    )
    earlier = exams.take_exam(learner, ExamQuizFactory.create(slug="old"))
    certificate = Certificate.objects.get(attempt=earlier)
    pages = [
        "/",
        "/dashboard/",
        "/quizzes/",
        "/accounts/me/",
        "/lessons/",
        *[f"/lessons/{lesson.slug}/" for lesson in LESSONS],
        *attempt_pages(overdue),
        *attempt_pages(in_progress),
        *attempt_pages(finished),
        certificate.get_absolute_url(),
        reverse("certificate_print", args=[certificate.code]),
        *[
            f"{certificate.get_absolute_url()}{name}"
            for name in ("credential.json", "credential.jwt", "badge.png", "badge.svg")
        ],
    ]
    before = snapshot()

    statuses = {page: learner_client.get(page).status_code for page in pages}

    assert set(statuses.values()) <= {200, 302}, statuses
    assert snapshot() == before
    overdue.refresh_from_db()
    assert overdue.status == Attempt.Status.IN_PROGRESS


def test_pages_show_an_overdue_exam_as_over(learner_client: Client, overdue: Attempt) -> None:
    question = learner_client.get(reverse("questions:attempt_question", args=[overdue.pk, 1]))
    results = learner_client.get(question["Location"]).content.decode()
    quizzes = learner_client.get("/quizzes/").content.decode()
    dashboard = learner_client.get("/dashboard/").content.decode()

    assert question["Location"] == reverse("questions:attempt_results", args=[overdue.pk])
    assert "Time ran out at" in results
    assert "You saved <strong>10 of 10</strong> answers" in results
    assert "Score my answers now" in results
    assert "Time is up" in quizzes
    assert "Resume" not in quizzes
    assert "Time ran out on <strong>Certification exam</strong>" in dashboard


def test_an_answer_after_the_deadline_is_refused_and_nothing_is_written(
    learner_client: Client, overdue: Attempt
) -> None:
    row = overdue.answers.order_by("position").first()
    assert row is not None
    services_before = snapshot()

    response = learner_client.post(
        reverse("questions:attempt_question", args=[overdue.pk, 1]),
        {"question": row.question_id, "choice": [row.choices[0]["id"]]},
    )

    assert response["Location"] == reverse("questions:attempt_results", args=[overdue.pk])
    assert snapshot() == services_before


def test_scoring_it_now_is_the_finishing_path_and_issues_the_certificate(
    learner_client: Client, overdue: Attempt
) -> None:
    response = learner_client.post(reverse("questions:attempt_submit", args=[overdue.pk]))

    overdue.refresh_from_db()
    assert response["Location"] == reverse("questions:attempt_results", args=[overdue.pk])
    assert overdue.status == Attempt.Status.EXPIRED
    assert overdue.submitted_at == overdue.deadline
    assert Certificate.objects.get().attempt_id == overdue.pk
