from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankfile import FORMATS
from questions.interchange import INTERCHANGES, interchange_named
from questions.services.bank import bank_export
from questions.services.interchange import bank_interchange_export


class Command(BaseCommand):
    help = (
        "Write the whole bank, keys included (for staff only), as YAML or JSON (what load_bank "
        "reads back exactly), GIFT, Moodle XML or a QTI 1.2 package (each keeps every field it "
        "can hold and reports the rest)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", dest="fmt", choices=[*FORMATS, *INTERCHANGES], default="yaml"
        )
        parser.add_argument(
            "--output", type=Path, help="Write to this file (needed for a QTI package, a zip)."
        )

    def handle(self, *args: Any, fmt: str, output: Path | None, **options: Any) -> None:
        if fmt in FORMATS:
            data = bank_export(fmt="json" if fmt == "json" else "yaml").encode()
        else:
            exported = bank_interchange_export(fmt=interchange_named(fmt))
            data = exported.data
            self.stderr.write(exported.not_held)
        if output is None:
            if fmt == "qti":
                raise CommandError("A QTI package is a zip file: name it with --output PATH.")
            # The export ends with a newline, so OutputWrapper adds none: the bytes are the file.
            self.stdout.write(data.decode(), ending="")
            return
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stderr.write(f"Wrote {output} ({len(data)} bytes).")
