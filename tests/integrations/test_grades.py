"""The passback schedule, giving up, the command and the staff pages (no platform needed:
the platform is unreachable here, which is what a failure looks like)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from lti_tool.models import (
    LtiRegistration,
)

from integrations.models import GradeLink, GradePassback
from integrations.services.grades import BACKOFF, grade_passback_send, next_try
from questions.models import Quiz
from tests.certify import exams

pytestmark = pytest.mark.django_db


def test_the_schedule_backs_off_then_gives_up() -> None:
    now = timezone.now()

    waits = [next_try(tries, now) for tries in range(1, len(BACKOFF) + 2)]

    assert [wait - now for wait in waits[:-1]] == list(BACKOFF)  # type: ignore[operator]
    assert waits[-1] is None


def test_an_unreachable_platform_is_recorded_and_finally_given_up(
    learner: User, exam: Quiz, link: GradeLink, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        exams.take_exam(learner, exam, wrong={exam.questions_in_scope()[0].id})
    passback = GradePassback.objects.get()
    assert passback.tries == 1  # tried right after the attempt's transaction
    assert passback.status == GradePassback.Status.PENDING
    assert "ConnectionError" in passback.last_error
    assert passback.score_given < passback.score_maximum

    for _ in BACKOFF:
        assert passback.next_try_at is not None
        passback = grade_passback_send(passback_id=passback.pk, now=passback.next_try_at)

    assert passback.status == GradePassback.Status.FAILED
    assert passback.tries == len(BACKOFF) + 1
    assert passback.next_try_at is None


def test_an_attempt_of_an_unlinked_quiz_owes_nothing(
    learner: User, exam: Quiz, link: GradeLink
) -> None:
    GradeLink.objects.all().delete()

    exams.take_exam(learner, exam)

    assert not GradePassback.objects.exists()


def test_send_grades_reports_what_it_did(learner: User, exam: Quiz, link: GradeLink) -> None:
    exams.take_exam(learner, exam)
    GradePassback.objects.update(next_try_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()

    call_command("send_grades", stdout=out)

    assert out.getvalue().strip() == "Tried 1: 0 sent, 1 to try again later, 0 given up."


def test_staff_see_passbacks_and_can_send_again(
    admin_client: Client, learner: User, exam: Quiz, link: GradeLink
) -> None:
    exams.take_exam(learner, exam)
    passback = GradePassback.objects.get()

    listing = admin_client.get("/admin/integrations/gradepassback/")
    assert "pending" in listing.content.decode()
    response = admin_client.post(
        "/admin/integrations/gradepassback/",
        {"action": "send_again", "_selected_action": [passback.pk]},
        follow=True,
    )

    assert "Sent 0 of 1 selected scores." in response.content.decode()
    passback.refresh_from_db()
    assert passback.tries == 1  # counted again from the first try
    assert passback.status == GradePassback.Status.PENDING


def test_the_registration_admin_shows_the_login_address(
    admin_client: Client, link: GradeLink
) -> None:
    registration = LtiRegistration.objects.get()

    page = admin_client.get(f"/admin/lti_tool/ltiregistration/{registration.pk}/change/")

    assert f"/lti/login/{registration.uuid}/" in page.content.decode()
    assert "Frame origins" in page.content.decode()
