"""certify's parts of a results page, which questions renders through its settings (questions
never imports certify): QUESTIONS_EXAM_REPORT, an exam's score report beyond the scores (two
queries: the form's scored answers, the practice items of the weak objectives), and
QUESTIONS_RESULTS_HEADLINE, the certificate an attempt earned, right under its verdict.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
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
    """The QUESTIONS_EXAM_REPORT hook: objectives strong and weak, and what to study."""
    context = {"attempt": attempt, "report": attempt_report(attempt)}
    return render_to_string("certify/partials/score_report.html", context, request=request)


def certificate_earned(request: HttpRequest, attempt: Attempt) -> SafeString | str:
    """The QUESTIONS_RESULTS_HEADLINE hook: the moment a learner passes. It says the certificate
    was issued and gives its page, its PDF, its public verification URL to copy, and the
    sections the apps above add through CERTIFY_CERTIFICATE_EARNED_SECTIONS (integrations: the
    Open Badge). Nothing for an attempt that earned no certificate (one query)."""
    if not attempt.quiz.is_exam:
        return ""
    certificate = Certificate.objects.filter(attempt=attempt).first()
    if certificate is None:
        return ""
    sections = [
        import_string(path)(request, certificate)
        for path in getattr(settings, "CERTIFY_CERTIFICATE_EARNED_SECTIONS", ())
    ]
    context = {
        "certificate": certificate,
        "verify_url": request.build_absolute_uri(certificate.get_absolute_url()),
        "sections": sections,
    }
    return render_to_string("certify/partials/certificate_earned.html", context, request=request)
