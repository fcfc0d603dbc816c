"""What saving an answer costs in adaptive practice.

Run: `pytest -m bench -s tests/bench/test_adaptive_answer.py` (add DATABASE_URL for PostgreSQL).

Simulated learners take adaptive practice on the real bank (questions/bank/streaming.yaml)
through `services.answer_submit`, the whole of which is the answer's one transaction: the
attempt's row lock, the answer, the engine's next question, the insert. Printed: the time of
each save (p50, p95, max), the engine's share of it (selection.next_step), the same figure for a
category drill's save (no engine) and the queries per save. Nothing is asserted about time.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from questions import services
from questions.adaptive import selection
from questions.models import Attempt, Quiz
from tests.factories import UserFactory

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

LEARNERS = 30


def right_with(rng: np.random.Generator, skill: float) -> bool:
    """Whether a learner of this skill answers right (one draw)."""
    return bool(rng.random() < skill)


@pytest.fixture(autouse=True)
def _only_when_asked(request: pytest.FixtureRequest) -> None:
    if "bench" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a benchmark: run it with -m bench")


@pytest.fixture
def engine_timer(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Times every call of selection.next_step made by the service."""
    timings: list[float] = []
    real = selection.next_step

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            timings.append(time.perf_counter() - started)

    monkeypatch.setattr(selection, "next_step", timed)
    return timings


def percentiles(values: list[float]) -> str:
    ms = [1000 * v for v in values]
    return (
        f"p50 {statistics.median(ms):5.1f} ms, p95 {float(np.percentile(ms, 95)):5.1f} ms, "
        f"max {max(ms):5.1f} ms ({len(ms)} saves)"
    )


def session(quiz: Quiz, right: Callable[[], bool], saves: list[float], queries: list[int]) -> None:
    user = UserFactory.create()
    attempt, _ = services.attempt_start(user=user, quiz=quiz)
    position = 1
    while True:
        row = attempt.answers.get(position=position)
        is_right = right()
        wanted = [c["id"] for c in row.choices if c["correct"] is is_right]
        chosen = wanted[:1] if row.kind != "multiple" else wanted
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            outcome = services.answer_submit(
                user=user, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=chosen
            )
            saves.append(time.perf_counter() - started)
        queries.append(len(captured))
        if outcome.served_next is None if quiz.serves_one_at_a_time else position == 10:
            return
        position += 1


def test_saving_an_answer_in_adaptive_practice(engine_timer: list[float]) -> None:
    call_command("load_bank", stdout=StringIO())
    practice = Quiz.objects.get(slug="adaptive-practice")
    drill = Quiz.objects.get(slug="drill-raw-events")
    rng = np.random.default_rng(1)
    # Warm the engine (built once per process and bank version) before timing.
    services.attempt_start(user=UserFactory.create(), quiz=practice)
    engine_timer.clear()

    saves: list[float] = []
    queries: list[int] = []
    for learner in range(LEARNERS):
        skill = 0.55 + 0.4 * learner / LEARNERS
        session(practice, functools.partial(right_with, rng, skill), saves, queries)
    drill_saves: list[float] = []
    drill_queries: list[int] = []
    for _ in range(5):
        session(drill, lambda: bool(rng.random() < 0.7), drill_saves, drill_queries)

    finished = Attempt.objects.filter(quiz=practice).count() - 1
    print(f"\n{connection.vendor}: {finished} adaptive practice sessions, {len(saves)} answers")
    print(f"  answer_submit (the whole transaction), adaptive: {percentiles(saves)}")
    print(f"  of which the engine's step (selection.next_step): {percentiles(engine_timer)}")
    print(f"  answer_submit, category drill (no engine):      {percentiles(drill_saves)}")
    print(
        f"  queries per save: adaptive {sorted(set(queries))}, drill {sorted(set(drill_queries))}"
    )
