"""Writes for quizzes and attempts: start, answer, flag, submit, expire, retake, default quizzes.

Every function is keyword-only and atomic, and checks before it writes. The server is the
authority on time: each write takes the attempt's row lock (PostgreSQL; SQLite serialises
writers anyway) and refuses what comes after the deadline, writing nothing. Only the finishing
path finalizes an attempt: submitting it, starting the quiz afresh, and the expiry sweep
(`attempts_expire_overdue`, run every minute by the task worker); a page view never does.
A refusal raises `AttemptError` with a message for the learner and changes nothing else.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.module_loading import import_string

from questions import scoring
from questions.adaptive import selection
from questions.enemies import families_apart
from questions.models import (
    AdaptiveOutcome,
    Answer,
    Attempt,
    Choice,
    Question,
    QuestionQuerySet,
    Quiz,
)
from questions.services.accommodations import time_limit_for
from questions.services.adaptive import (
    attempt_outcome,
    bank_items,
    exam_blocked,
    exam_engine,
    quiz_thresholds,
)
from questions.services.forms import form_assemble, pretest_pick
from questions.services.quizzes import retake_quiz_get

# How many practice items a drill takes of each objective an exam missed.
OBJECTIVE_DRILL_ITEMS = 4


class AttemptError(Exception):
    """A request the quiz's rules refuse; the message is shown to the learner as it is."""


class AttemptClosed(AttemptError):
    """The attempt was submitted, or its time ran out."""

    def __init__(self, message: str, attempt: Attempt) -> None:
        super().__init__(message)
        self.attempt = attempt


class RetakeTooSoon(AttemptError):
    """A certification exam started before its cooldown after a failed attempt has passed."""

    def __init__(self, message: str, opens_at: datetime) -> None:
        super().__init__(message)
        self.opens_at = opens_at


class AnswerRejected(AttemptError):
    """The answer names something that is not in the attempt, or breaks the question's rules."""


# Starting ----------------------------------------------------------------------------------


def attempt_start(*, user: User, quiz: Quiz, now: datetime | None = None) -> tuple[Attempt, bool]:
    """Start `quiz` for `user`, or resume their open attempt (same answers, same deadline).

    Returns (attempt, created). An open attempt already past its deadline is finalized first,
    so the learner starts afresh rather than resuming into a closed clock.
    """
    now = now or timezone.now()
    open_attempt = _open_attempt(user=user, quiz=quiz, retake_of=None, now=now)
    if open_attempt is not None:
        return open_attempt, False
    _check_cooldown(user=user, quiz=quiz, now=now)
    attempt = _attempt_new(user=user, quiz=quiz, now=now)
    unscored: set[str] = set()
    if quiz.serves_one_at_a_time:
        first = _next_for_adaptive(quiz=quiz, attempt_seed=attempt.seed, served=[])
        questions = [first] if first else []
    elif quiz.is_exam:
        questions, unscored = _exam_form(attempt, user=user)
    else:
        questions = _sample(quiz, list(_with_choices(quiz.questions_in_scope())), attempt.seed)
    if not questions or len(questions) == len(unscored):
        raise AttemptError(f"“{quiz.title}” has no questions to ask yet.")
    return _attempt_create(attempt, questions, unscored=unscored)


def exam_opens_at(*, user: User, quiz: Quiz, now: datetime | None = None) -> datetime | None:
    """When the learner's next attempt of an exam opens, if that is still to come (None: now)."""
    if not quiz.is_exam or not quiz.retake_cooldown:
        return None
    now = now or timezone.now()
    last = (
        Attempt.objects.for_user(user)
        .finished()
        .filter(quiz=quiz, retake_of__isnull=True)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    opens_at = quiz.retake_opens_at(last)
    return opens_at if opens_at is not None and opens_at > now else None


def cooldown_message(quiz: Quiz, opens_at: datetime, now: datetime) -> str:
    """Says when the next attempt opens, and why."""
    when = timezone.localtime(opens_at)
    wait = opens_at - now
    hours, minutes = divmod(max(int(wait.total_seconds() // 60), 1), 60)
    left = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    return (
        f"Your next attempt at “{quiz.title}” opens on {when:%A} {when.day} {when:%B at %H:%M %Z} "
        f"(in {left}). "
        f"After an exam that does not pass, the next one opens "
        f"{_duration_words(quiz.retake_cooldown)} later: time to practise the objectives your "
        "score report named."
    )


def _duration_words(duration: timedelta | None) -> str:
    seconds = int(duration.total_seconds()) if duration else 0
    hours, rest = divmod(seconds, 3600)
    if hours and not rest:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{seconds // 60} minute{'s' if seconds // 60 != 1 else ''}"


def _check_cooldown(*, user: User, quiz: Quiz, now: datetime) -> None:
    opens_at = exam_opens_at(user=user, quiz=quiz, now=now)
    if opens_at is not None:
        raise RetakeTooSoon(cooldown_message(quiz, opens_at, now), opens_at)


def attempt_retake_missed(
    *, user: User, attempt_id: int, now: datetime | None = None
) -> tuple[Attempt, bool]:
    """Start (or resume) a drill of what a finished attempt missed: the missed questions
    themselves after practice, and after an exam (whose items stay secret) practice items of the
    learning objectives it missed."""
    now = now or timezone.now()
    source = Attempt.objects.for_user(user).select_related("quiz").get(pk=attempt_id)
    _check_retakable(source)
    quiz = retake_quiz_get()
    open_attempt = _open_attempt(user=user, quiz=quiz, retake_of=source, now=now)
    if open_attempt is not None:
        return open_attempt, False
    attempt = _attempt_new(user=user, quiz=quiz, now=now, retake_of=source)
    if source.quiz.is_exam:
        questions = _objectives_practice(source, seed=attempt.seed)
    else:
        questions = _missed_questions(source)
    attempt.question_ids = [question.id for question in questions]
    return _attempt_create(attempt, questions)


def _check_retakable(source: Attempt) -> None:
    if source.is_open:
        raise AttemptError("Finish this attempt first; then you can retake what you missed.")
    if not source.can_retake_missed:
        # A retake shows the key after each answer, which this quiz's review policy withholds.
        raise AttemptError("This quiz keeps its answers private, so it offers no retake drill.")


def _missed_questions(source: Attempt) -> list[Question]:
    """The questions missed in `source` that practice may still serve, in the order asked."""
    missed = list(
        source.answers.exclude(correct=True)
        .order_by("position")
        .values_list("question_id", flat=True)
    )
    if not missed:
        raise AttemptError("You answered every question right: there is nothing to retake.")
    # Only practice items: one moved to the exam pool since is never shown with its key again.
    by_id = {q.id: q for q in _with_choices(Question.objects.practice().filter(id__in=missed))}
    questions = [by_id[question_id] for question_id in missed if question_id in by_id]
    if not questions:
        raise AttemptError(
            "The questions you missed have since been retired or moved out of practice."
        )
    return questions


def missed_objectives(source: Attempt) -> list[str]:
    """The learning objectives of an attempt's scored answers that were wrong or left
    unanswered, in the order the attempt first asked them."""
    rows = (
        source.answers.filter(scored=True)
        .exclude(correct=True)
        .order_by("position")
        .values_list("question__objective", flat=True)
    )
    return list(dict.fromkeys(objective for objective in rows if objective))


def _objectives_practice(source: Attempt, *, seed: int) -> list[Question]:
    """Practice items of the objectives an exam missed: up to OBJECTIVE_DRILL_ITEMS of each,
    chosen at random for this drill, objective by objective."""
    objectives = missed_objectives(source)
    if not objectives:
        raise AttemptError(
            "Every objective on this exam was answered right: there is nothing to practise."
        )
    candidates = list(
        _with_choices(Question.objects.practice().filter(objective__in=objectives)).order_by("id")
    )
    rng = random.Random(seed)
    questions: list[Question] = []
    for objective in objectives:
        items = [question for question in candidates if question.objective == objective]
        questions += rng.sample(items, min(len(items), OBJECTIVE_DRILL_ITEMS))
    if not questions:
        raise AttemptError(
            "The practice pool has no questions on the objectives you missed yet: study their "
            "lessons instead."
        )
    return questions


def _open_attempt(
    *, user: User, quiz: Quiz, retake_of: Attempt | None, now: datetime
) -> Attempt | None:
    attempts = Attempt.objects.for_user(user).open().filter(quiz=quiz)
    if retake_of is None:
        attempts = attempts.filter(retake_of__isnull=True)
    else:
        attempts = attempts.filter(retake_of=retake_of)
    attempt = attempts.select_related("quiz").first()
    if attempt is not None and attempt.is_overdue(now):
        attempt_expire(attempt_id=attempt.pk, now=now)
        return None
    return attempt


def _attempt_new(
    *, user: User, quiz: Quiz, now: datetime, retake_of: Attempt | None = None
) -> Attempt:
    # The learner's own limit: the quiz's, extended by any time accommodation they have.
    limit = time_limit_for(user=user, quiz=quiz)
    return Attempt(
        user=user,
        quiz=quiz,
        started_at=now,
        deadline=now + limit if limit else None,
        retake_of=retake_of,
    )


def _sample(quiz: Quiz, questions: list[Question], seed: int) -> list[Question]:
    """The attempt's questions in the order it shows them, stable for its seed."""
    rng = random.Random(seed)
    if quiz.question_limit and quiz.question_limit < len(questions):
        chosen = rng.sample(questions, quiz.question_limit)
        if quiz.shuffle_questions:
            return chosen
        kept = set(chosen)
        return [question for question in questions if question in kept]
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    return questions


def _exam_form(attempt: Attempt, *, user: User) -> tuple[list[Question], set[str]]:
    """A new form for this certification attempt, to the quiz's blueprint (questions.assembly),
    its account kept on the attempt, with up to the quiz's number of pretest items among its
    questions (unscored, and placed at random: nothing tells them apart). Returns the
    questions in the order the form shows them, and the pretest items' ids."""
    quiz = attempt.quiz
    form = form_assemble(quiz=quiz, user=user, seed=attempt.seed)
    pretest = pretest_pick(quiz=quiz, user=user, form=form, seed=attempt.seed)
    attempt.form = form.summary() | {"pretest": len(pretest)}
    by_id = _with_choices(Question.objects.filter(id__in=[*form.ids, *pretest])).in_bulk()
    questions = [by_id[item_id] for item_id in form.ids if item_id in by_id]
    rng = random.Random(attempt.seed)
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    for item_id in pretest:
        if item_id in by_id:
            questions.insert(rng.randint(0, len(questions)), by_id[item_id])
    return questions, set(pretest)


def _attempt_create(
    attempt: Attempt, questions: Sequence[Question], *, unscored: Collection[str] = ()
) -> tuple[Attempt, bool]:
    # Two variants of one item family are never served back to back.
    questions = families_apart(questions, lambda question: question.family)
    try:
        # The conditional unique constraint is the referee when two starts race: the loser's
        # insert fails, and it resumes the winner's attempt instead.
        with transaction.atomic():
            attempt.save()
            Answer.objects.bulk_create(
                _answer_for(attempt, question, position, scored=question.id not in unscored)
                for position, question in enumerate(questions, start=1)
            )
    except IntegrityError:
        existing = _open_attempt(
            user=attempt.user,
            quiz=attempt.quiz,
            retake_of=attempt.retake_of,
            now=attempt.started_at,
        )
        if existing is None:
            raise
        return existing, False
    return attempt, True


def _with_choices(questions: QuestionQuerySet) -> QuestionQuerySet:
    return questions.select_related("category").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order"))
    )


def _answer_for(
    attempt: Attempt, question: Question, position: int, *, scored: bool = True
) -> Answer:
    return Answer(
        attempt=attempt,
        question=question,
        position=position,
        scored=scored,
        category_slug=question.category_slug,
        question_version=question.version,
        snapshot=question_snapshot(
            question, seed=attempt.seed, shuffle=attempt.quiz.shuffle_choices
        ),
    )


def question_snapshot(question: Question, *, seed: int, shuffle: bool) -> dict[str, Any]:
    """The question as this attempt shows it, options in their shown order, keys included."""
    choices = list(question.choices.all())
    if shuffle and question.kind != Question.Kind.TRUE_FALSE:
        # Seeded per attempt and question: the same order on every reload.
        random.Random(f"{seed}:{question.id}").shuffle(choices)
    return {
        "id": question.id,
        "version": question.version,
        "category": question.category_slug,
        "kind": question.kind,
        "level": question.level,
        "topic": question.topic,
        "objective": question.objective,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "demo_lesson": question.demo_lesson,
        "demo_preset": question.demo_preset,
        "sdk_version": question.sdk_version,
        # Never revealed to the learner (questions.screens), whatever the quiz's policies say.
        "secure": question.is_secure,
        "choices": [
            {
                "id": choice.pk,
                "label": chr(ord("A") + shown),
                "text": choice.text,
                "correct": choice.is_correct,
                "rationale": choice.rationale,
            }
            for shown, choice in enumerate(choices)
        ],
    }


# Answering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerOutcome:
    answer: Answer
    changed: bool
    # Adaptive practice: the question served next, if the answer led to one.
    served_next: Answer | None = None


def answer_submit(
    *,
    user: AbstractBaseUser,
    attempt_id: int,
    question_id: str,
    choice_ids: Collection[int],
    now: datetime | None = None,
) -> AnswerOutcome:
    """Save (or change, or clear) the answer to one question of an open attempt.

    Refused, changing nothing: options that are not the question's, a question not in the
    attempt, a finished attempt, an answer at or after the deadline (the attempt stays as it is
    until it is submitted or swept), or a change to an answer whose feedback was already shown.
    """
    now = now or timezone.now()
    chosen = sorted(set(choice_ids))
    with transaction.atomic():
        attempt = _locked_attempt(user=user, attempt_id=attempt_id)
        _check_accepts(attempt, now)
        return _answer_apply(attempt, _answer_in(attempt, question_id), chosen, now)


def _answer_apply(
    attempt: Attempt, answer: Answer, chosen: list[int], now: datetime
) -> AnswerOutcome:
    _check_choices(answer, chosen)
    quiz = attempt.quiz
    if _is_no_op(quiz, answer, chosen):
        return AnswerOutcome(answer=answer, changed=False)
    if quiz.immediate_feedback and answer.is_answered:
        raise AnswerRejected(
            "You have seen the feedback for this question, so its answer is final."
        )
    if quiz.is_exam and quiz.serves_one_at_a_time and _served_after(answer):
        raise AnswerRejected(
            "In an adaptive exam an answer is final once the next question is chosen from it; "
            "nothing was changed."
        )
    _answer_record(answer, chosen, now)
    served_next = None
    if quiz.serves_one_at_a_time and chosen:
        served_next = _serve_next(attempt, after=answer)
    return AnswerOutcome(answer=answer, changed=True, served_next=served_next)


def _check_choices(answer: Answer, chosen: list[int]) -> None:
    """Refuse options that are not the question's, and several for a one-answer question."""
    known = {choice["id"] for choice in answer.choices}
    if not set(chosen) <= known:
        raise AnswerRejected(
            "That option is not one of this question's options; nothing was saved."
        )
    if len(chosen) > 1 and answer.kind in scoring.SINGLE_ANSWER_KINDS:
        raise AnswerRejected("Choose only one option for this question; nothing was saved.")


def _is_no_op(quiz: Quiz, answer: Answer, chosen: list[int]) -> bool:
    """Whether saving `chosen` changes nothing: the same answer again, or an empty form where
    an answer cannot be taken back (with feedback after each answer there is nothing to take
    back, and in adaptive practice the questions served since were chosen from this answer)."""
    unchanged = chosen == sorted(answer.chosen) and (answer.is_answered or not chosen)
    return unchanged or (not chosen and (quiz.immediate_feedback or quiz.serves_one_at_a_time))


def _served_after(answer: Answer) -> bool:
    return Answer.objects.filter(
        attempt_id=answer.attempt_id, position__gt=answer.position
    ).exists()


def _answer_record(answer: Answer, chosen: list[int], now: datetime) -> None:
    if chosen:
        answer.chosen = chosen
        answer.correct = scoring.answer_is_correct(answer.kind, chosen, answer.correct_choice_ids)
        answer.answered_at = now
    else:
        # Unticking every box of a multiple-choice question takes the answer back.
        answer.chosen, answer.correct, answer.answered_at = [], None, None
    answer.save(update_fields=["chosen", "correct", "answered_at"])


def answer_flag(
    *,
    user: AbstractBaseUser,
    attempt_id: int,
    question_id: str,
    flagged: bool,
    now: datetime | None = None,
) -> Answer:
    """Mark a question for review (or unmark it) while the attempt is open."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(user=user, attempt_id=attempt_id)
        _check_accepts(attempt, now)
        answer = _answer_in(attempt, question_id)
        if answer.flagged != flagged:
            answer.flagged = flagged
            answer.save(update_fields=["flagged"])
        return answer


def _locked_attempt(*, user: AbstractBaseUser, attempt_id: int) -> Attempt:
    """The user's attempt, row-locked.

    Raises Attempt.DoesNotExist for someone else's attempt: to them it does not exist.
    """
    return (
        Attempt.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("quiz")
        .get(pk=attempt_id)
    )


def _check_accepts(attempt: Attempt, now: datetime) -> None:
    """Refuse a change to a finished attempt, or to one whose deadline has passed."""
    if attempt.is_over(now):
        raise AttemptClosed(closed_message(attempt), attempt)


def closed_message(attempt: Attempt) -> str:
    """Why an attempt takes no more answers: submitted, or its time ran out (recorded as expired
    by the finishing path, or just past its deadline and not swept yet)."""
    if attempt.status == Attempt.Status.EXPIRED or (attempt.is_open and attempt.deadline):
        ended = timezone.localtime(attempt.deadline)
        return (
            f"Time ran out at {ended:%H:%M:%S %Z}: nothing more can be saved. "
            "The answers saved before then are scored."
        )
    return "This attempt has been submitted: its answers can no longer be changed."


def _answer_in(attempt: Attempt, question_id: str) -> Answer:
    try:
        answer = Answer.objects.get(attempt=attempt, question_id=question_id)
    except Answer.DoesNotExist:
        raise AnswerRejected(
            "That question is not part of this attempt; nothing was saved."
        ) from None
    answer.attempt = attempt
    return answer


# Adaptive practice: one question at a time -------------------------------------------------


def _serve_next(attempt: Attempt, *, after: Answer) -> Answer | None:
    """Append the next question after the latest one is answered (in the answer's transaction)."""
    served = list(attempt.answers.order_by("position").values_list("question_id", "correct"))
    if served[-1][0] != after.question_id:
        return None
    question = _next_for_adaptive(quiz=attempt.quiz, attempt_seed=attempt.seed, served=served)
    if question is None:
        return None
    answer = _answer_for(attempt, question, position=len(served) + 1)
    answer.save()
    return answer


def _next_for_adaptive(
    *, quiz: Quiz, attempt_seed: int, served: selection.Served
) -> Question | None:
    """The engine's next question for the answers so far; None once its stop rule has decided
    (or when the quiz's scope has no active question left to ask)."""
    if quiz.is_exam:
        return _next_for_adaptive_exam(quiz=quiz, attempt_seed=attempt_seed, served=served)
    items = bank_items(quiz.questions_in_scope())
    if not items:
        return None
    step = selection.next_step(
        items,
        served,
        thresholds=quiz_thresholds(quiz),
        cap=quiz.question_limit,
        seed=attempt_seed,
    )
    if step.next_item is None:
        return None
    return _with_choices(Question.objects.filter(pk=step.next_item)).get()


def _next_for_adaptive_exam(
    *, quiz: Quiz, attempt_seed: int, served: selection.Served
) -> Question | None:
    """An adaptive exam's next question: from the exam pool, never from a blueprint cell it
    has filled, chosen at random among the near-best (exposure control)."""
    engine = exam_engine(quiz)
    if engine is None:
        return None
    blocked = exam_blocked(quiz, served)
    step = selection.exam_step(engine, served, seed=attempt_seed, blocked=blocked)
    if step.next_item is None:
        return None
    return _with_choices(Question.objects.filter(pk=step.next_item)).get()


def adaptive_exam_passed(quiz: Quiz, outcome: AdaptiveOutcome | None) -> bool:
    """The issuing rule of an adaptive exam: the posterior probability of readiness at least
    the quiz's, with at least its minimum answers in every category."""
    if outcome is None:
        return False
    covered = all(row["answered"] >= quiz.min_per_category for row in outcome.categories)
    return covered and outcome.p_ready >= quiz.ready_probability


# Finishing ---------------------------------------------------------------------------------


def attempt_submit(
    *, user: AbstractBaseUser, attempt_id: int, now: datetime | None = None
) -> tuple[Attempt, bool]:
    """Finish an attempt and score it; returns (attempt, finished by this call).

    Idempotent: submitting a finished attempt returns it unchanged. After the deadline the
    attempt is finalized as expired, with what was saved in time.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(user=user, attempt_id=attempt_id)
        if not attempt.is_open:
            return attempt, False
        status = Attempt.Status.EXPIRED if attempt.is_overdue(now) else Attempt.Status.SUBMITTED
        _attempt_finalize(attempt, status=status, now=now)
        return attempt, True


def attempt_expire(*, attempt_id: int, now: datetime | None = None) -> Attempt:
    """Finalize an attempt whose deadline has passed; anything else is left as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz")
            .get(pk=attempt_id)
        )
        if attempt.is_overdue(now):
            _attempt_finalize(attempt, status=Attempt.Status.EXPIRED, now=now)
    return attempt


def attempts_expire_overdue(
    *, now: datetime | None = None, user: AbstractBaseUser | None = None
) -> int:
    """Finalize every open attempt past its deadline (one user's, or everyone's); how many."""
    now = now or timezone.now()
    overdue = Attempt.objects.overdue(now)
    if user is not None:
        overdue = overdue.for_user(user)
    expired = 0
    for attempt_id in list(overdue.values_list("pk", flat=True)):
        # Each in its own short transaction; one that was submitted meanwhile is left alone.
        if attempt_expire(attempt_id=attempt_id, now=now).status == Attempt.Status.EXPIRED:
            expired += 1
    return expired


def _attempt_finalize(attempt: Attempt, *, status: str, now: datetime) -> None:
    """Score from the answers' snapshots and close the attempt (caller holds its row lock).

    Adaptive practice also records the engine's decision and estimates (`AdaptiveOutcome`); its
    verdict is the engine's, not the raw score's.
    """
    # Pretest items are never scored: the result is the operational items' alone.
    rows = list(
        attempt.answers.filter(scored=True)
        .order_by("position")
        .values_list("question_id", "category_slug", "correct")
    )
    card = scoring.score(
        [scoring.ItemResult(category=slug, correct=bool(correct)) for _, slug, correct in rows]
    )
    passed = scoring.readiness(card, attempt.thresholds()).ready
    outcome = None
    if attempt.quiz.serves_one_at_a_time:
        outcome = attempt_outcome(attempt, [(qid, correct) for qid, _, correct in rows])
        passed = outcome is not None and outcome.verdict == AdaptiveOutcome.Verdict.READY
        if attempt.quiz.is_exam:
            passed = adaptive_exam_passed(attempt.quiz, outcome)
    attempt.status = status
    # An expired attempt ended at its deadline, however late the sweep noticed.
    attempt.submitted_at = (
        attempt.deadline if status == Attempt.Status.EXPIRED and attempt.deadline else now
    )
    attempt.correct_count = card.overall.correct
    attempt.question_count = card.overall.total
    attempt.score = Decimal(str(card.overall.percent))
    attempt.category_scores = {name: s.as_dict() for name, s in card.categories.items()}
    attempt.passed = passed
    attempt.save(
        update_fields=[
            "status",
            "submitted_at",
            "correct_count",
            "question_count",
            "score",
            "category_scores",
            "passed",
        ]
    )
    if outcome is not None:
        outcome.save()
    _announce_finished(attempt)


def _announce_finished(attempt: Attempt) -> None:
    """Call settings.QUESTIONS_ATTEMPT_FINISHED (dotted paths of callables taking the attempt)
    inside the finalizing transaction, however the attempt ended: the apps above hook in here
    (certify issues certificates) without questions importing them."""
    for path in getattr(settings, "QUESTIONS_ATTEMPT_FINISHED", ()):
        import_string(path)(attempt)
