"""What each attempt screen shows, built from answers' snapshots.

The answer key and rationale are copied into a screen only when the quiz's feedback or review
policy allows it, so a template cannot leak what the view never gave it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse

from questions import scoring
from questions.models import Answer, Attempt, CategorySlug, Quiz


def demo_url(lesson: str, preset: str) -> str:
    """The live demo behind a question: /lessons/<lesson>/?preset=<preset> (lessons' contract)."""
    return f"{reverse('lessons:index')}{lesson}/?{urlencode({'preset': preset})}"


def question_url(attempt: Attempt, position: int) -> str:
    return reverse("questions:attempt_question", args=[attempt.pk, position])


@dataclass(frozen=True)
class NavItem:
    position: int
    answered: bool
    flagged: bool
    current: bool
    url: str

    @property
    def state(self) -> str:
        """The words a screen reader hears and the summary shows (never colour alone)."""
        words = "answered" if self.answered else "not answered"
        return f"{words}, flagged" if self.flagged else words


@dataclass(frozen=True)
class Navigator:
    items: Sequence[NavItem]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def answered(self) -> int:
        return sum(item.answered for item in self.items)

    @property
    def flagged(self) -> int:
        return sum(item.flagged for item in self.items)

    @property
    def unanswered_items(self) -> list[NavItem]:
        return [item for item in self.items if not item.answered]

    @property
    def flagged_items(self) -> list[NavItem]:
        return [item for item in self.items if item.flagged]


def navigator(attempt: Attempt, rows: Sequence[Answer], current: int | None) -> Navigator:
    return Navigator(
        [
            NavItem(
                position=row.position,
                answered=row.answered_at is not None,
                flagged=row.flagged,
                current=row.position == current,
                url=question_url(attempt, row.position),
            )
            for row in rows
        ]
    )


@dataclass(frozen=True)
class ChoiceView:
    id: int
    label: str
    text: str
    chosen: bool
    # Only filled in when the policy reveals the key; None / "" otherwise.
    correct: bool | None = None
    rationale: str = ""


@dataclass(frozen=True)
class QuestionView:
    """One question as a screen may show it; `revealed` says whether the key is in it."""

    position: int
    question_id: str
    kind: str
    prompt: str
    category: str
    level: str
    choices: Sequence[ChoiceView]
    answered: bool
    flagged: bool
    revealed: bool
    # Whether the learner's answer was right: shown on review even without the key.
    correct: bool | None = None
    explanation: str = ""
    demo_url: str = ""

    @property
    def instruction(self) -> str:
        return {
            "single": "Choose one answer.",
            "multiple": "Choose every answer that applies.",
            "true_false": "True or false?",
        }[self.kind]

    @property
    def input_type(self) -> str:
        return "checkbox" if self.kind == "multiple" else "radio"

    @property
    def verdict(self) -> str:
        if not self.answered:
            return "Not answered"
        return "Right" if self.correct else "Wrong"


def question_view(answer: Answer, *, reveal_key: bool, reveal_correctness: bool) -> QuestionView:
    snapshot = answer.snapshot
    chosen = set(answer.chosen)
    return QuestionView(
        position=answer.position,
        question_id=answer.question_id,
        kind=snapshot["kind"],
        prompt=snapshot["prompt"],
        category=CategorySlug(answer.category_slug).label,
        level=snapshot["level"],
        choices=[
            ChoiceView(
                id=choice["id"],
                label=choice["label"],
                text=choice["text"],
                chosen=choice["id"] in chosen,
                correct=choice["correct"] if reveal_key else None,
                rationale=choice["rationale"] if reveal_key else "",
            )
            for choice in snapshot["choices"]
        ],
        answered=answer.answered_at is not None,
        flagged=answer.flagged,
        revealed=reveal_key,
        correct=answer.correct if (reveal_key or reveal_correctness) else None,
        explanation=snapshot["explanation"] if reveal_key else "",
        demo_url=demo_url(snapshot["demo_lesson"], snapshot["demo_preset"]) if reveal_key else "",
    )


def taking_view(attempt: Attempt, answer: Answer) -> QuestionView:
    """While taking: the key only after answering, and only with feedback after each answer."""
    reveal = attempt.quiz.immediate_feedback and answer.answered_at is not None
    return question_view(answer, reveal_key=reveal, reveal_correctness=reveal)


def review_views(attempt: Attempt, answers: Sequence[Answer]) -> list[QuestionView]:
    """After the attempt: as much as the quiz's review policy allows."""
    review = attempt.quiz.review
    if review == Quiz.Review.NOTHING:
        return []
    full = review == Quiz.Review.FULL
    return [question_view(answer, reveal_key=full, reveal_correctness=True) for answer in answers]


@dataclass(frozen=True)
class ScoreRow:
    label: str
    score: scoring.Score | None
    threshold: float

    @property
    def asked(self) -> bool:
        return self.score is not None and self.score.total > 0

    @property
    def meets(self) -> bool:
        return self.score is not None and self.score.meets(self.threshold)

    @property
    def gap(self) -> float:
        return self.score.gap(self.threshold) if self.score else 0.0


@dataclass(frozen=True)
class Results:
    overall: ScoreRow
    categories: Sequence[ScoreRow]
    readiness: scoring.Readiness
    is_exam: bool
    below: Sequence[ScoreRow] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.is_exam:
            return "Ready: certification thresholds met" if self.readiness.ready else "Not yet"
        return "Target met" if self.readiness.ready else "Below target"


def results(attempt: Attempt) -> Results:
    card = attempt.scorecard()
    quiz = attempt.quiz
    rows = [
        ScoreRow(slug.label, card.categories.get(slug.value), quiz.category_threshold)
        for slug in CategorySlug
    ]
    readiness = scoring.readiness(card, attempt.thresholds())
    return Results(
        overall=ScoreRow("Overall", card.overall, quiz.overall_threshold),
        categories=rows,
        readiness=readiness,
        is_exam=quiz.mode == Quiz.Mode.CERTIFICATION,
        below=[row for row in rows if row.asked and not row.meets],
    )


@dataclass(frozen=True)
class Clock:
    """The countdown's inputs: the server's deadline and the server's now."""

    deadline: datetime
    now: datetime

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.deadline - self.now).total_seconds()))
