"""Mastery rows and readiness: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from certify.readiness import (
    Estimate,
    ExamResult,
    Projection,
    Standing,
    mastery,
    readiness,
)
from questions.scoring import Score, Thresholds, scorecard_from_counts

EXAM = Thresholds(overall=90, category=85)
CATEGORIES = [("basics", "Basics"), ("raw-events", "Raw events")]
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def exam(day: int, **scores: tuple[int, int]) -> ExamResult:
    counts = {k.replace("_", "-"): {"correct": c, "total": t} for k, (c, t) in scores.items()}
    card = scorecard_from_counts(counts)
    ready = all(Score(c, t).meets(85) for c, t in scores.values()) and card.overall.meets(90)
    return ExamResult(attempt_id=day, finished_at=T0 + timedelta(days=day), card=card, passed=ready)


def test_no_exams_no_projection_means_nothing_known() -> None:
    rows = mastery(CATEGORIES, [], EXAM)

    assert rows.overall.latest is None
    assert rows.overall.best is None
    assert [row.gap for row in rows.categories] == [None, None]
    verdict = readiness(rows, certified=False)
    assert verdict.standing is Standing.NOT_YET
    assert verdict.basis == "none"
    assert verdict.gaps == {}


def test_latest_is_the_last_finished_and_best_is_per_category() -> None:
    # Given out of order: the latest is by finish time, not list position.
    exams = [
        exam(5, basics=(6, 10), raw_events=(10, 10)),
        exam(1, basics=(9, 10), raw_events=(7, 10)),
    ]

    rows = mastery(CATEGORIES, exams, EXAM)

    basics, raw = rows.categories
    assert basics.latest == Score(6, 10)
    assert basics.best == Score(9, 10)
    assert raw.latest == Score(10, 10)
    assert raw.best == Score(10, 10)
    assert rows.overall.latest == Score(16, 20)
    assert rows.overall.best == Score(16, 20)  # 16/20 both times: a tie keeps either
    assert basics.gap == 25.0
    assert raw.gap == 0.0


def test_not_yet_names_the_gap_in_points_per_category_from_the_latest_exam() -> None:
    rows = mastery(CATEGORIES, [exam(1, basics=(17, 20), raw_events=(14, 20))], EXAM)

    verdict = readiness(rows, certified=False)

    assert verdict.standing is Standing.NOT_YET
    assert verdict.basis == "exam"
    assert verdict.gaps == {"raw-events": 15.0}  # basics: exactly 85% meets the bar
    assert verdict.overall_gap == 12.5


def test_certified_wins_over_everything() -> None:
    rows = mastery(CATEGORIES, [exam(1, basics=(10, 10), raw_events=(10, 10))], EXAM)

    assert readiness(rows, certified=True).standing is Standing.CERTIFIED
    assert readiness(rows, certified=True).label == "Certified"


@pytest.mark.parametrize(("p_ready", "standing"), [(0.8, Standing.READY), (0.79, Standing.NOT_YET)])
def test_projected_ready_from_the_engine_at_the_probability_bar(
    p_ready: float, standing: Standing
) -> None:
    projection = Projection(
        p_ready=p_ready,
        categories={
            "basics": Estimate(92, 85, 97, 0.9),
            "raw-events": Estimate(80, 70, 88, 0.3),
        },
    )
    rows = mastery(CATEGORIES, [], EXAM, projection)

    verdict = readiness(rows, certified=False, projection=projection)

    assert verdict.standing is standing
    assert verdict.p_ready == p_ready
    assert rows.categories[1].estimate == Estimate(80, 70, 88, 0.3)
    if standing is Standing.NOT_YET:
        # No exam yet: the gaps come from the estimates.
        assert verdict.basis == "estimate"
        assert verdict.gaps == {"raw-events": 5.0}


def test_a_category_the_latest_exam_did_not_ask_has_no_exam_gap() -> None:
    rows = mastery(CATEGORIES, [exam(1, basics=(5, 10))], EXAM)

    verdict = readiness(rows, certified=False)

    assert rows.categories[1].latest is None
    assert verdict.gaps == {"basics": 35.0}


def test_an_estimate_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="low <= mean"):
        Estimate(mean=50, low=60, high=70)


def test_ready_decisions_agree_with_the_scorecard_rule() -> None:
    """The vectorised rule the item analysis uses gives the same decision as `readiness` on
    every scorecard (categories left out included), at the bar's exact edges too."""
    import numpy as np

    from certify.readiness import ready_decisions
    from questions.scoring import readiness as card_readiness

    rng = np.random.default_rng(4)
    totals = rng.integers(0, 11, size=(2000, 5))
    correct = rng.integers(0, 11, size=(2000, 5)) % (totals + 1)
    bar = Thresholds(90, 85)
    vectorised = ready_decisions(correct, totals, bar, every_category=False)
    for row, decided in zip(range(len(totals)), vectorised, strict=True):
        counts = {
            f"c{k}": {"correct": int(correct[row, k]), "total": int(totals[row, k])}
            for k in range(5)
            if totals[row, k]
        }
        assert decided == card_readiness(scorecard_from_counts(counts), bar).ready
    assert vectorised.any()
    every = ready_decisions(correct, totals, bar)
    assert not every[(totals == 0).any(axis=1)].any()
