"""The pool-size scenario of the adaptive benchmark: adaptive certification on the whole exam
pool against a fixed 50-question form, with learners who answer from item parameters perturbed
from the ones the engine believes (as calibration error would), so that no policy is graded on
its own model.

Truth: a learner is truly ready when their expected score on the whole exam pool, from their
true abilities and the *true* (perturbed) parameters, is >= 90% overall and >= 85% in every
category. Policies, on the same learners and answers (common random numbers):

- fixed-50: a form of 50 to the blueprint (the product's assembly, one per learner), decided by
  the exam's raw-score rule on its answers;
- ceiling-50: the same form, decided by the engine's posterior (P(ready) >= 0.5) on its answers:
  the best any rule can do with those 50 answers, by the engine's model;
- engine: adaptive certification on the whole pool, at most `cap` questions, certifying by the
  issuing rule (P(ready) >= ready_at with min_per_category answers in every category);
- ceiling-pool: the posterior on every item of the pool (a reference no exam reaches).

The simulated engine does not hold the blueprint's per-cell limits (the product's does); its
figures are those of the engine's own choices within the pool.

Pure: plain data in and out, no Django; `manage.py simulate_adaptive --scenario pool` runs it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bench.adaptive import (
    POPULATIONS_BY_NAME,
    Cohort,
    Metrics,
    Outcome,
    ceiling,
    is_ready,
    make_cohort,
    measure,
    population_mean,
    sequential,
)
from questions import assembly
from questions.adaptive import selection
from questions.adaptive.engine import Engine, ItemSpec, Thresholds


@dataclass(frozen=True)
class Perturbation:
    """Calibration error: the true parameters around the ones the engine believes."""

    log_discrimination_sd: float = 0.2
    difficulty_sd: float = 0.3
    guessing_sd: float = 0.03


@dataclass(frozen=True)
class PoolScenario:
    cap: int = 40
    ready_at: float = 0.95
    min_per_category: int = 4
    form_length: int = 50
    perturbation: Perturbation = Perturbation()


@dataclass(frozen=True)
class PoolResult:
    seed: int
    learners: int
    pool: int
    truly_ready: float
    metrics: dict[str, Metrics]


def perturbed(
    items: Sequence[ItemSpec], spread: Perturbation, rng: np.random.Generator
) -> tuple[ItemSpec, ...]:
    """The items with their true parameters drawn around the believed ones."""
    n = len(items)
    a = np.array([i.discrimination for i in items]) * np.exp(
        rng.normal(0, spread.log_discrimination_sd, n)
    )
    b = np.array([i.difficulty for i in items]) + rng.normal(0, spread.difficulty_sd, n)
    c = np.array([i.guessing for i in items]) + rng.normal(0, spread.guessing_sd, n)
    return tuple(
        replace(
            item,
            discrimination=float(np.clip(a[j], 0.2, 4.0)),
            difficulty=float(np.clip(b[j], -5, 5)),
            guessing=float(np.clip(c[j], 0.0, 0.5)),
        )
        for j, item in enumerate(items)
    )


def run_pool_scenario(
    items: tuple[ItemSpec, ...],
    levels: dict[str, str],
    thresholds: Thresholds,
    *,
    learners: int,
    seed: int,
    scenario: PoolScenario | None = None,
) -> PoolResult:
    """Every policy of the scenario on one cohort (see the module docstring)."""
    scenario = scenario or PoolScenario()
    rng = np.random.default_rng([seed, 15])
    true_items = perturbed(items, scenario.perturbation, rng)
    categories = tuple(dict.fromkeys(item.category for item in items))
    population = POPULATIONS_BY_NAME["candidate"]
    mean = population_mean(population, true_items, categories, thresholds)
    cohort = make_cohort(population, mean, true_items, list(categories), thresholds, learners, rng)
    engine = selection.exam_engine(
        items,
        thresholds,
        cap=scenario.cap,
        ready_at=scenario.ready_at,
        min_per_category=scenario.min_per_category,
    )
    forms = _forms(items, levels, learners, scenario.form_length, seed)
    metrics: dict[str, Metrics] = {}

    def timed(name: str, run: object) -> None:
        started = time.perf_counter()
        outcome = run()  # type: ignore[operator]
        metrics[name] = measure(outcome, cohort, time.perf_counter() - started)

    timed("fixed-50", lambda: _fixed_form(engine, cohort, forms))
    timed("ceiling-50", lambda: _form_ceiling(engine, cohort, forms))
    timed("engine", lambda: _adaptive(engine, cohort, np.random.default_rng([seed, 2]), scenario))
    timed("ceiling-pool", lambda: ceiling(engine, cohort))
    return PoolResult(seed, learners, len(items), float(cohort.truly_ready.mean()), metrics)


def _forms(
    items: Sequence[ItemSpec], levels: dict[str, str], learners: int, length: int, seed: int
) -> np.ndarray:
    """(L, J) which items each learner's fixed form asks: the product's assembly."""
    pool = [
        assembly.FormItem(
            i.id, i.category, levels[i.id], i.discrimination, i.difficulty, i.guessing, i.family
        )
        for i in items
    ]
    wanted = assembly.cell_counts(assembly.default_blueprint(), length)
    index = {item.id: j for j, item in enumerate(items)}
    rng = random.Random(seed)
    asked = np.zeros((learners, len(items)), dtype=bool)
    for learner in range(learners):
        form = assembly.assemble(pool, wanted, rng=rng)
        asked[learner, [index[item_id] for item_id in form.ids]] = True
    return asked


def _fixed_form(engine: Engine, cohort: Cohort, forms: np.ndarray) -> Outcome:
    membership = np.eye(len(engine.categories))[engine.item_category]
    right = cohort.answers & forms
    category = (right @ membership) / np.maximum(forms @ membership, 1)
    overall = right.sum(axis=1) / forms.sum(axis=1)
    ready = is_ready(overall, category, engine.thresholds)
    return Outcome(ready, forms.sum(axis=1), category)


def _form_ceiling(engine: Engine, cohort: Cohort, forms: np.ndarray, chunk: int = 256) -> Outcome:
    ps = engine.particles
    ready, estimates = [], []
    for start in range(0, len(forms), chunk):
        asked = forms[start : start + chunk].astype(np.float64)
        right = cohort.answers[start : start + chunk].astype(np.float64) * asked
        log_lik = right @ ps.log_lik[1] + (asked - right) @ ps.log_lik[0]
        weights = engine.weights(log_lik)
        ready.append(engine.p_ready(weights) >= 0.5)
        estimates.append(weights @ ps.category_score)
    return Outcome(np.concatenate(ready), forms.sum(axis=1), np.vstack(estimates))


def _adaptive(
    engine: Engine, cohort: Cohort, rng: np.random.Generator, scenario: PoolScenario
) -> Outcome:
    """One question at a time by the engine's choice and stop rule; certified by the issuing
    rule (P(ready) >= ready_at, every category's minimum answered) where it stops."""

    def issue(p_ready: np.ndarray, per_category: np.ndarray) -> np.ndarray:
        covered = (per_category >= scenario.min_per_category).all(axis=1)
        return covered & (p_ready >= scenario.ready_at)

    return sequential(engine, cohort, rng, chunk=128, issue=issue)


def summarize_pool(results: Sequence[PoolResult]) -> dict[str, dict[str, float]]:
    """Mean over seeds of every metric, per policy."""
    policies = results[0].metrics.keys()
    return {
        policy: {
            key: float(np.mean([getattr(r.metrics[policy], key) for r in results]))
            for key in (
                "accuracy",
                "false_certify",
                "false_fail",
                "mean_questions",
                "p90_questions",
                "estimate_error",
                "seconds",
            )
        }
        for policy in policies
    } | {"_population": {"truly_ready": float(np.mean([r.truly_ready for r in results]))}}


def pool_targets(summary: dict[str, dict[str, float]]) -> list[tuple[str, bool, str]]:
    engine, form_ceiling, fixed = summary["engine"], summary["ceiling-50"], summary["fixed-50"]
    lead = (engine["accuracy"] - form_ceiling["accuracy"]) * 100
    return [
        (
            "engine accuracy >= the 50-question form's Bayes ceiling + 3 points",
            lead >= 3,
            f"engine {engine['accuracy']:.2%} vs ceiling-50 {form_ceiling['accuracy']:.2%} "
            f"({lead:+.2f} points)",
        ),
        (
            "engine mean questions <= 40",
            engine["mean_questions"] <= 40,
            f"{engine['mean_questions']:.1f}",
        ),
        (
            "engine false-certify no higher than the fixed form's",
            engine["false_certify"] <= fixed["false_certify"],
            f"engine {engine['false_certify']:.2%} vs fixed-50 {fixed['false_certify']:.2%}",
        ),
    ]


def pool_table(summary: dict[str, dict[str, float]], *, pool: int, learners: int) -> list[str]:
    lines = [
        f"Pool scenario: {pool} exam items; {learners} candidate learners per seed (about "
        f"{summary['_population']['truly_ready']:.0%} truly ready), answering from perturbed "
        "parameters.",
        f"  {'policy':<14}{'accuracy':>10}{'false cert':>12}{'false fail':>12}"
        f"{'mean q':>8}{'p90 q':>7}{'est err':>9}",
    ]
    for policy, row in summary.items():
        if policy.startswith("_"):
            continue
        lines.append(
            f"  {policy:<14}{row['accuracy']:>10.2%}{row['false_certify']:>12.2%}"
            f"{row['false_fail']:>12.2%}{row['mean_questions']:>8.1f}{row['p90_questions']:>7.0f}"
            f"{row['estimate_error']:>9.1f}"
        )
    lines += [
        f"  [{'met' if met else 'NOT met'}] {name}: {detail}"
        for name, met, detail in pool_targets(summary)
    ]
    return lines
