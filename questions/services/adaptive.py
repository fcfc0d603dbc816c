"""The adaptive engine against the database: the bank's items, a learner's responses, estimates.

The engine (`questions.adaptive`) is pure and stateless; this module feeds it from the models
(reads only; the writes are `attempts`, which saves an outcome, and `calibration`).

- `bank_items()`: the active questions as the engine's items, in bank order (one query).
- `learner_estimate(user)`: the dashboard's entry point. The engine's estimate for a learner
  from the latest answer to each question in their finished attempts, or None when there is
  nothing to estimate from.
- `attempt_outcome(attempt, served)`: what the engine concludes from one adaptive practice
  attempt's answers (saved with the attempt when it finishes, by `services`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Protocol

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F

from questions.adaptive import (
    Engine,
    Estimate,
    ItemSpec,
    Response,
    Thresholds,
    Verdict,
    selection,
)
from questions.models import (
    AdaptiveOutcome,
    Answer,
    Attempt,
    BankParameters,
    Question,
    QuestionQuerySet,
    Quiz,
)
from questions.services.forms import form_items


class ItemFields(Protocol):
    """What the engine reads of a question: a Question (category joined), or a row of these."""

    @property
    def id(self) -> str: ...
    @property
    def category_slug(self) -> str: ...
    @property
    def discrimination(self) -> float: ...
    @property
    def difficulty(self) -> float: ...
    @property
    def guessing(self) -> float: ...
    @property
    def family(self) -> str: ...


def items_of(questions: Iterable[ItemFields]) -> tuple[ItemSpec, ...]:
    """Questions already read (category joined) as the engine's items, in the order given."""
    return tuple(item_of(question) for question in questions)


def item_of(question: ItemFields) -> ItemSpec:
    """One question as the engine's item (its category, 3PL parameters and family)."""
    return ItemSpec(
        question.id,
        question.category_slug,
        question.discrimination,
        question.difficulty,
        question.guessing,
        question.family,
    )


def bank_items(questions: QuestionQuerySet | None = None) -> tuple[ItemSpec, ...]:
    """The questions (default: every active one) as the engine's items, in bank order."""
    questions = Question.objects.active() if questions is None else questions
    rows = questions.order_by("category__order", "id").values_list(
        "id", "category__slug", "discrimination", "difficulty", "guessing", "family"
    )
    return tuple(ItemSpec(*row) for row in rows)


def site_thresholds() -> Thresholds:
    """The certification thresholds from settings, as the engine's shares."""
    return Thresholds.from_percent(
        settings.CERTIFY_OVERALL_THRESHOLD, settings.CERTIFY_CATEGORY_THRESHOLD
    )


def learner_responses(user: AbstractBaseUser) -> list[Response]:
    """The latest answer to each question in the learner's finished attempts (one query, one row
    per question however many attempts).

    The engine's model has each question answered once; a question answered again (a retake, a
    second exam) counts with its latest answer. Open attempts are left out: their answers may
    still change; so are a form's pretest answers, which never count.
    """
    rows = (
        Answer.objects.filter(attempt__user_id=user.pk, scored=True)
        .latest_per_question()
        .order_by("question_id")
        .values_list("question_id", "correct")
    )
    return [Response(question_id, bool(correct)) for question_id, correct in rows]


def learner_estimate(
    user: AbstractBaseUser, *, items: Sequence[ItemSpec] | None = None
) -> Estimate | None:
    """The engine's estimate for `user` over the whole active bank, at the site's thresholds.

    `Estimate.p_ready` is P(ready); each `Estimate.categories` entry (bank category order) has
    `expected_score`, an 80% interval `low`..`high` (shares of the exam, 0 to 1), and `p_meets`,
    P(category >= the category threshold); `answered` counts the answers it rests on. None when
    the bank has no active questions or the learner has answered none of them in a finished
    attempt. Two queries (pass `items` from `bank_items()` to save one); the engine is cached.
    """
    items = bank_items() if items is None else tuple(items)
    return selection.estimate_from(items, learner_responses(user), thresholds=site_thresholds())


def quiz_thresholds(quiz: Quiz) -> Thresholds:
    """The quiz's own thresholds (the site's by default), as the engine's shares."""
    return Thresholds.from_percent(quiz.overall_threshold, quiz.category_threshold)


VERDICTS = {
    Verdict.READY: AdaptiveOutcome.Verdict.READY,
    Verdict.NOT_YET: AdaptiveOutcome.Verdict.NOT_YET,
    Verdict.CONTINUE: AdaptiveOutcome.Verdict.UNDECIDED,
}


def exam_engine(quiz: Quiz) -> Engine | None:
    """The engine of an adaptive certification exam over its exam pool (None: no item)."""
    items = bank_items(quiz.questions_in_scope())
    if not items:
        return None
    return selection.exam_engine(
        items,
        quiz_thresholds(quiz),
        cap=quiz.form_length,
        ready_at=quiz.ready_probability,
        min_per_category=quiz.min_per_category,
    )


def exam_blocked(quiz: Quiz, served: selection.Served) -> list[str]:
    """The exam-pool items of the blueprint cells an adaptive exam has filled: a cell asks at
    most what a fixed form of the exam's length would (its share of the blueprint)."""
    cells = {item.id: item.cell for item in form_items(quiz.questions_in_scope())}
    caps = quiz.form_cells()
    asked = Counter(cells[item_id] for item_id, _ in served if item_id in cells)
    full = {cell for cell, n in asked.items() if n >= caps.get(cell, 0)}
    return [item_id for item_id, cell in cells.items() if cell in full]


def attempt_outcome(attempt: Attempt, served: selection.Served) -> AdaptiveOutcome | None:
    """The engine's decision and estimates from an adaptive practice attempt's answers (unsaved),
    by the same engine that chose its questions; None when the quiz has no active question left.

    Two queries: the bank's items and the parameter version (the engine itself is cached).
    """
    quiz = attempt.quiz
    if quiz.is_exam:
        engine = exam_engine(quiz)
        if engine is None:
            return None
    else:
        items = bank_items(quiz.questions_in_scope())
        if not items:
            return None
        engine = selection.practice_engine(items, quiz_thresholds(quiz), cap=quiz.question_limit)
    responses = selection.responses_known(engine, served)
    decision, estimate = engine.decision(responses), engine.posterior(responses)
    return AdaptiveOutcome(
        attempt=attempt,
        verdict=VERDICTS[decision.verdict],
        reason=decision.reason,
        p_ready=decision.p_ready,
        answered=decision.answered,
        expected_overall=estimate.expected_overall,
        overall_low=estimate.overall_low,
        overall_high=estimate.overall_high,
        categories=[
            {
                "category": category.category,
                "answered": category.answered,
                "correct": category.correct,
                "expected": category.expected_score,
                "low": category.low,
                "high": category.high,
                "p_meets": category.p_meets,
            }
            for category in estimate.categories
        ],
        parameters_version=BankParameters.objects.current_version(),
    )


def calibration_responses() -> list[list[Response]]:
    """Every finished attempt's answered questions, one list per attempt (one learner's sitting),
    in the order answered: what `calibrate` fits item parameters from."""
    rows = (
        # Answers to an earlier version of a question measured a different item.
        Answer.objects.filter(answered_at__isnull=False, question_version=F("question__version"))
        .exclude(attempt__status=Attempt.Status.IN_PROGRESS)
        .order_by("attempt_id", "position")
        .values_list("attempt_id", "question_id", "correct")
    )
    return [
        [Response(question_id, bool(correct)) for _, question_id, correct in answers]
        for _, answers in groupby(rows.iterator(chunk_size=5000), key=itemgetter(0))
    ]
