"""The Open Badges section of the certificate page, which certify renders through its
CERTIFY_CERTIFICATE_PAGE_SECTIONS setting (certify never imports this app)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from certify.models import Certificate
from integrations import badges
from integrations.models import BadgeCredential
from integrations.verification import credential_verify


def certificate_credential(request: HttpRequest, certificate: Certificate) -> str:
    credential = BadgeCredential.objects.filter(certificate=certificate).first()
    context = {
        "certificate": certificate,
        "credential": credential,
        "verification": (
            credential_verify(credential.jws, record=certificate) if credential else None
        ),
        "linkedin_url": badges.linkedin_url(certificate),
    }
    return render_to_string(
        "integrations/partials/certificate_credential.html", context, request=request
    )


def badge_earned(request: HttpRequest, certificate: Certificate) -> str:
    """The Open Badge on the moment a learner passes (certify's
    CERTIFY_CERTIFICATE_EARNED_SECTIONS): the badge itself and where to take it."""
    credential = BadgeCredential.objects.filter(certificate=certificate).first()
    context = {
        "certificate": certificate,
        "credential": credential,
        "linkedin_url": badges.linkedin_url(certificate),
    }
    return render_to_string("integrations/partials/badge_earned.html", context, request=request)
