"""Fixtures for the lessons tests: an instant offline model, and helpers to start and read runs."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from typing import Any, cast

import pytest
from asgiref.sync import sync_to_async
from django.core.asgi import get_asgi_application
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import AsyncClient
from redis.exceptions import ConnectionError as RedisConnectionError

from lessons.models import DemoRun
from lessons.offline import OfflineModel
from lessons.recorder import run_recorder
from lessons.sse import ServerSentEvent, parse


@pytest.fixture(autouse=True)
def _instant_offline_model(settings) -> None:
    # Same events, no waiting: timing tests set their own pace.
    settings.LESSONS_OFFLINE_FIRST_TOKEN_DELAY = 0
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0
    settings.AGENTS_MODEL_BACKEND = "offline"


def stream_url(html: str) -> str:
    match = re.search(r'sse-connect="([^"]+)"', html)
    assert match, "the run panel has no stream"
    return match.group(1)


async def read_stream(
    client: AsyncClient, url: str
) -> tuple[HttpResponseBase, list[ServerSentEvent]]:
    """GET a stream and read it to the end: the response and its events."""
    response = await client.get(url)
    if not isinstance(response, StreamingHttpResponse):
        return response, []
    body = b"".join([chunk async for chunk in cast(AsyncIterator[bytes], response)])
    return response, parse(body.decode())


def names(events: list[ServerSentEvent]) -> list[str]:
    return [event.event or "message" for event in events]


async def recorded() -> int:
    """How many runs are recorded, once the recorder has written what it was handed."""
    await run_recorder().flush()
    return await DemoRun.objects.acount()


async def last_run() -> DemoRun:
    await run_recorder().flush()
    run = await DemoRun.objects.order_by("-started_at").afirst()
    assert run is not None, "no run was recorded"
    return run


@pytest.fixture
def model_events(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When each event left the offline model: proof of whether it is still being run."""
    produced: list[float] = []
    original = OfflineModel.stream_response

    async def recording(self, *args, **kwargs) -> AsyncIterator[object]:
        async for event in original(self, *args, **kwargs):
            produced.append(asyncio.get_running_loop().time())
            yield event

    monkeypatch.setattr(OfflineModel, "stream_response", recording)
    return produced


async def through_asgi(
    scope: dict[str, Any],
    *,
    body: bytes = b"",
    leave_after_texts: int | None = None,
    app: Callable[..., Coroutine[Any, Any, None]] | None = None,
    watch: Callable[[Mapping[str, Any]], None] | None = None,
) -> tuple[int, bytes]:
    """A request through an ASGI application (Django's own by default) as uvicorn hands it
    over: a thread per request, and a disconnect the view can see. The status and the body.
    `leave_after_texts` closes the connection after that many text events, as a closed tab or
    the Stop button does; `watch` sees each message the application sends, as it is sent."""
    disconnected, enough = asyncio.Event(), asyncio.Event()
    status, received, requested = 0, bytearray(), False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        nonlocal status
        if watch is not None:
            watch(message)
        if message["type"] == "http.response.start":
            status = message["status"]
        received.extend(message.get("body", b""))
        if leave_after_texts and received.count(b"event: text-") >= leave_after_texts:
            enough.set()

    serving = asyncio.create_task((app or get_asgi_application())(scope, receive, send))
    if leave_after_texts:
        await asyncio.wait_for(enough.wait(), 10)
        disconnected.set()
    await asyncio.wait_for(serving, 20)
    return status, bytes(received)


def texts(events: list[ServerSentEvent], channel: str = "main") -> list[str]:
    """The text of each `text-<channel>` event, unwrapped from its <span>."""
    return [
        re.sub(r"^<span>(.*?)</span>.*$", r"\1", event.data, flags=re.DOTALL)
        for event in events
        if event.event == f"text-{channel}"
    ]


@pytest.fixture
async def close_sync_thread_connections():
    """AsyncClient runs sync code (the Run view, the run's record) in asgiref's one shared
    thread and, like every test client, leaves its connection open after the request. Close
    it, or PostgreSQL refuses to drop the test database at the end."""
    yield
    await sync_to_async(connections.close_all)()


class FlakyCache(LocMemCache):
    """The local cache, which raises what Redis's client raises while `down` is set."""

    down = False

    def _check(self) -> None:
        if FlakyCache.down:
            raise RedisConnectionError(
                "Error 111 connecting to 127.0.0.1:6379. Connection refused."
            )

    def add(self, *args: Any, **kwargs: Any) -> bool:
        self._check()
        return super().add(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return super().get(*args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._check()
        super().set(*args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        self._check()
        return super().incr(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        self._check()
        return super().delete(*args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check()
        return super().get_many(*args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list[str]:
        self._check()
        return super().set_many(*args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        self._check()
        super().delete_many(*args, **kwargs)


@pytest.fixture
def flaky_cache(settings) -> Iterator[type[FlakyCache]]:
    """The cache as a Redis that can be stopped (`FlakyCache.down = True`) and started again."""
    settings.CACHES = {
        "default": {"BACKEND": "tests.lessons.conftest.FlakyCache", "LOCATION": "flaky"}
    }
    FlakyCache.down = False
    yield FlakyCache
    FlakyCache.down = False
