"""Run records, written off the streams' path.

A stream that ends hands its record to the recorder of its event loop and closes at once; the
recorder saves every record handed over since its last write in one query, from a thread of
its own (the stream neither waits for the database nor holds a connection). Under a class's
worth of streams ending together that is a handful of inserts instead of hundreds.

A write starts once no record has come for `WRITE_AFTER` seconds, or `WRITE_WITHIN` seconds
after the first it takes while records keep coming. A Run press's record is handed over just
before its page asks for the stream, and a stream's just before the learner's next press:
written at once, it ran on its thread beside those requests and held the interpreter's lock
from them (the streaming benchmark: several milliseconds more to the first token); a moment
later it runs while the model prepares its first token. A class pressing Run together is written
once its presses are in, in one statement, instead of every few milliseconds beside them. A worker
told to stop writes what it still holds before it stops (certify/asgi.py's lifespan).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from lessons.models import DemoRun
from lessons.services import demo_runs_save

logger = logging.getLogger(__name__)

WRITE_AFTER = 0.05  # seconds without a new record
WRITE_WITHIN = 1.0  # seconds after the first record of a write, however many keep coming


class RunRecorder:
    """The records of one event loop's streams, waiting for their write."""

    def __init__(self) -> None:
        self.pending: list[DemoRun] = []
        self.added = 0  # records handed over so far
        self.writing: asyncio.Task[None] | None = None

    def add(self, run: DemoRun) -> None:
        """Queue a record; the writer starts if it is not already running."""
        self.pending.append(run)
        self.added += 1
        if self.writing is None or self.writing.done():
            # A context of its own: the writer outlives the request that started it, and must
            # not use that request's thread once the request is over.
            self.writing = asyncio.get_running_loop().create_task(
                self._write(), context=contextvars.Context()
            )

    async def _write(self) -> None:
        while self.pending:
            await self._quiet()
            batch, self.pending = self.pending, []
            if not await self._save(batch) and len(batch) > 1:
                # One bad record (its learner deleted mid-run) must not lose the others.
                for run in batch:
                    await self._save([run])

    async def _quiet(self) -> None:
        """Until no record has come for WRITE_AFTER, or for at most WRITE_WITHIN."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WRITE_WITHIN
        while True:
            seen = self.added
            await asyncio.sleep(min(WRITE_AFTER, max(0.0, deadline - loop.time())))
            if self.added == seen or loop.time() >= deadline:
                return

    @staticmethod
    async def _save(batch: list[DemoRun]) -> bool:
        try:
            await sync_to_async(_save)(batch)
        except Exception:
            logger.exception("Recording %d demo run(s) failed", len(batch))
            return False
        return True

    async def flush(self) -> None:
        """Wait until every record handed over so far is written, those of runs that ended
        on this turn of the event loop included (lessons/streaming.py hands them over on the
        next)."""
        await asyncio.sleep(0)
        while self.writing is not None and not self.writing.done():
            await asyncio.shield(self.writing)


def _save(batch: list[DemoRun]) -> None:
    # The writer's thread serves no request: its connection is kept or closed after each write
    # as a request's would be (CONN_MAX_AGE, health checks), so a broken one is never reused.
    try:
        demo_runs_save(runs=batch)
    finally:
        close_old_connections()


_RECORDERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RunRecorder] = (
    weakref.WeakKeyDictionary()
)


def run_recorder() -> RunRecorder:
    """The recorder of the running event loop."""
    loop = asyncio.get_running_loop()
    recorder = _RECORDERS.get(loop)
    if recorder is None:
        recorder = _RECORDERS[loop] = RunRecorder()
    return recorder
