"""A platform-asserted identity counts as verified."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from lti_tool.models import LtiRegistration

from integrations.identity import platform_asserted
from integrations.models import GradeLink
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_learner_launched_by_an_active_platform_counts_as_verified(
    learner: User, link: GradeLink
) -> None:
    assert platform_asserted(learner)
    LtiRegistration.objects.update(is_active=False)
    assert not platform_asserted(learner)


def test_a_learner_who_signed_up_on_certify_is_not_platform_asserted(link: GradeLink) -> None:
    assert not platform_asserted(UserFactory.create())
    assert not platform_asserted(AnonymousUser())
