"""Scoring and readiness, as plain data in and out (no Django imports).

Quizzes score attempts with it, and the dashboard reuses it for any set of results. Comparisons
with thresholds are exact (integer arithmetic on counts), so 17 of 20 is exactly 85% and passes
an 85% bar; percentages for display are rounded down, so a score shown as 90% never fails a 90%
bar.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

SINGLE_ANSWER_KINDS = frozenset({"single", "true_false"})


def answer_is_correct(kind: str, chosen: Collection[int], correct: Collection[int]) -> bool:
    """Single choice and true/false: the one right option. Multiple choice: all or nothing."""
    chosen_set, correct_set = set(chosen), set(correct)
    if not chosen_set:
        return False
    if kind in SINGLE_ANSWER_KINDS:
        return len(chosen_set) == 1 and chosen_set <= correct_set
    return chosen_set == correct_set


@dataclass(frozen=True)
class ItemResult:
    """One question of a quiz: its category and whether it was answered right (unanswered: no)."""

    category: str
    correct: bool


@dataclass(frozen=True)
class Score:
    correct: int
    total: int

    def __post_init__(self) -> None:
        if not 0 <= self.correct <= self.total:
            raise ValueError(
                f"a score needs 0 <= correct <= total, not {self.correct}/{self.total}"
            )

    @property
    def percent(self) -> float:
        """For display: rounded down to one decimal (0.0 when there were no questions)."""
        if not self.total:
            return 0.0
        return math.floor(self.correct * 1000 / self.total) / 10

    def meets(self, threshold: float) -> bool:
        """Exactly at the threshold passes; an empty score meets nothing."""
        return self.total > 0 and self.correct * 100 >= threshold * self.total

    def gap(self, threshold: float) -> float:
        """Points below the threshold, rounded up to one decimal (0 when met)."""
        if self.meets(threshold):
            return 0.0
        exact = threshold - (self.correct * 100 / self.total if self.total else 0)
        return math.ceil(round(exact * 10, 6)) / 10

    def as_dict(self) -> dict[str, int]:
        return {"correct": self.correct, "total": self.total}


@dataclass(frozen=True)
class Scorecard:
    overall: Score
    # Only the categories the quiz had questions in, in first-seen order.
    categories: Mapping[str, Score] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    overall: float
    category: float


@dataclass(frozen=True)
class Readiness:
    ready: bool
    overall_met: bool
    # Category -> points below the category threshold, for the categories that fell short.
    category_gaps: Mapping[str, float] = field(default_factory=dict)


def score(results: Iterable[ItemResult]) -> Scorecard:
    right: dict[str, int] = {}
    seen: dict[str, int] = {}
    for result in results:
        seen[result.category] = seen.get(result.category, 0) + 1
        right[result.category] = right.get(result.category, 0) + int(result.correct)
    categories = {name: Score(right[name], total) for name, total in seen.items()}
    overall = Score(sum(right.values()), sum(seen.values()))
    return Scorecard(overall=overall, categories=categories)


def scorecard_from_counts(counts: Mapping[str, Mapping[str, int]]) -> Scorecard:
    """Rebuild a scorecard from stored counts ({category: {"correct": c, "total": t}})."""
    categories = {name: Score(c["correct"], c["total"]) for name, c in counts.items()}
    overall = Score(
        sum(s.correct for s in categories.values()), sum(s.total for s in categories.values())
    )
    return Scorecard(overall=overall, categories=categories)


def readiness(card: Scorecard, thresholds: Thresholds) -> Readiness:
    """Ready = overall >= its threshold and every category asked >= the category threshold.

    A category the quiz did not ask about is not a failure; an empty quiz proves nothing, so it
    is never ready.
    """
    gaps = {
        name: category_score.gap(thresholds.category)
        for name, category_score in card.categories.items()
        if not category_score.meets(thresholds.category)
    }
    overall_met = card.overall.meets(thresholds.overall)
    return Readiness(ready=overall_met and not gaps, overall_met=overall_met, category_gaps=gaps)
