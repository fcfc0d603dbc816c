"""Periodic tasks on django-tasks, which has no scheduler of its own yet: the task worker
(`manage.py run_worker`) calls `periodic_tasks_enqueue_due` every few seconds, which queues each
task of CERTIFY_PERIODIC_TASKS ({dotted path: seconds}) when it is due.

A worker stopped for ten minutes queues one run of each when it starts again, not ten: the
sweep it queues catches up with everything that fell due meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from certify.models import PeriodicTask

logger = logging.getLogger(__name__)


def periodic_tasks_enqueue_due(*, now: datetime | None = None) -> list[str]:
    """Queue every periodic task that is due; the paths of those this call queued."""
    now = now or timezone.now()
    queued = []
    for path, seconds in settings.CERTIFY_PERIODIC_TASKS.items():
        if _claim(path, now=now, every=timedelta(seconds=seconds)):
            queued.append(path)
    return queued


def _claim(path: str, *, now: datetime, every: timedelta) -> bool:
    """Move the task's next run on and queue it, in one transaction (with the database queue,
    the task row commits with the schedule or not at all); False when it is not due, or when
    another worker claimed it first."""
    _ensure_row(path, now)
    with transaction.atomic():
        won = PeriodicTask.objects.filter(task_path=path, next_run_at__lte=now).update(
            next_run_at=now + every, last_queued_at=now
        )
        if won:
            import_string(path).enqueue()
            logger.info("Queued periodic task %s", path)
    return bool(won)


def _ensure_row(path: str, now: datetime) -> None:
    if PeriodicTask.objects.filter(task_path=path).exists():
        return
    try:
        with transaction.atomic():
            PeriodicTask.objects.create(task_path=path, next_run_at=now)
    except IntegrityError:
        pass  # another worker made it first
