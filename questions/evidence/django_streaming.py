"""Streaming the SDK through Django's own request handlers (for the production derivations).

Two ways a Django app serves a streamed run, each run through Django's real code path:
- ASGI: `ASGIHandler` answers an HTTP scope in process (its URL routing, its sync/async view
  adaptation, its `StreamingHttpResponse` sending), with the app's middleware left out so that
  nothing but the view and Django's handler is involved;
- WSGI: a WSGI server iterates the response object it is given, which is what `iter(response)` does
  here, in a worker thread as a sync worker would.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import warnings
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import path

from questions.evidence.chat import Turn
from questions.evidence.runs import scripted, streamed, text_deltas

ANSWER = ("Streaming ", "answers ", "arrive ", "word ", "by ", "word.")


@dataclass
class Progress:
    """How far the view's generator got: its chunks, and whether it has finished."""

    yielded: int = 0
    finished: bool = False
    chunks_seen_before_end: int = 0
    sent: list[bytes] = field(default_factory=list)


PROGRESS = Progress()


def agent() -> Any:
    return scripted("Assistant", Turn.says(*ANSWER))[0]


async def sse(result: Any) -> AsyncIterator[str]:
    async for event in result.stream_events():
        for delta in text_deltas([event]):
            PROGRESS.yielded += 1
            yield f"data: {delta}\n\n"
    PROGRESS.finished = True


def chat_sync(request: HttpRequest) -> StreamingHttpResponse:
    """A sync view that starts the run in its body (the item's code)."""
    result = streamed(agent(), request.GET.get("q", "Hi"))
    return StreamingHttpResponse(sse(result), content_type="text/event-stream")


async def chat_async(request: HttpRequest) -> StreamingHttpResponse:
    """An async view whose generator creates the run."""

    async def events() -> AsyncIterator[str]:
        result = streamed(agent(), request.GET.get("q", "Hi"))
        async for chunk in sse(result):
            yield chunk

    return StreamingHttpResponse(events(), content_type="text/event-stream")


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError("server error")


urlpatterns = [path("chat/sync/", chat_sync), path("chat/async/", chat_async)]
handler500 = server_error


class BareASGIHandler(ASGIHandler):
    """Django's ASGI handler with no middleware and this module's URLs."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        # What BaseHandler.load_middleware builds from an empty MIDDLEWARE setting.
        get_response = self._get_response_async  # type: ignore[attr-defined]  # private in stubs
        self._middleware_chain = convert_exception_to_response(get_response)

    def create_request(
        self, scope: Any, body_file: Any
    ) -> tuple[ASGIRequest, None] | tuple[None, HttpResponseBase]:
        created = super().create_request(scope, body_file)
        if created[0] is not None:
            created[0].urlconf = __name__  # type: ignore[attr-defined]  # Django's per-request URLs
        return created


@dataclass(frozen=True)
class Served:
    status: int
    bodies: int
    first_body_before_end: bool
    text: str
    warned: bool
    error: str = ""


class _Records(logging.Handler):
    """Keeps what Django logs about a failed request (the exception it turned into a 500)."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.errors.append(f"{type(error).__name__}: {error}")


async def serve_asgi(view_path: str) -> Served:
    """GET `view_path` through Django's ASGI handler; what the client received."""
    global PROGRESS
    PROGRESS = Progress()
    messages: list[Mapping[str, Any]] = []
    first_body_before_end: bool | None = None
    sent_request = False
    never = asyncio.get_running_loop().create_future()

    async def receive() -> dict[str, Any]:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await never  # the client stays connected

    async def send(message: Mapping[str, Any]) -> None:
        nonlocal first_body_before_end
        messages.append(message)
        is_body = message["type"] == "http.response.body" and message.get("body")
        if is_body and first_body_before_end is None:
            first_body_before_end = not PROGRESS.finished

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": view_path,
        "raw_path": view_path.encode(),
        "query_string": b"q=Hi",
        "headers": [(b"host", b"localhost")],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 50000),
    }
    request_logger = logging.getLogger("django.request")
    records = _Records()
    propagate = request_logger.propagate
    request_logger.propagate = False  # the failure is recorded here, not printed
    request_logger.addHandler(records)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await BareASGIHandler()(scope, receive, send)
            # A view that failed to start its run leaves the run's coroutine unawaited; collect
            # it here, where its warning is recorded, rather than wherever it would be collected.
            gc.collect()
    finally:
        request_logger.removeHandler(records)
        request_logger.propagate = propagate
        never.cancel()
    start = next(m for m in messages if m["type"] == "http.response.start")
    bodies = [m.get("body", b"") for m in messages if m["type"] == "http.response.body"]
    return Served(
        status=start["status"],
        bodies=sum(1 for body in bodies if body),
        first_body_before_end=bool(first_body_before_end),
        text=b"".join(bodies).decode()[:200],
        warned=any("StreamingHttpResponse" in str(w.message) for w in caught),
        error=records.errors[0] if records.errors else "",
    )


def iterate_as_wsgi(response: StreamingHttpResponse, progress: Callable[[], Progress]) -> Served:
    """What a WSGI server does with the response: iterate it (in its worker thread)."""
    first_before_end: bool | None = None
    chunks: list[bytes] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for chunk in response:
            if first_before_end is None:
                first_before_end = not progress().finished
            chunks.append(chunk)
    return Served(
        status=response.status_code,
        bodies=len(chunks),
        first_body_before_end=bool(first_before_end),
        text=b"".join(chunks).decode(),
        warned=any("StreamingHttpResponse" in str(w.message) for w in caught),
    )


async def serve_wsgi() -> Served:
    """The async view's response, served by a WSGI server."""
    global PROGRESS
    PROGRESS = Progress()
    request = HttpRequest()
    request.method = "GET"
    response = await chat_async(request)
    return await asyncio.to_thread(iterate_as_wsgi, response, lambda: PROGRESS)
