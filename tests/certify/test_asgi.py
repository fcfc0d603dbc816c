"""The stack stays fully async: a streaming view must not be pushed into a thread."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import StreamingHttpResponse
from django.test import AsyncClient
from django.utils.module_loading import import_string

from certify.asgi import RequestThreads
from tests.asgi import get_scope


def test_every_middleware_is_async_capable() -> None:
    sync_only = [
        path
        for path in settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]
    assert sync_only == []


@pytest.mark.django_db
def test_no_middleware_hook_hops_to_a_thread_on_a_plain_get(monkeypatch) -> None:
    """A GET that saves nothing runs every hook on the event loop: the only thread hop left
    is the (sync) view itself."""
    import asgiref.sync

    from certify import middleware

    hops: list[object] = []
    real = asgiref.sync.sync_to_async

    def counting(func, *args, **kwargs):
        hops.append(func)
        return real(func, *args, **kwargs)

    monkeypatch.setattr(middleware, "sync_to_async", counting)
    monkeypatch.setattr("django.utils.deprecation.sync_to_async", counting)
    monkeypatch.setattr("django.core.handlers.base.sync_to_async", counting)  # process_view
    response = async_to_sync(AsyncClient().get)("/")
    assert response.status_code == 200
    assert [getattr(hop, "__name__", hop) for hop in hops] == ["home"]


@pytest.mark.django_db(transaction=True)
async def test_login_session_and_messages_survive_the_async_stack() -> None:
    """Saving the session and storing a message take the thread path; both must still work."""
    from asgiref.sync import sync_to_async

    from tests.factories import DEFAULT_PASSWORD, UserFactory

    user = await sync_to_async(UserFactory.create)()
    client = AsyncClient()
    response = await client.post(
        "/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert settings.SESSION_COOKIE_NAME in response.cookies
    home = await client.get("/")
    assert user.username in home.content.decode()
    # Signing up adds a message on one response and shows it on the next.
    signup = AsyncClient()
    response = await signup.post(
        "/accounts/signup/",
        {
            "username": "ada2",
            "email": "ada2@example.com",
            "password1": "analytical-engine-1843",
            "password2": "analytical-engine-1843",
        },
    )
    assert response.status_code == 302
    sent = "Confirmation email sent to ada2@example.com"
    assert sent in (await signup.get("/")).content.decode()
    assert sent not in (await signup.get("/")).content.decode()


@pytest.mark.django_db
async def test_csrf_is_enforced_on_the_async_path() -> None:
    client = AsyncClient(enforce_csrf_checks=True)
    response = await client.post("/accounts/login/", {"login": "x", "password": "y"})
    assert response.status_code == 403


@pytest.mark.django_db
async def test_static_files_are_served_asynchronously(async_client: AsyncClient) -> None:
    response = await async_client.get("/static/css/site.css")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert b".site-header" in body
    assert response["Content-Type"].startswith("text/css")


@pytest.mark.django_db
async def test_htmx_and_its_sse_extension_are_on_every_page(async_client: AsyncClient) -> None:
    html = (await async_client.get("/")).content.decode()
    assert "django_htmx/htmx-2.min.js" in html
    assert "django_htmx/ext/hx-sse-2.min.js" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_the_asgi_application_starts_with_its_startup_objects_frozen() -> None:
    """Full garbage collections must not walk Django's and the SDK's long-lived objects while
    streams are open: the entry point imports every view, then freezes what startup built."""
    import gc
    import sys

    import certify.asgi  # noqa: F401

    assert settings.ROOT_URLCONF in sys.modules
    assert "lessons.streaming" in sys.modules
    assert gc.get_freeze_count() > 50_000


async def test_each_request_has_a_thread_of_its_own_lent_again_once_it_is_over() -> None:
    """Thread-sensitive code (the ORM, signal receivers) stays on one thread per request, as
    Django arranges, but finished requests' threads are reused instead of starting new ones."""
    import asyncio
    import threading
    from collections.abc import Mapping

    from asgiref.sync import sync_to_async

    from certify.asgi import RequestThreads

    seen: list[tuple[int, int]] = []
    both_started = asyncio.Event()
    started = 0

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal started
        first = await sync_to_async(threading.get_ident)()
        started += 1
        if started == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), 5)
        seen.append((first, await sync_to_async(threading.get_ident)()))

    async def receive() -> Mapping[str, Any]:
        return {}

    async def send(message: Mapping[str, Any]) -> None:
        pass

    threads = RequestThreads(app)
    request = {"type": "http"}
    await asyncio.gather(threads(request, receive, send), threads(request, receive, send))
    both_started.clear()
    started = 0
    await asyncio.gather(threads(request, receive, send), threads(request, receive, send))

    assert all(first == second for first, second in seen)  # one thread per request
    first_pair = {thread for thread, _ in seen[:2]}
    assert len(first_pair) == 2  # requests at once: a thread each
    assert {thread for thread, _ in seen[2:]} == first_pair  # then lent again
    assert len(threads.idle) == 2


def _connection_state(connection: object) -> tuple[bool, bool]:
    """Whether a thread's connection is open, and whether it counts as checked already."""
    state = vars(connection)
    return state["connection"] is not None, state["health_check_done"]


async def _serve(app: object, path: str, cookie: str = "") -> int:
    """One GET through an ASGI application: its status."""
    from collections.abc import Mapping

    sent: list[Mapping[str, Any]] = []
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    answered = asyncio.Event()

    async def receive() -> Mapping[str, Any]:
        if messages:
            return messages.pop()
        await answered.wait()  # the client stays until the whole answer is in
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    scope = get_scope(path, cookie=cookie)
    await app(scope, receive, send)  # type: ignore[operator]
    return int(sent[0]["status"])


def test_request_started_runs_on_the_request_thread_just_before_its_first_call() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from certify.threads import RequestThread

    pool: list[ThreadPoolExecutor] = []
    thread = RequestThread(pool)
    assert not thread.used  # no thread taken before the first call
    seen: list[tuple[str, int]] = []
    thread.deferred = lambda: seen.append(("started", threading.get_ident()))
    thread.submit(lambda: seen.append(("first", threading.get_ident()))).result()
    thread.submit(lambda: seen.append(("second", threading.get_ident()))).result()
    assert thread.used
    thread.release()
    assert len(pool) == 1
    pool[0].shutdown()

    assert [name for name, _ in seen] == ["started", "first", "second"]
    assert len({ident for _, ident in seen}) == 1


@pytest.mark.django_db(transaction=True)
async def test_a_request_that_runs_no_sync_code_costs_no_trip_to_its_thread() -> None:
    """An SSE stream (here refused: no session) never leaves the event loop, signals included;
    a request that does use its thread has its connection looked after there at the end."""
    from django.db import connections

    from certify.asgi import RequestThreads, django_application

    threads = RequestThreads(django_application)
    stream = "/lessons/raw-response-events/runs/5f0e8c8e-4b8a-4a52-9d55-3c0b5f0e8c8e/stream/"
    assert await _serve(threads, stream) == 403
    assert threads.idle == []  # no thread was taken

    # A session cookie makes the session store query the database on the request's thread.
    assert await _serve(threads, "/lessons/runs/", cookie="sessionid=no-such-session") == 302
    assert len(threads.idle) == 1
    used = threads.idle[-1]
    # request_finished ran there: a connection kept (CONN_MAX_AGE) is marked to be checked
    # again before its next use (a fresh one is marked checked); a pooled one (PostgreSQL's
    # pool) went back to its pool.
    state = used.submit(lambda: _connection_state(connections["default"]))
    pooled = bool(connections["default"].settings_dict["OPTIONS"].get("pool"))
    assert state.result() == ((False, False) if pooled else (True, False))


@pytest.mark.django_db
async def test_other_request_signal_receivers_are_sent_as_django_sends_them() -> None:
    from django.core.signals import request_finished, request_started

    from certify.asgi import RequestThreads, django_application

    heard: list[str] = []

    def started(**kwargs: object) -> None:
        heard.append("started")

    def finished(**kwargs: object) -> None:
        heard.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        threads = RequestThreads(django_application)
        stream = "/lessons/raw-response-events/runs/5f0e8c8e-4b8a-4a52-9d55-3c0b5f0e8c8e/stream/"
        assert await _serve(threads, stream) == 403
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert heard == ["started", "finished"]
    assert len(threads.idle) == 1  # both went to the request's thread, as in Django


@pytest.mark.django_db(transaction=True)
def test_each_worker_builds_the_dashboard_engine_at_startup_before_any_request() -> None:
    """The ASGI lifespan's startup builds the engine the first dashboard would otherwise build
    while serving (holding every other request of the worker back for about a second)."""
    from questions.adaptive.engine import _engine_for
    from tests.factories import questions_across_categories

    questions_across_categories(10)
    _engine_for.cache_clear()
    assert _start_and_stop_a_worker() == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert _engine_for.cache_info().currsize == 1


@pytest.mark.django_db(transaction=True)
def test_a_stopping_worker_writes_the_run_records_it_still_holds(django_user_model) -> None:
    """Run records wait a moment to be written together (lessons/recorder.py): the record of a
    run that ended just before the worker was told to stop is written, not lost with it."""
    from django.utils import timezone

    from lessons.models import DemoRun
    from lessons.recorder import run_recorder

    learner = django_user_model.objects.create_user("leaving")
    key = uuid.uuid4()

    def a_run_ends() -> None:
        run = DemoRun(
            key=key,
            user=learner,
            lesson="raw-response-events",
            preset="text-deltas",
            backend=DemoRun.Backend.OFFLINE,
            started_at=timezone.now(),
            total_ms=812.0,
            chunks=20,
            outcome=DemoRun.Outcome.COMPLETED,
        )
        run_recorder().add(run)

    sent = _start_and_stop_a_worker(before_stopping=a_run_ends)

    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert DemoRun.objects.get(key=key).outcome == DemoRun.Outcome.COMPLETED


def test_a_worker_starts_even_when_warming_up_fails(monkeypatch) -> None:
    from certify import dashboard

    def away() -> None:
        raise OSError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr(dashboard, "warm", away)
    assert _start_and_stop_a_worker() == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_an_async_stream_goes_out_as_djangos_handler_sends_it() -> None:
    from collections.abc import AsyncIterator, Mapping

    from django.core.handlers.asgi import ASGIHandler
    from django.http import StreamingHttpResponse

    from certify.asgi import django_application

    big = b"x" * (ASGIHandler.chunk_size * 2 + 5)

    async def parts() -> AsyncIterator[bytes | str]:
        yield b"event: one\ndata: 1\n\n"
        yield "event: two\ndata: \u00e9\n\n"
        yield big

    async def sent_by(handler: Any) -> list[Mapping[str, Any]]:
        response = StreamingHttpResponse(parts(), content_type="text/event-stream")
        response["X-Accel-Buffering"] = "no"
        response.set_cookie("seen", "1")
        messages: list[Mapping[str, Any]] = []

        async def send(message: Mapping[str, Any]) -> None:
            messages.append(message)

        await handler.send_response(response, send)
        return messages

    ours, django = await sent_by(django_application), await sent_by(ASGIHandler())
    assert ours[0] == django[0]  # status and headers, the cookie included
    assert ours[-1] == django[-1] == {"type": "http.response.body"}
    assert [m["body"] for m in ours[1:-1]] == [m["body"] for m in django[1:-1]]
    assert max(len(m["body"]) for m in ours[1:-1]) <= ASGIHandler.chunk_size


@pytest.mark.django_db(transaction=True)
def test_a_worker_starts_the_threads_of_the_requests_it_serves_at_once(settings) -> None:
    """Its request threads are ready before the first request, each with its connection open
    where connections outlive a request (SQLite's); PostgreSQL's pool lends them per request."""
    from django.db import connections

    settings.CERTIFY_MAX_REQUESTS_IN_FLIGHT = 3
    threads = RequestThreads(_never)
    assert _start_and_stop_a_worker(threads) == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]

    assert len(threads.idle) == 3
    kept = connections.settings["default"]["CONN_MAX_AGE"] != 0
    opened = [t.submit(lambda: connections["default"].connection is not None) for t in threads.idle]
    assert [future.result() for future in opened] == [kept] * 3
    assert len({t.submit(threading.get_ident).result() for t in threads.idle}) == 3
    _stop(threads)


def _start_and_stop_a_worker(
    threads: RequestThreads | None = None, before_stopping: Callable[[], None] | None = None
) -> list[str]:
    """An ASGI server's lifespan through the worker's application: what it answered.
    `before_stopping` runs on the worker's event loop just before it is told to stop."""
    from collections.abc import Mapping

    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> Mapping[str, Any]:
        message = next(messages)
        if message["type"] == "lifespan.shutdown" and before_stopping is not None:
            before_stopping()
        return message

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message["type"])

    worker = threads or RequestThreads(_never)
    async_to_sync(worker)({"type": "lifespan"}, receive, send)
    if threads is None:
        _stop(worker)
    return sent


def _stop(threads: RequestThreads) -> None:
    """The threads a worker started, stopped with their connections closed."""
    from django.db import connections

    for thread in threads.idle:
        thread.submit(connections.close_all).result()
        thread.shutdown()


async def _never(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("the lifespan is not Django's")


@pytest.mark.parametrize("per_request", [True, False])
async def test_a_request_done_with_its_thread_lends_it_at_once_after_settling_it(
    monkeypatch: pytest.MonkeyPatch, per_request: bool
) -> None:
    """The Run press's stream: its one trip done, the thread (and its connection, settled as at
    a request's end where connections end with the request) serve the next request while the
    stream goes on."""
    import asyncio
    import threading
    from collections.abc import Mapping

    from asgiref.sync import sync_to_async

    from certify import threads as request_threads
    from certify.asgi import RequestThreads

    settled: list[int] = []
    monkeypatch.setattr(
        request_threads, "close_old_connections", lambda: settled.append(threading.get_ident())
    )
    monkeypatch.setattr(request_threads, "_closed_with_the_request", lambda: per_request)
    seen: dict[str, int] = {}
    streaming = asyncio.Event()
    finish = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/press":
            seen["press"] = await sync_to_async(threading.get_ident)()
            request_threads.request_thread_release()
            streaming.set()
            await finish.wait()  # the stream goes on, on the event loop
        else:
            seen["next"] = await sync_to_async(threading.get_ident)()

    async def receive() -> Mapping[str, Any]:
        return {}

    async def send(message: Mapping[str, Any]) -> None:
        pass

    lender = RequestThreads(app)
    press = asyncio.create_task(lender({"type": "http", "path": "/press"}, receive, send))
    await asyncio.wait_for(streaming.wait(), 5)
    await lender({"type": "http", "path": "/next"}, receive, send)

    assert seen["next"] == seen["press"]  # lent while the press's stream was still open
    # Settled there first where connections end with the request; kept with the thread (and
    # checked by the next request's request_started) where they outlive it.
    assert settled == ([seen["press"]] if per_request else [])
    finish.set()
    await press
    assert len(lender.idle) == 1


def test_connections_end_with_the_request_where_they_are_not_kept(settings) -> None:
    from django.db import connections

    from certify.threads import _closed_with_the_request

    kept = {alias: {**db, "CONN_MAX_AGE": 600} for alias, db in connections.settings.items()}
    per_request = {alias: {**db, "CONN_MAX_AGE": 0} for alias, db in kept.items()}
    original = connections.settings
    try:
        connections.settings = kept
        assert not _closed_with_the_request()
        connections.settings = per_request
        assert _closed_with_the_request()
    finally:
        connections.settings = original
