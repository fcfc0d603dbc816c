"""The benchmark's machinery on a few learners (the figures come from simulate_adaptive)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from bench import adaptive as simulation
from questions.adaptive import Engine, Thresholds


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.for_bank(simulation.default_layout())


def test_the_stand_in_bank_has_the_documented_layout() -> None:
    items = simulation.default_layout()
    assert len(items) == 50
    for category in simulation.CATEGORIES:
        levels = [item.difficulty for item in items if item.category == category]
        assert levels == [-1.3] * 3 + [0.0] * 4 + [1.6] * 3


def test_truth_comes_from_the_true_abilities_only(engine: Engine) -> None:
    items, categories = engine.items, list(engine.categories)
    strong, weak_in_one = np.full((1, 5), 4.0), np.array([[4.0, 4.0, 4.0, 4.0, 0.0]])
    for theta, ready in ((strong, True), (weak_in_one, False)):
        _, cat, overall = simulation.true_scores(theta, items, categories)
        assert simulation.is_ready(overall, cat, Thresholds())[0] == ready


def test_populations_have_their_share_of_ready_learners(engine: Engine) -> None:
    rng = np.random.default_rng(0)
    shares = {}
    for population in simulation.POPULATIONS:
        mean = simulation.population_mean(
            population, engine.items, engine.categories, engine.thresholds
        )
        cohort = simulation.make_cohort(
            population, mean, engine.items, list(engine.categories), engine.thresholds, 500, rng
        )
        shares[population.name] = cohort.truly_ready.mean()
    assert 0.17 < shares["candidate"] < 0.33
    assert shares["mixed"] < 0.08
    assert 0.35 < shares["near-cut"] < 0.65


def test_every_policy_runs_on_the_same_learners(engine: Engine) -> None:
    policies = ["fixed-50", "ceiling", "random", "engine"]
    if importlib.util.find_spec("catsim"):
        policies.append("catsim")
    result = simulation.run_population(
        engine, simulation.POPULATIONS[0], seed=1, learners=6, policies=policies
    )
    assert result.metrics["fixed-50"].mean_questions == 50
    assert result.metrics["ceiling"].mean_questions == 50
    for name, m in result.metrics.items():
        assert 0 <= m.accuracy <= 1
        assert m.accuracy + m.false_certify + m.false_fail == pytest.approx(1)
        assert m.min_questions >= 5, name
    summary = simulation.summarize([result])
    names = {t.name for t in simulation.check_targets(summary)}
    assert "candidate: no decision before 5 answers" in names


def _row(accuracy: float, mean: float, least: float = 5, false_certify: float = 0.0) -> dict:
    return {
        "accuracy": accuracy,
        "false_certify": false_certify,
        "mean_questions": mean,
        "min_questions": least,
    }


def test_targets_compare_the_engine_with_the_other_policies() -> None:
    summary = {
        "candidate": {
            "_population": {"truly_ready": 0.25, "mean_ability": 2.0},
            "fixed-50": _row(0.95, 50, 50),
            "ceiling": _row(0.97, 50, 50, false_certify=0.01),
            "engine": _row(0.966, 14, false_certify=0.01),
            "catsim-se0.5": _row(0.93, 30),
            "catsim-ci90": _row(0.94, 30),
        },
        "mixed": {
            "_population": {"truly_ready": 0.05, "mean_ability": 1.0},
            "fixed-50": _row(0.99, 50, 50),
            "engine": _row(0.98, 12, least=4),
        },
    }

    targets = [(t.name, t.met) for t in simulation.check_targets(summary)]

    assert targets == [
        ("candidate: accuracy within 0.5 points of ceiling", True),
        ("candidate: false-certify no higher than ceiling's", True),
        ("candidate: mean questions <= 25", True),
        ("stretch, candidate: mean questions <= 15", True),
        ("candidate: accuracy >= catsim's best + 2 points", True),
        ("candidate: <= 0.6x the questions of catsim's best", True),
        ("candidate: no decision before 5 answers", True),
        ("candidate: engine no worse than fixed-50 on accuracy", True),
        ("mixed: no decision before 5 answers", False),
        ("mixed: engine no worse than fixed-50 on accuracy", False),
    ]
    details = {t.name: t.detail for t in simulation.check_targets(summary)}
    assert details["candidate: accuracy >= catsim's best + 2 points"] == (
        "engine 96.60% vs catsim-ci90 94.00% (+2.60 points)"
    )


def test_targets_need_the_policies_they_compare() -> None:
    summary = {"candidate": {"_population": {}, "fixed-50": _row(0.95, 50, 50)}}
    assert simulation.check_targets(summary) == []
