"""Atomic counters in Django's cache, shared by every worker when the cache is Redis.

Django's async `cache.aincr` is a get followed by a set (not atomic, and it resets the expiry),
so the async callers here go through the synchronous `incr`, which is one INCR on Redis and
locked in the local-memory cache.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string
from redis.exceptions import RedisError

T = TypeVar("T")

# What a cache call raises when Redis is unreachable (refused, reset, timed out).
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


def cache_is_local() -> bool:
    """Whether the cache lives in this process: no network I/O, so its work (microseconds) may
    run on the event loop instead of waiting for a thread. Read from the setting (asked on every
    Run press and stream end; `caches["default"]` looks the cache up through a context-local)."""
    return _local_backend(settings.CACHES["default"]["BACKEND"])


@functools.cache
def _local_backend(path: str) -> bool:
    return issubclass(import_string(path), LocMemCache)


async def cache_work(call: Callable[[], T]) -> T:
    """Run cache work from async code: on the loop for the in-process cache, else in the shared
    thread pool (a network round trip to Redis must not block the loop, and needs no thread of
    the request's own)."""
    if cache_is_local():
        return call()
    return await sync_to_async(call, thread_sensitive=False)()


def counter_bump(key: str, *, timeout: float, delta: int = 1) -> int:
    """Add `delta` to the counter at `key` (created at 0 with `timeout`) and return its value."""
    for _ in range(3):
        cache.add(key, 0, timeout)
        try:
            return cache.incr(key, delta)
        except ValueError:
            continue  # it expired between add and incr: create it again
    raise RuntimeError(f"the cache keeps losing the counter {key!r}")


def counter_drop(key: str, delta: int = 1) -> None:
    """Take `delta` off a counter; nothing to do if it has expired."""
    with contextlib.suppress(ValueError):
        cache.decr(key, delta)


def counters_total(keys: list[str]) -> int:
    return sum(int(value) for value in cache.get_many(keys).values())


acounter_bump = sync_to_async(counter_bump)
acounter_drop = sync_to_async(counter_drop)
