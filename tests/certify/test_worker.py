"""The task worker (`manage.py run_worker`): it finalizes what nobody finished, with no page
visited, issues the certificate a passing exam earned, and catches up after a stop without
issuing anything twice."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from certify.models import Certificate, PeriodicTask
from questions import services
from questions.models import Attempt, Quiz
from questions.tasks import expire_overdue_attempts
from tests.certify import exams
from tests.factories import UserFactory

# The worker closes connections between tasks as a server would, which a test transaction
# would not survive: these tests commit for real.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_queue")]


def run_worker() -> None:
    """The worker as `make run` starts it, in batch mode: one look at the schedule, every
    task that is ready, then exit."""
    call_command("run_worker", "--batch", "--no-startup-delay", stdout=StringIO())


def abandoned(user: User, quiz: Quiz, *, ended_ago: timedelta, passing: bool) -> Attempt:
    """An exam started, answered (every answer right, or the first wrong too) and left: its
    deadline passed `ended_ago` ago and nobody submitted it."""
    start = timezone.now() - quiz.time_limit - ended_ago  # type: ignore[operator]
    attempt, _ = services.attempt_start(user=user, quiz=quiz, now=start)
    first = attempt.answers.order_by("position").first()
    assert first is not None
    wrong = set() if passing else {first.question_id}
    exams.answer_all(user, attempt, wrong=wrong, now=start + timedelta(minutes=1))
    return attempt


def test_an_abandoned_exam_is_finalized_and_certified_with_no_page_visited(
    learner: User, exam: Quiz
) -> None:
    passed = abandoned(learner, exam, ended_ago=timedelta(seconds=5), passing=True)
    other = UserFactory.create()
    failed = abandoned(other, exam, ended_ago=timedelta(seconds=5), passing=False)

    run_worker()

    passed.refresh_from_db()
    failed.refresh_from_db()
    assert passed.status == failed.status == Attempt.Status.EXPIRED
    assert passed.submitted_at == passed.deadline  # it ended at its deadline
    assert passed.passed
    assert not failed.passed
    certificate = Certificate.objects.get()
    assert certificate.attempt_id == passed.pk
    sweep = DBTaskResult.objects.get(task_path="questions.tasks.expire_overdue_attempts")
    assert sweep.status == TaskResultStatus.SUCCESSFUL
    assert sweep.return_value == 2


def test_an_attempt_still_in_time_is_left_open(learner: User, exam: Quiz) -> None:
    attempt, _ = services.attempt_start(user=learner, quiz=exam)

    run_worker()

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_a_worker_stopped_for_ten_minutes_catches_up_and_issues_nothing_twice(
    exam: Quiz,
) -> None:
    # The worker last queued the sweep ten minutes ago, then stopped; meanwhile exams ended
    # all through those ten minutes, half of them passing.
    now = timezone.now()
    PeriodicTask.objects.create(
        task_path="questions.tasks.expire_overdue_attempts",
        next_run_at=now - timedelta(minutes=9),
        last_queued_at=now - timedelta(minutes=10),
    )
    attempts = [
        abandoned(
            UserFactory.create(), exam, ended_ago=timedelta(minutes=minute), passing=minute % 2 == 1
        )
        for minute in range(10)
    ]

    run_worker()

    # One sweep, not ten: it finalized all of them.
    assert DBTaskResult.objects.filter(task_path__endswith="expire_overdue_attempts").count() == 1
    assert not Attempt.objects.open().exists()
    certified = {c.attempt_id for c in Certificate.objects.all()}
    assert certified == {a.pk for a in attempts if Attempt.objects.get(pk=a.pk).passed}
    assert len(certified) == 5

    # Started again at once, the worker finds nothing due; a sweep queued twice by hand (or
    # run by two workers) changes nothing either.
    run_worker()
    expire_overdue_attempts.enqueue()
    expire_overdue_attempts.enqueue()
    run_worker()

    assert Certificate.objects.count() == 5
    sweeps = DBTaskResult.objects.filter(task_path__endswith="expire_overdue_attempts")
    assert sorted(sweep.return_value for sweep in sweeps) == [0, 0, 10]


def test_the_worker_rides_out_a_database_that_goes_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import OperationalError

    from certify.management.commands import run_worker as command

    calls: list[str] = []
    original = command.db_worker.Worker.run

    def flaky(self: command.Worker) -> None:
        calls.append("run")
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        original(self)

    monkeypatch.setattr(command.db_worker.Worker, "run", flaky)
    monkeypatch.setattr(command, "RECONNECT_PAUSE", 0)

    run_worker()

    assert calls == ["run", "run"]
