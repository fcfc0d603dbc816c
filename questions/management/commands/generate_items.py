"""Generate the item families' items (`questions/bank/generated.yaml`), or report on the pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankfile import DEFAULT_PATH, BankInvalid, bank_dump, bank_parse, bank_read
from questions.derivation import sdk_version
from questions.families import FAMILIES_BY_SLUG
from questions.generation import GENERATED_PATH, FamilyResult, pool_bank, pool_generate
from questions.pool import pool_report


class Command(BaseCommand):
    help = (
        "Run every item family's scenarios on the offline model and write the generated items, "
        "keyed by the runs, to a bank file (deterministic for a seed). With --report, print the "
        "pool's counts (the hand-written and the generated bank) instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=0, help="Picks themes and options (0).")
        parser.add_argument(
            "--output",
            type=Path,
            default=GENERATED_PATH,
            help="Where to write (default: questions/bank/generated.yaml).",
        )
        parser.add_argument(
            "--family",
            action="append",
            default=[],
            help="Only this family (repeatable); the file then holds only these families.",
        )
        parser.add_argument(
            "--report",
            action="store_true",
            help="Print the pool's figures for the hand-written bank and --output; write nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if options["report"]:
            self._report(output)
            return
        if options["seed"] < 0:
            raise CommandError("--seed is a number of 0 or more.")
        unknown = [slug for slug in options["family"] if slug not in FAMILIES_BY_SLUG]
        if unknown:
            raise CommandError(
                f"No such family: {', '.join(unknown)} (one of: {', '.join(FAMILIES_BY_SLUG)})."
            )
        families = [FAMILIES_BY_SLUG[slug] for slug in options["family"]] or list(
            FAMILIES_BY_SLUG.values()
        )
        results = pool_generate(seed=options["seed"], families=families, progress=self._progress)
        categories = _read(DEFAULT_PATH).categories
        bank = pool_bank(results, categories=categories, sdk_version=sdk_version())
        output.write_text(bank_dump(bank), encoding="utf-8")
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {len(bank.questions)} items to {output} (seed {options['seed']})."
            )
        )

    def _progress(self, result: FamilyResult) -> None:
        family = result.family
        self.stdout.write(
            f"{family.slug:<28}{family.category:<16}{family.level:<14}"
            f"{len(result.items):>3} items, {len(result.discarded)} discarded"
        )
        for discard in result.discarded:
            self.stdout.write(f"    discarded {discard.variant}: {discard.reason}")

    def _report(self, generated: Path) -> None:
        banks = [_read(DEFAULT_PATH)]
        if generated.exists():
            banks.append(_read(generated))
        self.stdout.write("\n".join(pool_report(banks).lines()))


def _read(path: Path) -> Any:
    try:
        return bank_parse(text=bank_read(path=path), source=path.name)
    except BankInvalid as invalid:
        raise CommandError(f"{path} is not a valid bank file:\n{invalid}") from None
