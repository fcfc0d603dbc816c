from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm, UsernameField

User = get_user_model()

EMAIL_HELP = "For password resets. Never shown to anyone else."


def _unique_email(email: str, *, exclude_pk: int | None = None) -> str:
    email = User.objects.normalize_email(email).lower()
    others = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise forms.ValidationError("An account with this email address already exists.")
    return email


class SignupForm(UserCreationForm):
    """Username, email and password (checked by Django's validators); the name is optional."""

    email = forms.EmailField(help_text=EMAIL_HELP)
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        required=False,
        help_text="Optional. Your name as it should appear on a certificate.",
    )
    last_name = forms.CharField(label="Last name", max_length=150, required=False)

    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name")
        field_classes = {"username": UsernameField}

    def clean_email(self) -> str:
        return _unique_email(self.cleaned_data["email"])


class AccountForm(forms.ModelForm):
    """The signed-in learner's own name (as future certificates show it) and email."""

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email")
        help_texts = {
            "first_name": "Your name as it should appear on certificates issued from now on; "
            "leave both names empty to show your username.",
            "email": EMAIL_HELP,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self) -> str:
        return _unique_email(self.cleaned_data["email"], exclude_pk=self.instance.pk)
