"""What instructors did about an item the item analysis flagged: each action, who and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from questions.models.bank import Question


class ItemWithdrawal(models.Model):
    """An item retired, or sent back to pretest, from the item analysis.

    Results already given stay as they were (answers keep their snapshots and attempts their
    scores); only the exam forms assembled afterwards stop asking it as a scored item.
    """

    class Action(models.TextChoices):
        RETIRE = "retire", "Retired"
        PRETEST = "pretest", "Sent back to pretest"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="withdrawals")
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.TextField(help_text="Why, in the instructor's words.")
    flags = models.JSONField(
        default=list, blank=True, help_text="The report's flags on the item at the time (codes)."
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="item_withdrawals",
    )
    by_name = models.CharField(
        max_length=150, help_text="The instructor's username (kept if the account goes)."
    )
    attempts_answered = models.PositiveIntegerField(
        help_text="Attempts that had answered the item by then: their results stay as given."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["retire", "pretest"]), name="item_withdrawal_action_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="item_withdrawal_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} · {self.get_action_display()} by {self.by_name}"
