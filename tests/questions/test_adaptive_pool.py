"""The pool scenario of the adaptive benchmark: learners answer from perturbed parameters; the
fixed form, its Bayes ceiling, the adaptive engine and the whole pool's ceiling side by side."""

from __future__ import annotations

import numpy as np

from bench import adaptive_pool
from bench.adaptive import default_layout
from questions.adaptive.engine import Thresholds


def test_learners_answer_from_parameters_around_the_believed_ones() -> None:
    items = default_layout()
    true = adaptive_pool.perturbed(items, adaptive_pool.Perturbation(), np.random.default_rng(1))
    shifts = [t.difficulty - i.difficulty for t, i in zip(true, items, strict=True)]
    assert 0.15 < float(np.std(shifts)) < 0.45
    assert all(t.id == i.id and t.category == i.category for t, i in zip(true, items, strict=True))


def test_the_scenario_reports_every_policy_on_one_cohort() -> None:
    items = default_layout()
    levels = {
        item.id: ("beginner", "intermediate", "advanced")[int(item.id[-2:]) % 3] for item in items
    }
    scenario = adaptive_pool.PoolScenario(cap=20, ready_at=0.8, min_per_category=2, form_length=25)
    result = adaptive_pool.run_pool_scenario(
        items, levels, Thresholds(), learners=24, seed=1, scenario=scenario
    )
    assert set(result.metrics) == {"fixed-50", "ceiling-50", "engine", "ceiling-pool"}
    assert result.metrics["fixed-50"].mean_questions == 25
    assert result.metrics["engine"].mean_questions <= 20
    assert result.metrics["ceiling-pool"].mean_questions == 50
    summary = adaptive_pool.summarize_pool([result])
    lines = adaptive_pool.pool_table(summary, pool=50, learners=24)
    assert any("engine mean questions <= 40" in line for line in lines)
