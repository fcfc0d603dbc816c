"""The signature: checked with the published key by an independent JOSE library (PyJWT), and
broken by any change to any field."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from django.test import Client

from certify.models import Certificate
from integrations import signing
from integrations.verification import credential_verify

pytestmark = pytest.mark.django_db


def published_key(client: Client, token: str) -> jwt.PyJWK:
    """The key the token's kid names, fetched from the issuer's published JWKS."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwks = client.get("/badges/issuer/jwks.json").json()
    (match,) = [key for key in jwks["keys"] if key["kid"] == kid]
    assert not {"d", "p", "q"} & set(match)  # the public half only
    # The kid is also an address that serves the same key.
    path = kid.removeprefix("https://certify.example")
    assert client.get(path).json() == match
    return jwt.PyJWK(match)


def pyjwt_decode(token: str, key: jwt.PyJWK) -> dict[str, Any]:
    return jwt.decode(token, key=key, algorithms=["RS256"], options={"verify_sub": False})


def test_pyjwt_verifies_the_credential_with_the_published_key(
    client: Client, certificate: Certificate
) -> None:
    token = client.get(f"/certificates/{certificate.code}/credential.jwt").content.decode()

    claims = pyjwt_decode(token, published_key(client, token))

    assert jwt.get_unverified_header(token) == {
        "alg": "RS256",
        "kid": jwt.get_unverified_header(token)["kid"],
        "typ": "JWT",
    }
    assert claims["iss"] == claims["issuer"]["id"] == "https://certify.example/badges/issuer"
    assert claims["jti"] == claims["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["nbf"] == int(certificate.issued_at.timestamp())


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path


def altered(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return f"{value}x"


def with_payload(token: str, claims: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    body = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    return f"{header}.{base64.urlsafe_b64encode(body).decode().rstrip('=')}.{signature}"


def test_changing_any_field_breaks_the_signature(client: Client, certificate: Certificate) -> None:
    token = certificate.badge_credential.jws
    key = published_key(client, token)
    claims = signing.unverified_claims(token)
    # The control: the same claims written the same way still verify, so what fails below
    # fails because of the change, not because of re-encoding.
    assert pyjwt_decode(with_payload(token, claims), key) == claims
    paths = list(leaves(claims))
    assert len(paths) > 60

    for path in paths:
        tampered = json.loads(json.dumps(claims))
        parent = tampered
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = altered(parent[path[-1]])
        forged = with_payload(token, tampered)

        with pytest.raises(jwt.InvalidSignatureError):
            pyjwt_decode(forged, key)
        assert not credential_verify(forged).ok, path


def test_a_credential_signed_by_another_key_is_refused(certificate: Certificate) -> None:
    claims = signing.unverified_claims(certificate.badge_credential.jws)
    kid = jwt.get_unverified_header(certificate.badge_credential.jws)["kid"]
    forged = signing.sign(claims, signing.generate_key(), kid)

    result = credential_verify(forged)

    assert not result.ok
    assert result.checks[0].label == "Signature"
    assert "does not match" in result.checks[0].detail


def test_a_token_naming_an_unknown_key_is_refused(certificate: Certificate) -> None:
    claims = signing.unverified_claims(certificate.badge_credential.jws)
    forged = signing.sign(claims, signing.generate_key(), "https://evil.example/key")

    result = credential_verify(forged)

    assert not result.ok
    assert "not one of the published keys" in result.checks[0].detail


@pytest.mark.parametrize("token", ["", "not a token", "a.b", "a.b.c"])
def test_garbage_is_refused_with_a_reason(db, site: str, token: str) -> None:
    result = credential_verify(token)

    assert not result.ok
    assert result.checks[0].label == "Signature"
