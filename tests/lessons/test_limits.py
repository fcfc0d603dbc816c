"""Limits and breakers live in the cache, so every worker sees the same counts."""

from __future__ import annotations

import uuid

import pytest

from lessons import breaker as breaker_module
from lessons.breaker import CircuitBreaker
from lessons.demos import DemoOptions
from lessons.limits import rate_limit_consume, runs_in_progress, slot_acquire, slot_release
from lessons.tickets import ticket_claim, ticket_get, ticket_issue


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


def test_a_ticket_is_claimed_once_and_belongs_to_the_session_that_asked() -> None:
    ticket = ticket_issue(
        user_id=1,
        session_key="the-session-key",
        lesson="basic-streaming",
        preset="side-by-side",
        prompt="Hi",
        options=DemoOptions(length="long"),
    )
    assert ticket_get(ticket.id) == ticket
    assert ticket.belongs_to("the-session-key")
    assert not ticket.belongs_to("another-session-key")
    assert not ticket.belongs_to("")
    assert "the-session-key" not in ticket.model_dump_json()  # only its digest is kept
    assert ticket_claim(ticket.id) is True
    assert ticket_claim(ticket.id) is False
    assert ticket_get(uuid.uuid4()) is None


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
