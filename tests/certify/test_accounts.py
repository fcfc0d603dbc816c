from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
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


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_signup_logs_in_then_logout_and_login_again(client: Client) -> None:
    response = client.post(reverse("signup"), GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert is_logged_in(client)
    user = User.objects.get(username="grace")
    assert user.email == "grace@example.com"
    assert user.check_password(GOOD["password1"])

    page = client.get(reverse("home"))
    assert b"grace" in page.content
    assert b"Log out" in page.content

    assert client.post(reverse("logout")).status_code == 302
    assert not is_logged_in(client)

    response = client.post(reverse("login"), {"username": "grace", "password": GOOD["password1"]})
    assert response.status_code == 302
    assert is_logged_in(client)


def test_signup_honours_a_safe_next_and_ignores_an_external_one(client: Client) -> None:
    response = client.post(reverse("signup"), {**GOOD, "next": "/dashboard/"})
    assert response["Location"] == "/dashboard/"

    other = Client()
    response = other.post(
        reverse("signup"),
        {
            **GOOD,
            "username": "linus",
            "email": "linus@example.com",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password1": "short", "password2": "short"}, "password2", "too short"),
        ({"password2": "a-different-passphrase"}, "password2", "match"),
        ({"username": "taken"}, "username", "already exists"),
        ({"email": "TAKEN@example.com"}, "email", "already exists"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password2", "entirely numeric"),
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
        reverse("login"), {"username": learner.username, "password": password + "x"}
    )
    assert response.status_code == 200
    assert not is_logged_in(client)
    assert "correct username and password" in response.content.decode()


def test_password_change(learner_client: Client, learner, password: str) -> None:
    response = learner_client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("another-long-passphrase")
    assert is_logged_in(learner_client)


def test_logout_needs_post(learner_client: Client) -> None:
    assert learner_client.get(reverse("logout")).status_code == 405
    assert is_logged_in(learner_client)


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

    response = learner_client.post(
        reverse("account"),
        {"first_name": "Grace", "last_name": "Hopper", "email": "GRACE@Example.com"},
    )

    assert response.status_code == 302
    learner.refresh_from_db()
    assert (learner.get_full_name(), learner.email) == ("Grace Hopper", "grace@example.com")
    assert "Your account is saved." in learner_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "taken@example.com"}, "email", "already exists"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"email": ""}, "email", "required"),
        ({"first_name": "x" * 151}, "first_name", "at most 150"),
    ],
)
def test_bad_account_input_is_refused_and_changes_nothing(
    learner_client: Client, learner, changes: dict[str, str], field: str, message: str
) -> None:
    UserFactory.create(email="taken@example.com")
    before = (learner.first_name, learner.last_name, learner.email)

    response = learner_client.post(
        reverse("account"),
        {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", **changes},
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    learner.refresh_from_db()
    assert (learner.first_name, learner.last_name, learner.email) == before


def test_the_account_page_needs_a_login_and_is_linked_from_the_header(
    client: Client, learner
) -> None:
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(learner)
    assert f'href="{reverse("account")}"' in client.get(reverse("home")).content.decode()
