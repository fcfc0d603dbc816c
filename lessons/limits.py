"""The limits on demo runs: a per-user rate and a global cap on streams open at once.

Both are counters in the cache (Redis in production), so they hold across every worker.

The cap counts leases, not starts. Each web worker process takes a seat (one of `SEATS`
numbered cache keys, each held under a lease of `LESSONS_WORKER_LEASE` seconds) and keeps the
number of streams it has open in its seat's counter; the runs in progress are the sum over the
seats. While a worker has streams open it renews its lease every third of the lease and sets its
counter to its own exact count (a release lost to a Redis hiccup is corrected there). A worker
that dies stops renewing: its seat and its counter expire with the lease, so its slots are free
a few seconds later, and its runs' records can be marked lost (see `workers_alive`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from lessons.counters import CACHE_ERRORS, cache_work, counter_bump, counter_drop, counters_total

logger = logging.getLogger(__name__)

# Web worker processes that can count streams at once, over every host sharing the cache.
SEATS = 64
# Seats are taken lowest first; this key holds at least the highest taken + 1 (never lowered),
# so counting reads only the seats in use (each key read costs, even an absent one).
SEATS_IN_USE = "lessons:seats-in-use"
HINT_SECONDS = 1.0  # how long a worker trusts its last read of SEATS_IN_USE


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


def _seat_key(seat: int) -> str:
    return f"lessons:seat:{seat}"


def _count_key(seat: int) -> str:
    return f"lessons:streams:{seat}"


class StreamWorker:
    """This process's share of the cap: its seat, its open streams, its lease."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex
        self.lock = threading.Lock()
        self.seat: int | None = None
        self.open = 0
        self.renewed = 0.0  # time.monotonic() of the last renewal
        self.heartbeat: asyncio.Task[None] | None = None

    @staticmethod
    def lease() -> int:
        return int(settings.LESSONS_WORKER_LEASE)

    def _claim(self) -> int:
        seats = cache.get_many([_seat_key(seat) for seat in range(SEATS)])
        for seat in range(SEATS):
            if _seat_key(seat) not in seats and cache.add(_seat_key(seat), self.id, self.lease()):
                _seats_in_use_at_least(seat + 1)
                return seat
        raise RuntimeError(f"all {SEATS} stream-worker seats are taken")

    def renew(self) -> int:
        """Hold the seat for another lease (taking one if it was lost) and publish the exact
        count of open streams. Returns the seat."""
        seat = self.seat
        if seat is None or cache.get(_seat_key(seat)) != self.id:
            seat = self._claim()
        else:
            _seats_in_use_at_least(seat + 1)  # in case Redis forgot it
        cache.set_many({_seat_key(seat): self.id, _count_key(seat): self.open}, self.lease())
        self.seat, self.renewed = seat, time.monotonic()
        return seat

    def current_seat(self) -> int:
        """The seat, renewed first if a third of the lease has gone by."""
        if self.seat is None or time.monotonic() - self.renewed > self.lease() / 3:
            return self.renew()
        return self.seat

    def acquire(self) -> Slot | None:
        """Take a slot, or None when the cap is reached (the caller answers 429)."""
        seat = self.current_seat()
        with self.lock:
            self.open += 1
        counter_bump(_count_key(seat), timeout=self.lease())
        # Count after adding ourselves: two runs racing for the last slot both see the other and
        # one of them (or both) backs off, so the cap is never exceeded.
        if runs_in_progress() > settings.LESSONS_MAX_CONCURRENT_RUNS:
            self.release(Slot(self.id, seat))
            return None
        return Slot(self.id, seat)

    def release(self, slot: Slot) -> None:
        with self.lock:
            self.open = max(0, self.open - 1)
        counter_drop(_count_key(slot.seat))

    def keep_alive(self) -> None:
        """From the event loop, while streams are open: renew the lease until none is."""
        if self.heartbeat is None or self.heartbeat.done():
            self.heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.lease() / 3)
            try:
                await cache_work(self.renew)
            except CACHE_ERRORS as error:
                logger.warning("Could not renew the demo streams' lease: %s", error)
            if self.open == 0:
                return


@dataclass(frozen=True)
class Slot:
    """A place among the runs allowed at once, held until the stream ends."""

    worker: str
    seat: int


def _seats_in_use_at_least(seats: int) -> None:
    """Raise SEATS_IN_USE to `seats` if it is lower. Racing claims may push it higher than
    needed (each adds what it saw missing), never lower: counting then reads a few keys more."""
    cache.add(SEATS_IN_USE, 0, None)
    known = int(cache.get(SEATS_IN_USE) or 0)
    if known < seats:
        cache.incr(SEATS_IN_USE, seats - known)
        _HINT[:] = [0.0, 0]  # read it afresh


# (when read, seats in use): this process's last read of SEATS_IN_USE.
_HINT: list[float] = [0.0, 0]


def _seats_in_use() -> int:
    now = time.monotonic()
    if now - _HINT[0] > HINT_SECONDS:
        # Absent: no seat is held (every renewal sets it again after a Redis restart).
        _HINT[:] = [now, min(SEATS, int(cache.get(SEATS_IN_USE) or 0))]
    return int(_HINT[1])


WORKER = StreamWorker()


def runs_in_progress() -> int:
    """Streams open over every worker whose lease is current."""
    return max(0, counters_total([_count_key(seat) for seat in range(_seats_in_use())]))


def workers_alive() -> set[str]:
    """The ids of the web workers holding a current lease."""
    keys = [_seat_key(seat) for seat in range(_seats_in_use())]
    return {str(worker) for worker in cache.get_many(keys).values()}


def slot_acquire() -> Slot | None:
    return WORKER.acquire()


def slot_release(slot: Slot) -> None:
    WORKER.release(slot)
