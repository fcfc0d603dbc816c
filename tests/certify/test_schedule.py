"""The periodic tasks' schedule: each task queued when due, once however many workers look."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certify.models import PeriodicTask
from certify.schedule import periodic_tasks_enqueue_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_queue")]

SWEEP = "questions.tasks.expire_overdue_attempts"


@pytest.fixture(autouse=True)
def _only_the_sweep(settings) -> None:
    settings.CERTIFY_PERIODIC_TASKS = {SWEEP: 60}


def test_a_task_is_queued_at_once_then_every_interval() -> None:
    now = timezone.now()

    assert periodic_tasks_enqueue_due(now=now) == [SWEEP]
    assert periodic_tasks_enqueue_due(now=now + timedelta(seconds=59)) == []
    assert periodic_tasks_enqueue_due(now=now + timedelta(seconds=60)) == [SWEEP]

    assert DBTaskResult.objects.filter(task_path=SWEEP).count() == 2
    row = PeriodicTask.objects.get()
    assert row.next_run_at == now + timedelta(seconds=120)
    assert str(row).startswith(SWEEP)


def test_many_workers_looking_at_once_queue_it_once() -> None:
    now = timezone.now()

    looks = [periodic_tasks_enqueue_due(now=now) for _ in range(4)]

    assert looks == [[SWEEP], [], [], []]
    assert DBTaskResult.objects.filter(task_path=SWEEP).count() == 1


def test_a_long_stop_queues_one_run_not_one_per_missed_interval() -> None:
    start = timezone.now()
    periodic_tasks_enqueue_due(now=start)

    periodic_tasks_enqueue_due(now=start + timedelta(minutes=10))

    assert DBTaskResult.objects.filter(task_path=SWEEP).count() == 2
    assert PeriodicTask.objects.get().next_run_at == start + timedelta(minutes=11)
