"""The streaming benchmark (`make bench`): certify beside a bare ASGI peer, same demo, same model.

Each server is one uvicorn worker pinned to one core, the load (bench/streaming_client.py) runs
pinned to another; the two servers take turns over the rounds, each started afresh for every
level. Both run lesson 02's `text-deltas` demo through the real Agents SDK with the project's
offline model at the same pace; the peer (bench/peer_asgi.py) has no Django, database,
middleware or limits. certify runs with production's settings (DEBUG off) and the limits raised
for the run (bench/streaming_settings.py): the per-user rate limit out of the way, the global
cap 1 for sequential streams and the level's size for streams launched together.

The load presses Run as the lesson page's script does: the press's answer is the run's stream
(the run panel first), one request from the press to the first token, on both servers.

Printed for sequential streams and for each level launched together, certify beside the peer
and as a ratio: p50/p95 time to first text delta from the Run press and from the stream
request (the same request), the gap between deltas against the model's delay, how long the
connection stays open after the last delta, errors, and server CPU per stream. Everything also
goes to a JSON file.

    python -m bench.streaming                       # 3 rounds; 20 sequential, 50, 100, 200
    python -m bench.streaming --rounds 1 --sequential 3 --levels 10,20   # a smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.machine import MachineSpeed, probe_ms
from lessons.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVERS = ("certify", "peer")
APPS = {"certify": "certify.asgi:application", "peer": "bench.peer_asgi:app"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Plan:
    rounds: int
    sequential: int
    levels: tuple[int, ...]
    length: str
    first_token_ms: int
    token_ms: int
    port: int
    server_core: int | None
    client_core: int | None

    @property
    def form(self) -> dict[str, str]:
        return {
            "preset": "text-deltas",
            "prompt": "Explain what a token is, and why text arrives one token at a time.",
            "length": self.length,
            "first_token_ms": str(self.first_token_ms),
            "token_ms": str(self.token_ms),
        }

    @property
    def phases(self) -> list[tuple[str, int, bool]]:
        """(name, streams, launched together), sequential first."""
        return [("sequential", self.sequential, False)] + [
            (str(level), level, True) for level in self.levels
        ]


@dataclass
class Measured:
    """One server's streams at one level in one round, and the CPU the server spent on them."""

    server: str
    phase: str
    round: int
    streams: list[dict[str, Any]]
    cpu_s: float
    wall_s: float


# -- the servers ---------------------------------------------------------------------------------


def pinned(command: list[str], core: int | None) -> list[str]:
    return ["taskset", "-c", str(core), *command] if core is not None else command


def server_environment(database_url: str, cap: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.streaming_settings",
        DEBUG="false",
        SECRET_KEY="streaming-benchmark-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        BENCH_LESSONS_CAP=str(cap),
        AGENTS_MODEL_BACKEND="offline",
        PYTHONPATH=str(ROOT),
    )
    return env


@contextlib.contextmanager
def serving(server: str, plan: Plan, env: dict[str, str]) -> Iterator[int]:
    """Start one uvicorn worker for `server`; yield its process id; stop it."""
    command = [
        PYTHON,
        "-m",
        "uvicorn",
        APPS[server],
        "--host",
        "127.0.0.1",
        "--port",
        str(plan.port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(pinned(command, plan.server_core), cwd=ROOT, env=env)
    try:
        wait_for_port(plan.port, process)
        yield process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before serving")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port} within a minute")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


# -- the load ------------------------------------------------------------------------------------


def run_client(
    plan: Plan, sessions: list[str], streams: int, together: bool, form: dict[str, str]
) -> list[dict[str, Any]]:
    job = {
        "base": f"http://127.0.0.1:{plan.port}",
        "sessions": sessions,
        "streams": streams,
        "together": together,
        "form": form,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(job, handle)
    try:
        completed = subprocess.run(
            pinned([PYTHON, "-m", "bench.streaming_client", handle.name], plan.client_core),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    if completed.returncode != 0:
        raise RuntimeError(f"the load client failed:\n{completed.stderr[-3000:]}")
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def measure(
    server: str,
    phase: tuple[str, int, bool],
    round_: int,
    plan: Plan,
    database_url: str,
    sessions: list[str],
) -> Measured:
    name, streams, together = phase
    cap = 1 if not together else streams
    with serving(server, plan, server_environment(database_url, cap)) as pid:
        warm_up = {**plan.form, "length": "short"}
        run_client(plan, sessions[:1], 2, False, warm_up)  # imports, first queries, JIT caches
        cpu_before, started = cpu_seconds(pid), time.perf_counter()
        results = run_client(plan, sessions, streams, together, plan.form)
        wall = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu_before
    return Measured(server, name, round_, results, cpu_s=cpu, wall_s=wall)


# -- the learners --------------------------------------------------------------------------------


def prepare_database(database_url: str, learners: int) -> list[str]:
    """Migrate the benchmark's database and sign in `learners` learners: their session keys."""
    env = server_environment(database_url, 1)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    made = subprocess.run(
        [PYTHON, "-c", f"from bench.streaming import sign_in; sign_in({learners})"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(made.stdout))


def sign_in(count: int) -> None:
    """(In a process with the benchmark's settings.) Print the session keys of `count` learners
    signed in as the login view would sign them in."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for index in range(count):
        user, _ = User.objects.get_or_create(username=f"bench-learner-{index}")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    sys.stdout.write(json.dumps(keys))


# -- the figures ---------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float | None:
    return percentile(list(values), q)


@dataclass
class Figures:
    """One server at one level, over every round."""

    streams: int = 0
    errors: int = 0
    ttfd_press_p50: float | None = None
    ttfd_press_p95: float | None = None
    ttfd_request_p50: float | None = None
    ttfd_request_p95: float | None = None
    gap_median: float | None = None
    gap_mean: float | None = None
    close_after_last_p50: float | None = None
    close_after_last_p95: float | None = None
    close_after_done_p50: float | None = None
    press_p50: float | None = None
    cpu_per_stream_ms: float | None = None
    p95_press_by_round: list[float | None] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, runs: list[Measured]) -> Figures:
        streams = [stream for run in runs for stream in run.streams]
        press, request = values(streams, "ttfd_press_ms"), values(streams, "ttfd_request_ms")
        last = values(streams, "close_after_last_ms")
        gaps = [gap for s in streams for gap in s["gaps_ms"]]
        failed = failures(streams)
        return cls(
            streams=len(streams),
            errors=len(failed),
            ttfd_press_p50=pct(press, 50),
            ttfd_press_p95=pct(press, 95),
            ttfd_request_p50=pct(request, 50),
            ttfd_request_p95=pct(request, 95),
            gap_median=pct(gaps, 50),
            gap_mean=mean(gaps),
            close_after_last_p50=pct(last, 50),
            close_after_last_p95=pct(last, 95),
            close_after_done_p50=pct(values(streams, "close_after_done_ms"), 50),
            press_p50=pct(values(streams, "press_ms"), 50),
            cpu_per_stream_ms=1000 * sum(r.cpu_s for r in runs) / max(1, len(streams)),
            p95_press_by_round=[pct(values(r.streams, "ttfd_press_ms"), 95) for r in runs],
            error_samples=sorted({s["error"] or "no done" for s in failed})[:3],
        )


def values(streams: list[dict[str, Any]], key: str) -> list[float]:
    """One figure of every stream that has it."""
    return [s[key] for s in streams if s.get(key) is not None]


def failures(streams: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Streams refused, cut, or without a completed `done`."""
    return [s for s in streams if s["error"] or not s["done"] or not s["completed"]]


def mean(numbers: list[float]) -> float | None:
    return statistics.fmean(numbers) if numbers else None


ROWS = (
    ("first delta from the Run press, p50 (ms)", "ttfd_press_p50"),
    ("first delta from the Run press, p95 (ms)", "ttfd_press_p95"),
    ("first delta from the stream request, p50 (ms)", "ttfd_request_p50"),
    ("first delta from the stream request, p95 (ms)", "ttfd_request_p95"),
    ("the run panel (first event), p50 (ms)", "press_p50"),
    ("gap between deltas, median (ms)", "gap_median"),
    ("gap between deltas, mean (ms)", "gap_mean"),
    ("open after the last delta, p50 (ms)", "close_after_last_p50"),
    ("open after the last delta, p95 (ms)", "close_after_last_p95"),
    ("open after done, p50 (ms)", "close_after_done_p50"),
    ("server CPU per stream (ms)", "cpu_per_stream_ms"),
    ("errors", "errors"),
)


def number(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if isinstance(value, int) or abs(value) >= 100 else f"{value:.2f}"


def ratio(ours: float | int | None, peer: float | int | None) -> str:
    if ours is None or peer is None or peer == 0:
        return ""
    return f"{ours / peer:.2f}x"


def table(phase: str, ours: Figures, peer: Figures, plan: Plan) -> list[str]:
    title = "sequential streams" if phase == "sequential" else f"{phase} streams launched together"
    lines = [
        f"{title} ({ours.streams} certify, {peer.streams} peer over {plan.rounds} rounds)",
        f"  {'':<48}{'certify':>10}{'peer':>10}{'ratio':>9}",
    ]
    for label, key in ROWS:
        a, b = getattr(ours, key), getattr(peer, key)
        lines.append(f"  {label:<48}{number(a):>10}{number(b):>10}{ratio(a, b):>9}")
    pace = [
        f"{(f.gap_mean / plan.token_ms - 1) * 100:+.1f}%" if f.gap_mean else "-"
        for f in (ours, peer)
    ]
    lines.append(f"  {'pace against the model delay (mean gap)':<48}{pace[0]:>10}{pace[1]:>10}")
    rounds = ", ".join(number(v) for v in ours.p95_press_by_round)
    peer_rounds = ", ".join(number(v) for v in peer.p95_press_by_round)
    lines.append(f"  p95 from the Run press by round: certify {rounds}; peer {peer_rounds}")
    for server, figures in (("certify", ours), ("peer", peer)):
        if figures.error_samples:
            lines.append(f"  {server} errors, e.g.: {'; '.join(figures.error_samples)}")
    return lines


def goals(figures: dict[str, dict[str, Figures]], plan: Plan) -> list[str]:
    """The issue's goals, checked against this run's figures."""
    lines = ["Goals:"]
    top = str(max(plan.levels)) if plan.levels else None
    if top:
        ours, peer = figures[top]["certify"], figures[top]["peer"]
        press = ratio(ours.ttfd_press_p95, peer.ttfd_press_p95)
        lines.append(
            f"  {top} together: p95 from the Run press {press} of the peer's (goal <= 1.5x); "
            "CPU per stream "
            f"{ratio(ours.cpu_per_stream_ms, peer.cpu_per_stream_ms)} (goal <= 1.5x); "
            f"{ours.errors} errors (goal 0)"
        )
    seq_ours, seq_peer = figures["sequential"]["certify"], figures["sequential"]["peer"]
    if seq_ours.ttfd_press_p50 is not None and seq_peer.ttfd_request_p50 is not None:
        lines.append(
            f"  sequential: first delta from the Run press {seq_ours.ttfd_press_p50:.1f} ms vs the "
            f"peer's from its stream request {seq_peer.ttfd_request_p50:.1f} ms: "
            f"{seq_ours.ttfd_press_p50 - seq_peer.ttfd_request_p50:+.1f} ms (goal <= +3 ms); "
            f"open after the last delta p50 {number(seq_ours.close_after_last_p50)} ms "
            f"(goal <= 2 ms); slot free at once: {seq_ours.errors == 0} (global cap 1)"
        )
    for phase in ("sequential", *(str(level) for level in plan.levels if level <= 100)):
        mean = figures[phase]["certify"].gap_mean
        if mean:
            lines.append(
                f"  {phase}: delta pace {(mean / plan.token_ms - 1) * 100:+.1f}% of the model's "
                f"{plan.token_ms} ms (goal within 2%)"
            )
    return lines


# -- the run -------------------------------------------------------------------------------------


def say(line: str) -> None:
    print(line, flush=True)


def describe(plan: Plan, learners: int, url: str) -> str:
    pinning = (
        f" pinned to core {plan.server_core}, the load on core {plan.client_core}"
        if plan.server_core is not None
        else " (not pinned: fewer than 2 cores)"
    )
    return (
        f"Streaming benchmark: lesson 02 text-deltas, {plan.length} replies, offline model "
        f"{plan.first_token_ms} ms to the first token then {plan.token_ms} ms a token; "
        f"{plan.rounds} rounds, each server one uvicorn worker{pinning}; the Run press answered "
        "with the run's stream, as the lesson page's script asks (one request: the figures from "
        "the press and from the stream request agree); certify with DEBUG off, "
        "the per-user limit raised, the global cap 1 for sequential streams and the level's size "
        f"for streams launched together; {learners} learners; database {url.split(':', 1)[0]}, "
        "cache in-process."
    )


def run(plan: Plan, database_url: str | None, out: Path) -> None:
    before = probe_ms()
    with tempfile.TemporaryDirectory(prefix="certify-streaming-bench-") as workdir:
        url = database_url or f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
        sessions = prepare_database(url, max([plan.sequential, *plan.levels]))
        say(describe(plan, len(sessions), url))
        measured: list[Measured] = []
        for round_ in range(1, plan.rounds + 1):
            order = SERVERS if round_ % 2 else SERVERS[::-1]
            for phase in plan.phases:
                for server in order:
                    result = measure(server, phase, round_, plan, url, sessions)
                    measured.append(result)
                    say(f"  round {round_} {server:<7} {phase[0]:>10}: {summary(result)}")
    report(plan, measured, out, MachineSpeed(before, probe_ms()))


def summary(result: Measured) -> str:
    firsts = [s["ttfd_press_ms"] for s in result.streams if s["ttfd_press_ms"] is not None]
    errors = sum(1 for s in result.streams if s["error"] or not s["done"])
    return (
        f"{len(result.streams)} streams, {errors} errors, p95 from the press "
        f"{number(pct(firsts, 95))} ms, CPU {result.cpu_s:.2f} s"
    )


def report(plan: Plan, measured: list[Measured], out: Path, machine: MachineSpeed) -> None:
    figures = {
        phase: {
            server: Figures.of([m for m in measured if m.server == server and m.phase == phase])
            for server in SERVERS
        }
        for phase, _, _ in plan.phases
    }
    lines: list[str] = [""]
    for phase, _, _ in plan.phases:
        lines += [*table(phase, figures[phase]["certify"], figures[phase]["peer"], plan), ""]
    lines += [*goals(figures, plan), "", machine.line]
    print("\n".join(lines), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "plan": asdict(plan),
                "machine": asdict(machine),
                "figures": {
                    phase: {server: asdict(f) for server, f in by_server.items()}
                    for phase, by_server in figures.items()
                },
                "runs": [asdict(m) for m in measured],
            },
            indent=1,
        )
    )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"\nJSON: {out}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def levels_of(text: str) -> tuple[int, ...]:
    """`--levels`: numbers of streams launched together, comma-separated."""
    try:
        levels = tuple(int(level) for level in text.split(",") if level.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if any(level < 1 for level in levels):
        raise argparse.ArgumentTypeError("each level is a number of streams, at least 1")
    return levels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sequential", type=int, default=20, help="streams one after another")
    parser.add_argument(
        "--levels", type=levels_of, default="50,100,200", help="streams launched together"
    )
    parser.add_argument("--length", default="long", choices=["short", "medium", "long"])
    parser.add_argument("--first-token-ms", type=int, default=400)
    parser.add_argument("--token-ms", type=int, default=30)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "streaming.json")
    arguments = parser.parse_args(argv)
    if arguments.rounds < 1 or arguments.sequential < 1:
        parser.error("--rounds and --sequential must be at least 1")
    two_cores = (os.cpu_count() or 1) >= 2
    plan = Plan(
        rounds=arguments.rounds,
        sequential=arguments.sequential,
        levels=arguments.levels,
        length=arguments.length,
        first_token_ms=arguments.first_token_ms,
        token_ms=arguments.token_ms,
        port=arguments.port or free_port(),
        server_core=0 if two_cores else None,
        client_core=1 if two_cores else None,
    )
    run(plan, arguments.database_url, arguments.out)


if __name__ == "__main__":
    main()
