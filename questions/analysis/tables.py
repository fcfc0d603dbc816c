"""What the item analysis reads and what it gives, as plain data (no Django).

`questions.services.analysis` fills `Item`, `QuizInfo` and `Answers` from the database; the
report (`questions.analysis.report`) turns them into `ItemRow`s and `QuizRow`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from questions.analysis.stats import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class Option:
    label: str  # the bank's letter (A, B, ...), whatever order a learner saw
    keyed: bool


@dataclass(frozen=True)
class Calibration:
    """The last calibration that refitted the item."""

    version: int
    at: float  # epoch seconds
    answers: int
    source: str = "item"  # "item": its own answers; "family": its family's pooled answers
    difficulty_error: float | None = None  # the refitted difficulty's standard error


@dataclass(frozen=True)
class KeyResult:
    """verify_items' stored result for the item on the installed SDK."""

    sdk_version: str
    holds: bool
    keyed: str
    derived: str
    outcome: str


@dataclass(frozen=True)
class Item:
    id: str
    category: str
    level: str
    kind: str
    pool: str
    status: str
    pretest: bool
    family: str
    discrimination: float
    difficulty: float
    guessing: float
    options: tuple[Option, ...]
    calibration: Calibration | None = None
    key: KeyResult | None = None

    @property
    def calibration_status(self) -> str:
        """Where the parameters in use come from."""
        if self.pretest:
            return "pretest"
        if self.calibration is not None:
            return "from family" if self.calibration.source == "family" else "calibrated"
        return "family default" if self.family else "level default"


@dataclass(frozen=True)
class QuizInfo:
    id: int
    slug: str
    title: str
    exam: bool  # a certification exam: every learner has a form of their own
    overall_threshold: float
    category_threshold: float


@dataclass(frozen=True)
class Answers:
    """One entry per answer served in a finished attempt (answered or not), as columns."""

    attempt: IntArray  # the attempt's id
    quiz: IntArray  # index into the report's quizzes
    item: IntArray  # index into the report's items
    correct: BoolArray
    scored: BoolArray  # False: a pretest item on an exam form
    current: BoolArray  # to the item's current version
    passed: BoolArray  # the attempt's result
    answered_at: FloatArray  # epoch seconds; nan when left unanswered
    started_at: FloatArray  # the attempt's start, epoch seconds
    # The options chosen, one entry per (answer, option) pair.
    chosen_answer: IntArray
    chosen_option: IntArray
    # The attempt was a certification exam with an assembled form (None: none was).
    on_form: BoolArray | None = None

    def __len__(self) -> int:
        return len(self.attempt)

    @classmethod
    def empty(cls) -> Answers:
        ints, floats = np.zeros(0, dtype=np.int64), np.zeros(0)
        bools = np.zeros(0, dtype=bool)
        return cls(ints, ints, ints, bools, bools, bools, bools, floats, floats, ints, ints)


@dataclass(frozen=True)
class Rules:
    """When the report flags an item (instructors read these numbers in the flags' reasons)."""

    min_answers: int = 20  # fewer: no discrimination-based flag
    dead_share: float = 0.02  # a distractor chosen by fewer is dead...
    dead_min_answers: int = 50  # ...once the item has this many answers
    facility_range: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "beginner": (0.55, 0.97),
            "intermediate": (0.35, 0.95),
            "advanced": (0.20, 0.90),
        }
    )
    exposure_limit: float = 0.2  # share of exam forms that ask the item (the forms' target)
    drift_p: float = 0.01
    drift_min_half: int = 20  # answers in each half before the drift test speaks
    # The adaptive engine's prior for ability (EngineConfig / CalibrationPriors).
    prior_mean: float = 1.75
    prior_sd: float = 1.5


@dataclass(frozen=True)
class Flag:
    code: str  # miskey | dead-distractor | too-easy | too-hard | exposure | drift | key-broken
    reason: str
    link: str = "item"  # what the reason points at: item | key-check | calibration


@dataclass(frozen=True)
class OptionRow:
    label: str
    keyed: bool
    chosen: int
    share: float | None
    top_share: float | None  # among the top third of the learners who answered the item
    bottom_share: float | None


@dataclass(frozen=True)
class ItemRow:
    id: str
    category: str
    level: str
    pool: str
    status: str
    calibration: str
    discrimination: float
    difficulty: float
    guessing: float
    answers: int
    facility: float | None
    sd: float | None
    point_biserial: float | None
    upper_lower: float | None
    mean_seconds: float | None
    exposure: float | None
    options: tuple[OptionRow, ...]
    flags: tuple[Flag, ...]
    all_answers: int = 0  # every version, every quiz in the window: what retiring leaves behind


@dataclass(frozen=True)
class QuizRow:
    id: int
    slug: str
    title: str
    exam: bool
    attempts: int
    mean_score: float | None
    histogram: tuple[int, ...]  # attempts per score decile (0-10%, ..., 90-100%)
    pass_rate: float | None
    category_pass_rates: Mapping[str, float]
    reliability: float | None
    reliability_kind: str  # "KR-20" | "IRT marginal"
    reliability_basis: str  # in words: what it was computed on
    mean_se: float | None  # exam forms: the mean posterior standard deviation of ability
    decision_consistency: float | None


@dataclass(frozen=True)
class Report:
    items: tuple[ItemRow, ...]
    quizzes: tuple[QuizRow, ...]
    answers: int
    attempts: int
    exposure_basis: str = ""  # what the exposure rates are shares of, in words

    @property
    def flagged(self) -> tuple[ItemRow, ...]:
        return tuple(row for row in self.items if row.flags)
