"""Circuit breakers in the cache: closed, open after failures in a row, half-open for a trial."""

from __future__ import annotations

import pytest

from lessons import breaker as breaker_module
from lessons.breaker import CircuitBreaker


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_000_000.0]
    monkeypatch.setattr(breaker_module.time, "time", lambda: now[0])
    return now


def test_the_breaker_opens_after_repeated_failures_then_lets_one_trial_through(clock) -> None:
    breaker = CircuitBreaker("test", threshold=3, cooldown=30)
    assert breaker.allow_now()
    for _ in range(2):
        breaker.record_failure_now()
    assert breaker.state_now().status == "closed"
    assert breaker.allow_now()

    state = breaker.record_failure_now()
    assert (state.status, state.failures, state.retry_in) == ("open", 3, 30)
    assert not breaker.allow_now()

    clock[0] += 31
    assert breaker.state_now().status == "half-open"
    assert breaker.allow_now()  # the trial
    assert not breaker.allow_now()  # only one at a time

    breaker.record_failure_now()  # the trial failed: open again, for a new cooldown
    assert breaker.state_now().status == "open"
    clock[0] += 31
    assert breaker.allow_now()
    breaker.record_success_now()
    assert breaker.state_now().status == "closed"
    assert breaker.state_now().failures == 0


def test_a_success_resets_the_count_of_failures(clock) -> None:
    breaker = CircuitBreaker("test", threshold=2, cooldown=30)
    breaker.record_failure_now()
    breaker.record_success_now()
    breaker.record_failure_now()
    assert breaker.state_now().status == "closed"


def test_breakers_are_separate_by_name(clock) -> None:
    mine, backend = CircuitBreaker.for_demos("user-1"), CircuitBreaker.for_backend()
    for _ in range(mine.threshold):
        mine.record_failure_now()
    assert mine.state_now().status == "open"
    assert backend.state_now().status == "closed"


def test_the_state_says_what_it_means_in_words(clock) -> None:
    breaker = CircuitBreaker("test", threshold=2, cooldown=30)
    assert breaker.state_now().summary == "closed: 0 of 2 failures in a row"
    breaker.record_failure_now()
    breaker.record_failure_now()
    assert breaker.state_now().summary == "open: runs go straight to the fallback for 30 s more"
    clock[0] += 12
    assert breaker.state_now().retry_in == pytest.approx(18)
    clock[0] += 20
    assert breaker.state_now().summary == "half-open: the next run is a trial"
    assert breaker.state_now().retry_in is None


def test_the_settings_give_the_defaults(settings) -> None:
    settings.LESSONS_BREAKER_THRESHOLD = 5
    settings.LESSONS_BREAKER_COOLDOWN = 12
    breaker = CircuitBreaker.for_backend()
    assert (breaker.name, breaker.threshold, breaker.cooldown) == ("backend", 5, 12)
    assert CircuitBreaker.for_demos("user-7").name == "demo:user-7"


async def test_the_async_methods_share_the_state_of_the_sync_ones(clock) -> None:
    breaker = CircuitBreaker("test", threshold=1, cooldown=30)
    assert await breaker.allow()
    state = await breaker.record_failure()
    assert state.status == "open"
    assert not await breaker.allow()
    assert breaker.state_now().status == "open"
    await breaker.record_success()
    assert (await breaker.state()).status == "closed"
