from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lessons.catalog import LESSONS, LESSONS_BY_SLUG
from lessons.metrics import percentile


@dataclass(frozen=True)
class RunStats:
    """Figures over a set of runs: p50/p95 time to first token and the error rate."""

    runs: int
    ttft_p50: float | None
    ttft_p95: float | None
    errors: int
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.runs if self.runs else None

    @classmethod
    def of(cls, rows: Sequence[tuple[str, float | None]]) -> RunStats:
        """From (outcome, ttft_ms) pairs; failures, timeouts and runs lost with their worker are
        errors, a Stop is not."""
        ttfts = [ttft for _, ttft in rows if ttft is not None]
        outcomes = Counter(outcome for outcome, _ in rows)
        return cls(
            runs=len(rows),
            ttft_p50=percentile(ttfts, 50),
            ttft_p95=percentile(ttfts, 95),
            errors=outcomes[DemoRun.Outcome.FAILED]
            + outcomes[DemoRun.Outcome.TIMED_OUT]
            + outcomes[DemoRun.Outcome.LOST],
            outcomes=dict(outcomes),
        )


class DemoRunQuerySet(models.QuerySet["DemoRun"]):
    def recent(self, limit: int = 50) -> DemoRunQuerySet:
        return self.select_related("user").order_by("-started_at")[:limit]

    def stats(self, *, last: int = 1000) -> tuple[RunStats, dict[str, RunStats]]:
        """Stats over the last `last` runs, overall and per lesson (one query)."""
        rows = list(self.order_by("-started_at").values_list("lesson", "outcome", "ttft_ms")[:last])
        per_lesson = {
            lesson.slug: RunStats.of([(o, t) for slug, o, t in rows if slug == lesson.slug])
            for lesson in LESSONS
        }
        return RunStats.of([(outcome, ttft) for _, outcome, ttft in rows]), per_lesson


class DemoRun(models.Model):
    """One live demo run: written when Run is pressed (running), settled when its stream ends,
    or marked lost when the web worker streaming it is gone."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        TIMED_OUT = "timed_out", "Timed out"
        LOST = "lost", "Lost (cut off)"

    class Backend(models.TextChoices):
        OFFLINE = "offline", "Offline model"
        OPENAI = "openai", "OpenAI"
        OPENAI_COMPATIBLE = "openai-compatible", "OpenAI-compatible server"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demo_runs",
    )
    lesson = models.CharField(
        max_length=64, choices=[(lesson.slug, lesson.label) for lesson in LESSONS]
    )
    preset = models.CharField(max_length=64)
    key = models.UUIDField(
        unique=True, null=True, blank=True, editable=False, help_text="The run's stream id."
    )
    backend = models.CharField(max_length=32, choices=Backend)
    started_at = models.DateTimeField()
    ttft_ms = models.FloatField(
        "time to first token (ms)",
        null=True,
        blank=True,
        help_text="Empty when no text arrived.",
    )
    total_ms = models.FloatField("total time (ms)")
    chunks = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=Outcome)
    error = models.TextField(blank=True)

    objects = DemoRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="lessons_demorun_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(lesson__in=list(LESSONS_BY_SLUG)), name="lessons_demorun_lesson_known"
            ),
            models.CheckConstraint(
                condition=Q(
                    outcome__in=[
                        "running",
                        "completed",
                        "failed",
                        "cancelled",
                        "timed_out",
                        "lost",
                    ]
                ),
                name="lessons_demorun_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(backend__in=["offline", "openai", "openai-compatible"]),
                name="lessons_demorun_backend_valid",
            ),
            models.CheckConstraint(
                condition=Q(total_ms__gte=0), name="lessons_demorun_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ttft_ms__isnull=True) | Q(ttft_ms__gte=0, ttft_ms__lte=F("total_ms")),
                name="lessons_demorun_ttft_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="failed") | ~Q(error=""),
                name="lessons_demorun_failure_has_error",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson}?preset={self.preset} ({self.get_outcome_display()})"
