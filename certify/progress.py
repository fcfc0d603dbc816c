"""The learning objectives checklist and the study path phase, from evidence (no Django imports).

An objective is ticked from the learner's answers, never by hand. The rule, per objective:

- its evidence is the learner's *latest* answer to each active question that serves it;
- an answer is *recent* when it was given within RECENT_DAYS of now; older answers are stale
  and count neither way (knowledge fades: answer again to refresh it);
- it is **met** when recent right answers cover at least REQUIRED_RIGHT of its questions (or all
  of them, if it has fewer) and no recent latest answer is wrong.

The study path follows the seed's four phases: phase 1 (lessons 01-02, beginner), phase 2
(03-04, intermediate), phase 3 (05, advanced), phase 4 (the full exam). A learner is in the first
of phases 1-3 whose objectives are not all met, else in phase 4, which a certificate completes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from questions.objectives import OBJECTIVES, Objective

RECENT_DAYS = 90
REQUIRED_RIGHT = 2


@dataclass(frozen=True)
class BankQuestion:
    """An active question, as far as objectives care."""

    id: str
    objective: str
    level: str


@dataclass(frozen=True)
class LatestAnswer:
    """The learner's latest answer (in a finished attempt) to one question."""

    question_id: str
    correct: bool
    answered_at: datetime


class ObjectiveState(StrEnum):
    MET = "met"
    WORK_ON = "work-on"
    IN_PROGRESS = "in-progress"
    STALE = "stale"
    NOT_STARTED = "not-started"
    NOT_ASSESSED = "not-assessed"


STATE_LABELS = {
    ObjectiveState.MET: "Met",
    ObjectiveState.WORK_ON: "Work on it",
    ObjectiveState.IN_PROGRESS: "In progress",
    ObjectiveState.STALE: "Refresh",
    ObjectiveState.NOT_STARTED: "Not started",
    ObjectiveState.NOT_ASSESSED: "No questions yet",
}


@dataclass(frozen=True)
class ObjectiveProgress:
    objective: Objective
    state: ObjectiveState
    questions: int
    recent_right: int
    recent_wrong: int
    needed: int

    @property
    def met(self) -> bool:
        return self.state == ObjectiveState.MET

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def evidence(self) -> str:
        """One line of why, e.g. "2 of 3 questions right in the last 90 days; 1 missed"."""
        if self.state == ObjectiveState.NOT_ASSESSED:
            return "The bank has no active question for it yet."
        if self.state == ObjectiveState.STALE:
            return f"Answered, but not in the last {RECENT_DAYS} days: answer again to refresh it."
        if self.state == ObjectiveState.NOT_STARTED:
            if self.questions == 1:
                return "Its one question is not answered yet."
            return f"None of its {self.questions} questions answered yet."
        text = (
            f"{self.recent_right} of {self.questions} question{'s' if self.questions != 1 else ''}"
            f" right in the last {RECENT_DAYS} days"
        )
        if self.recent_wrong:
            return f"{text}; your latest answer to {self.recent_wrong} was wrong."
        if self.state == ObjectiveState.IN_PROGRESS:
            return f"{text}; {self.needed} needed."
        return f"{text}."


def objectives_progress(
    bank: Iterable[BankQuestion],
    latest: Iterable[LatestAnswer],
    *,
    now: datetime,
    objectives: Sequence[Objective] = OBJECTIVES,
    recent_days: int = RECENT_DAYS,
) -> list[ObjectiveProgress]:
    """Every objective, in the seed's order, with its state under the rule above."""
    by_question = {answer.question_id: answer for answer in latest}
    since = now - timedelta(days=recent_days)
    questions: dict[str, list[str]] = {}
    for question in bank:
        questions.setdefault(question.objective, []).append(question.id)
    return [
        _objective_progress(objective, questions.get(objective.key, []), by_question, since)
        for objective in objectives
    ]


def _objective_progress(
    objective: Objective,
    ids: Sequence[str],
    by_question: Mapping[str, LatestAnswer],
    since: datetime,
) -> ObjectiveProgress:
    """One objective's state from the latest answers to its questions."""
    answers = [by_question[qid] for qid in ids if qid in by_question]
    recent = [answer for answer in answers if answer.answered_at >= since]
    right = sum(answer.correct for answer in recent)
    wrong = len(recent) - right
    needed = min(REQUIRED_RIGHT, len(ids))
    state = _objective_state(
        assessed=bool(ids), answered=bool(answers), right=right, wrong=wrong, needed=needed
    )
    return ObjectiveProgress(objective, state, len(ids), right, wrong, needed)


def _objective_state(
    *, assessed: bool, answered: bool, right: int, wrong: int, needed: int
) -> ObjectiveState:
    """The rule in the module docstring, first match wins."""
    if not assessed:
        return ObjectiveState.NOT_ASSESSED
    if wrong:
        return ObjectiveState.WORK_ON
    if right >= needed:
        return ObjectiveState.MET
    if right:
        return ObjectiveState.IN_PROGRESS
    return ObjectiveState.STALE if answered else ObjectiveState.NOT_STARTED


@dataclass(frozen=True)
class Phase:
    number: int
    title: str
    # The objectives' level the phase works on ("" for the mastery assessment).
    level: str
    lessons: tuple[int, ...]
    steps: tuple[str, ...]


PHASES: tuple[Phase, ...] = (
    Phase(
        1,
        "Fundamentals",
        "beginner",
        (1, 2),
        (
            "Run lesson 01 and understand the basic concepts.",
            "Study lesson 02 for token-level processing.",
            "Take the beginner-level questions (the Phase 1 quiz).",
        ),
    ),
    Phase(
        2,
        "Advanced processing",
        "intermediate",
        (3, 4),
        (
            "Explore lesson 03 for structured events.",
            "Study lesson 04 for agent transitions.",
            "Take the intermediate-level questions (the Phase 2 quiz).",
        ),
    ),
    Phase(
        3,
        "Production patterns",
        "advanced",
        (5,),
        (
            "Master lesson 05 for real-world scenarios.",
            "Practise error handling and performance optimisation.",
            "Take the advanced-level questions (the Phase 3 quiz).",
        ),
    ),
    Phase(
        4,
        "Mastery assessment",
        "",
        (),
        (
            "Take the full certification exam.",
            "Score 90% or more overall and 85% or more in every category.",
        ),
    ),
)


@dataclass(frozen=True)
class StudyPath:
    current: Phase
    # Objectives of the current phase's level met, out of those the bank can assess.
    met: int
    assessed: int
    complete: bool
    next: Phase | None

    @property
    def phases(self) -> tuple[Phase, ...]:
        return PHASES


def study_path(progress: Sequence[ObjectiveProgress], *, certified: bool) -> StudyPath:
    """The phase the learner is in (see the module docstring) and the one after it."""
    for index, phase in enumerate(PHASES[:-1]):
        assessed = [
            p
            for p in progress
            if p.objective.level == phase.level and p.state != ObjectiveState.NOT_ASSESSED
        ]
        met = sum(p.met for p in assessed)
        if met < len(assessed):
            return StudyPath(phase, met, len(assessed), complete=False, next=PHASES[index + 1])
    final = PHASES[-1]
    return StudyPath(final, 0, 0, complete=certified, next=None)
