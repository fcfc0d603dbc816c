"""The limits on demo runs: a per-user rate and a global cap on streams open at once.

Both are counters in the cache (Redis in production), so they hold across every worker. The
concurrency counter is split into ten-second buckets by start time: a run counts in its bucket
until it ends, and a bucket older than the run lifetime cap is ignored. A worker that dies with
open streams therefore leaks its count for at most one lifetime, never for good.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from lessons.counters import counter_bump, counter_drop, counters_total

BUCKET_SECONDS = 10


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0  # seconds until the window resets, when refused


def rate_limit_consume(user_id: int, *, now: float | None = None) -> RateDecision:
    """Count one run start for the user; refuse it past the limit for the current window."""
    now = time.time() if now is None else now
    window = settings.LESSONS_RATE_WINDOW
    index = int(now // window)
    count = counter_bump(f"lessons:rate:{user_id}:{index}", timeout=window + 1)
    if count > settings.LESSONS_RUNS_PER_WINDOW:
        return RateDecision(False, retry_after=max(1, round((index + 1) * window - now)))
    return RateDecision(True)


@dataclass(frozen=True)
class Slot:
    """A place among the runs allowed at once, held until the stream ends."""

    key: str


def _window_keys(now: float) -> list[str]:
    span = settings.LESSONS_RUN_LIFETIME + 2 * BUCKET_SECONDS
    last = int(now // BUCKET_SECONDS)
    first = int((now - span) // BUCKET_SECONDS)
    return [f"lessons:running:{bucket}" for bucket in range(first, last + 1)]


def runs_in_progress(*, now: float | None = None) -> int:
    return max(0, counters_total(_window_keys(time.time() if now is None else now)))


def slot_acquire(*, now: float | None = None) -> Slot | None:
    """Take a slot, or None when the cap is reached (the caller answers 429)."""
    now = time.time() if now is None else now
    key = f"lessons:running:{int(now // BUCKET_SECONDS)}"
    counter_bump(key, timeout=settings.LESSONS_RUN_LIFETIME + 3 * BUCKET_SECONDS)
    # Count after adding ourselves: two runs racing for the last slot both see the other and
    # one of them (or both) backs off, so the cap is never exceeded.
    if counters_total(_window_keys(now)) > settings.LESSONS_MAX_CONCURRENT_RUNS:
        counter_drop(key)
        return None
    return Slot(key)


def slot_release(slot: Slot) -> None:
    counter_drop(slot.key)
