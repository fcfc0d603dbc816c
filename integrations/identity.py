"""Whose identity a registered LMS vouches for.

A learner launched by an active registered platform was signed in by that platform: their
identity (and the email it sends, if any) counts as verified, as an email confirmed by link
would. certify's verified-learner check asks this through a settings hook.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from lti_tool.models import LtiUser


def platform_asserted(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return LtiUser.objects.filter(auth_user_id=user.pk, registration__is_active=True).exists()
