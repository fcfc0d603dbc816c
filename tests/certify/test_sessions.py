"""Sessions in Redis and the database (certify.sessions.cached_db): with Redis stopped, a signed-in
learner's pages still work from the database alone."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from certify.sessions.cached_db import SessionStore

pytestmark = pytest.mark.django_db

UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
    }
}


def test_with_the_cache_down_a_session_is_saved_loaded_and_deleted_from_the_database() -> None:
    with override_settings(CACHES=UNREACHABLE, SESSION_ENGINE="certify.sessions.cached_db"):
        session = SessionStore()
        session["answer"] = 42
        session.save()
        key = session.session_key
        assert key is not None

        again = SessionStore(key)
        assert again["answer"] == 42
        assert again.exists(key)
        again.delete()
        assert not SessionStore().exists(key)


def test_a_signed_in_page_works_with_the_cache_down(learner: User) -> None:
    with override_settings(CACHES=UNREACHABLE, SESSION_ENGINE="certify.sessions.cached_db"):
        client = Client()
        client.force_login(learner)

        response = client.get("/quizzes/")

    assert response.status_code == 200
    assert learner.username in response.content.decode()
