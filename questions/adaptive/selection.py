"""The engine as the product asks it: which question adaptive practice serves next and when it
stops (the engine's step), and a learner's estimate from their answers.

Pure: plain data in, the engine's `Step` out. `questions.services.attempts` builds the items from
the quiz's active questions and the served list from the attempt's answers, and asks once per
answered question (inside the answer's transaction). Nothing is stored between requests: the
engine is cached per bank version (its items and parameters) and the learner's state is
recomputed from the answers, so every worker process gives the same question for the same answers
and seed.
"""

from __future__ import annotations

from collections.abc import Sequence

from questions.adaptive.engine import (
    Engine,
    EngineConfig,
    Estimate,
    ItemSpec,
    Response,
    Step,
    Thresholds,
)

# (question id, correct) in the order served; correct is None while unanswered.
Served = Sequence[tuple[str, bool | None]]


def practice_engine(
    items: Sequence[ItemSpec], thresholds: Thresholds, *, cap: int | None
) -> Engine:
    """The engine for these items, stopping at `cap` answers at the latest (the quiz's limit).

    Built once per process for each distinct (items, thresholds, cap): the items carry their
    parameters, so an activated, retired or recalibrated question means a new engine.
    """
    return Engine.for_bank(items, thresholds, EngineConfig(max_answers=cap))


def responses_known(engine: Engine, served: Served) -> list[Response]:
    """The answered questions the engine knows, in the order served.

    A question retired since it was served is no longer in the bank, so its answer says nothing
    about the exam the engine predicts: it is left out (and does not count toward the cap).
    """
    return [
        Response(item_id, correct)
        for item_id, correct in served
        if correct is not None and item_id in engine.index
    ]


def next_step(
    items: Sequence[ItemSpec],
    served: Served,
    *,
    thresholds: Thresholds,
    cap: int | None,
    seed: int,
) -> Step:
    """The engine's decision on the answers so far and, unless it is final, the next question.

    `seed` is the attempt's seed: the random choice among near-best questions (exposure control
    across attempts) is the same on every retry of the same request.
    """
    engine = practice_engine(items, thresholds, cap=cap)
    return engine.step(responses_known(engine, served), seed=seed)


# An exam stops before its cap only on a very sure decision. Stopping as soon as the issuing
# probability was reached (and curtailing) left a third of the cap unused for 1 point of decision
# accuracy over the fixed form; asking on until P(ready) >= 0.95 or <= 0.02 measured better
# (`simulate_adaptive --scenario pool`, figures in the README).
EXAM_STOP_READY = 0.95
EXAM_STOP_NOT_READY = 0.02


def exam_engine(
    items: Sequence[ItemSpec],
    thresholds: Thresholds,
    *,
    cap: int,
    ready_at: float,
    min_per_category: int,
) -> Engine:
    """The engine of an adaptive certification exam: at most `cap` questions, "ready" only at
    P(ready) >= `ready_at` with `min_per_category` answers in every category.

    It stops before the cap only when the decision is very sure (see `EXAM_STOP_READY` and
    `EXAM_STOP_NOT_READY`), without curtailment; wherever it stops, the certificate is still the
    issuing rule's (P(ready) >= the quiz's ready probability, every category's minimum
    answered: `questions.services.attempts.adaptive_exam_passed`)."""
    config = EngineConfig(
        max_answers=cap,
        ready_at=max(ready_at, EXAM_STOP_READY),
        not_ready_at=min(1 - ready_at, EXAM_STOP_NOT_READY),
        min_per_category=min_per_category,
        min_answers=min(cap, min_per_category * len({item.category for item in items})),
        curtail=None,
    )
    return Engine.for_bank(items, thresholds, config)


def exam_step(engine: Engine, served: Served, *, seed: int, blocked: Sequence[str] = ()) -> Step:
    """The adaptive exam's decision so far and next question (blueprint-full cells blocked)."""
    return engine.step(responses_known(engine, served), seed=seed, blocked=frozenset(blocked))


def estimate_from(
    items: Sequence[ItemSpec],
    responses: Sequence[Response],
    *,
    thresholds: Thresholds,
    config: EngineConfig | None = None,
) -> Estimate | None:
    """The engine's estimate from `responses` (those to questions among `items` count) at
    `thresholds` (with `config`'s prior, default the engine's); None when there is no item or
    no response to go on."""
    if not items:
        return None
    engine = Engine.for_bank(tuple(items), thresholds, config)
    known = [r for r in responses if r.item_id in engine.index]
    if not known:
        return None
    return engine.posterior(known)
