"""A demo run as a Server-Sent Events stream: the body of the stream view.

The run starts inside the generator, when the server first asks it for bytes. Every SDK event the
demo shows becomes one SSE event, sent as soon as it exists; live metrics follow a few times a
second; `done` ends every stream that is still connected, after an `error` event if the run
failed (by then the status code has gone out and cannot say so).

However the stream ends (done, the tab closed or Stop pressed, the lifetime cap, an exception
in our own code), the demo generator is closed, which cancels its SDK run; a cancellation is
re-raised. The database is not touched while the stream is open: the run is recorded after.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone

from lessons.backends import Backend
from lessons.breaker import CircuitBreaker
from lessons.demos import Demo, Preset
from lessons.events import Done, Failure, Final, Metrics, Outcome
from lessons.fragments import Renderer
from lessons.limits import Slot, slot_release
from lessons.metrics import MetricsTracker
from lessons.services import demo_run_record
from lessons.tickets import RunTicket

logger = logging.getLogger(__name__)

METRICS_INTERVAL = 0.25  # seconds between live metrics events


class BreakerOpenError(RuntimeError):
    pass


def event_stream_response(body: AsyncIterator[bytes]) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        body,
        content_type="text/event-stream",
        headers={
            "Cache-Control": "no-cache",
            # nginx and friends would otherwise buffer the stream and deliver it in lumps.
            "X-Accel-Buffering": "no",
        },
    )


async def demo_stream(
    *, ticket: RunTicket, preset: Preset, backend: Backend, slot: Slot | None = None
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    started_at = timezone.now()
    renderer = Renderer(preset.channels, preset.agents)
    tracker = MetricsTracker(((c.name, c.label) for c in preset.channels), start=start)
    breaker = CircuitBreaker.for_backend()
    lifetime = settings.LESSONS_RUN_LIFETIME
    demo = Demo(
        prompt=ticket.prompt,
        options=ticket.options,
        backend=backend,
        owner=f"user-{ticket.user_id}",
    )
    events = preset.demo(demo)
    # Until the stream reaches its end, leaving it means the client went away: a closed tab or
    # Stop cancels this task (CancelledError) or, between two sends, closes this generator.
    outcome: Outcome = "cancelled"
    error = ""
    refused = False
    final_output: str | None = None
    try:
        try:
            if not await breaker.allow():
                refused = True
                state = await breaker.state()
                raise BreakerOpenError(
                    "The model backend keeps failing, so demos are paused: "
                    f"breaker {state.summary}."
                )
            last_metrics = start
            while True:
                try:
                    # The lifetime cap covers waiting for the demo, never our own yields.
                    async with asyncio.timeout_at(start + lifetime):
                        event = await anext(events)
                except StopAsyncIteration:
                    break
                now = loop.time()
                tracker.observe(event, now)
                if isinstance(event, Final):
                    final_output = event.output
                elif frame := renderer.event(event, now - start):
                    yield frame.encode()
                if now - last_metrics >= METRICS_INTERVAL:
                    last_metrics = now
                    yield renderer.metrics(tracker.snapshot(now)).encode()
            outcome = "completed"
        except TimeoutError:
            outcome, error = "timed_out", f"The run reached its lifetime cap of {lifetime:g} s."
        except Exception as exc:
            if not refused:
                logger.exception("Demo %s/%s failed", ticket.lesson, ticket.preset)
            outcome, error = "failed", str(exc) or type(exc).__name__
        now = loop.time()
        if error:
            yield renderer.failure(Failure(message=error), now - start).encode()
        yield renderer.done(
            Done(
                outcome=outcome,
                final_output=final_output,
                metrics=tracker.snapshot(now),
                error=error,
            )
        ).encode()
    finally:
        # Closing the demo runs its `finally` blocks, which cancel its SDK runs (a no-op for
        # runs that are complete). A CancelledError carries on once this block is done.
        try:
            await events.aclose()
        except Exception:
            logger.exception("Closing demo %s/%s failed", ticket.lesson, ticket.preset)
        finish = asyncio.ensure_future(
            _finish(
                ticket=ticket,
                started_at=started_at,
                outcome=outcome,
                metrics=tracker.snapshot(loop.time()),
                error=error,
                slot=slot,
                breaker=None if refused else breaker,
            )
        )
        _FINISHING.add(finish)
        finish.add_done_callback(_FINISHING.discard)
        # Shielded: a second cancellation (the client leaving right after `done`) must not
        # lose the record or leak the slot.
        await asyncio.shield(finish)


# Strong references to records still being written (the event loop keeps only weak ones).
_FINISHING: set[asyncio.Future[None]] = set()


async def _finish(
    *,
    ticket: RunTicket,
    started_at: datetime,
    outcome: Outcome,
    metrics: Metrics,
    error: str,
    slot: Slot | None,
    breaker: CircuitBreaker | None,
) -> None:
    if slot is not None:
        await sync_to_async(slot_release)(slot)
    if breaker is not None and outcome == "completed":
        await breaker.record_success()
    elif breaker is not None and outcome == "failed":
        await breaker.record_failure()
    await demo_run_record(
        ticket=ticket, started_at=started_at, outcome=outcome, metrics=metrics, error=error
    )
