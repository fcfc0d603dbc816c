"""certify's side of LTI 1.3: what a course link opens, who may frame certify, and the grades
owed to each platform. Registrations, deployments, platform users, contexts and resource links
are django-lti's models (lti_tool)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class PlatformFrameQuerySet(models.QuerySet["PlatformFrame"]):
    def all_origins(self) -> list[str]:
        """Every active registered platform's origins (for pages shown before a launch is
        verified, such as a refused launch)."""
        frames = self.filter(registration__is_active=True).select_related("registration")
        return sorted({origin for frame in frames for origin in frame.origins()})


class PlatformFrame(models.Model):
    """Which origins may show certify in a frame for one registered platform.

    The issuer's and the authorization URL's origins always may; some platforms serve courses
    from other hosts (Canvas: the school's own domain), listed here.
    """

    registration = models.OneToOneField(
        "lti_tool.LtiRegistration", on_delete=models.CASCADE, related_name="certify_frame"
    )
    extra_origins = models.TextField(
        blank=True,
        help_text="Further origins that show certify in a frame, one per line "
        "(e.g. https://school.instructure.com).",
    )

    objects = PlatformFrameQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Frame origins of {self.registration}"

    def origins(self) -> list[str]:
        found = [origin_of(self.registration.issuer), origin_of(self.registration.auth_url)]
        found += [origin_of(line.strip()) for line in self.extra_origins.splitlines()]
        return sorted({origin for origin in found if origin})


class LinkTarget(models.Model):
    """What a course link opens in certify: a quiz or a lesson, chosen by deep linking."""

    class Kind(models.TextChoices):
        QUIZ = "quiz"
        LESSON = "lesson"

    resource_link = models.OneToOneField(
        "lti_tool.LtiResourceLink", on_delete=models.CASCADE, related_name="certify_target"
    )
    kind = models.CharField(max_length=6, choices=Kind.choices)
    slug = models.SlugField(max_length=100)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["quiz", "lesson"]), name="link_target_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_link} → {self.kind} {self.slug}"


class GradeLink(models.Model):
    """A learner who launched a graded quiz from a course: their finished attempts' scores are
    owed to that course's gradebook column (the AGS line item)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grade_links"
    )
    quiz = models.ForeignKey("questions.Quiz", on_delete=models.CASCADE, related_name="+")
    platform_user = models.ForeignKey(
        "lti_tool.LtiUser", on_delete=models.CASCADE, related_name="certify_grade_links"
    )
    resource_link = models.ForeignKey(
        "lti_tool.LtiResourceLink", on_delete=models.CASCADE, related_name="certify_grade_links"
    )
    lineitem_url = models.URLField(
        max_length=500, blank=True, help_text="The gradebook column; found or made on first use."
    )
    lineitems_url = models.URLField(
        max_length=500, blank=True, help_text="The course's columns, when the link had none."
    )
    scopes = models.JSONField(default=list)
    launched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-launched_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "resource_link"], name="one_grade_link_per_course_link"
            ),
            models.CheckConstraint(
                condition=~Q(lineitem_url="") | ~Q(lineitems_url=""),
                name="grade_link_has_a_column",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} → {self.lineitem_url or self.lineitems_url}"


class GradePassback(models.Model):
    """One score sent (or still to send) to a platform's gradebook, with its retry schedule."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed", "failed (gave up)"

    attempt = models.ForeignKey(
        "questions.Attempt", on_delete=models.CASCADE, related_name="grade_passbacks"
    )
    link = models.ForeignKey(GradeLink, on_delete=models.CASCADE, related_name="passbacks")
    score_given = models.PositiveSmallIntegerField()
    score_maximum = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "link"], name="one_passback_per_link"),
            models.CheckConstraint(
                condition=Q(score_given__lte=models.F("score_maximum")),
                name="passback_score_at_most_maximum",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", next_try_at__isnull=False)
                | Q(status__in=["sent", "failed"], next_try_at__isnull=True),
                name="passback_pending_iff_scheduled",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        return (
            f"{self.score_given}/{self.score_maximum} for attempt {self.attempt_id}: {self.status}"
        )
