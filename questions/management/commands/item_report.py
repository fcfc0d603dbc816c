"""Print the item analysis (`questions.services.analysis.item_analysis`)."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, date, datetime
from datetime import time as day_time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
        parser.add_argument(
            "--repeat",
            type=int,
            default=0,
            help="Benchmark: compute the report N times and print how long it took (and its "
            "queries), not the report.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiz = _quiz(options["quiz"])
        since = _since(options["since"])
        if options["repeat"]:
            self.stdout.write(_benchmark(options["repeat"], quiz=quiz, since=since))
            return
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
    return datetime.combine(day, day_time.min, tzinfo=UTC)


def _benchmark(repeat: int, *, quiz: Quiz | None, since: datetime | None) -> str:
    if repeat < 1:
        raise CommandError("--repeat takes a number of runs, at least 1.")
    seconds, cpu = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            analysis = item_analysis(quiz=quiz, since=since)
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    report = analysis.report
    return (
        f"item_report on {connection.vendor}: {report.answers} answers, {report.attempts} "
        f"attempts, {len(report.items)} items, {len(queries)} queries per report; "
        f"best {min(seconds):.3f} s, median {statistics.median(seconds):.3f} s "
        f"over {repeat} runs (this process's CPU: best {min(cpu):.3f} s; the machine's load "
        f"average {os.getloadavg()[0]:.1f})."
    )
