"""The adaptive engine (pure: numpy and scipy, no Django). See `engine` for the model.

The product's interface::

    engine = Engine.for_bank(items, Thresholds.from_percent(90, 85))  # cached per bank
    step = engine.step(responses, seed=attempt_seed)  # Step(decision, next_item)
    estimate = engine.posterior(responses)  # P(ready), per-category scores and intervals
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
