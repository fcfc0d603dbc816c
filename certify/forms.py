from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

User = get_user_model()


class SignupForm(UserCreationForm):
    """Username, email and password (checked by Django's validators); the name is optional."""

    email = forms.EmailField(
        help_text="For password resets. Never shown to anyone else.",
    )
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        required=False,
        help_text="Optional. Your name as it should appear on a certificate.",
    )
    last_name = forms.CharField(label="Last name", max_length=150, required=False)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "first_name", "last_name")

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email
