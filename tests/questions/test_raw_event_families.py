"""The raw-events families of the advanced level besides `responses`: usage in the completed
event, and the raw events of a run that max_turns or a guardrail stops.

Their distractors come from a model of the run (which response carries usage, which model calls
stream before the run stops). These tests run every shape of their scenarios on the installed
SDK and check that model at its truthful setting: the SDK facts the questions rest on. (Every
generated item's key is checked against its own run in test_generated_items.)
"""

from __future__ import annotations

from functools import cache

import pytest

from lessons.scenarios import Shape
from lessons.scenarios.library import raw_events as scenarios
from lessons.scenarios.themes import THEMES
from questions.families import raw_events
from questions.families.base import Run
from questions.families.raw_events import (
    HANDOFFS,
    INPUT_TRIP,
    MAX_TURNS,
    OUTPUT_TRIP,
    _flat,
    _turns,
)
from questions.generation import family_generate

THEME = THEMES[0]


@cache
def run_of(scenario_slug: str, shape_key: str) -> Run:
    scenario = {s.slug: s for s in scenarios.SCENARIOS}[scenario_slug]
    shape = scenario.shape(shape_key)
    assert shape is not None
    variant = scenario.variant(shape, THEME)
    return Run(variant.outcome(), variant)


def _keys(scenario_shapes: tuple[Shape, ...]) -> list[str]:
    return [shape.key for shape in scenario_shapes]


@pytest.mark.parametrize("shape_key", _keys(scenarios.USAGE.shapes))
def test_a_completed_event_carries_usage_when_its_agent_asked_and_requests_count_every_call(
    shape_key: str,
) -> None:
    run = run_of("usage", shape_key)
    assert run.raised == ""
    marks = [line == "usage" for line in run.printed[:-1]]
    calls = len(_turns(run))  # the handoffs, the tool turns and the answer: one call each
    assert len(marks) == calls
    handoffs = HANDOFFS[run["handoff"]]
    expected = {
        "none": [False] * calls,
        "run": [True] * calls,
        "agent": [False] * handoffs + [True] * (calls - handoffs),
        "triage": [True] + [False] * (calls - 1),
    }[run["settings"]]
    assert marks == expected
    assert run.printed[-1] == f"{calls} requests; tokens counted: {any(expected)}"


def _stopped_lines(run: Run) -> list[str]:
    """What the SDK does: max_turns counts every model call (a handoff's too) and raises before
    the next one; a blocking input guardrail of the starting agent trips before the model is
    called, one of an agent handed off to never runs; an output guardrail trips after the
    whole run has streamed."""
    turns = _turns(run)
    stop = run["stop"]
    if stop.startswith("turns-"):
        limit = int(stop.removeprefix("turns-"))
        return _flat(turns[:limit], MAX_TURNS) if len(turns) > limit else _flat(turns)
    if stop == "input":
        return _flat(turns) if HANDOFFS[run["handoff"]] else [INPUT_TRIP]
    return _flat(turns, OUTPUT_TRIP)


@pytest.mark.parametrize("shape_key", _keys(scenarios.STOPPED.shapes))
def test_the_raw_events_before_a_run_stops(shape_key: str) -> None:
    run = run_of("stopped", shape_key)
    assert run.raised == ""  # the program catches what stream_events() raises
    assert list(run.printed) == _stopped_lines(run)


def test_the_families_fill_their_cell_with_items_of_one_key_each() -> None:
    for family in (raw_events.USAGE, raw_events.STOPPED):
        assert (family.category, family.level) == ("raw-events", "advanced")
        result = family_generate(family, seed=0)
        assert len(result.items) >= 20, family.slug
        for item in result.items:
            truths = [option.claim.holds(item.draft.outcome) for option in item.draft.options]
            assert truths == [option.correct for option in item.draft.options], item.id
