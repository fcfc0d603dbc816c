"""Forms of the instructors' admin: a question, its choices, and a bank file to import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import BaseInlineFormSet

from lessons.catalog import LESSONS
from questions import rules
from questions.models import Choice, Question

MAX_BANK_FILE_BYTES = 2 * 1024 * 1024
PARAMETERS = ("discrimination", "difficulty", "guessing")


def _unix_newlines(text: str) -> str:
    # Browsers submit textareas with CRLF; the bank file and its exports use LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


class QuestionAdminForm(forms.ModelForm):
    demo_lesson = forms.ChoiceField(
        choices=[(lesson.slug, lesson.label) for lesson in LESSONS],
        help_text="The lesson whose live demo shows this question's fact.",
    )

    class Meta:
        model = Question
        fields = [
            "id",
            "category",
            "level",
            "kind",
            "style",
            "status",
            "pool",
            "pretest",
            "topic",
            "objective",
            "prompt",
            "explanation",
            "evidence_kind",
            "evidence",
            "demo_lesson",
            "demo_preset",
            "sdk_version",
            *PARAMETERS,
        ]
        widgets = {
            "prompt": forms.Textarea(attrs={"rows": 10, "class": "vLargeTextField markdown"}),
            "explanation": forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField markdown"}),
            "evidence": forms.TextInput(attrs={"class": "vTextField bank-wide"}),
        }
        help_texts = {
            "demo_preset": "A preset of that lesson's demo, e.g. side-by-side.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PARAMETERS:
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = "Blank: the default for the level and kind."
        # Whether clean() filled in default parameters, to be settled once the choices are saved.
        self.parameters_defaulted = False

    def clean_prompt(self) -> str:
        return _unix_newlines(self.cleaned_data["prompt"])

    def clean_explanation(self) -> str:
        return _unix_newlines(self.cleaned_data["explanation"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        level, kind = cleaned.get("level"), cleaned.get("kind")
        blank = [name for name in PARAMETERS if cleaned.get(name) is None]
        if blank and level and kind and not self.has_error(blank[0]):
            # Provisional (the guessing rate depends on the number of choices); the admin
            # recomputes them after saving the choices.
            defaults = rules.default_item_parameters(level, kind, 4)
            for name in blank:
                cleaned[name] = getattr(defaults, name)
            self.parameters_defaulted = True
        return cleaned


class ChoiceForm(forms.ModelForm):
    class Meta:
        model = Choice
        fields = ["text", "is_correct", "rationale"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "rationale": forms.Textarea(attrs={"rows": 2, "cols": 50}),
        }

    def clean_text(self) -> str:
        return _unix_newlines(self.cleaned_data["text"])

    def clean_rationale(self) -> str:
        return _unix_newlines(self.cleaned_data["rationale"])


class ChoiceInlineFormSet(BaseInlineFormSet):
    """A question's choices, checked together against its kind; order is position in the list."""

    instance: Question

    def _kept_forms(self) -> list[forms.ModelForm]:
        return [
            form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        correct = [form.cleaned_data.get("is_correct", False) for form in self._kept_forms()]
        # The kind as submitted with this form (the question form has already applied it).
        errors = rules.choice_set_errors(self.instance.kind, correct)
        if errors:
            raise forms.ValidationError(errors)

    def save(self, commit: bool = True) -> list[Choice]:
        # New choices go after the existing ones; after deletions the rest close ranks, in
        # ascending order so the unique (question, order) holds at every step.
        next_order = max((form.instance.order for form in self.initial_forms), default=-1) + 1
        for form in self.extra_forms:
            if form.has_changed() and not self._should_delete_form(form):
                form.instance.order = next_order
                next_order += 1
        saved = super().save(commit)
        if commit:
            for position, choice in enumerate(self.instance.choices.order_by("order")):
                if choice.order != position:
                    choice.order = position
                    choice.save(update_fields=["order"])
        return saved


class BankImportForm(forms.Form):
    file = forms.FileField(
        label="Bank file",
        help_text="YAML or JSON in the format export_bank writes (at most 2 MB).",
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BANK_FILE_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB.")
        return upload
