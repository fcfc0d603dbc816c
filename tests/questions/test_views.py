"""Request tests: the quiz pages, every rule of taking an attempt, and what reaches the browser."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.db.models.signals import post_init
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from questions import services
from questions.models import Answer, Attempt, Question, Quiz
from tests.factories import (
    ExamQuizFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
    questions_across_categories,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def question_url(attempt: Attempt, position: int) -> str:
    return reverse("questions:attempt_question", args=[attempt.pk, position])


def started(user: User, quiz: Quiz) -> Attempt:
    attempt, _ = services.attempt_start(user=user, quiz=quiz)
    return attempt


def row(attempt: Attempt, position: int) -> Answer:
    return attempt.answers.get(position=position)


def right_ids(answer: Answer) -> list[int]:
    return sorted(answer.correct_choice_ids)


def wrong_id(answer: Answer) -> int:
    return next(c["id"] for c in answer.choices if not c["correct"])


def post_answer(
    client: Client,
    attempt: Attempt,
    position: int,
    choices: Sequence[int | str],
    *,
    go: str = "",
    htmx: bool = False,
    follow: bool = False,
) -> Response:
    data: dict[str, object] = {"question": row(attempt, position).question_id, "choice": choices}
    if go:
        data["go"] = go
    headers = HTMX if htmx else None
    return client.post(question_url(attempt, position), data, headers=headers, follow=follow)


def found(pattern: str, page: str) -> str:
    """The first group of `pattern`'s first match in `page` (which must have one)."""
    match = re.search(pattern, page)
    assert match is not None, pattern
    return match.group(1)


def messages_in(response: Response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def exam(db) -> Quiz:
    questions_across_categories(5)
    return QuizFactory.create(title="Mock exam", time_limit=timedelta(minutes=60))


# The quiz list and starting ----------------------------------------------------------------


def test_quiz_list_for_a_visitor_offers_log_in(client: Client) -> None:
    questions_across_categories(5, level="beginner")
    QuizFactory.create(title="Certification exam", time_limit=timedelta(minutes=60))
    QuizFactory.create(title="Hidden", is_published=False)

    page = client.get(reverse("questions:quiz_list")).content.decode()

    assert "Certification exam" in page
    assert "5 questions" in page
    assert "<li>1 h time limit</li>" in page
    assert "Log in to start" in page
    assert "Hidden" not in page


def test_quiz_list_shows_your_open_attempt_and_past_results(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    drill = QuizFactory.create(title="Drill", mode=Quiz.Mode.DRILL)
    done = started(learner, drill)
    services.answer_submit(
        user=learner,
        attempt_id=done.pk,
        question_id=row(done, 1).question_id,
        choice_ids=right_ids(row(done, 1)),
    )
    services.attempt_submit(user=learner, attempt_id=done.pk)
    open_attempt = started(learner, exam)
    post_answer(learner_client, open_attempt, 1, right_ids(row(open_attempt, 1)))

    page = learner_client.get(reverse("questions:quiz_list")).content.decode()

    assert reverse("questions:attempt_resume", args=[open_attempt.pk]) in page
    assert "1 of 5 answered" in page
    assert reverse("questions:attempt_results", args=[done.pk]) in page
    assert "20%" in page  # 1 of 5
    assert "Below target" in page


def test_start_creates_an_attempt_and_opens_its_first_question(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    response = learner_client.post(reverse("questions:quiz_start", args=[exam.slug]), follow=True)

    attempt = Attempt.objects.get(user=learner)
    assert response.redirect_chain[-1][0] == question_url(attempt, 1)
    assert "Question 1" in response.content.decode()

    again = learner_client.post(reverse("questions:quiz_start", args=[exam.slug]), follow=True)
    assert Attempt.objects.filter(user=learner).count() == 1
    assert "carry on where you left off" in " ".join(messages_in(again))


def test_start_needs_post_login_and_a_published_quiz(client: Client, exam: Quiz) -> None:
    url = reverse("questions:quiz_start", args=[exam.slug])
    assert client.post(url).status_code == 302  # to the login page
    assert not Attempt.objects.exists()

    client.force_login(UserFactory.create())
    assert client.get(url).status_code == 405
    hidden = QuizFactory.create(is_published=False)
    assert client.post(reverse("questions:quiz_start", args=[hidden.slug])).status_code == 404
    assert not Attempt.objects.exists()


def test_start_an_empty_quiz_says_so(learner_client: Client) -> None:
    quiz = QuizFactory.create(title="Empty", scope=Quiz.Scope.LEVEL, level="advanced")
    response = learner_client.post(reverse("questions:quiz_start", args=[quiz.slug]), follow=True)
    assert "has no questions to ask yet" in " ".join(messages_in(response))
    assert not Attempt.objects.exists()


# Taking: one question per screen, autosave, navigation, flagging ---------------------------


def test_question_page_shows_one_question_and_the_navigator(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    page = learner_client.get(question_url(attempt, 2)).content.decode()

    assert row(attempt, 2).snapshot["prompt"] in page
    assert row(attempt, 1).snapshot["prompt"] not in page
    assert page.count('name="choice"') == 4
    assert 'type="radio"' in page
    assert "Question 2" in page
    assert "0 of 5 answered" in page
    assert 'aria-current="step"' in page
    assert "Question 1: not answered" in page
    assert f'hx-post="{question_url(attempt, 2)}"' in page
    assert f'action="{question_url(attempt, 2)}"' in page  # works without JavaScript too
    assert 'data-deadline="' in page


def test_htmx_gets_only_the_partial(learner_client: Client, learner: User, exam: Quiz) -> None:
    attempt = started(learner, exam)
    page = learner_client.get(question_url(attempt, 3), headers=HTMX).content.decode()

    assert page.lstrip().startswith('<div id="take"')
    assert "<html" not in page
    assert "data-deadline" not in page  # the timer stays in the page, outside the swap
    assert "Question 3" in page


def test_autosave_saves_at_once_and_answers_with_out_of_band_fragments(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)

    response = post_answer(learner_client, attempt, 1, [wrong_id(row(attempt, 1))], htmx=True)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="save-status" hx-swap-oob="innerHTML"' in body
    assert "Saved at" in body
    # The navigator's counts and this question's entry, not the whole navigator again.
    assert 'id="navigator"' not in body
    assert '<p id="navigator-count" class="navigator-count" hx-swap-oob="true">' in body
    assert "1 of 5 answered" in body
    assert '<li id="nav-item-1" hx-swap-oob="true">' in body
    assert "Question 1: answered" in body
    assert "nav-item-2" not in body
    saved = row(attempt, 1)
    assert saved.is_answered
    assert saved.correct is False
    # Changed again before submit: still one row.
    post_answer(learner_client, attempt, 1, right_ids(saved), htmx=True)
    assert row(attempt, 1).correct is True
    assert attempt.answers.count() == 5


def test_without_javascript_save_and_next_then_previous_then_summary(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)

    response = post_answer(learner_client, attempt, 1, right_ids(row(attempt, 1)), go="next")
    assert response.status_code == 302
    assert response["Location"] == question_url(attempt, 2)
    assert row(attempt, 1).correct is True

    response = post_answer(learner_client, attempt, 2, [], go="prev")
    assert response["Location"] == question_url(attempt, 1)
    assert not row(attempt, 2).is_answered

    response = post_answer(learner_client, attempt, 5, [], go="next")
    assert response["Location"] == reverse("questions:attempt_summary", args=[attempt.pk])


def test_htmx_next_swaps_in_the_next_question_and_pushes_its_url(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    response = post_answer(
        learner_client, attempt, 1, right_ids(row(attempt, 1)), go="next", htmx=True
    )

    assert response["HX-Push-Url"] == question_url(attempt, 2)
    assert "Question 2" in response.content.decode()
    assert row(attempt, 1).is_answered


def test_flag_for_review_shows_in_the_navigator_and_the_summary(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    response = post_answer(learner_client, attempt, 3, [], go="flag", htmx=True)

    assert row(attempt, 3).flagged
    body = response.content.decode()
    assert "Question 3: not answered, flagged" in body
    assert "Remove flag" in body
    assert "1 flagged" in body

    summary = learner_client.get(reverse("questions:attempt_summary", args=[attempt.pk]))
    text = summary.content.decode()
    assert "Flagged for review" in text
    assert "You have answered <strong>0 of 5</strong>" in text
    assert "Unanswered questions count as wrong" in text

    post_answer(learner_client, attempt, 3, [], go="unflag")
    assert not row(attempt, 3).flagged


def test_resume_after_reload_keeps_the_deadline_and_the_answers(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    chosen = wrong_id(row(attempt, 1))
    post_answer(learner_client, attempt, 1, [chosen])

    first = learner_client.get(reverse("questions:attempt_resume", args=[attempt.pk]))
    assert first["Location"] == question_url(attempt, 2)  # the first unanswered question
    page = learner_client.get(question_url(attempt, 1)).content.decode()
    again = learner_client.get(question_url(attempt, 1)).content.decode()

    deadline = found(r'data-deadline="([^"]+)"', page)
    assert attempt.deadline is not None
    assert deadline == attempt.deadline.isoformat()
    assert deadline == found(r'data-deadline="([^"]+)"', again)
    assert re.search(rf'value="{chosen}" id="choice-{chosen}" checked', page)


def test_resume_sends_a_fully_answered_attempt_to_the_summary(
    learner_client: Client, learner: User
) -> None:
    QuestionFactory.create()
    attempt = started(learner, QuizFactory.create())
    post_answer(learner_client, attempt, 1, right_ids(row(attempt, 1)))
    response = learner_client.get(reverse("questions:attempt_resume", args=[attempt.pk]))
    assert response["Location"] == reverse("questions:attempt_summary", args=[attempt.pk])


# Refusals: clear message, nothing changed, never a 500 -------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_an_option_of_another_question_is_refused(
    learner_client: Client, learner: User, exam: Quiz, htmx: bool
) -> None:
    attempt = started(learner, exam)
    foreign = row(attempt, 2).choices[0]["id"]

    response = post_answer(learner_client, attempt, 1, [foreign], htmx=htmx)

    assert response.status_code == 422
    assert "not one of this question&#x27;s options" in response.content.decode()
    assert not row(attempt, 1).is_answered


@pytest.mark.parametrize("choices", [["abc"], ["1.5"], [""]])
def test_an_unreadable_option_is_refused(
    learner_client: Client, learner: User, exam: Quiz, choices: list[str]
) -> None:
    attempt = started(learner, exam)
    response = post_answer(learner_client, attempt, 1, choices, go="next")

    assert response.status_code == 422
    assert "could not be read" in response.content.decode()
    assert not attempt.answers.filter(answered_at__isnull=False).exists()


def test_a_question_not_in_the_attempt_is_refused(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    outsider = QuestionFactory.create(status=Question.Status.DRAFT)

    response = learner_client.post(
        question_url(attempt, 1),
        {"question": outsider.id, "choice": [outsider.choices.earliest("order").pk], "go": "next"},
    )

    assert response.status_code == 422
    assert "not part of this attempt" in response.content.decode()
    assert not Answer.objects.filter(question=outsider).exists()
    assert learner_client.get(question_url(attempt, 99)).status_code == 404


def test_two_options_on_a_single_choice_question_are_refused(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    ids = [c["id"] for c in row(attempt, 1).choices][:2]
    response = post_answer(learner_client, attempt, 1, ids, go="next")
    assert response.status_code == 422
    assert "only one option" in response.content.decode()
    assert not row(attempt, 1).is_answered


@pytest.mark.parametrize("htmx", [False, True])
def test_an_answer_after_the_deadline_is_refused_and_nothing_written(
    learner_client: Client, learner: User, exam: Quiz, htmx: bool
) -> None:
    attempt = started(learner, exam)
    post_answer(learner_client, attempt, 1, right_ids(row(attempt, 1)))
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - timedelta(minutes=61),
        deadline=timezone.now() - timedelta(minutes=1),
    )

    response = post_answer(learner_client, attempt, 2, right_ids(row(attempt, 2)), htmx=htmx)

    results = reverse("questions:attempt_results", args=[attempt.pk])
    if htmx:
        assert response["HX-Redirect"] == results
    else:
        assert response["Location"] == results
    assert not row(attempt, 2).is_answered
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS  # the sweep or a submit finalizes it
    page = learner_client.get(results).content.decode()
    assert "Time ran out" in page
    assert "You saved <strong>1 of 5</strong> answers" in page


def test_an_overdue_attempt_is_shown_as_over_without_writing(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - timedelta(minutes=61),
        deadline=timezone.now() - timedelta(minutes=1),
    )

    response = learner_client.get(question_url(attempt, 1))

    assert response["Location"] == reverse("questions:attempt_results", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_a_submitted_attempt_refuses_changes(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    services.attempt_submit(user=learner, attempt_id=attempt.pk)

    response = post_answer(learner_client, attempt, 1, right_ids(row(attempt, 1)), follow=True)

    assert "can no longer be changed" in " ".join(messages_in(response))
    assert not row(attempt, 1).is_answered
    flag = post_answer(learner_client, attempt, 1, [], go="flag")
    assert flag.status_code == 302
    assert not row(attempt, 1).flagged
    assert learner_client.get(question_url(attempt, 1))["Location"] == reverse(
        "questions:attempt_results", args=[attempt.pk]
    )


def test_other_learners_attempts_are_404_everywhere(client: Client, exam: Quiz) -> None:
    owner = UserFactory.create()
    attempt = started(owner, exam)
    finished = started(owner, QuizFactory.create())
    services.attempt_submit(user=owner, attempt_id=finished.pk)
    client.force_login(UserFactory.create())

    for url in (
        reverse("questions:attempt_resume", args=[attempt.pk]),
        question_url(attempt, 1),
        reverse("questions:attempt_summary", args=[attempt.pk]),
        reverse("questions:attempt_results", args=[finished.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert post_answer(client, attempt, 1, right_ids(row(attempt, 1))).status_code == 404
    assert post_answer(client, attempt, 1, [], go="flag").status_code == 404
    assert client.post(reverse("questions:attempt_submit", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("questions:attempt_retake", args=[finished.pk])).status_code == 404
    assert not row(attempt, 1).is_answered
    assert not row(attempt, 1).flagged
    assert Attempt.objects.get(pk=attempt.pk).is_open


def test_attempt_pages_need_a_login(client: Client, exam: Quiz) -> None:
    attempt = started(UserFactory.create(), exam)
    response = client.get(question_url(attempt, 1))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_posts_need_the_csrf_token(learner: User, exam: Quiz) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    attempt = started(learner, exam)

    refused = post_answer(client, attempt, 1, right_ids(row(attempt, 1)))
    assert refused.status_code == 403
    assert not row(attempt, 1).is_answered
    assert client.post(reverse("questions:attempt_submit", args=[attempt.pk])).status_code == 403
    assert client.post(reverse("questions:quiz_start", args=[exam.slug])).status_code == 403
    assert Attempt.objects.get(pk=attempt.pk).is_open

    page = client.get(question_url(attempt, 1)).content.decode()
    token = found(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert f'"X-CSRFToken": "{token}"' in page or "X-CSRFToken" in page  # htmx sends it too
    accepted = client.post(
        question_url(attempt, 1),
        {
            "question": row(attempt, 1).question_id,
            "choice": right_ids(row(attempt, 1)),
            "csrfmiddlewaretoken": token,
        },
    )
    assert accepted.status_code == 302
    assert row(attempt, 1).is_answered


# Submitting twice, answering twice ---------------------------------------------------------


def test_double_submit_finishes_once(learner_client: Client, learner: User, exam: Quiz) -> None:
    attempt = started(learner, exam)
    post_answer(learner_client, attempt, 1, right_ids(row(attempt, 1)))
    url = reverse("questions:attempt_submit", args=[attempt.pk])

    first = learner_client.post(url, follow=True)
    submitted_at = Attempt.objects.get(pk=attempt.pk).submitted_at
    second = learner_client.post(url, follow=True)

    assert "Submitted" in " ".join(messages_in(first))
    assert "already submitted" in " ".join(messages_in(second))
    attempt.refresh_from_db()
    assert attempt.submitted_at == submitted_at
    assert (attempt.correct_count, attempt.question_count) == (1, 5)


def test_double_answer_keeps_one_row(learner_client: Client, learner: User, exam: Quiz) -> None:
    attempt = started(learner, exam)
    for _ in range(2):
        post_answer(learner_client, attempt, 1, right_ids(row(attempt, 1)), htmx=True)
    assert Answer.objects.filter(attempt=attempt, position=1).count() == 1
    assert attempt.answers.count() == 5


# Feedback and the answer key ---------------------------------------------------------------


def key_leaks(html: str, answer: Answer) -> list[str]:
    """Every piece of the answer key that appears in `html`."""
    leaked = [c["rationale"] for c in answer.choices if c["rationale"] in html]
    if answer.snapshot["explanation"] in html:
        leaked.append("explanation")
    for marker in ("Correct answer", "is-correct", "is-wrong", "See it live", "?preset="):
        if marker in html:
            leaked.append(marker)
    return leaked


def test_an_exam_never_shows_the_key_while_it_is_open(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    before = learner_client.get(question_url(attempt, 1)).content.decode()
    autosave = post_answer(learner_client, attempt, 1, [wrong_id(row(attempt, 1))], htmx=True)
    after = learner_client.get(question_url(attempt, 1)).content.decode()
    summary = learner_client.get(reverse("questions:attempt_summary", args=[attempt.pk]))

    for html in (before, autosave.content.decode(), after, summary.content.decode()):
        assert key_leaks(html, row(attempt, 1)) == []


def test_a_drill_shows_feedback_only_after_the_answer(
    learner_client: Client, learner: User
) -> None:
    questions_across_categories(3)
    drill = QuizFactory.create(mode=Quiz.Mode.DRILL, feedback=Quiz.Feedback.IMMEDIATE)
    attempt = started(learner, drill)
    answer = row(attempt, 1)

    before = learner_client.get(question_url(attempt, 1)).content.decode()
    assert key_leaks(before, answer) == []
    assert "Check answer" in before
    assert 'hx-trigger="change"' not in before  # no autosave: checking is a deliberate act

    checked = post_answer(learner_client, attempt, 1, [wrong_id(answer)], go="check", htmx=True)
    html = checked.content.decode()
    assert "Not quite" in html
    for choice in answer.choices:
        assert choice["rationale"] in html
    assert answer.snapshot["explanation"] in html
    assert f"/lessons/{answer.snapshot['demo_lesson']}/?preset=side-by-side" in html
    assert "Correct answer" in html
    assert '<fieldset class="choices" disabled>' in html
    # The next question is still sealed.
    assert (
        key_leaks(learner_client.get(question_url(attempt, 2)).content.decode(), row(attempt, 2))
        == []
    )


def test_checking_a_drill_answer_without_choosing_asks_to_choose(
    learner_client: Client, learner: User
) -> None:
    questions_across_categories(1)
    drill = QuizFactory.create(mode=Quiz.Mode.DRILL, feedback=Quiz.Feedback.IMMEDIATE)
    attempt = started(learner, drill)
    response = post_answer(learner_client, attempt, 1, [], go="check")
    assert response.status_code == 422
    assert "Choose an option first" in response.content.decode()


# Results and review ------------------------------------------------------------------------


def finish(client: Client, user: User, quiz: Quiz, right: set[int]) -> Attempt:
    attempt = started(user, quiz)
    for answer in attempt.answers.all():
        chosen = right_ids(answer) if answer.position in right else [wrong_id(answer)]
        post_answer(client, attempt, answer.position, chosen)
    services.attempt_submit(user=user, attempt_id=attempt.pk)
    return attempt


def test_practice_results_show_scores_thresholds_verdict_and_full_review(
    learner_client: Client, learner: User
) -> None:
    questions_across_categories(10)
    quiz = QuizFactory.create(title="Practice quiz", time_limit=timedelta(minutes=60))
    attempt = finish(learner_client, learner, quiz, right={1, 2, 3, 4, 5, 6, 7, 8, 9})

    page = learner_client.get(reverse("questions:attempt_results", args=[attempt.pk]))
    html = page.content.decode()

    assert "Below target" in html
    assert "90%" in html
    assert "(9 of 10 right)" in html
    missed = row(attempt, 10)
    assert escape(missed.category_name) in html
    assert "50%, 35 points below 85%" in html
    assert "✓ Meets 85%" in html
    assert "--target: 85%" in html
    assert "--target: 90%" in html
    assert "of 1 h" in html  # time taken against the limit
    for choice in missed.choices:
        assert choice["rationale"] in html
    assert missed.snapshot["explanation"] in html
    assert "See it live" in html
    assert "Retake the questions I missed" in html


def test_results_of_a_passing_exam_say_ready(learner_client: Client, learner: User) -> None:
    questions_across_categories(10, pool=Question.Pool.EXAM)
    quiz = ExamQuizFactory.create(title="Certification exam")
    attempt = finish(learner_client, learner, quiz, right=set(range(1, 11)))

    html = learner_client.get(
        reverse("questions:attempt_results", args=[attempt.pk])
    ).content.decode()

    assert "Ready: certification thresholds met" in html
    assert "Score report" in html
    assert "Practise the objectives you missed" not in html
    assert "Retake the questions I missed" not in html


@pytest.mark.parametrize(
    ("review", "shows_verdicts", "shows_key"),
    [
        (Quiz.Review.NOTHING, False, False),
        (Quiz.Review.CORRECTNESS, True, False),
        (Quiz.Review.FULL, True, True),
    ],
)
def test_review_reveals_only_what_the_policy_allows(
    learner_client: Client,
    learner: User,
    review: str,
    shows_verdicts: bool,
    shows_key: bool,
) -> None:
    questions_across_categories(2)
    attempt = finish(learner_client, learner, QuizFactory.create(review=review), right={1})

    html = learner_client.get(
        reverse("questions:attempt_results", args=[attempt.pk])
    ).content.decode()

    assert ("✗ Wrong" in html) is shows_verdicts
    assert (key_leaks(html, row(attempt, 2)) != []) is shows_key
    assert "50%" in html  # the score itself is always shown
    # A retake drill would show the key after each answer: only offered when review does too.
    assert ("Retake the questions I missed" in html) is shows_key
    retake = learner_client.post(
        reverse("questions:attempt_retake", args=[attempt.pk]), follow=True
    )
    assert Attempt.objects.filter(retake_of=attempt).exists() is shows_key
    if not shows_key:
        assert "keeps its answers private" in " ".join(messages_in(retake))


def test_results_of_an_open_attempt_send_you_back_to_it(
    learner_client: Client, learner: User, exam: Quiz
) -> None:
    attempt = started(learner, exam)
    response = learner_client.get(reverse("questions:attempt_results", args=[attempt.pk]))
    assert response["Location"] == reverse("questions:attempt_resume", args=[attempt.pk])


def test_retake_the_questions_i_missed(learner_client: Client, learner: User) -> None:
    questions_across_categories(4)
    attempt = finish(learner_client, learner, QuizFactory.create(), right={1, 3})

    response = learner_client.post(
        reverse("questions:attempt_retake", args=[attempt.pk]), follow=True
    )

    retake = Attempt.objects.get(retake_of=attempt)
    assert list(retake.answers.values_list("question_id", flat=True)) == [
        row(attempt, 2).question_id,
        row(attempt, 4).question_id,
    ]
    assert response.redirect_chain[-1][0] == question_url(retake, 1)
    listing = learner_client.get(reverse("questions:quiz_list")).content.decode()
    assert "Resume your retake" in listing


# Cost: constant queries whatever the quiz length -------------------------------------------


def attempt_of(user: User, size: int) -> Attempt:
    Question.objects.filter(status=Question.Status.ACTIVE).update(status=Question.Status.RETIRED)
    questions_across_categories(size)
    return started(user, QuizFactory.create(time_limit=timedelta(minutes=60)))


@pytest.mark.parametrize("size", [5, 50])
def test_showing_a_question_costs_the_same_queries_for_5_or_50(
    learner_client: Client, learner: User, django_assert_num_queries, size: int
) -> None:
    attempt = attempt_of(learner, size)
    url = question_url(attempt, 3)
    learner_client.get(url)  # warm the session

    # session, user, attempt + quiz, the answer shown, the navigator's rows
    with django_assert_num_queries(5):
        assert learner_client.get(url).status_code == 200
    with django_assert_num_queries(5):
        assert learner_client.get(url, headers=HTMX).status_code == 200


@pytest.mark.parametrize("size", [5, 50])
def test_showing_a_question_builds_one_answer_whatever_the_quiz_length(
    learner_client: Client, learner: User, size: int
) -> None:
    """The navigator reads a row per question served, not a model: only the answer shown is
    one (a model per question cost twice the navigator's query and rows together)."""
    attempt = attempt_of(learner, size)
    url = question_url(attempt, 3)
    built: list[Answer] = []

    def count(sender: type[Answer], instance: Answer, **kwargs: object) -> None:
        built.append(instance)

    post_init.connect(count, sender=Answer)
    try:
        page = learner_client.get(url)
    finally:
        post_init.disconnect(count, sender=Answer)

    assert page.status_code == 200
    assert page.content.decode().count('class="nav-item') == size
    assert len(built) == 1


@pytest.mark.parametrize("size", [5, 50])
def test_saving_an_answer_costs_the_same_queries_for_5_or_50(
    learner_client: Client, learner: User, django_assert_num_queries, size: int
) -> None:
    attempt = attempt_of(learner, size)
    answer = row(attempt, 3)
    learner_client.get(question_url(attempt, 3))

    url = question_url(attempt, 3)
    data = {"question": answer.question_id, "choice": right_ids(answer)}

    # session, user; one transaction: savepoint, attempt row lock, answer, update, release;
    # then the navigator for the out-of-band reply.
    with django_assert_num_queries(8):
        assert learner_client.post(url, data, headers=HTMX).status_code == 200
    # Without JavaScript: the same save, then a redirect (counting the served questions).
    data = {**data, "choice": [wrong_id(answer)], "go": "next"}
    with django_assert_num_queries(8):
        assert learner_client.post(url, data).status_code == 302
    assert row(attempt, 3).correct is False


@pytest.mark.parametrize("size", [5, 50])
def test_the_quiz_list_costs_the_same_queries_however_many_attempts(
    learner_client: Client, learner: User, django_assert_num_queries, size: int
) -> None:
    questions_across_categories(3)
    quizzes = [QuizFactory.create() for _ in range(3)]
    for index in range(size):
        attempt = started(learner, quizzes[index % 3])
        services.attempt_submit(user=learner, attempt_id=attempt.pk)
    started(learner, quizzes[0])

    # session, user, question counts, time accommodations, open attempts, history, quizzes
    with django_assert_num_queries(7):
        assert learner_client.get(reverse("questions:quiz_list")).status_code == 200


# Adaptive practice: served one at a time ---------------------------------------------------


def test_adaptive_practice_from_start_to_results(learner_client: Client, learner: User) -> None:
    questions_across_categories(10)
    quiz = QuizFactory.create(
        title="Adaptive practice",
        mode=Quiz.Mode.ADAPTIVE,
        feedback=Quiz.Feedback.IMMEDIATE,
        question_limit=3,
    )
    learner_client.post(reverse("questions:quiz_start", args=[quiz.slug]))
    attempt = Attempt.objects.get(user=learner, quiz=quiz)

    for position in (1, 2, 3):
        page = learner_client.get(question_url(attempt, position)).content.decode()
        assert f"Question {position}" in page
        assert "of up to 3" in page
        assert f"{position - 1} answered so far" in page
        assert key_leaks(page, row(attempt, position)) == []
        answer = row(attempt, position)
        checked = post_answer(
            learner_client, attempt, position, right_ids(answer), go="check", htmx=True
        ).content.decode()
        assert "✓ Right." in checked
        if position < 3:
            assert "Next question" in checked  # the next one was chosen and served
            assert attempt.answers.count() == position + 1
        else:
            assert "See the decision" in checked  # the limit: no fourth question
            assert attempt.answers.count() == 3

    response = learner_client.post(
        reverse("questions:attempt_submit", args=[attempt.pk]), follow=True
    )
    html = response.content.decode()
    # Three right answers, then the limit: the engine decides on the likelier side.
    assert "P(ready)" in html
    assert "You reached the 3-question limit" in html
