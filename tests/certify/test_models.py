"""Certificates as records: codes, the snapshot of category scores, who holds which."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser, User

from certify.models import CategoryScore, Certificate, new_certificate_code
from questions.scoring import Score
from tests.factories import UserFactory


def test_codes_are_24_base32_characters_and_do_not_repeat() -> None:
    codes = {new_certificate_code() for _ in range(200)}

    assert len(codes) == 200
    assert all(re.fullmatch(r"[a-z2-7]{24}", code) for code in codes)


def test_category_rows_follow_course_order_with_names() -> None:
    rows = Certificate.category_rows(
        {"production": {"correct": 1, "total": 2}, "basics": {"correct": 2, "total": 2}}
    )

    assert [row["slug"] for row in rows] == ["basics", "production"]
    assert rows[0] == {
        "slug": "basics",
        "name": "Basic Streaming Concepts",
        "correct": 2,
        "total": 2,
    }


@pytest.mark.django_db
def test_categories_are_named_scores_and_holders_see_only_their_own(
    learner: User, certificate: Certificate
) -> None:
    assert certificate.categories[0] == CategoryScore("Basic Streaming Concepts", Score(2, 2))
    assert str(certificate).startswith("Ada Lovelace · ")
    assert str(certificate).endswith(certificate.code)

    assert list(Certificate.objects.for_user(learner)) == [certificate]
    assert list(Certificate.objects.for_user(UserFactory.create())) == []
    assert list(Certificate.objects.for_user(AnonymousUser())) == []
    assert list(Certificate.objects.valid()) == [certificate]
