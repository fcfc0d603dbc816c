"""The rate limit and the global cap live in the cache, so every worker sees the same counts."""

from __future__ import annotations

import time

from django.core.cache import cache

from lessons.limits import (
    WORKER,
    StreamWorker,
    rate_limit_consume,
    runs_in_progress,
    slot_acquire,
    slot_release,
    workers_alive,
)


def test_the_rate_limit_allows_so_many_runs_per_window_then_says_when(settings) -> None:
    settings.LESSONS_RUNS_PER_WINDOW = 3
    settings.LESSONS_RATE_WINDOW = 60
    now = 6000.0 + 45  # 15 s before the window ends

    decisions = [rate_limit_consume(1, now=now) for _ in range(4)]

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after == 15
    assert rate_limit_consume(2, now=now).allowed  # another learner has their own
    assert rate_limit_consume(1, now=now + 20).allowed  # the next window


def test_slots_are_capped_and_come_back_when_released(settings) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 2
    first, second = slot_acquire(), slot_acquire()

    assert first is not None
    assert second is not None
    assert slot_acquire() is None
    assert runs_in_progress() == 2

    slot_release(first)
    assert runs_in_progress() == 1
    assert slot_acquire() is not None


def test_the_cap_counts_the_streams_of_every_worker(settings) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 3
    other = StreamWorker()  # another web worker process
    held = [other.acquire(), other.acquire()]

    assert slot_acquire() is not None
    assert slot_acquire() is None  # 2 there and 1 here
    assert runs_in_progress() == 3
    assert workers_alive() == {WORKER.id, other.id}
    assert held[0] is not None
    other.release(held[0])
    assert slot_acquire() is not None


def test_a_dead_workers_slots_free_themselves_when_its_lease_lapses(settings) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 1
    settings.LESSONS_WORKER_LEASE = 1
    dead = StreamWorker()
    assert dead.acquire() is not None  # then killed: never released, never renewed

    assert slot_acquire() is None
    time.sleep(1.1)

    assert runs_in_progress() == 0
    assert dead.id not in workers_alive()
    assert slot_acquire() is not None


def test_renewing_the_lease_publishes_the_exact_count(settings) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 5
    slot = slot_acquire()
    assert slot is not None
    cache.incr(f"lessons:streams:{slot.seat}", 3)  # releases lost while the cache was away

    assert runs_in_progress() == 4
    WORKER.renew()
    assert runs_in_progress() == 1


def test_a_worker_whose_seat_was_taken_takes_another(settings) -> None:
    WORKER.renew()
    seat = WORKER.seat
    assert seat is not None
    cache.set(f"lessons:seat:{seat}", "another-worker", 60)  # its lease had lapsed

    assert WORKER.renew() != seat
    assert workers_alive() == {"another-worker", WORKER.id}


def test_streams_on_every_seat_taken_are_counted(settings) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 100
    others = [StreamWorker() for _ in range(3)]
    for other in others:
        assert other.acquire() is not None

    assert slot_acquire() is not None
    assert runs_in_progress() == 4  # seats 0 to 3, all read
    assert workers_alive() == {WORKER.id, *(other.id for other in others)}
