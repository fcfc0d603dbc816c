"""Write a simulated cohort's attempts into the database (bench.cohort), for the item analysis."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from questions.models import Quiz


class Command(BaseCommand):
    help = (
        "Simulate learners of known ability answering a quiz's items from their parameters, "
        "with a planted miskey (and optionally a leaked item), and record their finished "
        "attempts; `item_report` then shows what the analysis finds. For benchmarks and demos "
        "only: it adds users named cohort-<tag>-<n>."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiz", default="certification-exam", help="The quiz's slug.")
        parser.add_argument("--learners", type=int, default=500)
        parser.add_argument(
            "--form-size",
            type=int,
            default=50,
            help="Items per attempt, drawn at random per learner (0: every item in scope).",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--miskey", help="The item to plant a miskey in (default: one picked by the seed)."
        )
        parser.add_argument("--leak", help="An item that leaks half-way through the cohort.")
        parser.add_argument("--days", type=int, default=60, help="Spread over the past N days.")

    def handle(self, *args: Any, **options: Any) -> None:
        from bench.cohort import Plants, simulate_cohort
        from bench.cohort_records import cohort_items, cohort_record

        if options["learners"] < 1 or options["days"] < 1 or options["form_size"] < 0:
            raise CommandError("--learners and --days must be at least 1, --form-size at least 0.")
        quiz = Quiz.objects.filter(slug=options["quiz"]).first()
        if quiz is None:
            raise CommandError(f"No quiz '{options['quiz']}' (load the bank first: load_bank).")
        questions = list(
            quiz.questions_in_scope().select_related("category").prefetch_related("choices")
        )
        if not questions:
            raise CommandError(f"The quiz '{quiz.slug}' has no items in scope.")
        ids = [q.id for q in questions]
        plants = Plants(
            miskey=_index(ids, options["miskey"], default=options["seed"] % len(ids)),
            leak=_index(ids, options["leak"], default=None),
        )
        attempts = simulate_cohort(
            cohort_items(questions),
            learners=options["learners"],
            form_size=options["form_size"] or None,
            plants=plants,
            seed=options["seed"],
            ability_mean=1.75,
            ability_sd=1.5,
        )
        span = timedelta(days=options["days"])
        written = cohort_record(
            quiz=quiz,
            questions=questions,
            attempts=attempts,
            tag=f"{options['seed']}-{secrets.token_hex(3)}",
            start=timezone.now() - span,
            spacing=span / options["learners"],
        )
        leak = f", leaked item {ids[plants.leak]}" if plants.leak is not None else ""
        miskey = ids[plants.miskey] if plants.miskey is not None else "none"
        self.stdout.write(
            f"Recorded {len(attempts)} attempts of {quiz.slug} ({written} answers); "
            f"planted miskey {miskey}{leak}."
        )


def _index(ids: list[str], wanted: str | None, *, default: int | None) -> int | None:
    if wanted is None:
        return default
    if wanted not in ids:
        raise CommandError(f"'{wanted}' is not an item of this quiz.")
    return ids.index(wanted)
