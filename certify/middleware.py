"""The middleware stack, async all the way down.

Django's stock middleware runs each `process_request` / `process_response` hook through
`sync_to_async` when the request is async: two thread hops per middleware per request, which
under a few hundred concurrent streams cost a fifth of the server's CPU before the first token
(measured with py-spy on the streaming benchmark). The hooks wrapped here do no I/O, so they run
on the event loop; the two that may touch the database (saving a session, storing messages that
overflow into it) still go to a thread, and only when they actually have something to save.

django-csp's middleware joins them the same way. django-allauth's AccountMiddleware is
async-native itself (its coroutine path awaits the rest of the stack with no thread hop) and
allauth requires its exact path in MIDDLEWARE, so it sits there as it is.

WhiteNoise's middleware is sync-only; its subclass here serves the same files on both paths and
hands the ASGI server an async file iterator. django-prometheus's two middleware count on the
event loop too.

Two of certify's own sit at the top of the stack: `RequestLogMiddleware` (one structured line
per request, certify/logs.py) and `InFlightLimitMiddleware` (a bound on the requests one worker
serves at once: past it, a fast 503 with Retry-After instead of a pile-up that ends in 500s).
The bound also counts the requests in flight (`REQUESTS_IN_FLIGHT`), which a demo run waits on,
a moment at most, before it asks its model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from functools import partial
from typing import IO, Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from csp import middleware as csp
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, common, csrf, security
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject, empty
from django_prometheus import middleware as prometheus
from whitenoise.middleware import WhiteNoiseMiddleware

from certify import logs
from certify.rendering import rendered_once
from certify.sessions import auth as sessions_auth

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
    """The user is a lazy object: it is loaded (in a thread, or with `auser()`) when used, by
    Django's rules with the user's row read by one hand-written query (certify/sessions/auth.py).
    """

    def process_request(self, request: HttpRequest) -> None:
        if not hasattr(request, "session"):
            super().process_request(request)  # Django's ImproperlyConfigured
        request.user = SimpleLazyObject(partial(_user, request))  # type: ignore[assignment]
        request.auser = partial(_auser, request)


def _user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = sessions_auth.get_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


async def _auser(request: HttpRequest) -> Any:
    if not hasattr(request, "_acached_user"):
        request._acached_user = await sessions_auth.aget_user(request)  # type: ignore[attr-defined]
    return request._acached_user  # type: ignore[attr-defined]


class XFrameOptionsMiddleware(InlineHooks, clickjacking.XFrameOptionsMiddleware):
    pass


class CSPMiddleware(InlineHooks, csp.CSPMiddleware):
    """django-csp's: a lazy nonce per request, the policy built into a header (no I/O).

    django-csp builds the header anew for every response (a dataclass copied, every directive
    joined): the largest cost of the whole stack on an SSE stream or an htmx fragment (py-spy,
    the streaming benchmark). A response that changes nothing of the policy gets the same
    header but for the nonce, so it is built once per policy and the nonce filled in.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        for report_only in (False, True):
            self._set_header(request, response, report_only=report_only)
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp: a nonce asked for after the header is written is an error.
            request.csp_nonce = csp.CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response

    def _set_header(
        self, request: HttpRequest, response: HttpResponseBase, *, report_only: bool
    ) -> None:
        parts = self.get_policy_parts(request=request, response=response, report_only=report_only)
        policy = _policy(parts, report_only=report_only)
        if not policy:
            return
        header, exempt, setting = _CSP_HEADERS[report_only]
        prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
        if (
            header not in response
            and getattr(response, exempt, False) is False
            and not request.path_info.startswith(tuple(prefixes))
        ):
            response[header] = policy


_CSP_HEADERS = {
    False: (csp.HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
    True: (csp.HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
}
# Stands for the request's nonce in a policy built once.
_NONCE = "certify-csp-nonce-to-fill-in"
# (report only, with a nonce) -> (the settings it was built from, the policy).
_POLICIES: dict[tuple[bool, bool], tuple[object, str]] = {}


def _policy(parts: csp.PolicyParts, *, report_only: bool) -> str:
    """The policy header for these parts: built once per policy setting when the response
    changes nothing of it, the nonce filled in; built as django-csp builds it otherwise."""
    if parts.config is not None or parts.update is not None or parts.replace is not None:
        return csp.build_policy(**asdict(parts), report_only=report_only)
    setting = getattr(settings, _CSP_HEADERS[report_only][2], None)
    key = (report_only, parts.nonce is not None)
    built = _POLICIES.get(key)
    if built is None or built[0] is not setting:
        nonce = _NONCE if parts.nonce is not None else None
        built = _POLICIES[key] = (setting, csp.build_policy(nonce=nonce, report_only=report_only))
    return built[1] if parts.nonce is None else built[1].replace(_NONCE, parts.nonce)


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


class LabelledOnce:
    """django-prometheus asks each metric for the child of its labels on every request
    (`metric.labels(...)`: the names checked, the values turned to strings, a lock taken), seven
    times a request. The children are kept here by metric and labels, as each metric keeps them
    (django-prometheus never removes one), and looked up without the lock."""

    _children: dict[tuple[object, tuple[tuple[str, object], ...]], Any] = {}

    def label_metric(
        self, metric: Any, request: HttpRequest, response: Any = None, **labels: object
    ) -> Any:
        if not labels:
            return metric
        key = (metric, tuple(labels.items()))
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(**labels)
        return child


class PrometheusBeforeMiddleware(LabelledOnce, InlineHooks, prometheus.PrometheusBeforeMiddleware):
    """Counts requests and their latency through the whole stack (in-process counters)."""


class PrometheusAfterMiddleware(LabelledOnce, InlineHooks, prometheus.PrometheusAfterMiddleware):
    """Counts by view, method and status; its view, template and exception hooks are made
    coroutines so the handler does not send them to a thread."""

    async def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        *view_args: Any,
        **view_kwargs: Any,
    ) -> None:
        super().process_view(request, view_func, *view_args, **view_kwargs)

    async def process_template_response(
        self, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        return cast(HttpResponse, super().process_template_response(request, response))

    async def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        super().process_exception(request, exception)


# Certify's own --------------------------------------------------------------------------------

GetResponse = Callable[[HttpRequest], Any]


class BothWays:
    """A middleware that runs natively on the event loop under ASGI and plainly under WSGI
    (tests, management commands): `handle` and `ahandle` wrap the rest of the stack."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.ahandle(request)
        return self.handle(request)

    def handle(self, request: HttpRequest) -> HttpResponseBase:
        raise NotImplementedError

    async def ahandle(self, request: HttpRequest) -> HttpResponseBase:
        raise NotImplementedError


request_log = logging.getLogger("certify.requests")
# An id the load balancer sent along is kept if it looks like one; anything else is replaced.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _user_id(request: HttpRequest) -> str | None:
    """The signed-in user's id if the request already knows it: never a query of its own."""
    user = getattr(request, "user", None)
    wrapped = vars(user).get("_wrapped", empty) if user is not None else empty
    pk = getattr(wrapped, "pk", None) if wrapped is not empty else None
    if pk is not None:
        return str(pk)
    loaded = getattr(getattr(request, "session", None), "_session_cache", None)
    if isinstance(loaded, dict) and loaded.get(SESSION_KEY) is not None:
        return str(loaded[SESSION_KEY])
    return None


class RequestLogMiddleware(BothWays):
    """One line per request through `certify.requests`: request id, user id, method, path,
    status and duration (to the response's headers: a stream's body comes after). The id goes
    back in the X-Request-ID header and onto every line logged while the request runs."""

    def _begin(self, request: HttpRequest) -> tuple[logs.RequestContext, Any, float]:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # for views and tests
        context = logs.RequestContext(request_id=request_id)
        return context, logs.current.set(context), time.perf_counter()

    def _end(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        context: logs.RequestContext,
        started: float,
    ) -> HttpResponseBase:
        duration = round((time.perf_counter() - started) * 1000, 1)
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else 0
        request_log.log(
            level or logging.INFO,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            status,
            duration,
            extra={
                "request_id": context.request_id,
                "user_id": _user_id(request),
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration,
                "error": context.error,
            },
        )
        response["X-Request-ID"] = context.request_id
        return response

    def handle(self, request: HttpRequest) -> HttpResponseBase:
        context, token, started = self._begin(request)
        try:
            return self._end(request, self.get_response(request), context, started)
        finally:
            logs.current.reset(token)

    async def ahandle(self, request: HttpRequest) -> HttpResponseBase:
        context, token, started = self._begin(request)
        try:
            return self._end(request, await self.get_response(request), context, started)
        finally:
            logs.current.reset(token)


def _unbounded(request: HttpRequest) -> bool:
    """Health probes and metrics answer even when the worker is full."""
    return request.path.startswith(settings.CERTIFY_UNBOUNDED_PATHS)


def overloaded(request: HttpRequest) -> HttpResponse:
    """The branded 503: the page says certify is busy and, for a GET, tries again by itself;
    htmx requests (an answer's autosave) get the same status, and the page's script retries.

    A refusal must cost less than the request it refuses: the page names no user and no
    request, so it is rendered once per retry delay, kind and URL space it links into (0.75 ms
    a render, against microseconds; with DEBUG on, template edits show at once)."""
    retry_after = settings.CERTIFY_OVERLOAD_RETRY_AFTER
    key = (
        retry_after,
        request.method == "GET",
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    response = HttpResponse(_busy_page(*key), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


@rendered_once(maxsize=16)
def _busy_page(retry_after: int, reload: bool, script_prefix: str, urlconf: object) -> str:
    # The last two: the page's links are reversed with them (this request's, set already).
    return render_to_string("503.html", {"retry_after": retry_after, "reload": reload})


class InFlightLimitMiddleware(BothWays):
    """At most CERTIFY_MAX_REQUESTS_IN_FLIGHT requests of this worker run at once (each sync
    view holds a thread and a database connection while it runs); a request that finds them
    all busy waits up to CERTIFY_IN_FLIGHT_WAIT seconds for one, then is answered 503 with
    Retry-After. A stream counts only until its response starts."""

    def __init__(self, get_response: GetResponse) -> None:
        super().__init__(get_response)
        self.limit = settings.CERTIFY_MAX_REQUESTS_IN_FLIGHT
        self.wait = settings.CERTIFY_IN_FLIGHT_WAIT
        self.slots = threading.BoundedSemaphore(self.limit)
        # Made on the loop that serves (tests may run each request on a new loop).
        self.aslots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def handle(self, request: HttpRequest) -> HttpResponseBase:
        if _unbounded(request):
            return cast(HttpResponseBase, self.get_response(request))
        if not self.slots.acquire(timeout=self.wait):
            return overloaded(request)
        try:
            return cast(HttpResponseBase, self.get_response(request))
        finally:
            self.slots.release()

    async def ahandle(self, request: HttpRequest) -> HttpResponseBase:
        if _unbounded(request):
            return cast(HttpResponseBase, await self.get_response(request))
        loop = asyncio.get_running_loop()
        if self.aslots is None or self.aslots[0] is not loop:
            self.aslots = (loop, asyncio.Semaphore(self.limit))
        slots = self.aslots[1]
        REQUESTS_IN_FLIGHT.enter()
        try:
            if not await self._placed(slots):
                return overloaded(request)
            try:
                return cast(HttpResponseBase, await self.get_response(request))
            finally:
                slots.release()
        finally:
            REQUESTS_IN_FLIGHT.leave()

    async def _placed(self, slots: asyncio.Semaphore) -> bool:
        """Take a place under the bound, waiting up to CERTIFY_IN_FLIGHT_WAIT for one."""
        if not slots.locked():
            # A free place is taken at once: no task and timer for a wait that cannot happen.
            await slots.acquire()
            return True
        try:
            await asyncio.wait_for(slots.acquire(), self.wait)
        except TimeoutError:
            return False
        return True


class RequestsInFlight:
    """The requests this worker's event loop is answering (those waiting for a place under the
    bound included), and a wait for the moment it has answered them all.

    Long work that can start a moment later waits for that moment: a demo run asks its model
    only once the requests in flight have their answers (lessons/streaming.py). When a class
    presses Run together, every press is answered first and the runs start together after,
    instead of the first runs' tokens taking the worker's time from the last presses."""

    def __init__(self) -> None:
        self.count = 0
        # Made on the loop that serves, as the bound's semaphore.
        self.idle: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    def enter(self) -> None:
        self.count += 1

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0 and self.idle is not None:
            self.idle[1].set()

    async def answered(self, limit: float) -> None:
        """Return once no request is in flight, or after `limit` seconds (never starved)."""
        if self.count <= 0:
            return
        loop = asyncio.get_running_loop()
        if self.idle is None or self.idle[0] is not loop:
            self.idle = (loop, asyncio.Event())
        idle = self.idle[1]
        idle.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                await idle.wait()


REQUESTS_IN_FLIGHT = RequestsInFlight()
