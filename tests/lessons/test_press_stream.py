"""The Run press answered with the run's stream: one request from the press to the first token.

The page's script posts the form asking for `text/event-stream`; the answer is the run panel as
the first event, then the run's own events. Everything else the press answers (refusals, the
panel for htmx alone, the page without script) is in test_views.py and test_streaming.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import Any, cast
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django.http import HttpResponse, StreamingHttpResponse
from django.test import AsyncClient
from django.urls import reverse

from lessons import services
from lessons.backends import Backend
from lessons.counters import cache_is_local
from lessons.forms import DemoForm
from lessons.limits import runs_in_progress, slot_acquire, slot_release
from lessons.models import DemoRun
from lessons.recorder import run_recorder
from lessons.registry import get_preset
from lessons.sse import ServerSentEvent, parse
from tests.asgi import get_scope
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

STREAM = {"HX-Request": "true", "Accept": "text/event-stream"}
# What a browser sends with a plain form post (no script).
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def press_url(slug: str, preset: str) -> str:
    return f"{reverse('lessons:detail', args=[slug])}?preset={preset}"


def form_fields(slug: str, preset: str, **data: object) -> dict[str, object]:
    chosen = get_preset(slug, preset)
    assert chosen is not None
    form = DemoForm(preset=chosen, backend=Backend.from_settings())
    fields: dict[str, object] = {name: form[name].value() for name in form.fields}
    fields.update(data)
    return fields


async def refused_press(client: AsyncClient) -> HttpResponse:
    """Press Run on lesson 01's short reply as the page's script does, expecting a refusal
    (the form with why, not a stream)."""
    url = press_url("basic-streaming", "short-reply")
    response = await client.post(url, form_fields("basic-streaming", "short-reply"), headers=STREAM)
    assert isinstance(response, HttpResponse), "the press was not refused"
    return response


async def press(
    client: AsyncClient, slug: str, preset: str, **data: object
) -> tuple[int, str, list[ServerSentEvent]]:
    """Press Run as the page's script does: the status, the content type and the events."""
    response = await client.post(
        press_url(slug, preset), form_fields(slug, preset, **data), headers=STREAM
    )
    if not isinstance(response, StreamingHttpResponse):
        return response.status_code, response["Content-Type"], []
    body = b"".join([chunk async for chunk in cast(AsyncIterator[bytes], response)])
    return response.status_code, response["Content-Type"], parse(body.decode())


@pytest.fixture
async def aclient(async_client: AsyncClient) -> AsyncClient:
    from tests.factories import UserFactory

    await async_client.aforce_login(await sync_to_async(UserFactory.create)())
    return async_client


async def test_the_press_answers_with_the_run_panel_then_the_runs_events(aclient) -> None:
    status, content_type, events = await press(aclient, "raw-response-events", "text-deltas")

    assert (status, content_type) == (200, "text/event-stream")
    assert names(events)[0] == "run-panel"
    panel = events[0].data
    assert 'id="run"' in panel
    assert "data-run" in panel
    assert 'sse-swap="text-main"' in panel
    assert 'sse-close="done"' in panel
    assert "<html" not in panel  # the partial for #run-panel, not the page
    assert "text-main" in names(events)
    assert names(events)[-1] == "done"
    final = events[-1].data
    assert "".join(texts(events)) in final  # the reply streamed is the reply shown at the end
    run = await last_run()
    assert run.outcome == DemoRun.Outcome.COMPLETED
    assert str(run.key) in stream_url(panel)
    assert await recorded() == 1
    assert runs_in_progress() == 0  # the slot is free once the stream ended


async def test_the_panels_stream_address_is_claimed_so_a_reconnect_runs_nothing(aclient) -> None:
    _, _, events = await press(aclient, "basic-streaming", "short-reply")

    again, reconnect = await read_stream(aclient, stream_url(events[0].data))

    assert again.status_code == 200
    assert names(reconnect) == ["done"]
    assert "Cut off" in reconnect[0].data
    assert await recorded() == 1
    assert (await last_run()).outcome == DemoRun.Outcome.COMPLETED


async def test_without_the_scripts_accept_header_the_press_answers_as_before(aclient) -> None:
    url, fields = (
        press_url("basic-streaming", "short-reply"),
        form_fields("basic-streaming", "short-reply"),
    )

    htmx = await aclient.post(url, fields, headers={"HX-Request": "true", "Accept": "*/*"})
    page = await aclient.post(url, fields, headers={"Accept": BROWSER_ACCEPT})

    assert htmx.status_code == 200
    assert not isinstance(htmx, StreamingHttpResponse)
    assert "sse-connect" in htmx.content.decode()
    assert "<html" not in htmx.content.decode()
    assert page.status_code == 200
    assert "<html" in page.content.decode()


async def test_past_the_rate_limit_the_press_is_refused_next_to_the_form(aclient, settings) -> None:
    settings.LESSONS_RUNS_PER_WINDOW = 1
    assert (await press(aclient, "basic-streaming", "short-reply"))[0] == 200

    response = await refused_press(aclient)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["HX-Retarget"] == "#demo-form"
    assert "You have started 1 demo runs" in response.content.decode()
    assert await recorded() == 1  # only the first


async def test_bad_input_is_refused_next_to_its_field_and_starts_nothing(aclient) -> None:
    status, content_type, events = await press(
        aclient, "raw-response-events", "text-deltas", token_ms="fast"
    )

    assert status == 400
    assert content_type.startswith("text/html")
    assert events == []
    assert await recorded() == 0
    assert runs_in_progress() == 0


async def test_a_press_that_loses_the_last_slot_is_refused_busy_and_leaves_nothing(
    aclient, monkeypatch
) -> None:
    """The cap had room when the press checked it, and none when it took a slot (another press
    took the last one in between)."""
    monkeypatch.setattr(services, "slot_acquire", lambda: None)

    response = await refused_press(aclient)

    assert response.status_code == 429
    assert response["Retry-After"] == "5"
    assert "The demos are busy" in response.content.decode()
    assert await recorded() == 0
    assert runs_in_progress() == 0


async def test_when_every_slot_is_taken_the_press_is_refused_busy(aclient, settings) -> None:
    settings.LESSONS_MAX_CONCURRENT_RUNS = 1
    held = await sync_to_async(slot_acquire)()
    assert held is not None

    status, _, events = await press(aclient, "basic-streaming", "short-reply")

    assert (status, events) == (429, [])
    await sync_to_async(slot_release)(held)
    assert (await press(aclient, "basic-streaming", "short-reply"))[0] == 200


async def test_with_the_cache_down_the_press_says_the_demos_are_paused(
    aclient, flaky_cache
) -> None:
    flaky_cache.down = True

    response = await refused_press(aclient)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Live demos are paused for a moment" in response.content.decode()
    assert await recorded() == 0


async def test_leaving_the_pressed_stream_cancels_the_run_and_frees_its_slot(
    aclient, settings, model_events: list[float]
) -> None:
    """Stop or a closed tab: the page aborts the press's own request mid-stream."""
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.01
    status, received = await post_through_asgi(
        aclient, "streaming-patterns", "cancel", leave_after_texts=5
    )

    produced = len(model_events)
    await asyncio.sleep(0.3)
    assert len(model_events) == produced  # the SDK run was cancelled
    assert status == 200
    assert b"event: run-panel" in received
    assert b"event: done" not in received
    run = await last_run()
    assert run.outcome == DemoRun.Outcome.CANCELLED
    assert 5 <= run.chunks < 150
    assert runs_in_progress() == 0


async def test_the_press_gives_its_thread_back_before_its_run_streams(aclient, monkeypatch) -> None:
    """Under certify's ASGI application: while the run streams, the thread that read the
    session and the user serves other requests (an open stream holds no thread and no
    connection)."""
    from certify.asgi import RequestThreads, django_application
    from lessons.offline import OfflineModel

    lender = RequestThreads(django_application)
    idle_while_streaming: list[int] = []
    original = OfflineModel.stream_response

    async def watching(self, *args, **kwargs):
        idle_while_streaming.append(len(lender.idle))
        async for event in original(self, *args, **kwargs):
            yield event

    monkeypatch.setattr(OfflineModel, "stream_response", watching)
    status, received = await post_through_asgi(
        aclient, "basic-streaming", "short-reply", leave_after_texts=1, app=lender
    )

    assert status == 200
    assert b"event: run-panel" in received
    assert idle_while_streaming == [1]  # the press's one thread, lent again


async def test_the_streams_last_bytes_go_out_before_its_run_is_settled(aclient) -> None:
    """The learner's connection closes without waiting for the run's bookkeeping. With the
    cache in this process: at the stream's last message the run still holds its slot and has
    handed over only the record of its start; the slot is free and the record of its end handed
    over on the event loop's next turn. With Redis, the settling round trip comes first."""
    from certify.asgi import RequestThreads, django_application

    recorder = run_recorder()
    before = recorder.added
    at_the_end: list[tuple[int, int]] = []

    def watch(message: Mapping[str, Any]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body"):
            at_the_end.append((runs_in_progress(), recorder.added - before))

    status, received = await post_through_asgi(
        aclient,
        "basic-streaming",
        "short-reply",
        leave_after_texts=0,
        app=RequestThreads(django_application),
        watch=watch,
    )

    assert status == 200
    assert b"event: done" in received
    assert at_the_end == ([(1, 1)] if cache_is_local() else [(0, 2)])
    await asyncio.sleep(0)
    assert (runs_in_progress(), recorder.added - before) == (0, 2)
    run = await last_run()
    assert run.outcome == DemoRun.Outcome.COMPLETED


async def post_through_asgi(
    client: AsyncClient,
    slug: str,
    preset: str,
    *,
    leave_after_texts: int,
    app: Callable[..., Coroutine[Any, Any, None]] | None = None,
    watch: Callable[[Mapping[str, Any]], None] | None = None,
) -> tuple[int, bytes]:
    """Press Run through an ASGI application as the page's script would (the client's session,
    a CSRF token of its own), and disconnect after that many text events (0: read to the end):
    the status and what arrived."""
    csrf = "a" * 32
    fields = {**form_fields(slug, preset), "csrfmiddlewaretoken": csrf}
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
    scope = get_scope(reverse("lessons:detail", args=[slug]), cookie=cookie)
    scope.update(method="POST", query_string=f"preset={preset}".encode())
    scope["headers"] += [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"accept", b"text/event-stream"),
        (b"hx-request", b"true"),
    ]
    body = urlencode(fields).encode()
    return await through_asgi(
        scope, body=body, leave_after_texts=leave_after_texts, app=app, watch=watch
    )
