"""Locust's users for `make bench-load` (bench/load.py runs them headless).

- `ExamTaker`: signs up, starts a level quiz (learners must verify their email before the
  certification exam), answers a question every few seconds (the page's autosave: an htmx
  POST, named "answer save"), moves on, submits. Every answer the server acknowledged is
  written to $BENCH_ACKS, for the check in the database afterwards.
- `DashboardReader`: signs up, then opens the dashboard every few seconds.
- `DemoWatcher`: signs up, presses Run on a lesson demo and reads its SSE stream to the end.
- `BareReader` and `FastSaver`: the throughput phases, with no pause: the bare view
  (/bench/bare/) and answer saves on one attempt, both from signed-in learners, each counted
  from the moment every user of the phase is set up.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from typing import Any

from locust import HttpUser, between, constant, events, task

QUIZZES = ["level-beginner", "level-intermediate", "level-advanced"]
PASSWORD = "load-test-Password-1843"
ACKS: list[dict[str, Any]] = []

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUESTION = re.compile(r'<input type="hidden" name="question" value="([^"]+)">')
CHOICE = re.compile(r'name="choice" value="(\d+)"')
FORM = re.compile(r'<form id="answer-form" method="post" action="([^"]+)"')


def csrf(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


class Learner(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.sign_up()

    def sign_up(self) -> None:
        page = self.client.get("/accounts/signup/", name="sign-up page")
        name = f"load-{uuid.uuid4().hex[:12]}"
        self.client.post(
            "/accounts/signup/",
            {
                "csrfmiddlewaretoken": csrf(page.text),
                "username": name,
                "email": f"{name}@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
            name="sign up",
        )
        # Sign-up ends on "verify your email" (no account is signed in before its address is
        # proved); an unverified account may log in and practise, as a learner does next.
        page = self.client.get("/accounts/login/", name="login page")
        self.client.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": csrf(page.text), "login": name, "password": PASSWORD},
            name="log in",
        )

    def post(self, url: str, data: dict[str, Any], *, name: str, htmx: bool = False) -> Any:
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": url}
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data, headers=headers, name=name)


class ExamTaker(Learner):
    wait_time = between(1, 3)
    weight = 16  # of 20 learners in the mixed phases: 16 taking quizzes,

    @task
    def take_a_quiz(self) -> None:
        slug = random.choice(QUIZZES)
        self.client.get("/quizzes/", name="quiz list")
        page = self.post(f"/quizzes/{slug}/start/", {}, name="start")
        while page is not None and page.status_code == 200 and FORM.search(page.text):
            page = self.answer(page.text, page.url)
        attempt = re.search(r"/attempts/(\d+)/", page.url if page is not None else "")
        if attempt:
            self.post(f"/quizzes/attempts/{attempt.group(1)}/submit/", {}, name="submit")

    def answer(self, html: str, url: str) -> Any:
        action = FORM.search(html)
        question = QUESTION.search(html)
        choices = CHOICE.findall(html)
        if not (action and question and choices):
            return None
        time.sleep(random.uniform(1, 3))  # reading the question
        chosen = [random.choice(choices)]
        saved = self.post(
            action.group(1),
            {"question": question.group(1), "choice": chosen},
            name="answer save",
            htmx=True,
        )
        if saved.status_code == 200:
            attempt = re.search(r"/attempts/(\d+)/", action.group(1))
            ACKS.append(
                {
                    "attempt": int(attempt.group(1)) if attempt else 0,
                    "question": question.group(1),
                    "chosen": [int(c) for c in chosen],
                    "at": time.time(),
                }
            )
        # "Save and next" without JavaScript: the server redirects to the next screen.
        return self.post(
            action.group(1),
            {"question": question.group(1), "choice": chosen, "go": "next"},
            name="save and next",
        )


class DashboardReader(Learner):
    wait_time = between(2, 5)
    weight = 3  # 3 reading their dashboard,

    @task
    def read(self) -> None:
        self.client.get("/dashboard/", name="dashboard")


class DemoWatcher(Learner):
    wait_time = between(5, 10)
    weight = 1  # 1 watching a demo stream.
    lesson = "/lessons/raw-response-events/?preset=text-deltas"

    @task
    def watch(self) -> None:
        page = self.client.get(self.lesson, name="lesson page")
        pressed = self.post(
            self.lesson,
            {
                "csrfmiddlewaretoken": csrf(page.text),
                "preset": "text-deltas",
                "prompt": "How does a streamed reply reach the reader?",
                "length": "short",
                "first_token_ms": "400",
                "token_ms": "30",
            },
            name="run",
            htmx=True,
        )
        stream = re.search(r'sse-connect="([^"]+)"', pressed.text)
        if not stream:
            return
        with self.client.get(
            stream.group(1),
            stream=True,
            name="demo stream",
            headers={"Accept": "text/event-stream"},
            catch_response=True,
        ) as r:
            body = b"".join(r.iter_content(chunk_size=None))
            if b"event: done" in body or b"event: error" in body:
                r.success()
            else:
                r.failure("the stream ended without done or error")


def all_set_up(user: HttpUser) -> None:
    """The throughput phases measure from the moment the last of their users is set up: the
    counts so far (sign-ups, logins, starting an attempt, and the requests of the users that
    were ready first, while the others were still signing up) are dropped, so that requests per
    second are those of the phase's own request alone, with every user sending it."""
    environment = user.environment
    ready = getattr(environment, "bench_ready", 0) + 1
    environment.bench_ready = ready
    users = environment.parsed_options.num_users if environment.parsed_options else None
    if ready == users and environment.runner is not None:
        environment.runner.stats.reset_all()


class BareReader(Learner):
    """The reference: the bare view on the same stack, as fast as it answers, from the same
    clients as answer save's (signed-in learners with their session cookie, as many of them)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.sign_up()
        all_set_up(self)

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="bare view")


class FastSaver(Learner):
    """Answer save with no pause: one attempt, its first question saved over and over."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.sign_up()
        page = self.post(f"/quizzes/{random.choice(QUIZZES)}/start/", {}, name="start")
        self.form = FORM.search(page.text)
        self.question = QUESTION.search(page.text)
        self.choices = CHOICE.findall(page.text)
        all_set_up(self)

    @task
    def save(self) -> None:
        if not (self.form and self.question and self.choices):
            return
        self.post(
            self.form.group(1),
            {"question": self.question.group(1), "choice": [random.choice(self.choices)]},
            name="answer save",
            htmx=True,
        )


@events.quitting.add_listener
def _write_acks(**kwargs: Any) -> None:
    path = os.environ.get("BENCH_ACKS")
    if path:
        with open(path, "a") as out:
            for ack in ACKS:
                out.write(json.dumps(ack) + "\n")
