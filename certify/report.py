"""An exam's score report beyond its scores: each learning objective strong or weak, and for each
weak one the lessons and practice items to study (plain data in and out, no Django).

An exam's items stay secret, so the report never names them: it speaks of objectives (the seed's
learning objectives, which every item serves) and points at the lessons and at *practice* items
of the same objectives. An objective is strong when the scored answers to its items on the form
are right at least as often as the category threshold asks (85% by default), else weak.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lessons.catalog import LESSONS, Lesson
from questions.objectives import OBJECTIVES, Objective

LESSON_FOR_CATEGORY = {lesson.category: lesson for lesson in LESSONS}
# How many practice items the report names for each weak objective.
PRACTICE_PER_OBJECTIVE = 3


@dataclass(frozen=True)
class FormAnswer:
    """One scored answer on the exam form, as far as the report cares."""

    objective: str
    category: str
    correct: bool


@dataclass(frozen=True)
class PracticeItem:
    """A practice item (shown with its key in practice, so it may be named)."""

    id: str
    objective: str
    category: str
    topic: str
    demo_lesson: str
    demo_preset: str


@dataclass(frozen=True)
class ObjectiveLine:
    objective: Objective
    right: int
    asked: int
    strong: bool
    lessons: Sequence[Lesson] = ()
    practice: Sequence[PracticeItem] = ()

    @property
    def label(self) -> str:
        return "Strong" if self.strong else "Weak"


@dataclass(frozen=True)
class ScoreReport:
    objectives: Sequence[ObjectiveLine]

    @property
    def weak(self) -> list[ObjectiveLine]:
        return [line for line in self.objectives if not line.strong]

    @property
    def strong(self) -> list[ObjectiveLine]:
        return [line for line in self.objectives if line.strong]

    @property
    def can_practise(self) -> bool:
        """Whether a drill of the weak objectives would have anything to ask."""
        return any(line.practice for line in self.weak)


def score_report(
    answers: Sequence[FormAnswer],
    practice: Sequence[PracticeItem],
    *,
    threshold: float,
) -> ScoreReport:
    """Every objective the form asked, in the seed's order, strong or weak (see the module
    docstring), the weak ones with their lessons and up to PRACTICE_PER_OBJECTIVE practice
    items (those of the categories the form asked the objective in first)."""
    asked: dict[str, list[FormAnswer]] = {}
    for answer in answers:
        asked.setdefault(answer.objective, []).append(answer)
    by_objective: dict[str, list[PracticeItem]] = {}
    for item in practice:
        by_objective.setdefault(item.objective, []).append(item)
    lines = [
        _line(objective, asked[objective.key], by_objective, threshold)
        for objective in OBJECTIVES
        if objective.key in asked
    ]
    return ScoreReport(lines)


def _line(
    objective: Objective,
    answers: Sequence[FormAnswer],
    practice: Mapping[str, Sequence[PracticeItem]],
    threshold: float,
) -> ObjectiveLine:
    right = sum(answer.correct for answer in answers)
    strong = right * 100 >= threshold * len(answers)
    if strong:
        return ObjectiveLine(objective, right, len(answers), strong=True)
    missed_in = list(dict.fromkeys(a.category for a in answers if not a.correct))
    lessons = [LESSON_FOR_CATEGORY[c] for c in missed_in if c in LESSON_FOR_CATEGORY]
    rank = {category: n for n, category in enumerate(missed_in)}
    items = sorted(
        practice.get(objective.key, ()),
        key=lambda item: (rank.get(item.category, len(rank)), item.id),
    )
    return ObjectiveLine(
        objective,
        right,
        len(answers),
        strong=False,
        lessons=lessons,
        practice=items[:PRACTICE_PER_OBJECTIVE],
    )
