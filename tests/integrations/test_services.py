"""Issuing credentials with certificates, idempotence, key rotation and the backfill command."""

from __future__ import annotations

from io import StringIO

import jwt
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from certify.models import Certificate
from integrations.models import BadgeCredential, IssuerKey
from integrations.services import credential_issue, issuer_key_rotate
from integrations.verification import credential_verify
from questions.models import Quiz
from tests.certify import exams

pytestmark = pytest.mark.django_db


def test_issuing_a_certificate_signs_its_credential_in_the_same_step(
    certificate: Certificate,
) -> None:
    credential = BadgeCredential.objects.get()

    assert credential.certificate == certificate
    assert credential.issued_at == certificate.issued_at
    assert credential.subject_id.startswith("urn:uuid:")
    assert credential_verify(credential.jws, record=certificate).ok


def test_a_failing_exam_gives_no_certificate_and_no_credential(
    site: str, learner: User, exam: Quiz
) -> None:
    exams.take_exam(learner, exam, wrong={q.id for q in list(exam.questions_in_scope())[:3]})

    assert not Certificate.objects.exists()
    assert not BadgeCredential.objects.exists()


def test_issuing_again_returns_the_same_credential(certificate: Certificate) -> None:
    first = BadgeCredential.objects.get()

    again = credential_issue(certificate=certificate)

    assert again == first
    assert again.jws == first.jws
    assert IssuerKey.objects.count() == 1


def test_after_rotation_old_credentials_still_verify_and_new_ones_use_the_new_key(
    client: Client, certificate: Certificate, learner: User, exam: Quiz
) -> None:
    old = BadgeCredential.objects.get()
    new_key = issuer_key_rotate()
    Certificate.objects.all().delete()  # the learner certifies again with a fresh record

    exams.take_exam(learner, exam)
    fresh = BadgeCredential.objects.get()

    assert fresh.key == new_key
    assert jwt.get_unverified_header(fresh.jws)["kid"].endswith(new_key.thumbprint)
    keys = client.get("/badges/issuer/jwks.json").json()["keys"]
    assert len(keys) == 2
    assert credential_verify(old.jws).checks[0].passed


def test_issue_credentials_signs_certificates_issued_before_open_badges(
    certificate: Certificate,
) -> None:
    BadgeCredential.objects.all().delete()
    out = StringIO()

    call_command("issue_credentials", stdout=out)

    assert "Signed 1 credential." in out.getvalue()
    assert credential_verify(BadgeCredential.objects.get().jws, record=certificate).ok


def test_rotate_issuer_key_says_which_key_signs_now(db) -> None:
    out = StringIO()

    call_command("rotate_issuer_key", stdout=out)

    assert IssuerKey.objects.get().thumbprint in out.getvalue()
