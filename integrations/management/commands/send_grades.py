from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from integrations.models import GradePassback
from integrations.services.grades import grade_passbacks_send_due


class Command(BaseCommand):
    help = (
        "Send every grade due for another try to its platform's gradebook (run it from a "
        "scheduler, e.g. every minute)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = grade_passbacks_send_due()
        sent = sum(1 for passback in done if passback.status == GradePassback.Status.SENT)
        failed = sum(1 for passback in done if passback.status == GradePassback.Status.FAILED)
        self.stdout.write(
            f"Tried {len(done)}: {sent} sent, {len(done) - sent - failed} to try again later, "
            f"{failed} given up."
        )
