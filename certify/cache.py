"""Django's Redis and local-memory caches, with their keys taken as they are, and the Redis
cache's connections kept for the life of the process.

Django checks every key of every cache call against memcached's rules (length, control
characters and spaces), one character at a time, and warns where memcached would refuse it. No
memcached serves certify: Redis and the local-memory cache take any key, so the check only cost
time, about 3 us a call and a Run press makes ten (limits, ticket, claim).

Django's cache handler keeps one cache object per request context under ASGI, and its Redis
client keeps its connection pool on that object: every request that read the cache (a signed-in
page reads its session there) opened a new TCP connection to Redis and went through redis-py's
handshake on it (CLIENT SETINFO, HELLO) before its first command, then dropped it. Measured with
py-spy on the load bench's answer saves: Redis connection setup was 6% of a web worker's time.
Here every cache object of a process draws from one pool per server and options; redis-py's
pools are thread-safe, and a connection that fails is dropped by the pool and made again on next
use (so a Redis restart costs what it did before).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.cache.backends import locmem
from django.core.cache.backends import redis as django_redis


class AnyKey:
    """A cache whose backend takes any key: no check against memcached's rules."""

    def validate_key(self, key: str) -> None:
        return None


class LocMemCache(AnyKey, locmem.LocMemCache):
    pass


class SharedPoolClient(django_redis.RedisCacheClient):
    # Set by Django's client (its stubs do not declare them).
    _servers: list[str]
    _pool_class: Any
    _pool_options: dict[str, Any]
    _get_connection_pool_index: Callable[[bool], int]

    _pools_by_server: ClassVar[dict[tuple[str, str], Any]] = {}
    _pools_lock: ClassVar[threading.Lock] = threading.Lock()

    def _get_connection_pool(self, write: bool) -> Any:
        server = self._servers[self._get_connection_pool_index(write)]
        key = (server, repr(sorted(self._pool_options.items(), key=lambda item: item[0])))
        pool = self._pools_by_server.get(key)
        if pool is None:
            with self._pools_lock:
                pool = self._pools_by_server.get(key)
                if pool is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    self._pools_by_server[key] = pool
        return pool


class RedisCache(AnyKey, django_redis.RedisCache):
    _cache: SharedPoolClient  # Django's cached property, made with `_class`

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolClient

    def connection_pool(self, *, write: bool = False) -> Any:
        """The redis-py pool this cache's commands draw from (shared by the process)."""
        return self._cache._get_connection_pool(write)
