"""Accounts on django-allauth: sign-up with a verified email, login, logout, password change,
the account page, and every password rule through the sign-up form."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

User = get_user_model()
pytestmark = pytest.mark.django_db

GOOD = {
    "username": "grace",
    "email": "grace@example.com",
    "first_name": "Grace",
    "last_name": "Hopper",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}
LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)")


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def emailed_link(to: str) -> str:
    """The path of the verification link in the last email sent to `to`."""
    [body] = [str(message.body) for message in mail.outbox if message.to == [to]][-1:]
    found = LINK.search(body)
    assert found, body
    return found.group(1)


def test_signup_verifies_the_email_then_logs_in_and_out_and_in_again(client: Client) -> None:
    response = client.post(reverse("signup"), GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_logged_in(client)
    user = User.objects.get(username="grace")
    assert (user.email, user.get_full_name()) == ("grace@example.com", "Grace Hopper")
    assert user.check_password(GOOD["password1"])
    assert not EmailAddress.objects.get(user=user).verified

    link = emailed_link("grace@example.com")
    assert client.get(link).status_code == 200  # a GET changes nothing
    assert not EmailAddress.objects.get(user=user).verified
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert is_logged_in(client)  # the link signs in the browser that signed up
    page = client.get(reverse("home"))
    assert b"grace" in page.content
    assert b"Log out" in page.content

    assert client.post(reverse("account_logout")).status_code == 302
    assert not is_logged_in(client)

    for login in ("grace", "GRACE@example.com"):
        response = client.post(reverse("login"), {"login": login, "password": GOOD["password1"]})
        assert response.status_code == 302, login
        assert is_logged_in(client)
        client.post(reverse("account_logout"))


def test_an_unverified_learner_can_log_in_and_practise(client: Client) -> None:
    learner = UserFactory.create(verified_email=False)

    response = client.post(
        reverse("login"), {"login": learner.username, "password": "correct-horse-battery-staple"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("questions:quiz_list")).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "a-different-passphrase"}, "password2", "same password"),
        ({"username": "taken"}, "username", "already"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"username": ""}, "username", "required"),
    ],
)
def test_bad_signup_shows_field_errors_and_creates_nothing(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    UserFactory.create(username="taken", email="taken@example.com")
    before = User.objects.count()

    response = client.post(reverse("signup"), {**GOOD, **changes})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in error for error in errors[field])
    assert message in response.content.decode()
    assert User.objects.count() == before
    assert not is_logged_in(client)


# Django's four password validators, each through the sign-up form.
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("k9#vQ2", "too short"),
        ("password123", "too common"),
        ("73920485617", "entirely numeric"),
        ("grace.hopper.x", "too similar to the"),
    ],
)
def test_every_password_rule_is_enforced_by_the_signup_form(
    client: Client, password: str, message: str
) -> None:
    data = {**GOOD, "username": "grace.hopper", "password1": password, "password2": password}

    response = client.post(reverse("signup"), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["password1"])
    assert not User.objects.filter(username="grace.hopper").exists()


def test_the_signup_form_shows_every_error_at_once_beside_its_field(client: Client) -> None:
    UserFactory.create(username="taken")
    data = {**GOOD, "username": "taken", "password1": "1234567", "password2": "7654321"}

    html = client.post(reverse("signup"), data).content.decode()

    fields = re.findall(
        r'<div class="field field-invalid">(.*?)</div>\s*(?=<div class="field|<input|<button)',
        html,
        re.S,
    )
    by_field = {re.search(r'for="id_(\w+)"', block).group(1): block for block in fields}  # type: ignore[union-attr]
    assert set(by_field) == {"username", "password1", "password2"}
    for expected in ("too short", "too common", "entirely numeric"):
        assert expected in by_field["password1"]
    assert "already" in by_field["username"]
    assert "same password" in by_field["password2"]
    assert 'aria-invalid="true"' in by_field["password1"]


def test_signup_page_labels_every_input(client: Client) -> None:
    html = client.get(reverse("signup")).content.decode()
    for name in ("username", "email", "first_name", "last_name", "password1", "password2"):
        assert f'<label for="id_{name}"' in html


def test_signed_in_user_visiting_signup_goes_home(learner_client: Client) -> None:
    response = learner_client.get(reverse("signup"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_is_refused(client: Client, learner, password: str) -> None:
    response = client.post(
        reverse("login"), {"login": learner.username, "password": password + "x"}
    )
    assert response.status_code == 200
    assert not is_logged_in(client)
    assert "password you specified are not correct" in response.content.decode()


def test_password_change(client: Client, learner, password: str) -> None:
    client.post(reverse("login"), {"login": learner.username, "password": password})
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": password,
            "password1": "another-long-passphrase",
            "password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("another-long-passphrase")
    assert is_logged_in(client)


def test_the_old_addresses_of_the_password_pages_lead_to_the_new_ones(client: Client) -> None:
    assert client.get("/accounts/password_change/")["Location"] == reverse(
        "account_change_password"
    )
    assert client.get("/accounts/password_reset/")["Location"] == reverse("account_reset_password")


def test_logout_needs_post(learner_client: Client) -> None:
    page = learner_client.get(reverse("account_logout"))
    assert page.status_code == 200  # a page that asks; only its POST logs out
    assert is_logged_in(learner_client)
    learner_client.post(reverse("account_logout"))
    assert not is_logged_in(learner_client)


def test_dashboard_needs_login(client: Client) -> None:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_navigation_shows_admin_to_staff_only(client: Client) -> None:
    learner = UserFactory.create()
    client.force_login(learner)
    assert 'href="/admin/"' not in client.get("/").content.decode()

    staff = UserFactory.create(username="staff", is_staff=True)
    client.force_login(staff)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_the_account_page_sets_the_name_for_certificates(learner_client: Client, learner) -> None:
    page = learner_client.get(reverse("account"))
    assert page.status_code == 200
    assert 'for="id_first_name"' in page.content.decode()
    assert learner.email in page.content.decode()

    response = learner_client.post(
        reverse("account"), {"first_name": "Grace", "last_name": "Hopper"}
    )

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.get_full_name() == "Grace Hopper"
    assert "Your account is saved." in learner_client.get(response["Location"]).content.decode()


def test_bad_account_input_is_refused_and_changes_nothing(learner_client: Client, learner) -> None:
    before = (learner.first_name, learner.last_name)

    response = learner_client.post(
        reverse("account"), {"first_name": "x" * 151, "last_name": "Hopper"}
    )

    assert response.status_code == 200
    assert "at most 150" in " ".join(response.context["form"].errors["first_name"])
    learner.refresh_from_db()
    assert (learner.first_name, learner.last_name) == before


def test_the_account_page_needs_a_login_and_is_linked_from_the_header(
    client: Client, learner
) -> None:
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(learner)
    assert f'href="{reverse("account")}"' in client.get(reverse("home")).content.decode()


def test_the_account_page_offers_to_send_the_verification_email_again(client: Client) -> None:
    learner = UserFactory.create(verified_email=False)
    client.force_login(learner)

    page = client.get(reverse("account")).content.decode()
    assert "not verified yet" in page
    assert "Send the verification email again" in page

    mail.outbox.clear()
    response = client.post(reverse("verification_resend"), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("account")
    assert emailed_link(learner.email)
    verified = UserFactory.create()
    client.force_login(verified)
    assert (
        "Send the verification email again" not in client.get(reverse("account")).content.decode()
    )


def test_existing_users_keep_their_email_as_their_address(django_user_model) -> None:
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    user = django_user_model.objects.create_user("old", "Old@Example.com", "x-long-passphrase")
    django_user_model.objects.create_user("nomail", "", "x-long-passphrase")
    migration = import_module("certify.migrations.0005_accounts")

    editor = SimpleNamespace(connection=connection)
    migration.addresses_from_users(apps, editor)
    migration.addresses_from_users(apps, editor)  # twice: nothing doubles

    [address] = EmailAddress.objects.all()
    assert (address.user, address.email, address.primary, address.verified) == (
        user,
        "old@example.com",
        True,
        False,
    )
