"""`make bench-load`: certify under load, on PostgreSQL + Redis with N uvicorn workers.

For each worker count (2 and 4 by default) on a throwaway stack (bench/stack.py): the bare
view's throughput (the reference), answer save's throughput (the same number of signed-in
learners with no pause in both, each phase counted from the moment its last learner is signed
in and, for answer save, has its attempt open), then the mixed load (exam takers,
dashboard readers, demo watchers; Locust, headless) at each learner count (50 and 200), with
answer save p50/p95/p99, dashboard p95, sign-up, 5xx split into 500s and 503s, and the CPU each
part used. Afterwards every answer the server acknowledged is looked up in the database (lost or
doubled). Prints a table; writes JSON.

    python -m bench.load --workers 2 4 --learners 50 200 --duration 120 --json .bench/load.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg

from bench import stack
from bench.machine import MachineSpeed, probe_ms

PHASES_USERS = {"reference": ["BareReader"], "save": ["FastSaver"]}
MIXED = ["ExamTaker", "DashboardReader", "DemoWatcher"]


def locust(
    base: str,
    users: int,
    seconds: int,
    classes: Sequence[str],
    folder: Path,
    name: str,
    acks: Path,
) -> tuple[dict[str, dict[str, float]], dict[str, int], float]:
    """Run Locust headless; its stats per request name, status counts, and its CPU seconds."""
    prefix = folder / name
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(stack.ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        "10",
        "-t",
        f"{seconds}s",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--stop-timeout",
        "30",
        *classes,
    ]
    env = {**os.environ, "BENCH_ACKS": str(acks)}
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / f"{name}.locust.log").open("w"),
    )
    # wait4 hands back the finished process's own CPU time (its /proc entry is gone by then).
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return _stats(prefix), _statuses(prefix), usage.ru_utime + usage.ru_stime


def _number(text: str) -> float:
    """A figure of Locust's CSV; "N/A" (no request of that name since the counts were reset,
    e.g. sign-ups in a throughput phase) and empty are 0."""
    return float(text) if text and text != "N/A" else 0.0


def _stats(prefix: Path) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "count": _number(row["Request Count"]),
                "failures": _number(row["Failure Count"]),
                "rps": _number(row["Requests/s"]),
                "p50": _number(row["50%"]),
                "p95": _number(row["95%"]),
                "p99": _number(row["99%"]),
            }
    return rows


def _statuses(prefix: Path) -> dict[str, int]:
    counts: dict[str, int] = {"500": 0, "503": 0, "other": 0}
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return counts
    with open(path) as handle:
        for row in csv.DictReader(handle):
            error, times = row["Error"], int(row["Occurrences"])
            key = "503" if "503" in error else "500" if "500" in error else "other"
            counts[key] += times
    return counts


def cpu_parts(parts: dict[str, list[int]]) -> dict[str, float]:
    return {name: stack.cpu_seconds(pids) for name, pids in parts.items()}


def phase(
    env: dict[str, Any], name: str, users: int, seconds: int, classes: Sequence[str]
) -> dict[str, Any]:
    parts = env["parts"]()
    before, started = cpu_parts(parts), time.monotonic()
    stats, statuses, locust_cpu = locust(
        env["base"], users, seconds, classes, env["folder"], name, env["acks"]
    )
    wall = time.monotonic() - started
    after = cpu_parts(env["parts"]())
    cores = {part: round((after.get(part, 0) - before.get(part, 0)) / wall, 2) for part in after}
    cores["locust"] = round(locust_cpu / wall, 2)
    return {
        "phase": name,
        "users": users,
        "seconds": seconds,
        "stats": stats,
        "statuses": statuses,
        "cores": cores,
    }


def run_workers(
    args: argparse.Namespace,
    workers: int,
    pg: stack.Postgres,
    redis: stack.Redis,
    folder: Path,
    acks: Path,
) -> list[dict[str, Any]]:
    env = stack.app_env(pg.url, redis.url)
    port = args.port
    web = stack.web(env, port=port, workers=workers, log=folder / "web.log")
    worker = stack.task_worker(env, log=folder / "worker.log")
    web.start()
    worker.start()
    base = f"http://127.0.0.1:{port}"
    try:
        stack.wait_ready(base)
        context = {
            "base": base,
            "folder": folder,
            "acks": acks,
            "parts": lambda: {
                "web": web.pids(),
                "task worker": worker.pids(),
                "postgresql": pg.pids(),
                "redis": redis.pids(),
            },
        }
        results = [
            phase(
                context,
                f"w{workers}-reference",
                args.throughput_users,
                args.throughput_seconds,
                PHASES_USERS["reference"],
            ),
            phase(
                context,
                f"w{workers}-save",
                args.throughput_users,
                args.throughput_seconds,
                PHASES_USERS["save"],
            ),
        ]
        for learners in args.learners:
            results.append(
                phase(context, f"w{workers}-mixed-{learners}", learners, args.duration, MIXED)
            )
        for result in results:
            result["workers"] = workers
        return results
    finally:
        worker.stop()
        web.stop()


def check_answers(database_url: str, acks: Path) -> dict[str, int]:
    """Every acknowledged answer is in the database as the learner last gave it, once."""
    last: dict[tuple[int, str], list[int]] = {}
    for line in acks.read_text().splitlines() if acks.exists() else []:
        ack = json.loads(line)
        last[(ack["attempt"], ack["question"])] = sorted(ack["chosen"])
    lost = 0
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        doubled = conn.execute(
            "SELECT count(*) FROM (SELECT attempt_id, question_id FROM questions_answer "
            "GROUP BY 1, 2 HAVING count(*) > 1) AS twice"
        ).fetchone()[0]  # type: ignore[index]
        for (attempt, question), chosen in last.items():
            row = conn.execute(
                "SELECT chosen, answered_at FROM questions_answer "
                "WHERE attempt_id = %s AND question_id = %s",
                (attempt, question),
            ).fetchone()
            if row is None or row[1] is None or sorted(row[0]) != chosen:
                lost += 1
    return {"acknowledged": len(last), "lost": lost, "doubled": int(doubled)}


def table(results: list[dict[str, Any]], answers: dict[str, int]) -> str:
    lines = [
        f"{'phase':<22}{'users':>6}{'save p50':>9}{'p95':>7}{'p99':>7}{'save/s':>8}"
        f"{'dash p95':>9}{'signup p95':>11}{'500s':>6}{'503s':>6}  cores used",
    ]
    for r in results:
        s = r["stats"]
        save = s.get("answer save", {})
        rate = s.get("bare view", save).get("rps", 0.0)
        lines.append(
            f"{r['phase']:<22}{r['users']:>6}{save.get('p50', 0):>9.0f}{save.get('p95', 0):>7.0f}"
            f"{save.get('p99', 0):>7.0f}{rate:>8.1f}{s.get('dashboard', {}).get('p95', 0):>9.0f}"
            f"{s.get('sign up', {}).get('p95', 0):>11.0f}{r['statuses']['500']:>6}"
            f"{r['statuses']['503']:>6}  "
            + ", ".join(f"{part} {cores:.2f}" for part, cores in r["cores"].items())
        )
    for workers in sorted({r["workers"] for r in results}):
        bare = next(r for r in results if r["phase"] == f"w{workers}-reference")
        save = next(r for r in results if r["phase"] == f"w{workers}-save")
        bare_rps = bare["stats"].get("bare view", {}).get("rps", 0.0)
        save_rps = save["stats"].get("answer save", {}).get("rps", 0.0)
        ratio = save_rps / bare_rps if bare_rps else 0.0
        lines.append(
            f"{workers} workers: answer save {save_rps:.1f}/s = {ratio:.2f}x the bare "
            f"view's {bare_rps:.1f}/s (goal >= 0.5x)"
        )
    lines.append(
        f"answers acknowledged {answers['acknowledged']}, lost {answers['lost']}, "
        f"doubled {answers['doubled']} (checked in the database)"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--learners", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--duration", type=int, default=120, help="seconds per mixed phase")
    parser.add_argument("--throughput-users", type=int, default=20)
    parser.add_argument("--throughput-seconds", type=int, default=30)
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--pg-port", type=int, default=55190)
    parser.add_argument("--redis-port", type=int, default=56190)
    parser.add_argument("--json", type=Path, default=stack.ROOT / ".bench" / "load.json")
    args = parser.parse_args(argv)
    before = probe_ms()
    folder = Path(tempfile.mkdtemp(prefix="certify-load-"))
    acks = folder / "acks.jsonl"
    pg, redis = stack.Postgres(args.pg_port), stack.Redis(args.redis_port)
    pg.create()
    redis.start()
    try:
        env = stack.app_env(pg.url, redis.url)
        stack.manage(env, "migrate", "--noinput")
        stack.manage(env, "load_bank")
        stack.manage(env, "collectstatic", "--noinput")
        results = [r for w in args.workers for r in run_workers(args, w, pg, redis, folder, acks)]
        answers = check_answers(pg.url, acks)
    finally:
        redis.stop()
        pg.destroy()
    machine = MachineSpeed(before, probe_ms())
    print(table(results, answers))
    print(machine.line)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"results": results, "answers": answers, "machine": asdict(machine)}, indent=2)
    )
    print(f"\nJSON: {args.json}; logs: {folder}")
    return 0 if answers["lost"] == answers["doubled"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
