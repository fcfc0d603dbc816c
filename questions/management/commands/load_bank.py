from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankfile import DEFAULT_PATH, FORMATS, BankInvalid, bank_read
from questions.interchange import INTERCHANGES, interchange_for, interchange_named
from questions.services.bank import BankLoadResult, bank_load
from questions.services.interchange import InterchangeLoadResult, bank_interchange_load

BANK_SUFFIXES = (".yaml", ".yml", ".json")


def format_of(path: Path, given: str | None) -> str:
    """The format to read `path` in: --format if given, else from its name."""
    if given:
        return given
    if path.suffix.lower() in BANK_SUFFIXES:
        return "yaml"
    found = interchange_for(path.name)
    if found is None:
        raise CommandError(
            f"Cannot tell the format of {path.name} from its name: .yaml/.yml/.json (a bank file), "
            ".gift/.txt (GIFT), .xml (Moodle XML) or .zip (a QTI package); or say it with --format."
        )
    return found


class Command(BaseCommand):
    help = (
        "Validate a bank file and upsert its questions by id, all or nothing: a bank file (YAML "
        "or JSON), GIFT, Moodle XML or a QTI 1.2 package. Questions missing from the file are "
        "left alone; items new to the bank from GIFT, Moodle XML or QTI enter as drafts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            default=DEFAULT_PATH,
            help="The file (default: questions/bank/streaming.yaml).",
        )
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=[*FORMATS, *INTERCHANGES],
            help="The file's format, when its name does not say it.",
        )

    def handle(self, *args: Any, path: Path, fmt: str | None, **options: Any) -> None:
        fmt = format_of(path, fmt)
        try:
            data = bank_read(path=path)
            if fmt in FORMATS:
                result: BankLoadResult | InterchangeLoadResult = bank_load(
                    text=data, source=path.name
                )
            else:
                result = bank_interchange_load(
                    data=data, fmt=interchange_named(fmt), source=path.name
                )
        except BankInvalid as invalid:
            count = len(invalid.errors)
            listing = "\n".join(f"  {error}" for error in invalid.errors)
            raise CommandError(
                f"{path} was not loaded ({count} error{'s' if count != 1 else ''}; "
                f"nothing changed):\n{listing}"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {path}."))
        self._report(result)

    def _report(self, result: BankLoadResult | InterchangeLoadResult) -> None:
        self.stdout.write(f"Questions: {result.questions}.")
        if isinstance(result, InterchangeLoadResult):
            for line in result.report():
                self.stdout.write(f"  {line}")
            return
        self.stdout.write(f"Categories: {result.categories}.")
        if result.quizzes_created:
            self.stdout.write(f"Default quizzes created: {', '.join(result.quizzes_created)}.")
