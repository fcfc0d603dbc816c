"""certify's part of an exam's results page: questions renders it through its
QUESTIONS_EXAM_REPORT setting (questions never imports certify).

Three queries: the form's scored answers, the practice items of the weak objectives, and the
attempt's certificate.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from certify.models import Certificate
from certify.report import FormAnswer, PracticeItem, ScoreReport, score_report
from questions.models import Attempt, Question


def _form_answers(attempt: Attempt) -> list[FormAnswer]:
    rows = attempt.answers.filter(scored=True).values_list(
        "question__objective", "category_slug", "correct"
    )
    return [
        FormAnswer(objective, category, correct is True) for objective, category, correct in rows
    ]


def _practice_items(objectives: set[str]) -> list[PracticeItem]:
    if not objectives:
        return []
    rows = (
        Question.objects.practice()
        .filter(objective__in=objectives)
        .order_by("id")
        .values_list("id", "objective", "category__slug", "topic", "demo_lesson", "demo_preset")
    )
    return [PracticeItem(*row) for row in rows]


def attempt_report(attempt: Attempt) -> ScoreReport:
    answers = _form_answers(attempt)
    threshold = attempt.quiz.category_threshold
    first = score_report(answers, [], threshold=threshold)
    weak = {line.objective.key for line in first.weak}
    return score_report(answers, _practice_items(weak), threshold=threshold)


def exam_score_report(request: HttpRequest, attempt: Attempt) -> SafeString:
    """The QUESTIONS_EXAM_REPORT hook: objectives strong and weak, what to study, and the
    certificate the exam earned, if any."""
    context = {
        "attempt": attempt,
        "report": attempt_report(attempt),
        "certificate": Certificate.objects.filter(attempt=attempt).first(),
    }
    return render_to_string("certify/partials/score_report.html", context, request=request)
