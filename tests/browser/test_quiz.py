"""Taking quizzes in Chromium: htmx swaps, autosave, the navigator, flags, and the countdown."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from questions.models import Attempt, Question, Quiz
from tests.conftest import login_in_browser
from tests.factories import ExamQuizFactory, QuizFactory, questions_across_categories

pytestmark = pytest.mark.browser

# `live_asgi` comes before `page` in every test: the test database must exist before Playwright
# starts its event loop on this thread, or creating it counts as ORM use from async code.


def start(page, live_asgi: str, quiz: Quiz) -> Attempt:
    page.goto(f"{live_asgi}/quizzes/")
    page.locator(".quiz-card", has_text=quiz.title).get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/questions/1/$"))
    return Attempt.objects.get(quiz=quiz)


def choose(page, attempt: Attempt, position: int, *, right: bool) -> None:
    """Click an option's label, as a learner would, and wait for the autosave to answer."""
    answer = attempt.answers.get(position=position)
    choice = next(c for c in answer.choices if c["correct"] is right)
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        page.locator(f"label[for=choice-{choice['id']}]").click()


def test_a_short_quiz_end_to_end_with_the_navigator_and_a_flag(
    live_asgi: str, page, learner: User, password: str
) -> None:
    questions_across_categories(3, pool=Question.Pool.EXAM)
    quiz = ExamQuizFactory.create(title="Short quiz", time_limit=timedelta(minutes=10))
    login_in_browser(page, live_asgi, learner, password)
    attempt = start(page, live_asgi, quiz)
    navigator = page.locator("#navigator")
    assert "0 of 3 answered" in navigator.inner_text()
    page.evaluate("window.sameDocument = true")  # gone if a swap were a full page load

    # Autosave: choosing is saving, with no button pressed.
    choose(page, attempt, 1, right=True)
    assert "Saved at" in page.locator("#save-status").inner_text()
    assert "1 of 3 answered" in navigator.inner_text()
    assert attempt.answers.get(position=1).correct is True

    page.get_by_role("button", name="Flag for review").click()
    page.get_by_role("button", name="Remove flag").wait_for()
    assert page.get_by_text("Flagged for review").first.is_visible()
    assert navigator.get_by_role("link", name="Question 1: answered, flagged").is_visible()
    assert attempt.answers.get(position=1).flagged

    page.get_by_role("button", name="Save and next").click()
    page.wait_for_url(re.compile(r"/questions/2/$"))
    assert page.get_by_role("heading", name=re.compile("Question 2")).is_visible()
    assert page.evaluate("window.sameDocument") is True
    # The heading of the new question takes focus once htmx has settled the swap, so a screen
    # reader starts there (waits up to the default timeout, then fails).
    page.wait_for_function("() => document.activeElement?.id === 'question-heading'")
    choose(page, attempt, 2, right=False)

    navigator.get_by_role("link", name="Question 3: not answered").click()
    page.wait_for_url(re.compile(r"/questions/3/$"))
    assert page.evaluate("window.sameDocument") is True

    # A reload resumes the same attempt with its saved answers.
    page.reload()
    navigator.get_by_role("link", name="Question 1: answered, flagged").click()
    page.wait_for_url(re.compile(r"/questions/1/$"))
    right_id = next(c["id"] for c in attempt.answers.get(position=1).choices if c["correct"])
    assert page.locator(f"#choice-{right_id}").is_checked()

    navigator.get_by_role("link", name="Review and submit").click()
    page.wait_for_url(re.compile(r"/summary/$"))
    summary = page.locator(".summary").inner_text()
    assert "You have answered 2 of 3 questions; 1 is flagged for review." in summary
    assert "Unanswered questions count as wrong." in summary

    page.get_by_role("button", name="Submit the exam").click()
    page.wait_for_url(re.compile(r"/results/$"))
    assert page.get_by_role("heading", name=re.compile("Not yet")).is_visible()
    assert "33.3%" in page.locator(".verdict").inner_text()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert (attempt.correct_count, attempt.question_count) == (1, 3)


def test_a_20_second_exam_counts_down_announces_and_submits_itself(
    live_asgi: str, page, learner: User, password: str
) -> None:
    questions_across_categories(3)
    quiz = QuizFactory.create(title="Twenty seconds", time_limit=timedelta(seconds=20))
    login_in_browser(page, live_asgi, learner, password)
    attempt = start(page, live_asgi, quiz)

    timer = page.locator("[data-timer-value]")
    assert re.fullmatch(r"0:(1\d|20)", timer.inner_text())
    assert page.get_by_role("timer").is_visible()
    choose(page, attempt, 1, right=True)

    # Announced politely at ten seconds, not every second.
    announcer = page.locator("[data-timer-announce]")
    assert announcer.get_attribute("aria-live") == "polite"
    assert announcer.inner_text() == ""
    page.wait_for_function(
        "() => document.querySelector('[data-timer-announce]').textContent === '10 seconds left.'",
        timeout=15_000,
    )

    # At zero the page submits; the server, past the deadline, finalizes what was saved.
    page.wait_for_url(re.compile(r"/results/$"), timeout=20_000)
    assert "Time ran out" in page.locator(".messages").inner_text()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.submitted_at == attempt.deadline
    assert (attempt.correct_count, attempt.question_count) == (1, 3)
