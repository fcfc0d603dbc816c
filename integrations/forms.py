from __future__ import annotations

from typing import Any

from django import forms
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from lessons.catalog import LESSONS
from questions.models import Quiz

MAX_UPLOAD = 2 * 1024 * 1024


class CredentialCheckForm(forms.Form):
    """A credential to check: the signed text (compact JWS) or a baked badge image."""

    token = forms.CharField(
        label="Signed credential (the text of a .jwt file)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "class": "mono"}),
    )
    badge = forms.FileField(
        label="Or a baked badge image (PNG or SVG)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/svg+xml"}),
    )

    def clean_badge(self) -> object:
        badge = self.cleaned_data.get("badge")
        if badge is not None and badge.size > MAX_UPLOAD:
            raise forms.ValidationError("The image is larger than 2 MB; a badge is much smaller.")
        return badge

    def clean(self) -> dict[str, object] | None:
        data = super().clean() or {}
        if not (data.get("token") or "").strip() and not data.get("badge"):
            raise forms.ValidationError("Paste a signed credential or choose a badge image.")
        return data


class DeepLinkForm(forms.Form):
    """The quiz or lesson an instructor places in their course."""

    item = forms.ChoiceField(label="What should this course link open?", widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        quizzes = [
            (f"quiz:{quiz.slug}", f"Quiz: {quiz.title} (graded)")
            for quiz in Quiz.objects.for_list().order_by("title")
        ]
        lessons = [(f"lesson:{lesson.slug}", f"Lesson: {lesson.title}") for lesson in LESSONS]
        item = self.fields["item"]
        assert isinstance(item, forms.ChoiceField)
        item.choices = quizzes + lessons
        self.titles = {value: label.split(": ", 1)[1] for value, label in quizzes + lessons}

    def resource(self, launch_url: str) -> DeepLinkResource:
        value = self.cleaned_data["item"]
        kind = value.partition(":")[0]
        title = self.titles[value].removesuffix(" (graded)")
        resource = (
            DeepLinkResource()
            .set_url(launch_url)
            .set_title(f"certify: {title}")
            .set_custom_params({"certify": value})
        )
        if kind == "quiz":
            resource.set_lineitem(
                LineItem()
                .set_score_maximum(100)
                .set_label(f"certify: {title}")
                .set_resource_id(value)
            )
        return resource
