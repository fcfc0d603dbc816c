"""The admin's forms on their own: a question (newlines, default parameters), its choices
checked together against its kind, and the bank file upload's size limit. The admin pages that
use them are test_admin.py's."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import inlineformset_factory
from django.utils.datastructures import MultiValueDict

from questions import rules
from questions.forms import (
    MAX_BANK_FILE_BYTES,
    BankImportForm,
    ChoiceForm,
    ChoiceInlineFormSet,
    QuestionAdminForm,
)
from questions.models import Choice, Question
from tests.factories import CategoryFactory, QuestionFactory

pytestmark = pytest.mark.django_db

ChoiceFormSet = inlineformset_factory(
    Question, Choice, form=ChoiceForm, formset=ChoiceInlineFormSet, extra=0
)


def question_data(**changes: Any) -> dict[str, Any]:
    category = CategoryFactory.create(slug="basics")
    data: dict[str, Any] = {
        "id": "basics-42",
        "category": category.pk,
        "level": "advanced",
        "kind": "single",
        "style": "concept",
        "status": "draft",
        "pool": "practice",
        "topic": "run_streamed",
        "objective": "streaming-vs-regular",
        "prompt": "Which call\r\nstreams?",
        "explanation": "This one.\rReally.",
        "evidence_kind": "judgement",
        "evidence": "",
        "demo_lesson": "basic-streaming",
        "demo_preset": "side-by-side",
        "sdk_version": "0.24.0",
    }
    data.update(changes)
    return data


def test_text_is_saved_with_unix_newlines() -> None:
    form = QuestionAdminForm(data=question_data())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["prompt"] == "Which call\nstreams?"
    assert form.cleaned_data["explanation"] == "This one.\nReally."


def test_blank_parameters_take_the_level_default_for_now() -> None:
    form = QuestionAdminForm(data=question_data())

    assert form.is_valid(), form.errors
    defaults = rules.default_item_parameters("advanced", "single", 4)
    assert form.cleaned_data["difficulty"] == defaults.difficulty
    assert form.cleaned_data["guessing"] == defaults.guessing
    assert form.parameters_defaulted


def test_given_parameters_are_kept() -> None:
    form = QuestionAdminForm(
        data=question_data(discrimination="1.5", difficulty="0.5", guessing="0.1")
    )

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["difficulty"], form.cleaned_data["guessing"]) == (0.5, 0.1)
    assert not form.parameters_defaulted


def formset_data(question: Question, **changes: str) -> dict[str, str]:
    choices = list(question.choices.order_by("order"))
    data = {
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": str(len(choices)),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "1000",
    }
    for n, choice in enumerate(choices):
        data |= {
            f"choices-{n}-id": str(choice.pk),
            f"choices-{n}-question": question.pk,
            f"choices-{n}-text": choice.text,
            f"choices-{n}-rationale": choice.rationale,
        }
        if choice.is_correct:
            data[f"choices-{n}-is_correct"] = "on"
    return data | changes


def test_the_choices_are_checked_together_against_the_kind() -> None:
    question = QuestionFactory.create(kind="single")
    data = formset_data(question, **{"choices-1-is_correct": "on"})

    formset = ChoiceFormSet(data=data, instance=question, prefix="choices")

    assert not formset.is_valid()
    assert formset.non_form_errors() == [
        "A single-choice question has exactly one correct choice (2 given)."
    ]


def test_deleted_choices_do_not_count() -> None:
    question = QuestionFactory.create(kind="single")
    data = formset_data(question, **{"choices-0-DELETE": "on"})

    formset = ChoiceFormSet(data=data, instance=question, prefix="choices")

    assert not formset.is_valid()
    assert formset.non_form_errors() == [
        "A single-choice question has exactly one correct choice (0 given)."
    ]


def test_saving_keeps_the_order_contiguous_after_a_deletion() -> None:
    question = QuestionFactory.create(kind="single")  # four choices, A right
    data = formset_data(question, **{"choices-1-DELETE": "on"})

    formset = ChoiceFormSet(data=data, instance=question, prefix="choices")
    assert formset.is_valid(), formset.errors
    formset.save()

    assert list(question.choices.order_by("order").values_list("order", "text")) == [
        (0, "Option A"),
        (1, "Option C"),
        (2, "Option D"),
    ]


@pytest.mark.parametrize(
    ("size", "valid"), [(MAX_BANK_FILE_BYTES, True), (MAX_BANK_FILE_BYTES + 1, False)]
)
def test_a_bank_file_has_a_size_limit(size: int, valid: bool) -> None:
    # The upload reports its size; the bytes themselves need not be that many.
    upload = SimpleUploadedFile("bank.yaml", b"sdk_version: 0.24.0\n")
    upload.size = size

    form = BankImportForm(data={}, files=MultiValueDict({"file": [upload]}))

    assert form.is_valid() is valid
    if not valid:
        limit = MAX_BANK_FILE_BYTES // (1024 * 1024)
        assert form.errors["file"] == [f"The file is larger than {limit} MB."]
