"""The absolute public addresses of the issuer's documents, from settings.SITE_URL.

Credentials are signed when a certificate is issued, often with no request at hand, so the
site's address comes from settings, not from a request's Host header.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from integrations.openbadges import IssuerLinks


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def issuer_links() -> IssuerLinks:
    return IssuerLinks(
        site=absolute("/"),
        issuer=absolute(reverse("integrations:issuer")),
        achievement=absolute(reverse("integrations:achievement")),
        image=absolute(reverse("integrations:achievement_image")),
        status_list=absolute(reverse("integrations:status_list")),
    )


def key_url(thumbprint: str) -> str:
    return absolute(reverse("integrations:issuer_key", args=[thumbprint]))


def credential_url(code: str) -> str:
    return absolute(reverse("integrations:credential_json", args=[code]))


def verify_url(code: str) -> str:
    return absolute(reverse("certificate_verify", args=[code]))
