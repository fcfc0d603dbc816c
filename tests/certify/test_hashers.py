"""Passwords: Argon2id at or above OWASP's floor; older PBKDF2 hashes verify and are upgraded;
the views that hash are sync, so the ASGI server runs them in a thread, off the event loop."""

from __future__ import annotations

import inspect

import pytest
from argon2 import extract_parameters
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.urls import resolve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _real_hashers(settings) -> None:
    from certify import settings as project

    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS


def test_new_hashes_are_argon2id_at_owasp_floor_or_above() -> None:
    encoded = make_password("analytical-engine-1843")

    algorithm, argon2_hash = encoded.split("$", 1)
    parameters = extract_parameters("$" + argon2_hash)
    assert algorithm == "argon2"
    assert parameters.type.name == "ID"
    assert parameters.memory_cost >= 19 * 1024  # KiB
    assert parameters.time_cost >= 2
    assert parameters.parallelism == 1
    assert check_password("analytical-engine-1843", encoded)
    assert not check_password("difference-engine", encoded)


def test_an_old_pbkdf2_hash_still_verifies_and_is_upgraded_at_login() -> None:
    user = User.objects.create(
        username="ada", password=make_password("analytical-engine-1843", hasher="pbkdf2_sha256")
    )

    assert user.check_password("analytical-engine-1843")

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_the_views_that_hash_run_in_a_thread_not_on_the_event_loop() -> None:
    for path in ("/accounts/signup/", "/accounts/login/"):
        view = resolve(path).func
        assert not inspect.iscoroutinefunction(view), path
