from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator

from lessons.backends import Backend
from lessons.demos import DemoOptions, Preset

PACING_FIELDS = ("first_token_ms", "token_ms")


class DemoFields(forms.Form):
    """Every option field a demo form can show (DemoForm picks a preset's: `_fields`)."""

    preset = forms.CharField(widget=forms.HiddenInput)
    prompt = forms.CharField(
        label="Prompt",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a prompt for the agent."},
    )
    length = forms.ChoiceField(
        label="Reply length",
        choices=[
            ("short", "One short sentence"),
            ("medium", "About 60 words"),
            ("long", "About 200 words"),
        ],
    )
    first_token_ms = forms.IntegerField(
        label="First-token delay (ms)",
        min_value=0,
        max_value=5000,
        help_text="How long the offline model waits before its first token.",
    )
    token_ms = forms.IntegerField(
        label="Per-token delay (ms)",
        min_value=0,
        max_value=500,
        help_text="The pause between two tokens after the first.",
    )
    tools = forms.MultipleChoiceField(
        label="Tools the agent has",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("lookup_docs", "lookup_docs(topic): what the docs say"),
            ("count_words", "count_words(text): counts words"),
        ],
    )
    buffer_words = forms.IntegerField(
        label="Words per flush",
        min_value=1,
        max_value=10,
        help_text="The buffered panel waits for this many whole words.",
    )
    fail_after = forms.IntegerField(
        label="Fail after (tokens)",
        min_value=0,
        max_value=200,
        help_text="The streamed attempt fails after this many text tokens.",
    )
    timeout_s = forms.FloatField(
        label="Timeout (seconds)",
        min_value=0.1,
        max_value=30,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    attempts = forms.IntegerField(
        label="Attempts", min_value=1, max_value=8, help_text="Runs to try, one after another."
    )


class DemoForm(forms.Form):
    """The prompt and the options of one demo run; a preset decides which options show."""

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, preset: Preset, backend: Backend
    ) -> None:
        self.demo_preset = preset
        options = preset.options
        pacing = backend.pacing
        initial = {
            **options.model_dump(),
            "preset": preset.name,
            "prompt": preset.prompt,
            "tools": list(options.tools),
            # The offline model's configured pace, unless the preset sets its own.
            "first_token_ms": options.first_token_ms
            if options.first_token_ms is not None
            else round(pacing.first_token * 1000),
            "token_ms": options.token_ms
            if options.token_ms is not None
            else round(pacing.per_token * 1000),
        }
        super().__init__(data, initial=initial)
        # The same for every form of the same shape: made once (a form with them declared
        # would deep-copy all ten for every Run press), then shared; nothing changes them.
        shape = (preset.fields, bool(preset.code), backend.is_offline)
        self.fields = dict(_fields(*shape, settings.LESSONS_PROMPT_MAX_LENGTH))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("preset") != self.demo_preset.name:
            # A hidden field: its error goes on top of the form, where it can be seen.
            raise forms.ValidationError("The form does not match this preset; reload the page.")
        return cleaned

    def options(self) -> DemoOptions:
        """The preset's options with the learner's changes to the fields the form showed."""
        changed = {
            name: self.cleaned_data[name]
            for name in self.demo_preset.fields
            if name in self.fields and name in self.cleaned_data
        }
        if "tools" in changed:
            changed["tools"] = tuple(changed["tools"])
        return self.demo_preset.options.model_copy(update=changed)


@lru_cache(maxsize=64)
def _fields(
    preset_fields: tuple[str, ...], code: bool, offline: bool, limit: int
) -> dict[str, forms.Field]:
    """The fields a preset's form shows, with the prompt's limit: built once per shape."""
    fields = copy.deepcopy(DemoFields.base_fields)
    prompt = fields["prompt"]
    prompt.validators.append(
        MaxLengthValidator(
            limit,
            message="Keep the prompt to %(limit_value)d characters or fewer "
            "(it has %(show_value)d).",
        )
    )
    prompt.widget.attrs["maxlength"] = str(limit)
    prompt.help_text = f"Up to {limit} characters."
    shown = {"preset", *preset_fields} | ({"prompt"} if not code else set())
    if not offline:
        shown -= set(PACING_FIELDS)  # a real model keeps its own pace
    return {name: field for name, field in fields.items() if name in shown}
