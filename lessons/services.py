"""Starting and recording demo runs.

The services answer in the domain's words (a ticket or a refusal with its reason; an admission
or a refusal); the views turn those into status codes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lessons.breaker import CircuitBreaker
from lessons.counters import CACHE_ERRORS
from lessons.demos import DemoOptions
from lessons.events import Metrics, Outcome
from lessons.limits import (
    WORKER,
    Slot,
    rate_limit_consume,
    runs_in_progress,
    slot_acquire,
    slot_release,
    workers_alive,
)
from lessons.models import DemoRun
from lessons.tickets import (
    TICKET_SECONDS,
    RunTicket,
    ticket_claim,
    ticket_claimants,
    ticket_get,
    ticket_issue,
)

# Seconds a learner refused for the global cap is told to wait.
BUSY_RETRY_AFTER = 5


class StartRefusal(StrEnum):
    BUSY = "busy"  # the global cap on runs streaming at once
    RATE_LIMITED = "rate-limited"  # the learner's own runs per window


@dataclass(frozen=True)
class RunRefused:
    """A run that may not start now: why, and in how many seconds to try again."""

    reason: StartRefusal
    retry_after: int

    @property
    def message(self) -> str:
        if self.reason is StartRefusal.BUSY:
            return (
                f"The demos are busy: {settings.LESSONS_MAX_CONCURRENT_RUNS} runs are streaming "
                "right now. Try again in a few seconds."
            )
        return (
            f"You have started {settings.LESSONS_RUNS_PER_WINDOW} demo runs in "
            f"{settings.LESSONS_RATE_WINDOW} seconds, the most allowed. You can start another "
            f"in {self.retry_after} s."
        )


def demo_run_start(
    *,
    user_id: int,
    session_key: str,
    lesson: str,
    preset: str,
    prompt: str,
    options: DemoOptions,
) -> RunTicket | RunRefused:
    """Check the limits and issue the ticket the stream will run, or say why not. Cache work
    only: with Redis unreachable this raises one of CACHE_ERRORS (the view says the demos are
    paused). The caller hands `demo_run_started(ticket)` to the recorder, so the run's record
    exists (running) from the press on, written off the request's path.
    """
    if runs_in_progress() >= settings.LESSONS_MAX_CONCURRENT_RUNS:
        return RunRefused(StartRefusal.BUSY, retry_after=BUSY_RETRY_AFTER)
    decision = rate_limit_consume(user_id)
    if not decision.allowed:
        return RunRefused(StartRefusal.RATE_LIMITED, retry_after=decision.retry_after)
    return ticket_issue(
        user_id=user_id,
        session_key=session_key,
        lesson=lesson,
        preset=preset,
        prompt=prompt,
        options=options,
    )


def demo_run_started(ticket: RunTicket) -> DemoRun:
    """The record of a run just started (running), not saved yet (`demo_runs_save`)."""
    return DemoRun(
        key=ticket.id,
        user_id=ticket.user_id,
        lesson=ticket.lesson,
        preset=ticket.preset,
        backend=ticket.backend,
        started_at=timezone.now(),
        total_ms=0,
        outcome=DemoRun.Outcome.RUNNING,
    )


class AdmissionRefusal(StrEnum):
    """Why a stream request does not run its ticket."""

    SIGNED_OUT = "signed-out"  # no session cookie
    UNKNOWN = "unknown"  # no such ticket, another lesson's, or another session's
    BUSY = "busy"  # no slot under the global cap (the ticket stays unclaimed: retry)
    CLAIMED = "claimed"  # already run (a reconnect): never run twice


@dataclass(frozen=True)
class Admitted:
    """A stream request that runs its ticket in the slot it holds."""

    ticket: RunTicket
    slot: Slot
    paused: str = ""  # why the model backend's circuit breaker refuses runs, when it does


def demo_run_admit(
    *, run_id: uuid.UUID, lesson: str, session_key: str
) -> Admitted | AdmissionRefusal:
    """Check a stream request against its ticket, the cap and the backend's breaker, then
    claim the ticket in this worker's name.

    Cache work only, no database. The slot is taken before the claim, so a request refused for
    lack of a slot can still retry.
    """
    if not session_key:
        return AdmissionRefusal.SIGNED_OUT
    ticket = ticket_get(run_id)
    if ticket is None or ticket.lesson != lesson or not ticket.belongs_to(session_key):
        return AdmissionRefusal.UNKNOWN
    return demo_run_claim(ticket)


def demo_run_claim(ticket: RunTicket) -> Admitted | AdmissionRefusal:
    """Take a slot under the cap and claim the ticket in this worker's name (the stream
    request's admission, or the Run press that streams its own run). Cache work only."""
    slot = slot_acquire()
    if slot is None:
        return AdmissionRefusal.BUSY
    if not ticket_claim(ticket.id, WORKER.id):
        slot_release(slot)
        return AdmissionRefusal.CLAIMED
    breaker = CircuitBreaker.for_backend()
    paused = "" if breaker.allow_now() else breaker.state_now().summary
    return Admitted(ticket, slot, paused=paused)


def demo_run_settle(*, slot: Slot | None, outcome: Outcome, counts_for_breaker: bool) -> None:
    """As soon as a stream has ended (cache work only): free its slot, and tell the backend's
    breaker how the model did (a refusal while it was open says nothing)."""
    if slot is not None:
        slot_release(slot)
    if not counts_for_breaker or outcome not in ("completed", "failed"):
        return
    breaker = CircuitBreaker.for_backend()
    if outcome == "completed":
        breaker.record_success_now()
    else:
        breaker.record_failure_now()


LOST_MESSAGE = "Cut off: the web worker streaming it stopped before the run ended."
NEVER_STREAMED = "Never streamed: its page did not connect before the ticket expired."


def demo_run_cut_off(*, run_id: uuid.UUID) -> DemoRun | None:
    """A stream asked for again after its ticket was claimed: the connection to the run broke.
    Its record, marked lost first if it is still running with its worker gone."""
    run = DemoRun.objects.filter(key=run_id).first()
    if run is None or run.outcome != DemoRun.Outcome.RUNNING:
        return run
    try:
        worker = ticket_claimants([run_id]).get(run_id)
        gone = worker is not None and worker not in workers_alive()
    except CACHE_ERRORS:
        gone = False  # nothing to tell: the sweep decides later
    if gone:
        _mark_lost([run.pk], LOST_MESSAGE)
        run.refresh_from_db()
    return run


def _mark_lost(pks: list[int], error: str) -> int:
    # Only runs still running: a stream that settled in the meantime keeps its outcome.
    return DemoRun.objects.filter(pk__in=pks, outcome=DemoRun.Outcome.RUNNING).update(
        outcome=DemoRun.Outcome.LOST, error=error
    )


def demo_runs_mark_lost(*, now: datetime | None = None) -> int:
    """The sweep: mark lost every running record whose stream can no longer be running. How
    many.

    - its ticket was claimed by a web worker whose lease has lapsed (the worker died);
    - its ticket was never claimed and has expired (the page never connected);
    - it is older than a ticket's life plus a run's lifetime (whatever the cache says: after a
      Redis outage or restart the claims may be gone).

    A record marked lost whose stream does end after all (a lease lost to a long stall) is
    settled with its real outcome by the recorder.
    """
    now = now or timezone.now()
    lease = timedelta(seconds=settings.LESSONS_WORKER_LEASE)
    lifetime = timedelta(seconds=TICKET_SECONDS + settings.LESSONS_RUN_LIFETIME + 60)
    running = list(
        DemoRun.objects.filter(outcome=DemoRun.Outcome.RUNNING, started_at__lt=now - lease)
        .values_list("pk", "key", "started_at")
        .order_by("started_at")[:1000]
    )
    lost = [pk for pk, _, started in running if started < now - lifetime]
    orphaned, never = _by_claims(running, now=now)
    return _mark_lost(lost + orphaned, LOST_MESSAGE) + _mark_lost(never, NEVER_STREAMED)


def _by_claims(
    running: list[tuple[int, uuid.UUID | None, datetime]], *, now: datetime
) -> tuple[list[int], list[int]]:
    """From the cache's claims: the runs whose claiming worker's lease has lapsed, and the
    unclaimed runs whose ticket has expired. Neither while the cache is unreachable."""
    try:
        alive = workers_alive()
        claims = ticket_claimants([key for _, key, _ in running if key is not None])
    except CACHE_ERRORS:
        return [], []
    expired = now - timedelta(seconds=TICKET_SECONDS)
    orphaned, never = [], []
    for pk, key, started in running:
        worker = claims.get(key) if key is not None else None
        if worker is not None and worker not in alive:
            orphaned.append(pk)
        elif worker is None and started < expired:
            never.append(pk)
    return orphaned, never


def demo_run_record(
    *,
    ticket: RunTicket,
    started_at: datetime,
    outcome: Outcome,
    metrics: Metrics,
    error: str = "",
) -> DemoRun:
    """The record of an ended run, not saved yet (`demo_runs_save` writes them in batches)."""
    return DemoRun(
        key=ticket.id,
        user_id=ticket.user_id,
        lesson=ticket.lesson,
        preset=ticket.preset,
        backend=ticket.backend,
        started_at=started_at,
        ttft_ms=metrics.ttft_ms,
        total_ms=metrics.elapsed_ms,
        chunks=metrics.chunks,
        outcome=outcome,
        error=error[:2000] or ("unknown error" if outcome == "failed" else ""),
    )


SETTLED_FIELDS = ["ttft_ms", "total_ms", "chunks", "outcome", "error"]


def demo_runs_save(*, runs: list[DemoRun]) -> None:
    """Write runs' records in a few queries, all or none: started runs are inserted (unless
    their end was written first), ended runs settle the record of their start (their real
    outcome wins over a `lost` mark), or are inserted whole when it is not there."""
    started = [run for run in runs if run.outcome == DemoRun.Outcome.RUNNING]
    ended = [run for run in runs if run.outcome != DemoRun.Outcome.RUNNING]
    with transaction.atomic():
        if started:
            # A started run whose end is already written (its press and its stream in two
            # workers, the stream's writer first) keeps the end.
            DemoRun.objects.bulk_create(started, ignore_conflicts=True)
        if ended:
            _settle(ended)


def _settle(ended: list[DemoRun]) -> None:
    """Ended runs settle the records of their starts in one statement: an insert that, where
    the start's record is there, updates its settled fields instead (an end whose start is not
    there yet is inserted whole). Django's bulk_update built a CASE per field and run, the
    largest part of a run's write."""
    DemoRun.objects.bulk_create(
        ended, update_conflicts=True, unique_fields=["key"], update_fields=SETTLED_FIELDS
    )
