"""Fixtures for Open Badges and LTI: a bank, the certification exam, an issued certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from certify.models import Certificate
from questions.models import Question, Quiz
from tests.certify import exams
from tests.factories import questions_across_categories


@pytest.fixture
def site(settings) -> str:
    settings.SITE_URL = "https://certify.example"
    return settings.SITE_URL


@pytest.fixture
def bank(db) -> list[Question]:
    return questions_across_categories(10)


@pytest.fixture
def exam(bank: list[Question]) -> Quiz:
    return exams.exam_quiz()


@pytest.fixture
def certificate(site: str, learner: User, exam: Quiz) -> Certificate:
    # Finished an hour ago: the credential is valid from the submission time.
    exams.take_exam(learner, exam, at=timezone.now() - timedelta(hours=1))
    return Certificate.objects.select_related("badge_credential").get()
