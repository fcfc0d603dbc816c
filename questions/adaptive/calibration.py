"""Refit 3PL item parameters from real answers (the pure part of `calibrate_items`).

Marginal maximum a posteriori by EM, one category at a time (an item only measures its own
category's ability). Abilities are integrated out on a quadrature grid under the engine's prior
for one category (normal, the engine's mean and sd), so refitted parameters stay on the scale
the engine's prior speaks. Priors keep sparse items sane: log-normal on the discrimination,
normal around the current difficulty, Beta around the current guessing. Items with fewer than
`min_answers` answers are never refitted (they keep their parameters and only help the E-step).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from scipy.stats import norm

from questions.adaptive.engine import FloatArray, ItemSpec, Response

BOUNDS = ((0.2, 4.0), (-5.0, 5.0), (0.0, 0.5))  # a, b, c: inside the model's validators


@dataclass(frozen=True)
class CalibrationPriors:
    ability_mean: float = 1.75  # match EngineConfig.prior_mean / prior_sd
    ability_sd: float = 1.5
    log_discrimination_sd: float = 0.4  # around log(current a)
    difficulty_sd: float = 1.0  # around the current b
    guessing_strength: float = 30.0  # Beta pseudo-counts around the current c


@dataclass(frozen=True)
class ItemFit:
    item: ItemSpec  # the new parameters (unchanged when not refitted)
    answers: int
    refitted: bool


def calibrate(
    items: Sequence[ItemSpec],
    attempts: Sequence[Sequence[Response]],
    *,
    min_answers: int = 200,
    priors: CalibrationPriors | None = None,
    iterations: int = 40,
    tolerance: float = 1e-3,
    nodes: int = 31,
) -> tuple[ItemFit, ...]:
    """New parameters for every item, from each attempt's answers (one learner each)."""
    priors = priors or CalibrationPriors()
    y = _response_matrix(items, attempts)
    counts = (~np.isnan(y)).sum(axis=0)
    params = np.array([[i.discrimination, i.difficulty, i.guessing] for i in items], dtype=float)
    fit = counts >= min_answers
    for category in dict.fromkeys(item.category for item in items):
        cols = np.array([j for j, item in enumerate(items) if item.category == category])
        if fit[cols].any():
            params[cols] = _fit_category(
                y[:, cols], params[cols], fit[cols], priors, iterations, tolerance, nodes
            )
    return tuple(
        _item_fit(item, params[j], int(counts[j]), bool(fit[j])) for j, item in enumerate(items)
    )


def _response_matrix(
    items: Sequence[ItemSpec], attempts: Sequence[Sequence[Response]]
) -> FloatArray:
    """(attempts x items): 1 right, 0 wrong, nan not asked; answers to unknown items ignored."""
    index = {item.id: j for j, item in enumerate(items)}
    y = np.full((len(attempts), len(items)), np.nan)
    for row, responses in enumerate(attempts):
        for response in responses:
            if response.item_id in index:
                y[row, index[response.item_id]] = float(response.correct)
    return y


def _item_fit(item: ItemSpec, params: FloatArray, answers: int, refitted: bool) -> ItemFit:
    if not refitted:
        return ItemFit(item, answers, False)
    a, b, c = (round(float(v), 4) for v in params)
    return ItemFit(ItemSpec(item.id, item.category, a, b, c, family=item.family), answers, True)


def _probability(params: FloatArray, theta: FloatArray) -> FloatArray:
    """(items, nodes) P(right)."""
    a, b, c = params[:, :1], params[:, 1:2], params[:, 2:3]
    return np.clip(c + (1 - c) * expit(a * (theta[None, :] - b)), 1e-9, 1 - 1e-9)


def _fit_category(
    y: FloatArray,
    start: FloatArray,
    refit: np.ndarray,
    priors: CalibrationPriors,
    iterations: int,
    tolerance: float,
    nodes: int,
) -> FloatArray:
    asked = ~np.isnan(y)
    keep = asked.any(axis=1)
    y, asked = np.nan_to_num(y[keep]), asked[keep].astype(float)
    theta = priors.ability_mean + priors.ability_sd * np.linspace(-4, 4, nodes)
    log_prior_theta = norm.logpdf(np.linspace(-4, 4, nodes))
    anchor = start.copy()
    params = start.copy()
    for _ in range(iterations):
        p = _probability(params, theta)
        # E-step: each learner's posterior over the grid, then expected right / asked per node.
        log_post = log_prior_theta + (y * asked) @ np.log(p) + ((1 - y) * asked) @ np.log1p(-p)
        log_post -= log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post)
        post /= post.sum(axis=1, keepdims=True)
        n = asked.T @ post  # (items, nodes)
        r = (y * asked).T @ post
        new = params.copy()
        for j in np.flatnonzero(refit):
            new[j] = _m_step(r[j], n[j], theta, params[j], anchor[j], priors)
        change = np.abs(new - params).max()
        params = new
        if change < tolerance:
            break
    return params


def _m_step(
    right: FloatArray,
    asked: FloatArray,
    theta: FloatArray,
    current: FloatArray,
    anchor: FloatArray,
    priors: CalibrationPriors,
) -> FloatArray:
    c0 = float(np.clip(anchor[2], 0.01, 0.49))
    alpha = 1 + priors.guessing_strength * c0
    beta = 1 + priors.guessing_strength * (1 - c0)

    def objective(x: FloatArray) -> float:
        a, b, c = x
        p = np.clip(c + (1 - c) * expit(a * (theta - b)), 1e-9, 1 - 1e-9)
        log_lik = right @ np.log(p) + (asked - right) @ np.log1p(-p)
        log_prior = (
            -0.5 * ((np.log(a) - np.log(anchor[0])) / priors.log_discrimination_sd) ** 2
            - 0.5 * ((b - anchor[1]) / priors.difficulty_sd) ** 2
            + (alpha - 1) * np.log(max(c, 1e-9))
            + (beta - 1) * np.log1p(-c)
        )
        return -(log_lik + log_prior)

    result = minimize(objective, current, method="L-BFGS-B", bounds=BOUNDS)
    return np.asarray(result.x)
