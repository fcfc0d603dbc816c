"""The exam-form benchmark: many forms from the exam pool by the product's assembly (bench.forms).

The simulator lives in the top-level `bench` package; `handle` imports it, so it is loaded only
when the benchmark runs. The pool is the database's exam pool (operational exam items) where it
has one, else the bank files split as `load_bank` would split them (at their parameters).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from questions import rules, split
from questions.assembly import FormItem, FormRules
from questions.bankfile import DEFAULT_PATH, BankInvalid, QuestionEntry, bank_parse, bank_read
from questions.generation import GENERATED_PATH
from questions.models import Quiz
from questions.services.forms import exam_pool, form_assemble, form_rules

EXAM_SLUG = "certification-exam"


def exam_quiz() -> Quiz:
    """The certification exam as stored, else one with the default blueprint (not saved)."""
    try:
        stored = Quiz.objects.filter(mode=Quiz.Mode.CERTIFICATION, slug=EXAM_SLUG).first()
    except DatabaseError:  # not migrated
        stored = None
    return stored or Quiz(title="Certification exam", slug=EXAM_SLUG, mode=Quiz.Mode.CERTIFICATION)


def pool_from_database(quiz: Quiz) -> list[FormItem]:
    try:
        return exam_pool(quiz)
    except DatabaseError:
        return []


def pool_from_files(paths: list[Path]) -> list[FormItem]:
    """The bank files' active items, split into pools as a first load would: the exam part."""
    entries = [entry for path in paths for entry in _active_entries(path)]
    pools = split.split(
        split.SplitItem(e.id, e.category, e.level, e.pool) for e in entries if e.category
    )
    return [_form_item(entry) for entry in entries if pools.get(entry.id) == split.EXAM]


def _active_entries(path: Path) -> list[QuestionEntry]:
    try:
        bank = bank_parse(text=bank_read(path=path), source=str(path))
    except BankInvalid as error:
        raise CommandError(f"{path}: {error}") from None
    return [entry for entry in bank.questions if entry.status == "active"]


def _form_item(entry: QuestionEntry) -> FormItem:
    """An exam item as assembly sees it: its own parameters, else its level's defaults."""
    params = rules.default_item_parameters(entry.level, entry.kind, len(entry.choices))
    a, b, c = params.discrimination, params.difficulty, params.guessing
    if entry.params is not None:
        a, b, c = entry.params.a, entry.params.b, entry.params.c
    return FormItem(entry.id, entry.category, entry.level, a, b, c, entry.family or "")


def rules_from(options: dict[str, Any]) -> FormRules:
    """The settings' form rules, with what the command's options change."""
    chosen = form_rules()
    if (limit := options["family_limit"]) is not None:
        if limit < 1:
            raise CommandError("--family-limit must be at least 1.")
        chosen = replace(chosen, family_limit=limit)
    if (target := options["exposure_target"]) is not None:
        if not 0 < target <= 1:
            raise CommandError("--exposure-target is a share of forms, above 0 and at most 1.")
        chosen = replace(chosen, exposure_target=target)
    return chosen


class Command(BaseCommand):
    help = (
        "Simulate exam forms from the exam pool: blueprint met, item exposure, overlap between a "
        "learner's forms, the enemy rule, and the time to assemble a form."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--forms", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--files",
            action="store_true",
            help="Use the bank files (split as a first load would) even if the database has a "
            "pool.",
        )
        parser.add_argument(
            "--database-forms",
            type=int,
            default=200,
            help="Also time this many assemblies with their database reads (0: skip).",
        )
        parser.add_argument(
            "--family-limit",
            type=int,
            help="Variants of one family a form may take (default: QUESTIONS_FORM_FAMILY_LIMIT).",
        )
        parser.add_argument(
            "--exposure-target",
            type=float,
            help="Highest share of forms an item may be on (default: "
            "QUESTIONS_FORM_EXPOSURE_TARGET).",
        )
        parser.add_argument("--json", dest="json_path", help="Write the figures to this file.")

    def handle(self, *args: Any, **options: Any) -> None:
        from bench import forms as simulation

        if options["forms"] < 2:
            raise CommandError("--forms must be at least 2 (learners sit two forms each).")
        form_rules_used = rules_from(options)
        quiz = exam_quiz()
        pool = [] if options["files"] else pool_from_database(quiz)
        source = "the exam pool in the database"
        if not pool:
            pool = pool_from_files([DEFAULT_PATH, GENERATED_PATH])
            source = "the bank files, split as a first load would"
            options["database_forms"] = 0
        if not pool:
            raise CommandError("No exam items: load the bank first (manage.py load_bank).")
        run = simulation.simulate(
            pool,
            quiz.form_cells(),
            forms=options["forms"],
            rules=form_rules_used,
            seed=options["seed"],
        )
        for line in simulation.table(run, source=source):
            self.stdout.write(line)
        database_p95 = None
        if options["database_forms"] > 0:
            database_p95 = self._database_p95(quiz, options["database_forms"])
        if path := options["json_path"]:
            figures = simulation.payload(run, source=source, database_p95_ms=database_p95)
            Path(path).write_text(json.dumps(figures, indent=2) + "\n")
            self.stdout.write(f"Wrote {path}")

    def _database_p95(self, quiz: Quiz, count: int) -> float:
        """The product's path: read the pool and the learner's earlier forms, then assemble."""
        learner = User.objects.filter(is_staff=False).first() or User(username="simulated")
        rng = random.Random(0)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            form_assemble(quiz=quiz, user=learner, seed=rng.randrange(2**31))
            times.append((time.perf_counter() - started) * 1000)
        p95 = sorted(times)[int(0.95 * len(times)) - 1]
        self.stdout.write(
            f"Assembly with its database reads ({count} forms): median "
            f"{statistics.median(times):.2f} ms, p95 {p95:.2f} ms."
        )
        return p95
