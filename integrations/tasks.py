"""Grade passback on the task worker: one send right after an attempt ends, and a sweep every
minute for the tries that the backoff schedule made due (and for any send a stopped worker
left unfinished). Sending the same passback twice is harmless: `grade_passback_send` claims it
under its row lock first, so two workers never post one score together."""

from __future__ import annotations

from django_tasks import task

from integrations.models import GradePassback
from integrations.services.grades import grade_passback_send, grade_passbacks_send_due


@task()
def send_grade_passback(*, passback_id: int) -> str:
    """One try at sending a score; its outcome (sent, pending with its next try, failed)."""
    return str(grade_passback_send(passback_id=passback_id).status)


@task()
def send_due_grade_passbacks() -> int:
    """Every pending score whose next try is due; how many were sent."""
    done = grade_passbacks_send_due()
    return sum(1 for passback in done if passback.status == GradePassback.Status.SENT)
