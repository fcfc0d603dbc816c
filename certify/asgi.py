"""ASGI entry point: `uvicorn certify.asgi:application` (streaming needs ASGI)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
# The adaptive engine's small matrix products are fastest on one thread; BLAS threads in every
# worker would fight over the cores (measured: 2-4 ms per choice vs 100-300 ms under load).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

django_application = get_asgi_application()
logger = logging.getLogger(__name__)


class RequestThreads:
    """Each request's synchronous code (signal receivers, sync views, the ORM) runs on a thread
    of its own, as Django arranges; this lends it a thread that an earlier request has finished
    with instead of starting a new one.

    Django's handler opens a thread-sensitive context per request, and asgiref starts a thread
    for each such context on its first synchronous call (the request_started signal makes one
    for every request). Under a few hundred requests at once, starting those threads was a fifth
    of the worker's time on the event loop (py-spy, the streaming benchmark). A context that is
    already open is reused by Django's handler, so opening ours around it, with an executor from
    the pool, is all it takes. Idle executors are kept for the next requests.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        executor = self.idle.pop() if self.idle else ThreadPoolExecutor(1, "request")
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive, send)
        finally:
            self.idle.append(executor)


async def lifespan(receive: Receive, send: Send) -> None:
    """The ASGI server's startup: each worker builds what its first requests would otherwise
    build while serving (the dashboard's engine, certify/dashboard.py), before it takes any. A
    failure (the database away) is logged and the worker starts all the same."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await asyncio.to_thread(_warm)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _warm() -> None:
    from certify import dashboard

    try:
        dashboard.warm()
    except Exception:
        logger.warning("Warming up at startup failed; the first requests build it", exc_info=True)
    finally:
        close_old_connections()


application = RequestThreads(django_application)

# Import every view now (and with them the Agents SDK), then take what startup built out of
# the garbage collector's sight. Otherwise each full collection walks those ~250k long-lived
# objects and stops every open stream for about 0.2 s (measured in the streaming benchmark:
# one such stall per batch of 100 streams, enough alone to push p95 time to first token past
# twice the single-stream figure).
import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
