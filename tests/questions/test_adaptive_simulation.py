"""The benchmark's machinery on a few learners (the figures come from simulate_adaptive)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from questions import simulation
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
