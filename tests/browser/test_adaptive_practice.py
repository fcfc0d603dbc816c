"""Adaptive practice in Chromium: questions swapped in one at a time until the engine decides,
then its decision, estimates and lesson links on the results page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from questions.models import AdaptiveOutcome, Attempt, Quiz
from tests.conftest import login_in_browser
from tests.factories import QuizFactory, bank_of_fifty

pytestmark = pytest.mark.browser

# `live_asgi` comes before `page`: the test database must exist before Playwright starts its
# event loop on this thread.


def test_a_short_adaptive_session_reaches_its_decision(
    live_asgi: str, page, learner: User, password: str
) -> None:
    bank_of_fifty()
    quiz = QuizFactory.create(
        title="Adaptive practice",
        mode=Quiz.Mode.ADAPTIVE,
        feedback=Quiz.Feedback.IMMEDIATE,
        question_limit=20,
    )
    login_in_browser(page, live_asgi, learner, password)
    page.goto(f"{live_asgi}/quizzes/")
    page.locator(".quiz-card", has_text=quiz.title).get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/questions/1/$"))
    attempt = Attempt.objects.get(quiz=quiz)
    page.evaluate("window.sameDocument = true")  # gone if a swap were a full page load

    position = 1
    while True:
        heading = page.get_by_role("heading", name=re.compile(rf"Question {position}\b"))
        heading.wait_for()
        # Every answer wrong: the engine is sure soon, but never before five answers.
        answer = attempt.answers.get(position=position)
        wrong = next(c for c in answer.choices if not c["correct"])
        page.locator(f"label[for=choice-{wrong['id']}]").click()
        page.get_by_role("button", name="Check answer").click()
        page.get_by_text("✗ Not quite.").wait_for()
        if page.get_by_role("button", name="See the decision").count():
            break
        page.get_by_role("button", name="Next question").click()
        position += 1
    assert position == 5
    assert page.evaluate("window.sameDocument") is True
    assert page.get_by_text("That is enough for the engine to decide").is_visible()

    page.get_by_role("button", name="See the decision").click()
    page.wait_for_url(re.compile(r"/results/$"))
    assert page.get_by_role("heading", name="✗ Not yet").is_visible()
    assert "P(ready)" in page.locator(".verdict").inner_text()
    rows = page.locator("table.estimates tbody tr")
    assert rows.count() == 5
    assert re.search("\\d+%\\s*\\(\\d+\N{EN DASH}\\d+%\\)", rows.first.inner_text())
    bar = rows.first.locator(".estimate-bar")
    assert bar.bounding_box()["width"] > 100  # drawn by the server's CSS, no script involved
    outcome = AdaptiveOutcome.objects.get(attempt=attempt)
    assert outcome.verdict == AdaptiveOutcome.Verdict.NOT_YET

    # A lesson link of the weakest category leads to that lesson's page.
    study = page.locator(".study-next")
    first_lesson = study.get_by_role("link").first
    href = first_lesson.get_attribute("href")
    assert href is not None
    assert re.fullmatch(r"/lessons/[a-z-]+/", href)
    first_lesson.click()
    page.wait_for_url(f"{live_asgi}{href}")
    assert page.get_by_role("heading", level=1).is_visible()
