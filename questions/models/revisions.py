"""Bank revisions: an import staged, previewed as a diff, then published (or discarded)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class BankRevision(models.Model):
    """One import of bank files: what it would change (the diff), and whether it was published.

    Staged from the admin's import page and previewed there; `load_bank` stages and publishes
    in one go after printing the diff. The diff is recomputed when publishing (the bank may
    have moved since the preview), and the published one is kept.
    """

    class Status(models.TextChoices):
        STAGED = "staged"
        PUBLISHED = "published"
        DISCARDED = "discarded"

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: loaded with manage.py load_bank.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STAGED)
    published_at = models.DateTimeField(null=True, blank=True)
    diff = models.JSONField(
        default=dict,
        help_text='{"added": [...], "changed": [...], "retired": [...], "unchanged": n}; each item '
        '{"id", "fields", "attempts", "open_attempts"}.',
    )
    report = models.JSONField(
        default=list, help_text="What the instructor should know: new drafts, what was left out."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="published") & Q(published_at__isnull=False))
                | (~Q(status="published") & Q(published_at__isnull=True)),
                name="bank_revision_published_at_iff_published",
            ),
        ]

    def __str__(self) -> str:
        names = ", ".join(file.source for file in self.files.all()) or "no file"
        return f"Revision {self.pk} ({names}, {self.get_status_display().lower()})"

    @property
    def is_staged(self) -> bool:
        return self.status == self.Status.STAGED


class BankRevisionFile(models.Model):
    """A file of a revision, kept as uploaded so that publishing reads exactly what was shown."""

    revision = models.ForeignKey(BankRevision, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=255, help_text="The file's name.")
    fmt = models.CharField(
        "format",
        max_length=12,
        choices=[
            ("yaml", "YAML or JSON"),
            ("gift", "GIFT"),
            ("moodle-xml", "Moodle XML"),
            ("qti", "QTI"),
        ],
    )
    data = models.BinaryField()

    class Meta:
        ordering = ["revision", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "position"], name="bank_revision_file_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.source
