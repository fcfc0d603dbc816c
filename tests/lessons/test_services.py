"""Starting, admitting and recording demo runs: answers in the domain's words, no HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lessons.breaker import CircuitBreaker
from lessons.demos import DemoOptions
from lessons.events import Metrics, Outcome
from lessons.limits import StreamWorker, runs_in_progress, slot_acquire, slot_release
from lessons.models import DemoRun
from lessons.services import (
    NEVER_STREAMED,
    AdmissionRefusal,
    Admitted,
    RunRefused,
    StartRefusal,
    demo_run_admit,
    demo_run_record,
    demo_run_settle,
    demo_run_start,
    demo_run_started,
    demo_runs_mark_lost,
    demo_runs_save,
)
from lessons.tasks import mark_lost_demo_runs
from lessons.tickets import TICKET_SECONDS, RunTicket, ticket_claim
from tests.factories import UserFactory

SESSION = "the-session-key"
LEARNER, OTHER = 900_001, 900_002

# Every start writes the run's record: the learners it names exist.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _learners() -> None:
    # Primary keys far from the sequence's, which PostgreSQL does not move for them.
    for pk in (LEARNER, OTHER):
        User.objects.create(pk=pk, username=f"learner-{pk}")


def start(user_id: int = LEARNER, lesson: str = "basic-streaming") -> RunTicket | RunRefused:
    return demo_run_start(
        user_id=user_id,
        session_key=SESSION,
        lesson=lesson,
        preset="short-reply",
        prompt="Hi",
        options=DemoOptions(length="short"),
    )


def started(user_id: int = LEARNER, lesson: str = "basic-streaming") -> RunTicket:
    ticket = start(user_id, lesson)
    assert isinstance(ticket, RunTicket)
    return ticket


def pressed(user_id: int = LEARNER) -> RunTicket:
    """A run started, with its record written (running), as the Run press leaves it."""
    ticket = started(user_id)
    demo_runs_save(runs=[demo_run_started(ticket)])
    return ticket


def pk(ticket: RunTicket) -> int:
    """The primary key of the ticket's run record."""
    return DemoRun.objects.get(key=ticket.id).pk


def test_a_start_within_the_limits_issues_a_ticket() -> None:
    ticket = started()
    assert (ticket.lesson, ticket.preset, ticket.prompt) == ("basic-streaming", "short-reply", "Hi")
    assert ticket.belongs_to(SESSION)


def test_past_the_rate_limit_the_start_is_refused_with_the_wait(settings) -> None:
    settings.LESSONS_RUNS_PER_WINDOW = 1
    started()

    refused = start()

    assert isinstance(refused, RunRefused)
    assert refused.reason is StartRefusal.RATE_LIMITED
    assert 1 <= refused.retry_after <= 60
    assert refused.message.startswith("You have started 1 demo runs in 60 seconds")
    assert refused.message.endswith(f"You can start another in {refused.retry_after} s.")
    assert isinstance(start(user_id=OTHER), RunTicket)  # another learner has their own


def test_at_the_global_cap_the_start_is_refused_and_not_counted(settings) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 1
    settings.LESSONS_RUNS_PER_WINDOW = 1
    held = slot_acquire()

    refused = start()

    assert refused == RunRefused(StartRefusal.BUSY, retry_after=5)
    assert isinstance(refused, RunRefused)
    assert refused.message == (
        "The demos are busy: 1 runs are streaming right now. Try again in a few seconds."
    )
    assert held is not None
    slot_release(held)
    assert isinstance(start(), RunTicket)  # the refusal did not use up the learner's runs


def test_a_stream_with_its_ticket_is_admitted_once_in_a_slot() -> None:
    ticket = started()

    admitted = demo_run_admit(run_id=ticket.id, lesson="basic-streaming", session_key=SESSION)

    assert isinstance(admitted, Admitted)
    assert admitted.ticket == ticket
    assert admitted.paused == ""
    assert runs_in_progress() == 1
    again = demo_run_admit(run_id=ticket.id, lesson="basic-streaming", session_key=SESSION)
    assert again is AdmissionRefusal.CLAIMED
    assert runs_in_progress() == 1  # the second request gave its slot back


@pytest.mark.parametrize(
    ("run_id", "lesson", "session_key", "refusal"),
    [
        (None, "basic-streaming", "", AdmissionRefusal.SIGNED_OUT),
        (None, "basic-streaming", "another-session", AdmissionRefusal.UNKNOWN),
        (None, "streaming-patterns", SESSION, AdmissionRefusal.UNKNOWN),
        (uuid.UUID(int=0), "basic-streaming", SESSION, AdmissionRefusal.UNKNOWN),
    ],
)
def test_a_stream_that_is_not_the_tickets_own_is_refused_and_claims_nothing(
    run_id: uuid.UUID | None, lesson: str, session_key: str, refusal: AdmissionRefusal
) -> None:
    ticket = started()

    answer = demo_run_admit(run_id=run_id or ticket.id, lesson=lesson, session_key=session_key)

    assert answer is refusal
    assert runs_in_progress() == 0
    assert ticket_claim(ticket.id)  # still unclaimed: its owner can run it


def test_without_a_slot_the_stream_is_refused_and_may_retry(settings) -> None:
    ticket = started()
    settings.LESSONS_MAX_CONCURRENT_RUNS = 0

    busy = demo_run_admit(run_id=ticket.id, lesson="basic-streaming", session_key=SESSION)

    assert busy is AdmissionRefusal.BUSY
    settings.LESSONS_MAX_CONCURRENT_RUNS = 1
    retried = demo_run_admit(run_id=ticket.id, lesson="basic-streaming", session_key=SESSION)
    assert isinstance(retried, Admitted)


def test_while_the_backend_breaker_is_open_the_stream_is_admitted_paused() -> None:
    breaker = CircuitBreaker.for_backend()
    for _ in range(breaker.threshold):
        breaker.record_failure_now()
    ticket = started()

    admitted = demo_run_admit(run_id=ticket.id, lesson="basic-streaming", session_key=SESSION)

    assert isinstance(admitted, Admitted)
    assert admitted.paused.startswith("open: runs go straight to the fallback")


def metrics(ttft_ms: float | None = 120.0) -> Metrics:
    return Metrics(elapsed_ms=900.0, ttft_ms=ttft_ms, chunks=12)


def test_settling_frees_the_slot_and_closes_the_breaker_after_a_completed_run() -> None:
    ticket = started()
    admitted = demo_run_admit(run_id=ticket.id, lesson="basic-streaming", session_key=SESSION)
    assert isinstance(admitted, Admitted)
    breaker = CircuitBreaker.for_backend()
    breaker.record_failure_now()

    demo_run_settle(slot=admitted.slot, outcome="completed", counts_for_breaker=True)

    assert runs_in_progress() == 0
    assert breaker.state_now().failures == 0


def test_a_failure_counts_against_the_breaker_unless_it_was_a_refusal() -> None:
    breaker = CircuitBreaker.for_backend()

    demo_run_settle(slot=None, outcome="failed", counts_for_breaker=True)
    demo_run_settle(slot=None, outcome="failed", counts_for_breaker=False)

    assert breaker.state_now().failures == 1


@pytest.mark.parametrize("outcome", ["cancelled", "timed_out"])
def test_a_stop_or_a_timeout_says_nothing_about_the_model(outcome: Outcome) -> None:
    breaker = CircuitBreaker.for_backend()
    breaker.record_failure_now()
    demo_run_settle(slot=None, outcome=outcome, counts_for_breaker=True)
    assert breaker.state_now().failures == 1


@pytest.mark.django_db
def test_a_started_run_is_recorded_running() -> None:
    user: User = UserFactory.create()
    ticket = started(user_id=user.pk)
    assert DemoRun.objects.count() == 0  # a start is cache work only: its record is handed on

    demo_runs_save(runs=[demo_run_started(ticket)])

    record = DemoRun.objects.get()
    assert record.key == ticket.id
    assert (record.user, record.lesson, record.preset, record.backend) == (
        user,
        "basic-streaming",
        "short-reply",
        "offline",
    )
    assert (record.outcome, record.ttft_ms, record.total_ms) == (DemoRun.Outcome.RUNNING, None, 0)


@pytest.mark.django_db
def test_an_end_written_before_its_start_is_kept_whole() -> None:
    # The press in one worker, the stream in another whose writer went first.
    ticket = started()
    ended = demo_run_record(
        ticket=ticket, started_at=timezone.now(), outcome="completed", metrics=metrics()
    )

    demo_runs_save(runs=[ended])
    demo_runs_save(runs=[demo_run_started(ticket)])

    record = DemoRun.objects.get()
    assert (record.key, record.outcome, record.chunks) == (ticket.id, "completed", 12)


@pytest.mark.django_db
def test_ended_runs_settle_their_records_together_in_one_statement() -> None:
    user: User = UserFactory.create()
    tickets = [pressed(user_id=user.pk) for _ in range(3)]
    at_press = {run.pk: run.started_at for run in DemoRun.objects.all()}
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    runs = [
        demo_run_record(ticket=tickets[0], started_at=when, outcome="completed", metrics=metrics()),
        demo_run_record(
            ticket=tickets[1], started_at=when, outcome="failed", metrics=metrics(None)
        ),
        demo_run_record(
            ticket=tickets[2],
            started_at=when,
            outcome="cancelled",
            metrics=metrics(),
            error="x" * 3000,
        ),
    ]
    assert set(DemoRun.objects.values_list("outcome", flat=True)) == {"running"}

    with CaptureQueriesContext(connection) as queries:
        demo_runs_save(runs=runs)

    (write,) = [
        q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]
    ]  # one statement: the records' inserts, updating the starts already there
    assert write.startswith("INSERT")
    assert "ON CONFLICT" in write
    completed, failed, cancelled = DemoRun.objects.order_by("id")
    assert completed.started_at == at_press[completed.pk]  # the Run press, as written then
    assert (completed.ttft_ms, completed.total_ms, completed.chunks) == (120.0, 900.0, 12)
    assert (completed.outcome, completed.error) == (DemoRun.Outcome.COMPLETED, "")
    assert failed.error == "unknown error"  # a failure always says something
    assert len(cancelled.error) == 2000


@pytest.mark.django_db
def test_saving_is_all_or_nothing() -> None:
    user = UserFactory.create()
    good_ticket, bad_ticket = pressed(user_id=user.pk), pressed(user_id=user.pk)
    now = datetime.now(UTC)
    good = demo_run_record(
        ticket=good_ticket, started_at=now, outcome="completed", metrics=metrics()
    )
    impossible = demo_run_record(
        ticket=bad_ticket,
        started_at=now,
        outcome="completed",
        metrics=Metrics(elapsed_ms=10.0, ttft_ms=20.0),  # first token after the end
    )
    with pytest.raises(IntegrityError):
        demo_runs_save(runs=[good, impossible])
    assert set(DemoRun.objects.values_list("outcome", flat=True)) == {"running"}


def test_the_sweep_marks_lost_the_runs_whose_worker_is_gone_and_only_those(settings) -> None:
    alive, dead = StreamWorker(), StreamWorker()
    alive.renew()
    streaming, cut_off, never_connected, just_pressed = (pressed() for _ in range(4))
    ticket_claim(streaming.id, alive.id)
    ticket_claim(cut_off.id, dead.id)  # its worker never held a lease again
    later = timezone.now() + timedelta(seconds=settings.LESSONS_WORKER_LEASE + 1)
    DemoRun.objects.filter(pk=pk(never_connected)).update(
        started_at=timezone.now() - timedelta(seconds=TICKET_SECONDS + 1)
    )

    assert demo_runs_mark_lost(now=later) == 2

    outcomes = dict(DemoRun.objects.values_list("pk", "outcome"))
    assert outcomes[pk(streaming)] == DemoRun.Outcome.RUNNING
    assert outcomes[pk(just_pressed)] == DemoRun.Outcome.RUNNING  # may connect yet
    assert outcomes[pk(cut_off)] == DemoRun.Outcome.LOST
    assert outcomes[pk(never_connected)] == DemoRun.Outcome.LOST
    assert DemoRun.objects.get(pk=pk(never_connected)).error == NEVER_STREAMED
    assert demo_runs_mark_lost(now=later) == 0  # idempotent


def test_with_the_cache_down_the_sweep_marks_lost_only_runs_past_any_lifetime(
    settings, flaky_cache
) -> None:
    recent, ancient = pressed(), pressed()
    DemoRun.objects.filter(pk=pk(ancient)).update(started_at=timezone.now() - timedelta(hours=1))
    flaky_cache.down = True

    assert demo_runs_mark_lost(now=timezone.now() + timedelta(minutes=1)) == 1

    assert DemoRun.objects.get(pk=pk(recent)).outcome == DemoRun.Outcome.RUNNING
    assert DemoRun.objects.get(pk=pk(ancient)).outcome == DemoRun.Outcome.LOST


def test_a_run_marked_lost_that_ends_after_all_keeps_its_real_outcome() -> None:
    ticket = pressed()
    ticket_claim(ticket.id, "a-worker-without-a-lease")
    demo_runs_mark_lost(now=timezone.now() + timedelta(minutes=1))
    assert DemoRun.objects.get().outcome == DemoRun.Outcome.LOST

    demo_runs_save(
        runs=[
            demo_run_record(
                ticket=ticket, started_at=timezone.now(), outcome="completed", metrics=metrics()
            )
        ]
    )

    assert DemoRun.objects.get().outcome == DemoRun.Outcome.COMPLETED


def test_the_task_worker_runs_the_sweep() -> None:
    ticket = pressed()
    ticket_claim(ticket.id, "a-worker-without-a-lease")
    DemoRun.objects.update(started_at=timezone.now() - timedelta(minutes=1))

    assert mark_lost_demo_runs.call() == 1
    assert DemoRun.objects.get().outcome == DemoRun.Outcome.LOST
