"""`make bench-faults`: what a learner sees, and what is kept, when things fail mid-exam.

On a throwaway stack (bench/stack.py: its own PostgreSQL cluster and redis-server, uvicorn with
2 workers, one task worker), a scripted learner takes a quiz the way the exam page does: it
saves each answer as it is chosen, and when a save fails it keeps the answer and tries again
with backoff until it is saved. Scenarios:

- postgres-restart: PostgreSQL stopped for 10 s mid-exam, then started.
- redis-stopped: Redis stopped for 10 s (saves, the dashboard, a demo streaming as it stops,
  the Run button while it is stopped and once it is back).
- web-worker-killed: the uvicorn worker streaming a demo killed (SIGKILL) mid-run: what the
  page is told when it reconnects, when the run's slot is free, what its record says; then
  one killed mid-exam.
- oversized-bodies: 5 MB posted to the answer and login URLs (and what the log says).
- task-worker-stopped: the task worker stopped while an exam's time runs out (10 minutes by
  default, --worker-stop), then started: the exam is finalized once, its certificate issued once.

Each prints what the learner saw and what was kept; --json writes it all.

    python -m bench.faults [--only postgres-restart ...] [--worker-stop 600]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

from bench import stack

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUESTION = re.compile(r'<input type="hidden" name="question" value="([^"]+)">')
CHOICE = re.compile(r'name="choice" value="(\d+)"')
ACTION = re.compile(r'<form id="answer-form" method="post" action="([^"]+)"')
BACKOFF = (0.5, 1, 2, 4, 8)


def seen(response: httpx.Response | None) -> str:
    """What the learner saw, in words."""
    if response is None:
        return "no answer (connection failed)"
    text = response.text
    if response.status_code == 200:
        return "200 saved" if "Saved at" in text or "save-status" in text else "200 page"
    if response.status_code == 503 and "certify is busy" in text:
        return f"503 branded busy page (Retry-After {response.headers.get('Retry-After')})"
    if response.status_code == 500 and "Something went wrong on our side" in text:
        return "500 branded error page"
    if response.status_code >= 500:
        return f"{response.status_code} bare ({text[:40]!r})"
    return f"{response.status_code}"


@dataclass
class Learner:
    base: str
    client: httpx.Client = field(init=False)
    saw: Counter[str] = field(default_factory=Counter)
    acked: dict[str, list[int]] = field(default_factory=dict)
    pending: dict[str, list[int]] = field(default_factory=dict)
    attempt: int = 0
    questions: list[tuple[str, list[str], str]] = field(default_factory=list)
    email: str = ""

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base, timeout=20, follow_redirects=True)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        headers = {
            "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
            "Referer": self.base + url,
            **kwargs.pop("headers", {}),
        }
        try:
            return self.client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError:
            return None

    def post_form(
        self,
        url: str,
        fields: dict[str, str],
        *,
        page: str = "",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response | None:
        """Post a form as a browser does: open its page (`page`, else `url`), then post `fields`
        with the page's CSRF token."""
        shown = self.request("GET", page or url)
        token = CSRF.search(shown.text) if shown is not None else None
        data = {"csrfmiddlewaretoken": token.group(1) if token else "", **fields}
        return self.request("POST", url, data=data, headers=headers or {})

    def sign_up(self) -> None:
        name = f"fault-{random.randrange(10**9)}"
        password = "fault-Password-1843"
        self.email = f"{name}@example.com"
        self.post_form(
            "/accounts/signup/",
            {
                "username": name,
                "email": self.email,
                "password1": password,
                "password2": password,
            },
        )
        # Sign-up ends on "verify your email"; an unverified account logs in and practises.
        self.post_form("/accounts/login/", {"login": name, "password": password})

    def start(self, slug: str) -> None:
        page = self.request("POST", f"/quizzes/{slug}/start/")
        started = re.search(r"/attempts/(\d+)/", str(page.url)) if page is not None else None
        if started is None:
            raise RuntimeError(f"could not start {slug}: {seen(page)}")
        self.attempt = int(started.group(1))
        position = 1
        while True:
            url = f"/quizzes/attempts/{self.attempt}/questions/{position}/"
            screen = self.client.get(url)
            action, question = ACTION.search(screen.text), QUESTION.search(screen.text)
            if screen.status_code != 200 or not action or not question:
                break
            self.questions.append((question.group(1), CHOICE.findall(screen.text), action.group(1)))
            position += 1

    def save(self, index: int, choice: str | None = None, *, note: bool = True) -> bool:
        question, choices, action = self.questions[index % len(self.questions)]
        chosen = choice or random.choice(choices)
        response = self.request(
            "POST",
            action,
            data={"question": question, "choice": [chosen]},
            headers={"HX-Request": "true"},
        )
        if note:
            self.saw[seen(response)] += 1
        if response is not None and response.status_code == 200:
            self.acked[question] = [int(chosen)]
            self.pending.pop(question, None)
            return True
        self.pending[question] = [int(chosen)]
        return False

    def retry_pending(self, *, within: float = 90) -> float:
        """As the page does: retry what failed with backoff until saved; how long it took."""
        started = time.monotonic()
        tries = 0
        while self.pending and time.monotonic() - started < within:
            time.sleep(BACKOFF[min(tries, len(BACKOFF) - 1)])
            tries += 1
            for question, chosen in list(self.pending.items()):
                index = next(i for i, q in enumerate(self.questions) if q[0] == question)
                self.save(index, str(chosen[0]), note=False)
        return time.monotonic() - started


def kept(database_url: str, learner: Learner) -> list[str]:
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        rows: dict[str, list[int]] = dict(
            conn.execute(
                "SELECT question_id, chosen FROM questions_answer WHERE attempt_id = %s "
                "AND answered_at IS NOT NULL",
                (learner.attempt,),
            ).fetchall()
        )
    lost = [q for q, chosen in learner.acked.items() if sorted(rows.get(q, [])) != chosen]
    return [
        f"answers acknowledged: {len(learner.acked)}; in the database as acknowledged: "
        f"{len(learner.acked) - len(lost)}; lost: {len(lost)}",
        f"answers still unsaved after the retries: {len(learner.pending)}",
    ]


STREAM_URL = re.compile(r'sse-connect="([^"]+)"')
TAGS = re.compile(r"<[^>]+>")


def words(html: str) -> str:
    """What an HTML fragment says, as the page shows it."""
    return " ".join(unescape(TAGS.sub(" ", html)).split())


def press_run(learner: Learner, lesson: str = "basic-streaming", preset: str = "long-reply") -> str:
    """Press Run on a lesson as the page does (htmx); the stream's URL, or why there is none."""
    url = f"/lessons/{lesson}/?preset={preset}"
    run = learner.post_form(
        url,
        {
            "preset": preset,
            "prompt": "Explain in detail how streaming changes the way people experience an agent.",
            "length": "long",
        },
        headers={"HX-Request": "true"},
    )
    found = STREAM_URL.search(run.text) if run is not None and run.status_code == 200 else None
    if found is None:
        notice = words(run.text)[:200] if run is not None else ""
        raise RuntimeError(f"Run refused: {seen(run)} {notice!r}")
    return found.group(1)


@dataclass
class StreamWatch:
    """One stream as the page's EventSource reads it: its events, and how it ended."""

    events: list[tuple[str, str]] = field(default_factory=list)
    ended: str = ""
    local_port: int = 0

    @property
    def texts(self) -> int:
        return sum(1 for name, _ in self.events if name.startswith("text-"))

    def said(self) -> str:
        names = [name for name, _ in self.events]
        done = next((data for name, data in self.events if name == "done"), None)
        last = f"; done said: {words(done)[:220]!r}" if done is not None else ""
        return f"{len(names)} events ({self.texts} text deltas), {self.ended}{last}"


def watch_stream(
    learner: Learner, url: str, *, until: Callable[[StreamWatch], bool] | None = None
) -> tuple[StreamWatch, Any]:
    """Read a stream's events until its end, or until `until` says stop (then the open
    response is handed back, to be read on with `read_on`)."""
    watch = StreamWatch()
    context = learner.client.stream("GET", url, headers={"Accept": "text/event-stream"})
    try:
        response = context.__enter__()
    except httpx.HTTPError as error:
        watch.ended = f"no answer ({type(error).__name__})"
        return watch, None
    if response.status_code != 200:
        watch.ended = f"answered {response.status_code}"
        context.__exit__(None, None, None)
        return watch, None
    stream = response.extensions.get("network_stream")
    if stream is not None:
        watch.local_port = stream.get_extra_info("client_addr")[1]
    lines = response.iter_lines()
    if until is not None and read_on(watch, lines, until=until):
        return watch, (context, lines)
    read_on(watch, lines)
    context.__exit__(None, None, None)
    return watch, None


def read_on(
    watch: StreamWatch, lines: Any, *, until: Callable[[StreamWatch], bool] | None = None
) -> bool:
    """Read events into `watch`; True when `until` stopped it early."""
    name, data = "message", []
    try:
        for line in lines:
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif not line:
                watch.events.append((name, "\n".join(data)))
                name, data = "message", []
                if until is not None and until(watch):
                    return True
        watch.ended = "closed by the server" + (
            " after done" if any(n == "done" for n, _ in watch.events) else " without done"
        )
    except httpx.HTTPError as error:
        watch.ended = f"broke off ({type(error).__name__}) with no done or error event"
    return False


def serving_pid(port: int, client_port: int) -> int | None:
    """The server process holding the connection that a client opened from `client_port`."""
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    for line in out.splitlines():
        if line.split()[3].endswith(f":{client_port}"):
            found = re.search(r"pid=(\d+)", line)
            return int(found.group(1)) if found else None
    return None


def streams_counted(redis_url: str) -> int:
    """The streams open over every worker, as the global cap counts them (Redis directly)."""
    client = redis.Redis.from_url(redis_url)
    keys = [f"certify:1:lessons:streams:{seat}" for seat in range(64)]
    return sum(int(value) for value in client.mget(keys) if value is not None)


def run_record(database_url: str, url: str) -> tuple[str, str]:
    run_id = url.rstrip("/").split("/")[-2]
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        row = conn.execute(
            "SELECT outcome, error FROM lessons_demorun WHERE key = %s", (run_id,)
        ).fetchone()
    return (row[0], row[1]) if row else ("(no record)", "")


def settled_record(database_url: str, url: str, *, within: float = 10) -> str:
    """The run's outcome once its record is settled (written off the stream's path, so a
    moment after the stream closed), or what it still says after `within` seconds."""
    ends = time.monotonic() + within
    outcome = run_record(database_url, url)[0]
    while outcome == "running" and time.monotonic() < ends:
        time.sleep(0.2)
        outcome = run_record(database_url, url)[0]
    return outcome


def saving_while(
    learner: Learner, fault: Callable[[], None], *, seconds: float = 25, every: float = 0.3
) -> None:
    """The learner keeps answering while `fault` runs in another thread."""
    thread = threading.Thread(target=fault)
    thread.start()
    ends, index = time.monotonic() + seconds, 0
    while time.monotonic() < ends:
        learner.save(index)
        index += 1
        time.sleep(every)
    thread.join()


@dataclass
class Bench:
    args: argparse.Namespace
    folder: Path
    pg: stack.Postgres
    redis: stack.Redis
    web: stack.Service
    worker: stack.Service

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.args.port}"

    def learner(self, slug: str = "level-beginner") -> Learner:
        learner = Learner(self.base)
        learner.sign_up()
        learner.start(slug)
        return learner

    def log_mark(self) -> int:
        return (self.folder / "web.log").stat().st_size

    def log_since(self, mark: int) -> str:
        with open(self.folder / "web.log", "rb") as handle:
            handle.seek(mark)
            return handle.read().decode(errors="replace")


def postgres_restart(b: Bench) -> dict[str, Any]:
    learner = b.learner()
    dashboard: Counter[str] = Counter()

    def outage() -> None:
        time.sleep(5)
        b.pg.stop()
        for _ in range(5):
            dashboard[seen(learner.request("GET", "/dashboard/"))] += 1
            time.sleep(2)
        b.pg.start()

    saving_while(learner, outage)
    recovered = learner.retry_pending()
    return {
        "saw": [
            f"answer saves: {dict(learner.saw)}",
            f"dashboard while PostgreSQL was stopped: {dict(dashboard)}",
            f"unsaved answers saved by the retries {recovered:.1f} s after the restart",
        ],
        "kept": kept(b.pg.url, learner),
    }


def redis_stopped(b: Bench) -> dict[str, Any]:
    learner = b.learner()
    pages: Counter[str] = Counter()
    demo: list[str] = []

    def outage() -> None:
        time.sleep(5)
        streaming = press_run(learner)  # pressed just before Redis stops
        watch, open_stream = watch_stream(learner, streaming, until=lambda w: w.texts >= 3)
        b.redis.stop()
        if open_stream is not None:
            context, lines = open_stream
            read_on(watch, lines)
            context.__exit__(None, None, None)
        demo.append(f"a demo streaming when Redis stopped: {watch.said()}")
        demo.append(f"its record: {settled_record(b.pg.url, streaming)}")
        for path in ("/dashboard/", "/quizzes/", "/lessons/raw-response-events/"):
            pages[f"{path} {seen(learner.request('GET', path))}"] += 1
        try:
            press_run(learner)
            demo.append("Run button with Redis stopped: a stream started (unexpected)")
        except RuntimeError as refused:
            demo.append(f"Run button with Redis stopped: {refused}")
        time.sleep(10)
        b.redis.start()
        time.sleep(1)
        try:
            again, _ = watch_stream(learner, press_run(learner))
            demo.append(f"Run button once Redis is back: {again.said()}")
        except RuntimeError as refused:
            demo.append(f"Run button once Redis is back: {refused}")

    saving_while(learner, outage)
    learner.retry_pending()
    return {
        "saw": [
            f"answer saves: {dict(learner.saw)}",
            *[f"{line} x{n}" for line, n in pages.items()],
            *demo,
        ],
        "kept": kept(b.pg.url, learner),
    }


def web_worker_killed(b: Bench) -> dict[str, Any]:
    learner = b.learner()
    before = stack.children(b.web.process.pid)  # type: ignore[union-attr]
    demo = demo_cut_off(b, learner)

    def kill() -> None:
        time.sleep(5)
        os.kill(before[0], signal.SIGKILL)

    saving_while(learner, kill, seconds=15)
    learner.retry_pending()
    time.sleep(3)
    after = stack.children(b.web.process.pid)  # type: ignore[union-attr]
    return {
        "saw": [
            *demo["saw"],
            f"answer saves: {dict(learner.saw)}",
            f"uvicorn workers before {len(before)}, after {len(after)} (killed pid {before[0]}; "
            f"{'replaced' if len(after) >= len(before) else 'not replaced'})",
        ],
        "kept": [*demo["kept"], *kept(b.pg.url, learner)],
    }


def demo_cut_off(b: Bench, learner: Learner) -> dict[str, list[str]]:
    """A demo streaming when its worker is SIGKILLed: what the page is told on reconnecting,
    when the run's slot is free again, and what its record says."""
    url = press_run(learner)
    record_at_press = run_record(b.pg.url, url)
    watch, open_stream = watch_stream(learner, url, until=lambda w: w.texts >= 5)
    if open_stream is None:
        return {"saw": [f"demo stream: {watch.said()} (ended before the kill)"], "kept": []}
    pid = serving_pid(b.args.port, watch.local_port)
    if pid is None:
        return {"saw": ["demo stream: could not tell which worker served it"], "kept": []}
    counted_before = streams_counted(b.redis.url)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    context, lines = open_stream
    read_on(watch, lines)
    context.__exit__(None, None, None)
    time.sleep(3)  # a browser's EventSource waits about 3 s, then reconnects
    again, _ = watch_stream(learner, url)
    freed = None
    while time.monotonic() - killed < 30:
        if streams_counted(b.redis.url) < counted_before:
            freed = time.monotonic() - killed
            break
        time.sleep(0.25)
    record_after_reconnect = run_record(b.pg.url, url)
    while time.monotonic() - killed < 75 and run_record(b.pg.url, url)[0] == "running":
        time.sleep(1)
    marked = time.monotonic() - killed
    outcome, error = run_record(b.pg.url, url)
    return {
        "saw": [
            f"demo stream killed mid-run (worker pid {pid}): {watch.said()}",
            f"demo stream reconnect 3 s later: {again.said()}",
        ],
        "kept": [
            f"demo run record at the Run press: {record_at_press[0]}",
            f"its slot counted by the cap: {counted_before} before the kill, free again "
            + (f"{freed:.1f} s after it" if freed is not None else "not within 30 s"),
            f"its record after the reconnect: {record_after_reconnect[0]}; "
            f"{marked:.0f} s after the kill: {outcome} ({error!r})",
        ],
    }


def oversized_bodies(b: Bench) -> dict[str, Any]:
    learner = b.learner()
    mark = b.log_mark()
    body = "note=" + "x" * (5 * 1024 * 1024)
    _, _, action = learner.questions[0]
    saves = learner.request(
        "POST",
        action,
        content=body,
        headers={"HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"},
    )
    login = learner.request(
        "POST",
        "/accounts/login/",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    time.sleep(1)
    log = b.log_since(mark)
    return {
        "saw": [f"5 MB answer post: {seen(saves)}", f"5 MB login post: {seen(login)}"],
        "kept": [
            f"log lines for them: {log.count(' 400 ')}; tracebacks in the log: "
            f"{log.count('Traceback')}; ERROR lines: {log.count(' ERROR ')}"
        ],
    }


def task_worker_stopped(b: Bench) -> dict[str, Any]:
    learner = Learner(b.base)
    learner.sign_up()
    # The certification exam asks for a verified email: the address is marked verified as the
    # link in the sign-up mail would (the mail itself goes out through the task worker).
    with psycopg.connect(b.pg.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(
            "UPDATE account_emailaddress SET verified = true WHERE email = %s", (learner.email,)
        )
    learner.start("certification-exam")
    with psycopg.connect(b.pg.url.replace("postgres://", "postgresql://")) as conn:
        keys: dict[str, dict[str, Any]] = dict(
            conn.execute(
                "SELECT question_id, snapshot FROM questions_answer WHERE attempt_id = %s",
                (learner.attempt,),
            ).fetchall()
        )
    for index, (question, _, _) in enumerate(learner.questions):
        right = [c["id"] for c in keys[question]["choices"] if c["correct"]]
        learner.save(index, str(right[0]))
    b.worker.stop()
    with psycopg.connect(b.pg.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        # The exam's time runs out a few seconds into the stop.
        conn.execute(
            "UPDATE questions_attempt SET started_at = now() - interval '60 minutes', "
            "deadline = now() + interval '5 seconds' WHERE id = %s",
            (learner.attempt,),
        )
    time.sleep(b.args.worker_stop)
    during = seen(learner.request("GET", f"/quizzes/attempts/{learner.attempt}/results/"))
    page = learner.request("GET", "/dashboard/")
    told = "Time ran out on" in (page.text if page is not None else "")
    with psycopg.connect(b.pg.url.replace("postgres://", "postgresql://")) as conn:
        restart_at = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
    b.worker.start()
    restarted, status, certificates = time.monotonic(), "in_progress", 0
    with psycopg.connect(b.pg.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        while time.monotonic() - restarted < 120 and status == "in_progress":
            time.sleep(1)
            status = conn.execute(
                "SELECT status FROM questions_attempt WHERE id = %s", (learner.attempt,)
            ).fetchone()[0]  # type: ignore[index]
        caught_up = time.monotonic() - restarted
        time.sleep(65)  # the next sweep runs: still one certificate
        certificates = conn.execute(
            "SELECT count(*) FROM certify_certificate WHERE attempt_id = %s", (learner.attempt,)
        ).fetchone()[0]  # type: ignore[index]
        sweeps = conn.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path "
            "LIKE %s AND enqueued_at >= %s",
            ("%expire_overdue_attempts", restart_at),
        ).fetchone()[0]  # type: ignore[index]
    return {
        "saw": [
            f"worker stopped {b.args.worker_stop} s; the results page meanwhile: {during}",
            f"the dashboard said the time ran out and the result is on its way: {told}",
        ],
        "kept": [
            f"attempt {status} {caught_up:.0f} s after the worker started again",
            f"certificates for it: {certificates} (after another sweep)",
            f"sweeps queued since the restart: {sweeps} "
            "(one at the restart, then one a minute: not one per missed minute)",
        ],
    }


SCENARIOS: dict[str, Callable[[Bench], dict[str, Any]]] = {
    "postgres-restart": postgres_restart,
    "redis-stopped": redis_stopped,
    "web-worker-killed": web_worker_killed,
    "oversized-bodies": oversized_bodies,
    "task-worker-stopped": task_worker_stopped,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument("--worker-stop", type=int, default=600, help="seconds (default 600)")
    parser.add_argument("--port", type=int, default=8191)
    parser.add_argument("--pg-port", type=int, default=55191)
    parser.add_argument("--redis-port", type=int, default=56191)
    parser.add_argument("--json", type=Path, default=stack.ROOT / ".bench" / "faults.json")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="certify-faults-"))
    pg, redis = stack.Postgres(args.pg_port), stack.Redis(args.redis_port)
    pg.create()
    redis.start()
    env = stack.app_env(pg.url, redis.url)
    web = stack.web(env, port=args.port, workers=2, log=folder / "web.log")
    worker = stack.task_worker(env, log=folder / "worker.log")
    results: dict[str, Any] = {}
    try:
        for command in (["migrate", "--noinput"], ["load_bank"], ["collectstatic", "--noinput"]):
            stack.manage(env, *command)
        web.start()
        worker.start()
        bench = Bench(args, folder, pg, redis, web, worker)
        stack.wait_ready(bench.base)
        for name in args.only:
            print(f"\n== {name}")
            results[name] = SCENARIOS[name](bench)
            for line in results[name]["saw"]:
                print(f"  learner saw: {line}")
            for line in results[name]["kept"]:
                print(f"  kept: {line}")
    finally:
        worker.stop()
        web.stop()
        redis.stop()
        pg.destroy()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"\nJSON: {args.json}; logs: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
