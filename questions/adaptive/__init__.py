"""The adaptive engine (pure: numpy and scipy, no Django). See `engine` for the model.

The product's interface (everything is recomputed from the answers; nothing per learner is
stored)::

    items = [ItemSpec(q.id, q.category.slug, q.discrimination, q.difficulty, q.guessing) ...]
    engine = Engine.for_bank(items, Thresholds.from_percent(90, 85))  # cached per bank version
    responses = [Response(answer.question_id, answer.correct) ...]  # in the order answered
    step = engine.step(responses, seed=attempt.shuffle_seed)
    step.decision.verdict  # Verdict.CONTINUE / READY / NOT_YET, with p_ready and a reason
    step.next_item  # the question id to show next, None once the decision is final
    estimate = engine.posterior(responses)  # P(ready), per category: expected score,
                                            # 80% interval (low, high), P(category >= 85%)

`calibrate(items, attempts)` refits item parameters from many attempts' answers.
"""

from questions.adaptive.calibration import CalibrationPriors, ItemFit, calibrate
from questions.adaptive.engine import (
    CategoryEstimate,
    Decision,
    Engine,
    EngineConfig,
    Estimate,
    ItemSpec,
    Response,
    Step,
    Thresholds,
    Verdict,
)

__all__ = [
    "CalibrationPriors",
    "CategoryEstimate",
    "Decision",
    "Engine",
    "EngineConfig",
    "Estimate",
    "ItemFit",
    "ItemSpec",
    "Response",
    "Step",
    "Thresholds",
    "Verdict",
    "calibrate",
]
