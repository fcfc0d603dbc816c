from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from questions.bankfile import FORMATS, Format
from questions.services.bank import bank_export


class Command(BaseCommand):
    help = "Write the whole bank, keys included, to stdout in the format load_bank reads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="yaml")

    def handle(self, *args: Any, fmt: Format, **options: Any) -> None:
        # The export ends with a newline, so OutputWrapper adds none: the bytes are the file.
        self.stdout.write(bank_export(fmt=fmt), ending="")
