"""Where a learner stands against the certification bar, as plain data (no Django imports).

The dashboard feeds it the learner's finished certification exams, the adaptive engine's
projection when there is one, and whether they hold a valid certificate; it returns the mastery
rows (latest exam, best exam, estimate per category and overall) and the standing:

- certified: the learner holds a valid certificate;
- ready to sit the exam: the engine's projected P(ready) is at least READY_PROBABILITY;
- not yet: otherwise, with the points still missing per category and overall, measured on the
  latest exam, or on the engine's estimate when there is no exam yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from questions.scoring import Score, Scorecard, Thresholds

# The projected chance of passing the exam at which the dashboard says "ready to sit the exam".
READY_PROBABILITY = 0.8


@dataclass(frozen=True)
class Estimate:
    """The adaptive engine's view of a score: expected percent and its 80% interval."""

    mean: float
    low: float
    high: float
    # P(score >= the threshold), when the engine gives it.
    p_meets: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.mean <= self.high <= 100:
            raise ValueError(f"need 0 <= low <= mean <= high <= 100, not {self}")


@dataclass(frozen=True)
class Projection:
    """The engine's projection from the learner's answers: P(ready) and per-category estimates."""

    p_ready: float
    categories: Mapping[str, Estimate]
    overall: Estimate | None = None
    answers: int = 0


@dataclass(frozen=True)
class ExamResult:
    """One finished certification exam."""

    attempt_id: int
    finished_at: datetime
    card: Scorecard
    passed: bool


@dataclass(frozen=True)
class MasteryRow:
    """One bar group of the dashboard: a category (or overall) against its threshold."""

    key: str
    label: str
    threshold: float
    latest: Score | None = None
    best: Score | None = None
    estimate: Estimate | None = None

    @property
    def meets(self) -> bool | None:
        """Whether the latest exam met the threshold (None: no exam asked this yet)."""
        return self.latest.meets(self.threshold) if self.latest else None

    @property
    def gap(self) -> float | None:
        """Points below the threshold: on the latest exam, else on the estimate (None: unknown)."""
        if self.latest is not None:
            return self.latest.gap(self.threshold)
        if self.estimate is not None:
            return max(0.0, round(self.threshold - self.estimate.mean, 1))
        return None


@dataclass(frozen=True)
class Mastery:
    overall: MasteryRow
    categories: Sequence[MasteryRow]


class Standing(StrEnum):
    CERTIFIED = "certified"
    READY = "ready"
    NOT_YET = "not-yet"


@dataclass(frozen=True)
class Readiness:
    standing: Standing
    # "exam": gaps measured on the latest exam; "estimate": on the engine's estimates; "none".
    basis: str
    p_ready: float | None = None
    overall_gap: float | None = None
    # Category key -> points below its threshold, only the categories that fall short.
    gaps: Mapping[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return {
            Standing.CERTIFIED: "Certified",
            Standing.READY: "Ready to sit the exam",
            Standing.NOT_YET: "Not yet",
        }[self.standing]


def _best(scores: Sequence[Score]) -> Score | None:
    """The highest score by exact fraction; the most questions wins a tie (more evidence)."""
    asked = [s for s in scores if s.total]
    return max(asked, key=lambda s: (Fraction(s.correct, s.total), s.total), default=None)


def mastery(
    categories: Sequence[tuple[str, str]],
    exams: Sequence[ExamResult],
    thresholds: Thresholds,
    projection: Projection | None = None,
) -> Mastery:
    """Latest, best and estimated score per category (key, label) and overall.

    `exams` may come in any order; the latest is the one finished last. A category an exam did
    not ask is left out of that exam's latest/best for the category.
    """
    ordered = sorted(exams, key=lambda exam: exam.finished_at)
    latest = ordered[-1] if ordered else None
    estimates = projection.categories if projection else {}
    rows = [
        MasteryRow(
            key=key,
            label=label,
            threshold=thresholds.category,
            latest=latest.card.categories.get(key) if latest else None,
            best=_best([e.card.categories[key] for e in ordered if key in e.card.categories]),
            estimate=estimates.get(key),
        )
        for key, label in categories
    ]
    overall = MasteryRow(
        key="overall",
        label="Overall",
        threshold=thresholds.overall,
        latest=latest.card.overall if latest else None,
        best=_best([exam.card.overall for exam in ordered]),
        estimate=projection.overall if projection else None,
    )
    return Mastery(overall=overall, categories=rows)


def readiness(
    rows: Mastery,
    *,
    certified: bool,
    projection: Projection | None = None,
    ready_probability: float = READY_PROBABILITY,
) -> Readiness:
    """The learner's standing (see the module docstring) with the gaps that explain "not yet"."""
    p_ready = projection.p_ready if projection else None
    if certified:
        return Readiness(Standing.CERTIFIED, basis="exam", p_ready=p_ready)
    if p_ready is not None and p_ready >= ready_probability:
        return Readiness(Standing.READY, basis="estimate", p_ready=p_ready)
    return Readiness(
        Standing.NOT_YET,
        basis=_gap_basis(rows),
        p_ready=p_ready,
        overall_gap=rows.overall.gap,
        gaps=_category_gaps(rows),
    )


def _gap_basis(rows: Mastery) -> str:
    """What the gaps are measured on: the latest exam, else the estimates, else nothing."""
    if rows.overall.latest is not None:
        return "exam"
    return "estimate" if any(row.estimate for row in rows.categories) else "none"


def _category_gaps(rows: Mastery) -> dict[str, float]:
    """Points below threshold per category that falls short. On an exam basis a category the
    exam did not ask has no gap to report; an estimate may."""
    has_exam = rows.overall.latest is not None
    gaps: dict[str, float] = {}
    for row in rows.categories:
        if has_exam and row.latest is None:
            continue
        if gap := row.gap:
            gaps[row.key] = gap
    return gaps


def ready_decisions(
    correct: npt.NDArray[np.int64],
    totals: npt.NDArray[np.int64],
    thresholds: Thresholds,
    *,
    every_category: bool = True,
) -> npt.NDArray[np.bool_]:
    """The certification rule over many scorecards at once: counts per category on the last axis
    (correct and asked), one decision per leading index. Ready = overall and every category
    asked at their thresholds (exact, as `Score.meets`), and, with `every_category`, every
    category asked at all (an exam that left one out certifies nothing). The item analysis uses
    it for the decision consistency of exams."""
    overall = correct.sum(axis=-1) * 100 >= thresholds.overall * totals.sum(axis=-1)
    asked = totals > 0
    met = (correct * 100 >= thresholds.category * totals) | ~asked
    ready = overall & met.all(axis=-1) & asked.any(axis=-1)
    if every_category:
        ready &= asked.all(axis=-1)
    return np.asarray(ready, dtype=bool)
