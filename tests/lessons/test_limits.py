"""The rate limit and the global cap live in the cache, so every worker sees the same counts."""

from __future__ import annotations

from lessons.limits import rate_limit_consume, runs_in_progress, slot_acquire, slot_release


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
    first, second = slot_acquire(now=100), slot_acquire(now=105)

    assert first is not None
    assert second is not None
    assert slot_acquire(now=106) is None
    assert runs_in_progress(now=106) == 2

    slot_release(first)
    assert runs_in_progress(now=107) == 1
    assert slot_acquire(now=107) is not None


def test_a_slot_never_released_stops_counting_after_the_lifetime_cap(settings) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 1
    settings.LESSONS_RUN_LIFETIME = 60
    assert slot_acquire(now=1000) is not None  # its worker died: never released

    assert slot_acquire(now=1030) is None
    # Its ten-second bucket leaves the window one lifetime (and two buckets of margin) later.
    assert runs_in_progress(now=1000 + 60 + 20) == 1
    assert runs_in_progress(now=1000 + 60 + 30) == 0
    assert slot_acquire(now=1000 + 60 + 30) is not None
