"""Fixtures for the lessons tests: an instant offline model, and helpers to start and read runs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import cast

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import AsyncClient

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
