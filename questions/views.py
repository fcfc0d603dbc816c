"""Quizzes and attempts: thin views over `services` (writes) and QuerySet methods (reads).

Every attempt view looks the attempt up among the signed-in learner's own (anyone else's is a
404) and renders either the whole page or, for htmx, the named partial of the same template.
A GET never writes: an attempt past its deadline is shown as over (it takes no more answers)
until the finishing path (submit, or the expiry sweep on the task worker) finalizes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url
from django_htmx.middleware import HtmxDetails
from pydantic import BaseModel, ValidationError

from questions import screens, services
from questions.capacity import one_at_a_time
from questions.models import (
    AdaptiveOutcome,
    Answer,
    Attempt,
    Quiz,
    TimeAccommodation,
    active_question_counts,
    own_time_limit,
)


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it: `request.htmx` says whether (and how)
    htmx sent it."""

    htmx: HtmxDetails


class AuthenticatedRequest(HtmxHttpRequest):
    user: User


# The quiz list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizCard:
    quiz: Quiz
    question_count: int
    open_attempt: Attempt | None
    last_result: Attempt | None
    # The open attempt's deadline has passed: it is over, its result on the way.
    time_up: bool = False
    # The learner's own time limit (extended by a time accommodation), when timed.
    own_limit: timedelta | None = None
    # A certification exam after a failed attempt: when the next attempt opens.
    opens_at: datetime | None = None

    @property
    def extra_time(self) -> bool:
        limit = self.quiz.time_limit
        return bool(limit and self.own_limit and self.own_limit > limit)


@dataclass(frozen=True)
class QuizSection:
    heading: str
    intro: str
    cards: list[QuizCard]
    # "feature": one wide card; "compact": small cards without descriptions.
    layout: str = ""


def _sections(cards: list[QuizCard]) -> list[QuizSection]:
    """The quiz list in three groups, leaving out any group with no quiz."""
    modes = Quiz.Mode
    sections = [
        QuizSection(
            "Certification",
            "The exam behind the certificate: its own questions, which practice never shows; "
            "timed; a score report by category and objective at the end.",
            [c for c in cards if c.quiz.mode == modes.CERTIFICATION],
            layout="feature",
        ),
        QuizSection(
            "Practice",
            "Adaptive practice, and a quiz for each phase of the study path.",
            [c for c in cards if c.quiz.mode in (modes.ADAPTIVE, modes.LEVEL)],
        ),
        QuizSection(
            "Category drills",
            "The practice questions of one category, with feedback after each answer.",
            [c for c in cards if c.quiz.mode == modes.DRILL],
            layout="compact",
        ),
    ]
    return [section for section in sections if section.cards]


@require_GET
def quiz_list(request: HttpRequest) -> HttpResponse:
    counts = active_question_counts()
    open_attempts: list[Attempt] = []
    history: list[Attempt] = []
    accommodations: list[TimeAccommodation] = []
    now = timezone.now()
    if request.user.is_authenticated:
        accommodations = list(TimeAccommodation.objects.for_user(request.user))
        open_attempts = list(
            Attempt.objects.for_user(request.user)
            .open()
            .with_progress()
            .select_related("retake_of__quiz")
        )
        history = list(
            Attempt.objects.for_user(request.user)
            .finished()
            .select_related("quiz")
            .order_by("-submitted_at")[:20]
        )
    resumable = {a.quiz_id: a for a in open_attempts if a.retake_of_id is None}
    last_by_quiz: dict[int, Attempt] = {}
    for attempt in history:
        last_by_quiz.setdefault(attempt.quiz_id, attempt)
    cards = [
        QuizCard(
            quiz=quiz,
            question_count=quiz.question_count(counts),
            open_attempt=resumable.get(quiz.pk),
            last_result=last_by_quiz.get(quiz.pk),
            time_up=quiz.pk in resumable and resumable[quiz.pk].is_overdue(now),
            own_limit=own_time_limit(quiz, accommodations),
            opens_at=_opens_at(quiz, last_by_quiz.get(quiz.pk), now),
        )
        for quiz in Quiz.objects.for_list()
    ]
    context = {
        "sections": _sections(cards),
        "history": history,
        "retakes": [
            attempt
            for attempt in open_attempts
            if attempt.retake_of_id is not None and not attempt.is_overdue(now)
        ],
    }
    return render(request, "questions/quiz_list.html", context)


def _opens_at(quiz: Quiz, last: Attempt | None, now: datetime) -> datetime | None:
    opens_at = quiz.retake_opens_at(last)
    return opens_at if opens_at is not None and opens_at > now else None


@login_required
@require_POST
@one_at_a_time
def quiz_start(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.published(), slug=slug)
    try:
        attempt, created = services.attempt_start(user=request.user, quiz=quiz)
    except services.AttemptError as error:
        # The gate's refusal is tagged: the page offers what it asks for (e.g. a button that
        # sends the verification email again).
        tags = "certification-gate" if isinstance(error, services.CertificationRefused) else ""
        messages.error(request, str(error), extra_tags=tags)
        return redirect("questions:quiz_list")
    if not created:
        messages.info(request, "You already had this quiz open: carry on where you left off.")
    return redirect("questions:attempt_resume", pk=attempt.pk)


# Taking an attempt -------------------------------------------------------------------------


def _attempt_or_404(request: AuthenticatedRequest, pk: int) -> Attempt:
    return get_object_or_404(Attempt.objects.for_user(request.user).for_page(), pk=pk)


def _closed_redirect(request: AuthenticatedRequest, attempt: Attempt) -> HttpResponse | None:
    """For an attempt that is over (finished, or past its deadline), send the learner to its
    results, writing nothing; None while it is open."""
    if not attempt.is_over(timezone.now()):
        return None
    messages.info(request, services.closed_message(attempt))
    return _to_results(request, attempt)


def _to_results(request: HtmxHttpRequest, attempt: Attempt) -> HttpResponse:
    url = reverse("questions:attempt_results", args=[attempt.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@login_required
@require_GET
def attempt_resume(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Where an attempt picks up: the first unanswered question, else the summary."""
    attempt = _attempt_or_404(request, pk)
    if closed := _closed_redirect(request, attempt):
        return closed
    first_open = (
        attempt.answers.filter(answered_at__isnull=True)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    if first_open is None:
        return redirect("questions:attempt_summary", pk=attempt.pk)
    return redirect("questions:attempt_question", pk=attempt.pk, position=first_open)


Go = Literal["next", "prev", "summary", "check", "flag", "unflag"]


class AnswerInput(BaseModel):
    """The answer form: which question, the chosen options, and where to go next.

    Without `go` it is an autosave (htmx, on change): save and report, stay put.
    """

    question: str
    choice: list[int] = []
    go: Go | None = None


UNREADABLE = "That answer could not be read; nothing was saved. Choose from the options shown."


@login_required
@require_http_methods(["GET", "POST"])
def attempt_question(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    if request.method == "GET":
        attempt = _attempt_or_404(request, pk)
        if closed := _closed_redirect(request, attempt):
            return closed
        return _screen(request, attempt, position)
    try:
        data = _answer_input(request)
    except ValidationError:
        return _screen(
            request, _attempt_or_404(request, pk), position, error=UNREADABLE, status=422
        )
    try:
        outcome = _answer_save(request, pk, data)
    except services.AttemptClosed as closed:
        messages.error(request, str(closed))
        return _to_results(request, closed.attempt)
    except services.AttemptError as error:
        return _refused(request, _attempt_or_404(request, pk), position, data, str(error))
    return _saved(request, outcome, data)


def _answer_input(request: HttpRequest) -> AnswerInput:
    """The posted answer; pydantic's ValidationError when it cannot be read."""
    return AnswerInput.model_validate(
        {
            "question": request.POST.get("question", ""),
            "choice": request.POST.getlist("choice"),
            "go": request.POST.get("go") or None,
        }
    )


def _answer_save(
    request: AuthenticatedRequest, pk: int, data: AnswerInput
) -> services.AnswerOutcome:
    """Save the answer (and its flag, when `go` asks); someone else's attempt is a 404."""
    try:
        outcome = services.answer_submit(
            user=request.user, attempt_id=pk, question_id=data.question, choice_ids=data.choice
        )
        if data.go in ("flag", "unflag"):
            services.answer_flag(
                user=request.user,
                attempt_id=pk,
                question_id=data.question,
                flagged=data.go == "flag",
            )
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    return outcome


def _refused(
    request: HtmxHttpRequest, attempt: Attempt, position: int, data: AnswerInput, error: str
) -> HttpResponse:
    """A refused save: the autosave status for an htmx autosave, else the screen again."""
    if data.go is None and request.htmx:
        return _autosaved(request, attempt, position, error=error)
    return _screen(request, attempt, position, error=error, status=422)


def _saved(
    request: HtmxHttpRequest, outcome: services.AnswerOutcome, data: AnswerInput
) -> HttpResponse:
    answer = outcome.answer
    attempt = answer.attempt
    if data.go == "check" and not answer.is_answered:
        return _screen(
            request, attempt, answer.position, error="Choose an option first.", status=422
        )
    if data.go is None and request.htmx:
        if outcome.served_next is not None:  # a question joined the navigator: all of it
            return _autosaved(request, attempt, answer.position, saved=outcome.changed)
        return _autosaved_one(request, attempt, answer, saved=outcome.changed)
    return _go(request, attempt, answer.position, data.go)


def _go(request: HtmxHttpRequest, attempt: Attempt, position: int, go: Go | None) -> HttpResponse:
    """After a save, the screen `go` asks for: a redirect without JavaScript (post/redirect/get),
    the screen itself for htmx, with its URL pushed so that a reload lands on it."""
    target: int | None = position  # None: the summary
    if go == "next":
        target = position + 1 if position < _served(attempt) else None
    elif go == "prev":
        target = max(1, position - 1)
    elif go == "summary":
        target = None
    url = (
        screens.question_url(attempt, target)
        if target is not None
        else reverse("questions:attempt_summary", args=[attempt.pk])
    )
    if not request.htmx:
        return redirect(url)
    response = _screen(request, attempt, target)
    if target != position:
        push_url(response, url)
    return response


def _served(attempt: Attempt) -> int:
    return attempt.answers.count()


def _autosaved(
    request: HttpRequest, attempt: Attempt, position: int, *, saved: bool = False, error: str = ""
) -> HttpResponse:
    """The reply to an autosave: the save status and the navigator, swapped out of band."""
    rows = Answer.objects.navigator(attempt)
    current = next((row for row in rows if row.position == position), None)
    context = {
        "attempt": attempt,
        "nav": screens.navigator(attempt, rows, current=position),
        "status_answered": current is not None and current.answered_at is not None,
        "saved": saved,
        "now": timezone.now(),
        "error": error,
    }
    return render(
        request, "questions/attempt.html#autosaved", context, status=422 if error else 200
    )


def _autosaved_one(
    request: HttpRequest, attempt: Attempt, answer: Answer, *, saved: bool
) -> HttpResponse:
    """The reply to an autosave that changed one question: the save status, that question's
    entry in the navigator and the navigator's counts, each swapped out of band (the rest of the
    navigator is as the page shows it)."""
    context = {
        "attempt": attempt,
        "item": screens.nav_item(attempt, answer, current=answer.position),
        "progress": screens.Progress(*Answer.objects.progress(attempt)),
        "status_answered": answer.answered_at is not None,
        "saved": saved,
        "now": timezone.now(),
        "error": "",
    }
    return render(request, "questions/attempt.html#autosaved-one", context)


@login_required
@require_GET
def attempt_summary(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    attempt = _attempt_or_404(request, pk)
    if closed := _closed_redirect(request, attempt):
        return closed
    return _screen(request, attempt, None)


def _screen(
    request: HtmxHttpRequest,
    attempt: Attempt,
    position: int | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """Render a question (or, with no position, the summary) as a page or as the htmx partial."""
    rows = Answer.objects.navigator(attempt)
    question = None
    if position is not None:
        answer = get_object_or_404(
            Answer.objects.select_related("question"), attempt=attempt, position=position
        )
        question = screens.taking_view(attempt, answer)
    now = timezone.now()
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "nav": screens.navigator(attempt, rows, current=position),
        "question": question,
        "error": error,
        "clock": screens.Clock(
            attempt.deadline,
            now,
            limit=attempt.deadline - attempt.started_at,
            standard_limit=attempt.quiz.time_limit,
        )
        if attempt.deadline
        else None,
    }
    template = "questions/attempt.html#take" if request.htmx else "questions/attempt.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def attempt_submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        attempt, finished_now = services.attempt_submit(user=request.user, attempt_id=pk)
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    if attempt.status == Attempt.Status.EXPIRED:
        messages.warning(request, services.closed_message(attempt))
    elif finished_now:
        messages.success(request, "Submitted. Here are your results.")
    else:
        messages.info(request, "This attempt was already submitted.")
    return redirect("questions:attempt_results", pk=attempt.pk)


# After an attempt --------------------------------------------------------------------------


@login_required
@require_GET
def attempt_results(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    attempt = _attempt_or_404(request, pk)
    if attempt.is_overdue(timezone.now()):
        return _time_up(request, attempt)
    if attempt.is_open:
        messages.info(request, "Submit this attempt to see its results.")
        return redirect("questions:attempt_resume", pk=attempt.pk)
    if attempt.quiz.is_exam:
        return _exam_results(request, attempt)
    answers = list(attempt.answers.select_related("question").order_by("position"))
    missed = sum(1 for answer in answers if answer.correct is not True)
    practice = None
    if attempt.quiz.serves_one_at_a_time:
        # Attempts finished before the engine was in the product have no outcome: raw scores.
        outcome = AdaptiveOutcome.objects.filter(attempt=attempt).first()
        practice = screens.practice_results(outcome, attempt.quiz) if outcome else None
    review = screens.review_views(attempt, answers)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "practice": practice,
        "results": screens.results(attempt),
        "review": review,
        "review_groups": screens.review_groups(review),
        "missed": missed,
        "headline": _results_headline(request, attempt),
    }
    return render(request, "questions/attempt_results.html", context)


def _results_headline(request: HttpRequest, attempt: Attempt) -> str:
    """What the project puts right under a finished attempt's verdict, through
    QUESTIONS_RESULTS_HEADLINE (a callable (request, attempt) -> HTML; certify's announces the
    certificate an exam earned), else nothing."""
    path = getattr(settings, "QUESTIONS_RESULTS_HEADLINE", "")
    return import_string(path)(request, attempt) if path else ""


def _time_up(request: AuthenticatedRequest, attempt: Attempt) -> HttpResponse:
    """The results page of an attempt whose time ran out and that nobody has finalized yet: it
    says so and what was saved in time, and offers to score it now (a POST: the finishing
    path); the sweep scores it within a minute anyway."""
    rows = Answer.objects.navigator(attempt)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "saved": sum(1 for row in rows if row.answered_at is not None),
        "served": len(rows),
    }
    return render(request, "questions/attempt_time_up.html", context)


def _exam_results(request: AuthenticatedRequest, attempt: Attempt) -> HttpResponse:
    """An exam's results are a score report, never its questions: the report the project names
    in QUESTIONS_EXAM_REPORT (a callable (request, attempt) -> HTML; certify's says what to
    study and links the certificate), else the scores alone."""
    path = getattr(settings, "QUESTIONS_EXAM_REPORT", "")
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "results": screens.results(attempt),
        "report": import_string(path)(request, attempt) if path else "",
        # This attempt failed and the cooldown after it runs: no later attempt can exist yet.
        "opens_at": _opens_at(attempt.quiz, attempt, timezone.now()),
        "headline": _results_headline(request, attempt),
    }
    return render(request, "questions/exam_results.html", context)


@login_required
@require_POST
def attempt_retake(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Start (or resume) a drill of exactly the questions missed in this attempt."""
    try:
        retake, _ = services.attempt_retake_missed(user=request.user, attempt_id=pk)
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    except services.AttemptError as error:
        messages.error(request, str(error))
        return redirect("questions:attempt_results", pk=pk)
    return redirect("questions:attempt_resume", pk=retake.pk)
