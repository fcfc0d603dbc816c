"""Keys checked against the SDK: whether each item's keyed answer still holds when derived again.

`verify_items` runs every item's evidence (a generated item's scenario, a hand-written item's
deriver) on the installed SDK and records here, per item and SDK version, what the run made true
and whether that is what the bank keys.
"""

from __future__ import annotations

from django.db import models

from questions import rules
from questions.models.bank import Question


class KeyCheckQuerySet(models.QuerySet["KeyCheck"]):
    def broken(self) -> KeyCheckQuerySet:
        return self.filter(holds=False)


class KeyCheck(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="key_checks")
    sdk_version = models.CharField("SDK version", max_length=rules.SDK_VERSION_MAX_LENGTH)
    holds = models.BooleanField(help_text="The run makes true exactly the keyed choices.")
    keyed = models.CharField(max_length=26, help_text="The choices the bank keys (letters).")
    derived = models.CharField(
        max_length=26, blank=True, help_text="The choices the run made true (letters)."
    )
    outcome = models.TextField(help_text="What the run did.")
    checked_at = models.DateTimeField()

    objects = KeyCheckQuerySet.as_manager()

    class Meta:
        ordering = ["question", "-checked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "sdk_version"], name="key_check_once_per_sdk_version"
            ),
        ]

    def __str__(self) -> str:
        verdict = "holds" if self.holds else "broken"
        return f"{self.question_id} on {self.sdk_version}: {verdict}"
