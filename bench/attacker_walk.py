"""The attacker's walk: 30 wrong passwords for one account, then the right one, on the login
form and on the admin's; and whether sign-up and password reset tell a registered address from
a new one. Prints what each step answered.

    python -m bench.attacker_walk

Runs the whole middleware stack through Django's test client on a throwaway SQLite database
(the test runner's), so it needs no server and touches no data. It posts both field names the
login form has had (`username` before allauth, `login` since), so the same walk runs on any
version of certify.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Callable

WRONG = 30
PASSWORD = "correct-horse-battery-staple"
TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


def _setup() -> Callable[[], None]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
    import django

    django.setup()
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False)

    def teardown() -> None:
        teardown_databases(config, verbosity=0)
        teardown_test_environment()

    return teardown


def _summary(codes: list[int]) -> str:
    return ", ".join(f"{count} x {code}" for code, count in Counter(codes).items())


def _walk(form_url: str, username: str, next_url: str, address: str) -> tuple[list[int], int, str]:
    """WRONG wrong passwords, then the right one, posted to the login form at `form_url` from
    `address` (each walk its own, so that one walk's per-address limits leave the other be)."""
    from django.test import Client

    client = Client(REMOTE_ADDR=address)

    def attempt(password: str) -> tuple[int, str]:
        data = {"username": username, "login": username, "password": password}
        if next_url:
            data["next"] = next_url
        response = client.post(form_url, data)
        return response.status_code, response.get("Location", "")

    wrong = [attempt("not-the-password")[0] for _ in range(WRONG)]
    right, location = attempt(PASSWORD)
    return wrong, right, location


def _admin_form_url() -> str:
    """Where the admin's login form posts: the admin's own page, or where it redirects."""
    from django.test import Client

    response = Client().get("/admin/login/?next=/admin/")
    return response["Location"] if response.status_code == 302 else "/admin/login/?next=/admin/"


def _neutral(path: str, data: dict[str, str], taken: str, new: str) -> bool:
    """Whether the answers (and the pages their redirects lead to) are the same for a taken and
    a new address, apart from tokens and the address itself."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    def walk(email: str) -> list[tuple[int, str]]:
        client = Client()
        response = client.post(path, {**data, "email": email})
        pages = []
        while True:
            body = TOKENS.sub(r"\1<token>", response.content.decode()).replace(email, "<address>")
            pages.append((response.status_code, body))
            if response.status_code != 302:
                break
            response = client.get(response["Location"])
        get_user_model().objects.filter(username=data.get("username", "-")).delete()
        return pages

    return walk(taken) == walk(new)


def main() -> int:
    teardown = _setup()
    try:
        from django.contrib.auth import get_user_model

        users = get_user_model()
        users.objects.create_user("victim", "victim@example.com", PASSWORD)
        users.objects.create_user("instructor", "instructor@example.com", PASSWORD, is_staff=True)

        for name, form_url, username, next_url, address in (
            ("/accounts/login/", "/accounts/login/", "victim", "", "192.0.2.1"),
            ("/admin/login/", _admin_form_url(), "instructor", "/admin/", "192.0.2.2"),
        ):
            wrong, right, location = _walk(form_url, username, next_url, address)
            print(
                f"{name} (form {form_url}): {WRONG} wrong -> {_summary(wrong)}; "
                f"right -> {right}{f' to {location}' if location else ''}"
            )

        signup = {
            "username": "newcomer",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        }
        taken, new = "victim@example.com", "nobody@example.com"
        for name, path, data in (
            ("sign-up", "/accounts/signup/", signup),
            ("password reset", _reset_path(), {}),
        ):
            same = _neutral(path, data, taken, new)
            print(f"{name}: taken and new address answer {'the same' if same else 'differently'}")
    finally:
        teardown()
    return 0


def _reset_path() -> str:
    from django.urls import NoReverseMatch, reverse

    for name in ("account_reset_password", "password_reset"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    raise SystemExit("no password reset page")


if __name__ == "__main__":
    sys.exit(main())
