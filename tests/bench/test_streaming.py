"""The streaming benchmark (`make bench`): figures printed, nothing asserted about time.

On loopback, one uvicorn worker (the live server fixture), the offline model at a real pace:

1. HTTP overhead: a client's time to first text delta minus the same run's time to first token
   measured inside the server (no HTTP), median over single runs.
2. Flushing: the gaps between delta arrivals at the client, against the model's per-token delay.
3. Concurrency: 200 streams at once (~230 tokens at 20 tokens/s each): errors, p95 time to first
   delta against twice the single-stream figure, memory per open stream, read by a bare-socket
   client and by httpx; then the largest concurrency where p95 stays under 2x single, over HTTP
   (bare-socket client: the server's limit, not the client's) and for the SDK runs alone in one
   process (the limit HTTP approaches).

The load comes from tests/bench/streaming_load.py in its own process.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from lessons.backends import Backend
from lessons.demos import Demo, DemoOptions
from lessons.demos.raw_response_events import raw_events
from lessons.events import Final, Text
from lessons.metrics import percentile
from lessons.offline import Pacing
from tests.factories import UserFactory

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[2]
FIRST_TOKEN_MS = 400
TOKEN_MS = 50  # 20 tokens/s
LEVELS = [25, 50, 100, 200, 300, 400, 600, 800, 1200, 1600]
REPORT = ROOT / ".bench" / "streaming.md"


@pytest.fixture(autouse=True)
def _only_with_make_bench(request: pytest.FixtureRequest) -> None:
    if "bench" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a benchmark: run it with `make bench`")


@pytest.fixture
def production_like(settings) -> None:
    """No limits in the way, and static files served as in production: from memory, not
    looked up on disk in a thread for every request as DEBUG's autorefresh does. Must come
    before the live server, whose middleware reads it once."""
    settings.LESSONS_RUNS_PER_WINDOW = 10**6
    settings.LESSONS_MAX_CONCURRENT_RUNS = 10**6
    settings.LESSONS_RUN_LIFETIME = 600
    settings.WHITENOISE_AUTOREFRESH = False


class PeakMemory:
    """The peak resident memory of this process (the server's) while a block runs."""

    def __enter__(self) -> PeakMemory:
        self.baseline = self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss())

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def load(
    base: str, session: str, runs: int, length: str = "long", client: str = "httpx"
) -> list[dict]:
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "bench" / "streaming_load.py"),
            f"--base={base}",
            f"--session={session}",
            f"--runs={runs}",
            f"--length={length}",
            f"--first-token-ms={FIRST_TOKEN_MS}",
            f"--token-ms={TOKEN_MS}",
            f"--client={client}",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def failures(results: list[dict]) -> int:
    return sum(
        1
        for r in results
        if r["status"] != 200 or r["error"] or not r["done"] or not r.get("completed")
    )


def p50(values: list[float]) -> float:
    return percentile(values, 50) or float("nan")


def p95(values: list[float]) -> float:
    return percentile(values, 95) or float("nan")


async def sdk_runs(count: int) -> list[float | None]:
    """`count` demo runs at once in this process, no HTTP: each one's time to first token."""
    backend = Backend(name="offline", model="offline", pacing=Pacing(FIRST_TOKEN_MS / 1000, 0.05))
    options = DemoOptions(length="long")
    prompt = "Explain, at length, how a streamed reply reaches the reader."

    async def one() -> float | None:
        started = time.perf_counter()
        first = None
        finished = False
        async for event in raw_events(Demo(prompt=prompt, options=options, backend=backend)):
            if isinstance(event, Text) and first is None:
                first = time.perf_counter() - started
            finished = finished or isinstance(event, Final)
        return first if finished else None

    return list(await asyncio.gather(*(one() for _ in range(count))))


def largest_concurrency(
    holds: Callable[[int], bool], known: dict[int, bool]
) -> tuple[int, int | None]:
    """Climb LEVELS while `holds`, then halve the gap to within 10 %: (largest that held,
    first that did not)."""
    good, bad = 1, None
    for level in LEVELS:
        if level not in known:
            known[level] = holds(level)
        if known[level]:
            good = level
        else:
            bad = level
            break
    while bad is not None and bad - good > max(5, good // 10):
        middle = (good + bad) // 2
        if holds(middle):
            good = middle
        else:
            bad = middle
    return good, bad


@pytest.mark.django_db(transaction=True)
def test_streaming_benchmark(production_like, live_asgi: str) -> None:
    client = Client()
    client.force_login(UserFactory.create())
    session = client.cookies["sessionid"].value
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    say(f"Streaming benchmark: offline model, first token {FIRST_TOKEN_MS} ms, then {TOKEN_MS} ms")
    say("per token; one uvicorn worker on loopback; load from a separate process.")

    # 1. HTTP overhead on single streams (short replies), read over a bare socket so that the
    # Python client library's own time is not counted (and with httpx, for comparison);
    # 2. gaps on one long stream.
    def overheads(runs: list[dict]) -> list[float]:
        return [
            (r["ttft"] - r["server_ttft"]) * 1000 for r in runs if r["ttft"] and r["server_ttft"]
        ]

    load(live_asgi, session, 1, "short", client="socket")  # warm-up: imports, first queries
    singles = [load(live_asgi, session, 1, "short", client="socket")[0] for _ in range(20)]
    via_httpx = [load(live_asgi, session, 1, "short")[0] for _ in range(10)]
    long_single = load(live_asgi, session, 1)[0]
    single_ttft = statistics.median(r["ttft"] for r in [*singles, *via_httpx, long_single])
    gaps = [gap * 1000 for gap in long_single["gaps"]]
    say()
    bare, library = overheads(singles), overheads(via_httpx)
    say("1. Time to first text delta, HTTP minus in-process (same run), single runs:")
    say(
        f"   bare-socket client, {len(bare)} runs: median {statistics.median(bare):.2f} ms, "
        f"min {min(bare):.2f}, max {max(bare):.2f} ms"
    )
    say(
        f"   httpx client, {len(library)} runs: median {statistics.median(library):.2f} ms "
        f"(single-stream TTFT over HTTP: {single_ttft * 1000:.0f} ms)"
    )
    say(f"2. Gaps between delta arrivals ({len(gaps)} gaps, model delay {TOKEN_MS} ms):")
    say(
        f"   median {statistics.median(gaps):.2f} ms, p5 {percentile(gaps, 5):.2f}, "
        f"p95 {percentile(gaps, 95):.2f} ms; {long_single['deltas']} deltas in "
        f"{long_single['total']:.2f} s"
    )

    # 3. 200 streams at once, read by the bare-socket client (the server's figure) and by
    # httpx (what a Python client library adds on the reading side, in a process of its own).
    known: dict[int, bool] = {}
    say("3. 200 concurrent streams:")
    for reader in ("socket", "httpx"):
        with PeakMemory() as memory:
            crowd = load(live_asgi, session, 200, client=reader)
        firsts = [r["ttft"] for r in crowd if r["ttft"]]
        crowd_p95 = p95(firsts)
        server_side = [r["server_ttft"] for r in crowd if r.get("server_ttft")]
        if reader == "socket":
            known[200] = failures(crowd) == 0 and crowd_p95 < 2 * single_ttft
        say(
            f"   {'bare-socket' if reader == 'socket' else 'httpx'} client: "
            f"{len(crowd) - failures(crowd)}/{len(crowd)} completed, {failures(crowd)} errors; "
            f"TTFT p50 {p50(firsts) * 1000:.0f} ms, p95 {crowd_p95 * 1000:.0f} ms "
            f"(2x single = {2 * single_ttft * 1000:.0f} ms); "
            f"median gap {statistics.median(g for r in crowd for g in r['gaps']) * 1000:.1f} ms"
        )
        say(
            f"     in the server from each run's start: TTFT p50 "
            f"{p50(server_side) * 1000:.0f} ms, p95 {p95(server_side) * 1000:.0f} ms; "
            f"memory growth {memory.growth / 2**20:.1f} MiB, "
            f"{memory.growth / 200 / 1024:.0f} KiB per open stream"
        )

    def http_holds(level: int) -> bool:
        results = load(live_asgi, session, level, client="socket")
        level_p95 = p95([r["ttft"] for r in results if r["ttft"]])
        held = failures(results) == 0 and level_p95 < 2 * single_ttft
        say(
            f"   HTTP {level:>5} streams: {failures(results)} errors, "
            f"p95 TTFT {level_p95 * 1000:.0f} ms -> {'holds' if held else 'does not hold'}"
        )
        return held

    sdk_single = statistics.median(
        t for _ in range(3) for t in asyncio.run(sdk_runs(1)) if t is not None
    )

    def sdk_holds(level: int) -> bool:
        firsts = asyncio.run(sdk_runs(level))
        done = [t for t in firsts if t is not None]
        level_p95 = p95(done)
        held = len(done) == level and level_p95 < 2 * sdk_single
        say(
            f"   SDK  {level:>5} runs:    {level - len(done)} errors, "
            f"p95 TTFT {level_p95 * 1000:.0f} ms -> {'holds' if held else 'does not hold'}"
        )
        return held

    say("4. Largest concurrency where p95 TTFT < 2x single (bare-socket client):")
    http_good, http_bad = largest_concurrency(http_holds, known)
    say(f"   SDK alone, single-run TTFT {sdk_single * 1000:.0f} ms:")
    sdk_good, sdk_bad = largest_concurrency(sdk_holds, {})
    say(
        f"   => over HTTP: {http_good} streams (fails at {http_bad}); SDK runs alone in one "
        f"process: {sdk_good} (fails at {sdk_bad})"
    )
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
