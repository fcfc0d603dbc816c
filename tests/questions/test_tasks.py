"""The quiz tasks the worker runs: the expiry sweep and calibration, each safe to run twice."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from questions import services
from questions.models import Attempt, BankParameters, Question
from questions.tasks import calibrate_item_parameters, expire_overdue_attempts
from tests.factories import QuizFactory, questions_across_categories
from tests.questions.test_calibration import questions, simulated_answers

pytestmark = pytest.mark.django_db

__all__ = ["questions"]  # the fixture, shared with the calibration tests


def test_the_sweep_finalizes_overdue_attempts_once(learner: User) -> None:
    questions_across_categories(2)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=5))
    attempt, _ = services.attempt_start(
        user=learner, quiz=quiz, now=timezone.now() - timedelta(minutes=6)
    )

    first = expire_overdue_attempts.enqueue()
    second = expire_overdue_attempts.enqueue()

    assert (first.return_value, second.return_value) == (1, 0)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED


def test_a_queued_calibration_runs_once_however_often_it_was_queued(
    learner: User, questions: list[Question]
) -> None:
    simulated_answers(learner, 250, sparse=0)

    first = calibrate_item_parameters.enqueue(min_answers=200, after_version=0)
    again = calibrate_item_parameters.enqueue(min_answers=200, after_version=0)

    assert (first.return_value, again.return_value) == (1, None)
    assert BankParameters.objects.count() == 1


def test_a_calibration_with_too_little_data_writes_nothing(
    learner: User, questions: list[Question]
) -> None:
    simulated_answers(learner, 20, sparse=0)

    result = calibrate_item_parameters.enqueue(min_answers=200, after_version=0)

    assert result.return_value is None
    assert not BankParameters.objects.exists()


@pytest.mark.usefixtures("database_queue")
def test_calibrate_items_can_queue_the_run_for_the_worker(questions: list[Question]) -> None:
    out = StringIO()

    call_command("calibrate_items", "--queue", "--min-answers", "50", stdout=out)

    assert "Queued a calibration (at least 50 answers per question)" in out.getvalue()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "questions.tasks.calibrate_item_parameters"
    assert queued.args_kwargs["kwargs"] == {"min_answers": 50, "after_version": 0}
    with pytest.raises(CommandError, match="cannot be queued"):
        call_command("calibrate_items", "--queue", "--dry-run")
