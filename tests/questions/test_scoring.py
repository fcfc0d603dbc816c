"""Scoring and readiness: pure, no database."""

from __future__ import annotations

import pytest

from questions.scoring import (
    ItemResult,
    Score,
    Scorecard,
    Thresholds,
    answer_is_correct,
    readiness,
    score,
    scorecard_from_counts,
)

EXAM = Thresholds(overall=90, category=85)


def results(**per_category: tuple[int, int]) -> list[ItemResult]:
    """results(basics=(17, 20)) -> 17 right and 3 wrong answers in basics."""
    items: list[ItemResult] = []
    for category, (right, total) in per_category.items():
        items += [ItemResult(category.replace("_", "-"), True)] * right
        items += [ItemResult(category.replace("_", "-"), False)] * (total - right)
    return items


@pytest.mark.parametrize(
    ("kind", "chosen", "correct", "expected"),
    [
        ("single", [2], [2], True),
        ("single", [1], [2], False),
        ("single", [], [2], False),
        ("single", [1, 2], [2], False),
        ("true_false", [7], [7], True),
        ("true_false", [8], [7], False),
        ("multiple", [1, 3], [3, 1], True),
        ("multiple", [1], [1, 3], False),  # all or nothing: a subset is wrong
        ("multiple", [1, 3, 4], [1, 3], False),  # a superset is wrong too
        ("multiple", [], [1, 3], False),
    ],
)
def test_answer_is_correct(
    kind: str, chosen: list[int], correct: list[int], expected: bool
) -> None:
    assert answer_is_correct(kind, chosen, correct) is expected


def test_score_counts_overall_and_per_category_in_first_seen_order() -> None:
    card = score(results(raw_events=(3, 4), basics=(1, 2)))

    assert card.overall == Score(4, 6)
    assert list(card.categories) == ["raw-events", "basics"]
    assert card.categories["raw-events"] == Score(3, 4)
    assert card.categories["raw-events"].percent == 75.0
    assert card.overall.percent == 66.6  # rounded down, never up


def test_percent_is_rounded_down_so_a_shown_90_never_fails_90() -> None:
    almost = Score(8999, 10000)
    assert almost.percent == 89.9
    assert not almost.meets(90)
    assert Score(0, 0).percent == 0.0


@pytest.mark.parametrize(
    ("right", "total", "threshold", "meets"),
    [
        (17, 20, 85, True),  # exactly 85% passes
        (9, 10, 90, True),  # exactly 90% passes
        (45, 50, 90, True),
        (44, 50, 90, False),
        (16, 20, 85, False),
        (11, 13, 85, False),  # 84.6%
        (0, 0, 85, False),  # no evidence meets nothing
    ],
)
def test_meets_is_exact_at_the_threshold(
    right: int, total: int, threshold: int, meets: bool
) -> None:
    assert Score(right, total).meets(threshold) is meets


def test_gap_is_points_short_rounded_up() -> None:
    assert Score(8, 10).gap(85) == 5.0
    assert Score(11, 13).gap(85) == 0.4  # 84.615...
    assert Score(17, 20).gap(85) == 0.0


def test_score_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="correct <= total"):
        Score(3, 2)


def test_ready_at_exactly_90_overall_and_85_in_every_category() -> None:
    # 90% overall, every category exactly 85% or better.
    card = score(
        results(basics=(17, 20), raw_events=(20, 20), run_items=(10, 10), production=(25, 26))
    )
    assert card.overall == Score(72, 76)  # 94.7%
    verdict = readiness(card, EXAM)
    assert verdict.ready
    assert verdict.overall_met
    assert dict(verdict.category_gaps) == {}

    exactly = score(results(basics=(17, 20), raw_events=(19, 20), run_items=(18, 20)))
    assert exactly.overall == Score(54, 60)  # exactly 90%
    assert readiness(exactly, EXAM).ready


def test_one_category_below_85_is_not_ready_even_with_a_high_overall() -> None:
    card = score(results(basics=(40, 40), raw_events=(8, 10)))
    assert card.overall.meets(90)
    verdict = readiness(card, EXAM)

    assert not verdict.ready
    assert verdict.overall_met
    assert dict(verdict.category_gaps) == {"raw-events": 5.0}


def test_overall_below_90_is_not_ready_even_with_every_category_at_85() -> None:
    card = score(results(basics=(17, 20), raw_events=(17, 20)))
    verdict = readiness(card, EXAM)

    assert not verdict.ready
    assert not verdict.overall_met
    assert dict(verdict.category_gaps) == {}


def test_a_category_a_partial_quiz_did_not_ask_is_not_a_failure() -> None:
    drill = score(results(raw_events=(9, 10)))
    verdict = readiness(drill, EXAM)

    assert verdict.ready
    assert "basics" not in drill.categories
    assert "basics" not in verdict.category_gaps


def test_an_empty_quiz_is_never_ready() -> None:
    assert not readiness(score([]), EXAM).ready
    assert not readiness(Scorecard(overall=Score(0, 0)), EXAM).ready


def test_scorecard_round_trips_through_stored_counts() -> None:
    card = score(results(basics=(3, 4), production=(2, 2)))
    stored = {name: s.as_dict() for name, s in card.categories.items()}

    assert scorecard_from_counts(stored) == card
