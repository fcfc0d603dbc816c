"""Sessions in Redis, kept in the database (certify.sessions.db): Django's cached_db, but a
Redis outage never breaks a request. Django's own store falls back to the database when the
cache read fails, then raises on writing the session back to the cache (every signed-in page
answered 500 with Redis stopped). Here every cache call that fails is skipped: the database
holds the session anyway, and the cache fills again once Redis is back."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from certify.sessions import db

logger = logging.getLogger(__name__)
QUIET_FOR = 30.0  # seconds between two warnings about the same outage
_last_warning = [0.0]


def _warn(error: Exception) -> None:
    now = time.monotonic()
    if now - _last_warning[0] > QUIET_FOR:
        _last_warning[0] = now
        logger.warning("Session cache unavailable, using the database alone: %s", error)


class ResilientCache:
    """The session cache, with every failure turned into a miss."""

    def __init__(self, cache: BaseCache) -> None:
        self._cache = cache

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self._cache.get(key, default)
        except Exception as error:
            _warn(error)
            return default

    async def aget(self, key: str, default: Any = None) -> Any:
        try:
            return await self._cache.aget(key, default)
        except Exception as error:
            _warn(error)
            return default

    def set(self, key: str, value: Any, timeout: Any = None) -> None:
        try:
            self._cache.set(key, value, timeout)
        except Exception as error:
            _warn(error)

    async def aset(self, key: str, value: Any, timeout: Any = None) -> None:  # noqa: ASYNC109 (the cache API's expiry, not a wait)
        try:
            await self._cache.aset(key, value, timeout)
        except Exception as error:
            _warn(error)

    def delete(self, key: str) -> bool:
        try:
            return self._cache.delete(key)
        except Exception as error:
            _warn(error)
            return False

    async def adelete(self, key: str) -> bool:
        try:
            return await self._cache.adelete(key)
        except Exception as error:
            _warn(error)
            return False

    def __contains__(self, key: str) -> bool:
        try:
            return key in self._cache
        except Exception as error:
            _warn(error)
            return False


class SessionStore(cached_db.SessionStore, db.SessionStore):
    """Django's cached_db over certify's database store (its one-query read, on a cache miss)."""

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        # It stands in for the cache wherever cached_db uses one.
        self._cache = cast(BaseCache, ResilientCache(caches[settings.SESSION_CACHE_ALIAS]))
