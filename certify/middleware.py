"""The middleware stack, async all the way down.

Django's stock middleware runs each `process_request` / `process_response` hook through
`sync_to_async` when the request is async: two thread hops per middleware per request, which
under a few hundred concurrent streams cost a fifth of the server's CPU before the first token
(measured with py-spy on the streaming benchmark). The hooks wrapped here do no I/O, so they run
on the event loop; the two that may touch the database (saving a session, storing messages that
overflow into it) still go to a thread, and only when they actually have something to save.

WhiteNoise's middleware is sync-only; its subclass here serves the same files on both paths and
hands the ASGI server an async file iterator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO, Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, common, csrf, security
from django.utils.deprecation import MiddlewareMixin
from whitenoise.middleware import WhiteNoiseMiddleware

CHUNK_SIZE = 64 * 1024


async def _next_layer(middleware: MiddlewareMixin, request: HttpRequest) -> HttpResponseBase:
    """The rest of the stack's response: in async mode `get_response` is a coroutine function
    (MiddlewareMixin only calls `__acall__` then)."""
    return await cast(Awaitable[HttpResponseBase], middleware.get_response(request))


class InlineHooks(MiddlewareMixin):
    """For a MiddlewareMixin whose hooks do no I/O: run them on the event loop."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await _next_layer(self, request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class SecurityMiddleware(InlineHooks, security.SecurityMiddleware):
    pass


class CommonMiddleware(InlineHooks, common.CommonMiddleware):
    pass


class AuthenticationMiddleware(InlineHooks, auth.AuthenticationMiddleware):
    """The user is a lazy object: it is loaded (in a thread, or with `auser()`) when used."""


class XFrameOptionsMiddleware(InlineHooks, clickjacking.XFrameOptionsMiddleware):
    pass


class CsrfViewMiddleware(InlineHooks, csrf.CsrfViewMiddleware):
    # The handler adapts a sync process_view with another thread hop; this one checks the
    # token in memory (the request body is already read by the ASGI handler).
    async def process_view(  # type: ignore[override]
        self,
        request: HttpRequest,
        callback: Callable[..., Any],
        callback_args: tuple[Any, ...],
        callback_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        return super().process_view(request, callback, callback_args, callback_kwargs)


class SessionMiddleware(sessions.SessionMiddleware):
    """The session store is lazy; only saving it touches the database, in a thread."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        # The stock hooks take any response (streams too); their stubs say HttpResponse.
        response = cast(HttpResponse, await _next_layer(self, request))
        session = getattr(request, "session", None)
        saves = session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)
        if saves:
            return await sync_to_async(self.process_response)(request, response)
        return self.process_response(request, response)


class MessageMiddleware(messages.MessageMiddleware):
    """Messages live in a cookie; storing them may spill into the session, so in a thread."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        response = cast(HttpResponse, await _next_layer(self, request))  # as in SessionMiddleware
        storage = getattr(request, "_messages", None)
        if storage is not None and (storage.used or storage.added_new):
            return await sync_to_async(self.process_response)(request, response)
        return response


async def _read_async(file: IO[bytes] | None) -> AsyncIterator[bytes]:
    if file is None:  # HEAD, 304: headers only
        return
    try:
        while chunk := await asyncio.to_thread(file.read, CHUNK_SIZE):
            yield chunk
    finally:
        await asyncio.to_thread(file.close)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]],
    ) -> None:
        super().__init__(get_response)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if self.autorefresh:
            static_file = await asyncio.to_thread(self.find_file, request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is None:
            return await cast(Awaitable[HttpResponseBase], self.get_response(request))
        response = self.serve(static_file, request)
        response.streaming_content = _read_async(response.file_to_stream)
        return response
