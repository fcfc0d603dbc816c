"""The bank's rules: plain functions and value sets shared by the models, the admin and the bank
file schema."""

from __future__ import annotations

import pytest
from django.db import models

from questions import rules
from questions.models import Category, Question
from tests.purity import django_modules_imported_by


def test_the_module_imports_without_django() -> None:
    assert django_modules_imported_by("questions.rules") == []


@pytest.mark.parametrize(
    ("kind", "correct", "errors"),
    [
        ("single", [True, False, False], []),
        ("single", [True, True, False], ["exactly one correct choice (2 given)"]),
        ("single", [False, False], ["exactly one correct choice (0 given)"]),
        ("single", [True], ["at least two choices"]),
        ("multiple", [True, True, False], []),
        ("multiple", [True, False], []),
        ("multiple", [True, True], ["at least one correct and one wrong"]),
        ("multiple", [False, False, False], ["at least one correct and one wrong"]),
        ("true_false", [False, True], []),
        ("true_false", [True, False, False], ["exactly two choices"]),
        ("true_false", [True, True], ["exactly one correct choice (2 given)"]),
        ("true_false", [], ["at least two choices", "exactly two choices", "(0 given)"]),
    ],
)
def test_choice_set_rules(kind: str, correct: list[bool], errors: list[str]) -> None:
    found = rules.choice_set_errors(kind, correct)
    assert len(found) == len(errors)
    for message, expected in zip(found, errors, strict=True):
        assert expected in message


@pytest.mark.parametrize(
    ("kind", "label"),
    [("single", "single-choice"), ("multiple", "multiple-choice"), ("true_false", "true/false")],
)
def test_kind_labels(kind: str, label: str) -> None:
    assert rules.kind_label(kind) == label


@pytest.mark.parametrize(
    ("level", "kind", "choices", "expected"),
    [
        ("beginner", "single", 4, rules.ItemParameters(1.2, -1.3, 0.2)),
        ("intermediate", "single", 3, rules.ItemParameters(1.2, 0.0, 0.25)),
        ("advanced", "single", 2, rules.ItemParameters(1.2, 1.6, 0.25)),
        ("advanced", "single", 5, rules.ItemParameters(1.2, 1.6, 0.16)),
        ("beginner", "true_false", 2, rules.ItemParameters(1.2, -1.3, 0.15)),
        ("intermediate", "multiple", 4, rules.ItemParameters(1.2, 0.0, 0.05)),
    ],
)
def test_default_item_parameters_follow_level_and_kind(
    level: str, kind: str, choices: int, expected: rules.ItemParameters
) -> None:
    assert rules.default_item_parameters(level, kind, choices) == expected


@pytest.mark.parametrize(
    ("evidence_kind", "evidence", "expected"),
    [
        ("test", "tests/questions/test_evidence.py::test_basics_01", []),
        ("test", "tests/x.py::TestThing::test_it[case-1]", []),
        ("test", "see the docs", ["Name a test as path::test_name"]),
        ("test", "  ", ["Name the test or measurement"]),
        ("measurement", "The demo's log shows it.", []),
        ("measurement", "", ["Name the test or measurement"]),
        ("judgement", "", []),
    ],
)
def test_evidence_rules(evidence_kind: str, evidence: str, expected: list[str]) -> None:
    found = rules.evidence_errors(evidence_kind, evidence)
    assert len(found) == len(expected)
    for message, start in zip(found, expected, strict=True):
        assert message.startswith(start)


def test_demo_link_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rules.demo_link_errors("basic-streaming", "side-by-side") == {}
    assert rules.demo_link_errors("nowhere", "x")["lesson"].startswith("Unknown lesson 'nowhere'")
    assert rules.demo_link_errors("basic-streaming", "") == {"preset": "Name the demo preset."}
    assert rules.demo_link_errors("basic-streaming", "nope") == {
        "preset": "The lesson 'basic-streaming' has no demo preset 'nope'."
    }
    # Without the demo registry (it ships with the lessons) any named preset is accepted.
    monkeypatch.setattr(rules, "_demo_registry_has", lambda lesson, preset: None)
    assert rules.demo_link_errors("basic-streaming", "nope") == {}


def test_the_enumerations_and_the_rules_agree() -> None:
    assert tuple(Question.Level.values) == rules.LEVELS
    assert tuple(Question.Kind.values) == rules.KINDS
    assert tuple(Question.Style.values) == rules.STYLES
    assert tuple(Question.Status.values) == rules.STATUSES
    assert tuple(Question.EvidenceKind.values) == rules.EVIDENCE_KINDS
    assert tuple(Category.Slug.values) == rules.CATEGORIES


@pytest.mark.parametrize(
    ("model", "field", "length"),
    [
        (Category, "name", rules.CATEGORY_NAME_MAX_LENGTH),
        (Question, "topic", rules.TOPIC_MAX_LENGTH),
        (Question, "evidence", rules.EVIDENCE_MAX_LENGTH),
        (Question, "demo_lesson", rules.DEMO_SLUG_MAX_LENGTH),
        (Question, "demo_preset", rules.DEMO_SLUG_MAX_LENGTH),
        (Question, "sdk_version", rules.SDK_VERSION_MAX_LENGTH),
    ],
)
def test_the_models_hold_the_lengths_the_rules_allow(
    model: type[Category | Question], field: str, length: int
) -> None:
    model_field = model._meta.get_field(field)
    assert isinstance(model_field, models.Field)
    assert model_field.max_length == length
