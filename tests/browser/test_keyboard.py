"""The keyboard alone, and what a screen reader is told: a whole exam taken with Tab, Space,
Enter and the arrow keys (skip link first, focus on each new question after htmx swaps it), the
timer announced politely at 5 and 1 minutes left and not every second, and a lesson's streaming
reply that no live region reads token by token."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from questions.models import Attempt, Question
from tests.factories import ExamQuizFactory, QuizFactory, questions_across_categories

pytestmark = pytest.mark.browser

FOCUSED = "document.activeElement"


def log_in(page: Any, base: str, user: User) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def focused(page: Any, script: str) -> Any:
    return page.evaluate(f"(() => {{ const el = {FOCUSED}; return {script}; }})()")


def tab_to(page: Any, accessible_text: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element's text (or value, or label) contains `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = focused(
            page,
            "((el.textContent || el.value || el.getAttribute('aria-label') || '') + ' ' + "
            "(el.labels && el.labels[0] ? el.labels[0].textContent : '')).replace(/\\s+/g, ' ')",
        )
        if accessible_text in text:
            return
    raise AssertionError(f"Tab never reached {accessible_text!r}")


def test_a_whole_exam_with_the_keyboard_alone(live_asgi: str, page, learner: User) -> None:
    questions_across_categories(3, pool=Question.Pool.EXAM)
    quiz = ExamQuizFactory.create(title="Keyboard exam", time_limit=timedelta(minutes=30))
    log_in(page, live_asgi, learner)
    page.goto(f"{live_asgi}/quizzes/")

    # The skip link comes first and lands on the main content.
    page.keyboard.press("Tab")
    assert focused(page, "el.innerText") == "Skip to content"
    page.keyboard.press("Enter")
    assert focused(page, "el.id") == "main"

    tab_to(page, "Start Keyboard exam")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/questions/1/$"))
    attempt = Attempt.objects.get(quiz=quiz)

    for position in (1, 2, 3):
        answer = attempt.answers.get(position=position)
        first, second = (c["id"] for c in answer.choices[:2])
        # Tab into the options, Space chooses, an arrow key moves the choice (and saves it).
        tab_to(page, answer.choices[0]["text"])
        with page.expect_response(lambda r: r.request.method == "POST"):
            page.keyboard.press("Space")
        with page.expect_response(lambda r: r.request.method == "POST"):
            page.keyboard.press("ArrowDown")
        assert focused(page, "el.id") == f"choice-{second}"
        answer.refresh_from_db()
        assert answer.chosen == [second], (position, first, second)

        tab_to(page, "Save and next" if position < 3 else "Review and submit")
        page.keyboard.press("Enter")
        # htmx swaps the screen in place; focus goes to the new screen's heading.
        heading = "question-heading" if position < 3 else "summary-heading"
        page.wait_for_function(
            f"document.activeElement && document.activeElement.id === '{heading}'"
        )
        if position < 3:
            assert f"Question {position + 1}" in focused(page, "el.innerText")

    tab_to(page, "Submit the exam")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/results/$"))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.answers.filter(answered_at__isnull=False).count() == 3


def test_the_timer_speaks_politely_at_5_and_1_minutes_and_not_every_second(
    live_asgi: str, page, learner: User
) -> None:
    questions_across_categories(2, pool=Question.Pool.EXAM)
    ExamQuizFactory.create(title="Timed exam", time_limit=timedelta(minutes=6))
    log_in(page, live_asgi, learner)
    page.clock.install()
    page.goto(f"{live_asgi}/quizzes/")
    page.get_by_role("button", name="Start Timed exam").click()
    page.wait_for_url(re.compile(r"/questions/1/$"))

    announcer = page.locator("[data-timer-announce]")
    assert announcer.get_attribute("aria-live") == "polite"
    assert page.locator("[data-timer-value]").get_attribute("aria-live") is None
    assert announcer.inner_text() == ""
    page.evaluate(
        """() => {
        window.announcements = [];
        const region = document.querySelector('[data-timer-announce]');
        new MutationObserver(() => window.announcements.push(region.textContent))
          .observe(region, {childList: true, characterData: true, subtree: true});
    }"""
    )

    page.clock.run_for("00:58")  # 5:02 left: nothing said yet
    assert page.evaluate("window.announcements") == []
    page.clock.run_for("00:03")
    assert announcer.inner_text() == "5 minutes left."
    page.clock.run_for("03:30")  # 1:29 left: the countdown moved, the announcer did not
    assert page.evaluate("window.announcements") == ["5 minutes left."]
    page.clock.run_for("00:30")
    assert announcer.inner_text() == "1 minute left."
    assert page.evaluate("window.announcements") == ["5 minutes left.", "1 minute left."]


def test_a_streaming_reply_is_announced_once_not_token_by_token(
    live_asgi: str, page, learner: User, settings
) -> None:
    settings.LESSONS_OFFLINE_FIRST_TOKEN_DELAY = 0.1
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.01
    QuizFactory.create()  # nothing of the lesson depends on it; a quiet database
    log_in(page, live_asgi, learner)
    page.goto(f"{live_asgi}/lessons/raw-response-events/?preset=text-deltas")
    # Count every change inside any live region (aria-live, status, alert, log) as it happens.
    page.evaluate(
        """() => {
        window.spoken = [];
        const live = '[aria-live]:not([aria-live="off"]), [role=status], [role=alert], [role=log]';
        new MutationObserver(records => {
            for (const r of records) {
                const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
                const region = node && node.closest(live);
                if (region) window.spoken.push(region.id || region.className);
            }
        }).observe(document.body, {childList: true, characterData: true, subtree: true});
    }"""
    )
    page.get_by_role("button", name="Run").click()
    page.wait_for_function("document.querySelector('#run-status')?.textContent.includes('Done')")

    tokens = page.locator("#out-main span").count()
    assert tokens > 30
    spoken = page.evaluate("window.spoken")
    # The status line (starting, streaming, done) and the final output: a handful of changes,
    # none of them a token.
    assert set(spoken) <= {"run-status", "run-result"}, spoken
    assert len(spoken) < tokens / 4, (tokens, spoken)
    # The reply itself is in no live region; the final output is, once.
    assert page.evaluate(
        "!document.getElementById('out-main').closest('[aria-live], [role=status], [role=log]')"
    )
    result = page.locator("#run-result")
    assert result.get_attribute("aria-live") == "polite"
    assert (
        result.locator("[data-final-output]").inner_text() == page.locator("#out-main").inner_text()
    )
