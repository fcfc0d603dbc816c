from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from questions.services import attempts_expire_overdue


class Command(BaseCommand):
    help = (
        "Finalize every open attempt past its deadline, scoring the answers saved in time. "
        "Safe to run as often as a scheduler likes (e.g. every minute)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        expired = attempts_expire_overdue()
        noun = "attempt" if expired == 1 else "attempts"
        self.stdout.write(f"Expired {expired} overdue {noun}.")
