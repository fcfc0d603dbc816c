from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from certify.models import Certificate
from integrations.services import credential_issue


class Command(BaseCommand):
    help = "Sign an Open Badges credential for every certificate that has none yet."

    def handle(self, *args: Any, **options: Any) -> None:
        missing = Certificate.objects.filter(badge_credential__isnull=True).order_by("issued_at")
        count = 0
        for certificate in missing.iterator():
            credential_issue(certificate=certificate)
            count += 1
        self.stdout.write(
            self.style.SUCCESS(f"Signed {count} credential{'s' if count != 1 else ''}.")
        )
