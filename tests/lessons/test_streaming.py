"""The run streams: SSE over an async view, the SDK run inside, and how every stream ends."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import cast

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import AsyncClient
from django.urls import reverse

from certify.middleware import REQUESTS_IN_FLIGHT
from lessons import streaming
from lessons.backends import Backend
from lessons.breaker import CircuitBreaker
from lessons.catalog import LESSONS
from lessons.demos import DemoOptions
from lessons.forms import DemoForm
from lessons.fragments import Renderer
from lessons.limits import WORKER, StreamWorker, runs_in_progress, slot_acquire, slot_release
from lessons.models import DemoRun
from lessons.offline import OfflineModel
from lessons.recorder import run_recorder
from lessons.registry import PRESETS, get_preset
from lessons.services import LOST_MESSAGE, demo_run_start
from lessons.sse import parse
from lessons.tickets import RunTicket, ticket_claim
from tests.asgi import get_scope
from tests.factories import UserFactory
from tests.lessons.conftest import (
    last_run,
    names,
    read_stream,
    recorded,
    stream_url,
    texts,
    through_asgi,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_sync_thread_connections"),
]

HTMX = {"HX-Request": "true"}
ALL_PRESETS = [(lesson.slug, preset.name) for lesson in LESSONS for preset in PRESETS[lesson.slug]]


@pytest.fixture
async def user() -> User:
    return await sync_to_async(UserFactory.create)()


@pytest.fixture
async def aclient(async_client: AsyncClient, user) -> AsyncClient:
    await async_client.aforce_login(user)
    return async_client


async def start(client: AsyncClient, slug: str, preset: str, **data: object) -> str:
    """Press Run: post the preset's form as the page would, and return the stream's URL."""
    chosen = get_preset(slug, preset)
    assert chosen is not None
    form = DemoForm(preset=chosen, backend=Backend.from_settings())
    fields = {name: form[name].value() for name in form.fields}
    fields.update(data)
    url = f"{reverse('lessons:detail', args=[slug])}?preset={preset}"
    response = await client.post(url, fields, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:500]
    return stream_url(response.content.decode())


@pytest.mark.parametrize(("slug", "preset"), ALL_PRESETS)
async def test_every_preset_streams_its_run_and_ends_with_done(
    aclient: AsyncClient, user, slug: str, preset: str
) -> None:
    # Presets that set their own pace (first-token-timing) are sped up too.
    url = await start(aclient, slug, preset, first_token_ms=0, token_ms=0)
    response, events = await read_stream(aclient, url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    assert "Content-Encoding" not in response
    assert names(events)[-1] == "done"
    assert names(events).count("done") == 1
    assert any(name.startswith("text-") for name in names(events))
    assert "result.final_output" in events[-1].data
    assert "data-final-output" in events[-1].data
    run = await last_run()
    assert (run.user_id, run.lesson, run.preset, run.backend) == (user.pk, slug, preset, "offline")
    assert run.outcome == DemoRun.Outcome.COMPLETED
    assert run.ttft_ms is not None
    assert run.chunks > 0
    assert runs_in_progress() == 0


async def test_text_deltas_come_between_the_raw_events_that_frame_them(aclient) -> None:
    _, events = await read_stream(
        aclient, await start(aclient, "raw-response-events", "text-deltas", length="medium")
    )
    shown = [name for name in names(events) if name != "metrics"]
    first_text, last_text = (
        shown.index("text-main"),
        len(shown) - 1 - shown[::-1].index("text-main"),
    )

    assert shown[:first_text] == ["log"] * 4  # created, in_progress, item added, part added
    assert set(shown[first_text : last_text + 1]) == {"text-main"}
    assert shown[last_text + 1 :] == ["log"] * 4 + ["note", "done"]
    words = "".join(texts(events))
    final = re.search(r"data-final-output>(.*?)</div>", events[-1].data, re.DOTALL)
    assert final is not None
    assert words == final.group(1)
    assert len(texts(events)) > 40  # one SSE event per delta: nothing coalesced
    run = await last_run()
    assert run.chunks == len(texts(events))


async def test_a_model_reply_containing_script_shows_as_text(aclient) -> None:
    url = await start(
        aclient, "raw-response-events", "text-deltas", prompt="<script>alert(1)</script> hi?"
    )
    _, events = await read_stream(aclient, url)

    body = "".join(event.data for event in events)
    assert "<script" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in "".join(texts(events))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in events[-1].data


async def test_a_run_that_fails_after_the_headers_ends_with_error_then_done(
    aclient, monkeypatch
) -> None:
    original = Backend.build

    def failing(self, *, pacing=None, fail_after_tokens=None):
        return original(self, pacing=pacing, fail_after_tokens=3)

    monkeypatch.setattr(Backend, "build", failing)
    response, events = await read_stream(
        aclient, await start(aclient, "raw-response-events", "text-deltas")
    )

    assert response.status_code == 200  # already sent when the model failed
    assert names(events)[-2:] == ["error", "done"]
    assert len(texts(events)) == 3
    assert "response.failed" in events[-2].data
    assert "Failed" in events[-1].data
    run = await last_run()
    assert run.outcome == DemoRun.Outcome.FAILED
    assert "The offline model failed on request after 3 tokens" in run.error
    assert (await CircuitBreaker.for_backend().state()).failures == 1


async def test_a_run_past_its_lifetime_cap_is_stopped(aclient, settings) -> None:
    settings.LESSONS_RUN_LIFETIME = 0.3
    url = await start(aclient, "raw-response-events", "text-deltas", length="long", token_ms=20)
    _, events = await read_stream(aclient, url)

    assert names(events)[-2:] == ["error", "done"]
    assert "lifetime cap of 0.3 s" in events[-2].data
    assert 3 < len(texts(events)) < 30
    run = await last_run()
    assert run.outcome == DemoRun.Outcome.TIMED_OUT
    assert 250 < run.total_ms < 1000


async def test_while_the_backend_breaker_is_open_runs_are_refused_fast(aclient) -> None:
    breaker = CircuitBreaker.for_backend()
    for _ in range(breaker.threshold):
        await breaker.record_failure()

    _, events = await read_stream(aclient, await start(aclient, "basic-streaming", "short-reply"))

    assert names(events) == ["error", "done"]
    assert "demos are paused: breaker open" in events[0].data
    assert (await last_run()).outcome == DemoRun.Outcome.FAILED
    assert (await breaker.state()).failures == breaker.threshold  # a refusal is not a failure


async def test_a_reconnect_to_a_started_run_is_told_it_was_cut_off_and_runs_nothing(
    aclient,
) -> None:
    url = await start(aclient, "basic-streaming", "short-reply")
    await read_stream(aclient, url)

    again, events = await read_stream(aclient, url)

    assert again.status_code == 200
    assert names(events) == ["done"]  # the page shows it and the browser stops reconnecting
    assert "Cut off" in events[0].data
    assert "the connection to it was lost before the end" in events[0].data
    assert "data-run-again" in events[0].data
    assert await recorded() == 1
    assert (await last_run()).outcome == DemoRun.Outcome.COMPLETED


async def test_a_stream_is_only_for_the_learner_who_started_it(
    aclient, async_client: AsyncClient
) -> None:
    url = await start(aclient, "basic-streaming", "short-reply")
    other = AsyncClient()
    await other.aforce_login(await sync_to_async(UserFactory.create)())

    assert (await other.get(url)).status_code == 404
    assert (await AsyncClient().get(url)).status_code == 403
    wrong_lesson = url.replace("/basic-streaming/", "/streaming-patterns/")
    assert (await aclient.get(wrong_lesson)).status_code == 404
    unknown = re.sub(r"runs/[^/]+/", "runs/00000000-0000-0000-0000-000000000000/", url)
    assert (await aclient.get(unknown)).status_code == 404
    _response, events = await read_stream(aclient, url)  # still the owner's to run
    assert names(events)[-1] == "done"


async def test_when_the_cap_is_reached_the_stream_answers_429_without_claiming(
    aclient, settings
) -> None:
    url = await start(aclient, "basic-streaming", "short-reply")
    settings.LESSONS_MAX_CONCURRENT_RUNS = 1
    held = await sync_to_async(slot_acquire)()
    assert held is not None

    busy = await aclient.get(url)
    assert busy.status_code == 429
    assert busy["Retry-After"] == "5"
    assert "busy" in busy.content.decode()

    await sync_to_async(slot_release)(held)
    response, events = await read_stream(aclient, url)  # the retry gets the run
    assert response.status_code == 200
    assert names(events)[-1] == "done"


async def serve(
    url: str, client: AsyncClient, *, leave_after_texts: int | None = None
) -> tuple[int, bytes]:
    """GET through Django's real ASGI handler, as uvicorn would: the status and the body."""
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return await through_asgi(get_scope(url, cookie=cookie), leave_after_texts=leave_after_texts)


async def test_closing_the_stream_cancels_the_run_and_the_model_stops(
    aclient, settings, model_events: list[float]
) -> None:
    """A closed tab or the Stop button: the client disconnects mid-stream."""
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.01
    url = await start(aclient, "streaming-patterns", "cancel")

    status, body = await serve(url, aclient, leave_after_texts=5)

    produced = len(model_events)
    await asyncio.sleep(0.3)
    assert len(model_events) == produced  # nothing more generated: the SDK run was cancelled
    assert status == 200
    assert b"event: done" not in body
    run = await last_run()
    assert run.outcome == DemoRun.Outcome.CANCELLED
    assert 5 <= run.chunks < 150
    assert runs_in_progress() == 0


async def test_an_exception_in_our_own_code_ends_the_run_too(
    aclient, settings, monkeypatch, model_events: list[float]
) -> None:
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.005
    original = Renderer._text_html
    calls = 0

    def breaks_on_the_fifth(self, event, elapsed):
        nonlocal calls
        calls += 1
        if calls == 5:
            raise RuntimeError("a bug in the renderer")
        return original(self, event, elapsed)

    monkeypatch.setattr(Renderer, "_text_html", breaks_on_the_fifth)
    url = await start(aclient, "streaming-patterns", "cancel")
    _, events = await read_stream(aclient, url)

    produced = len(model_events)
    await asyncio.sleep(0.2)
    assert len(model_events) == produced
    assert names(events)[-2:] == ["error", "done"]
    assert "a bug in the renderer" in events[-2].data
    assert len(texts(events)) == 4
    assert (await last_run()).outcome == DemoRun.Outcome.FAILED


async def test_no_database_connection_is_held_while_the_run_streams(aclient, monkeypatch) -> None:
    held_during_stream: list[bool] = []
    original = OfflineModel.stream_response

    async def checking(self, *args, **kwargs):
        # Runs in the stream, in the request's context: is its connection open?
        held_during_stream.append(await sync_to_async(lambda: connection.connection is not None)())
        async for event in original(self, *args, **kwargs):
            yield event

    monkeypatch.setattr(OfflineModel, "stream_response", checking)
    url = await start(aclient, "basic-streaming", "event-sequence")
    status, body = await serve(url, aclient)  # a thread per request, as under uvicorn

    assert status == 200
    assert names(parse(body.decode()))[-1] == "done"
    assert held_during_stream == [False]
    assert await recorded() == 1  # recorded once the stream was over


async def test_the_run_started_by_the_service_is_the_one_the_stream_runs(aclient, user) -> None:
    ticket = await sync_to_async(demo_run_start)(
        user_id=user.pk,
        session_key=aclient.cookies["sessionid"].value,
        lesson="streaming-patterns",
        preset="buffered",
        prompt="Buffer this, please.",
        options=DemoOptions(buffer_words=4, length="short"),
    )
    assert isinstance(ticket, RunTicket)
    url = reverse("lessons:stream", args=["streaming-patterns", ticket.id])
    _, events = await read_stream(aclient, url)

    buffered = texts(events, "buffered")
    assert "".join(buffered) == "".join(texts(events, "raw"))
    assert all(len(chunk.split()) >= 4 for chunk in buffered[:-1])


async def test_a_run_press_writes_its_record_running_before_the_stream(aclient, user) -> None:
    url = await start(aclient, "basic-streaming", "short-reply")
    await run_recorder().flush()  # written off the press's path, at once

    run = await DemoRun.objects.aget()
    assert run.outcome == DemoRun.Outcome.RUNNING
    assert str(run.key) in url
    await read_stream(aclient, url)
    assert (await last_run()).outcome == DemoRun.Outcome.COMPLETED
    assert await DemoRun.objects.acount() == 1  # the same record, settled


async def test_a_run_whose_worker_died_is_cut_off_lost_and_frees_its_slot(
    aclient, settings
) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 1
    url = await start(aclient, "basic-streaming", "short-reply")
    await run_recorder().flush()
    run = await DemoRun.objects.aget()
    assert run.key is not None
    # Another web worker admitted the stream, then was killed (SIGKILL: nothing ran after).
    dead = StreamWorker()
    assert await sync_to_async(dead.acquire)() is not None
    assert await sync_to_async(ticket_claim)(run.key, dead.id)
    assert await sync_to_async(slot_acquire)() is None  # its slot is still counted

    await sync_to_async(cache.delete_many)(
        [f"lessons:seat:{dead.seat}", f"lessons:streams:{dead.seat}"]
    )  # its lease lapsed (LESSONS_WORKER_LEASE after its last renewal)
    reconnect, events = await read_stream(aclient, url)  # the browser reconnects elsewhere

    assert reconnect.status_code == 200
    assert names(events) == ["done"]
    assert "The run was cut off: the server streaming it stopped before the end." in (
        events[0].data
    )
    assert "data-run-again" in events[0].data
    await run.arefresh_from_db()
    assert (run.outcome, run.error) == (DemoRun.Outcome.LOST, LOST_MESSAGE)
    assert runs_in_progress() == 0
    assert await sync_to_async(slot_acquire)() is not None


async def test_with_the_cache_down_run_says_the_demos_are_paused_then_recovers(
    aclient, flaky_cache
) -> None:
    flaky_cache.down = True
    chosen = get_preset("basic-streaming", "short-reply")
    assert chosen is not None
    form = DemoForm(preset=chosen, backend=Backend.from_settings())
    fields = {name: form[name].value() for name in form.fields}
    url = f"{reverse('lessons:detail', args=['basic-streaming'])}?preset=short-reply"

    refused = await aclient.post(url, fields, headers=HTMX)

    assert refused.status_code == 503
    assert refused["Retry-After"] == "30"
    page = refused.content.decode()
    assert "Live demos are paused for a moment" in page
    assert 'id="demo-form"' in page  # next to the form, which htmx swaps in
    assert await DemoRun.objects.acount() == 0
    flaky_cache.down = False
    stream = await start(aclient, "basic-streaming", "short-reply")
    _, events = await read_stream(aclient, stream)
    assert names(events)[-1] == "done"
    assert (await last_run()).outcome == DemoRun.Outcome.COMPLETED


async def test_a_stream_asked_for_while_the_cache_is_down_says_so_in_the_page(
    aclient, flaky_cache
) -> None:
    url = await start(aclient, "basic-streaming", "short-reply")
    flaky_cache.down = True

    response, events = await read_stream(aclient, url)

    assert response.status_code == 200
    assert names(events) == ["done"]
    assert "Live demos are paused for a moment" in events[0].data
    assert "This run did not start" in events[0].data
    assert "data-run-again" in events[0].data
    flaky_cache.down = False
    _, events = await read_stream(aclient, url)  # Run again, once Redis is back
    assert names(events)[-1] == "done"
    assert (await last_run()).outcome == DemoRun.Outcome.COMPLETED


async def test_a_stream_open_when_the_cache_goes_down_finishes_and_is_recorded(
    aclient, flaky_cache
) -> None:
    url = await start(aclient, "basic-streaming", "short-reply")
    response = await aclient.get(url)
    body = aiter(cast(AsyncIterator[bytes], response))
    first = await anext(body)  # streaming
    flaky_cache.down = True

    rest = b"".join([chunk async for chunk in body])

    events = parse((first + rest).decode())
    assert names(events)[-1] == "done"
    assert (await last_run()).outcome == DemoRun.Outcome.COMPLETED
    flaky_cache.down = False
    # The release was lost with the cache; the lease's next renewal corrects the count.
    await sync_to_async(WORKER.renew)()
    assert runs_in_progress() == 0


async def test_a_run_asks_its_model_once_the_requests_in_flight_have_their_answers(
    aclient, model_events: list[float]
) -> None:
    """A class pressing Run together: every press is answered before the runs start."""
    url = await start(aclient, "basic-streaming", "short-reply", first_token_ms=0, token_ms=0)
    REQUESTS_IN_FLIGHT.enter()  # another learner's press, not answered yet
    try:
        reading = asyncio.ensure_future(read_stream(aclient, url))
        await asyncio.sleep(0.2)
        held_back = (list(model_events), reading.done())
    finally:
        REQUESTS_IN_FLIGHT.leave()
    _, events = await asyncio.wait_for(reading, 5)

    assert held_back == ([], False)
    assert model_events
    assert names(events)[-1] == "done"
    assert (await last_run()).outcome == DemoRun.Outcome.COMPLETED


async def test_a_request_never_answered_holds_a_run_back_only_a_moment(
    aclient, monkeypatch, model_events: list[float]
) -> None:
    monkeypatch.setattr(streaming, "REQUESTS_FIRST", 0.1)
    url = await start(aclient, "basic-streaming", "short-reply", first_token_ms=0, token_ms=0)
    REQUESTS_IN_FLIGHT.enter()  # a request that outlasts the run
    try:
        _, events = await asyncio.wait_for(read_stream(aclient, url), 5)
    finally:
        REQUESTS_IN_FLIGHT.leave()

    assert model_events
    assert names(events)[-1] == "done"


async def test_stop_pressed_while_a_run_waits_for_the_requests_in_flight_runs_nothing(
    aclient, model_events: list[float]
) -> None:
    url = await start(aclient, "basic-streaming", "short-reply", first_token_ms=0, token_ms=0)
    REQUESTS_IN_FLIGHT.enter()
    try:
        reading = asyncio.ensure_future(read_stream(aclient, url))
        await asyncio.sleep(0.1)
        reading.cancel()  # the learner leaves before the run has started
        with pytest.raises(asyncio.CancelledError):
            await reading
    finally:
        REQUESTS_IN_FLIGHT.leave()
    await asyncio.sleep(0.1)

    assert model_events == []
    assert (await last_run()).outcome == DemoRun.Outcome.CANCELLED
    assert runs_in_progress() == 0
