"""The Redis cache's connections are the process's, not each request's (certify/cache.py)."""

from __future__ import annotations

import os

import pytest

from certify import settings as module
from certify.cache import RedisCache

LOCATION = "redis://127.0.0.1:9/0"  # nothing listens on the discard port: no connection made


def cache(location: str = LOCATION, **options: object) -> RedisCache:
    return RedisCache(location, {"OPTIONS": {**module.REDIS_OPTIONS, **options}})


def test_cache_objects_of_one_server_share_one_connection_pool() -> None:
    # Under ASGI each request gets a cache object of its own: they must not each connect.
    first, second = cache(), cache()

    pool = first.connection_pool(write=True)

    assert second.connection_pool(write=True) is pool
    assert second.connection_pool() is pool
    assert cache("redis://127.0.0.1:9/1").connection_pool(write=True) is not pool
    assert cache(socket_timeout=5).connection_pool(write=True) is not pool


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis (REDIS_URL)")
def test_requests_reuse_the_connection_another_one_made() -> None:
    url = os.environ["REDIS_URL"]
    writer, reader = cache(url), cache(url)
    pool = writer.connection_pool(write=True)
    writer.set("certify-test-shared-pool", 42, timeout=10)
    made = pool._created_connections

    assert reader.get("certify-test-shared-pool") == 42
    assert pool._created_connections == made  # the reader made no connection of its own
    reader.delete("certify-test-shared-pool")


def test_keys_are_taken_as_they_are_without_memcacheds_check(recwarn) -> None:
    """Neither Redis nor the local-memory cache refuses a key memcached would; Django's check
    only warns, one character at a time, on every call. certify's caches skip it."""
    import warnings

    from django.core.cache.backends.base import CacheKeyWarning
    from django.core.cache.backends.locmem import LocMemCache as DjangosLocMemCache

    from certify.cache import LocMemCache

    odd = "a key with spaces " + "x" * 300
    warnings.simplefilter("always", CacheKeyWarning)
    ours = LocMemCache("certify-test-keys", {})
    ours.set(odd, 42)
    assert ours.get(odd) == 42
    assert not [w for w in recwarn if w.category is CacheKeyWarning]

    DjangosLocMemCache("certify-test-keys-django", {}).set(odd, 42)
    assert [w for w in recwarn if w.category is CacheKeyWarning]  # what the check did
    recwarn.clear()
    cache().validate_key(odd)  # the Redis cache: the same
    assert not [w for w in recwarn if w.category is CacheKeyWarning]
