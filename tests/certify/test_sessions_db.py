"""Sessions in the database (certify.sessions.db): each read is one hand-written query that
finds what Django's own store finds, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.contrib.sessions.backends import db as django_db
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certify.sessions import cached_db, db

pytestmark = pytest.mark.django_db

LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def saved(**data: object) -> str:
    session = db.SessionStore()
    session.update(data)
    session.save()
    assert session.session_key is not None
    return session.session_key


def test_a_session_is_read_in_one_query_as_djangos_store_reads_it() -> None:
    key = saved(answer=42, name="Ada")
    ours = db.SessionStore(key)

    with CaptureQueriesContext(connection) as queries:
        row = ours._get_session_from_db()
    theirs = cast(Any, django_db.SessionStore(key))._get_session_from_db()

    assert len(queries) == 1
    assert isinstance(row, Session)
    assert (row.session_key, row.session_data, row.expire_date) == (
        theirs.session_key,
        theirs.session_data,
        theirs.expire_date,
    )
    assert row.expire_date.tzinfo is not None  # converted as the ORM converts it
    assert dict(db.SessionStore(key).items()) == {"answer": 42, "name": "Ada"}


def test_an_expired_or_unknown_session_reads_as_empty_and_gets_a_new_key_when_saved() -> None:
    key = saved(answer=42)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for asked in (key, "x" * 32):
        session = db.SessionStore(asked)
        assert dict(session.items()) == {}
        assert session.session_key is None  # as Django's: never reused
        session["fresh"] = True
        session.save()
        assert session.session_key not in (None, asked)


def test_a_session_is_read_from_async_code_too() -> None:
    key = saved(answer=42)

    async def load() -> dict[str, object]:
        return await db.SessionStore(key).aload()

    assert async_to_sync(load)() == {"answer": 42}


def test_the_cached_store_reads_a_miss_from_the_database_and_caches_it_until_it_expires() -> None:
    with override_settings(CACHES=LOCAL, SESSION_ENGINE="certify.sessions.cached_db"):
        key = saved(answer=42)  # written to the database only
        caches["default"].clear()
        session = cached_db.SessionStore(key)

        assert dict(session.items()) == {"answer": 42}
        cached = caches["default"].get(session.cache_key)
        assert cached == {"answer": 42}
        # Kept for what the row has left to live (its expiry, converted from the database's).
        local = cast(Any, caches["default"])
        left = local._expire_info[local.make_key(session.cache_key)]
        expected = Session.objects.get(session_key=key).expire_date.timestamp()
        assert abs(left - expected) < 5


def test_a_signed_in_learner_is_recognised_through_it(learner: User) -> None:
    client = Client()
    client.force_login(learner)

    response = client.get("/quizzes/")

    assert response.status_code == 200
    assert learner.username in response.content.decode()
