"""Races on PostgreSQL: threads answering, submitting, expiring and starting at once.

Each thread has its own database connection, and a barrier releases them together. Runs only
when DATABASE_URL points at PostgreSQL (CI's PostgreSQL pass); SQLite serialises writers anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.utils import timezone

from questions import services
from questions.models import Attempt, Quiz
from tests.factories import QuizFactory, UserFactory, questions_across_categories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 3


@pytest.fixture(autouse=True, scope="module")
def _sync_orm_beside_playwright() -> Iterator[None]:
    """pytest-django runs transactional tests last, after the browser tests; Playwright's sync API
    (a session fixture) then leaves its event loop marked as running on this thread, and Django
    would take this module's plain synchronous ORM calls, and the flush after each test, for ORM
    calls from async code. Module scope: the flag outlives each test's database teardown."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released at once; each result or raised exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # the caller inspects what each thread met
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def answer_call(user: User, attempt: Attempt, position: int, **kwargs: Any) -> Callable:
    row = attempt.answers.get(position=position)
    right = sorted(row.correct_choice_ids)

    def call() -> services.AnswerOutcome:
        return services.answer_submit(
            user=user,
            attempt_id=attempt.pk,
            question_id=row.question_id,
            choice_ids=right,
            **kwargs,
        )

    return call


def assert_scored_exactly_what_was_stored(attempt: Attempt) -> None:
    attempt.refresh_from_db()
    stored_right = attempt.answers.filter(correct=True).count()
    assert (attempt.correct_count, attempt.question_count) == (stored_right, 10)
    assert attempt.answers.count() == 10


@pytest.fixture
def exam() -> Quiz:
    questions_across_categories(10)
    return QuizFactory.create(time_limit=timedelta(minutes=60))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_double_submissions_of_the_same_answers_store_exactly_one_row_each(
    exam: Quiz, round_: int
) -> None:
    user = UserFactory.create()
    attempt, _ = services.attempt_start(user=user, quiz=exam)
    calls = [answer_call(user, attempt, position) for position in range(1, 11)] * 2

    results = race(calls)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(r.changed for r in results) == 10  # each answer saved once, repeated as no-op
    assert attempt.answers.count() == 10
    assert attempt.answers.filter(correct=True).count() == 10


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_answering_while_submitting_loses_nothing_and_scores_what_was_saved(
    exam: Quiz, round_: int
) -> None:
    user = UserFactory.create()
    attempt, _ = services.attempt_start(user=user, quiz=exam)
    answers = [answer_call(user, attempt, position) for position in range(1, 11)]
    submits = [lambda: services.attempt_submit(user=user, attempt_id=attempt.pk)] * 3

    results = race(answers + submits)

    answer_results, submit_results = results[:10], results[10:]
    assert [finished_now for _, finished_now in submit_results].count(True) == 1
    for position, result in enumerate(answer_results, start=1):
        row = attempt.answers.get(position=position)
        if isinstance(result, services.AttemptClosed):
            assert not row.is_answered  # refused: nothing changed
        else:
            assert not isinstance(result, Exception), result
            assert row.is_answered  # accepted: never lost
    assert_scored_exactly_what_was_stored(attempt)
    assert attempt.status == Attempt.Status.SUBMITTED


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_answering_while_it_expires_scores_only_what_came_in_time(exam: Quiz, round_: int) -> None:
    user = UserFactory.create()
    start = timezone.now()
    attempt, _ = services.attempt_start(user=user, quiz=exam, now=start)
    deadline = attempt.deadline
    assert deadline is not None
    # Half the answers arrive just before the deadline, half just after; the sweep runs at once.
    answers = [
        answer_call(
            user,
            attempt,
            position,
            now=deadline - timedelta(seconds=1) if position % 2 else deadline,
        )
        for position in range(1, 11)
    ]
    sweep = [lambda: services.attempts_expire_overdue(now=deadline + timedelta(seconds=1))]

    results = race(answers + sweep)

    for position, result in enumerate(results[:10], start=1):
        row = attempt.answers.get(position=position)
        if position % 2 == 0:
            assert isinstance(result, services.AttemptClosed)
            assert not row.is_answered
        elif isinstance(result, services.AttemptClosed):
            assert not row.is_answered  # the sweep won the lock first
        else:
            assert row.is_answered
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.submitted_at == deadline
    assert_scored_exactly_what_was_stored(attempt)


def test_starting_the_same_quiz_at_once_gives_one_attempt(exam: Quiz) -> None:
    user = UserFactory.create()

    results = race([lambda: services.attempt_start(user=user, quiz=exam)] * 6)

    assert not [r for r in results if isinstance(r, Exception)]
    assert {attempt.pk for attempt, _ in results} == {Attempt.objects.get(user=user).pk}
    assert [created for _, created in results].count(True) == 1
    assert Attempt.objects.get(user=user).answers.count() == 10
