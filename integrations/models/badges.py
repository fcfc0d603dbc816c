from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from integrations.statuslist import LIST_SIZE


class IssuerKeyQuerySet(models.QuerySet["IssuerKey"]):
    def signing(self) -> IssuerKeyQuerySet:
        """Keys that sign new credentials: the newest of them is used."""
        return self.filter(retired_at__isnull=True)


class IssuerKey(models.Model):
    """An RSA key pair that signs Open Badges credentials.

    Every key stays published (JWKS and its own address) after it is retired, so credentials
    signed with it keep verifying; a retired key only stops signing new ones.
    """

    thumbprint = models.CharField(max_length=64, unique=True, editable=False)
    private_pem = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = IssuerKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self) -> str:
        state = "retired" if self.retired_at else "signing"
        return f"{self.thumbprint[:16]}… ({state}, {self.created_at:%Y-%m-%d})"


class BadgeCredential(models.Model):
    """A certificate issued as a signed Open Badges 3.0 credential (a compact JWS, VC-JWT).

    The token is signed once, when the certificate is issued, and never changes: revocation is
    published through the status list (`status_index` is this credential's bit in it).
    """

    certificate = models.OneToOneField(
        "certify.Certificate", on_delete=models.CASCADE, related_name="badge_credential"
    )
    key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField(unique=True)
    subject_id = models.CharField(max_length=60, help_text="The holder's id in the credential.")
    jws = models.TextField("signed credential (compact JWS)")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status_index__lt=LIST_SIZE), name="badge_status_index_in_list"
            ),
        ]

    def __str__(self) -> str:
        return f"Open Badge for certificate {self.certificate_id} (status bit {self.status_index})"
