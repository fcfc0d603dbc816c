"""Grade passback on the task worker: sent after the attempt's commit, swept when due, and
never posted by two workers at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from integrations.models import GradeLink, GradePassback
from integrations.services import grades
from integrations.tasks import send_due_grade_passbacks, send_grade_passback
from questions.models import Quiz
from tests.certify import exams

pytestmark = pytest.mark.django_db


def test_a_finished_attempt_queues_its_send_after_the_commit(
    learner: User, exam: Quiz, link: GradeLink, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        exams.take_exam(learner, exam)
    passback = GradePassback.objects.get()
    assert passback.tries == 0  # nothing sent inside the transaction

    for callback in callbacks:
        callback()

    passback.refresh_from_db()
    assert passback.tries == 1
    assert passback.status == GradePassback.Status.PENDING  # the platform is unreachable


def test_the_sweep_sends_only_what_is_due(learner: User, exam: Quiz, link: GradeLink) -> None:
    exams.take_exam(learner, exam)
    passback = GradePassback.objects.get()
    GradePassback.objects.update(next_try_at=timezone.now() + timedelta(minutes=1))

    assert send_due_grade_passbacks.enqueue().return_value == 0
    passback.refresh_from_db()
    assert passback.tries == 0

    GradePassback.objects.update(next_try_at=timezone.now() - timedelta(seconds=1))
    send_due_grade_passbacks.enqueue()
    passback.refresh_from_db()
    assert passback.tries == 1


def test_two_workers_never_post_one_score_together(
    learner: User, exam: Quiz, link: GradeLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    exams.take_exam(learner, exam)
    passback = GradePassback.objects.get()
    posts: list[int] = []

    def post(claimed: GradePassback) -> None:
        posts.append(claimed.pk)
        # Another worker's sweep, while this one waits on the platform: the claim holds it off.
        assert send_grade_passback.enqueue(passback_id=claimed.pk).return_value == "pending"

    monkeypatch.setattr(grades, "_post", post)

    result = send_grade_passback.enqueue(passback_id=passback.pk)

    assert result.return_value == "sent"
    assert posts == [passback.pk]
    passback.refresh_from_db()
    assert (passback.status, passback.tries) == (GradePassback.Status.SENT, 1)
