"""The adaptive engine's properties, without a database."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from bench.adaptive import CATEGORIES, default_layout
from questions.adaptive import (
    Engine,
    EngineConfig,
    ItemSpec,
    Response,
    Thresholds,
    Verdict,
    selection,
)
from questions.adaptive.engine import readiness_information, readiness_summary
from tests.purity import django_modules_imported_by

ITEMS = default_layout()
BY_ID = {item.id: item for item in ITEMS}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.for_bank(ITEMS)


def items_of(level_difficulty: float) -> list[ItemSpec]:
    return [item for item in ITEMS if item.difficulty == level_difficulty]


def answer(ids: list[str], correct: bool) -> list[Response]:
    return [Response(item_id, correct) for item_id in ids]


def test_the_engine_imports_without_django() -> None:
    # The whole package (engine, selection, calibration), in a fresh interpreter with
    # DJANGO_SETTINGS_MODULE unset: not one Django module is loaded.
    assert django_modules_imported_by("questions.adaptive") == []


def test_for_bank_reuses_the_engine_until_the_bank_changes() -> None:
    first = Engine.for_bank(ITEMS)
    assert Engine.for_bank(list(ITEMS)) is first
    changed = (dataclasses.replace(ITEMS[0], difficulty=-1.0), *ITEMS[1:])
    assert Engine.for_bank(changed) is not first


def test_a_right_answer_raises_the_estimate_and_a_wrong_one_lowers_it(engine: Engine) -> None:
    before = engine.posterior([])
    item = "raw-events-05"
    right = engine.posterior([Response(item, True)])
    wrong = engine.posterior([Response(item, False)])
    k = engine.categories.index("raw-events")
    assert right.p_ready > before.p_ready > wrong.p_ready
    assert (
        right.categories[k].expected_score
        > before.categories[k].expected_score
        > wrong.categories[k].expected_score
    )
    assert right.categories[k].ability > before.categories[k].ability > wrong.categories[k].ability
    # Correlated abilities: evidence about one category moves the others the same way, less.
    other = engine.categories.index("basics")
    moved_other = right.categories[other].ability - before.categories[other].ability
    moved_own = right.categories[k].ability - before.categories[k].ability
    assert 0 < moved_other < moved_own


def test_p_ready_rises_with_every_right_answer_on_hard_questions(engine: Engine) -> None:
    hard = [item.id for item in ITEMS if item.difficulty > 1]
    p = [engine.posterior(answer(hard[:n], True)).p_ready for n in range(len(hard) + 1)]
    assert all(later > earlier for earlier, later in itertools.pairwise(p))
    assert p[-1] > 0.8


def test_estimate_reports_intervals_around_the_expected_scores(engine: Engine) -> None:
    estimate = engine.posterior(answer(["basics-01", "basics-05", "production-09"], True))
    assert [c.category for c in estimate.categories] == list(CATEGORIES)
    assert estimate.answered == 3
    basics = estimate.categories[0]
    assert (basics.answered, basics.correct) == (2, 2)
    for category in estimate.categories:
        assert 0 <= category.low < category.expected_score < category.high <= 1
        assert 0 < category.p_meets < 1
    assert estimate.overall_low < estimate.expected_overall < estimate.overall_high
    assert estimate.effective_particles > 1000


def test_no_decision_before_five_answers(engine: Engine) -> None:
    easy_misses = answer([item.id for item in ITEMS if item.difficulty < 0][:5], False)
    for n in range(5):
        decision = engine.decision(easy_misses[:n])
        assert decision.verdict is Verdict.CONTINUE
        assert decision.reason == "too few answers"
    assert engine.decision(easy_misses).verdict is Verdict.NOT_YET


def test_ready_needs_two_answers_in_every_category() -> None:
    engine = Engine.for_bank(ITEMS, config=EngineConfig(ready_at=0.8, curtail=None))
    four_categories = [item.id for item in ITEMS if item.category != "production"]
    responses = answer(four_categories, True)
    assert engine.posterior(responses).p_ready >= engine.config.ready_at
    decision = engine.decision(responses)
    assert decision.verdict is Verdict.CONTINUE
    # The engine then asks the missing category, and says ready once it is covered.
    for _ in range(2):
        item = engine.step(responses, seed=1).next_item
        assert item is not None
        assert BY_ID[item].category == "production"
        responses.append(Response(item, True))
    assert engine.decision(responses).verdict is Verdict.READY


def test_stop_rule_thresholds_and_cap_on_the_batch_rule(engine: Engine) -> None:
    covered = np.full((1, 5), 2)
    thin = np.array([[3, 3, 3, 1, 0]])

    def verdict(p: float, n: int, per_category: np.ndarray = covered) -> int:
        return int(engine.verdicts(np.array([p]), np.array([n]), per_category)[0][0])

    assert verdict(0.96, 10) == 1  # ready
    assert verdict(0.96, 10, thin) == 0  # ready but a category is thin: continue
    assert verdict(0.04, 10) == 2  # not yet
    assert verdict(0.5, 10) == 0
    assert verdict(0.01, 4) == 0  # never before five answers
    assert verdict(0.6, 50) == 1  # at the cap, the likelier side
    assert verdict(0.4, 50) == 2
    assert verdict(0.6, 50, thin) == 2  # never "ready" with a thin category


def test_curtailing_to_ready_needs_the_posterior_to_lean_clearly(engine: Engine) -> None:
    """Curtailment stops once the remaining answers almost surely would not flip the decision;
    towards "ready" it also needs P(ready) >= curtail_ready_at (0.8), towards "not yet" not."""
    covered = np.full((1, 5), 2)

    def verdict(p: float, flip: float) -> tuple[int, int]:
        v, r = engine.verdicts(np.array([p]), np.array([10]), covered, np.array([flip]))
        return int(v[0]), int(r[0])

    assert engine.config.curtail_ready_at == 0.8
    assert verdict(0.85, 0.0) == (1, 5)  # ready, curtailed
    assert verdict(0.75, 0.0) == (0, 1)  # leaning ready, not clearly: continue
    assert verdict(0.85, 0.02) == (0, 1)  # might still flip: continue
    assert verdict(0.30, 0.0) == (2, 5)  # not yet, curtailed
    assert verdict(0.30, 0.02) == (0, 1)


def test_a_cap_below_the_bank_forces_a_decision_with_every_category_covered() -> None:
    engine = Engine.for_bank(ITEMS, config=EngineConfig(max_answers=12, curtail=None))
    responses: list[Response] = []
    step = engine.step(responses, seed=3)
    while step.next_item is not None:
        responses.append(Response(step.next_item, True))
        step = engine.step(responses, seed=3)
    assert step.decision.final
    assert len(responses) <= 12
    counts = [sum(BY_ID[r.item_id].category == c for r in responses) for c in CATEGORIES]
    if step.decision.reason == "question cap reached":
        assert min(counts) >= 2


def test_next_item_is_deterministic_for_a_seed_and_varies_across_seeds(engine: Engine) -> None:
    responses = answer(["basics-04", "run-items-08"], True)
    first = engine.next_item(responses, seed=42)
    assert all(engine.next_item(responses, seed=42) == first for _ in range(3))
    fresh = Engine(ITEMS, Thresholds(), EngineConfig())
    assert fresh.next_item(responses, seed=42) == first
    assert len({engine.next_item(responses, seed=s) for s in range(40)}) > 1


def test_selection_never_repeats_an_answered_item(engine: Engine) -> None:
    rng = np.random.default_rng(5)
    responses: list[Response] = []
    while (item := engine.next_item(responses, seed=9)) is not None:
        assert item not in {r.item_id for r in responses}
        responses.append(Response(item, bool(rng.random() < 0.8)))
    assert len(responses) == len(ITEMS)
    assert engine.step(responses, seed=9).decision.final


def test_the_first_items_are_the_most_informative_about_readiness(engine: Engine) -> None:
    weights = engine.weights(np.zeros((1, engine.particles.theta.shape[0])))
    summary = readiness_summary(weights, engine.particles)
    info = readiness_information(summary)[0]
    first = engine.next_item([], seed=0)
    assert first is not None
    assert info[engine.index[first]] >= engine.config.near_best * info.max() - 1e-12
    # Readiness is decided high on the scale: hard items say more about it than easy ones.
    assert info[engine.index["basics-10"]] > info[engine.index["basics-01"]]


def test_bad_input_is_refused_with_a_clear_message(engine: Engine) -> None:
    with pytest.raises(ValueError, match="Unknown item 'nope-01'"):
        engine.posterior([Response("nope-01", True)])
    with pytest.raises(ValueError, match="answered once"):
        engine.decision([Response("basics-01", True), Response("basics-01", False)])
    with pytest.raises(ValueError, match="at least one item"):
        Engine((), Thresholds(), EngineConfig())


def test_thresholds_from_the_settings_percentages() -> None:
    assert Thresholds.from_percent(90, 85) == Thresholds(0.90, 0.85)


def test_an_exam_stops_before_its_cap_only_when_very_sure() -> None:
    """The exam's engine asks on until P(ready) >= 0.95 (or the quiz's ready probability, when
    higher) or <= 0.02, without curtailment; the practice engine keeps its own rule."""
    exam = selection.exam_engine(ITEMS, Thresholds(), cap=30, ready_at=0.8, min_per_category=2)
    covered = np.full((1, 5), 2)

    def verdict(p: float, answered: int = 15) -> tuple[int, int]:
        v, r = exam.verdicts(np.array([p]), np.array([answered]), covered)
        return int(v[0]), int(r[0])

    assert exam.config.curtail is None
    assert verdict(0.9) == (0, 1)  # issuable, but not sure enough to stop: continue
    assert verdict(0.96) == (1, 2)  # confident: ready
    assert verdict(0.05) == (0, 1)
    assert verdict(0.01) == (2, 3)  # confident: not yet
    assert verdict(0.9, answered=30) == (1, 4)  # the cap decides
    strict = selection.exam_engine(ITEMS, Thresholds(), cap=30, ready_at=0.97, min_per_category=2)
    assert strict.config.ready_at == 0.97
    assert selection.practice_engine(ITEMS, Thresholds(), cap=30).config.curtail is not None
