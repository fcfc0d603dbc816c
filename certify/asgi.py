"""ASGI entry point: `uvicorn certify.asgi:application` (streaming needs ASGI)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections, reset_queries
from django.dispatch import Signal
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix

from certify.threads import RequestThread, request_thread, request_threads_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
# The adaptive engine's small matrix products are fastest on one thread; BLAS threads in every
# worker would fight over the cores (measured: 2-4 ms per choice vs 100-300 ms under load).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

logger = logging.getLogger(__name__)


class RequestThreads:
    """Each request's synchronous code (signal receivers, sync views, the ORM) runs on a thread
    of its own, as Django arranges; this lends it a thread that an earlier request has finished
    with instead of starting a new one.

    Django's handler opens a thread-sensitive context per request, and asgiref starts a thread
    for each such context on its first synchronous call. Under a few hundred requests at once,
    starting those threads was a fifth of the worker's time on the event loop (py-spy, the
    streaming benchmark). A context that is already open is reused by Django's handler, so
    opening ours around it, with an executor of ours, is all it takes. The thread is taken from
    the pool at the request's first synchronous call and given back at its end: the threads (and
    the database connections they keep) number the requests running synchronous code at once,
    not the requests open (200 Run presses at once made 200 threads, each opening its SQLite
    connection). Idle threads are kept for the next requests; as many as the worker serves at
    once are started with it (`lifespan`), so a class pressing Run together finds them ready.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send, self.idle)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        executor = RequestThread(self.idle)
        token = request_thread.set(executor)
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive, send)
        finally:
            request_thread.reset(token)
            executor.release()


# Django's own receivers of the request signals. Those of request_started (and
# close_old_connections at the end) look after the database connections of the thread they run
# on, and the others of request_finished only reset per-request state or close cache clients
# that hold nothing per request (Django's Redis and local-memory caches): with the request's
# thread unused, all of them may run on the event loop, where they find nothing to close.
_STARTED_ON_THE_REQUEST_THREAD = frozenset({reset_queries, close_old_connections})


def _finished_receivers_loop_safe() -> frozenset[Callable[..., Any]]:
    from django.core.cache import close_caches
    from django.core.handlers.base import reset_urlconf

    return frozenset({close_old_connections, close_caches, reset_urlconf})


def _only(signal: Signal, sender: type, allowed: frozenset[Callable[..., Any]]) -> bool:
    """Whether every receiver of `signal` is one of `allowed` (all synchronous)."""
    sync_receivers, async_receivers = signal._live_receivers(sender)
    return not async_receivers and all(receiver in allowed for receiver in sync_receivers)


class Handler(ASGIHandler):
    """Django's ASGI handler, with the request signals sent where they are needed.

    Django sends request_started and request_finished through `sync_to_async` for every
    request: two round trips to the request's thread, even for a request that never runs
    synchronous code (an SSE stream, the Run press before its one trip for the session). Under
    a class's worth of streams starting at once those trips, and the GIL handoffs they cost the
    event loop, were most of the time to the first token that certify added (py-spy, cProfile;
    the streaming benchmark). Here, when the receivers are Django's own database and cache
    housekeeping (`_STARTED_ON_THE_REQUEST_THREAD`, `_finished_receivers_loop_safe`):

    - request_started runs on the request's thread just before its first synchronous call (the
      connections it checks are that thread's), in the same trip; never if there is none;
    - at the end, the response is closed (request_finished) on that thread if the request used
      it, as Django does, and on the event loop otherwise (a thread never used has no
      connection of this request to close).

    Any other receiver connected to either signal brings back Django's behaviour. The rest is
    Django 5.2's `ASGIHandler.handle`, unchanged.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        thread = await self._started(scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            assert error_response is not None  # Django's create_request: one or the other
            body_file.close()
            await self.send_response(error_response, send)
            await self._close(error_response, thread)
            return
        try:
            response = await self._respond(request, receive, send)
        except AssertionError:
            body_file.close()
            raise
        if response is None:
            await self._finished_without_response(thread)
        else:
            await self._close(response, thread)
        body_file.close()

    async def send_response(self, response: HttpResponseBase, send: Send) -> None:
        """Django's, but the parts of an async stream (an SSE event each) go out as they come:
        no generators wrapped around the stream's own, no chunking of parts that need none."""
        if not (response.streaming and getattr(response, "is_async", False)):
            await super().send_response(response, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": _headers(response),
            }
        )
        make_bytes, size = response.make_bytes, self.chunk_size
        async with contextlib.aclosing(response._iterator) as parts:  # type: ignore[attr-defined]
            async for part in parts:
                body = part if type(part) is bytes else make_bytes(part)
                if len(body) <= size:  # an SSE event: as it is
                    await send({"type": "http.response.body", "body": body, "more_body": True})
                    continue
                for start in range(0, len(body), size):
                    chunk = body[start : start + size]
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body"})

    async def _started(self, scope: Scope) -> RequestThread | None:
        """Send request_started now (Django's way), or defer it to the request's thread."""
        thread = request_thread.get()
        if thread is not None and _only(
            signals.request_started, type(self), _STARTED_ON_THE_REQUEST_THREAD
        ):
            sender = type(self)
            thread.deferred = lambda: signals.request_started.send(sender=sender, scope=scope)
            return thread
        await signals.request_started.asend(sender=type(self), scope=scope)
        return None

    def _finish_here(self, thread: RequestThread | None) -> bool:
        return (
            thread is not None
            and not thread.used
            and _only(signals.request_finished, type(self), _finished_receivers_loop_safe())
        )

    async def _close(self, response: HttpResponseBase, thread: RequestThread | None) -> None:
        if self._finish_here(thread):
            response.close()
        else:
            await sync_to_async(response.close)()

    async def _finished_without_response(self, thread: RequestThread | None) -> None:
        if self._finish_here(thread):
            signals.request_finished.send(sender=type(self))
        else:
            await signals.request_finished.asend(sender=type(self))

    async def _respond(self, request: Any, receive: Receive, send: Send) -> HttpResponseBase | None:
        """Django's: the response, sent while listening for the client leaving; None if it
        left first (the view was cancelled)."""

        async def process_request() -> HttpResponseBase:
            response = await self.run_get_response(request)
            with contextlib.suppress(asyncio.CancelledError):  # the client left meanwhile
                await self.send_response(response, send)
            return response

        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(process_request()),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            await _settle_task(task)
        try:
            return tasks[1].result()
        except asyncio.CancelledError:
            return None


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    """A response's headers and cookies as ASGI wants them (as Django's send_response)."""
    headers = [
        (
            header.encode("ascii") if isinstance(header, str) else bytes(header),
            value.encode("latin1") if isinstance(value, str) else bytes(value),
        )
        for header, value in response.items()
    ]
    headers += [
        (b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
        for cookie in response.cookies.values()
    ]
    return headers


async def _settle_task(task: asyncio.Task[Any]) -> None:
    """As Django does: a finished task's error surfaces (not a disconnect); an unfinished one
    is cancelled and awaited."""
    if task.done():
        with contextlib.suppress(RequestAborted):
            task.result()
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def lifespan(receive: Receive, send: Send, threads: list[ThreadPoolExecutor]) -> None:
    """The ASGI server's startup: each worker builds what its first requests would otherwise
    build while serving (the dashboard's engine, certify/dashboard.py) and starts the threads
    of as many requests as it serves at once (RequestThreads), before it takes any. A failure
    (the database away) is logged and the worker starts all the same. At shutdown, the demo
    runs' records still waiting for their write are written first."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await asyncio.to_thread(_warm)
            await asyncio.to_thread(
                request_threads_start, threads, settings.CERTIFY_MAX_REQUESTS_IN_FLIGHT
            )
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await _records_written()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _records_written() -> None:
    """The demo runs' records wait a moment to be written together (lessons/recorder.py): a
    worker told to stop writes those it holds, the last streams' included, before it says it
    has stopped, instead of losing them with its event loop."""
    from lessons.recorder import run_recorder

    await run_recorder().flush()


def _warm() -> None:
    from certify import dashboard

    try:
        dashboard.warm()
    except Exception:
        logger.warning("Warming up at startup failed; the first requests build it", exc_info=True)
    finally:
        close_old_connections()


def get_asgi_application() -> Handler:
    import django

    django.setup(set_prefix=False)
    return Handler()


django_application = get_asgi_application()
application = RequestThreads(django_application)

# Import every view now (and with them the Agents SDK), then take what startup built out of
# the garbage collector's sight. Otherwise each full collection walks those ~250k long-lived
# objects and stops every open stream for about 0.2 s (measured in the streaming benchmark:
# one such stall per batch of 100 streams, enough alone to push p95 time to first token past
# twice the single-stream figure).
import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
