"""The certificate page's Open Badge section, the downloads, the status list, the check page."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from certify.models import Certificate
from certify.services import certificate_revoke
from integrations import baking, statuslist
from integrations.models import BadgeCredential

pytestmark = pytest.mark.django_db


def status_bit(client: Client, certificate: Certificate) -> bool:
    response = client.get("/badges/status/revocation")
    assert response["Content-Type"] == "application/vc+jwt"
    listed = jwt.decode(response.content.decode(), options={"verify_signature": False})
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    index = certificate.badge_credential.status_index
    return statuslist.is_set(listed["credentialSubject"]["encodedList"], index)


def test_the_certificate_page_says_what_was_checked_in_plain_words(
    client: Client, certificate: Certificate
) -> None:
    html = client.get(f"/certificates/{certificate.code}/").content.decode()

    assert "Open Badges 3.0" in html
    assert "✓ The credential is authentic, unchanged and not revoked." in html
    for label in ("Signature", "Issuer and identity", "Validity dates", "Revocation"):
        assert f"<strong>{label}:</strong> passed." in html
    assert "<strong>Matches this page:</strong> passed." in html
    assert "clear: not revoked" in html
    for suffix in ("badge.png", "badge.svg", "credential.json", "credential.jwt"):
        assert f"/certificates/{certificate.code}/{suffix}" in html


def test_the_linkedin_link_fills_in_the_certification(
    client: Client, certificate: Certificate
) -> None:
    html = client.get(f"/certificates/{certificate.code}/").content.decode()

    start = html.index("https://www.linkedin.com/profile/add?")
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    assert "Add to LinkedIn profile" in html
    assert query["name"] == ["Streaming with the OpenAI Agents SDK"]
    assert query["organizationName"] == ["certify"]
    assert query["certId"] == [certificate.code]
    assert query["certUrl"] == [f"https://certify.example/certificates/{certificate.code}/"]
    assert query["issueYear"] == [str(certificate.issued_at.year)]


def test_revoking_shows_in_the_status_list_and_on_the_page(
    client: Client, certificate: Certificate
) -> None:
    assert status_bit(client, certificate) is False

    certificate_revoke(certificate_id=certificate.pk, reason="Exam taken by someone else.")

    assert status_bit(client, certificate) is True
    html = client.get(f"/certificates/{certificate.code}/").content.decode()
    assert "✗ The credential is authentic but has been revoked." in html
    assert "<strong>Revocation:</strong> failed." in html
    assert "certify has revoked this credential" in html
    assert "<strong>Signature:</strong> passed." in html
    assert "Add to LinkedIn profile" not in html


def test_a_credential_that_differs_from_the_record_is_reported(
    client: Client, certificate: Certificate
) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(holder_name="Someone Else")

    html = client.get(f"/certificates/{certificate.code}/").content.decode()

    assert "<strong>Matches this page:</strong> failed." in html
    assert "✗ The credential did not pass every check." in html


def test_the_downloads_carry_the_same_signed_credential(
    client: Client, certificate: Certificate
) -> None:
    token = certificate.badge_credential.jws
    base = f"/certificates/{certificate.code}"

    jwt_file = client.get(f"{base}/credential.jwt")
    png = client.get(f"{base}/badge.png")
    svg = client.get(f"{base}/badge.svg")

    assert jwt_file.content.decode() == token
    assert 'filename="certify-' in jwt_file["Content-Disposition"]
    assert png["Content-Type"] == "image/png"
    assert baking.unbake_png(png.content) == token
    assert svg["Content-Type"] == "image/svg+xml"
    assert baking.unbake_svg(svg.content) == token
    assert "Ada Lovelace" in svg.content.decode()


@pytest.mark.parametrize("suffix", ["credential.json", "credential.jwt", "badge.png", "badge.svg"])
def test_an_unknown_code_is_a_plain_404(
    client: Client, certificate: Certificate, suffix: str
) -> None:
    assert client.get(f"/certificates/{'a' * 24}/{suffix}").status_code == 404


def test_the_status_list_before_any_credential_is_a_clear_404(client: Client, db) -> None:
    response = client.get("/badges/status/revocation")

    assert response.status_code == 404
    assert "no credential yet" in response.content.decode()


def test_the_check_page_verifies_a_pasted_credential(
    client: Client, certificate: Certificate
) -> None:
    response = client.post("/badges/check/", {"token": certificate.badge_credential.jws})

    html = response.content.decode()
    assert "✓ Authentic and not revoked" in html
    assert "<strong>Signature:</strong> passed." in html


def test_the_check_page_reads_a_baked_badge(client: Client, certificate: Certificate) -> None:
    png = client.get(f"/certificates/{certificate.code}/badge.png").content
    upload = SimpleUploadedFile("badge.png", png, content_type="image/png")

    html = client.post("/badges/check/", {"badge": upload}).content.decode()

    assert "✓ Authentic and not revoked" in html


def test_the_check_page_reports_a_tampered_credential(
    client: Client, certificate: Certificate
) -> None:
    header, payload, signature = certificate.badge_credential.jws.split(".")
    tampered = f"{header}.{payload[:-4]}AAAA.{signature}"

    html = client.post("/badges/check/", {"token": tampered}).content.decode()

    assert "✗ Not a valid certify credential" in html
    assert "<strong>Signature:</strong> failed." in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste a signed credential or choose a badge image."),
        (
            {"badge": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\nxx")},
            "No credential could be read from this image",
        ),
    ],
)
def test_the_check_page_refuses_bad_input_clearly(
    client: Client, certificate: Certificate, data: dict[str, object], message: str
) -> None:
    response = client.post("/badges/check/", data)

    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_check_page_answers_a_get_with_the_form(client: Client, db) -> None:
    response = client.get("/badges/check/")

    assert response.status_code == 200
    assert "Check a certify credential" in response.content.decode()


def test_the_badge_images_are_pictures(client: Client, certificate: Certificate) -> None:
    from PIL import Image

    png = client.get(f"/certificates/{certificate.code}/badge.png").content
    assert Image.open(io.BytesIO(png)).size == (512, 512)
    assert BadgeCredential.objects.count() == 1
