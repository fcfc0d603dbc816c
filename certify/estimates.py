"""The adaptive engine's projection for the dashboard: per-category estimates and P(ready).

Pure (no Django): the engine (`questions.adaptive`) is stateless, its posterior recomputed from
answers alone. The dashboard gives it every active question as the engine's item (read by
`questions.services.adaptive.items_of`) and the learner's latest answer to each question (from
all finished attempts; one response per question, since the model assumes each item is answered
once), and this module turns the engine's shares (0 to 1) into percentages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from certify.readiness import Estimate, Projection
from questions import adaptive
from questions.scoring import Thresholds

# The dashboard's prior over abilities: centred nearer an average learner than the engine's
# (1.75) and much wider, so that the learner's own answers, a single bad exam included, move the
# projection at once. Only the dashboard's projection uses it: the engine's own prior drives
# adaptive practice and certification decisions, tuned for their false-certify rate.
# Measured on the stored bank (one answer per category, all wrong): estimate 37.6% (28-48%)
# with the engine's prior, 27.4% (22-36%) with this one; all right on two per category, the
# chance of passing stays near the engine's (24% with the engine's prior, 24% with this one).
DASHBOARD_PRIOR = adaptive.EngineConfig(prior_mean=1.0, prior_sd=2.5)


def _estimate(mean: float, low: float, high: float, p_meets: float | None = None) -> Estimate:
    """Shares to percentages, one decimal; the mean kept inside its interval after rounding."""
    mean, low, high = (round(100 * value, 1) for value in (mean, low, high))
    return Estimate(mean=mean, low=min(low, mean), high=max(high, mean), p_meets=p_meets)


def projection_for(
    *,
    items: Sequence[adaptive.ItemSpec],
    latest: Sequence[tuple[str, str, bool, datetime]],
    thresholds: Thresholds,
) -> Projection | None:
    """The engine's projection, or None before it has enough answers to say anything about
    this learner (its own rule: no decision before `min_answers`)."""
    posterior = adaptive.estimate_from(
        items,
        [adaptive.Response(item_id=qid, correct=correct) for qid, _, correct, _ in latest],
        thresholds=adaptive.Thresholds.from_percent(thresholds.overall, thresholds.category),
        config=DASHBOARD_PRIOR,
    )
    if posterior is None or posterior.answered < adaptive.EngineConfig().min_answers:
        return None
    return Projection(
        p_ready=posterior.p_ready,
        categories={
            c.category: _estimate(c.expected_score, c.low, c.high, c.p_meets)
            for c in posterior.categories
        },
        overall=_estimate(
            posterior.expected_overall, posterior.overall_low, posterior.overall_high
        ),
        answers=posterior.answered,
    )
