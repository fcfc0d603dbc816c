"""Write a simulated cohort's attempts into the database (bench.cohort), for the item analysis."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from questions.models import Question, Quiz


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
            default=None,
            help="Items per attempt, drawn at random per learner (0: every item in scope). "
            "Default: a certification exam's forms are assembled to its blueprint with exposure "
            "control, as the exam does; other quizzes ask every item in scope.",
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

        learners, seed, form_size = options["learners"], options["seed"], options["form_size"]
        _check_numbers(learners, options["days"], form_size)
        quiz, questions = _quiz_and_items(options["quiz"])
        ids = [q.id for q in questions]
        plants = Plants(
            miskey=_index(ids, options["miskey"], default=seed % len(ids)),
            leak=_index(ids, options["leak"], default=None),
        )
        forms, summaries = (
            _assembled_forms(quiz, ids, learners, seed)
            if quiz.is_exam and form_size is None
            else (None, None)
        )
        attempts = simulate_cohort(
            cohort_items(questions),
            learners=learners,
            form_size=form_size or None,
            plants=plants,
            seed=seed,
            ability_mean=1.75,
            ability_sd=1.5,
            forms=forms,
        )
        span = timedelta(days=options["days"])
        written = cohort_record(
            quiz=quiz,
            questions=questions,
            attempts=attempts,
            tag=f"{seed}-{secrets.token_hex(3)}",
            start=timezone.now() - span,
            spacing=span / learners,
            forms=summaries,
        )
        self.stdout.write(_summary(quiz, len(attempts), written, ids, plants))


def _check_numbers(learners: int, days: int, form_size: int | None) -> None:
    if learners < 1 or days < 1 or (form_size is not None and form_size < 0):
        raise CommandError("--learners and --days must be at least 1, --form-size at least 0.")


def _quiz_and_items(slug: str) -> tuple[Quiz, list[Question]]:
    quiz = Quiz.objects.filter(slug=slug).first()
    if quiz is None:
        raise CommandError(f"No quiz '{slug}' (load the bank first: load_bank).")
    questions = list(
        quiz.questions_in_scope().select_related("category").prefetch_related("choices")
    )
    if not questions:
        raise CommandError(f"The quiz '{quiz.slug}' has no items in scope.")
    return quiz, questions


def _summary(quiz: Quiz, attempts: int, answers: int, ids: list[str], plants: Any) -> str:
    leak = f", leaked item {ids[plants.leak]}" if plants.leak is not None else ""
    miskey = ids[plants.miskey] if plants.miskey is not None else "none"
    return (
        f"Recorded {attempts} attempts of {quiz.slug} ({answers} answers); "
        f"planted miskey {miskey}{leak}."
    )


def _assembled_forms(
    quiz: Quiz, ids: list[str], learners: int, seed: int
) -> tuple[list[list[int]], list[dict[str, Any]]]:
    """Each learner's form, assembled as a certification attempt's is (questions.assembly, the
    quiz's blueprint, the exposure target): item indices, and the forms' summaries."""
    import random

    from questions import assembly
    from questions.services.forms import exam_pool, form_rules

    pool, cells, rules = exam_pool(quiz), quiz.form_cells(), form_rules()
    position = {item_id: n for n, item_id in enumerate(ids)}
    forms, summaries = [], []
    for learner in range(learners):
        form = assembly.assemble(
            pool, cells, rng=random.Random(f"{seed}:{learner}"), seen=set(), rules=rules
        )
        forms.append([position[item_id] for item_id in form.ids])
        summaries.append(form.summary())
    return forms, summaries


def _index(ids: list[str], wanted: str | None, *, default: int | None) -> int | None:
    if wanted is None:
        return default
    if wanted not in ids:
        raise CommandError(f"'{wanted}' is not an item of this quiz.")
    return ids.index(wanted)
