"""Atomic counters in the cache, shared by every worker."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from lessons import counters
from lessons.counters import cache_is_local, counter_bump, counter_drop, counters_total


def test_a_counter_starts_at_zero_and_counts_up_and_down() -> None:
    assert counter_bump("c", timeout=60) == 1
    assert counter_bump("c", timeout=60, delta=4) == 5
    counter_drop("c", 2)
    assert counters_total(["c"]) == 3


def test_dropping_a_counter_that_has_expired_does_nothing() -> None:
    counter_drop("never-made")
    assert cache.get("never-made") is None


def test_the_total_adds_the_counters_that_exist() -> None:
    counter_bump("a", timeout=60)
    counter_bump("b", timeout=60, delta=2)
    assert counters_total(["a", "b", "gone"]) == 3
    assert counters_total([]) == 0


def test_a_counter_that_expires_between_add_and_incr_is_made_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_incr = cache.incr
    lost = [True]

    def incr_once_lost(key: str, delta: int = 1) -> int:
        if lost.pop() if lost else False:
            cache.delete(key)  # it expired just now
        return real_incr(key, delta)

    monkeypatch.setattr(counters.cache, "incr", incr_once_lost)
    assert counter_bump("c", timeout=60) == 1


def test_a_cache_that_keeps_losing_the_counter_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def always_lost(key: str, delta: int = 1) -> int:
        raise ValueError(f"Key '{key}' not found")

    monkeypatch.setattr(counters.cache, "incr", always_lost)
    with pytest.raises(RuntimeError, match="keeps losing the counter 'c'"):
        counter_bump("c", timeout=60)


def test_the_in_process_cache_is_local_and_redis_is_not() -> None:
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=local):
        assert cache_is_local()
    redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # never connected to
        }
    }
    with override_settings(CACHES=redis):
        assert not cache_is_local()


async def test_cache_work_runs_on_the_loop_for_the_local_cache() -> None:
    import threading

    from lessons.counters import cache_work

    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=local):
        assert await cache_work(threading.get_ident) == threading.get_ident()


async def test_cache_work_goes_to_the_thread_pool_for_a_networked_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from lessons.counters import cache_work

    monkeypatch.setattr(counters, "cache_is_local", lambda: False)
    assert await cache_work(threading.get_ident) != threading.get_ident()
