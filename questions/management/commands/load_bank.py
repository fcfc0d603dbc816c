from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankfile import DEFAULT_PATH, BankInvalid, bank_read
from questions.services.bank import bank_load


class Command(BaseCommand):
    help = (
        "Validate a bank file and upsert its categories and questions by id, all or nothing. "
        "Questions missing from the file are left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            default=DEFAULT_PATH,
            help="The bank file, YAML or JSON (default: questions/bank/streaming.yaml).",
        )

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            result = bank_load(text=bank_read(path=path), source=path.name)
        except BankInvalid as invalid:
            count = len(invalid.errors)
            listing = "\n".join(f"  {error}" for error in invalid.errors)
            raise CommandError(
                f"{path} was not loaded ({count} error{'s' if count != 1 else ''}; "
                f"nothing changed):\n{listing}"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {path}."))
        self.stdout.write(f"Questions: {result.questions}.")
        self.stdout.write(f"Categories: {result.categories}.")
        if result.quizzes_created:
            self.stdout.write(f"Default quizzes created: {', '.join(result.quizzes_created)}.")
