"""The item analysis's statistics, vectorised over answers (numpy, no Django).

Every function takes flat arrays, one entry per answer (or per attempt), so that a report over
100,000 answers is a handful of `bincount`s and one sort, not a loop over items.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.special import expit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# A vectorised readiness rule: correct and totals per category, shaped (..., categories), give
# one decision per leading index. The rule belongs to certify; the report is handed it.
DecisionRule = Callable[[IntArray, IntArray], BoolArray]


def group_sums(groups: IntArray, values: FloatArray, size: int) -> FloatArray:
    return np.bincount(groups, weights=values, minlength=size).astype(float)


def group_counts(groups: IntArray, size: int) -> IntArray:
    return np.bincount(groups, minlength=size).astype(np.int64)


def safe_divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """Elementwise division, nan where the denominator is 0."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def correlation_by_group(groups: IntArray, x: FloatArray, y: FloatArray, size: int) -> FloatArray:
    """Pearson's r of x and y within each group (nan when either does not vary)."""
    n = group_counts(groups, size).astype(float)
    sx, sy = group_sums(groups, x, size), group_sums(groups, y, size)
    sxy = group_sums(groups, x * y, size)
    sxx, syy = group_sums(groups, x * x, size), group_sums(groups, y * y, size)
    cov = sxy - safe_divide(sx * sy, n)
    vx = sxx - safe_divide(sx * sx, n)
    vy = syy - safe_divide(sy * sy, n)
    denominator = np.sqrt(np.clip(vx, 0, None) * np.clip(vy, 0, None))
    # Rounding leaves a constant's variance a hair above 0: treat that as no variance.
    denominator[(vx < 1e-12) | (vy < 1e-12)] = 0.0
    return safe_divide(cov, denominator)


def rank_within_groups(groups: IntArray, key: FloatArray, size: int) -> tuple[IntArray, IntArray]:
    """Each entry's 0-based position within its group when sorted by `key` (ties by entry
    order), and its group's size."""
    order = np.lexsort((np.arange(len(key)), key, groups))
    counts = group_counts(groups, size)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    position = np.empty(len(key), dtype=np.int64)
    position[order] = np.arange(len(key)) - starts[groups[order]]
    return position, counts[groups]


def extreme_groups(
    groups: IntArray, key: FloatArray, size: int, share: float
) -> tuple[BoolArray, BoolArray]:
    """Entries in the bottom and top `share` of their group by `key` (at least one each)."""
    position, n = rank_within_groups(groups, key, size)
    k = np.maximum(1, np.floor(n * share + 0.5)).astype(np.int64)
    # A group of one is neither top nor bottom: no comparison to make.
    usable = n >= 2
    return usable & (position < k), usable & (position >= n - k)


def kr20(matrix: FloatArray) -> float | None:
    """Kuder-Richardson 20 of a (learners x items) 0/1 matrix (population variances).
    None with fewer than two items or learners, or when the total score does not vary."""
    learners, items = matrix.shape
    if items < 2 or learners < 2:
        return None
    p = matrix.mean(axis=0)
    total_variance = float(matrix.sum(axis=1).var())
    if total_variance == 0:
        return None
    return items / (items - 1) * (1 - float((p * (1 - p)).sum()) / total_variance)


def two_proportion_p(right1: int, n1: int, right2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when it cannot say)."""
    if not n1 or not n2:
        return 1.0
    pooled = (right1 + right2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    z = (right1 / n1 - right2 / n2) / spread
    return normal_two_sided_p(z)


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True)
class Abilities:
    """Each attempt's expected a posteriori ability and posterior standard deviation."""

    mean: FloatArray
    sd: FloatArray


def abilities(
    attempt: IntArray,
    item: IntArray,
    correct: BoolArray,
    item_params: FloatArray,
    size: int,
    *,
    prior_mean: float,
    prior_sd: float,
    nodes: int = 41,
) -> Abilities:
    """EAP abilities, one per attempt, from its answers (the item each answer is to, and the
    items' 3PL a, b, c as rows of `item_params`), on a quadrature grid under a normal prior."""
    grid = np.linspace(-4, 4, nodes)
    theta = prior_mean + prior_sd * grid
    a, b, c = item_params[:, :1], item_params[:, 1:2], item_params[:, 2:3]
    p = np.clip(c + (1 - c) * expit(a * (theta[None, :] - b)), 1e-9, 1 - 1e-9)
    # Rows 2j and 2j + 1: the log-likelihood of a wrong and of a right answer to item j.
    log_p = np.empty((2 * len(item_params), nodes))
    log_p[0::2], log_p[1::2] = np.log1p(-p), np.log(p)
    counts = coo_matrix(
        (np.ones(len(attempt)), (attempt, 2 * item + correct)), shape=(size, len(log_p))
    ).tocsr()
    log_post = counts @ log_p - 0.5 * grid**2
    log_post -= log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post)
    post /= post.sum(axis=1, keepdims=True)
    mean = post @ theta
    sd = np.sqrt(np.clip(post @ theta**2 - mean**2, 0, None))
    return Abilities(mean, sd)


def probability_right(params: FloatArray, theta: FloatArray) -> FloatArray:
    """P(right) of each answer's item at each answer's ability (3PL)."""
    a, b, c = params[:, 0], params[:, 1], params[:, 2]
    return np.asarray(c + (1 - c) * expit(a * (theta - b)), dtype=float)


def marginal_reliability(ability: Abilities) -> float | None:
    """IRT marginal reliability: the share of the estimates' variance that is not error."""
    if len(ability.mean) < 2:
        return None
    error = float(np.mean(ability.sd**2))
    true = float(np.var(ability.mean))
    return true / (true + error) if true + error > 0 else None


def decision_consistency(
    correct: IntArray,
    totals: IntArray,
    decide: DecisionRule,
    *,
    replications: int | None = None,
    seed: int = 20,
) -> float | None:
    """How often two parallel forms would give a learner the same decision (single-administration
    estimate): each learner's true share per category is taken as (right + 1) / (asked + 2), forms
    of the same length per category are drawn from it `replications` times, and the agreement
    P(pass)^2 + P(fail)^2 = 1 - 2 P(pass) P(fail) is averaged over learners (P(pass) P(fail)
    estimated without the bias a finite number of draws gives it). `correct` and `totals` are
    (learners x categories)."""
    if not len(correct):
        return None
    # About 200,000 draws whatever the cohort: many per learner in a small one, 50 at least.
    replications = replications or max(50, -(-200_000 // (len(correct) * correct.shape[1])))
    rng = np.random.default_rng(seed)
    true_share = (correct + 1) / (totals + 2)
    shape = (replications, *correct.shape)
    all_totals = np.broadcast_to(totals, shape)
    draws = rng.binomial(all_totals, np.broadcast_to(true_share, shape))
    p_pass = decide(draws.astype(np.int64), all_totals.astype(np.int64)).mean(axis=0)
    spread = p_pass * (1 - p_pass) * replications / (replications - 1)
    return float(np.clip(np.mean(1 - 2 * spread), 0, 1))
