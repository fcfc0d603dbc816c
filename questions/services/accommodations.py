"""Time accommodations: a learner's own time limit, and granting or withdrawing extra time.

The deadline an attempt stores is the server's authority; granting or withdrawing extra time
moves the deadlines of the learner's open attempts that it concerns (started_at plus their own
limit now), so the clock they see, the answers the server takes and the expiry sweep all agree.
An attempt whose time already ran out is never reopened.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from questions.models import Attempt, Quiz, TimeAccommodation, own_time_limit


def time_limit_for(*, user: AbstractBaseUser | AnonymousUser, quiz: Quiz) -> timedelta | None:
    """The learner's own limit on `quiz`: the quiz's, extended by their accommodation."""
    if quiz.time_limit is None:
        return None
    return own_time_limit(quiz, list(TimeAccommodation.objects.for_user(user).for_quiz(quiz)))


def accommodation_save(
    *, accommodation: TimeAccommodation, granted_by: AbstractBaseUser | None = None
) -> int:
    """Save an accommodation (validated) and move the deadlines of the learner's open attempts
    it concerns; returns how many attempts got a new deadline."""
    accommodation.full_clean()
    with transaction.atomic():
        if granted_by is not None and granted_by.pk is not None:
            accommodation.granted_by_id = granted_by.pk
        accommodation.save()
        return open_deadlines_refresh(user_id=accommodation.user_id)


def accommodation_delete(*, accommodation: TimeAccommodation) -> int:
    """Withdraw an accommodation; open attempts go back to the limit that applies without it."""
    with transaction.atomic():
        user_id = accommodation.user_id
        accommodation.delete()
        return open_deadlines_refresh(user_id=user_id)


def open_deadlines_refresh(*, user_id: int, now: datetime | None = None) -> int:
    """Set each open timed attempt of the learner to started_at + their own limit, leaving any
    attempt already past its deadline as it is; how many deadlines changed."""
    now = now or timezone.now()
    attempts = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz")
        .filter(user_id=user_id, status=Attempt.Status.IN_PROGRESS, deadline__gt=now)
    )
    accommodations = list(TimeAccommodation.objects.filter(user_id=user_id))
    changed = 0
    for attempt in attempts:
        limit = own_time_limit(attempt.quiz, accommodations)
        if limit is None:
            continue
        deadline = attempt.started_at + limit
        # A shorter limit never ends an attempt on the spot: it ends a minute from now at most.
        deadline = max(deadline, now + timedelta(minutes=1))
        if deadline != attempt.deadline:
            attempt.deadline = deadline
            attempt.save(update_fields=["deadline"])
            changed += 1
    return changed
