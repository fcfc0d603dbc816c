"""Grade passback (LTI Assignment and Grade Services): a finished attempt's score goes to the
gradebook column of the course link the learner launched the quiz from.

questions calls `grade_passback_for_attempt` through QUESTIONS_ATTEMPT_FINISHED inside the
finalizing transaction; it only records what is owed. Sending happens after the commit
(`grade_passback_send`, never inside a transaction: it waits on the network), and a failure is
recorded with the next try on a backoff schedule that `send_grades` (or a task) picks up.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from django.db import transaction
from django.utils import timezone
from lti_tool.models import Key, LtiRegistration
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector

from integrations.models.lti import GradeLink, GradePassback
from questions.models import Attempt

logger = logging.getLogger(__name__)

# Waits after each failed try; after the last, the passback is marked failed for staff to see.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
TIMEOUT = 10  # seconds for each request to the platform


def next_try(tries: int, now: datetime) -> datetime | None:
    """When to try again after `tries` failed tries (None: give up)."""
    return now + BACKOFF[tries - 1] if tries <= len(BACKOFF) else None


def grade_passback_for_attempt(attempt: Attempt) -> None:
    """The QUESTIONS_ATTEMPT_FINISHED hook: record the score owed to the course the learner
    last launched this quiz from, and send it once the attempt's transaction commits."""
    link = (
        GradeLink.objects.filter(user_id=attempt.user_id, quiz_id=attempt.quiz_id)
        .order_by("-launched_at")
        .first()
    )
    if link is None or attempt.question_count is None:
        return
    passback, created = GradePassback.objects.get_or_create(
        attempt=attempt,
        link=link,
        defaults={
            "score_given": attempt.correct_count or 0,
            "score_maximum": attempt.question_count,
            "next_try_at": timezone.now(),
        },
    )
    if created:
        transaction.on_commit(lambda: grade_passback_send(passback_id=passback.pk))


def _grade(passback: GradePassback) -> Grade:
    finished = passback.attempt.submitted_at or passback.created_at
    return (
        Grade()
        .set_score_given(passback.score_given)
        .set_score_maximum(passback.score_maximum)
        .set_timestamp(finished.isoformat())
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(passback.link.platform_user.sub)
    )


def _column(service: AssignmentsGradesService, link: GradeLink) -> LineItem:
    """The link's gradebook column: found by certify's tag for the link, or made."""
    if link.lineitem_url:
        return LineItem({"id": link.lineitem_url})
    column = service.find_or_create_lineitem(
        LineItem()
        .set_tag(f"certify:{link.resource_link.id_on_platform}")
        .set_resource_link_id(link.resource_link.id_on_platform)
        .set_resource_id(f"quiz:{link.quiz.slug}")
        .set_label(f"certify: {link.quiz.title}")
        .set_score_maximum(100)
    )
    GradeLink.objects.filter(pk=link.pk).update(lineitem_url=column.get_id())
    return column


def _post(passback: GradePassback) -> None:
    link = passback.link
    registration: LtiRegistration = link.platform_user.registration
    connector = ServiceConnector(registration.to_registration(), BoundedSession())
    service = AssignmentsGradesService(
        connector,
        {"scope": link.scopes, "lineitem": link.lineitem_url, "lineitems": link.lineitems_url},
    )
    service.put_grade(_grade(passback), _column(service, link))


class BoundedSession(requests.Session):
    """requests waits forever by default; a platform that hangs must not hold a worker."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def _describe(error: Exception) -> str:
    if isinstance(error, LtiServiceException):
        return str(error)[:2000]
    return f"{type(error).__name__}: {error}"[:2000]


def grade_passback_send(*, passback_id: int, now: datetime | None = None) -> GradePassback:
    """One try at sending a pending score; the outcome and any next try are recorded."""
    with transaction.atomic():
        passback = (
            GradePassback.objects.select_for_update()
            .select_related(
                "attempt", "link__quiz", "link__resource_link", "link__platform_user__registration"
            )
            .get(pk=passback_id)
        )
        if passback.status != GradePassback.Status.PENDING:
            return passback
    try:
        _post(passback)
    except (LtiException, requests.RequestException, ValueError, Key.DoesNotExist) as error:
        return _record_failure(passback, _describe(error), now or timezone.now())
    return _record(
        passback,
        status=GradePassback.Status.SENT,
        tries=passback.tries + 1,
        next_try_at=None,
        last_error="",
        sent_at=now or timezone.now(),
    )


def _record_failure(passback: GradePassback, error: str, now: datetime) -> GradePassback:
    tries = passback.tries + 1
    retry_at = next_try(tries, now)
    logger.warning("Grade passback %s failed (try %s): %s", passback.pk, tries, error)
    return _record(
        passback,
        status=GradePassback.Status.PENDING if retry_at else GradePassback.Status.FAILED,
        tries=tries,
        next_try_at=retry_at,
        last_error=error,
        sent_at=None,
    )


def _record(passback: GradePassback, **fields: object) -> GradePassback:
    GradePassback.objects.filter(pk=passback.pk).update(**fields)
    passback.refresh_from_db()
    return passback


def grade_passbacks_send_due(*, now: datetime | None = None) -> list[GradePassback]:
    """Send every pending score whose next try is due (what `send_grades` runs)."""
    now = now or timezone.now()
    due = GradePassback.objects.filter(
        status=GradePassback.Status.PENDING, next_try_at__lte=now
    ).values_list("pk", flat=True)
    return [grade_passback_send(passback_id=pk, now=now) for pk in list(due)]


@transaction.atomic
def grade_passback_retry(*, passback_id: int, now: datetime | None = None) -> GradePassback:
    """Staff: schedule a failed or pending score to be sent again now, from the first try."""
    GradePassback.objects.filter(pk=passback_id).exclude(status=GradePassback.Status.SENT).update(
        status=GradePassback.Status.PENDING, next_try_at=now or timezone.now(), tries=0
    )
    return GradePassback.objects.get(pk=passback_id)
