"""Enemies: two variants of one item family are never served back to back in practice."""

from __future__ import annotations

import random
import secrets

import pytest
from django.contrib.auth.models import User

from questions import services
from questions.adaptive import Engine, ItemSpec, Response
from questions.enemies import back_to_back, families_apart
from questions.models import Question, Quiz
from tests.factories import QuestionFactory, QuizFactory, UserFactory, bank_of_fifty
from tests.purity import django_modules_imported_by


def family_of(item: str) -> str:
    return item.split(":")[0]


def test_the_module_imports_without_django() -> None:
    assert django_modules_imported_by("questions.enemies") == []


def test_items_of_one_family_are_kept_apart_moving_as_little_as_it_takes() -> None:
    items = ["a:1", "a:2", "a:3", "b:1", "b:2", ":x", "c:1"]
    spaced = families_apart(items, family_of)
    assert back_to_back(spaced, family_of) == 0
    assert sorted(spaced) == sorted(items)
    assert families_apart(["a:1", "b:1", "a:2"], family_of) == ["a:1", "b:1", "a:2"]
    # Items without a family are never enemies.
    assert families_apart([":x", ":y"], family_of) == [":x", ":y"]


def test_whenever_it_can_be_done_it_is_done() -> None:
    rng = random.Random(3)
    for _ in range(500):
        items = [f"{rng.choice('abcd')}:{n}" for n in range(rng.randint(1, 14))]
        most = max(sum(family_of(i) == f for i in items) for f in "abcd")
        spaced = families_apart(items, family_of)
        assert sorted(spaced) == sorted(items)
        if most <= (len(items) + 1) // 2:
            assert back_to_back(spaced, family_of) == 0, (items, spaced)


def test_the_engine_never_asks_the_family_just_answered_while_another_item_may_be_asked() -> None:
    items = [
        ItemSpec(f"basics-1{n:02d}", "basics", 1.2, 0.0, 0.2, family=f"f{n % 3}") for n in range(12)
    ]
    engine = Engine.for_bank(items)
    responses: list[Response] = []
    for seed in range(3):
        for _ in range(11):
            chosen = engine.next_item(responses, seed)
            assert chosen is not None
            if responses:
                last = engine.items[engine.index[responses[-1].item_id]].family
                assert engine.items[engine.index[chosen]].family != last
            responses.append(Response(chosen, True))
        responses = []


@pytest.mark.django_db
def test_a_drill_of_generated_items_never_serves_one_family_twice_in_a_row(
    learner: User,
) -> None:
    questions = [
        QuestionFactory.create(
            id=f"basics-{100 + n}",
            family=f"family-{n // 4}",  # ids in family order: 4 of each family in a row
            variant=f"scenario__s{n}__t",
        )
        for n in range(12)
    ]
    drill = QuizFactory.create(mode=Quiz.Mode.DRILL, shuffle_questions=False)
    attempt, _ = services.attempt_start(user=learner, quiz=drill)
    served = list(attempt.answers.order_by("position").values_list("question__family", flat=True))
    assert sorted(served) == sorted(q.family for q in questions)
    assert back_to_back(served, lambda family: family) == 0


@pytest.mark.django_db
def test_adaptive_practice_never_serves_one_family_twice_in_a_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bank = bank_of_fifty()
    for number, question in enumerate(bank):  # five families in each category
        Question.objects.filter(pk=question.pk).update(
            family=f"{question.category_slug}-f{number % 5}", variant=f"s__v{number}__t"
        )
    practice = QuizFactory.create(
        mode=Quiz.Mode.ADAPTIVE, feedback=Quiz.Feedback.IMMEDIATE, question_limit=30
    )
    for seed in (1, 2, 3):
        monkeypatch.setattr(secrets, "randbelow", lambda _, seed=seed: seed)
        learner = UserFactory.create()
        attempt, _ = services.attempt_start(user=learner, quiz=practice)
        position = 1
        while True:
            row = attempt.answers.get(position=position)
            right = [choice["id"] for choice in row.choices if choice["correct"]]
            outcome = services.answer_submit(
                user=learner,
                attempt_id=attempt.pk,
                question_id=row.question_id,
                choice_ids=right,
            )
            if outcome.served_next is None:
                break
            position += 1
        families = list(
            attempt.answers.order_by("position").values_list("question__family", flat=True)
        )
        assert len(families) >= 5
        assert back_to_back(families, lambda family: family) == 0, families
