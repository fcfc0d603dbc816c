"""Account forms: allauth's sign-up with the name certificates show, and the account page's
name form. Email changes go through allauth's email page (verified, and neutral about
addresses that are taken)."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.login import perform_login
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.models import Login
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse

User = get_user_model()

NAME_HELP = "Optional. Your name as it should appear on a certificate."
EMAIL_HELP = "We send a link to verify it. Never shown to anyone else."


class LoginForm(AllauthLoginForm):
    """allauth's login: one field for the username or the email, then the password."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"
        self.fields["password"].help_text = ""  # the page links to the reset once, below
        if "remember" in self.fields:
            self.fields["remember"].label = "Remember me on this device"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class SignupForm(AllauthSignupForm):
    """Username, email, password (Django's validators, every error beside its field) and the
    optional name that certificates show.

    A taken email is not an error: the form goes on as for a new address, creates nothing, and
    allauth emails the address's owner instead (ACCOUNT_PREVENT_ENUMERATION). Every sign-up then
    answers the same way, with the page that asks to open the emailed link.
    """

    first_name = forms.CharField(
        label="First name", max_length=150, required=False, help_text=NAME_HELP
    )
    last_name = forms.CharField(label="Last name", max_length=150, required=False)

    field_order = ["username", "email", "first_name", "last_name", "password1", "password2"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = EMAIL_HELP
        for name in ("username", "email", "password1", "password2"):
            # Labels, not placeholders, name the inputs (includes/form.html).
            self.fields[name].widget.attrs.pop("placeholder", None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # allauth compares the two passwords only when the first passed its rules; say both
        # at once, so that one round trip shows every problem.
        first, second = self.data.get("password1"), cleaned.get("password2")
        if second and first and first != second and "password2" not in self.errors:
            self.add_error("password2", "You must type the same password each time.")
        return cleaned

    def validate_unique_email(self, value: str) -> str:
        self.account_already_exists = bool(filter_users_by_email(value))
        return value

    def try_save(self, request: HttpRequest) -> tuple[AbstractBaseUser | None, HttpResponse | None]:
        if self.account_already_exists:
            # What a new account's sign-up answers (the verification page), with no account:
            # allauth sends the "you already have an account" email to the address.
            login = Login(
                user=None,
                email=self.cleaned_data.get("email"),
                signup=True,
                email_verification=account_settings.EmailVerificationMethod.MANDATORY,
            )
            return None, perform_login(request, login)
        return super().try_save(request)


class AccountForm(forms.ModelForm):
    """The signed-in learner's own name, as future certificates show it."""

    class Meta:
        model = User
        fields = ("first_name", "last_name")
        help_texts = {
            "first_name": "Your name as it should appear on certificates issued from now on; "
            "leave both names empty to show your username.",
        }
