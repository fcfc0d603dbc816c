from __future__ import annotations

from django import forms

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
