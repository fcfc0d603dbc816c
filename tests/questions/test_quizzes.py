"""Quiz, Attempt and Answer: the invariants the database holds, the default quizzes, the expire
command and the admin (adaptive practice's selection: test_adaptive_practice.py)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from questions import services
from questions.models import Answer, Attempt, Category, Quiz, active_question_counts
from questions.templatetags.quizzes import clock, duration, percent, points
from tests.factories import (
    CategoryFactory,
    QuestionFactory,
    QuizFactory,
    StaffFactory,
    UserFactory,
    questions_across_categories,
)

# Database invariants -----------------------------------------------------------------------


def violates(constraint: str):
    return pytest.raises(IntegrityError, match=constraint)


@pytest.mark.django_db
def test_one_open_attempt_per_user_and_quiz(learner: User) -> None:
    quiz = QuizFactory.create()
    Attempt.objects.create(user=learner, quiz=quiz)
    with violates("attempt_one_open_per_user_and_quiz|UNIQUE"), transaction.atomic():
        Attempt.objects.create(user=learner, quiz=quiz)
    # Finished attempts do not count: any number of those.
    Attempt.objects.filter(user=learner).update(
        status=Attempt.Status.SUBMITTED,
        submitted_at=timezone.now() + timedelta(seconds=1),
        **SCORED,
    )
    Attempt.objects.create(user=learner, quiz=quiz)
    Attempt.objects.create(user=UserFactory.create(), quiz=quiz)
    assert Attempt.objects.open().count() == 2


SCORED = {"correct_count": 0, "question_count": 0, "score": 0, "passed": False}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"deadline_offset": timedelta(0)}, "attempt_deadline_after_start"),
        ({"status": "submitted", **SCORED}, "attempt_submitted_at_iff_finished"),
        ({"submitted_offset": timedelta(minutes=1)}, "attempt_submitted_at_iff_finished"),
        (
            {"status": "expired", "submitted_offset": timedelta(minutes=1), **SCORED},
            "attempt_only_timed_attempts_expire",
        ),
        (
            {"status": "submitted", "submitted_offset": timedelta(minutes=1)},
            "attempt_finished_has_scores",
        ),
    ],
)
def test_attempt_check_constraints(
    learner: User, fields: dict[str, object], constraint: str
) -> None:
    now = timezone.now()
    values: dict[str, object] = {"user": learner, "quiz": QuizFactory.create(), "started_at": now}
    for offset, field in (("deadline_offset", "deadline"), ("submitted_offset", "submitted_at")):
        if offset in fields:
            delta = fields.pop(offset)
            assert isinstance(delta, timedelta)
            values[field] = now + delta
    values.update(fields)
    with violates(constraint):
        Attempt.objects.create(**values)


@pytest.mark.django_db
def test_correct_count_cannot_exceed_the_question_count(learner: User) -> None:
    quiz = QuizFactory.create()
    with violates("attempt_correct_at_most_total"), transaction.atomic():
        Attempt.objects.create(user=learner, quiz=quiz, correct_count=3, question_count=2)
    with violates("attempt_correct_at_most_total"), transaction.atomic():
        Attempt.objects.create(user=learner, quiz=quiz, correct_count=1)


@pytest.mark.django_db
def test_answer_invariants(learner: User) -> None:
    questions_across_categories(2)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    first = attempt.answers.get(position=1)
    second = attempt.answers.get(position=2)

    def copy(**changes: object) -> None:
        values = {
            "attempt": attempt,
            "question_id": first.question_id,
            "position": 3,
            "category_slug": first.category_slug,
            "snapshot": first.snapshot,
        }
        values.update(changes)
        with transaction.atomic():
            Answer.objects.create(**values)

    with violates("answer_one_per_attempt_and_question|UNIQUE"):
        copy()
    with violates("answer_position_unique_per_attempt|UNIQUE"):
        copy(question_id=QuestionFactory.create().id, position=second.position)
    with violates("answer_position_from_1"):
        copy(question_id=QuestionFactory.create().id, position=0)
    with violates("answer_correct_iff_answered"), transaction.atomic():
        Answer.objects.filter(pk=first.pk).update(correct=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"scope": "level"}, "quiz_level_set_iff_level_scope"),
        ({"level": "beginner"}, "quiz_level_set_iff_level_scope"),
        ({"scope": "category"}, "quiz_category_set_iff_category_scope"),
        ({"time_limit": timedelta(0)}, "quiz_time_limit_positive"),
        ({"question_limit": 0}, "quiz_question_limit_positive"),
        ({"overall_threshold": 101}, "quiz_thresholds_are_percentages"),
    ],
)
def test_quiz_check_constraints(fields: dict[str, object], constraint: str) -> None:
    with violates(constraint):
        QuizFactory.create(**fields)


@pytest.mark.django_db
def test_quiz_clean_explains_a_mismatched_scope() -> None:
    quiz = QuizFactory.build(scope=Quiz.Scope.CATEGORY)
    with pytest.raises(ValidationError, match="Choose the category"):
        quiz.clean()
    quiz = QuizFactory.build(scope=Quiz.Scope.ALL, level="advanced")
    with pytest.raises(ValidationError, match="Only a one-level quiz"):
        quiz.clean()


@pytest.mark.django_db
def test_thresholds_default_from_settings(settings) -> None:
    settings.CERTIFY_OVERALL_THRESHOLD = 80
    settings.CERTIFY_CATEGORY_THRESHOLD = 70
    quiz = Quiz.objects.create(
        title="T", slug="t", mode=Quiz.Mode.LEVEL, scope="level", level="beginner"
    )
    assert (quiz.overall_threshold, quiz.category_threshold) == (80, 70)


@pytest.mark.django_db
def test_question_count_per_scope_from_one_query(django_assert_num_queries) -> None:
    questions_across_categories(10)
    QuestionFactory.create(category=CategoryFactory.create(slug="basics"), level="advanced")
    basics = Category.objects.get(slug="basics")

    with django_assert_num_queries(1):
        counts = active_question_counts()
    assert QuizFactory.build().question_count(counts) == 11
    assert QuizFactory.build(scope="level", level="advanced").question_count(counts) == 1
    assert QuizFactory.build(scope="category", category=basics).question_count(counts) == 3
    assert QuizFactory.build(question_limit=4).question_count(counts) == 4


# Default quizzes ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_quizzes_are_created_once_and_never_overwritten() -> None:
    for slug in ("basics", "raw-events", "run-items", "tools-handoffs", "production"):
        CategoryFactory.create(slug=slug)

    created = services.quiz_defaults_ensure()

    slugs = {quiz.slug for quiz in created}
    assert slugs == {
        "certification-exam",
        "adaptive-practice",
        "level-beginner",
        "level-intermediate",
        "level-advanced",
        "drill-basics",
        "drill-raw-events",
        "drill-run-items",
        "drill-tools-handoffs",
        "drill-production",
        services.RETAKE_QUIZ_SLUG,
    }
    exam = Quiz.objects.get(slug="certification-exam")
    assert exam.mode == Quiz.Mode.CERTIFICATION
    assert exam.scope == Quiz.Scope.ALL
    assert exam.time_limit == timedelta(minutes=60)
    assert exam.feedback == Quiz.Feedback.END
    assert (exam.overall_threshold, exam.category_threshold) == (90, 85)
    drill = Quiz.objects.get(slug="drill-raw-events")
    assert drill.feedback == Quiz.Feedback.IMMEDIATE
    assert drill.category is not None
    assert drill.category.slug == "raw-events"
    assert Quiz.objects.get(slug="level-intermediate").level == "intermediate"
    assert Quiz.objects.get(slug="adaptive-practice").serves_one_at_a_time
    assert not Quiz.objects.get(slug=services.RETAKE_QUIZ_SLUG).is_published

    Quiz.objects.filter(slug="certification-exam").update(time_limit=timedelta(minutes=90))
    assert services.quiz_defaults_ensure() == []
    assert Quiz.objects.get(slug="certification-exam").time_limit == timedelta(minutes=90)
    assert Quiz.objects.count() == 11


@pytest.mark.django_db
def test_default_drills_wait_for_the_categories() -> None:
    first = services.quiz_defaults_ensure()
    assert not any(quiz.slug.startswith("drill-") for quiz in first)
    CategoryFactory.create(slug="production")
    assert [quiz.slug for quiz in services.quiz_defaults_ensure()] == ["drill-production"]


# The expire command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_expire_attempts_command(learner: User) -> None:
    questions_across_categories(2)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=1))
    attempt, _ = services.attempt_start(
        user=learner, quiz=quiz, now=timezone.now() - timedelta(minutes=5)
    )
    out = StringIO()

    call_command("expire_attempts", stdout=out)

    assert out.getvalue().strip() == "Expired 1 overdue attempt."
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    out = StringIO()
    call_command("expire_attempts", stdout=out)
    assert "Expired 0 overdue attempts." in out.getvalue()


# Filters -----------------------------------------------------------------------------------


def test_display_filters() -> None:
    assert clock(2712) == "45:12"
    assert clock(3725) == "1:02:05"
    assert clock(-3) == "0:00"
    assert duration(timedelta(minutes=23, seconds=5)) == "23 min 5 s"
    assert duration(timedelta(hours=1)) == "1 h"
    assert duration(timedelta(0)) == "0 s"
    assert percent(85.0) == "85%"
    assert percent(84.6) == "84.6%"
    assert points(5.0) == "5 points"
    assert points(1.0) == "1 point"
    assert points(0.4) == "0.4 points"


# Admin -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_quizzes_and_shows_attempts_read_only(client: Client) -> None:
    questions_across_categories(2)
    quiz = QuizFactory.create(title="Exam for admin")
    learner = UserFactory.create()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(user=learner, attempt_id=attempt.pk)
    client.force_login(StaffFactory.create(is_superuser=True))

    assert (
        "Exam for admin" in client.get(reverse("admin:questions_quiz_changelist")).content.decode()
    )
    assert client.get(reverse("admin:questions_quiz_change", args=[quiz.pk])).status_code == 200
    listing = client.get(reverse("admin:questions_attempt_changelist")).content.decode()
    assert learner.username in listing
    assert "0.0% (0/2)" in listing
    detail = client.get(reverse("admin:questions_attempt_change", args=[attempt.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()  # nothing to save: read-only
    assert client.get(reverse("admin:questions_attempt_add")).status_code == 403
    assert (
        client.post(reverse("admin:questions_attempt_delete", args=[attempt.pk])).status_code == 403
    )
