"""Refit the active questions' item parameters from real answers (`item_parameters_calibrate`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions import services
from questions.adaptive import ItemFit, ItemSpec
from questions.models import BankParameters
from questions.tasks import calibrate_item_parameters


class Command(BaseCommand):
    help = (
        "Refit the 3PL parameters (a, b, c) of the active questions from the answers of finished "
        "attempts; only questions with enough answers change. Records a new bank parameter "
        "version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-answers",
            type=int,
            default=200,
            help="Answers a question needs before it is refitted (default 200).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Fit and show the changes; write nothing."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the run for the task worker instead of running it here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        min_answers, dry_run = options["min_answers"], options["dry_run"]
        if min_answers < 1:
            raise CommandError("--min-answers must be at least 1.")
        if options["queue"]:
            if dry_run:
                raise CommandError("--dry-run shows the changes here: it cannot be queued.")
            self.stdout.write(_queue(min_answers))
            return
        try:
            run = services.item_parameters_calibrate(min_answers=min_answers, dry_run=dry_run)
        except services.CalibrationRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(format_run(run, min_answers=min_answers))


def _queue(min_answers: int) -> str:
    version = BankParameters.objects.current_version()
    calibrate_item_parameters.enqueue(min_answers=min_answers, after_version=version)
    return (
        f"Queued a calibration (at least {min_answers} answers per question) after bank "
        f"parameters v{version}; the task worker runs it."
    )


def format_run(run: services.CalibrationRun, *, min_answers: int) -> str:
    if run.version is None:
        head = f"Dry run: nothing written. Would refit {run.refitted}"
    else:
        head = f"Bank parameters v{run.version}: refitted {run.refitted}"
    lines = [
        f"{head} of {len(run.fits)} active questions from {run.answers} answers in "
        f"{run.attempts} finished attempts (at least {min_answers} answers each).",
        "",
        f"{'question':<20}{'answers':>8}  {'a before -> after':<19}{'b before -> after':<20}"
        f"{'c before -> after':<17}",
    ]
    for old, fit in zip(run.before, run.fits, strict=True):
        lines.append(f"{old.id:<20}{fit.answers:>8}  {_changes(old, fit, min_answers)}")
    leaving = ", ".join(run.left_pretest) or "none"
    verb = "Would leave" if run.version is None else "Left"
    lines += ["", f"{verb} pretest (a and b within their set precision): {leaving}."]
    return "\n".join(lines)


def _changes(old: ItemSpec, fit: ItemFit, min_answers: int) -> str:
    if not fit.refitted:
        pooled = ", its family's too" if old.family else ""
        return f"kept (fewer than {min_answers} answers{pooled})"
    new = fit.item
    errors = ""
    if fit.errors:
        errors = f"  se(a) {fit.errors[0]:.2f} se(b) {fit.errors[1]:.2f}"
    source = "  (its family's answers)" if fit.source == "family" else ""
    return (
        f"{old.discrimination:>5.2f} -> {new.discrimination:<5.2f}     "
        f"{old.difficulty:>5.2f} -> {new.difficulty:<5.2f}      "
        f"{old.guessing:>4.2f} -> {new.guessing:<4.2f}{errors}{source}"
    )
