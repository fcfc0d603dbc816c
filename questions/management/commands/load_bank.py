from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankfile import DEFAULT_PATH, FORMATS, BankInvalid, bank_read
from questions.generation import GENERATED_PATH
from questions.interchange import INTERCHANGES, interchange_for
from questions.services.bank import BankFileInvalid
from questions.services.revisions import (
    RevisionDiff,
    RevisionFile,
    bank_revision_preview,
    bank_revision_publish,
    bank_revision_stage,
)

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


def default_paths() -> list[Path]:
    """The hand-written bank, and the generated one where it exists."""
    return [DEFAULT_PATH, *([GENERATED_PATH] if GENERATED_PATH.exists() else [])]


class Command(BaseCommand):
    help = (
        "Validate bank files, print what they change (added, changed and retired items, with the "
        "attempts that used each), then publish that as a bank revision, all or nothing: bank "
        "files (YAML or JSON), or one GIFT, Moodle XML or QTI 1.2 file. Questions missing from "
        "the files are left alone; items new to the bank from GIFT, Moodle XML or QTI enter as "
        "drafts. Without a path: the hand-written bank and the generated one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            metavar="path",
            help="Bank files (default: questions/bank/streaming.yaml and "
            "questions/bank/generated.yaml), or one GIFT, Moodle XML or QTI file.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what the files would change (the diff) and change nothing.",
        )
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=[*FORMATS, *INTERCHANGES],
            help="The files' format, when their names do not say it.",
        )

    def handle(
        self, *args: Any, paths: list[Path], fmt: str | None, dry_run: bool, **options: Any
    ) -> None:
        paths = paths or default_paths()
        formats = [format_of(path, fmt) for path in paths]
        if any(found not in FORMATS for found in formats) and len(paths) > 1:
            raise CommandError("Load a GIFT, Moodle XML or QTI file on its own, one per command.")
        try:
            self._load(_files(paths, formats), dry_run=dry_run)
        except BankInvalid as invalid:
            raise CommandError(_not_loaded(paths, invalid)) from None

    def _load(self, files: list[RevisionFile], *, dry_run: bool) -> None:
        """Print the diff, then publish it as a revision (unless it is a dry run or empty)."""
        diff, report = bank_revision_preview(files=files)
        for line in [*report, *diff.lines()]:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
            return
        if diff.is_empty:
            self.stdout.write("No changes: nothing to publish.")
            return
        revision = bank_revision_publish(revision=bank_revision_stage(files=files))
        published = RevisionDiff.from_data(revision.diff)
        self.stdout.write(
            self.style.SUCCESS(f"Published revision {revision.pk}: {published.summary()}.")
        )


def _files(paths: list[Path], formats: list[str]) -> list[RevisionFile]:
    return [
        RevisionFile(bank_read(path=path), path.name, "yaml" if found in FORMATS else found)
        for path, found in zip(paths, formats, strict=True)
    ]


def _not_loaded(paths: list[Path], invalid: BankInvalid) -> str:
    """The command's error: which file, how many errors, each on its line; nothing changed."""
    count = len(invalid.errors)
    listing = "\n".join(f"  {error}" for error in invalid.errors)
    errors = f"{count} error{'s' if count != 1 else ''}"
    return f"{_path(paths, invalid)} was not loaded ({errors}; nothing changed):\n{listing}"


def _path(paths: list[Path], invalid: BankInvalid) -> Path | str:
    """The file that was not loaded: the one named by the error (an unreadable file's error
    names its path; an invalid one is named by its source)."""
    if isinstance(invalid, BankFileInvalid):
        return next((path for path in paths if path.name == invalid.source), invalid.source)
    if len(paths) == 1:
        return paths[0]
    return invalid.errors[0].where
