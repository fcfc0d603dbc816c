"""A whole learner session, every response kept: no page, fragment or PDF a learner reaches holds
an exam item's key, rationale, explanation or demo.

The learner drills, takes a level quiz, adaptive practice and a retake, sits the exam (every
question page, autosaves through htmx, the summary), reads the score report, practises the
objectives the exam missed, opens the dashboard, the quiz list, the certificate page, its
printable page and its PDF. The exam's items carry marked texts; the scan looks for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from certify.models import Certificate
from questions.models import Attempt, Question, Quiz
from questions.services import RETAKE_QUIZ_SLUG, quiz_defaults_ensure
from tests.certify.conftest import pdf_text
from tests.factories import questions_across_categories

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

SECRET_PRESET = "exam-only-scenario"


@dataclass
class Session:
    """Every response body of the session: the exam's own question screens apart."""

    client: Client
    pages: list[str] = field(default_factory=list)
    exam_screens: list[str] = field(default_factory=list)

    def get(self, url: str, *, exam_screen: bool = False) -> str:
        return self._keep(self.client.get(url), exam_screen)

    def post(
        self,
        url: str,
        data: Mapping[str, object],
        *,
        exam_screen: bool = False,
        htmx: bool = False,
    ) -> str:
        headers = {"HX-Request": "true"} if htmx else {}
        return self._keep(self.client.post(url, data, follow=True, headers=headers), exam_screen)

    def _keep(self, response: Response, exam_screen: bool) -> str:
        assert response.status_code == 200, response
        if response["Content-Type"] == "application/pdf":
            body = pdf_text(response.content)
        else:
            body = response.content.decode()
        (self.exam_screens if exam_screen else self.pages).append(body)
        return body


def mark_exam_items() -> list[Question]:
    """Exam items whose key, rationales, explanation and demo are marked for the scan."""
    items = questions_across_categories(10, pool=Question.Pool.EXAM, demo_preset=SECRET_PRESET)
    for question in items:
        Question.objects.filter(pk=question.pk).update(
            explanation=f"EXAM-EXPLANATION {question.id}", topic=f"EXAM-TOPIC {question.id}"
        )
        for choice in question.choices.all():
            choice.rationale = f"EXAM-RATIONALE {question.id} {choice.order}"
            choice.text = (
                f"EXAM-KEY {question.id}" if choice.is_correct else f"EXAM-OPTION {choice.order}"
            )
            choice.save()
    return items


def mark_pretest_items() -> list[Question]:
    """Pretest items (asked unscored on exam forms) whose secrets are marked likewise."""
    items = questions_across_categories(5, pool=Question.Pool.PRACTICE, pretest=True)
    for question in items:
        Question.objects.filter(pk=question.pk).update(
            explanation=f"PRETEST-EXPLANATION {question.id}"
        )
        question.choices.update(rationale=f"PRETEST-RATIONALE {question.id}")
    return items


def take(session: Session, attempt: Attempt, *, exam: bool, right: bool = True) -> None:
    """Every screen of an attempt: each question (shown, answered through htmx's autosave and
    then the form), the summary, the submit and the results."""
    position = 1
    while attempt.answers.filter(position=position).exists():
        row = attempt.answers.get(position=position)
        url = reverse("questions:attempt_question", args=[attempt.pk, position])
        session.get(url, exam_screen=exam)
        chosen = [c["id"] for c in row.choices if c["correct"] is right][:1]
        data = {"question": row.question_id, "choice": chosen}
        if not attempt.quiz.immediate_feedback:
            session.post(url, data, exam_screen=exam, htmx=True)
        session.post(
            url,
            {**data, "go": "check" if attempt.quiz.immediate_feedback else "next"},
            exam_screen=exam,
        )
        position += 1
    session.get(reverse("questions:attempt_summary", args=[attempt.pk]), exam_screen=exam)
    session.post(reverse("questions:attempt_submit", args=[attempt.pk]), {})


def start(session: Session, quiz: Quiz) -> Attempt:
    """Press Start: the answer is the attempt's first screen."""
    session.post(reverse("questions:quiz_start", args=[quiz.slug]), {}, exam_screen=quiz.is_exam)
    return Attempt.objects.filter(quiz=quiz).latest("started_at")


def test_a_whole_learner_session_never_shows_an_exam_items_secrets(
    client: Client, learner: User
) -> None:
    exam_items = mark_exam_items()
    pretest_items = mark_pretest_items()
    for level in Question.Level.values:
        questions_across_categories(10, level=level, objective="streaming-vs-regular")
    quiz_defaults_ensure()
    client.force_login(learner)
    session = Session(client)
    session.get(reverse("questions:quiz_list"))

    # Practice: a drill (then a retake of what it missed), a level quiz, adaptive practice.
    drill = start(session, Quiz.objects.get(slug="drill-basics"))
    take(session, drill, exam=False, right=False)
    session.post(reverse("questions:attempt_retake", args=[drill.pk]), {})
    take(session, Attempt.objects.get(retake_of=drill), exam=False)
    take(session, start(session, Quiz.objects.get(slug="level-beginner")), exam=False)
    take(session, start(session, Quiz.objects.get(slug="adaptive-practice")), exam=False)

    # The exam: one failed sitting (its score report, its objectives drill), then a pass.
    exam_quiz = Quiz.objects.get(slug="certification-exam")
    failed = start(session, exam_quiz)
    take(session, failed, exam=True, right=False)
    session.get(reverse("questions:attempt_results", args=[failed.pk]))
    session.post(reverse("questions:attempt_retake", args=[failed.pk]), {})
    take(session, Attempt.objects.get(retake_of=failed), exam=False)
    session.get(reverse("dashboard"))
    # The next attempt opens after the cooldown: the failed sitting is moved two days back.
    failed.refresh_from_db()
    assert failed.submitted_at is not None
    Attempt.objects.filter(pk=failed.pk).update(
        started_at=failed.started_at - timedelta(days=2),
        deadline=None,
        submitted_at=failed.submitted_at - timedelta(days=2),
    )
    passed = start(session, exam_quiz)
    take(session, passed, exam=True)
    certificate = Certificate.objects.get(attempt=passed)
    session.get(reverse("dashboard"))
    session.get(reverse("questions:quiz_list"))
    session.get(certificate.get_absolute_url())
    session.get(reverse("certificate_print", args=[certificate.code]))
    session.get(reverse("certificate_pdf", args=[certificate.code]))

    assert len(session.pages) > 40
    assert len(session.exam_screens) >= 20
    secrets = [
        marker
        for question in exam_items
        for marker in (f"EXAM-EXPLANATION {question.id}", f"EXAM-RATIONALE {question.id}")
    ] + [SECRET_PRESET]
    secrets += [
        marker
        for question in pretest_items
        for marker in (f"PRETEST-EXPLANATION {question.id}", f"PRETEST-RATIONALE {question.id}")
    ]
    everything = session.pages + session.exam_screens
    for marker in secrets:
        assert not any(marker in body for body in everything), marker
    # The keyed option is on the exam's own screens (every option is), never marked as the key,
    # and nowhere else; nor is the item's topic.
    for body in session.pages:
        assert "EXAM-KEY" not in body
        assert "EXAM-TOPIC" not in body
    for body in session.exam_screens:
        assert not re.search(r"is-correct|Correct answer|✓ Right|Not quite", body)
    # The practice screens did reveal their own keys: the scan would see a leak.
    assert any("Correct answer" in body for body in session.pages)
    assert Attempt.objects.filter(quiz__slug=RETAKE_QUIZ_SLUG).count() == 2
    # The exams did carry the pretest items, unscored.
    assert failed.answers.filter(scored=False).count() == 5
