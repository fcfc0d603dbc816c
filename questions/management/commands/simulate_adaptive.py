"""The adaptive benchmark: every policy on the same simulated learners (questions.simulation)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from questions import estimates, rules, simulation
from questions.adaptive import Engine, ItemSpec, Thresholds

BANK_FILE = Path(settings.BASE_DIR) / "questions" / "bank" / "streaming.yaml"
POLICIES = ("fixed-50", "ceiling", "random", "engine", "catsim")


def bank_from_database() -> tuple[ItemSpec, ...]:
    try:
        return estimates.bank_items()
    except DatabaseError:  # not migrated: no bank here
        return ()


def bank_from_file(path: Path) -> tuple[ItemSpec, ...]:
    if not path.exists():
        return ()
    data = yaml.safe_load(path.read_text()) or {}
    items = []
    for q in data.get("questions", []):
        if q.get("status", "active") != "active":
            continue
        params = q.get("params") or {}
        default = rules.default_item_parameters(q["level"], q["kind"], len(q.get("choices", [])))
        items.append(
            ItemSpec(
                q["id"],
                q["category"],
                float(params.get("a", default.discrimination)),
                float(params.get("b", default.difficulty)),
                float(params.get("c", default.guessing)),
            )
        )
    return tuple(items)


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
            default=",".join(p.name for p in simulation.POPULATIONS),
            help="Comma-separated: " + ", ".join(p.name for p in simulation.POPULATIONS),
        )
        parser.add_argument("--policies", default=",".join(POLICIES))
        parser.add_argument("--json", dest="json_path", help="Write the figures to this file.")
        parser.add_argument(
            "--latency",
            action="store_true",
            help="Only time the engine's calls (next_item, step) over simulated sessions.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        learners, seeds = options["learners"], options["seeds"]
        if learners < 1 or seeds < 1:
            raise CommandError("--learners and --seeds must be at least 1.")
        populations = [name.strip() for name in options["populations"].split(",") if name.strip()]
        unknown = [p for p in populations if p not in simulation.POPULATIONS_BY_NAME]
        if unknown:
            raise CommandError(f"Unknown population {unknown[0]!r}.")
        policies = [name.strip() for name in options["policies"].split(",") if name.strip()]
        if bad := [p for p in policies if p not in POLICIES]:
            raise CommandError(f"Unknown policy {bad[0]!r}; choose from {', '.join(POLICIES)}.")
        if "catsim" in policies:
            try:
                import catsim  # noqa: F401
            except ImportError:
                raise CommandError(
                    "catsim is not installed: pip install '.[dev]', or leave it out with "
                    "--policies fixed-50,ceiling,random,engine."
                ) from None

        items, source = bank_from_database(), "the active questions in the database"
        if not items:
            items, source = bank_from_file(BANK_FILE), str(BANK_FILE)
        if not items:
            items, source = simulation.default_layout(), "the stand-in layout (5 x 3/4/3 levels)"
        thresholds = Thresholds.from_percent(
            settings.CERTIFY_OVERALL_THRESHOLD, settings.CERTIFY_CATEGORY_THRESHOLD
        )
        engine = Engine.for_bank(items, thresholds)
        if options["latency"]:
            latency = simulation.measure_latency(engine)
            self.stdout.write(
                f"Bank: {len(items)} items from {source}. {latency.calls} calls of each, from "
                f"the answers alone:\n"
                f"  next_item: p50 {latency.next_item_p50_ms:.1f} ms, "
                f"p95 {latency.next_item_p95_ms:.1f} ms\n"
                f"  step (stop rule with curtailment, then next item): p50 "
                f"{latency.step_p50_ms:.1f} ms, p95 {latency.step_p95_ms:.1f} ms"
            )
            return
        self.stdout.write(
            f"Bank: {len(items)} items from {source}. Thresholds: overall "
            f"{thresholds.overall:.0%}, every category {thresholds.category:.0%}.\n"
            "Truly ready = the expected exam score from the learner's true abilities and the "
            "true item parameters meets both thresholds (no policy is involved).\n"
            f"{learners} learners x seeds 1..{seeds} per population; every policy answers the "
            "same simulated responses."
        )
        results = []
        for name in populations:
            for seed in range(1, seeds + 1):
                result = simulation.run_population(
                    engine,
                    simulation.POPULATIONS_BY_NAME[name],
                    seed,
                    learners,
                    policies=policies,
                )
                results.append(result)
                self.stderr.write(f"  {name} seed {seed}: done")
        summary = simulation.summarize(results)
        self.stdout.write(format_table(summary))
        targets = simulation.check_targets(summary)
        for target in targets:
            mark = "PASS" if target.met else "FAIL"
            self.stdout.write(f"[{mark}] {target.name}: {target.detail}")
        if options["json_path"]:
            payload = {
                "bank": {"source": source, "items": len(items)},
                "thresholds": asdict(thresholds),
                "engine_config": asdict(engine.config),
                "learners": learners,
                "seeds": list(range(1, seeds + 1)),
                "populations": summary,
                "runs": [
                    asdict(r) | {"metrics": {k: asdict(m) for k, m in r.metrics.items()}}
                    for r in results
                ],
                "targets": [asdict(t) for t in targets],
            }
            Path(options["json_path"]).write_text(json.dumps(payload, indent=2) + "\n")
            self.stdout.write(f"Wrote {options['json_path']}")


def format_table(summary: dict[str, dict[str, dict[str, float]]]) -> str:
    lines = []
    header = (
        f"{'policy':<15}{'accuracy':>9}{'false-cert':>11}{'false-fail':>11}"
        f"{'mean q':>8}{'p90 q':>7}{'min q':>7}{'est.err':>8}"
    )
    for population, rows in summary.items():
        info = rows["_population"]
        lines.append(
            f"\n{population}: truly ready {info['truly_ready']:.1%} "
            f"(abilities centred at {info['mean_ability']:.2f})"
        )
        lines.append(header)
        for policy, m in rows.items():
            if policy.startswith("_"):
                continue
            lines.append(
                f"{policy:<15}{m['accuracy']:>9.1%}{m['false_certify']:>11.1%}"
                f"{m['false_fail']:>11.1%}{m['mean_questions']:>8.1f}"
                f"{m['p90_questions']:>7.0f}{m['min_questions']:>7.0f}"
                f"{m['estimate_error']:>8.1f}"
            )
    lines.append(
        "\naccuracy, false-cert, false-fail: shares of all learners (accuracy = 1 - the two); "
        "est.err: RMSE of the category score estimates in points; means over seeds, min q over all."
    )
    return "\n".join(lines)
