"""The streaming benchmark's parts: the bare ASGI peer, the load client, the figures.

The benchmark itself runs with `make bench` (bench/streaming.py); the test marked `bench` here
runs it end to end at a tiny size.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bench import peer_asgi
from bench.streaming import Figures, Measured, Plan, goals, main, table
from bench.streaming_client import Job, Learner, one_run, run_job
from lessons.sse import parse

FORM = {
    "preset": "text-deltas",
    "prompt": "Explain what a token is.",
    "length": "short",
    "first_token_ms": "0",
    "token_ms": "0",
}


async def call(method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request through the peer as an ASGI server would make it."""
    sent: list[dict[str, Any]] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client never leaves
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    await peer_asgi.app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def test_the_peer_answers_the_press_with_the_run_panel_then_the_run() -> None:
    from urllib.parse import urlencode

    status, body = await call("POST", peer_asgi.PRESS_PATH, urlencode(FORM).encode())

    events = parse(body.decode())
    assert status == 200
    assert events[0].event == "run-panel"
    assert 'sse-connect="' in events[0].data
    texts = [
        e.data.removeprefix("<span>").removesuffix("</span>")
        for e in events
        if e.event == "text-main"
    ]
    assert len(texts) > 5
    assert events[-1].event == "done"
    assert "".join(texts) in events[-1].data
    assert {e.event for e in events} >= {"log", "note", "text-main", "done"}


async def test_the_peer_answers_404_to_anything_else() -> None:
    assert (await call("GET", peer_asgi.PRESS_PATH))[0] == 404
    assert (await call("GET", "/"))[0] == 404


def test_the_peer_reads_the_run_form_as_the_lesson_page_names_it() -> None:
    prompt, options = peer_asgi.ticket_from_form(
        b"prompt=Hi+there&length=long&first_token_ms=5&token_ms=2"
    )
    assert prompt == "Hi there"
    assert (options.length, options.first_token_ms, options.token_ms) == ("long", 5, 2)
    _, fallback = peer_asgi.ticket_from_form(b"length=enormous")
    assert (fallback.length, fallback.first_token_ms, fallback.token_ms) == ("medium", 400, 30)


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """An ASGI app under a real uvicorn, from a thread: its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def peer_server() -> Iterator[str]:
    with serving(peer_asgi.app) as base:
        yield base


def test_the_client_times_each_stream_from_the_press_that_it_answers(
    peer_server: str,
) -> None:
    job = Job(base=peer_server, sessions=["a", "b"], streams=3, together=True, form=FORM)

    results = asyncio.run(run_job(job))

    assert len(results) == 3
    for result in results:
        assert result.ok, result.error
        assert (result.press_status, result.stream_status) == (200, 200)
        assert result.deltas == len(result.gaps_ms) + 1
        assert result.ttfd_press_ms is not None
        assert result.ttfd_request_ms is not None
        assert result.press_ms is not None
        assert result.ttfd_request_ms == result.ttfd_press_ms  # one request
        assert 0 < result.press_ms <= result.ttfd_press_ms  # the run panel came first
        assert result.close_after_last_ms is not None
        assert result.close_after_last_ms >= 0


async def busy(scope: Any, receive: Any, send: Any) -> None:
    await peer_asgi.respond(send, 429, b"The demos are busy.", b"text/plain")


def test_a_refused_press_is_an_error_with_its_answer() -> None:
    with serving(busy) as base:
        result = asyncio.run(one_run(base, Learner("a"), FORM))

    assert not result.ok
    assert result.press_status == 429
    assert result.error == "Run refused: 429 'The demos are busy.'"


def stream(
    ttfd: float, *, error: str | None = None, gaps: list[float] | None = None
) -> dict[str, Any]:
    return {
        "press_status": 200,
        "stream_status": 200,
        "press_ms": 5.0,
        "ttfd_press_ms": ttfd if error is None else None,
        "ttfd_request_ms": ttfd - 5 if error is None else None,
        "gaps_ms": gaps if gaps is not None else [30.0, 30.0],
        "deltas": 3,
        "close_after_last_ms": 1.0,
        "close_after_done_ms": 0.5,
        "done": error is None,
        "completed": error is None,
        "error": error,
    }


PLAN = Plan(
    rounds=2,
    sequential=2,
    levels=(2,),
    length="short",
    first_token_ms=400,
    token_ms=30,
    port=1,
    server_core=None,
    client_core=None,
)


def test_figures_pool_the_rounds_and_count_cpu_per_stream() -> None:
    runs = [
        Measured("certify", "2", 1, [stream(400), stream(500)], cpu_s=0.2, wall_s=1),
        Measured(
            "certify", "2", 2, [stream(600), stream(0, error="boom", gaps=[])], cpu_s=0.2, wall_s=1
        ),
    ]

    figures = Figures.of(runs)

    assert (figures.streams, figures.errors) == (4, 1)
    assert figures.ttfd_press_p50 == 500  # over 400, 500, 600: the failed stream had none
    assert figures.cpu_per_stream_ms == pytest.approx(100)
    assert figures.gap_mean == 30
    assert figures.p95_press_by_round == [pytest.approx(495), 600]
    assert figures.error_samples == ["boom"]


def test_the_table_sets_certify_beside_the_peer_with_the_ratio() -> None:
    ours = Figures.of([Measured("certify", "2", 1, [stream(600), stream(600)], 0.1, 1)])
    peer = Figures.of([Measured("peer", "2", 1, [stream(400), stream(400)], 0.05, 1)])

    lines = table("2", ours, peer, PLAN)

    assert lines[0].startswith("2 streams launched together")
    row = next(line for line in lines if "from the Run press, p95" in line)
    assert row.split()[-3:] == ["600", "400", "1.50x"]
    cpu = next(line for line in lines if "CPU per stream" in line)
    assert cpu.split()[-1] == "2.00x"


def test_the_goals_read_the_top_level_and_the_sequential_streams() -> None:
    figures = {
        phase: {
            "certify": Figures.of([Measured("certify", phase, 1, [stream(401)], 0.01, 1)]),
            "peer": Figures.of([Measured("peer", phase, 1, [stream(400)], 0.01, 1)]),
        }
        for phase in ("sequential", "2")
    }
    said = "\n".join(goals(figures, PLAN))
    assert "2 together: p95 from the Run press 1.00x of the peer's" in said
    assert (
        "+6.0 ms (goal <= +3 ms)" in said
    )  # 401 from the press vs the peer's 395 from its request
    assert "delta pace +0.0% of the model's 30 ms" in said


@pytest.mark.bench
def test_the_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "streaming.json"
    main(
        [
            "--rounds",
            "1",
            "--sequential",
            "2",
            "--levels",
            "3",
            "--length",
            "short",
            "--first-token-ms",
            "0",
            "--token-ms",
            "1",
            "--out",
            str(out),
        ]
    )
    report = json.loads(out.read_text())
    for server in ("certify", "peer"):
        for phase in ("sequential", "3"):
            figures = report["figures"][phase][server]
            assert figures["errors"] == 0, figures["error_samples"]
            assert figures["streams"] == (2 if phase == "sequential" else 3)
    assert out.with_suffix(".md").read_text().count("ratio") == 2
    assert report["machine"]["before_ms"] > 0
    assert report["machine"]["after_ms"] > 0
    assert "Machine: one pass of a pure-Python loop" in out.with_suffix(".md").read_text()
