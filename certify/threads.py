"""The thread a request's synchronous code runs on, lent from a pool (certify/asgi.py's
RequestThreads), and how a request that has no more synchronous code to run gives it back early.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)


class RequestThread(Executor):
    """The one thread a request's synchronous code runs on (see RequestThreads). It is taken
    from the pool at the request's first synchronous call, not before (a request that makes
    none, an SSE stream, holds no thread), and runs Django's request_started receivers there
    just before that call (`deferred`). It goes back to the pool at the request's end, or
    earlier when the request says it needs it no more (`request_thread_release`)."""

    def __init__(self, pool: list[ThreadPoolExecutor]) -> None:
        self.pool = pool
        self.thread: ThreadPoolExecutor | None = None
        self.deferred: Callable[[], object] | None = None

    @property
    def used(self) -> bool:
        return self.thread is not None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self.thread is None:
            self.thread = self.pool.pop() if self.pool else _new_thread()
        start, self.deferred = self.deferred, None
        if start is None:
            return self.thread.submit(fn, *args, **kwargs)

        def started_then(*args: Any, **kwargs: Any) -> Any:
            start()  # an error here is the call's error, as it would be the request's in Django
            return fn(*args, **kwargs)

        return self.thread.submit(started_then, *args, **kwargs)

    def release(self) -> None:
        """The request is over: its thread goes back to the pool."""
        if self.thread is not None:
            self.pool.append(self.thread)
            self.thread = None


def _new_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(1, "request")


def request_threads_start(pool: list[ThreadPoolExecutor], count: int) -> None:
    """Start request threads until `pool` holds `count`, each with its database connections
    open where they outlive a request (SQLite's: CONN_MAX_AGE). A worker's first burst of
    requests (a class pressing Run at once) otherwise started a thread and opened a connection
    for each request running synchronous code at once, 2 ms of CPU each, while the others
    waited. A database that cannot be reached now is connected by the first request, as usual.
    """
    started = [_new_thread() for _ in range(count - len(pool))]
    for connecting in [thread.submit(_connect) for thread in started]:
        if (error := connecting.exception()) is not None:
            logger.warning("Opening a request thread's database connection failed: %r", error)
    pool.extend(started)


def _connect() -> None:
    for alias, database in connections.settings.items():
        if database["CONN_MAX_AGE"] != 0:
            connections[alias].ensure_connection()


request_thread: contextvars.ContextVar[RequestThread | None] = contextvars.ContextVar(
    "request_thread", default=None
)


def request_thread_release() -> None:
    """This request runs no more synchronous code: a stream that never touches the database
    (the Run press's own stream, which lasts as long as the run). Settle its thread's database
    connections now where Django would at the request's end (a pooled PostgreSQL connection goes
    back to the pool), and lend the thread to the next request instead of keeping it, and its
    connection, for the whole stream. Not awaited: the thread runs the settling before anything
    a later request gives it. Outside certify's ASGI application (the test client), nothing
    changes: Django settles the request at its end, as it always does."""
    thread = request_thread.get()
    if thread is None or not thread.used:
        return
    if _closed_with_the_request():
        thread.submit(close_old_connections).add_done_callback(_log_failure)
    thread.release()


def _closed_with_the_request() -> bool:
    """Whether a database's connections end with each request (CONN_MAX_AGE 0, PostgreSQL's
    pool among them). Those kept longer (SQLite's) stay with the thread, as they would after the
    request's end: the next request's request_started checks them before their next use."""
    return any(database["CONN_MAX_AGE"] == 0 for database in connections.settings.values())


def _log_failure(settled: Future[None]) -> None:
    if (error := settled.exception()) is not None:
        logger.warning("Closing a request's database connections failed: %r", error)
