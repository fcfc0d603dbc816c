"""Certificate pages: public verification, printable page, PDF, unknown codes, revoking in admin."""

from __future__ import annotations

import base64
import re
import zlib

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client

from certify.models import Certificate
from certify.pdf import CertificateFacts, certificate_pdf
from questions.models import Quiz
from tests.certify.conftest import TakeExam
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(learner: AbstractUser, exam: Quiz, take_exam: TakeExam) -> Certificate:
    take_exam(learner, exam)
    return Certificate.objects.get()


def pdf_text(data: bytes) -> str:
    """The text drawn on the PDF's pages: each content stream decoded (reportlab writes
    ASCII85 over Flate), its shown strings joined."""
    chunks = []
    for header, stream in re.findall(rb"<<([^<>]*)>>\s*stream\r?\n(.*?)\s*endstream", data, re.S):
        if b"/ASCII85Decode" in header:
            stream = base64.a85decode(stream.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in header:
            stream = zlib.decompress(stream)
        chunks.append(stream)
    strings = re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", b"\n".join(chunks), re.S)
    return " ".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for s in strings)


def test_anyone_can_verify_with_the_link_and_sees_only_the_certificate_facts(
    client: Client, learner: AbstractUser, certificate: Certificate
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
    assert "window.print()" in html
    assert "certify/certify.css" in html


def test_the_pdf_is_a_real_pdf_with_the_facts_and_the_verification_url(
    client: Client, certificate: Certificate
) -> None:
    response = client.get(f"/certificates/{certificate.code}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-{certificate.code}.pdf"'
    )
    data = response.content
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    assert "Ada Lovelace" in text
    assert f"Certificate code: {certificate.code}" in text
    assert f"Verify at: http://testserver/certificates/{certificate.code}/" in text
    assert "Raw Response Events" in text
    assert f"openai-agents {certificate.sdk_version}" in text
    assert "REVOKED" not in text


def test_a_pdf_for_a_name_outside_latin_1_still_renders(certificate: Certificate) -> None:
    facts = CertificateFacts(
        code=certificate.code,
        holder_name="王小明",
        issued_at=certificate.issued_at,
        overall=certificate.overall,
        categories=certificate.categories,
        overall_threshold=90,
        category_threshold=85,
        sdk_version="0.24.0",
        verify_url="https://example.com/",
    )

    data = certificate_pdf(facts)

    assert data.startswith(b"%PDF-")
    assert certificate.code in pdf_text(data)


def test_instructors_revoke_in_admin_and_the_pages_then_say_revoked(
    instructor_client: Client, certificate: Certificate
) -> None:
    client = instructor_client
    assert certificate.code in client.get("/admin/certify/certificate/").content.decode()
    change_url = f"/admin/certify/certificate/{certificate.pk}/change/"
    assert "Revoke with this reason" in client.get(change_url).content.decode()

    response = client.post(change_url, {"revoke_reason": "Exam answers were shared."})

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_reason == "Exam answers were shared."
    client.logout()
    html = client.get(f"/certificates/{certificate.code}/").content.decode()
    assert "✗ Revoked on" in html
    assert certificate.revoked_at.strftime("%B %Y") in html
    assert "✓ Valid" not in html
    assert "Exam answers were shared" not in html  # the reason stays in admin
    assert "REVOKED" in client.get(f"/certificates/{certificate.code}/print/").content.decode()
    assert "REVOKED" in pdf_text(client.get(f"/certificates/{certificate.code}/pdf/").content)


def test_saving_the_admin_form_without_a_reason_changes_nothing(
    client: Client, certificate: Certificate
) -> None:
    client.force_login(StaffFactory(is_superuser=True))

    client.post(f"/admin/certify/certificate/{certificate.pk}/change/", {"revoke_reason": "  "})

    certificate.refresh_from_db()
    assert certificate.is_valid
    # Certificates are records: not added or deleted by hand.
    assert client.get("/admin/certify/certificate/add/").status_code == 403
    delete_url = f"/admin/certify/certificate/{certificate.pk}/delete/"
    assert client.get(delete_url).status_code == 403


def test_staff_without_the_permission_cannot_revoke(
    client: Client, certificate: Certificate
) -> None:
    client.force_login(StaffFactory())

    response = client.post(
        f"/admin/certify/certificate/{certificate.pk}/change/", {"revoke_reason": "No."}
    )

    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_the_name_set_on_the_account_page_is_on_the_next_certificate(
    learner: AbstractUser, exam: Quiz, take_exam: TakeExam, client: Client
) -> None:
    client.force_login(learner)
    client.post(
        "/accounts/me/", {"first_name": "Grace", "last_name": "Hopper", "email": learner.email}
    )

    take_exam(learner, exam)

    certificate = Certificate.objects.get()
    assert certificate.holder_name == "Grace Hopper"
    assert "Grace Hopper" in client.get(f"/certificates/{certificate.code}/").content.decode()
