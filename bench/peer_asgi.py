"""The streaming benchmark's peer: a bare ASGI app running the same demo as the lesson page.

No Django, no database, no middleware, no limits: a Run press (POST) answers with the run's
stream, as the lesson page's does: a `run-panel` event first, then lesson 02's `raw_events` demo
run with the project's offline model at the pace the form asked for, through the real Agents
SDK, each event framed as Server-Sent Events with the same HTML a learner's page receives for
text (escaped), a line per log event, and a final `done`.
What certify does beyond this (sessions, limits, the breaker, metrics, records) is what the
benchmark weighs.

    uvicorn bench.peer_asgi:app --port 8102
"""

from __future__ import annotations

import asyncio
import gc
import html
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from agents import set_tracing_disabled

from lessons.backends import Backend
from lessons.demos import Demo, DemoOptions
from lessons.demos.raw_response_events import raw_events
from lessons.events import DemoEvent, Final, Log, Note, Text
from lessons.offline import Pacing

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

LESSON = "raw-response-events"
PRESS_PATH = f"/lessons/{LESSON}/"
LENGTHS = ("short", "medium", "long")

# As certify does (lessons/apps.py): no trace export; and as certify/asgi.py does, what startup
# built is taken out of the garbage collector's sight, so the two differ by Django alone.
set_tracing_disabled(True)
gc.collect()
gc.freeze()


def ticket_from_form(body: bytes) -> tuple[str, DemoOptions]:
    """The prompt and options of a posted Run form (the lesson page's field names)."""
    form = {name: values[-1] for name, values in parse_qs(body.decode()).items()}
    length = form.get("length", "medium")
    options = DemoOptions(
        length=length if length in LENGTHS else "medium",  # type: ignore[arg-type]  # checked
        first_token_ms=int(form.get("first_token_ms", "400")),
        token_ms=int(form.get("token_ms", "30")),
    )
    return form.get("prompt", "Hello"), options


def frame(event: str, data: str) -> bytes:
    return f"event: {event}\ndata: {data}\n\n".encode()


def frame_for(event: DemoEvent) -> bytes | None:
    if isinstance(event, Text):
        return frame(f"text-{event.channel}", f"<span>{html.escape(event.delta)}</span>")
    if isinstance(event, Log):
        line = f"{event.source} {event.name} {event.detail}"
        return frame("log", f"<li>{html.escape(line)}</li>")
    if isinstance(event, Note):
        return frame("note", f"<li>{html.escape(event.text)}</li>")
    return None


async def respond(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def run_demo(prompt: str, options: DemoOptions, send: Send) -> None:
    backend = Backend(name="offline", model="offline", pacing=Pacing())
    final = ""
    events = raw_events(Demo(prompt=prompt, options=options, backend=backend))
    try:
        async for event in events:
            if isinstance(event, Final):
                final = event.output
            elif data := frame_for(event):
                await send({"type": "http.response.body", "body": data, "more_body": True})
    finally:
        if isinstance(events, AsyncGenerator):
            await events.aclose()  # cancels the SDK run if the stream stopped early
    done = frame("done", f'<div class="final-output">{html.escape(final)}</div>')
    await send({"type": "http.response.body", "body": done, "more_body": False})


async def press(receive: Receive, send: Send) -> None:
    prompt, options = ticket_from_form(await read_body(receive))
    run = uuid.uuid4().hex
    headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    panel = f'<div id="run" sse-connect="/lessons/{LESSON}/runs/{run}/stream/"></div>'
    await send({"type": "http.response.body", "body": frame("run-panel", panel), "more_body": True})
    running = asyncio.create_task(run_demo(prompt, options, send))

    async def watch() -> None:
        # A closed tab cancels the run, as it does on the lesson page.
        while (await receive())["type"] != "http.disconnect":
            pass
        running.cancel()

    watcher = asyncio.create_task(watch())
    try:
        await running
    except asyncio.CancelledError:
        if not running.cancelled():
            raise
    finally:
        watcher.cancel()


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    path, method = scope["path"], scope["method"]
    if method == "POST" and path == PRESS_PATH:
        await press(receive, send)
    else:
        await respond(send, 404, b"Not found.", b"text/plain")
