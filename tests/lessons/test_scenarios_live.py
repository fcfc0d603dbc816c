"""A scenario variant streamed in its lesson page: the very program, printing as it runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import cast

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient
from django.urls import reverse

from lessons.demos import Demo
from lessons.events import AgentChange, Final, Log, Note, Text
from lessons.registry import get_preset, preset_exists
from lessons.scenarios.live import stream_program
from lessons.scenarios.registry import variant_for
from tests.factories import UserFactory
from tests.lessons.conftest import read_stream, stream_url, texts

SCENARIO = "item-names__c2-first__travel"
HTMX = {"HX-Request": "true"}


def test_a_scenario_preset_is_a_preset_of_its_lesson_only() -> None:
    preset = get_preset("run-item-events", SCENARIO)
    assert preset is not None
    assert preset.code == variant_for("run-item-events", SCENARIO).program().code  # type: ignore[union-attr]
    assert preset.fields == ()
    assert preset_exists("run-item-events", SCENARIO)
    assert not preset_exists("basic-streaming", SCENARIO)
    assert get_preset("basic-streaming", SCENARIO) is None


async def test_the_live_run_prints_what_the_derived_run_printed() -> None:
    variant = variant_for("run-item-events", SCENARIO)
    assert variant is not None
    events = [event async for event in stream_program(variant.program(), Demo(prompt=""))]
    printed = "".join(event.delta for event in events if isinstance(event, Text))
    outcome = await asyncio.to_thread(variant.outcome)
    assert printed.splitlines() == list(outcome.printed)
    assert any(isinstance(event, AgentChange) and event.name == "Concierge" for event in events)
    assert any(isinstance(event, Log) and event.name == "tool_called" for event in events)
    assert isinstance(events[-2], Note)
    assert events[-2].tone == "success"
    assert isinstance(events[-1], Final)
    assert events[-1].output == "Sunny, 14:00."  # the run's final output


async def test_closing_the_live_run_cancels_the_program_and_its_sdk_run() -> None:
    variant = variant_for("run-item-events", SCENARIO)
    assert variant is not None
    stream = cast(AsyncGenerator[object, None], stream_program(variant.program(), Demo(prompt="")))
    first = await anext(stream)
    assert first is not None
    await stream.aclose()
    await asyncio.sleep(0)
    pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    assert not [task for task in pending if "run_loop" in repr(task.get_coro())]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_sync_thread_connections")
async def test_the_page_streams_the_scenario_program(async_client: AsyncClient) -> None:
    user = await sync_to_async(UserFactory.create)()
    await async_client.aforce_login(user)
    url = f"{reverse('lessons:detail', args=['run-item-events'])}?preset={SCENARIO}"
    response = await async_client.post(url, {"preset": SCENARIO}, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:300]
    _response, events = await read_stream(async_client, stream_url(response.content.decode()))
    variant = variant_for("run-item-events", SCENARIO)
    assert variant is not None
    outcome = await asyncio.to_thread(variant.outcome)
    assert "".join(texts(events)).split() == list(outcome.printed)
    assert [event.event for event in events][-1] == "done"
