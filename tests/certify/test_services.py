"""Certificates: issued however a qualifying exam ends, only once; revoked with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from certify import services
from certify.models import Certificate
from questions import services as quiz_services
from questions.models import Attempt, Question, Quiz
from tests.certify.conftest import TakeExam
from tests.certify.exams import answer_all
from tests.factories import ExamQuizFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_passing_exam_is_certified_on_submit_with_a_snapshot(
    learner: User, exam: Quiz, take_exam: TakeExam
) -> None:
    attempt = take_exam(learner, exam)

    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.is_valid
    assert certificate.holder_name == "Ada Lovelace"
    assert certificate.issued_at == attempt.submitted_at
    assert (certificate.correct_count, certificate.question_count) == (10, 10)
    assert certificate.score == 100
    assert [row["slug"] for row in certificate.category_scores] == [
        "basics",
        "raw-events",
        "run-items",
        "tools-handoffs",
        "production",
    ]
    assert certificate.category_scores[1] == {
        "slug": "raw-events",
        "name": "Raw Response Events",
        "correct": 2,
        "total": 2,
    }
    assert (certificate.overall_threshold, certificate.category_threshold) == (90, 85)
    first = Question.objects.first()
    assert first is not None
    assert certificate.sdk_version == first.sdk_version
    # 120 random bits in base32.
    assert len(certificate.code) == 24
    assert certificate.get_absolute_url() == f"/certificates/{certificate.code}/"


def test_the_holder_name_falls_back_to_the_username(exam: Quiz, take_exam: TakeExam) -> None:
    user = UserFactory.create(username="grace", first_name="", last_name="")

    take_exam(user, exam)

    assert Certificate.objects.get().holder_name == "grace"


def test_codes_differ(exam: Quiz, take_exam: TakeExam) -> None:
    take_exam(UserFactory.create(), exam)
    take_exam(UserFactory.create(), exam)

    first, second = Certificate.objects.values_list("code", flat=True)
    assert first != second


def test_a_failing_exam_gets_no_certificate(
    learner: User, bank: list[Question], exam: Quiz, take_exam: TakeExam
) -> None:
    # 9 of 10 overall is 90%, but one category at 1 of 2 is 50%.
    attempt = take_exam(learner, exam, wrong={bank[1].id})

    assert attempt.passed is False
    assert not Certificate.objects.exists()


def test_an_expired_exam_that_qualifies_is_certified_on_the_next_request(
    learner: User, exam: Quiz
) -> None:
    start = timezone.now() - timedelta(hours=2)
    attempt, _ = quiz_services.attempt_start(user=learner, quiz=exam, now=start)
    answer_all(learner, attempt, now=start + timedelta(minutes=5))

    # The learner never submits; the next request past the deadline finalizes the attempt.
    quiz_services.attempt_start(user=learner, quiz=exam)

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.issued_at == attempt.deadline


def test_the_expire_attempts_command_certifies_too(learner: User, exam: Quiz) -> None:
    start = timezone.now() - timedelta(hours=2)
    attempt, _ = quiz_services.attempt_start(user=learner, quiz=exam, now=start)
    answer_all(learner, attempt, now=start + timedelta(minutes=5))

    call_command("expire_attempts")

    assert Certificate.objects.get().attempt_id == attempt.pk


def test_issuing_again_never_makes_a_second_certificate(
    learner: User, exam: Quiz, take_exam: TakeExam
) -> None:
    attempt = take_exam(learner, exam)
    first = Certificate.objects.get()

    again = services.certificate_issue(attempt=attempt)
    quiz_services.attempt_submit(user=learner, attempt_id=attempt.pk)

    assert again == first
    assert Certificate.objects.count() == 1
    with pytest.raises(IntegrityError):
        Certificate.objects.create(
            attempt=attempt,
            holder_name="x",
            issued_at=timezone.now(),
            correct_count=1,
            question_count=1,
            score=100,
            category_scores=[],
            overall_threshold=90,
            category_threshold=85,
            sdk_version="0.24.0",
        )


def test_only_certification_exams_give_certificates(
    learner: User, bank: list[Question], take_exam: TakeExam
) -> None:
    Question.objects.update(pool=Question.Pool.PRACTICE)
    level_quiz = QuizFactory.create(mode=Quiz.Mode.LEVEL, scope=Quiz.Scope.LEVEL, level="beginner")

    attempt = take_exam(learner, level_quiz)

    assert attempt.passed
    assert not Certificate.objects.exists()


def test_a_lowered_bar_in_admin_still_needs_the_site_thresholds(
    learner: User, bank: list[Question], take_exam: TakeExam
) -> None:
    lenient = ExamQuizFactory.create(overall_threshold=50, category_threshold=50)

    attempt = take_exam(learner, lenient, wrong={bank[0].id})

    assert attempt.passed  # by the quiz's own bar
    assert not services.attempt_qualifies(attempt)
    assert not Certificate.objects.exists()


def test_an_exam_that_leaves_out_a_category_gives_no_certificate(
    learner: User, bank: list[Question], take_exam: TakeExam
) -> None:
    Question.objects.filter(category__slug="production").update(status=Question.Status.RETIRED)
    quiz = ExamQuizFactory.create()

    attempt = take_exam(learner, quiz)

    assert attempt.passed
    assert not Certificate.objects.exists()


def test_revoke_records_the_date_and_reason_once(
    learner: User, exam: Quiz, take_exam: TakeExam
) -> None:
    take_exam(learner, exam)
    certificate = Certificate.objects.get()
    when = timezone.now()

    revoked = services.certificate_revoke(
        certificate_id=certificate.pk, reason="  Answers shared online.  ", now=when
    )

    assert revoked.status == Certificate.Status.REVOKED
    assert (revoked.revoked_at, revoked.revoked_reason) == (when, "Answers shared online.")
    with pytest.raises(services.CertificateError, match="already revoked"):
        services.certificate_revoke(certificate_id=certificate.pk, reason="Again")
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Answers shared online."


def test_revoke_needs_a_reason(learner: User, exam: Quiz, take_exam: TakeExam) -> None:
    take_exam(learner, exam)
    certificate = Certificate.objects.get()

    with pytest.raises(services.CertificateError, match="reason"):
        services.certificate_revoke(certificate_id=certificate.pk, reason="   ")

    certificate.refresh_from_db()
    assert certificate.is_valid
