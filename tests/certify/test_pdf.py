"""The certificate as PDF: the download and the drawing itself."""

from __future__ import annotations

import pytest
from django.test import Client

from certify.models import Certificate
from certify.pdf import CertificateFacts, certificate_pdf
from tests.certify.conftest import pdf_text

pytestmark = pytest.mark.django_db


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
