"""The adaptive engine (pure: numpy and scipy, no Django). See `engine` for the model.

- `engine`: the model (3PL items, per-category abilities), the posterior, selection and stopping.
- `selection`: the engine as the product asks it (adaptive practice's next step, an estimate).
- `calibration`: refitting item parameters from many attempts' answers.

Reading the bank and the answers from the database, and writing outcomes and calibrations, is
`questions.services.adaptive` and `questions.services.calibration`; the records are
`questions.models.adaptive`; the simulator that benchmarks the engine is `bench.adaptive`.

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
`estimate_from(items, responses, thresholds=...)` is the posterior from the responses to known
items, None when there is nothing to estimate from.
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
from questions.adaptive.selection import Served, estimate_from, next_step, practice_engine

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
    "Served",
    "Step",
    "Thresholds",
    "Verdict",
    "calibrate",
    "estimate_from",
    "next_step",
    "practice_engine",
]
