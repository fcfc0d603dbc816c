"""Fixtures for Open Badges and LTI: a bank, the certification exam, an issued certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from lti_tool.models import (
    Key,
    LtiContext,
    LtiDeployment,
    LtiRegistration,
    LtiResourceLink,
    LtiUser,
)

from certify.models import Certificate
from integrations.models import GradeLink
from questions.models import Question, Quiz
from tests.certify import exams
from tests.factories import questions_across_categories


@pytest.fixture
def site(settings) -> str:
    settings.SITE_URL = "https://certify.example"
    return settings.SITE_URL


@pytest.fixture
def bank(db) -> list[Question]:
    return questions_across_categories(10, pool=Question.Pool.EXAM)


@pytest.fixture
def exam(bank: list[Question]) -> Quiz:
    return exams.exam_quiz()


@pytest.fixture
def certificate(site: str, learner: User, exam: Quiz) -> Certificate:
    # Finished an hour ago: the credential is valid from the submission time.
    exams.take_exam(learner, exam, at=timezone.now() - timedelta(hours=1))
    return Certificate.objects.select_related("badge_credential").get()


@pytest.fixture
def link(learner: User, exam: Quiz) -> GradeLink:
    """The learner launched the exam from a course of a platform that cannot be reached."""
    Key.objects.generate()
    registration = LtiRegistration.objects.create(
        name="Closed LMS",
        issuer="https://lms.example",
        client_id="c",
        auth_url="http://127.0.0.1:9/auth",
        token_url="http://127.0.0.1:9/token",
        keyset_url="http://127.0.0.1:9/jwks",
    )
    deployment = LtiDeployment.objects.create(registration=registration, deployment_id="d")
    context = LtiContext.objects.create(deployment=deployment, id_on_platform="course")
    platform_user = LtiUser.objects.create(registration=registration, sub="s", auth_user=learner)
    return GradeLink.objects.create(
        user=learner,
        quiz=exam,
        platform_user=platform_user,
        resource_link=LtiResourceLink.objects.create(context=context, id_on_platform="rl"),
        lineitem_url="http://127.0.0.1:9/lineitems/1",
        scopes=["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
    )
