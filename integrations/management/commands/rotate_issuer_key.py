from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from integrations.services import issuer_key_rotate


class Command(BaseCommand):
    help = (
        "Make a new Open Badges signing key. Earlier keys stop signing but stay published, so "
        "the credentials they signed keep verifying."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        key = issuer_key_rotate()
        self.stdout.write(self.style.SUCCESS(f"New issuer key {key.thumbprint} signs from now on."))
