"""Checking an Open Badges credential the way a third party would, in plain words.

Each check says what was looked at and what was found: the signature under the published key,
the JWT claims against the credential inside, the validity date, the revocation bit in the
signed status list, and (on the certificate's own page) the credential against certify's
record. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from jwcrypto import jwk

from certify.models import Certificate
from integrations import links, openbadges, signing, statuslist
from integrations.models import BadgeCredential, IssuerKey
from integrations.services import credential_facts


class NoIssuerKey(LookupError):
    """No key has been made yet: nothing has been signed."""


@dataclass(frozen=True)
class Check:
    label: str
    passed: bool
    detail: str


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    claims: dict[str, Any] | None = None
    revoked: bool | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def add(self, label: str, passed: bool, detail: str) -> bool:
        self.checks.append(Check(label, passed, detail))
        return passed


def published_key(kid: str) -> jwk.JWK | None:
    """The public key a `kid` names, if it is one of the keys certify publishes."""
    thumbprint = kid.rsplit("/", 1)[-1]
    if not thumbprint or kid != links.key_url(thumbprint):
        return None
    key = IssuerKey.objects.filter(thumbprint=thumbprint).first()
    if key is None:
        return None
    return jwk.JWK(**signing.public_jwk(signing.key_from_pem(key.private_pem), kid))


def status_list_jws(*, now: datetime | None = None) -> str:
    """The revocation list as a signed BitstringStatusListCredential, current to the moment."""
    key = IssuerKey.objects.signing().order_by("-created_at", "-pk").first()
    if key is None:
        raise NoIssuerKey("certify has issued no credential yet, so it publishes no status list")
    revoked = BadgeCredential.objects.filter(
        certificate__status=Certificate.Status.REVOKED
    ).values_list("status_index", flat=True)
    document = openbadges.status_list_credential(
        links.issuer_links(),
        encoded=statuslist.encode(revoked),
        valid_from=now or timezone.now(),
    )
    return signing.sign(
        openbadges.jwt_claims(document),
        signing.key_from_pem(key.private_pem),
        links.key_url(key.thumbprint),
    )


def _check_signature(result: Verification, token: str) -> dict[str, Any] | None:
    try:
        verified = signing.verify(token, published_key)
    except signing.SignatureError as error:
        result.add("Signature", False, f"Not signed by certify's published key: {error}.")
        return None
    result.add(
        "Signature",
        True,
        f"Signed with RS256 by the key published at {verified.header['kid']}; any change to "
        "the credential after signing would break this signature.",
    )
    return verified.claims


def _subject_id(claims: Mapping[str, Any]) -> object:
    subject = claims.get("credentialSubject")
    return subject.get("id") if isinstance(subject, Mapping) else None


def _issuer_id(claims: Mapping[str, Any]) -> object:
    issuer = claims.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def _check_claims(result: Verification, claims: Mapping[str, Any], now: datetime) -> None:
    pairs = [
        ("iss", claims.get("iss"), _issuer_id(claims)),
        ("jti", claims.get("jti"), claims.get("id")),
        ("sub", claims.get("sub"), _subject_id(claims)),
    ]
    mismatched = [name for name, claim, value in pairs if claim is None or claim != value]
    issuer_ok = claims.get("iss") == links.issuer_links().issuer
    passed = not mismatched and issuer_ok
    result.add(
        "Issuer and identity",
        passed,
        "The token's issuer, id and subject claims match the credential inside it, and the "
        "issuer is certify."
        if passed
        else "Claims that do not match the credential or certify: "
        f"{', '.join(mismatched) or 'iss'}.",
    )
    _check_dates(result, claims, now)


def _check_dates(result: Verification, claims: Mapping[str, Any], now: datetime) -> None:
    try:
        valid_from = datetime.fromisoformat(str(claims.get("validFrom")))
        nbf_ok = int(claims.get("nbf", -1)) == int(valid_from.timestamp())
    except (TypeError, ValueError):
        result.add("Validity dates", False, "The credential has no readable validFrom date.")
        return
    started = valid_from <= now
    result.add(
        "Validity dates",
        nbf_ok and started,
        f"Valid from {valid_from:%d %B %Y}, with no expiry date."
        if nbf_ok and started
        else "The validFrom date is in the future or differs from the token's nbf claim.",
    )


def _check_status(result: Verification, claims: Mapping[str, Any], now: datetime) -> None:
    entry = claims.get("credentialStatus")
    status_url = links.issuer_links().status_list
    if not isinstance(entry, Mapping) or entry.get("statusListCredential") != status_url:
        result.add("Revocation", False, "The credential names no certify status list.")
        return
    try:
        index = int(entry.get("statusListIndex", ""))
        listed = signing.verify(status_list_jws(now=now), published_key).claims
        revoked = statuslist.is_set(listed["credentialSubject"]["encodedList"], index)
    except (
        ValueError,
        KeyError,
        NoIssuerKey,
        signing.SignatureError,
        statuslist.StatusListError,
    ) as error:
        result.add("Revocation", False, f"The status list could not be read: {error}.")
        return
    result.revoked = revoked
    result.add(
        "Revocation",
        not revoked,
        f"Bit {index} of the signed revocation list at {status_url} is "
        + ("set: certify has revoked this credential." if revoked else "clear: not revoked."),
    )


def _check_record(result: Verification, claims: Mapping[str, Any], record: Certificate) -> None:
    credential = BadgeCredential.objects.filter(certificate=record).first()
    expected = (
        openbadges.credential(
            links.issuer_links(),
            _record_facts(record, credential),
        )
        if credential is not None
        else None
    )
    document = {key: value for key, value in claims.items() if key not in JWT_ONLY}
    same = expected is not None and document == expected
    result.add(
        "Matches this page",
        same,
        "Holder, date, scores and thresholds in the credential are exactly those on this page."
        if same
        else "The credential does not say what certify's record of this certificate says.",
    )


JWT_ONLY = frozenset({"iss", "jti", "sub", "nbf", "exp"})


def _record_facts(record: Certificate, credential: BadgeCredential) -> openbadges.CredentialFacts:
    return credential_facts(
        record, subject_id=credential.subject_id, status_index=credential.status_index
    )


def credential_verify(
    token: str, *, record: Certificate | None = None, now: datetime | None = None
) -> Verification:
    """Every check on a compact JWS; `record` adds the comparison with certify's record."""
    now = now or timezone.now()
    result = Verification()
    claims = _check_signature(result, token)
    if claims is None:
        return result
    result.claims = claims
    _check_claims(result, claims, now)
    _check_status(result, claims, now)
    if record is not None:
        _check_record(result, claims, record)
    return result
