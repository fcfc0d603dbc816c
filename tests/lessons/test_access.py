"""Which presets a user may see and run: the settings hook, and the pages that obey it."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pytest
from django.test import Client
from django.urls import reverse

from lessons.access import preset_allowed, presets_allowed
from lessons.registry import PRESETS

SCENARIO = "item-names__c2-first__travel"
HIDDEN = {SCENARIO, "text-deltas"}


def hide_some(*, user: object, lesson: str, presets: Sequence[str]) -> Collection[str]:
    """A hook that keeps two presets out of reach (as an exam would its items' scenarios)."""
    return [name for name in presets if name not in HIDDEN]


@pytest.fixture
def hiding(settings) -> None:
    settings.LESSONS_PRESET_ACCESS = "tests.lessons.test_access.hide_some"


def test_without_the_setting_every_preset_is_open(settings) -> None:
    settings.LESSONS_PRESET_ACCESS = ""
    names = [preset.name for preset in PRESETS["raw-response-events"]]
    assert presets_allowed(user=None, lesson="raw-response-events", presets=names) == set(names)  # type: ignore[arg-type]


def test_the_hook_decides_and_cannot_add_presets(hiding) -> None:
    allowed = presets_allowed(
        user=None,  # type: ignore[arg-type]
        lesson="raw-response-events",
        presets=["text-deltas", "all-raw-events"],
    )
    assert allowed == {"all-raw-events"}
    assert not preset_allowed(user=None, lesson="run-item-events", preset=SCENARIO)  # type: ignore[arg-type]


def test_a_scenario_preset_opens_with_its_program_but_is_not_listed(learner_client: Client) -> None:
    url = f"{reverse('lessons:detail', args=['run-item-events'])}?preset={SCENARIO}"
    response = learner_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "get_weather" in html
    assert "get_time" in html
    assert "What the program prints" not in html  # the run panel comes with a run
    assert 'name="prompt"' not in html  # the program has its own input
    assert f'href="?preset={SCENARIO}" aria-current="page"' in html
    index = learner_client.get(reverse("lessons:index")).content.decode()
    assert SCENARIO not in index


def test_a_hidden_preset_answers_as_an_unknown_one_and_cannot_be_run(
    learner_client: Client, hiding
) -> None:
    url = f"{reverse('lessons:detail', args=['run-item-events'])}?preset={SCENARIO}"
    response = learner_client.get(url)
    html = response.content.decode()
    assert response.status_code == 404
    assert f"This lesson has no preset called “{SCENARIO}”" in html
    assert "get_weather" not in html  # nothing of its program shows
    posted = learner_client.post(url, {"preset": SCENARIO})
    assert posted.status_code == 400  # the form is the default preset's: no run
    assert "sse-connect" not in posted.content.decode()


def test_a_hidden_lesson_preset_is_not_listed(client: Client, db, hiding) -> None:
    page = client.get(reverse("lessons:detail", args=["raw-response-events"])).content.decode()
    index = client.get(reverse("lessons:index")).content.decode()
    assert "?preset=text-deltas" not in page
    assert "?preset=text-deltas" not in index
    assert "?preset=all-raw-events" in page
