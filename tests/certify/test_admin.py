"""Certificates in admin: read-only records that instructors revoke with a reason."""

from __future__ import annotations

import pytest
from django.test import Client

from certify.models import Certificate
from tests.certify.conftest import pdf_text
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


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
    assert certificate.revoked_at is not None
    assert certificate.revoked_at.strftime("%B %Y") in html
    assert "✓ Valid" not in html
    assert "Exam answers were shared" not in html  # the reason stays in admin
    assert "REVOKED" in client.get(f"/certificates/{certificate.code}/print/").content.decode()
    assert "REVOKED" in pdf_text(client.get(f"/certificates/{certificate.code}/pdf/").content)


def test_saving_the_admin_form_without_a_reason_changes_nothing(
    client: Client, certificate: Certificate
) -> None:
    client.force_login(StaffFactory.create(is_superuser=True))

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
    client.force_login(StaffFactory.create())

    response = client.post(
        f"/admin/certify/certificate/{certificate.pk}/change/", {"revoke_reason": "No."}
    )

    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.is_valid
