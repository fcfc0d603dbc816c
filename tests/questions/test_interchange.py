"""GIFT, Moodle XML and QTI against the database: the whole bank round-trips through each format,
an import updates only what the format holds, new items enter as drafts, bad files change
nothing."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any

import pytest

from questions.bankfile import DEFAULT_PATH, BankInvalid, bank_read
from questions.interchange import HELD, INTERCHANGES, Interchange
from questions.models import Choice, Question
from questions.services.bank import bank_export, bank_load, questions_activate
from questions.services.interchange import bank_interchange_export, bank_interchange_load

pytestmark = pytest.mark.django_db

# Every field of an item as the bank holds it, by the name HELD uses.
FIELDS = {
    "category": lambda q: q.category_slug,
    "kind": lambda q: q.kind,
    "prompt": lambda q: q.prompt,
    "explanation": lambda q: q.explanation,
    "topic": lambda q: q.topic,
    "level": lambda q: q.level,
    "style": lambda q: q.style,
    "objective": lambda q: q.objective,
    "evidence": lambda q: (q.evidence_kind, q.evidence),
    "demo": lambda q: (q.demo_lesson, q.demo_preset),
    "params": lambda q: (q.discrimination, q.difficulty, q.guessing),
    "status": lambda q: q.status,
    "sdk_version": lambda q: q.sdk_version,
    "choices": lambda q: [(c.text, c.is_correct, c.rationale) for c in q.choices.all()],
}


def bank_state() -> dict[str, dict[str, Any]]:
    """Every item's fields; texts without surrounding whitespace, which the formats trim (a
    Markdown text means the same with or without a final line break)."""
    questions = Question.objects.select_related("category").prefetch_related("choices")
    return {q.id: {name: _trimmed(get(q)) for name, get in FIELDS.items()} for q in questions}


def _trimmed(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return type(value)(_trimmed(part) for part in value)
    return value


@pytest.fixture
def bank() -> dict[str, dict[str, Any]]:
    bank_load(text=bank_read(path=DEFAULT_PATH))
    return bank_state()


def scrambled() -> None:
    """Change every field of every item, so that only what a file restores comes back."""
    for question in Question.objects.all():
        Question.objects.filter(pk=question.pk).update(
            prompt="changed", explanation="changed", topic="changed", style="judgement"
        )
        Choice.objects.filter(question=question).update(text="changed", rationale="changed")


@pytest.mark.parametrize("fmt", INTERCHANGES)
def test_the_whole_bank_round_trips_keeping_every_field(
    bank: dict[str, dict[str, Any]], fmt: Interchange
) -> None:
    exported = bank_interchange_export(fmt=fmt)
    scrambled()

    result = bank_interchange_load(data=exported.data, fmt=fmt)

    assert result.drafts == {}
    assert len(result.questions.updated) == len(bank)
    after = bank_state()
    for question_id, fields in bank.items():
        for name, value in fields.items():
            if name in HELD[fmt] or name not in ("prompt", "explanation", "topic", "style", "choices"):
                assert after[question_id][name] == value, (fmt, question_id, name)
    # What the format does not hold is reported, and was left as it was.
    assert "evidence" in exported.not_held and "demo link" in exported.not_held


@pytest.mark.parametrize("fmt", INTERCHANGES)
def test_importing_an_unchanged_export_changes_nothing(
    bank: dict[str, dict[str, Any]], fmt: Interchange
) -> None:
    exported = bank_interchange_export(fmt=fmt)
    yaml_before = bank_export()

    result = bank_interchange_load(data=exported.data, fmt=fmt)

    assert result.questions.updated == ()
    assert bank_export() == yaml_before


@pytest.mark.parametrize("fmt", INTERCHANGES)
def test_an_item_new_to_the_bank_enters_as_a_draft_listing_what_it_lacks(
    bank: dict[str, dict[str, Any]], fmt: Interchange
) -> None:
    exported = bank_interchange_export(fmt=fmt, questions=Question.objects.filter(id="basics-01"))
    Question.objects.filter(id="basics-01").delete()

    result = bank_interchange_load(data=exported.data, fmt=fmt)

    assert result.questions.created == ("basics-01",)
    created = Question.objects.get(id="basics-01")
    assert created.status == Question.Status.DRAFT
    assert result.drafts["basics-01"] == ["evidence", "demo link"]
    assert created.category_slug == "basics"
    assert (created.level, created.objective) == (bank["basics-01"]["level"], bank["basics-01"]["objective"])
    refused = questions_activate(questions=Question.objects.filter(id="basics-01"))
    assert refused.refused["basics-01"] == ["Missing: evidence, demo link."]


def test_a_bad_file_changes_nothing_and_names_every_error(bank: dict[str, dict[str, Any]]) -> None:
    text = bank_interchange_export(fmt="gift").data.decode()
    text = text.replace("[tag:level:beginner]", "[tag:level:expert]", 1)
    text += "\n::broken::Unclosed {=a ~b\n"
    before = bank_export()

    with pytest.raises(BankInvalid) as caught:
        bank_interchange_load(data=text.encode(), fmt="gift")

    messages = [str(error) for error in caught.value.errors]
    assert any("Unknown level 'expert'" in message for message in messages)
    assert any("Unbalanced braces" in message and "line" in message for message in messages)
    assert bank_export() == before


def test_qti_package_is_a_zip_with_a_manifest(bank: dict[str, dict[str, Any]]) -> None:
    package = zipfile.ZipFile(BytesIO(bank_interchange_export(fmt="qti").data))
    assert "imsmanifest.xml" in package.namelist()
    assert "basics/basics.xml" in package.namelist()
