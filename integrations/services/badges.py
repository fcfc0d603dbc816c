"""Writes for Open Badges: the issuer's keys and each certificate's signed credential.

certify calls `credential_issue_for_certificate` through its CERTIFY_CERTIFICATE_ISSUED setting
as it issues a certificate, inside the same transaction; certify never imports this app.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from certify.models import Certificate
from integrations import links, openbadges, signing, statuslist
from integrations.models.badges import BadgeCredential, IssuerKey

logger = logging.getLogger(__name__)

INDEX_TRIES = 20


def _key_create(now: datetime) -> IssuerKey:
    key = signing.generate_key()
    return IssuerKey.objects.create(
        thumbprint=signing.thumbprint(key), private_pem=signing.private_pem(key), created_at=now
    )


@transaction.atomic
def issuer_key_current(*, now: datetime | None = None) -> IssuerKey:
    """The key that signs new credentials, created on first use."""
    key = IssuerKey.objects.signing().select_for_update().order_by("-created_at", "-pk").first()
    return key or _key_create(now or timezone.now())


@transaction.atomic
def issuer_key_rotate(*, now: datetime | None = None) -> IssuerKey:
    """A new signing key; the old ones are retired (still published, signing nothing new)."""
    now = now or timezone.now()
    IssuerKey.objects.signing().update(retired_at=now)
    key = _key_create(now)
    logger.info("New Open Badges issuer key %s", key.thumbprint)
    return key


def credential_facts(
    certificate: Certificate, *, subject_id: str, status_index: int
) -> openbadges.CredentialFacts:
    return openbadges.CredentialFacts(
        credential_id=links.credential_url(certificate.code),
        verify_url=links.verify_url(certificate.code),
        subject_id=subject_id,
        holder_name=certificate.holder_name,
        issued_at=certificate.issued_at,
        correct=certificate.correct_count,
        total=certificate.question_count,
        percent=certificate.overall.percent,
        categories=[
            openbadges.CategoryResult(
                slug=str(row["slug"]),
                name=str(row["name"]),
                correct=int(row["correct"]),
                total=int(row["total"]),
                percent=score.percent,
            )
            for row, score in zip(
                certificate.category_scores,
                (line.score for line in certificate.categories),
                strict=True,
            )
        ],
        overall_threshold=certificate.overall_threshold,
        category_threshold=certificate.category_threshold,
        sdk_version=certificate.sdk_version,
        status_index=status_index,
    )


def _sign(certificate: Certificate, key: IssuerKey, subject_id: str, status_index: int) -> str:
    facts = credential_facts(certificate, subject_id=subject_id, status_index=status_index)
    document = openbadges.credential(links.issuer_links(), facts)
    return signing.sign(
        openbadges.jwt_claims(document),
        signing.key_from_pem(key.private_pem),
        links.key_url(key.thumbprint),
    )


def _create_with_free_index(certificate: Certificate, key: IssuerKey) -> BadgeCredential:
    # A random bit, not the next one: the list then says nothing about issue order.
    subject_id = f"urn:uuid:{uuid.uuid4()}"
    for _ in range(INDEX_TRIES):
        index = secrets.randbelow(statuslist.LIST_SIZE)
        if BadgeCredential.objects.filter(status_index=index).exists():
            continue
        try:
            with transaction.atomic():
                return BadgeCredential.objects.create(
                    certificate=certificate,
                    key=key,
                    status_index=index,
                    subject_id=subject_id,
                    jws=_sign(certificate, key, subject_id, index),
                    issued_at=certificate.issued_at,
                )
        except IntegrityError:
            if BadgeCredential.objects.filter(certificate=certificate).exists():
                raise
    raise RuntimeError("no free status list index found; the status list is nearly full")


@transaction.atomic
def credential_issue(*, certificate: Certificate) -> BadgeCredential:
    """The certificate's Open Badges credential, signed now if it has none yet (idempotent)."""
    existing = BadgeCredential.objects.filter(certificate=certificate).first()
    if existing is not None:
        return existing
    credential = _create_with_free_index(certificate, issuer_key_current())
    logger.info("Issued Open Badges credential for certificate %s", certificate.code)
    return credential


def credential_issue_for_certificate(certificate: Certificate) -> None:
    """The CERTIFY_CERTIFICATE_ISSUED hook: called with every certificate as it is issued."""
    credential_issue(certificate=certificate)
