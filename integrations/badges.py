"""Reads for the Open Badges pages: a certificate's credential, its documents and images."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from certify.models import Certificate
from integrations import artwork, baking, links, signing
from integrations.models import BadgeCredential
from integrations.verification import JWT_ONLY

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def credential_document(credential: BadgeCredential) -> dict[str, Any]:
    """The OpenBadgeCredential inside the signed token (without the JWT-only claims)."""
    claims = signing.unverified_claims(credential.jws)
    return {key: value for key, value in claims.items() if key not in JWT_ONLY}


def badge_text(certificate: Certificate) -> artwork.BadgeText:
    return artwork.BadgeText(
        holder=certificate.holder_name,
        score=f"{certificate.overall.percent:g}% · {certificate.correct_count}/"
        f"{certificate.question_count}",
        date=f"{certificate.issued_at:%d %B %Y}",
    )


def baked_png(credential: BadgeCredential) -> bytes:
    return baking.bake_png(artwork.png(badge_text(credential.certificate)), credential.jws)


def baked_svg(credential: BadgeCredential) -> str:
    return baking.bake_svg(artwork.svg(badge_text(credential.certificate)), credential.jws)


def token_from_badge(data: bytes) -> str:
    """The credential baked into a PNG or SVG image (BakingError when there is none)."""
    if data.startswith(baking.PNG_SIGNATURE):
        return baking.unbake_png(data)
    return baking.unbake_svg(data)


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's "Add licence or certification" form, filled in with this certificate."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": "Streaming with the OpenAI Agents SDK",
        "organizationName": "certify",
        "issueYear": f"{certificate.issued_at:%Y}",
        "issueMonth": str(certificate.issued_at.month),
        "certUrl": links.verify_url(certificate.code),
        "certId": certificate.code,
    }
    return f"{LINKEDIN_ADD}?{urlencode(query)}"
