"""A demo run as a Server-Sent Events stream: the body of the stream view.

The run starts inside the generator, when the server first asks it for bytes, once the worker
has answered the requests it was serving (at most REQUESTS_FIRST later: when a class presses Run
together, every press gets its answer before the runs take the worker's time). Every SDK event
the demo shows becomes one SSE event, sent as soon as it exists; live metrics follow a few times
a second; `done` ends every stream that is still connected, after an `error` event if the run
failed (by then the status code has gone out and cannot say so).

However the stream ends (done, the tab closed or Stop pressed, the lifetime cap, an exception
in our own code), the demo generator is closed, which cancels its SDK run; a cancellation is
re-raised. The stream never touches the database: it hands its record to the recorder
(lessons/recorder.py), which writes it off the stream's path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone

from certify.middleware import REQUESTS_IN_FLIGHT
from lessons.backends import Backend
from lessons.counters import CACHE_ERRORS, cache_is_local
from lessons.demos import Demo, Preset
from lessons.events import DemoEvent, Done, Failure, Final, Outcome
from lessons.fragments import Renderer
from lessons.limits import WORKER, Slot
from lessons.metrics import MetricsTracker
from lessons.recorder import run_recorder
from lessons.services import demo_run_record, demo_run_settle
from lessons.tickets import RunTicket

logger = logging.getLogger(__name__)

METRICS_INTERVAL = 0.5  # seconds between live metrics events
# The longest a run waits for the worker's requests in flight to have their answers before it
# asks its model (certify.middleware.RequestsInFlight): a slow request never holds it up long.
REQUESTS_FIRST = 0.5  # seconds


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

    def timed_out(self) -> bool:
        """After a cancellation: whether it was ours alone (the client's carries on)."""
        return self.expired and self.task is not None and self.task.uncancel() == 0

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


class RunStream:
    """One run's state while it streams: its clock, its renderer and metrics, the demo's
    events, and how it ended (a closed tab or Stop until it says otherwise)."""

    def __init__(
        self, *, ticket: RunTicket, preset: Preset, backend: Backend, slot: Slot | None, paused: str
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.start = self.last_metrics = self.loop.time()
        self.started_at = timezone.now()
        self.ticket, self.slot, self.paused = ticket, slot, paused
        if slot is not None:
            WORKER.keep_alive()  # the slot's lease lasts while this worker streams
        self.renderer = Renderer(preset.channels, preset.agents)
        self.tracker = MetricsTracker(
            ((c.name, c.label) for c in preset.channels), start=self.start
        )
        self.lifetime: float = settings.LESSONS_RUN_LIFETIME
        demo = Demo(
            prompt=ticket.prompt,
            options=ticket.options,
            backend=backend,
            owner=f"user-{ticket.user_id}",
        )
        self.events = preset.demo(demo)
        self.cap = _Lifetime(self.start + self.lifetime)
        self.outcome: Outcome = "cancelled"
        self.error = ""
        self.final_output: str | None = None

    def refuse_if_paused(self) -> None:
        if self.paused:
            raise BreakerOpenError(
                f"The model backend keeps failing, so demos are paused: breaker {self.paused}."
            )

    async def next_event(self) -> DemoEvent | None:
        """The demo's next event, None at its end; TimeoutError at the lifetime cap (awaited
        for every event: the cap's check is here, not in a coroutine of its own)."""
        cap = self.cap
        if cap.expired:
            raise TimeoutError
        cap.waiting = True
        try:
            return await anext(self.events)
        except StopAsyncIteration:
            return None
        except asyncio.CancelledError:
            if cap.timed_out():
                raise TimeoutError from None
            raise
        finally:
            cap.waiting = False

    def frames_for(self, event: DemoEvent) -> bytes:
        """The SSE events for one demo event, and the live metrics when they are due, as one
        part of the stream (b"" for none)."""
        now = self.loop.time()
        self.tracker.observe(event, now)
        if isinstance(event, Final):
            self.final_output = event.output
            frames = b""
        else:
            frames = self.renderer.encoded(event, now - self.start)
        if now - self.last_metrics >= METRICS_INTERVAL:
            self.last_metrics = now
            frames += self.renderer.metrics(self.tracker.snapshot(now)).encode()
        return frames

    def completed(self) -> None:
        self.outcome = "completed"

    def timed_out(self) -> None:
        self.outcome = "timed_out"
        self.error = f"The run reached its lifetime cap of {self.lifetime:g} s."

    def failed(self, exc: Exception) -> None:
        if not self.paused:
            logger.exception("Demo %s/%s failed", self.ticket.lesson, self.ticket.preset)
        self.outcome, self.error = "failed", str(exc) or type(exc).__name__

    def ending(self) -> list[bytes]:
        """`error` if the run failed, then `done`: the stream reached its end."""
        now = self.loop.time()
        frames = []
        if self.error:
            frames.append(self.renderer.failure(Failure(message=self.error), now - self.start))
        done = Done(
            outcome=self.outcome,
            final_output=self.final_output,
            metrics=self.tracker.snapshot(now),
            error=self.error,
        )
        frames.append(self.renderer.done(done))
        return [frame.encode() for frame in frames]

    async def close(self) -> None:
        """However the stream ended: stop the demo (which cancels its SDK runs), then settle
        the run: free its slot, tell the breaker, hand its record to the recorder."""
        self.cap.close()
        try:
            if isinstance(self.events, AsyncGenerator):
                await self.events.aclose()
        except Exception:
            logger.exception("Closing demo %s/%s failed", self.ticket.lesson, self.ticket.preset)
        finally:
            await self.settle()

    async def settle(self) -> None:
        """With the cache in this process, settling is microseconds of work, done on the event
        loop's next turn: after the stream's last bytes have gone out (the learner's connection
        closes without waiting for it) and before the loop reads anything more, so the slot is
        free for whatever request comes next. With Redis it is a round trip, awaited here."""
        if cache_is_local():
            self.loop.call_soon(self._settle_now)
            return
        self._hand_over_record()
        # Redis: a round trip, in the shared pool. Shielded: a second cancellation (the client
        # leaving right after `done`) must not leak the slot.
        settling = asyncio.ensure_future(_settle_remote(self._settling()))
        _SETTLING.add(settling)
        settling.add_done_callback(_SETTLING.discard)
        await asyncio.shield(settling)

    def _settle_now(self) -> None:
        self._hand_over_record()
        _settle_here(self._settling())

    def _hand_over_record(self) -> None:
        run_recorder().add(
            demo_run_record(
                ticket=self.ticket,
                started_at=self.started_at,
                outcome=self.outcome,
                metrics=self.tracker.snapshot(self.loop.time()),
                error=self.error,
            )
        )

    def _settling(self) -> partial[None]:
        return partial(
            demo_run_settle,
            slot=self.slot,
            outcome=self.outcome,
            counts_for_breaker=not self.paused,  # a refusal says nothing about the model
        )


def _settle_here(settle: partial[None]) -> None:
    try:
        settle()
    except CACHE_ERRORS as error:
        # The cache is away: the run ended all the same and its record is written. The worker's
        # next lease renewal publishes its true count of open streams, which frees the slot.
        logger.warning("Could not settle a demo run in the cache: %s", error)


async def _settle_remote(settle: partial[None]) -> None:
    await sync_to_async(_settle_here, thread_sensitive=False)(settle)


async def demo_stream(
    *,
    ticket: RunTicket,
    preset: Preset,
    backend: Backend,
    slot: Slot | None = None,
    paused: str = "",
    first: bytes = b"",
) -> AsyncIterator[bytes]:
    """The bytes of one run's stream. `paused`: the backend's breaker is open (say why, run
    nothing). `first`: an event sent before the run's own (the run panel, when the Run press
    answers with the stream).

    Until the stream reaches its end, leaving it means the client went away: a closed tab or
    Stop cancels this task (CancelledError) or, between two sends, closes this generator.
    """
    run = RunStream(ticket=ticket, preset=preset, backend=backend, slot=slot, paused=paused)
    try:
        if first:
            yield first
        try:
            run.refuse_if_paused()
            # A class pressing Run together: the presses are answered first, then the runs start.
            await REQUESTS_IN_FLIGHT.answered(REQUESTS_FIRST)
            while (event := await run.next_event()) is not None:
                if frames := run.frames_for(event):
                    yield frames
            run.completed()
        except TimeoutError:
            run.timed_out()
        except Exception as exc:
            run.failed(exc)
        for frame in run.ending():
            yield frame
    finally:
        # A CancelledError carries on once this block is done.
        await run.close()


# Strong references to runs still being settled (the event loop keeps only weak ones).
_SETTLING: set[asyncio.Future[None]] = set()
