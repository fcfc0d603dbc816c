"""What operators read: health probes (django-health-check) and Prometheus metrics.

- `/health/`: liveness, the process answers (no check touches a service).
- `/health/ready/`: readiness, this web worker can serve: the database answers, the cache
  answers, the task queue's table answers, every migration is applied. 503 when one fails.
- `/health/worker/`: the task workers keep up: the expiry sweep was queued lately and no task
  has waited long (for monitoring; a web worker stays ready without them).
- `/metrics/`: Prometheus text (django-prometheus' request counters, and the figures here: the
  live demos' streams open, time to first token, errors and circuit breaker, as the runs page
  shows them, and the task queue's backlog); for staff, or for CERTIFY_METRICS_NETWORKS.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

import prometheus_client
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from certify.models import PeriodicTask
from lessons.breaker import BreakerState, CircuitBreaker
from lessons.limits import runs_in_progress
from lessons.models import DemoRun
from questions.models import Attempt

# The sweep runs every minute: three minutes without one means no task worker is running.
SWEEP = "questions.tasks.expire_overdue_attempts"
SWEEP_LATE = timedelta(minutes=3)
TASK_WAIT_LIMIT = timedelta(minutes=5)

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The task queue's table answers: pages can queue work (email, passback)."""

    def run(self) -> None:
        try:
            DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
        except Exception as error:  # any database error: the queue cannot take tasks
            raise ServiceUnavailable("the task queue's table does not answer") from error


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration this code knows is applied (a worker started before `migrate` ran, or
    code newer than the schema, is not ready). Once all are applied, that is remembered for a
    minute: reading the migration files on every probe would cost more than the probe."""

    applied_until: ClassVar[float] = 0.0

    def run(self) -> None:
        if time.monotonic() < Migrations.applied_until:
            return
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise ServiceUnavailable(f"{len(pending)} migration(s) not applied: run migrate")
        Migrations.applied_until = time.monotonic() + 60


@dataclasses.dataclass
class TaskWorkers(HealthCheck):
    """The task workers keep up: the expiry sweep was queued within three minutes, and no ready
    task has waited five."""

    def run(self) -> None:
        now = timezone.now()
        sweep = PeriodicTask.objects.filter(task_path=SWEEP).first()
        if sweep is None or sweep.last_queued_at is None:
            raise ServiceUnavailable("no task worker has run yet: start manage.py run_worker")
        if now - sweep.last_queued_at > SWEEP_LATE:
            minutes = int((now - sweep.last_queued_at).total_seconds() // 60)
            raise ServiceUnavailable(f"no task worker has queued the sweep for {minutes} min")
        if oldest_ready_wait(now) > TASK_WAIT_LIMIT.total_seconds():
            raise ServiceUnavailable("tasks have waited over five minutes: add task workers")


def oldest_ready_wait(now: Any) -> float:
    """Seconds the oldest task that is ready to run has waited (0 with none)."""
    oldest = (
        DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", "run_after")
    ).first()
    if oldest is None:
        return 0.0
    enqueued, run_after = oldest
    since = max(enqueued, run_after) if run_after.year < 9999 else enqueued
    return max(0.0, (now - since).total_seconds())


class HealthView(HealthCheckView):
    """django-health-check's view, answering 503 (not 500) when a check fails: a probe's
    "not now", which the request log does not report as a server error."""

    def render_to_response_json(self, status: int) -> HttpResponse:
        return super().render_to_response_json(503 if status == 500 else status)

    def render_to_response_text(self, status: int) -> HttpResponse:
        return super().render_to_response_text(503 if status == 500 else status)

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if kwargs.get("status") == 500:
            kwargs["status"] = 503
        return super().render_to_response(context, **kwargs)


health_live = HealthView.as_view(checks=())
health_ready = HealthView.as_view(
    checks=(
        "health_check.checks.Database",
        "health_check.checks.Cache",
        TaskQueue,
        Migrations,
    )
)
health_workers = HealthView.as_view(checks=(TaskWorkers,))


# Metrics ------------------------------------------------------------------------------------


class ServiceCollector(Collector):
    """Figures read when Prometheus scrapes: the live demos (from lessons' own functions, as
    the runs page shows them) and the task queue."""

    def collect(self) -> Iterator[Metric]:
        yield from _demo_metrics()
        yield from _queue_metrics()


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float("nan") if value is None else value)


def _cached_figures() -> tuple[int | None, BreakerState | None]:
    """The figures kept in the cache (Redis): the streams open and the breaker. While the cache
    cannot be read they are unknown (NaN), and the scrape answers with everything else."""
    try:
        return runs_in_progress(), CircuitBreaker.for_backend().state_now()
    except Exception as error:  # any cache backend's failure: Redis stopped, hung, refusing
        logger.warning("Metrics: the cache is unavailable, its figures are left out: %s", error)
        return None, None


def _demo_metrics() -> Iterator[Metric]:
    overall, _ = DemoRun.objects.stats()
    streams, breaker = _cached_figures()
    yield _gauge(
        "certify_cache_up",
        "1 when the cache (Redis) answered this scrape.",
        int(breaker is not None),
    )
    yield _gauge("certify_demo_streams_open", "Live demo streams open, over all workers.", streams)
    ttft = GaugeMetricFamily(
        "certify_demo_ttft_ms",
        "Time to first token of the last 1000 demo runs, in ms.",
        labels=["quantile"],
    )
    ttft.add_metric(["0.5"], float("nan") if overall.ttft_p50 is None else overall.ttft_p50)
    ttft.add_metric(["0.95"], float("nan") if overall.ttft_p95 is None else overall.ttft_p95)
    yield ttft
    yield _gauge("certify_demo_recent_runs", "Demo runs counted (the last 1000).", overall.runs)
    yield _gauge(
        "certify_demo_recent_errors",
        "Failed or timed-out runs among the last 1000.",
        overall.errors,
    )
    state = GaugeMetricFamily(
        "certify_demo_breaker_state",
        "The model backend's circuit breaker: 1 for its current state.",
        labels=["state"],
    )
    for name in ("closed", "half-open", "open"):
        now = float("nan") if breaker is None else float(breaker.status == name)
        state.add_metric([name], now)
    yield state
    yield _gauge(
        "certify_demo_breaker_failures",
        "Failures in a row at the breaker.",
        breaker.failures if breaker is not None else None,
    )


def _queue_metrics() -> Iterator[Metric]:
    now = timezone.now()
    yield _gauge("certify_tasks_ready", "Tasks ready to run.", DBTaskResult.objects.ready().count())
    yield _gauge(
        "certify_tasks_oldest_ready_seconds",
        "How long the oldest ready task has waited.",
        oldest_ready_wait(now),
    )
    yield _gauge(
        "certify_attempts_overdue",
        "Open attempts past their deadline that the sweep has not finalized yet.",
        Attempt.objects.overdue(now).count(),
    )


def may_read_metrics(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False)
        for net in settings.CERTIFY_METRICS_NETWORKS
    )


def metrics_text() -> bytes:
    """Every worker's request counters (from PROMETHEUS_MULTIPROC_DIR when several processes
    serve), then the service's own figures."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    service = prometheus_client.CollectorRegistry()
    service.register(ServiceCollector())
    return prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(service)
