"""The bank's rules, as plain functions shared by the model, the admin and the bank file schema.

No Django imports: the same rule decides whether a choice set is valid wherever it comes from.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lessons.catalog import LESSONS_BY_SLUG

# The five categories, in course order (lessons 01 to 05); the model's CategorySlug names them.
CATEGORIES = ("basics", "raw-events", "run-items", "tools-handoffs", "production")
LEVELS = ("beginner", "intermediate", "advanced")
KINDS = ("single", "multiple", "true_false")
STYLES = ("concept", "code", "judgement")
STATUSES = ("draft", "active", "retired")
EVIDENCE_KINDS = ("test", "measurement", "judgement")
# The secure exam pool (never shown with its keys) and the practice pool (drills, level quizzes,
# adaptive practice). Every cell of category x level is split between them (questions.split).
POOLS = ("exam", "practice")

# A pytest node id: a test file and a test function (maybe in a class, maybe parametrized).
TEST_NODE_ID = re.compile(r"[\w./-]+\.py(::[\w\[\].-]+)+")
SDK_VERSION = re.compile(r"\d+(\.\d+)*[\w.+-]*")
QUESTION_ID_PATTERN = r"^[a-z][a-z-]*-\d{2,3}$"
QUESTION_ID_MESSAGE = "Use the category slug and a number, e.g. raw-events-07."

# Text lengths the database holds, shared by the models and the bank file schema.
CATEGORY_NAME_MAX_LENGTH = 100
TOPIC_MAX_LENGTH = 80
EVIDENCE_MAX_LENGTH = 200
DEMO_SLUG_MAX_LENGTH = 64
SDK_VERSION_MAX_LENGTH = 20

# Starting item difficulty by level, on the ability scale (0 = the average candidate).
LEVEL_DIFFICULTY = {"beginner": -1.3, "intermediate": 0.0, "advanced": 1.6}
DEFAULT_DISCRIMINATION = 1.2

# The ranges an item parameter may take (inclusive), shared by the model, its database
# constraints and the bank file schema. Calibration clamps to them.
DISCRIMINATION_RANGE = (0.05, 5.0)
DIFFICULTY_RANGE = (-5.0, 5.0)
GUESSING_RANGE = (0.0, 0.5)


@dataclass(frozen=True)
class ItemParameters:
    """A three-parameter logistic item: P(right) = c + (1 - c) / (1 + exp(-a (theta - b)))."""

    discrimination: float
    difficulty: float
    guessing: float


def default_item_parameters(level: str, kind: str, choice_count: int) -> ItemParameters:
    """Starting parameters before any calibration from real answers."""
    if kind == "true_false":
        # Statements are written against common misconceptions, so blind guessing pays less
        # than the nominal one in two.
        guessing = 0.15
    elif kind == "multiple":
        # All-or-nothing over any subset of the options: a guess almost never lands.
        guessing = 0.05
    else:
        guessing = round(min(0.25, 0.8 / max(choice_count, 2)), 3)
    # A draft with no level yet starts in the middle of the scale.
    return ItemParameters(DEFAULT_DISCRIMINATION, LEVEL_DIFFICULTY.get(level, 0.0), guessing)


def choice_set_errors(kind: str, correct: Sequence[bool]) -> list[str]:
    """Why a question of `kind` with these choices (True = correct) cannot be asked, if it can't."""
    errors: list[str] = []
    if len(correct) < 2:
        errors.append("A question needs at least two choices.")
    return errors + _choice_errors_by_kind(kind, list(correct))


def _choice_errors_by_kind(kind: str, correct: list[bool]) -> list[str]:
    right = sum(1 for flag in correct if flag)
    errors: list[str] = []
    if kind == "true_false" and len(correct) != 2:
        errors.append("A true/false question has exactly two choices.")
    if kind in ("single", "true_false") and right != 1:
        errors.append(
            f"A {kind_label(kind)} question has exactly one correct choice ({right} given)."
        )
    if kind == "multiple" and not 0 < right < len(correct):
        errors.append("A multiple-choice question needs at least one correct and one wrong choice.")
    return errors


def kind_label(kind: str) -> str:
    return {"single": "single-choice", "multiple": "multiple-choice", "true_false": "true/false"}[
        kind
    ]


def demo_link_errors(lesson: str, preset: str) -> dict[str, str]:
    """What is wrong with a demo link (keys "lesson" and "preset"), if anything."""
    if lesson not in LESSONS_BY_SLUG:
        return {"lesson": f"Unknown lesson '{lesson}' (one of {', '.join(LESSONS_BY_SLUG)})."}
    if not preset:
        return {"preset": "Name the demo preset."}
    if _demo_registry_has(lesson, preset) is False:
        return {"preset": f"The lesson '{lesson}' has no demo preset '{preset}'."}
    return {}


def _demo_registry_has(lesson: str, preset: str) -> bool | None:
    """The demo registry's answer, or None where it is not installed (it ships with the lessons)."""
    if importlib.util.find_spec("lessons.registry") is None:
        return None
    from lessons.registry import preset_exists

    return preset_exists(lesson, preset)


def missing_for_bank(
    *,
    category: str | None,
    level: str,
    objective: str,
    evidence_kind: str,
    evidence: str,
    demo_lesson: str,
    demo_preset: str,
) -> list[str]:
    """What an item still lacks that the bank requires of every item it asks (an imported item
    enters as a draft until an instructor fills these in)."""
    missing = [
        name
        for name, given in (("category", category), ("level", level), ("objective", objective))
        if not given
    ]
    if evidence_errors(evidence_kind, evidence):
        missing.append("evidence")
    if not demo_lesson or not demo_preset:
        missing.append("demo link")
    return missing


def generated_item_errors(
    family: str | None, variant: str | None, lesson: str | None, claims: Sequence[bool]
) -> list[tuple[str, str]]:
    """(field, message) for what is wrong with an item's generated-item fields: a family and a
    variant go together, the variant is a scenario of the item's demo lesson, and every choice
    of a generated item (and only of one) states its claim (`claims`: whether each does)."""
    if family is None and variant is None:
        if any(claims):
            return [
                ("choices", "Only the choices of a generated item (with a family) carry claims.")
            ]
        return []
    if family is None or variant is None:
        missing = "family" if family is None else "variant"
        return [(missing, "A generated item names both its family and its variant.")]
    found: list[tuple[str, str]] = []
    if lesson is not None and _demo_registry_has(lesson, variant) is False:
        found.append(("variant", f"The lesson '{lesson}' has no scenario variant '{variant}'."))
    if not all(claims):
        found.append(("choices", "Every choice of a generated item states its claim."))
    return found


def evidence_errors(evidence_kind: str, evidence: str) -> list[str]:
    """What is wrong with the evidence a question names for its keyed answer, if anything."""
    if evidence_kind != "judgement" and not evidence.strip():
        return [
            "Name the test or measurement that proves the keyed answer (empty only for judgement)."
        ]
    if evidence_kind == "test" and not TEST_NODE_ID.fullmatch(evidence):
        return [
            "Name a test as path::test_name, e.g. tests/questions/test_evidence.py::test_basics_01."
        ]
    return []
