"""LTI launches: the platform's user becomes a certify learner, the link finds its quiz or
lesson, and a graded quiz's gradebook column is remembered for passback.

A platform user is matched by the registration and the stable `sub` claim (django-lti's
LtiUser), never by email: two platforms, or two accounts on one, that send the same email stay
different learners. The name claims are the name certificates show; an email is kept if sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from lti_tool.lti_core.constants import ContextRole
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import LtiLaunch, LtiUser
from lti_tool.utils import sync_data_from_launch

from integrations.models.lti import GradeLink, LinkTarget, PlatformFrame
from lessons.catalog import LESSONS_BY_SLUG
from questions.models import Quiz

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
STAFF_ROLES = {ContextRole.INSTRUCTOR, ContextRole.ADMINISTRATOR, ContextRole.CONTENT_DEVELOPER}


class LaunchError(Exception):
    """A verified launch certify cannot serve (e.g. a link to a quiz that no longer exists)."""


@dataclass(frozen=True)
class Launch:
    user: User
    next_url: str
    frame_origins: list[str]
    deep_linking: bool
    course: str


def _claim(lti_launch: LtiLaunch, name: str) -> str:
    value = lti_launch.get_claim(name)
    return value.strip() if isinstance(value, str) else ""


def _names(lti_launch: LtiLaunch) -> tuple[str, str]:
    given, family = _claim(lti_launch, "given_name"), _claim(lti_launch, "family_name")
    if given or family:
        return given[:150], family[:150]
    full = _claim(lti_launch, "name")
    first, _, last = full.partition(" ")
    return first[:150], last[:150]


def _new_username(lti_launch: LtiLaunch) -> str:
    """A readable, unique username from the name claims ("grace-hopper-3f9a2c"); the
    account is found by the platform's sub, never by this name."""
    model = get_user_model()
    base = slugify(" ".join(_names(lti_launch)))[:40] or "learner"
    while True:
        username = f"{base}-{secrets.token_hex(3)}"
        if not model.objects.filter(username=username).exists():
            return username


def _learner(lti_launch: LtiLaunch) -> User:
    """The certify account of this platform user: found by (registration, sub), else new."""
    platform_user: LtiUser = lti_launch.user
    user = platform_user.auth_user
    if user is None:
        # No password: this learner signs in through the platform.
        user = get_user_model().objects.create_user(username=_new_username(lti_launch))
        platform_user.auth_user = user
        platform_user.save(update_fields=["auth_user", "datetime_modified"])
    first, last = _names(lti_launch)
    email = _claim(lti_launch, "email")
    changed = {
        field: value
        for field, value in (("first_name", first), ("last_name", last), ("email", email))
        if value and getattr(user, field) != value
    }
    for field, value in changed.items():
        setattr(user, field, value)
    if changed:
        user.save(update_fields=list(changed))
    return user


def _target(lti_launch: LtiLaunch) -> LinkTarget | None:
    """The quiz or lesson this course link opens: from the deep link's custom parameter, kept
    for the link so that later launches find it even if the platform drops custom params."""
    custom = lti_launch.get_claim(CUSTOM_CLAIM) or {}
    value = str(custom.get("certify", "")) if isinstance(custom, dict) else ""
    kind, _, slug = value.partition(":")
    link = lti_launch.resource_link
    if kind in LinkTarget.Kind.values and slug:
        target, _ = LinkTarget.objects.update_or_create(
            resource_link=link, defaults={"kind": kind, "slug": slug}
        )
        return target
    return LinkTarget.objects.filter(resource_link=link).first()


def _grade_link(lti_launch: LtiLaunch, user: User, quiz: Quiz, now: datetime) -> None:
    """Remember where this learner's scores go: the link's own gradebook column, or (when the
    platform lets certify manage columns) the course's columns, where certify makes one."""
    endpoint = lti_launch.get_claim(AGS_CLAIM)
    if not isinstance(endpoint, dict):
        return
    scopes = endpoint.get("scope", [])
    lineitem = endpoint.get("lineitem") or ""
    lineitems = endpoint.get("lineitems") if LINEITEM_SCOPE in scopes else ""
    if SCORE_SCOPE not in scopes or not (lineitem or lineitems):
        return
    GradeLink.objects.update_or_create(
        user=user,
        quiz=quiz,
        resource_link=lti_launch.resource_link,
        defaults={
            "platform_user": lti_launch.user,
            "lineitem_url": lineitem,
            "lineitems_url": lineitems or "",
            "scopes": list(scopes),
            "launched_at": now,
        },
    )


def _destination(lti_launch: LtiLaunch, user: User, now: datetime) -> str:
    target = _target(lti_launch)
    if target is None:
        return reverse("questions:quiz_list")
    if target.kind == LinkTarget.Kind.LESSON:
        if target.slug not in LESSONS_BY_SLUG:
            raise LaunchError(f"This course link opens the lesson {target.slug!r}, which is gone.")
        return reverse("lessons:detail", args=[target.slug])
    quiz = Quiz.objects.published().filter(slug=target.slug).first()
    if quiz is None:
        raise LaunchError(f"This course link opens the quiz {target.slug!r}, which is gone.")
    _grade_link(lti_launch, user, quiz, now)
    return reverse("integrations:lti_quiz", args=[quiz.slug])


def frame_origins(lti_launch: LtiLaunch) -> list[str]:
    frame, _ = PlatformFrame.objects.get_or_create(registration=lti_launch.registration)
    return frame.origins()


def is_course_staff(lti_launch: LtiLaunch) -> bool:
    roles = {normalize_role(role) for role in lti_launch.roles_claim or []}
    return bool(roles & {role.value for role in STAFF_ROLES})


@transaction.atomic
def launch_accept(*, lti_launch: LtiLaunch, now: datetime | None = None) -> Launch:
    """Record a verified launch (django-lti's platform, course and link records), match or
    create the learner and say where they land. Raises LaunchError, saving nothing, when the
    link's quiz or lesson is gone."""
    now = now or timezone.now()
    sync_data_from_launch(lti_launch)
    user = _learner(lti_launch)
    deep_linking = bool(lti_launch.is_deep_link_launch)
    if deep_linking:
        if not is_course_staff(lti_launch):
            raise LaunchError("Only a course's instructors can add certify content to it.")
        next_url = reverse("integrations:lti_deep_link")
    else:
        next_url = _destination(lti_launch, user, now)
    context = lti_launch.context_claim or {}
    return Launch(
        user=user,
        next_url=next_url,
        frame_origins=frame_origins(lti_launch),
        deep_linking=deep_linking,
        course=str(context.get("title") or context.get("label") or ""),
    )
