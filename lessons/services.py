"""Starting and recording demo runs."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from lessons.demos import DemoOptions
from lessons.events import Metrics, Outcome
from lessons.limits import rate_limit_consume, runs_in_progress
from lessons.models import DemoRun
from lessons.tickets import RunTicket, ticket_issue


class RunRefused(Exception):
    """A run that may not start now; the message says why and when to try again."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def demo_run_start(
    *, user_id: int, lesson: str, preset: str, prompt: str, options: DemoOptions
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
        user_id=user_id, lesson=lesson, preset=preset, prompt=prompt, options=options
    )


async def demo_run_record(
    *,
    ticket: RunTicket,
    started_at: datetime,
    outcome: Outcome,
    metrics: Metrics,
    error: str = "",
) -> DemoRun:
    """Record a run once its stream has ended (never while it streams)."""
    return await DemoRun.objects.acreate(
        user_id=ticket.user_id,
        lesson=ticket.lesson,
        preset=ticket.preset,
        backend=ticket.backend,
        started_at=started_at,
        ttft_ms=metrics.ttft_ms,
        total_ms=metrics.elapsed_ms,
        chunks=metrics.chunks,
        outcome=outcome,
        error=error[:2000] or ("" if outcome != "failed" else "unknown error"),
    )
