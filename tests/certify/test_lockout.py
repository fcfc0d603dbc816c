"""The lockout: after CERTIFY_LOGIN_FAILURES_PER_ACCOUNT failed logins for one account, every
login for it is refused with 429 for the cool-off, whatever the password, on certify's login
and on the admin's; the same for password reset requests; the counts are shared by every
process through the lockout's cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from allauth.core.internal import ratelimit
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, TOTP_SECRET, StaffFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]
FAILURES = settings.CERTIFY_LOGIN_FAILURES_PER_ACCOUNT
COOLOFF = settings.CERTIFY_LOGIN_COOLOFF
pytestmark = pytest.mark.django_db


class Clock:
    """allauth's rate limits read the time through their module's `time`; this one can jump."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(
        ratelimit,
        "time",
        SimpleNamespace(**{name: getattr(clock, name) for name in ("time", "monotonic", "sleep")}),
    )
    return clock


def log_in(client: Client, login: str, password: str, next_url: str = "") -> int:
    data = {"login": login, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data).status_code


def test_the_right_password_is_refused_during_the_cool_off_and_accepted_after(
    client: Client, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    learner = UserFactory.create()
    for _ in range(FAILURES):
        assert log_in(client, learner.username, "wrong-password") == 200

    response = client.post(
        reverse("login"), {"login": learner.username, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # By email too: the account is locked, not one spelling of its name.
    assert log_in(client, learner.email.upper(), DEFAULT_PASSWORD) == 429
    assert "_auth_user_id" not in client.session
    assert any("locked out" in record.getMessage() for record in caplog.records)
    assert sum("login failed" in record.getMessage() for record in caplog.records) == FAILURES

    clock.offset = COOLOFF + 1
    assert log_in(client, learner.username, DEFAULT_PASSWORD) == 302
    assert client.session["_auth_user_id"] == str(learner.pk)


def test_other_accounts_are_not_locked_by_one_account_s_failures(client: Client) -> None:
    locked, other = UserFactory.create(), UserFactory.create()
    for _ in range(FAILURES + 1):
        log_in(client, locked.username, "wrong-password")

    assert log_in(client, other.username, DEFAULT_PASSWORD) == 302


def test_a_successful_login_does_not_reset_the_count(client: Client) -> None:
    """An attacker who knows one password cannot wash another account's failures away, and a
    right password between wrong ones does not give the wrong ones back."""
    learner = UserFactory.create()
    for _ in range(FAILURES - 1):
        log_in(client, learner.username, "wrong-password")
    assert log_in(client, learner.username, DEFAULT_PASSWORD) == 302
    client.post(reverse("account_logout"))

    assert log_in(client, learner.username, "wrong-password") == 200
    assert log_in(client, learner.username, DEFAULT_PASSWORD) == 429


def _totp_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def test_the_admin_login_is_locked_out_the_same_way(client: Client, clock: Clock) -> None:
    staff = StaffFactory.create(is_superuser=True)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=%2Fadmin%2F"
    for _ in range(FAILURES):
        assert log_in(client, staff.username, "wrong-password", "/admin/") == 200

    assert log_in(client, staff.username, DEFAULT_PASSWORD, "/admin/") == 429
    assert client.get("/admin/").status_code == 302

    clock.offset = COOLOFF + 1
    response = client.post(
        reverse("login"),
        {"login": staff.username, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )
    # The second factor, then the admin.
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": _totp_code()})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_password_reset_requests_are_refused_during_the_cool_off_and_accepted_after(
    client: Client, clock: Clock
) -> None:
    learner = UserFactory.create()
    allowed = settings.CERTIFY_PASSWORD_RESETS_PER_ACCOUNT
    for _ in range(allowed):
        response = client.post(reverse("account_reset_password"), {"email": learner.email})
        assert response.status_code == 302

    refused = client.post(reverse("account_reset_password"), {"email": learner.email})
    assert refused.status_code == 429
    assert "too many attempts" in refused.content.decode()

    clock.offset = COOLOFF + 1
    response = client.post(reverse("account_reset_password"), {"email": learner.email})
    assert response.status_code == 302


# Across processes: the counts are in the lockout's cache (the database's cache table here, or
# Redis with REDIS_URL), which a second process sees.

WORKER = """
import sys
import django
from django.conf import settings
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.test import Client
client = Client()
wrong = {"login": sys.argv[1], "password": "wrong-password"}
codes = [client.post("/accounts/login/", wrong).status_code for _ in range(int(sys.argv[2]))]
print(" ".join(map(str, codes)))
"""


def _database_url() -> str:
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = config["USER"] or "postgres"
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    host, port = config["HOST"] or "127.0.0.1", config["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{config['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_failures_in_another_process_lock_the_account_here(client: Client) -> None:
    learner: User = UserFactory.create()
    environment = {**os.environ, "DATABASE_URL": _database_url(), "DB_POOL_SIZE": "0"}

    result = subprocess.run(
        [sys.executable, "-c", WORKER, learner.username, str(FAILURES)],
        cwd=BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "certify.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200"] * FAILURES
    assert log_in(client, learner.username, DEFAULT_PASSWORD) == 429
