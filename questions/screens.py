"""What each attempt screen shows, built from answers' snapshots.

The answer key and rationale are copied into a screen only when the quiz's feedback or review
policy allows it, so a template cannot leak what the view never gave it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse

from lessons.catalog import LESSONS
from questions import scoring
from questions.adaptive import EngineConfig
from questions.models import AdaptiveOutcome, Answer, Attempt, CategorySlug, NavigatorRow, Quiz

LESSON_FOR_CATEGORY = {lesson.category: lesson for lesson in LESSONS}


def demo_url(lesson: str, preset: str) -> str:
    """The live demo behind a question: /lessons/<lesson>/?preset=<preset> (lessons' contract)."""
    return f"{reverse('lessons:index')}{lesson}/?{urlencode({'preset': preset})}"


def question_url(attempt: Attempt, position: int) -> str:
    return reverse("questions:attempt_question", args=[attempt.pk, position])


# A position no attempt reaches: reversed once, then replaced by each real one.
_POSITION_MARK = 987654321


def question_urls(attempt: Attempt) -> Callable[[int], str]:
    """`question_url` for every position of one attempt, from one reverse() (the navigator
    needs one per question served: 67 reverses were a third of rendering its list)."""
    head, tail = question_url(attempt, _POSITION_MARK).rsplit(str(_POSITION_MARK), 1)
    return lambda position: f"{head}{position}{tail}"


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


@dataclass(frozen=True)
class Progress:
    """The navigator's counts without its rows (what an autosave's reply updates)."""

    total: int
    answered: int
    flagged: int


def nav_item(
    attempt: Attempt,
    answer: Answer | NavigatorRow,
    current: int | None,
    url: Callable[[int], str] | None = None,
) -> NavItem:
    """One question's entry in the navigator."""
    return NavItem(
        position=answer.position,
        answered=answer.answered_at is not None,
        flagged=answer.flagged,
        current=answer.position == current,
        url=(url or question_urls(attempt))(answer.position),
    )


def navigator(
    attempt: Attempt, rows: Sequence[Answer | NavigatorRow], current: int | None
) -> Navigator:
    url = question_urls(attempt)
    return Navigator([nav_item(attempt, row, current, url) for row in rows])


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


def is_secure(answer: Answer) -> bool:
    """An exam or pretest item: never revealed, whatever the quiz's feedback or review says.

    The snapshot says what the item was when served; the question says what it is now (an item
    moved to the exam pool since, or served before pools existed, is secret from then on).
    """
    if answer.snapshot.get("secure", False):
        return True
    question = answer.question
    return question.is_secure


def question_view(answer: Answer, *, reveal_key: bool, reveal_correctness: bool) -> QuestionView:
    snapshot = answer.snapshot
    if is_secure(answer):
        reveal_key = reveal_correctness = False
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
    """After the attempt: as much as the quiz's review policy allows, and nothing of a secure
    item (an exam's results are a score report, never a list of its questions)."""
    review = attempt.quiz.review
    if review == Quiz.Review.NOTHING or attempt.quiz.is_exam:
        return []
    full = review == Quiz.Review.FULL
    return [
        question_view(answer, reveal_key=full, reveal_correctness=True)
        for answer in answers
        if not is_secure(answer)
    ]


@dataclass(frozen=True)
class ReviewGroup:
    """One category's questions on a results page: missed ones first, then the right ones."""

    category: str
    items: Sequence[QuestionView]

    @property
    def right(self) -> int:
        return sum(1 for item in self.items if item.correct)

    @property
    def missed(self) -> int:
        return len(self.items) - self.right


def review_groups(review: Sequence[QuestionView]) -> list[ReviewGroup]:
    """The review by category, in the order the categories were first asked; within each,
    wrong answers, then unanswered ones, then right ones, each in the order asked."""
    by_category: dict[str, list[QuestionView]] = {}
    for item in review:
        by_category.setdefault(item.category, []).append(item)

    def missed_first(item: QuestionView) -> tuple[int, int]:
        rank = 2 if item.correct else (0 if item.answered else 1)
        return rank, item.position

    return [
        ReviewGroup(category, sorted(items, key=missed_first))
        for category, items in by_category.items()
    ]


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
    # The learner's own limit (the quiz's, extended by any time accommodation), and the quiz's.
    limit: timedelta | None = None
    standard_limit: timedelta | None = None

    @property
    def extended(self) -> bool:
        return bool(self.limit and self.standard_limit and self.limit > self.standard_limit)

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.deadline - self.now).total_seconds()))


# Adaptive practice: the engine's decision and estimates -------------------------------------

DECISION_HEADLINES = {
    AdaptiveOutcome.Verdict.READY: "Ready for the exam",
    AdaptiveOutcome.Verdict.NOT_YET: "Not yet",
    AdaptiveOutcome.Verdict.UNDECIDED: "Not decided yet",
}
# How many of the weakest categories the results page sends to their lessons.
STUDY_NEXT = 3


def whole_percent(share: float) -> int:
    return round(100 * share)


def chance(probability: float) -> str:
    """0.973 -> "97%"; never "0%" or "100%", which a probability estimate cannot claim."""
    percent = whole_percent(probability)
    if percent < 1:
        return "under 1%"
    if percent > 99:
        return "over 99%"
    return f"{percent}%"


def reason_words(reason: str, *, answered: int, cap: int | None) -> str:
    """The engine's stop rule (`questions.adaptive.engine.REASONS`) in the learner's words."""
    config = EngineConfig()
    if reason == "confident: ready":
        return (
            f"The chance that you are ready reached {chance(config.ready_at)}, with at least "
            f"{config.min_per_category} answers in every category."
        )
    if reason == "confident: not yet":
        return f"The chance that you are ready fell to {chance(config.not_ready_at)} or less."
    if reason == "further answers would almost surely not change it":
        return "Answering every remaining question would almost surely not change this decision."
    if reason == "question cap reached":
        if cap is not None and answered >= cap:
            return f"You reached the {cap}-question limit: the engine took the likelier side."
        return (
            f"You answered every question available ({answered}): the engine took the likelier "
            "side."
        )
    if reason == "too few answers":
        return (
            f"You finished after {answered} answer{'s' if answered != 1 else ''}; the engine "
            f"decides after {config.min_answers} at the earliest."
        )
    return "You finished before the engine was confident either way: this is where it stood."


def interval_text(low: int, high: int) -> str:
    """An 80% interval in whole percents with an en dash, as the dashboard writes it (65 to 88)."""
    return f"{low}\N{EN DASH}{high}%"


@dataclass(frozen=True)
class CategoryReading:
    """One category's estimate in whole percents: the expected exam score and its 80% interval."""

    slug: str
    name: str
    expected: int
    low: int
    high: int
    p_meets: float
    answered: int
    correct: int
    threshold: int
    lesson_title: str
    lesson_url: str

    @property
    def meets(self) -> bool:
        return self.expected >= self.threshold

    @property
    def interval(self) -> str:
        return interval_text(self.low, self.high)

    @property
    def summary(self) -> str:
        """The estimate as one line of text, "raw-events: 78% (65 to 88%)" with an en dash."""
        return f"{self.slug}: {self.expected}% ({self.interval})"

    @property
    def p_meets_text(self) -> str:
        return chance(self.p_meets)


@dataclass(frozen=True)
class PracticeResults:
    verdict: str
    headline: str
    p_ready: str
    reason: str
    answered: int
    overall_expected: int
    overall_low: int
    overall_high: int
    categories: Sequence[CategoryReading]
    study: Sequence[CategoryReading]

    @property
    def ready(self) -> bool:
        return self.verdict == AdaptiveOutcome.Verdict.READY

    @property
    def overall_interval(self) -> str:
        return interval_text(self.overall_low, self.overall_high)

    @property
    def study_below_target(self) -> bool:
        return any(not reading.meets for reading in self.study)


def _percents(expected: float, low: float, high: float) -> tuple[int, int, int]:
    """Whole percents, the interval widened to hold the rounded estimate (a skewed posterior's
    mean can sit just outside its 10th-90th percentiles)."""
    middle = whole_percent(expected)
    return middle, min(whole_percent(low), middle), max(whole_percent(high), middle)


def practice_results(outcome: AdaptiveOutcome, quiz: Quiz) -> PracticeResults:
    readings = []
    for row in outcome.categories:
        slug = CategorySlug(row["category"])
        lesson = LESSON_FOR_CATEGORY[slug.value]
        expected, low, high = _percents(row["expected"], row["low"], row["high"])
        readings.append(
            CategoryReading(
                slug=slug.value,
                name=slug.label,
                expected=expected,
                low=low,
                high=high,
                p_meets=row["p_meets"],
                answered=row["answered"],
                correct=row["correct"],
                threshold=quiz.category_threshold,
                lesson_title=lesson.label,
                lesson_url=reverse("lessons:detail", kwargs={"slug": lesson.slug}),
            )
        )
    # Weakest first by the unrounded estimates: rounding ties many categories near the top.
    shares = {row["category"]: row["expected"] for row in outcome.categories}
    weakest = sorted(readings, key=lambda reading: shares[reading.slug])
    below = [reading for reading in weakest if not reading.meets]
    overall = _percents(outcome.expected_overall, outcome.overall_low, outcome.overall_high)
    return PracticeResults(
        verdict=outcome.verdict,
        headline=DECISION_HEADLINES[AdaptiveOutcome.Verdict(outcome.verdict)],
        p_ready=chance(outcome.p_ready),
        reason=reason_words(outcome.reason, answered=outcome.answered, cap=quiz.question_limit),
        answered=outcome.answered,
        overall_expected=overall[0],
        overall_low=overall[1],
        overall_high=overall[2],
        categories=readings,
        study=below[:STUDY_NEXT] or weakest[:1],
    )
