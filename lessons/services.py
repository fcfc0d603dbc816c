"""Starting and recording demo runs.

The services answer in the domain's words (a ticket or a refusal with its reason; an admission
or a refusal); the views turn those into status codes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.db import transaction

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
    """Check the limits and issue the ticket the stream will run, or say why not."""
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
    claim the ticket.

    Cache work only, no database. The slot is taken before the claim, so a request refused for
    lack of a slot can still retry.
    """
    if not session_key:
        return AdmissionRefusal.SIGNED_OUT
    ticket = ticket_get(run_id)
    if ticket is None or ticket.lesson != lesson or not ticket.belongs_to(session_key):
        return AdmissionRefusal.UNKNOWN
    slot = slot_acquire()
    if slot is None:
        return AdmissionRefusal.BUSY
    if not ticket_claim(run_id):
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


def demo_runs_save(*, runs: list[DemoRun]) -> None:
    """Write ended runs' records in one query, all or none."""
    with transaction.atomic():
        DemoRun.objects.bulk_create(runs)
