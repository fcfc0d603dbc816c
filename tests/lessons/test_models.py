"""Demo-run records and the staff page that reads them."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lessons.breaker import CircuitBreaker
from lessons.models import DemoRun, RunStats
from tests.factories import StaffFactory, UserFactory


def make_run(**fields: object) -> DemoRun:
    values: dict[str, object] = {
        "user": None,
        "lesson": "raw-response-events",
        "preset": "text-deltas",
        "backend": DemoRun.Backend.OFFLINE,
        "started_at": timezone.now(),
        "ttft_ms": 400.0,
        "total_ms": 1500.0,
        "chunks": 40,
        "outcome": DemoRun.Outcome.COMPLETED,
    }
    values.update(fields)
    return DemoRun.objects.create(**values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"ttft_ms": 2000.0, "total_ms": 1000.0},
        {"total_ms": -1.0, "ttft_ms": None},
        {"outcome": "failed", "error": ""},
        {"outcome": "exploded"},
        {"lesson": "no-such-lesson"},
        {"backend": "carrier-pigeon"},
    ],
)
def test_the_database_refuses_an_impossible_run(fields: dict[str, object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_run(**fields)


@pytest.mark.django_db
def test_a_run_reads_as_its_demo_and_outcome() -> None:
    assert str(make_run()) == "raw-response-events?preset=text-deltas (Completed)"


def test_stats_give_percentiles_of_time_to_first_token_and_the_error_rate() -> None:
    rows: list[tuple[str, float | None]] = [
        ("completed", float(ms)) for ms in range(100, 1100, 100)
    ]
    rows += [("failed", None), ("timed_out", 2000.0), ("cancelled", 50.0)]
    stats = RunStats.of(rows)
    assert stats.runs == 13
    assert stats.ttft_p50 == 550.0
    assert stats.ttft_p95 == pytest.approx(1450.0)
    assert stats.errors == 2  # a Stop is not an error
    assert stats.error_rate == pytest.approx(2 / 13)
    assert RunStats.of([]).error_rate is None


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_the_staff_page_shows_runs_percentiles_errors_and_the_breaker(
    client: Client, django_assert_num_queries, count: int
) -> None:
    learner = UserFactory.create(username="grace")
    for index in range(count):
        make_run(user=learner, ttft_ms=100.0 + index, outcome="completed")
    make_run(user=None, outcome="failed", error="<b>model exploded</b>", ttft_ms=None)
    CircuitBreaker.for_backend().record_failure_now()
    client.force_login(StaffFactory.create())

    # Session, user, the stats, the recent runs with their learners: the same for 1 or 30.
    with django_assert_num_queries(4):
        response = client.get(reverse("lessons:runs"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"<dt>Runs</dt><dd>{count + 1}</dd>" in html
    assert "<dt>Time to first token, p50</dt><dd>" in html
    assert '<span class="badge badge-ok">closed</span>' in html
    assert "1 of 3 failures in a row" in html
    assert "grace" in html
    assert "&lt;b&gt;model exploded&lt;/b&gt;" in html
    assert html.count('class="badge badge-bad">Failed</span>') == 1


@pytest.mark.django_db
def test_the_staff_page_is_for_staff_only(client: Client) -> None:
    url = reverse("lessons:runs")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory.create())
    assert client.get(url).status_code == 403
