"""Starting and recording demo runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from lessons.breaker import CircuitBreaker
from lessons.demos import DemoOptions
from lessons.events import Metrics, Outcome
from lessons.limits import (
    Slot,
    rate_limit_consume,
    runs_in_progress,
    slot_acquire,
    slot_release,
)
from lessons.models import DemoRun
from lessons.tickets import RunTicket, ticket_claim, ticket_get, ticket_issue


class RunRefused(Exception):
    """A run that may not start now; the message says why and when to try again."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def demo_run_start(
    *,
    user_id: int,
    session_key: str,
    lesson: str,
    preset: str,
    prompt: str,
    options: DemoOptions,
) -> RunTicket:
    """Check the limits and issue the ticket the stream will run; raise RunRefused if over."""
    cap = settings.LESSONS_MAX_CONCURRENT_RUNS
    if runs_in_progress() >= cap:
        raise RunRefused(
            f"The demos are busy: {cap} runs are streaming right now. Try again in a few seconds.",
            retry_after=5,
        )
    decision = rate_limit_consume(user_id)
    if not decision.allowed:
        raise RunRefused(
            f"You have started {settings.LESSONS_RUNS_PER_WINDOW} demo runs in "
            f"{settings.LESSONS_RATE_WINDOW} seconds, the most allowed. You can start another "
            f"in {decision.retry_after} s.",
            retry_after=decision.retry_after,
        )
    return ticket_issue(
        user_id=user_id,
        session_key=session_key,
        lesson=lesson,
        preset=preset,
        prompt=prompt,
        options=options,
    )


@dataclass(frozen=True)
class Admission:
    """Whether a stream request may run its ticket: the HTTP status, and what it may run."""

    status: int  # 200 run it; 204 already claimed; 403 not signed in; 404 not yours; 429 busy
    ticket: RunTicket | None = None
    slot: Slot | None = None
    paused: str = ""  # why the model backend's circuit breaker refuses runs, when it does


def demo_run_admit(*, run_id: uuid.UUID, lesson: str, session_key: str) -> Admission:
    """Check a stream request against its ticket, the cap and the backend's breaker, then
    claim the ticket.

    Cache work only, no database: the async view runs it in the shared thread pool. The slot is
    taken before the claim, so a request refused for lack of a slot can still retry.
    """
    if not session_key:
        return Admission(403)
    ticket = ticket_get(run_id)
    if ticket is None or ticket.lesson != lesson or not ticket.belongs_to(session_key):
        return Admission(404)
    slot = slot_acquire()
    if slot is None:
        return Admission(429)
    if not ticket_claim(run_id):
        slot_release(slot)
        return Admission(204)
    breaker = CircuitBreaker.for_backend()
    paused = "" if breaker.allow_now() else breaker.state_now().summary
    return Admission(200, ticket, slot, paused=paused)


def demo_run_finish(
    *,
    ticket: RunTicket,
    slot: Slot | None,
    started_at: datetime,
    outcome: Outcome,
    metrics: Metrics,
    error: str = "",
    counts_for_breaker: bool = True,
) -> DemoRun:
    """Once a stream has ended (never while it streams): free its slot, tell the backend's
    breaker how the model did, and record the run."""
    if slot is not None:
        slot_release(slot)
    breaker = CircuitBreaker.for_backend()
    if counts_for_breaker and outcome == "completed":
        breaker.record_success_now()
    elif counts_for_breaker and outcome == "failed":
        breaker.record_failure_now()
    return DemoRun.objects.create(
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
