"""The adaptive benchmark: every policy on the same simulated learners (bench.adaptive).

The simulator lives in the top-level `bench` package, beside the apps; `handle` imports it, so
it is loaded only when the benchmark runs and never by the product.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from questions.adaptive import Engine, ItemSpec
from questions.bankfile import DEFAULT_PATH
from questions.generation import GENERATED_PATH
from questions.management.commands.simulate_forms import (
    exam_quiz,
    pool_from_database,
    pool_from_files,
)
from questions.models import Quiz
from questions.services.adaptive import bank_items, site_thresholds

BANK_FILE = Path(settings.BASE_DIR) / "questions" / "bank" / "streaming.yaml"


def bank_from_database() -> tuple[ItemSpec, ...]:
    try:
        return bank_items()
    except DatabaseError:  # not migrated: no bank here
        return ()


def chosen(value: str, known: Sequence[str]) -> list[str]:
    """The comma-separated names in `value`, all of `known` when it names none."""
    return [name.strip() for name in value.split(",") if name.strip()] or list(known)


@dataclass(frozen=True)
class RunOptions:
    learners: int
    seeds: int
    populations: list[str]
    policies: list[str]


def run_options(
    options: dict[str, Any], *, populations: Sequence[str], policies: Sequence[str]
) -> RunOptions:
    """The command's options checked against the populations and policies the bench knows."""
    learners, seeds = options["learners"], options["seeds"]
    if learners < 1 or seeds < 1:
        raise CommandError("--learners and --seeds must be at least 1.")
    run = RunOptions(
        learners,
        seeds,
        chosen(options["populations"], populations),
        chosen(options["policies"], policies),
    )
    if unknown := [p for p in run.populations if p not in populations]:
        raise CommandError(f"Unknown population {unknown[0]!r}.")
    if bad := [p for p in run.policies if p not in policies]:
        raise CommandError(f"Unknown policy {bad[0]!r}; choose from {', '.join(policies)}.")
    if "catsim" in run.policies:
        require_catsim()
    return run


def require_catsim() -> None:
    try:
        import catsim  # noqa: F401
    except ImportError:
        raise CommandError(
            "catsim is not installed: pip install '.[dev]', or leave it out with "
            "--policies fixed-50,ceiling,random,engine."
        ) from None


class Command(BaseCommand):
    help = (
        "Benchmark the adaptive engine against fixed-50, ceiling, random and catsim on simulated "
        "learners (common random numbers)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=2000)
        parser.add_argument("--seeds", type=int, default=1, help="Seeds 1..K (0 is for tuning).")
        parser.add_argument(
            "--populations",
            default="",
            help="Comma-separated (default: all: candidate, mixed, near-cut).",
        )
        parser.add_argument(
            "--policies",
            default="",
            help="Comma-separated (default: all: fixed-50, ceiling, random, engine, catsim).",
        )
        parser.add_argument("--json", dest="json_path", help="Write the figures to this file.")
        parser.add_argument(
            "--scenario",
            choices=["bank", "pool"],
            default="bank",
            help="bank: every policy on the bank (default); pool: adaptive certification on "
            "the whole exam pool against a fixed 50-question form, learners answering from "
            "perturbed parameters.",
        )
        parser.add_argument(
            "--ready-at",
            type=float,
            default=None,
            help="The pool scenario's issuing probability (default: the exam quiz's, else 0.95).",
        )
        parser.add_argument(
            "--latency",
            action="store_true",
            help="Only time the engine's calls (next_item, step) over simulated sessions.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from bench import adaptive as simulation
        from bench import adaptive_report as report

        if options["scenario"] == "pool":
            self._pool(options)
            return

        run = run_options(
            options, populations=list(simulation.POPULATIONS_BY_NAME), policies=report.POLICIES
        )
        items, source = report.bank_choice(
            bank_from_database(), BANK_FILE, simulation.default_layout()
        )
        engine = Engine.for_bank(items, site_thresholds())
        if options["latency"]:
            latency = simulation.measure_latency(engine)
            self.stdout.write(report.latency_text(latency, items=len(items), source=source))
            return
        self.stdout.write(
            report.introduction(
                items=len(items),
                source=source,
                thresholds=engine.thresholds,
                learners=run.learners,
                seeds=run.seeds,
            )
        )
        results = report.run_all(
            engine,
            populations=run.populations,
            seeds=run.seeds,
            learners=run.learners,
            policies=run.policies,
            progress=self.stderr.write,
        )
        summary = simulation.summarize(results)
        targets = simulation.check_targets(summary)
        self.stdout.write(report.format_table(summary))
        for line in report.target_lines(targets):
            self.stdout.write(line)
        if path := options["json_path"]:
            figures = report.payload(
                source=source,
                items=len(items),
                engine=engine,
                learners=run.learners,
                seeds=run.seeds,
                summary=summary,
                results=results,
                targets=targets,
            )
            Path(path).write_text(json.dumps(figures, indent=2) + "\n")
            self.stdout.write(f"Wrote {path}")

    def _pool(self, options: dict[str, Any]) -> None:
        """The pool-size scenario (bench.adaptive_pool)."""
        from bench import adaptive_pool

        learners, seeds = options["learners"], options["seeds"]
        if learners < 1 or seeds < 1:
            raise CommandError("--learners and --seeds must be at least 1.")
        quiz = exam_quiz()
        ready_at = options["ready_at"] or quiz.ready_probability
        if not 0.5 <= ready_at < 1:
            raise CommandError("--ready-at is a probability from 0.5 to below 1.")
        items, levels, source = exam_pool_items(quiz)
        scenario = adaptive_pool.PoolScenario(
            cap=quiz.question_limit or 40,
            ready_at=ready_at,
            min_per_category=quiz.min_per_category,
        )
        self.stdout.write(
            f"Adaptive certification on the exam pool ({source}): at most {scenario.cap} "
            f"questions, certified at P(ready) >= {ready_at} with {scenario.min_per_category} "
            "answers in every category."
        )
        results = []
        for seed in range(1, seeds + 1):
            results.append(
                adaptive_pool.run_pool_scenario(
                    items,
                    levels,
                    site_thresholds(),
                    learners=learners,
                    seed=seed,
                    scenario=scenario,
                )
            )
            self.stderr.write(f"  pool seed {seed}: done")
        summary = adaptive_pool.summarize_pool(results)
        for line in adaptive_pool.pool_table(summary, pool=len(items), learners=learners):
            self.stdout.write(line)
        if path := options["json_path"]:
            figures = {
                "scenario": "pool",
                "source": source,
                "exam_items": len(items),
                "learners": learners,
                "seeds": seeds,
                "cap": scenario.cap,
                "ready_at": ready_at,
                "min_per_category": scenario.min_per_category,
                "perturbation": asdict(scenario.perturbation),
                "summary": summary,
                "targets": [
                    {"name": name, "met": met, "detail": detail}
                    for name, met, detail in adaptive_pool.pool_targets(summary)
                ],
            }
            Path(path).write_text(json.dumps(figures, indent=2) + "\n")
            self.stdout.write(f"Wrote {path}")


def exam_pool_items(quiz: Quiz) -> tuple[tuple[ItemSpec, ...], dict[str, str], str]:
    """The exam pool as the engine's items with each item's level: the database's, else the
    bank files split as a first load would."""
    pool = pool_from_database(quiz)
    source = "the exam pool in the database"
    if not pool:
        pool = pool_from_files([DEFAULT_PATH, GENERATED_PATH])
        source = "the bank files, split as a first load would"
    if not pool:
        raise CommandError("No exam items: load the bank first (manage.py load_bank).")
    items = tuple(
        ItemSpec(i.id, i.category, i.discrimination, i.difficulty, i.guessing, i.family)
        for i in pool
    )
    return items, {i.id: i.level for i in pool}, source
