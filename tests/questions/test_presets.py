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

LESSON = "run-item-events"
SCENARIO = "item-names__c2-first__travel"


def run_item(preset: str, **fields: object) -> Question:
    return QuestionFactory.create(
        category=CategoryFactory.create(slug="run-items"),
        demo_lesson=LESSON,
        demo_preset=preset,
        **fields,
    )


OTHER = "item-names__c0-none__ops"
THIRD = "item-names__c1-last__travel"


def test_a_scenario_only_secure_items_link_to_is_hidden_from_learners(learner: User) -> None:
    run_item(SCENARIO, pool=Question.Pool.EXAM)
    run_item(OTHER, pool=Question.Pool.EXAM)
    run_item(OTHER)  # a practice item shows it anyway
    run_item(THIRD, pretest=True)

    visible = presets_visible(user=learner, lesson=LESSON, presets=[SCENARIO, OTHER, THIRD, "x"])

    assert set(visible) == {OTHER, "x"}
    assert set(presets_visible(user=AnonymousUser(), lesson=LESSON, presets=[SCENARIO])) == set()


def test_a_lessons_own_presets_stay_open_whoever_links_to_them(learner: User) -> None:
    run_item("tool-call", pool=Question.Pool.EXAM)

    assert set(presets_visible(user=learner, lesson=LESSON, presets=["tool-call"])) == {"tool-call"}


def test_instructors_see_every_preset() -> None:
    run_item(SCENARIO, pool=Question.Pool.EXAM)

    assert set(presets_visible(user=StaffFactory.create(), lesson=LESSON, presets=[SCENARIO])) == {
        SCENARIO
    }


def test_an_exam_items_scenario_is_neither_listed_nor_reachable(learner_client: Client) -> None:
    QuestionFactory.create(
        category=CategoryFactory.create(slug="run-items"),
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
