"""VC-JWT signatures (Open Badges 3.0, "JSON Web Token Proof Format") through jwcrypto.

RS256, the algorithm every Open Badges verifier must support. The JOSE header holds exactly
`alg`, `kid` (an address that serves the public JWK) and `typ: JWT`, as the specification asks.
Pure: keys and strings in, dicts out; which keys exist is the caller's business.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

ALGORITHM = "RS256"
KEY_SIZE = 2048


class SignatureError(ValueError):
    """A token whose signature cannot be checked or does not hold; the message says why."""


@dataclass(frozen=True)
class Verified:
    header: dict[str, Any]
    claims: dict[str, Any]


def generate_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=KEY_SIZE)


def private_pem(key: jwk.JWK) -> str:
    return key.export_to_pem(private_key=True, password=None).decode("ascii")


def key_from_pem(pem: str) -> jwk.JWK:
    return jwk.JWK.from_pem(pem.encode("ascii"))


def thumbprint(key: jwk.JWK) -> str:
    """The RFC 7638 SHA-256 thumbprint: a stable name for the key."""
    return key.thumbprint()


def public_jwk(key: jwk.JWK, kid: str) -> dict[str, Any]:
    """The public half only (never `d` or the other private parameters)."""
    public = key.export_public(as_dict=True)
    return {**public, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def sign(claims: Mapping[str, Any], key: jwk.JWK, kid: str) -> str:
    """A compact JWS of the claims, signed with `key`."""
    token = jws.JWS(json.dumps(claims, ensure_ascii=False, separators=(",", ":")))
    token.add_signature(key, alg=ALGORITHM, protected={"alg": ALGORITHM, "kid": kid, "typ": "JWT"})
    return token.serialize(compact=True)


def verify(token: str, find_key: Callable[[str], jwk.JWK | None]) -> Verified:
    """The header and claims of a compact JWS whose signature holds under the key its `kid`
    names (looked up with `find_key`); SignatureError otherwise."""
    try:
        parsed = jws.JWS()
        parsed.deserialize(token.strip())
    except (JWException, ValueError) as error:
        raise SignatureError(f"this is not a compact JWS ({error})") from None
    header = parsed.jose_header
    if not isinstance(header, dict):
        raise SignatureError("the token has more than one signature")
    if header.get("alg") != ALGORITHM:
        raise SignatureError(f"the token is signed with {header.get('alg')!r}, not {ALGORITHM}")
    kid = header.get("kid")
    key = find_key(kid) if isinstance(kid, str) else None
    if key is None:
        raise SignatureError(f"the signing key {kid!r} is not one of the published keys")
    try:
        parsed.verify(key, alg=ALGORITHM)
    except JWException:
        raise SignatureError("the signature does not match the content") from None
    try:
        claims = json.loads(parsed.payload)
    except ValueError:
        raise SignatureError("the signed content is not JSON") from None
    if not isinstance(claims, dict):
        raise SignatureError("the signed content is not a JSON object")
    return Verified(header=dict(header), claims=claims)


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a compact JWS we signed ourselves, read without checking the signature."""
    parsed = jws.JWS()
    parsed.deserialize(token)
    claims: dict[str, Any] = json.loads(parsed.objects["payload"])
    return claims
