"""Adaptive certification in Chromium, end to end: the engine serves one question at a time from
the exam pool, stops when it has decided, and the certificate says the exam was adaptive and
shows the per-category estimates with their intervals."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from certify.models import Certificate
from questions.models import Attempt, Question
from tests.conftest import login_in_browser
from tests.factories import ExamQuizFactory
from tests.questions.test_exam_forms import exam_pool

pytestmark = pytest.mark.browser


def test_an_adaptive_exam_certifies_with_estimates_end_to_end(
    live_asgi: str, page, learner: User, password: str
) -> None:
    exam_pool(6)
    quiz = ExamQuizFactory.create(
        title="Adaptive certification",
        adaptive=True,
        pretest_per_form=0,
        ready_probability=0.9,
    )
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/quizzes/")
    card = page.locator(".quiz-card", has_text=quiz.title)
    assert "Up to 50 questions" in card.inner_text()
    card.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/questions/1/$"))
    attempt = Attempt.objects.get(quiz=quiz)

    asked = 0
    while "/questions/" in page.url:
        position = int(re.search(r"/questions/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]
        answer = attempt.answers.get(position=position)
        assert answer.question.pool == Question.Pool.EXAM
        right = next(c for c in answer.choices if c["correct"])
        page.locator(f"label[for=choice-{right['id']}]").click()
        # No autosave on change: the engine chooses the next question from a final answer.
        page.get_by_role("button", name="Save and next").click()
        page.wait_for_url(re.compile(rf"/(questions/{position + 1}|summary)/$"))
        asked += 1
        assert asked <= 50

    summary = page.locator(".summary").inner_text()
    assert "The engine has reached its decision" in summary
    page.get_by_role("button", name="Submit the exam").click()
    page.wait_for_url(re.compile(r"/results/$"))
    attempt.refresh_from_db()
    assert attempt.passed is True
    # At most the form's length: before it only on a very sure decision.
    assert attempt.answers.count() == asked <= 50

    certificate = Certificate.objects.get(attempt=attempt)
    page.goto(f"{live_asgi}{certificate.get_absolute_url()}")
    body = page.locator("main").inner_text()
    assert "Adaptive: the questions were chosen one at a time" in body
    estimates = page.get_by_role("table", name=re.compile("Estimated score by category"))
    assert estimates.get_by_role("row").count() == 6
    assert re.search(r"\d+\u2013\d+%", estimates.inner_text())
