from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from questions import rules
from questions.models import Category, Choice, Question
from tests.factories import CategoryFactory, QuestionFactory


@pytest.mark.django_db
def test_question_choice_errors_read_the_saved_choices() -> None:
    assert QuestionFactory.create(kind="single").choice_errors() == []
    question = QuestionFactory.create(kind="single", choices=[True, True])
    assert question.choice_errors() == [
        "A single-choice question has exactly one correct choice (2 given)."
    ]
    assert question.choice_errors([False, True]) == []


# --- model validation (what the database cannot hold) -------------------------------------------


def full_clean_errors(question: Question) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        question.full_clean()
    return caught.value.message_dict


@pytest.mark.django_db
def test_a_factory_question_is_valid() -> None:
    QuestionFactory.create().full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"id": "raw-events-01"}, "id", "starts with 'basics-'"),
        ({"id": "basics-1"}, "id", "Use the category slug and a number"),
        ({"evidence": ""}, "evidence", "Name the test"),
        ({"evidence": "see the docs"}, "evidence", "Name a test as path::test_name"),
        ({"evidence_kind": "measurement", "evidence": ""}, "evidence", "Name the test"),
        ({"sdk_version": "latest"}, "sdk_version", "A version such as 0.24.0."),
        ({"demo_lesson": "nowhere"}, "demo_lesson", "Unknown lesson 'nowhere'"),
        ({"demo_preset": ""}, "demo_preset", "This field cannot be blank."),
        ({"difficulty": 5.5}, "difficulty", "less than or equal to 5.0"),
        ({"discrimination": 0.01}, "discrimination", "greater than or equal to 0.05"),
        ({"guessing": 0.6}, "guessing", "less than or equal to 0.5"),
        ({"level": "expert"}, "level", "is not a valid choice"),
        ({"objective": "nope"}, "objective", "is not a valid choice"),
    ],
)
def test_question_validation(changes: dict[str, Any], field: str, message: str) -> None:
    question = QuestionFactory.build(category=CategoryFactory.create())
    for name, value in changes.items():
        setattr(question, name, value)
    errors = full_clean_errors(question)
    assert any(message in error for error in errors[field]), errors


@pytest.mark.django_db
def test_judgement_needs_no_evidence() -> None:
    question = QuestionFactory.build(
        category=CategoryFactory.create(), evidence_kind="judgement", evidence=""
    )
    question.full_clean()


@pytest.mark.django_db
def test_an_unknown_preset_is_refused_where_the_registry_knows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "_demo_registry_has", lambda lesson, preset: preset != "nope")
    question = QuestionFactory.build(category=CategoryFactory.create(), demo_preset="nope")
    assert full_clean_errors(question) == {
        "demo_preset": ["The lesson 'basic-streaming' has no demo preset 'nope'."]
    }


@pytest.mark.django_db
def test_category_validation() -> None:
    category = CategoryFactory.build(slug="raw-events", lesson_slug="basic-streaming")
    with pytest.raises(ValidationError) as caught:
        category.full_clean()
    assert caught.value.message_dict == {
        "lesson_slug": ["The lesson that teaches raw-events is raw-response-events."]
    }
    CategoryFactory.build(slug="raw-events").full_clean()
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        CategoryFactory.build(slug="raw-events", order=101).full_clean()


# --- database constraints -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"difficulty": 7.0}, "question_difficulty_in_range"),
        ({"discrimination": 0.0}, "question_discrimination_in_range"),
        ({"discrimination": 6.0}, "question_discrimination_in_range"),
        ({"guessing": -0.1}, "question_guessing_in_range"),
        ({"evidence_kind": "measurement", "evidence": ""}, "question_evidence_unless_judgement"),
        ({"evidence_kind": "test", "evidence": ""}, "question_evidence_unless_judgement"),
        ({"prompt": ""}, "question_prompt_not_empty"),
        ({"level": "expert"}, "question_level_valid"),
        ({"kind": "essay"}, "question_kind_valid"),
        ({"style": "trivia"}, "question_style_valid"),
        ({"status": "live"}, "question_status_valid"),
        ({"evidence_kind": "faith"}, "question_evidence_kind_valid"),
    ],
)
def test_question_constraints(changes: dict[str, Any], constraint: str) -> None:
    question = QuestionFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(**changes)
    # The same rule, checked before saving.
    for name, value in changes.items():
        setattr(question, name, value)
    with pytest.raises(ValidationError):
        question.validate_constraints()
    assert constraint in {c.name for c in Question._meta.constraints}


@pytest.mark.django_db
def test_judgement_without_evidence_is_allowed_by_the_database() -> None:
    question = QuestionFactory.create()
    Question.objects.filter(pk=question.pk).update(evidence_kind="judgement", evidence="")


@pytest.mark.django_db
def test_choice_constraints() -> None:
    question = QuestionFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Choice.objects.create(question=question, order=0, text="Again", rationale="r")
    with pytest.raises(IntegrityError), transaction.atomic():
        Choice.objects.create(question=question, order=9, text="", rationale="r")


@pytest.mark.django_db
def test_category_constraints() -> None:
    CategoryFactory.create(slug="basics")
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(slug="other", name="Other", order=9, lesson_slug="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(slug="raw-events", name="Dup", order=1, lesson_slug="x")


# --- small behaviours ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_strings_labels_and_the_demo_link() -> None:
    question = QuestionFactory.create(
        id="basics-07", demo_lesson="basic-streaming", demo_preset="long-reply"
    )
    assert str(question) == "basics-07"
    assert str(question.category) == "Basic Streaming Concepts"
    assert [str(choice) for choice in question.choices.all()] == [
        "basics-07 · A",
        "basics-07 · B",
        "basics-07 · C",
        "basics-07 · D",
    ]
    assert question.demo_url == "/lessons/basic-streaming/?preset=long-reply"


@pytest.mark.django_db
def test_active_questions() -> None:
    active = QuestionFactory.create(status="active")
    QuestionFactory.create(status="draft")
    QuestionFactory.create(status="retired")
    assert list(Question.objects.active()) == [active]
