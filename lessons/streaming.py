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

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone

from lessons.backends import Backend
from lessons.demos import Demo, Preset
from lessons.events import DemoEvent, Done, Failure, Final, Outcome
from lessons.fragments import Renderer
from lessons.limits import Slot
from lessons.metrics import MetricsTracker
from lessons.services import demo_run_finish
from lessons.tickets import RunTicket

logger = logging.getLogger(__name__)

METRICS_INTERVAL = 0.5  # seconds between live metrics events


class BreakerOpenError(RuntimeError):
    pass


class _Lifetime:
    """The lifetime cap of a run: at the deadline, cancel the stream's task if it is waiting
    for the demo (while it waits on the client instead, the next wait raises at once).

    One timer per run, where `asyncio.timeout` around each wait would make one per event.
    """

    def __init__(self, deadline: float) -> None:
        self.task = asyncio.current_task()
        self.expired = False
        self.waiting = False
        self.handle = asyncio.get_running_loop().call_at(deadline, self._expire)

    def _expire(self) -> None:
        self.expired = True
        if self.waiting and self.task is not None:
            self.task.cancel()

    async def next(self, events: AsyncIterator[DemoEvent]) -> DemoEvent:
        if self.expired:
            raise TimeoutError
        self.waiting = True
        try:
            return await anext(events)
        except asyncio.CancelledError:
            # Ours, unless the client cancelled too (then its cancellation carries on).
            if self.expired and self.task is not None and self.task.uncancel() == 0:
                raise TimeoutError from None
            raise
        finally:
            self.waiting = False

    def close(self) -> None:
        self.handle.cancel()


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
    *,
    ticket: RunTicket,
    preset: Preset,
    backend: Backend,
    slot: Slot | None = None,
    paused: str = "",
) -> AsyncIterator[bytes]:
    """The bytes of one run's stream. `paused`: the backend's breaker is open (say why, run
    nothing)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    started_at = timezone.now()
    renderer = Renderer(preset.channels, preset.agents)
    tracker = MetricsTracker(((c.name, c.label) for c in preset.channels), start=start)
    lifetime = settings.LESSONS_RUN_LIFETIME
    demo = Demo(
        prompt=ticket.prompt,
        options=ticket.options,
        backend=backend,
        owner=f"user-{ticket.user_id}",
    )
    events = preset.demo(demo)
    cap = _Lifetime(start + lifetime)
    # Until the stream reaches its end, leaving it means the client went away: a closed tab or
    # Stop cancels this task (CancelledError) or, between two sends, closes this generator.
    outcome: Outcome = "cancelled"
    error = ""
    final_output: str | None = None
    try:
        try:
            if paused:
                raise BreakerOpenError(
                    f"The model backend keeps failing, so demos are paused: breaker {paused}."
                )
            last_metrics = start
            while True:
                try:
                    event = await cap.next(events)
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
            if not paused:
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
        cap.close()
        # Closing the demo runs its `finally` blocks, which cancel its SDK runs (a no-op for
        # runs that are complete). A CancelledError carries on once this block is done.
        try:
            await events.aclose()
        except Exception:
            logger.exception("Closing demo %s/%s failed", ticket.lesson, ticket.preset)
        finish = asyncio.ensure_future(
            sync_to_async(demo_run_finish)(
                ticket=ticket,
                slot=slot,
                started_at=started_at,
                outcome=outcome,
                metrics=tracker.snapshot(loop.time()),
                error=error,
                counts_for_breaker=not paused,  # a refusal says nothing about the model
            )
        )
        _FINISHING.add(finish)
        finish.add_done_callback(_FINISHING.discard)
        # Shielded: a second cancellation (the client leaving right after `done`) must not
        # lose the record or leak the slot.
        await asyncio.shield(finish)


# Strong references to records still being written (the event loop keeps only weak ones).
_FINISHING: set[asyncio.Future[object]] = set()
