"""Circuit breakers kept in the cache, so that every worker sees the same state.

Closed: runs go through. After `threshold` failures in a row the breaker opens: runs are refused
(or, in the demo, sent straight to the fallback) for `cooldown` seconds. Then it is half-open:
one trial run goes through; its success closes the breaker, its failure opens it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache

from lessons.counters import counter_bump

BreakerStatus = Literal["closed", "open", "half-open"]
# Failures older than this are forgotten, even without a success in between.
MEMORY = 60 * 60


@dataclass(frozen=True)
class BreakerState:
    name: str
    status: BreakerStatus
    failures: int
    threshold: int
    cooldown: float
    retry_in: float | None = None  # seconds until a trial run, while open

    @property
    def summary(self) -> str:
        if self.status == "open":
            return f"open: runs go straight to the fallback for {self.retry_in:.0f} s more"
        if self.status == "half-open":
            return "half-open: the next run is a trial"
        return f"closed: {self.failures} of {self.threshold} failures in a row"


class CircuitBreaker:
    def __init__(self, name: str, *, threshold: int | None = None, cooldown: float | None = None):
        self.name = name
        self.threshold = threshold or settings.LESSONS_BREAKER_THRESHOLD
        self.cooldown = cooldown if cooldown is not None else settings.LESSONS_BREAKER_COOLDOWN
        prefix = f"lessons:breaker:{name}"
        self._failures = f"{prefix}:failures"
        self._opened = f"{prefix}:opened"
        self._trial = f"{prefix}:trial"

    @classmethod
    def for_backend(cls) -> CircuitBreaker:
        """The breaker in front of the model backend, shared by every run."""
        return cls("backend")

    @classmethod
    def for_demos(cls, owner: str) -> CircuitBreaker:
        return cls(f"demo:{owner}")

    def state_now(self) -> BreakerState:
        values = cache.get_many([self._failures, self._opened])
        failures = int(values.get(self._failures, 0))
        opened = values.get(self._opened)
        status: BreakerStatus = "closed"
        retry_in = None
        if failures >= self.threshold and opened is not None:
            retry_in = float(opened) + self.cooldown - time.time()
            status = "open" if retry_in > 0 else "half-open"
        return BreakerState(
            name=self.name,
            status=status,
            failures=failures,
            threshold=self.threshold,
            cooldown=self.cooldown,
            retry_in=max(retry_in, 0.0) if status == "open" and retry_in is not None else None,
        )

    def allow_now(self) -> bool:
        """May a run use the model now? In half-open state only one caller gets a yes."""
        status = self.state_now().status
        if status == "half-open":
            return cache.add(self._trial, 1, self.cooldown)
        return status == "closed"

    def record_success_now(self) -> None:
        cache.delete_many([self._failures, self._opened, self._trial])

    def record_failure_now(self) -> BreakerState:
        failures = counter_bump(self._failures, timeout=MEMORY)
        if failures >= self.threshold:
            # Opening (or re-opening after a failed trial) starts a new cooldown.
            cache.set(self._opened, time.time(), MEMORY)
            cache.delete(self._trial)
        return self.state_now()

    async def state(self) -> BreakerState:
        return await sync_to_async(self.state_now)()

    async def allow(self) -> bool:
        return await sync_to_async(self.allow_now)()

    async def record_success(self) -> None:
        await sync_to_async(self.record_success_now)()

    async def record_failure(self) -> BreakerState:
        return await sync_to_async(self.record_failure_now)()
