"""Which demo presets a learner may reach: none that only exam or pretest items link to."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client
from django.urls import reverse

from questions.models import Question
from questions.presets import presets_visible
from tests.factories import CategoryFactory, QuestionFactory, StaffFactory

pytestmark = pytest.mark.django_db

LESSON = "raw-response-events"
SCENARIO = "item-names__c2-first__travel"


def raw_item(preset: str, **fields: object) -> Question:
    return QuestionFactory(
        category=CategoryFactory(slug="raw-events"),
        demo_lesson=LESSON,
        demo_preset=preset,
        **fields,
    )


def test_a_preset_only_exam_items_link_to_is_hidden_from_learners(learner: User) -> None:
    raw_item("text-deltas", pool=Question.Pool.EXAM)
    raw_item("all-raw-events", pool=Question.Pool.EXAM)
    raw_item("all-raw-events")  # a practice item shows it anyway
    raw_item("first-token", pretest=True)

    visible = presets_visible(
        user=learner, lesson=LESSON, presets=["text-deltas", "all-raw-events", "first-token", "x"]
    )

    assert set(visible) == {"all-raw-events", "x"}
    assert (
        set(presets_visible(user=AnonymousUser(), lesson=LESSON, presets=["text-deltas"])) == set()
    )


def test_instructors_see_every_preset() -> None:
    raw_item("text-deltas", pool=Question.Pool.EXAM)

    assert set(presets_visible(user=StaffFactory(), lesson=LESSON, presets=["text-deltas"])) == {
        "text-deltas"
    }


def test_an_exam_items_scenario_is_neither_listed_nor_reachable(learner_client: Client) -> None:
    QuestionFactory(
        category=CategoryFactory(slug="run-items"),
        demo_lesson="run-item-events",
        demo_preset=SCENARIO,
        pool=Question.Pool.EXAM,
    )
    url = f"{reverse('lessons:detail', args=['run-item-events'])}?preset={SCENARIO}"

    response = learner_client.get(url)

    assert response.status_code == 404
    assert "get_weather" not in response.content.decode()
    assert learner_client.post(url, {"preset": SCENARIO}).status_code == 400
    Question.objects.update(pool=Question.Pool.PRACTICE, pretest=False)
    assert learner_client.get(url).status_code == 200


def test_a_lessons_own_preset_only_exam_items_use_is_not_listed(learner_client: Client) -> None:
    raw_item("text-deltas", pool=Question.Pool.EXAM)

    page = learner_client.get(reverse("lessons:detail", args=[LESSON])).content.decode()

    assert "?preset=text-deltas" not in page
    assert "?preset=all-raw-events" in page
