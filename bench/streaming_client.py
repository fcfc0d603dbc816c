"""The streaming benchmark's load: learners pressing Run and reading their streams.

Run in a process of its own (pinned to its own core by the driver, bench/streaming.py), over
bare sockets (HTTP/1.0: no chunked encoding to undo, the end of the body is the server closing
the connection), so that the figures are the server's and not a client library's. The press is
posted as the lesson page's script posts it: its answer is the run's stream, the run panel
first. For each stream it prints one JSON line: when the run panel and the first text delta
arrived counted from the Run press (the stream's own request), the gaps between deltas, how
long the connection stayed open after the last delta and after `done`, and what went wrong if
anything did.

    python -m bench.streaming_client job.json
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import itertools
import json
import secrets
import string
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from lessons.sse import EventStreamParser  # pure: no Django needed here

LESSON_PATH = "/lessons/raw-response-events/?preset=text-deltas"
CSRF_ALPHABET = string.ascii_letters + string.digits


def csrf_secret() -> str:
    return "".join(secrets.choice(CSRF_ALPHABET) for _ in range(32))


@dataclass(frozen=True)
class Learner:
    """A signed-in learner: the session cookie, and a CSRF secret of the client's own making
    (Django accepts any well-formed secret that the cookie and the form agree on)."""

    session: str
    csrf: str = field(default_factory=csrf_secret)

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session}; csrftoken={self.csrf}"


@dataclass
class StreamResult:
    press_status: int | None = None
    stream_status: int | None = None
    press_ms: float | None = None  # the run panel (the answer's first event), from the press
    ttfd_press_ms: float | None = None  # first text delta, from the Run press
    ttfd_request_ms: float | None = None  # ... from the stream's request: the press itself
    gaps_ms: list[float] = field(default_factory=list)
    deltas: int = 0
    close_after_last_ms: float | None = None  # the connection closed, after the last delta
    close_after_done_ms: float | None = None  # ... and after `done`
    done: bool = False
    completed: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.done and self.completed


async def http_exchange(base: str, request: bytes) -> AsyncIterator[tuple[float, bytes]]:
    """Send one HTTP/1.0 request; yield (arrival time, bytes) until the server closes."""
    host, port = _address(base)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    try:
        while chunk := await reader.read(65536):
            yield time.perf_counter(), chunk
    finally:
        writer.close()


def _address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _head(base: str, method: str, path: str, learner: Learner, extra: str = "") -> str:
    host, port = _address(base)
    return f"{method} {path} HTTP/1.0\r\nHost: {host}:{port}\r\nCookie: {learner.cookie}\r\n{extra}"


def press_request(base: str, learner: Learner, form: dict[str, str]) -> bytes:
    """The Run form, posted as the lesson page's script posts it: asking for the run's stream
    as the answer."""
    body = urlencode({**form, "csrfmiddlewaretoken": learner.csrf}).encode()
    head = _head(
        base,
        "POST",
        LESSON_PATH,
        learner,
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nHX-Request: true\r\nAccept: text/event-stream\r\n"
        f"Referer: {base}{LESSON_PATH}\r\n\r\n",
    )
    return head.encode() + body


async def read_press(base: str, request: bytes, result: StreamResult) -> str:
    """Send the Run press and read its answer to the end, filling in `result`: the stream of
    the run (the run panel first), or a refusal (returned, for the error)."""
    pressed = time.perf_counter()
    parser = EventStreamParser()
    decode = codecs.getincrementaldecoder("utf-8")().decode  # a character may span two reads
    arrivals: list[float] = []
    head = b""
    body = ""
    done_at = closed_at = None
    async for now, chunk in http_exchange(base, request):
        closed_at = now
        if result.press_status is None:
            head += chunk
            if b"\r\n\r\n" not in head:
                continue
            status_line, _, chunk = head.partition(b"\r\n\r\n")
            result.press_status = result.stream_status = int(status_line.split(b" ", 2)[1])
        text = decode(chunk)
        if result.press_status != 200:
            body += text
            continue
        for event in parser.feed(text):
            if event.event == "run-panel":
                result.press_ms = (now - pressed) * 1000
            elif event.event == "text-main":
                arrivals.append(now)
            elif event.event == "done":
                done_at = now
                result.done = True
                result.completed = "outcome-" not in event.data or "outcome-completed" in event.data
    _timings(result, pressed, arrivals, done_at, closed_at)
    return body


def _timings(
    result: StreamResult,
    pressed: float,
    arrivals: list[float],
    done_at: float | None,
    closed_at: float | None,
) -> None:
    result.deltas = len(arrivals)
    result.gaps_ms = [round((b - a) * 1000, 3) for a, b in itertools.pairwise(arrivals)]
    if arrivals:
        # One request: the press's answer is the stream.
        result.ttfd_press_ms = result.ttfd_request_ms = (arrivals[0] - pressed) * 1000
        if closed_at is not None:
            result.close_after_last_ms = (closed_at - arrivals[-1]) * 1000
    if done_at is not None and closed_at is not None:
        result.close_after_done_ms = (closed_at - done_at) * 1000


async def one_run(base: str, learner: Learner, form: dict[str, str]) -> StreamResult:
    """Press Run and read the run's stream, which is the press's answer."""
    result = StreamResult()
    try:
        refusal = await read_press(base, press_request(base, learner, form), result)
        if result.press_status != 200:
            result.error = f"Run refused: {result.press_status} {refusal[:200]!r}"
        elif result.press_ms is None:
            result.error = "the answer had no run panel"
        elif not result.done:
            result.error = "the stream ended without done"
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
        result.error = repr(error)
    return result


@dataclass(frozen=True)
class Job:
    """What the driver asks for: where, who, how many streams, together or one by one."""

    base: str
    sessions: list[str]
    streams: int
    together: bool
    form: dict[str, str]

    @classmethod
    def read(cls, path: Path) -> Job:
        return cls(**json.loads(path.read_text()))


async def run_job(job: Job) -> list[StreamResult]:
    learners = [Learner(session) for session in job.sessions]
    picks = [learners[index % len(learners)] for index in range(job.streams)]
    if not job.together:
        return [await one_run(job.base, learner, job.form) for learner in picks]
    start = asyncio.Event()

    async def when_started(learner: Learner) -> StreamResult:
        await start.wait()
        return await one_run(job.base, learner, job.form)

    runs = [asyncio.create_task(when_started(learner)) for learner in picks]
    await asyncio.sleep(0.1)  # every learner is waiting on the same start
    start.set()
    return list(await asyncio.gather(*runs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("job", type=Path, help="the job, as JSON (written by bench/streaming.py)")
    results = asyncio.run(run_job(Job.read(parser.parse_args(argv).job)))
    for result in results:
        sys.stdout.write(json.dumps(asdict(result)) + "\n")


if __name__ == "__main__":
    main()
