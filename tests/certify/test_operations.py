"""Health probes and metrics: liveness, readiness (database, cache, task queue, migrations),
the task workers keeping up, and Prometheus metrics for staff and the monitoring network."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from certify import operations
from certify.models import PeriodicTask
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_touching_a_service(
    client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/health/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json() == {}


def test_readiness_checks_database_cache_queue_and_migrations(client: Client) -> None:
    response = client.get("/health/ready/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert set(response.json().values()) == {"OK"}
    assert [name.split("(")[0] for name in response.json()] == [
        "Database",
        "Cache",
        "TaskQueue",
        "Migrations",
    ]


def test_a_pending_migration_makes_the_worker_not_ready(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operations.Migrations, "applied_until", 0.0)
    monkeypatch.setattr(
        operations.MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)]
    )

    response = client.get("/health/ready/?format=json")

    assert response.status_code == 503
    assert response.json()["Migrations()"] == "Unavailable: 1 migration(s) not applied: run migrate"


def test_an_unreachable_cache_makes_the_worker_not_ready(client: Client) -> None:
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    with override_settings(CACHES=unreachable):  # gone again before the suite clears the cache
        response = client.get("/health/ready/?format=json")

    assert response.status_code == 503
    assert response.json()["Cache(alias='default')"].startswith("Unexpected Result")


# The checks run in the view's threads, on their own connections: this one commits its rows.
@pytest.mark.django_db(transaction=True)
def test_the_worker_probe_says_when_no_task_worker_runs(client: Client) -> None:
    missing = client.get("/health/worker/?format=json")
    PeriodicTask.objects.create(
        task_path=operations.SWEEP,
        next_run_at=timezone.now(),
        last_queued_at=timezone.now() - timedelta(minutes=10),
    )
    stopped = client.get("/health/worker/?format=json")
    PeriodicTask.objects.update(last_queued_at=timezone.now())
    running = client.get("/health/worker/?format=json")

    assert missing.status_code == stopped.status_code == 503
    assert "no task worker has run yet" in missing.json()["TaskWorkers()"]
    assert "for 10 min" in stopped.json()["TaskWorkers()"]
    assert running.status_code == 200


def test_metrics_for_the_monitoring_network_with_the_demo_figures(client: Client) -> None:
    client.get("/")  # something to count

    response = client.get("/metrics/")  # the test client is 127.0.0.1

    text = response.content.decode()
    assert response.status_code == 200
    assert 'django_http_responses_total_by_status_total{status="200"}' in text
    assert "certify_cache_up 1.0" in text
    assert "certify_demo_streams_open 0.0" in text
    assert 'certify_demo_breaker_state{state="closed"} 1.0' in text
    assert 'certify_demo_ttft_ms{quantile="0.95"}' in text
    assert "certify_tasks_ready 0.0" in text
    assert "certify_attempts_overdue 0.0" in text


def test_each_request_is_counted_under_its_own_labels(client: Client) -> None:
    """django-prometheus's labelled counters, looked up once per label set (certify's
    middleware): every request lands on its own labels, none on another's."""
    from prometheus_client import REGISTRY

    def counted(status: str, view: str) -> float:
        labels = {"status": status, "view": view, "method": "GET"}
        name = "django_http_responses_total_by_status_view_method_total"
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = counted("200", "home"), counted("404", "<unnamed view>")
    for _ in range(3):
        client.get("/")
    client.get("/no-such-page/")

    assert counted("200", "home") - before[0] == 3
    assert counted("404", "<unnamed view>") - before[1] == 1


def test_metrics_answer_with_the_cache_down(client: Client) -> None:
    """Redis stopped: the scrape still answers, the cache's own figures unknown (NaN), the
    database's as usual, and a gauge that says the cache is away."""
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    with override_settings(CACHES=unreachable, SESSION_ENGINE="certify.sessions.cached_db"):
        response = client.get("/metrics/")

    text = response.content.decode()
    assert response.status_code == 200
    assert "certify_cache_up 0.0" in text
    assert "certify_demo_streams_open NaN" in text
    assert 'certify_demo_breaker_state{state="closed"} NaN' in text
    assert "certify_tasks_ready 0.0" in text


def test_metrics_are_refused_to_others_and_open_to_staff(
    client: Client, learner: User, settings
) -> None:
    settings.CERTIFY_METRICS_NETWORKS = ["10.0.0.0/8"]

    anonymous = client.get("/metrics/")
    client.force_login(learner)
    as_learner = client.get("/metrics/")
    client.force_login(StaffFactory.create())
    as_staff = client.get("/metrics/")
    client.logout()
    from_scraper = client.get("/metrics/", REMOTE_ADDR="10.1.2.3")

    assert (anonymous.status_code, as_learner.status_code) == (403, 403)
    assert (as_staff.status_code, from_scraper.status_code) == (200, 200)
