"""No enumeration: sign-up, password reset and an email change answer byte for byte the same
for an address that is registered and one that is not (apart from the per-request tokens);
the address's owner is told by email instead."""

from __future__ import annotations

import difflib
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TAKEN = "taken@example.com"
FREE = "nobody@example.com"
# What differs between any two requests: the CSRF token and the request id header.
Shape = tuple[int, str, str]
TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


def same_shape(response: Any, email: str) -> Shape:
    """Status, redirect and page, with the tokens and the address the form was given (which
    the page may echo) masked."""
    body = TOKENS.sub(r"\1<token>", response.content.decode()).replace(email, "<address>")
    return response.status_code, response.get("Location", ""), body


def walk(client: Client, method: str, path: str, data: dict[str, str]) -> list[Shape]:
    """The answer to the request and every page its redirects lead to."""
    response = getattr(client, method)(path, data)
    shapes = [same_shape(response, data["email"])]
    while response.status_code == 302:
        response = client.get(response["Location"])
        shapes.append(same_shape(response, data["email"]))
    return shapes


def assert_same(taken: list[Shape], free: list[Shape]) -> None:
    """The two walks match, or the difference is shown line by line."""
    for one, other in zip(taken, free, strict=True):
        difference = list(
            difflib.unified_diff(one[2].splitlines(), other[2].splitlines(), lineterm="", n=1)
        )
        assert one[:2] == other[:2]
        assert not difference, "\n".join(difference)


@pytest.fixture
def owner() -> User:
    return UserFactory.create(username="owner", email=TAKEN)


def test_signup_with_a_taken_email_answers_as_with_a_new_one(owner: User) -> None:
    def signup(email: str) -> list[Shape]:
        data = {
            "username": "newcomer",
            "email": email,
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        }
        shapes = walk(Client(), "post", reverse("signup"), data)
        User.objects.filter(username="newcomer").delete()
        return shapes

    mail.outbox.clear()
    taken, free = signup(TAKEN), signup(FREE)

    assert_same(taken, free)
    assert [shape[0] for shape in taken] == [302, 200]
    assert "Verify" in taken[-1][2]
    # The owner is told by email; nobody got an account with their address.
    [to_owner] = [message for message in mail.outbox if message.to == [TAKEN]]
    assert "already" in to_owner.body.lower()
    assert list(EmailAddress.objects.filter(email=TAKEN).values_list("user", flat=True)) == [
        owner.pk
    ]


def test_password_reset_answers_the_same_for_a_registered_and_an_unknown_address(
    owner: User,
) -> None:
    mail.outbox.clear()
    taken = walk(Client(), "post", reverse("account_reset_password"), {"email": TAKEN})
    free = walk(Client(), "post", reverse("account_reset_password"), {"email": FREE})

    assert_same(taken, free)
    assert [shape[0] for shape in taken] == [302, 200]
    # The owner gets the reset link; an unknown address is told it has no account.
    to_owner, to_nobody = mail.outbox
    assert (to_owner.to, to_nobody.to) == ([TAKEN], [FREE])
    assert "/accounts/password/reset/key/" in to_owner.body
    assert "/accounts/password/reset/key/" not in to_nobody.body


def test_an_email_change_answers_the_same_for_a_taken_and_a_free_address(owner: User) -> None:
    def change(email: str) -> list[Shape]:
        learner = UserFactory.create(username="changer", email="changer@example.com")
        client = Client()
        client.post(reverse("login"), {"login": "changer", "password": DEFAULT_PASSWORD})
        shapes = walk(client, "post", reverse("account_email"), {"email": email, "action_add": ""})
        learner.delete()
        return shapes

    mail.outbox.clear()
    taken, free = change(TAKEN), change(FREE)

    assert_same(taken, free)
    assert taken[0][0] == 302
    assert EmailAddress.objects.get(email=TAKEN).user == owner
    assert [message.to for message in mail.outbox] == [[TAKEN], [FREE]]
