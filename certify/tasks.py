"""certify's background work on the task worker: sending queued email."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from certify.mail import email_deliver


@task()
def send_email(*, message: dict[str, Any]) -> int:
    """Deliver one queued email (`certify.mail.QueuedEmailBackend` queues them). The queue runs
    a task once: a worker that dies mid-send leaves it RUNNING rather than sending it twice."""
    return email_deliver(message=message)
