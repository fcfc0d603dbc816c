"""The credential against 1EdTech's official Open Badges 3.0 JSON schemas (vendored in
tests/integrations/openbadges/ with their licence and source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.test import Client

from certify.models import Certificate
from integrations import openbadges, signing

SCHEMAS = Path(__file__).parent / "openbadges"

pytestmark = pytest.mark.django_db


def validator(name: str) -> jsonschema.Draft201909Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(
        schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )


CREDENTIAL_SCHEMA = "ob_v3p0_achievementcredential_schema.json"


def schema_errors(document: dict[str, Any], name: str = CREDENTIAL_SCHEMA) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator(name).iter_errors(document)
    ]


def test_the_signed_credential_validates_against_the_official_schema(
    certificate: Certificate,
) -> None:
    claims = signing.unverified_claims(certificate.badge_credential.jws)

    assert schema_errors(claims) == []
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"


def test_the_downloaded_json_validates_too(client: Client, certificate: Certificate) -> None:
    response = client.get(f"/certificates/{certificate.code}/credential.json")

    document = response.json()
    assert schema_errors(document) == []
    assert "iss" not in document  # the JWT-only claims stay in the token


def test_the_schema_check_is_real_a_broken_credential_fails_it(certificate: Certificate) -> None:
    claims = signing.unverified_claims(certificate.badge_credential.jws)
    claims["type"] = ["VerifiableCredential"]
    del claims["credentialSubject"]["achievement"]["criteria"]

    errors = schema_errors(claims)

    assert any(error.startswith("type") for error in errors)
    assert any("criteria" in error for error in errors)


def test_the_achievement_holds_the_per_category_results(certificate: Certificate) -> None:
    claims = signing.unverified_claims(certificate.badge_credential.jws)
    subject = claims["credentialSubject"]
    descriptions = {d["id"]: d for d in subject["achievement"]["resultDescription"]}

    assert subject["achievement"]["name"] == "certify: Streaming with the OpenAI Agents SDK"
    assert len(subject["result"]) == 1 + len(certificate.category_scores)
    for result in subject["result"]:
        assert result["resultDescription"] in descriptions
    overall = descriptions["https://certify.example/badges/achievement#overall"]
    assert overall["requiredValue"] == "90"
    basics = next(r for r in subject["result"] if r["resultDescription"].endswith("basics"))
    assert basics["value"] == "100"
    assert subject["identifier"][0]["identityHash"] == "Ada Lovelace"
    assert "Basic Streaming Concepts: 100% (2 of 2)" in claims["evidence"][0]["narrative"]
    assert (
        claims["evidence"][0]["id"] == f"https://certify.example/certificates/{certificate.code}/"
    )


def test_the_issuer_profile_validates_against_the_profile_schema(client: Client, site: str) -> None:
    profile = client.get("/badges/issuer").json()

    assert schema_errors(profile, "ob_v3p0_profile_schema.json") == []
    assert profile["id"] == "https://certify.example/badges/issuer"


def test_the_achievement_document_is_served_at_its_id(client: Client, site: str) -> None:
    document = client.get("/badges/achievement").json()

    assert document["id"] == "https://certify.example/badges/achievement"
    assert [d["name"] for d in document["resultDescription"]][:2] == [
        "Overall score",
        "Basic Streaming Concepts",
    ]
    assert client.get("/badges/achievement.png")["Content-Type"] == "image/png"


def test_timestamps_are_utc_to_the_second() -> None:
    from datetime import datetime, timedelta, timezone

    moment = datetime(2025, 5, 1, 14, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))

    assert openbadges.timestamp(moment) == "2025-05-01T12:30:05Z"
