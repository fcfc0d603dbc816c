"""Print the item analysis (`questions.services.analysis.item_analysis`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.analysis.export import items_csv, report_table
from questions.models import Quiz
from questions.services.analysis import item_analysis, report_export_json


class Command(BaseCommand):
    help = (
        "The item analysis of the recorded answers: per item facility, discrimination, "
        "distractors, time, parameters, exposure and flags; per quiz scores, pass rates, "
        "reliability and decision consistency."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiz", help="Only this quiz's attempts (its slug).")
        parser.add_argument(
            "--since", help="Only attempts finished on or after this date (YYYY-MM-DD, UTC)."
        )
        parser.add_argument(
            "--format",
            choices=["table", "csv", "json"],
            default="table",
            help="table (default), csv (the items) or json (everything).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiz = _quiz(options["quiz"])
        since = _since(options["since"])
        analysis = item_analysis(quiz=quiz, since=since)
        fmt = options["format"]
        if fmt == "csv":
            self.stdout.write(items_csv(analysis.report), ending="")
        elif fmt == "json":
            self.stdout.write(report_export_json(analysis))
        else:
            self.stdout.write(report_table(analysis.report), ending="")


def _quiz(slug: str | None) -> Quiz | None:
    if slug is None:
        return None
    quiz = Quiz.objects.filter(slug=slug).first()
    if quiz is None:
        known = ", ".join(Quiz.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"No quiz '{slug}'. Quizzes: {known or 'none yet'}.")
    return quiz


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since takes a date such as 2026-01-31, not '{text}'.") from None
    return datetime.combine(day, time.min, tzinfo=UTC)
