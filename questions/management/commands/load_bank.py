from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankfile import DEFAULT_PATH, BankInvalid, bank_read
from questions.generation import GENERATED_PATH
from questions.services.bank import BankFileInvalid, banks_load


class Command(BaseCommand):
    help = (
        "Validate bank files and upsert their categories and questions by id, all or nothing. "
        "Questions missing from the files are left alone. Without a path: the hand-written bank "
        "and the generated one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            metavar="path",
            help="Bank files, YAML or JSON (default: questions/bank/streaming.yaml and "
            "questions/bank/generated.yaml).",
        )

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        if not paths:
            paths = [DEFAULT_PATH, *([GENERATED_PATH] if GENERATED_PATH.exists() else [])]
        try:
            files = [(bank_read(path=path), path.name) for path in paths]
            results = banks_load(files=files)
        except BankInvalid as invalid:
            count = len(invalid.errors)
            listing = "\n".join(f"  {error}" for error in invalid.errors)
            failed = _path(paths, invalid)
            raise CommandError(
                f"{failed} was not loaded ({count} error{'s' if count != 1 else ''}; "
                f"nothing changed):\n{listing}"
            ) from None
        for path, result in zip(paths, results, strict=True):
            self.stdout.write(self.style.SUCCESS(f"Loaded {path}."))
            self.stdout.write(f"Questions: {result.questions}.")
            self.stdout.write(f"Categories: {result.categories}.")
            if result.quizzes_created:
                self.stdout.write(f"Default quizzes created: {', '.join(result.quizzes_created)}.")


def _path(paths: list[Path], invalid: BankInvalid) -> Path | str:
    """The file that was not loaded: the one named by the error (an unreadable file's error
    names its path; an invalid one is named by its source)."""
    if isinstance(invalid, BankFileInvalid):
        return next((path for path in paths if path.name == invalid.source), invalid.source)
    return invalid.errors[0].where
