"""Refit 3PL item parameters from real answers (the pure part of `calibrate_items`).

Marginal maximum a posteriori by EM, one category at a time (an item only measures its own
category's ability). Abilities are integrated out on a quadrature grid under the engine's prior
for one category (normal, the engine's mean and sd), so refitted parameters stay on the scale
the engine's prior speaks. Priors keep sparse items sane: log-normal on the discrimination,
normal around the current difficulty, Beta around the current guessing. Items with fewer than
`min_answers` answers are never refitted on their own (they keep their parameters and only help
the E-step); but a generated item's family is refitted as one item from its variants' answers
pooled (each attempt's first variant), and the variants without enough answers of their own take
the family's parameters: per family before per item. Every refitted item carries the standard
errors of its parameters (from the curvature of the posterior at the fit), which say when a
pretest item is known well enough to count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

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


# A family's pooled item in the family pass.
FAMILY_PREFIX = "family:"


@dataclass(frozen=True)
class ItemFit:
    item: ItemSpec  # the new parameters (unchanged when not refitted)
    answers: int
    refitted: bool
    # Standard errors of (a, b, c) when refitted; "item" (its own answers) or "family" (its
    # family's pooled answers).
    errors: tuple[float, float, float] | None = None
    source: str = "item"

    def precise(self, max_error: float) -> bool:
        """Refitted, with a and b known within `max_error` (one standard error)."""
        return self.errors is not None and max(self.errors[:2]) <= max_error


def calibrate(
    items: Sequence[ItemSpec],
    attempts: Sequence[Sequence[Response]],
    *,
    min_answers: int = 200,
    priors: CalibrationPriors | None = None,
    iterations: int = 40,
    tolerance: float = 1e-3,
    nodes: int = 31,
    by_family: bool = True,
) -> tuple[ItemFit, ...]:
    """New parameters for every item, from each attempt's answers (one learner each)."""
    settings = _Settings(priors or CalibrationPriors(), iterations, tolerance, nodes)
    y = _response_matrix(items, attempts)
    counts = (~np.isnan(y)).sum(axis=0)
    fit = counts >= min_answers
    params, errors = _fit_all(items, y, fit, settings)
    fits = [
        _item_fit(item, params[j], errors[j], int(counts[j]), bool(fit[j]))
        for j, item in enumerate(items)
    ]
    if by_family:
        fits = _family_fits(fits, attempts, min_answers, settings)
    return tuple(fits)


@dataclass(frozen=True)
class _Settings:
    priors: CalibrationPriors
    iterations: int
    tolerance: float
    nodes: int


def _fit_all(
    items: Sequence[ItemSpec], y: FloatArray, fit: np.ndarray, settings: _Settings
) -> tuple[FloatArray, FloatArray]:
    """Parameters and their standard errors (nan where not refitted), category by category."""
    params = np.array([[i.discrimination, i.difficulty, i.guessing] for i in items], dtype=float)
    errors = np.full_like(params, np.nan)
    for category in dict.fromkeys(item.category for item in items):
        cols = np.array([j for j, item in enumerate(items) if item.category == category])
        if fit[cols].any():
            params[cols], errors[cols] = _fit_category(
                y[:, cols], params[cols], fit[cols], settings
            )
    return params, errors


def _family_fits(
    fits: list[ItemFit],
    attempts: Sequence[Sequence[Response]],
    min_answers: int,
    settings: _Settings,
) -> list[ItemFit]:
    """Variants without enough answers of their own take their family's parameters, fitted
    from the family's pooled answers where those are enough."""
    pending = _pending_families(fits)
    if not pending:
        return fits
    by_family = _fit_families(fits, pending, attempts, min_answers, settings)
    result = list(fits)
    for family, (new, error) in by_family.items():
        for j in pending[family]:
            result[j] = replace(
                _item_fit(fits[j].item, new, error, fits[j].answers, True), source="family"
            )
    return result


def _pending_families(fits: list[ItemFit]) -> dict[str, list[int]]:
    """Per family, the positions of its variants that were not refitted on their own."""
    pending: dict[str, list[int]] = {}
    for j, fit in enumerate(fits):
        if fit.item.family and not fit.refitted:
            pending.setdefault(fit.item.family, []).append(j)
    return pending


def _fit_families(
    fits: list[ItemFit],
    pending: dict[str, list[int]],
    attempts: Sequence[Sequence[Response]],
    min_answers: int,
    settings: _Settings,
) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Each pending family fitted as one item (its variants' answers pooled) beside the items as
    they now stand: its parameters and errors, for the families with enough answers."""
    anchors = _anchors(fits, pending)
    items = [*anchors, *(_pooled(fits, family, rows) for family, rows in pending.items())]
    families = {fits[j].item.id: family for family, rows in pending.items() for j in rows}
    y = _response_matrix(items, [_pooled_responses(answers, families) for answers in attempts])
    counts = (~np.isnan(y)).sum(axis=0)
    fit = np.array([j >= len(anchors) for j in range(len(items))]) & (counts >= min_answers)
    params, errors = _fit_all(items, y, fit, settings)
    return {
        items[j].id.removeprefix(FAMILY_PREFIX): (params[j], errors[j])
        for j in range(len(anchors), len(items))
        if fit[j]
    }


def _anchors(fits: list[ItemFit], pending: dict[str, list[int]]) -> list[ItemSpec]:
    """The refitted and family-less items as they now stand."""
    return [fit.item for fit in fits if fit.refitted or fit.item.family not in pending]


def _pooled(fits: list[ItemFit], family: str, rows: list[int]) -> ItemSpec:
    """A family as one item: the mean of its pending variants' parameters."""
    variants = [fits[j].item for j in rows]
    return ItemSpec(
        f"{FAMILY_PREFIX}{family}",
        variants[0].category,
        float(np.mean([v.discrimination for v in variants])),
        float(np.mean([v.difficulty for v in variants])),
        float(np.mean([v.guessing for v in variants])),
        family=family,
    )


def _pooled_responses(responses: Sequence[Response], families: dict[str, str]) -> list[Response]:
    """An attempt's answers with each pending variant answered as its family (the first one)."""
    pooled: list[Response] = []
    seen: set[str] = set()
    for response in responses:
        family = families.get(response.item_id)
        if family is None:
            pooled.append(response)
        elif family not in seen:
            seen.add(family)
            pooled.append(Response(f"{FAMILY_PREFIX}{family}", response.correct))
    return pooled


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


def _item_fit(
    item: ItemSpec, params: FloatArray, errors: FloatArray, answers: int, refitted: bool
) -> ItemFit:
    if not refitted:
        return ItemFit(item, answers, False)
    a, b, c = (round(float(v), 4) for v in params)
    se = (float(errors[0]), float(errors[1]), float(errors[2]))
    return ItemFit(
        ItemSpec(item.id, item.category, a, b, c, family=item.family), answers, True, errors=se
    )


def _probability(params: FloatArray, theta: FloatArray) -> FloatArray:
    """(items, nodes) P(right)."""
    a, b, c = params[:, :1], params[:, 1:2], params[:, 2:3]
    return np.clip(c + (1 - c) * expit(a * (theta[None, :] - b)), 1e-9, 1 - 1e-9)


def _fit_category(
    y: FloatArray, start: FloatArray, refit: np.ndarray, settings: _Settings
) -> tuple[FloatArray, FloatArray]:
    priors = settings.priors
    asked = ~np.isnan(y)
    keep = asked.any(axis=1)
    y, asked = np.nan_to_num(y[keep]), asked[keep].astype(float)
    theta = priors.ability_mean + priors.ability_sd * np.linspace(-4, 4, settings.nodes)
    log_prior_theta = norm.logpdf(np.linspace(-4, 4, settings.nodes))
    anchor = start.copy()
    params = start.copy()
    for _ in range(settings.iterations):
        r, n = _expected(y, asked, params, theta, log_prior_theta)
        new = params.copy()
        for j in np.flatnonzero(refit):
            new[j] = _m_step(r[j], n[j], theta, params[j], anchor[j], priors)
        change = np.abs(new - params).max()
        params = new
        if change < settings.tolerance:
            break
    r, n = _expected(y, asked, params, theta, log_prior_theta)
    errors = np.full_like(params, np.nan)
    for j in np.flatnonzero(refit):
        errors[j] = _standard_errors(r[j], n[j], theta, params[j], anchor[j], priors)
    return params, errors


def _expected(
    y: FloatArray,
    asked: FloatArray,
    params: FloatArray,
    theta: FloatArray,
    log_prior_theta: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """E-step: each learner's posterior over the grid; expected right and asked per item and
    node."""
    p = _probability(params, theta)
    log_post = log_prior_theta + (y * asked) @ np.log(p) + ((1 - y) * asked) @ np.log1p(-p)
    log_post -= log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post)
    post /= post.sum(axis=1, keepdims=True)
    return (y * asked).T @ post, asked.T @ post


def _standard_errors(
    right: FloatArray,
    asked: FloatArray,
    theta: FloatArray,
    params: FloatArray,
    anchor: FloatArray,
    priors: CalibrationPriors,
) -> FloatArray:
    """(a, b, c) standard errors: the inverse curvature of the negative log posterior at the fit
    (a numerical Hessian); inf where it is not positive definite."""
    objective = _objective(right, asked, theta, anchor, priors)
    step = np.array([1e-3, 1e-3, 1e-4])
    x = np.clip(params, [low + 2e-4 for low, _ in BOUNDS], [high - 2e-4 for _, high in BOUNDS])
    hessian = np.zeros((3, 3))
    for i in range(3):
        for k in range(3):
            e_i, e_k = np.eye(3)[i] * step[i], np.eye(3)[k] * step[k]
            hessian[i, k] = (
                objective(x + e_i + e_k)
                - objective(x + e_i - e_k)
                - objective(x - e_i + e_k)
                + objective(x - e_i - e_k)
            ) / (4 * step[i] * step[k])
    try:
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.full(3, np.inf)
    variances = np.diag(covariance)
    if np.any(variances <= 0) or np.any(np.linalg.eigvalsh((hessian + hessian.T) / 2) <= 0):
        return np.full(3, np.inf)
    return np.sqrt(variances)


def _objective(
    right: FloatArray,
    asked: FloatArray,
    theta: FloatArray,
    anchor: FloatArray,
    priors: CalibrationPriors,
) -> Callable[[FloatArray], float]:
    """The item's negative log posterior given the E-step's expected counts."""
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
        return float(-(log_lik + log_prior))

    return objective


def _m_step(
    right: FloatArray,
    asked: FloatArray,
    theta: FloatArray,
    current: FloatArray,
    anchor: FloatArray,
    priors: CalibrationPriors,
) -> FloatArray:
    objective = _objective(right, asked, theta, anchor, priors)
    result = minimize(objective, current, method="L-BFGS-B", bounds=BOUNDS)
    return np.asarray(result.x)
