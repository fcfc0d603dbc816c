"""A practice quiz's results: the review grouped by category, collapsed, the category's score
in its summary line, and the missed questions first."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from questions import screens, services
from questions.models import Attempt
from tests.factories import QuizFactory, questions_across_categories

pytestmark = pytest.mark.django_db


def view(position: int, category: str, *, answered: bool, correct: bool | None):
    return screens.QuestionView(
        position=position,
        question_id=f"q{position}",
        kind="single",
        prompt="",
        category=category,
        level="beginner",
        choices=[],
        answered=answered,
        flagged=False,
        revealed=True,
        correct=correct,
    )


def test_review_groups_keep_category_order_and_put_wrong_then_unanswered_first() -> None:
    review = [
        view(1, "Basics", answered=True, correct=True),
        view(2, "Raw", answered=True, correct=True),
        view(3, "Basics", answered=False, correct=None),
        view(4, "Basics", answered=True, correct=False),
        view(5, "Basics", answered=True, correct=True),
    ]

    groups = screens.review_groups(review)

    assert [g.category for g in groups] == ["Basics", "Raw"]
    assert [item.position for item in groups[0].items] == [4, 3, 1, 5]
    assert (groups[0].right, groups[0].missed) == (2, 2)
    assert (groups[1].right, groups[1].missed) == (1, 0)


def test_the_results_page_groups_the_review_collapsed_with_scores_and_misses_first(
    learner_client: Client, learner: User
) -> None:
    questions_across_categories(10)
    quiz = QuizFactory.create(shuffle_questions=False)
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    rows = list(attempt.answers.order_by("position"))
    # Right everywhere but the second basics question.
    missed = [a.position for a in rows if a.category_slug == "basics"][1]
    for answer in rows:
        wrong = answer.position == missed
        chosen = [c["id"] for c in answer.choices if c["correct"] is not wrong][:1]
        services.answer_submit(
            user=learner, attempt_id=attempt.pk, question_id=answer.question_id, choice_ids=chosen
        )
    services.attempt_submit(user=learner, attempt_id=attempt.pk)
    assert Attempt.objects.get().correct_count == 9

    page = learner_client.get(reverse("questions:attempt_results", args=[attempt.pk]))
    html = page.content.decode()

    groups = re.findall(r'<details class="card review-group"[^>]*>', html)
    assert len(groups) == 5
    assert not any(" open" in tag for tag in groups)
    summaries = re.findall(
        r'<span class="review-group-title">([^<]+)</span>\s*'
        r'<span class="review-group-score">([^<]+)</span>',
        html,
    )
    assert summaries[0] == ("Basic Streaming Concepts", "1 of 2 right")
    assert summaries[1] == ("Raw Response Events", "2 of 2 right")
    basics = html[html.index('data-category="Basic Streaming Concepts"') :]
    basics = basics[: basics.index('data-category="Raw Response Events"')]
    first_basics = next(a.position for a in rows if a.category_slug == "basics")
    assert basics.index(f'id="review-{missed}"') < basics.index(f'id="review-{first_basics}"')
