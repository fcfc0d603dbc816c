"""The adaptive engine in the product: its decisions and the item parameter versions."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from questions.models.bank import Question
from questions.models.quizzes import Attempt


class AdaptiveOutcome(models.Model):
    """What the adaptive engine concluded when an adaptive practice attempt finished.

    Frozen like the answers' snapshots: recalibrating or editing the bank later never changes a
    past attempt's decision. Shares (0 to 1) as the engine gives them; pages round them.
    """

    class Verdict(models.TextChoices):
        READY = "ready", "Ready for the exam"
        NOT_YET = "not_yet", "Not yet"
        UNDECIDED = "undecided", "Not decided"

    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, primary_key=True, related_name="adaptive_outcome"
    )
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    reason = models.CharField(max_length=80, help_text="The engine's stop rule, in its words.")
    p_ready = models.FloatField("P(ready)")
    answered = models.PositiveSmallIntegerField(help_text="The answers the engine counted.")
    expected_overall = models.FloatField()
    overall_low = models.FloatField(help_text="10th percentile: with overall_high, 80% interval.")
    overall_high = models.FloatField()
    categories = models.JSONField(
        help_text='In bank order: [{"category": slug, "answered": n, "correct": n, '
        '"expected": share, "low": share, "high": share, "p_meets": probability}]'
    )
    parameters_version = models.PositiveIntegerField(
        default=0, help_text="The bank parameter version used (0: the starting parameters)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=["ready", "not_yet", "undecided"]),
                name="adaptive_outcome_verdict_valid",
            ),
            models.CheckConstraint(
                condition=Q(p_ready__gte=0, p_ready__lte=1),
                name="adaptive_outcome_p_ready_is_a_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.get_verdict_display()} · P(ready) {self.p_ready:.2f}"


class BankParametersQuerySet(models.QuerySet["BankParameters"]):
    def current_version(self) -> int:
        """The latest version number; 0 before any calibration (the starting parameters)."""
        return self.aggregate(latest=models.Max("version"))["latest"] or 0


class BankParameters(models.Model):
    """One version of the bank's item parameters: a calibrate_items run that refitted some."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    min_answers = models.PositiveIntegerField(help_text="Answers a question needed to be refitted.")
    attempts = models.PositiveIntegerField(help_text="Finished attempts whose answers were used.")
    answers = models.PositiveIntegerField(help_text="Answers used, all questions together.")
    refitted = models.PositiveSmallIntegerField(help_text="Questions given new parameters.")

    objects = BankParametersQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = "bank parameter version"
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=1), name="bank_parameters_version_from_1"
            ),
            models.CheckConstraint(
                condition=Q(refitted__gte=1), name="bank_parameters_refit_something"
            ),
        ]

    def __str__(self) -> str:
        return f"Bank parameters v{self.version}"


class ItemCalibration(models.Model):
    """One question's parameters before and after a calibration (unchanged when not refitted)."""

    parameters = models.ForeignKey(BankParameters, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="calibrations")
    answers = models.PositiveIntegerField()
    refitted = models.BooleanField()
    discrimination_before = models.FloatField()
    difficulty_before = models.FloatField()
    guessing_before = models.FloatField()
    discrimination_after = models.FloatField()
    difficulty_after = models.FloatField()
    guessing_after = models.FloatField()
    source = models.CharField(
        max_length=8,
        default="item",
        help_text="What a refit came from: the item's own answers, or its family's pooled.",
    )
    discrimination_error = models.FloatField(
        null=True, blank=True, help_text="Standard error of the refitted discrimination."
    )
    difficulty_error = models.FloatField(
        null=True, blank=True, help_text="Standard error of the refitted difficulty."
    )
    left_pretest = models.BooleanField(
        default=False,
        help_text="A pretest item this calibration estimated well enough to count from now on.",
    )

    class Meta:
        ordering = ["parameters", "question"]
        constraints = [
            models.UniqueConstraint(
                fields=["parameters", "question"], name="item_calibration_one_per_version"
            ),
            models.CheckConstraint(
                condition=Q(refitted=True)
                | Q(
                    discrimination_after=F("discrimination_before"),
                    difficulty_after=F("difficulty_before"),
                    guessing_after=F("guessing_before"),
                ),
                name="item_calibration_untouched_unless_refitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} · v{self.parameters.version}"
