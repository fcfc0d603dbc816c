from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.urls import reverse

from questions.models import Attempt, CategorySlug
from questions.scoring import Score

# 120 random bits, written in lower-case base32 (24 letters and digits 2-7): unguessable, and
# easy to read aloud or type from a printed certificate.
CODE_BYTES = 15


@dataclass(frozen=True)
class CategoryScore:
    """One category's line on a certificate: its name and score as issued."""

    name: str
    score: Score


@dataclass(frozen=True)
class CategoryEstimateRow:
    """One category's estimate on an adaptive exam's certificate: the expected score on the exam
    pool, and its 80% interval, in percent."""

    name: str
    expected: int
    low: int
    high: int
    answered: int


def new_certificate_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").lower()


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> CertificateQuerySet:
        # An anonymous user has no pk and so no certificates.
        return self.filter(attempt__user_id=user.pk) if user.pk is not None else self.none()

    def valid(self) -> CertificateQuerySet:
        return self.filter(status=Certificate.Status.VALID)


class Certificate(models.Model):
    """Proof that one certification exam attempt met the thresholds.

    Everything a verifier sees is a snapshot taken at issue: later changes to the learner's name,
    the bank or the thresholds never change what a certificate says.
    """

    class Status(models.TextChoices):
        VALID = "valid"
        REVOKED = "revoked"

    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="certificate")
    code = models.CharField(
        max_length=32, unique=True, default=new_certificate_code, editable=False
    )
    holder_name = models.CharField(
        max_length=150, help_text="The holder's full name (or username) when it was issued."
    )
    issued_at = models.DateTimeField()
    correct_count = models.PositiveSmallIntegerField()
    question_count = models.PositiveSmallIntegerField()
    score = models.DecimalField(max_digits=4, decimal_places=1, help_text="Percent, rounded down.")
    category_scores = models.JSONField(
        help_text='[{"slug": s, "name": n, "correct": c, "total": t}] in category order.'
    )
    overall_threshold = models.PositiveSmallIntegerField()
    category_threshold = models.PositiveSmallIntegerField()
    sdk_version = models.CharField(
        "SDK version",
        max_length=60,
        help_text="The openai-agents version the exam's questions were checked against.",
    )
    delivery = models.CharField(
        max_length=12,
        default="fixed-form",
        help_text="How the exam was delivered: fixed-form (a form to the blueprint) or adaptive.",
    )
    estimates = models.JSONField(
        default=list,
        blank=True,
        help_text='An adaptive exam\'s per-category estimates: [{"slug": s, "name": n, '
        '"expected": share, "low": share, "high": share, "answered": n}] (80% intervals).',
    )
    p_ready = models.FloatField(
        null=True,
        blank=True,
        help_text="An adaptive exam: the posterior probability of readiness it certified at.",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="valid", revoked_at__isnull=True, revoked_reason="")
                | Q(status="revoked", revoked_at__isnull=False) & ~Q(revoked_reason=""),
                name="certificate_revoked_iff_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["valid", "revoked"]), name="certificate_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(correct_count__lte=models.F("question_count")),
                name="certificate_correct_at_most_total",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z2-7]{20,32}$"), name="certificate_code_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} · {self.issued_at:%Y-%m-%d} · {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("certificate_verify", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def is_adaptive(self) -> bool:
        return self.delivery == "adaptive"

    @property
    def estimate_rows(self) -> list[CategoryEstimateRow]:
        """An adaptive exam's per-category estimates, as percentages with their interval."""
        return [
            CategoryEstimateRow(
                row["name"],
                round(100 * row["expected"]),
                round(100 * row["low"]),
                round(100 * row["high"]),
                row["answered"],
            )
            for row in self.estimates
        ]

    @property
    def overall(self) -> Score:
        return Score(self.correct_count, self.question_count)

    @property
    def categories(self) -> list[CategoryScore]:
        """Each category's name and score in category order, as issued."""
        return [
            CategoryScore(row["name"], Score(row["correct"], row["total"]))
            for row in self.category_scores
        ]

    @staticmethod
    def category_rows(counts: dict[str, dict[str, int]]) -> list[dict[str, object]]:
        """The snapshot of an attempt's per-category counts, in course order, with names."""
        return [
            {"slug": slug.value, "name": slug.label, **counts[slug.value]}
            for slug in CategorySlug
            if slug.value in counts
        ]


class PeriodicTask(models.Model):
    """When a periodic task (CERTIFY_PERIODIC_TASKS) is next queued. The row is the guard
    against duplicates: every task worker runs the scheduler, and a worker queues the task only
    if its conditional update moved `next_run_at` on, which one worker alone can do."""

    task_path = models.CharField(max_length=200, unique=True)
    next_run_at = models.DateTimeField()
    last_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task_path"]

    def __str__(self) -> str:
        return f"{self.task_path} (next {self.next_run_at:%Y-%m-%d %H:%M:%S})"
