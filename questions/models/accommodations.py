"""Time accommodations: extra time an instructor grants a learner on timed quizzes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from questions.models.quizzes import Quiz

MAX_MULTIPLIER = Decimal("4")
MAX_EXTRA_MINUTES = 600


class TimeAccommodationQuerySet(models.QuerySet["TimeAccommodation"]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> TimeAccommodationQuerySet:
        if user.pk is None:
            return self.none()
        return self.filter(user_id=user.pk)

    def for_quiz(self, quiz: Quiz) -> TimeAccommodationQuerySet:
        """The accommodations that could apply to `quiz`: its own and the every-quiz one."""
        return self.filter(Q(quiz=quiz) | Q(quiz__isnull=True))


class TimeAccommodation(models.Model):
    """Extra time on timed quizzes for one learner: a multiplier of the quiz's limit, extra
    minutes on top, or both, for one quiz or for every timed quiz. A quiz's own accommodation
    takes the place of the every-quiz one (they never add up)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_accommodations"
    )
    quiz = models.ForeignKey(
        Quiz,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="time_accommodations",
        limit_choices_to={"time_limit__isnull": False},
        help_text="Empty: every timed quiz. A quiz's own accommodation replaces the every-quiz "
        "one.",
    )
    multiplier = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(MAX_MULTIPLIER)],
        help_text="The quiz's time limit times this, e.g. 1.5 for time and a half.",
    )
    extra_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_EXTRA_MINUTES)],
        help_text="Minutes added after the multiplier.",
    )
    note = models.CharField(
        max_length=200, blank=True, help_text="Why, for instructors only (never shown to others)."
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimeAccommodationQuerySet.as_manager()

    class Meta:
        ordering = ["user", "quiz"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(quiz__isnull=False),
                name="accommodation_one_per_user_and_quiz",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(quiz__isnull=True),
                name="accommodation_one_every_quiz_per_user",
            ),
            models.CheckConstraint(
                condition=Q(multiplier__gte=1) & Q(multiplier__lte=MAX_MULTIPLIER),
                name="accommodation_multiplier_range",
            ),
            models.CheckConstraint(
                condition=Q(extra_minutes__lte=MAX_EXTRA_MINUTES),
                name="accommodation_extra_minutes_range",
            ),
            # An accommodation that adds nothing is a mistake, not a record to keep.
            models.CheckConstraint(
                condition=Q(multiplier__gt=1) | Q(extra_minutes__gt=0),
                name="accommodation_adds_time",
            ),
        ]

    def __str__(self) -> str:
        scope = f"“{self.quiz}”" if self.quiz_id else "every timed quiz"
        return f"{self.user}: {self.describe()} on {scope}"

    def clean(self) -> None:
        super().clean()
        if self.multiplier is not None and self.multiplier <= 1 and not self.extra_minutes:
            raise ValidationError(
                "Give a multiplier above 1, some extra minutes, or both: this adds no time."
            )
        if self.quiz is not None and self.quiz.time_limit is None:
            raise ValidationError({"quiz": "This quiz is untimed: there is no time to extend."})

    def describe(self) -> str:
        """ "1.5 x the time limit + 10 min", "+ 15 min", "1.25 x the time limit"."""
        parts = []
        if self.multiplier and self.multiplier != 1:
            parts.append(f"{self.multiplier.normalize()} x the time limit")
        if self.extra_minutes:
            parts.append(f"+ {self.extra_minutes} min")
        return " ".join(parts) or "no extra time"

    def extend(self, limit: timedelta) -> timedelta:
        """The learner's own limit for a quiz whose standard limit is `limit` (whole seconds)."""
        seconds = Decimal(limit.total_seconds()) * self.multiplier
        return timedelta(seconds=int(seconds) + self.extra_minutes * 60)


def own_time_limit(
    quiz: Quiz, accommodations: list[TimeAccommodation] | TimeAccommodationQuerySet
) -> timedelta | None:
    """A learner's limit on `quiz` given their accommodations (the quiz's own one wins over the
    every-quiz one); None for an untimed quiz."""
    if quiz.time_limit is None:
        return None
    own = [a for a in accommodations if a.quiz_id == quiz.pk]
    general = [a for a in accommodations if a.quiz_id is None]
    chosen = own or general
    return chosen[0].extend(quiz.time_limit) if chosen else quiz.time_limit
