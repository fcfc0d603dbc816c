"""Forms of the instructors' admin: a question, its choices, a bank file to import, and a
learner's extra time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet

from lessons.catalog import LESSONS
from questions import rules
from questions.analysis.browse import FLAG_CODES
from questions.interchange import interchange_for
from questions.models import Choice, ItemWithdrawal, Question, Quiz, TimeAccommodation

# A QTI package may carry the other system's images (left out, but uploaded with the package).
MAX_BANK_FILE_BYTES = 20 * 1024 * 1024
FORMAT_CHOICES = [
    ("", "From the file's name"),
    ("yaml", "certify bank file (YAML or JSON)"),
    ("gift", "GIFT (.gift, .txt)"),
    ("moodle-xml", "Moodle XML (.xml)"),
    ("qti", "QTI 1.2 package (.zip)"),
]
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
        super().clean()
        cleaned = self.cleaned_data
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The admin's table of options labels its columns, not its inputs: name each input.
        number = self.prefix.rsplit("-", 1)[-1] if self.prefix else ""
        option = f"Option {int(number) + 1}" if number.isdigit() else "New option"
        for name, words in [("text", "text"), ("is_correct", "is correct"), ("rationale", "why")]:
            self.fields[name].widget.attrs["aria-label"] = f"{option}: {words}"

    def clean_text(self) -> str:
        return _unix_newlines(self.cleaned_data["text"])

    def clean_rationale(self) -> str:
        return _unix_newlines(self.cleaned_data["rationale"])


def _deleted(form: forms.BaseForm) -> bool:
    """Whether the formset deletes this form (its DELETE box ticked): the formset's own rule."""
    return bool(form.cleaned_data.get(DELETION_FIELD_NAME, False))


class ChoiceInlineFormSet(BaseInlineFormSet):
    """A question's choices, checked together against its kind; order is position in the list."""

    instance: Question

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        if DELETION_FIELD_NAME in form.fields:
            option = f"Option {index + 1}" if index is not None else "New option"
            form.fields[DELETION_FIELD_NAME].widget.attrs["aria-label"] = f"{option}: delete"

    def _kept_forms(self) -> list[forms.ModelForm]:
        return [form for form in self.forms if form.cleaned_data and not _deleted(form)]

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
            if form.has_changed() and not _deleted(form):
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
        help_text="A certify bank file (YAML or JSON), GIFT, Moodle XML or a QTI 1.2 package "
        "(at most 20 MB).",
    )
    fmt = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, required=False)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BANK_FILE_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload is not None and not cleaned.get("fmt"):
            fmt = bank_format_for(upload.name or "")
            if fmt is None:
                self.add_error(
                    "fmt",
                    "The file's name does not say its format (.yaml, .json, .gift, .txt, .xml "
                    "or .zip): choose it here.",
                )
            cleaned["fmt"] = fmt or ""
        return cleaned


def bank_format_for(filename: str) -> str | None:
    """The format a file's name says: a bank file, or one of the interchange formats."""
    if filename.lower().endswith((".yaml", ".yml", ".json")):
        return "yaml"
    return interchange_for(filename)


class AnalysisWindowForm(forms.Form):
    """Which answers the item analysis reads: one quiz's, finished since a date (both optional)."""

    quiz = forms.ModelChoiceField(
        queryset=Quiz.objects.order_by("order", "title"),
        to_field_name="slug",
        required=False,
        empty_label="Every quiz",
    )
    since = forms.DateField(
        label="Finished since",
        required=False,
        help_text="YYYY-MM-DD (UTC).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class WithdrawalForm(forms.Form):
    action = forms.ChoiceField(
        choices=ItemWithdrawal.Action.choices, widget=forms.RadioSelect, initial="retire"
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
        max_length=2000,
        help_text="Kept in the log with your name.",
    )
    flags = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_flags(self) -> list[str]:
        codes = self.cleaned_data.get("flags", "").split()
        return [code for code in codes if code in FLAG_CODES]


class TimeAccommodationForm(forms.ModelForm):
    """Extra time for one learner, named by username or email (instructors need no access to
    the user list to grant it)."""

    learner = forms.CharField(max_length=254, help_text="The learner's username or email address.")

    class Meta:
        model = TimeAccommodation
        fields = ["quiz", "multiplier", "extra_minutes", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["learner"].initial = self.instance.user.get_username()
        quiz = self.fields["quiz"]
        assert isinstance(quiz, forms.ModelChoiceField)
        quiz.empty_label = "Every timed quiz"

    def clean_learner(self) -> str:
        name = self.cleaned_data["learner"].strip()
        users = get_user_model().objects.filter(Q(username__iexact=name) | Q(email__iexact=name))
        found = list(users[:2])
        if len(found) != 1:
            raise forms.ValidationError(
                f"No single learner has the username or email “{name}”."
                if not found
                else f"Several accounts match “{name}”: give the username."
            )
        self.instance.user = found[0]
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user = getattr(self.instance, "user", None) if "learner" in cleaned else None
        if user is not None:
            others = TimeAccommodation.objects.filter(user=user, quiz=cleaned.get("quiz"))
            if others.exclude(pk=self.instance.pk).exists():
                scope = "this quiz" if cleaned.get("quiz") else "every timed quiz"
                raise forms.ValidationError(
                    f"{user.get_username()} already has extra time on {scope}: change that one."
                )
        return cleaned
