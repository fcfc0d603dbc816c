"""The certification exam (and so its certificate) needs a verified email, or an identity a
registered platform asserts; practice does not. Staff need two-factor authentication on before
the admin opens."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from certify import accounts
from questions import services
from questions.models import Answer, Attempt, Question, Quiz
from tests.factories import QuizFactory, StaffFactory, UserFactory, questions_across_categories

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(db: None) -> User:
    return UserFactory.create(verified_email=False)


def test_an_unverified_learner_is_refused_the_exam_with_a_clear_message_and_nothing_made(
    client: Client, unverified: User, exam: Quiz
) -> None:
    client.force_login(unverified)

    response = client.post(reverse("questions:quiz_start", args=[exam.slug]), follow=True)

    page = response.content.decode()
    assert "needs a verified email address" in page
    assert "Send the verification email again" in page
    assert response.redirect_chain[-1][0] == reverse("questions:quiz_list")
    assert not Attempt.objects.exists()
    assert not Answer.objects.exists()
    with pytest.raises(services.CertificationRefused):
        services.attempt_start(user=unverified, quiz=exam)
    assert not Attempt.objects.exists()


def test_once_verified_the_exam_starts(client: Client, unverified: User, exam: Quiz) -> None:
    EmailAddress.objects.filter(user=unverified).update(verified=True)
    client.force_login(unverified)

    response = client.post(reverse("questions:quiz_start", args=[exam.slug]))

    assert response.status_code == 302
    assert Attempt.objects.filter(user=unverified, quiz=exam).count() == 1


def test_practice_needs_no_verified_email(unverified: User) -> None:
    questions_across_categories(5, pool=Question.Pool.PRACTICE)
    practice = QuizFactory.create()
    attempt, created = services.attempt_start(user=unverified, quiz=practice)
    assert created
    assert attempt.pk


def test_a_platform_asserted_identity_counts_as_verified(
    unverified: User, settings: object
) -> None:
    assert accounts.certification_refusal(unverified) == accounts.UNVERIFIED_EXAM
    settings.CERTIFY_IDENTITY_ASSERTED = ["tests.certify.test_verified_gate.asserts_everyone"]  # type: ignore[attr-defined]
    assert accounts.certification_refusal(unverified) is None


def asserts_everyone(user: User) -> bool:
    return True


def test_staff_without_two_factor_authentication_are_refused_the_admin(client: Client) -> None:
    staff = StaffFactory.create(is_superuser=True, second_factor=False)
    client.force_login(staff)

    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert "two-factor authentication is on" in response.content.decode()
    assert client.get("/admin/questions/question/").status_code == 302

    with_totp = StaffFactory.create(is_superuser=True)
    client.force_login(with_totp)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/questions/question/").status_code == 200


def test_learners_are_not_let_into_the_admin(client: Client) -> None:
    client.force_login(UserFactory.create())
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/").status_code == 403
