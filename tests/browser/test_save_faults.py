"""An answer whose save fails mid-exam (the database away: the server answers 503) is never
lost: the learner sees "Not saved, retrying" beside the question and the mark in the navigator
and the summary, submit asks first, and once the server is back the answer is saved by itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError

from questions import services
from questions.models import Attempt, Question
from tests.browser.test_quiz import start
from tests.conftest import login_in_browser
from tests.factories import ExamQuizFactory, questions_across_categories

pytestmark = pytest.mark.browser


class Outage:
    """Makes every answer save fail as a stopped database does, until it is over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = False
        self.refused = 0
        real = services.answer_submit

        def answer_submit(**kwargs: object) -> services.AnswerOutcome:
            if self.down:
                self.refused += 1
                raise OperationalError("connection to server at 127.0.0.1 failed")
            return real(**kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(services, "answer_submit", answer_submit)


def test_a_save_that_fails_is_shown_retried_and_kept(
    live_asgi: str, page, learner: User, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions_across_categories(3, pool=Question.Pool.EXAM)
    quiz = ExamQuizFactory.create(title="Short quiz", time_limit=timedelta(minutes=10))
    outage = Outage(monkeypatch)
    login_in_browser(page, live_asgi, learner, password)
    attempt = start(page, live_asgi, quiz)
    row = attempt.answers.get(position=1)
    right = next(c["id"] for c in row.choices if c["correct"])

    outage.down = True
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 503):
        page.locator(f"label[for=choice-{right}]").click()

    status = page.locator("#save-status")
    status.get_by_text("Not saved, retrying").wait_for()
    assert page.locator(f"#choice-{right}").is_checked()  # the choice stays as the learner left it
    navigator = page.locator("#navigator")
    unsaved = re.compile("Question 1: .*not saved yet")
    assert navigator.get_by_role("link", name=unsaved).is_visible()
    # The countdown still counts (minutes, not a time of day).
    assert re.fullmatch(r"\d{1,2}:\d{2}", page.locator("[data-timer-value]").inner_text())
    page.screenshot(path="/tmp/certify-save-retrying.png")

    # The summary lists it, and submitting asks first.
    navigator.get_by_role("link", name="Review and submit").click()
    page.wait_for_url(re.compile(r"/summary/$"))
    assert "Not saved yet: question 1" in page.locator("#unsaved-summary").inner_text()
    page.get_by_role("button", name="Submit the exam").click()
    page.get_by_role("button", name=re.compile("Submit anyway")).wait_for()
    assert Attempt.objects.get(pk=attempt.pk).is_open  # nothing submitted
    assert outage.refused >= 1

    # The database is back: the next try saves it, with no click.
    outage.down = False
    page.locator("#unsaved-summary").wait_for(state="detached", timeout=40_000)
    row.refresh_from_db()
    assert row.chosen == [right]
    assert row.correct is True
    assert not navigator.locator(".is-unsaved").count()
    page.get_by_role("button", name=re.compile("Submit")).first.wait_for()
