"""The moment a learner passes: the exam's results say a certificate was issued and give its
page, PDF, public verification URL (with a copy button) and Open Badge."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from certify.models import Certificate
from certify.services import certificate_revoke
from questions.models import Quiz
from tests.certify.conftest import TakeExam

pytestmark = pytest.mark.django_db


def results_page(client: Client, attempt_pk: int) -> str:
    response = client.get(reverse("questions:attempt_results", args=[attempt_pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_passed_exams_results_announce_the_certificate_and_give_every_way_to_share_it(
    learner_client: Client, learner: User, exam: Quiz, take_exam: TakeExam
) -> None:
    attempt = take_exam(learner, exam)
    certificate = Certificate.objects.get(attempt=attempt)

    page = results_page(learner_client, attempt.pk)

    assert "You passed: your certificate is issued" in page
    assert f'href="{certificate.get_absolute_url()}"' in page
    assert f'href="{reverse("certificate_pdf", args=[certificate.code])}"' in page
    verify_url = f"http://testserver{certificate.get_absolute_url()}"
    assert f'value="{verify_url}" readonly' in page
    assert 'data-copy="verify-url"' in page
    assert "certify/copy.js" in page
    # The Open Badge the certificate already is.
    assert "Your Open Badge" in page
    assert reverse("integrations:badge_png", args=[certificate.code]) in page
    # Said once, right under the verdict: before the scores.
    assert page.index("certificate-earned-heading") < page.index("scores-heading")


def test_a_failed_exam_announces_no_certificate(
    learner_client: Client, learner: User, exam: Quiz, take_exam: TakeExam, bank: list
) -> None:
    attempt = take_exam(learner, exam, wrong={bank[0].id, bank[1].id, bank[2].id})

    page = results_page(learner_client, attempt.pk)

    assert not Certificate.objects.exists()
    assert "certificate-earned" not in page
    assert "You passed" not in page


def test_a_revoked_certificate_is_said_revoked_with_nothing_to_share(
    learner_client: Client, learner: User, exam: Quiz, take_exam: TakeExam
) -> None:
    attempt = take_exam(learner, exam)
    certificate = Certificate.objects.get(attempt=attempt)
    certificate_revoke(certificate_id=certificate.pk, reason="Test")

    page = results_page(learner_client, attempt.pk)

    assert "earned a certificate, since revoked" in page
    assert "You passed" not in page
    assert 'data-copy="verify-url"' not in page
    assert "Your Open Badge" not in page
