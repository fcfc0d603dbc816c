"""The engine as the product asks it (questions.adaptive.selection): plain data, no database."""

from __future__ import annotations

import pytest

from bench.adaptive import default_layout
from questions.adaptive import Engine, Response, Thresholds, Verdict, selection
from tests.purity import django_modules_imported_by

ITEMS = default_layout()
EXAM = Thresholds()


def test_the_module_imports_without_django() -> None:
    assert django_modules_imported_by("questions.adaptive.selection") == []


def test_practice_engine_is_cached_per_items_thresholds_and_cap() -> None:
    engine = selection.practice_engine(ITEMS, EXAM, cap=20)

    assert selection.practice_engine(list(ITEMS), EXAM, cap=20) is engine
    assert engine.max_answers == 20
    assert selection.practice_engine(ITEMS, EXAM, cap=30) is not engine
    assert selection.practice_engine(ITEMS, EXAM, cap=None).max_answers == len(ITEMS)


def test_responses_known_keeps_answered_questions_of_the_bank_in_order() -> None:
    engine = selection.practice_engine(ITEMS, EXAM, cap=None)
    served = [
        ("basics-02", True),
        ("basics-99", True),  # retired since: not in the bank any more
        ("raw-events-01", None),  # served, not answered yet
        ("basics-01", False),
    ]

    assert selection.responses_known(engine, served) == [
        Response("basics-02", True),
        Response("basics-01", False),
    ]


def test_next_step_is_the_engines_step_on_the_known_answers() -> None:
    served = [("basics-01", True), ("basics-99", False), ("raw-events-01", True)]
    engine = selection.practice_engine(ITEMS, EXAM, cap=20)

    step = selection.next_step(ITEMS, served, thresholds=EXAM, cap=20, seed=7)

    known = [Response("basics-01", True), Response("raw-events-01", True)]
    assert step == engine.step(known, seed=7)
    assert step.decision.verdict is Verdict.CONTINUE
    assert step.next_item not in {"basics-01", "raw-events-01"}
    assert selection.next_step(ITEMS, served, thresholds=EXAM, cap=20, seed=7) == step


def test_next_step_decides_at_the_cap() -> None:
    served = [(item.id, True) for item in ITEMS[:5]]

    step = selection.next_step(ITEMS, served, thresholds=EXAM, cap=5, seed=1)

    assert step.decision.final
    assert step.next_item is None


@pytest.mark.parametrize(
    ("items", "responses"),
    [((), [Response("basics-01", True)]), (ITEMS, []), (ITEMS, [Response("nowhere-01", True)])],
)
def test_estimate_from_needs_items_and_a_known_response(
    items: tuple, responses: list[Response]
) -> None:
    assert selection.estimate_from(items, responses, thresholds=EXAM) is None


def test_estimate_from_is_the_posterior_on_the_known_responses() -> None:
    responses = [Response("basics-01", True), Response("nowhere-01", False)]

    estimate = selection.estimate_from(ITEMS, responses, thresholds=EXAM)

    engine = Engine.for_bank(ITEMS, EXAM)
    assert estimate == engine.posterior([Response("basics-01", True)])
    assert estimate is not None
    assert estimate.answered == 1
