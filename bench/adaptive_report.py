"""The adaptive benchmark's driver pieces: where its bank comes from, and its figures in words.

simulate_adaptive reads the bank (the database's active questions, else the bank file, else the
stand-in layout), runs `bench.adaptive` and prints what this module writes. Pure, no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from bench.adaptive import POPULATIONS_BY_NAME, Latency, RunResult, Target, run_population
from questions import rules
from questions.adaptive import Engine, ItemSpec, Thresholds

POLICIES = ("fixed-50", "ceiling", "random", "engine", "catsim")
Summary = dict[str, dict[str, dict[str, float]]]


def bank_choice(
    database: tuple[ItemSpec, ...], path: Path, stand_in: tuple[ItemSpec, ...]
) -> tuple[tuple[ItemSpec, ...], str]:
    """The bank to simulate and where it came from: the database's active questions, else the
    bank file's, else the stand-in layout."""
    if database:
        return database, "the active questions in the database"
    if from_file := bank_from_file(path):
        return from_file, str(path)
    return stand_in, "the stand-in layout (5 x 3/4/3 levels)"


def run_all(
    engine: Engine,
    *,
    populations: Sequence[str],
    seeds: int,
    learners: int,
    policies: Sequence[str],
    progress: Callable[[str], None],
) -> list[RunResult]:
    """Every population for seeds 1..`seeds`, saying when each is done."""
    results = []
    for name in populations:
        for seed in range(1, seeds + 1):
            population = POPULATIONS_BY_NAME[name]
            results.append(run_population(engine, population, seed, learners, policies=policies))
            progress(f"  {name} seed {seed}: done")
    return results


def bank_from_file(path: Path) -> tuple[ItemSpec, ...]:
    """The active questions of a bank file as the engine's items (lenient: a benchmark reads
    the parameters it finds, with the level defaults where the file gives none)."""
    if not path.exists():
        return ()
    data = yaml.safe_load(path.read_text()) or {}
    return tuple(
        _item(question)
        for question in data.get("questions", [])
        if question.get("status", "active") == "active"
    )


def _item(question: dict[str, Any]) -> ItemSpec:
    params = question.get("params") or {}
    default = rules.default_item_parameters(
        question["level"], question["kind"], len(question.get("choices", []))
    )
    return ItemSpec(
        question["id"],
        question["category"],
        float(params.get("a", default.discrimination)),
        float(params.get("b", default.difficulty)),
        float(params.get("c", default.guessing)),
    )


def latency_text(latency: Latency, *, items: int, source: str) -> str:
    return (
        f"Bank: {items} items from {source}. {latency.calls} calls of each, from "
        f"the answers alone:\n"
        f"  next_item: p50 {latency.next_item_p50_ms:.1f} ms, "
        f"p95 {latency.next_item_p95_ms:.1f} ms\n"
        f"  step (stop rule with curtailment, then next item): p50 "
        f"{latency.step_p50_ms:.1f} ms, p95 {latency.step_p95_ms:.1f} ms"
    )


def introduction(
    *, items: int, source: str, thresholds: Thresholds, learners: int, seeds: int
) -> str:
    return (
        f"Bank: {items} items from {source}. Thresholds: overall "
        f"{thresholds.overall:.0%}, every category {thresholds.category:.0%}.\n"
        "Truly ready = the expected exam score from the learner's true abilities and the "
        "true item parameters meets both thresholds (no policy is involved).\n"
        f"{learners} learners x seeds 1..{seeds} per population; every policy answers the "
        "same simulated responses."
    )


def format_table(summary: Summary) -> str:
    lines = []
    for population, rows in summary.items():
        lines += _population_table(population, rows)
    lines.append(
        "\naccuracy, false-cert, false-fail: shares of all learners (accuracy = 1 - the two); "
        "est.err: RMSE of the category score estimates in points; means over seeds, min q over all."
    )
    return "\n".join(lines)


_HEADER = (
    f"{'policy':<15}{'accuracy':>9}{'false-cert':>11}{'false-fail':>11}"
    f"{'mean q':>8}{'p90 q':>7}{'min q':>7}{'est.err':>8}"
)


def _population_table(population: str, rows: dict[str, dict[str, float]]) -> list[str]:
    info = rows["_population"]
    lines = [
        f"\n{population}: truly ready {info['truly_ready']:.1%} "
        f"(abilities centred at {info['mean_ability']:.2f})",
        _HEADER,
    ]
    for policy, m in rows.items():
        if policy.startswith("_"):
            continue
        lines.append(
            f"{policy:<15}{m['accuracy']:>9.1%}{m['false_certify']:>11.1%}"
            f"{m['false_fail']:>11.1%}{m['mean_questions']:>8.1f}"
            f"{m['p90_questions']:>7.0f}{m['min_questions']:>7.0f}"
            f"{m['estimate_error']:>8.1f}"
        )
    return lines


def target_lines(targets: list[Target]) -> list[str]:
    return [f"[{'PASS' if t.met else 'FAIL'}] {t.name}: {t.detail}" for t in targets]


def payload(
    *,
    source: str,
    items: int,
    engine: Engine,
    learners: int,
    seeds: int,
    summary: Summary,
    results: list[RunResult],
    targets: list[Target],
) -> dict[str, Any]:
    """Everything the run measured, for --json."""
    return {
        "bank": {"source": source, "items": items},
        "thresholds": asdict(engine.thresholds),
        "engine_config": asdict(engine.config),
        "learners": learners,
        "seeds": list(range(1, seeds + 1)),
        "populations": summary,
        "runs": [
            asdict(r) | {"metrics": {k: asdict(m) for k, m in r.metrics.items()}} for r in results
        ],
        "targets": [asdict(t) for t in targets],
    }
