"""Certificate pages: public verification, printable page, unknown codes, the name they show."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from certify.models import Certificate
from questions.models import Quiz
from tests.certify.conftest import TakeExam

pytestmark = pytest.mark.django_db


def test_anyone_can_verify_with_the_link_and_sees_only_the_certificate_facts(
    client: Client, learner: User, certificate: Certificate
) -> None:
    response = client.get(f"/certificates/{certificate.code}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "✓ Valid" in html
    assert "Ada Lovelace" in html
    assert certificate.issued_at.strftime("%B %Y") in html
    assert "100%" in html
    assert "Raw Response Events" in html
    assert f"openai-agents {certificate.sdk_version}" in html
    assert f"http://testserver/certificates/{certificate.code}/" in html
    # Nothing else about the holder: no username, email or attempt.
    assert learner.get_username() not in html
    assert learner.email not in html
    assert f"/quizzes/attempts/{certificate.attempt_id}/" not in html
    assert 'name="robots" content="noindex"' in html


@pytest.mark.parametrize(
    "path",
    ["/certificates/{}/", "/certificates/{}/print/", "/certificates/{}/pdf/"],
)
def test_an_unknown_code_is_a_plain_404(
    client: Client, certificate: Certificate, path: str
) -> None:
    near_miss = certificate.code[:-1] + ("a" if certificate.code[-1] != "a" else "b")

    for code in (near_miss, "nope", certificate.code.upper()):
        response = client.get(path.format(code))
        assert response.status_code == 404
        assert certificate.code not in response.content.decode()
        assert "Lovelace" not in response.content.decode()


def test_the_printable_page_has_the_facts_and_a_print_stylesheet(
    client: Client, certificate: Certificate
) -> None:
    html = client.get(f"/certificates/{certificate.code}/print/").content.decode()

    assert "Certificate of readiness" in html
    assert "Ada Lovelace" in html
    assert f"verify at http://testserver/certificates/{certificate.code}/" in html
    assert "data-print" in html
    assert "certify/print.js" in html  # the button works from a static script
    assert "certify/certify.css" in html


def test_the_name_set_on_the_account_page_is_on_the_next_certificate(
    learner: User, exam: Quiz, take_exam: TakeExam, client: Client
) -> None:
    client.force_login(learner)
    client.post(
        "/accounts/me/", {"first_name": "Grace", "last_name": "Hopper", "email": learner.email}
    )

    take_exam(learner, exam)

    certificate = Certificate.objects.get()
    assert certificate.holder_name == "Grace Hopper"
    assert "Grace Hopper" in client.get(f"/certificates/{certificate.code}/").content.decode()
