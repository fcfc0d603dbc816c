"""The user a session is signed in as (certify.sessions.auth): what Django's get_user decides, in
every case, with the user's row read by one hand-written query; on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib import auth as django_auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from certify.sessions import auth
from certify.sessions.db import SessionStore

pytestmark = pytest.mark.django_db

ALLAUTH = "allauth.account.auth_backends.AuthenticationBackend"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
OWN_READ = "tests.certify.test_sessions_auth.OwnReadBackend"
GetUser = Callable[[HttpRequest], Any]


class OwnReadBackend(ModelBackend):
    """A backend that reads its users its own way: never bypassed."""

    def get_user(self, user_id: Any) -> Any:
        user = super().get_user(user_id)
        if user is not None:
            user.read_by = "own"  # type: ignore[attr-defined]
        return user


def signed_in(user: User, backend: str = ALLAUTH, *, session_hash: str | None = None) -> str:
    """A saved session signed in as `user` (as Django's login writes it); its key."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = (
        user.get_session_auth_hash() if session_hash is None else session_hash
    )
    session.save()
    assert session.session_key is not None
    return session.session_key


def request_for(key: str) -> HttpRequest:
    request = HttpRequest()
    request.session = SessionStore(key)
    return request


def both(
    key: str, their_key: str | None = None
) -> tuple[tuple[Any, HttpRequest], tuple[Any, HttpRequest]]:
    """(user, request) as certify reads the session, then as Django does (each on its own copy
    of it: a failed check flushes the session; a session that changes key, give Django its own
    copy as `their_key`)."""
    ours, theirs = request_for(key), request_for(their_key or key)
    return (auth.get_user(ours), ours), (django_auth.get_user(theirs), theirs)


def columns(user: Any) -> dict[str, Any]:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_a_signed_in_session_reads_the_same_user_as_django_in_one_query(learner: User) -> None:
    key = signed_in(learner)
    request = request_for(key)
    assert SESSION_KEY in request.session  # the session read first: only the user is left

    with CaptureQueriesContext(connection) as queries:
        user = auth.get_user(request)
    theirs = django_auth.get_user(request_for(key))

    assert len(queries) == 1
    assert "auth_user" in queries[0]["sql"]
    assert isinstance(user, User)
    assert columns(user) == columns(theirs)  # every column, converted as the ORM converts it
    assert user._state.db == "default"
    assert not user._state.adding
    assert user.date_joined.tzinfo is not None


@pytest.mark.parametrize("backend", [ALLAUTH, MODEL_BACKEND])
def test_either_listed_backend_reads_the_user_by_its_row(learner: User, backend: str) -> None:
    (ours, _), (theirs, _) = both(signed_in(learner, backend))

    assert ours == theirs == learner


def test_a_password_changed_since_signs_the_session_out_as_django_does(learner: User) -> None:
    key = signed_in(learner)
    learner.set_password("a different one entirely")
    learner.save()

    (ours, our_request), (theirs, their_request) = both(key)

    assert isinstance(ours, AnonymousUser)
    assert isinstance(theirs, AnonymousUser)
    assert dict(our_request.session.items()) == dict(their_request.session.items()) == {}
    assert our_request.session.session_key is None  # flushed: the row is gone
    assert not SessionStore().exists(key)


def test_a_session_without_its_hash_is_signed_out(learner: User) -> None:
    (ours, our_request), (theirs, _) = both(signed_in(learner, session_hash=""))

    assert isinstance(ours, AnonymousUser)
    assert isinstance(theirs, AnonymousUser)
    assert dict(our_request.session.items()) == {}


def test_a_hash_made_with_a_fallback_secret_keeps_the_learner_and_rekeys_the_session(
    learner: User,
) -> None:
    with override_settings(SECRET_KEY="the-old-secret-key-" + "o" * 40):
        old_hash = learner.get_session_auth_hash()
    with override_settings(SECRET_KEY_FALLBACKS=["the-old-secret-key-" + "o" * 40]):
        key, their_key = (signed_in(learner, session_hash=old_hash) for _ in range(2))
        (ours, our_request), (theirs, their_request) = both(key, their_key)

        assert ours == theirs == learner
        for request, old in ((our_request, key), (their_request, their_key)):
            assert request.session.session_key not in (None, old)  # cycled, as Django does
            assert request.session[HASH_SESSION_KEY] == learner.get_session_auth_hash()


def test_an_inactive_or_deleted_learner_is_anonymous(learner: User) -> None:
    key = signed_in(learner)
    learner.is_active = False
    learner.save()
    (ours, _), (theirs, _) = both(key)
    assert isinstance(ours, AnonymousUser)
    assert isinstance(theirs, AnonymousUser)

    key = signed_in(learner)
    learner.delete()
    (ours, _), (theirs, _) = both(key)
    assert isinstance(ours, AnonymousUser)
    assert isinstance(theirs, AnonymousUser)


def test_a_backend_no_longer_listed_or_no_session_is_anonymous(learner: User) -> None:
    for key in (signed_in(learner, "somewhere.else.Backend"), "x" * 32):
        (ours, _), (theirs, _) = both(key)
        assert isinstance(ours, AnonymousUser)
        assert isinstance(theirs, AnonymousUser)


def test_a_backend_with_its_own_read_is_asked_for_the_user(learner: User) -> None:
    with override_settings(AUTHENTICATION_BACKENDS=[OWN_READ]):
        (ours, _), _ = both(signed_in(learner, OWN_READ))

    assert ours == learner
    assert ours.read_by == "own"


def test_a_user_model_whose_manager_filters_is_read_through_it(
    learner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Filtering(type(User._default_manager)):  # type: ignore[misc]
        def get_queryset(self) -> Any:
            return super().get_queryset().filter(is_staff=True)

    manager = Filtering()
    manager.model = User
    monkeypatch.setattr(User._meta, "default_manager", manager)
    (ours, _), (theirs, _) = both(signed_in(learner))

    assert isinstance(ours, AnonymousUser)
    assert isinstance(theirs, AnonymousUser)


def test_the_middleware_gives_views_the_learner_both_ways(learner: User) -> None:
    request = request_for(signed_in(learner))
    from certify.middleware import AuthenticationMiddleware

    AuthenticationMiddleware(lambda request: HttpResponse()).process_request(request)

    assert request.user == learner
    assert async_to_sync(request.auser)() == learner

    client = Client()
    client.force_login(learner)
    response = client.get("/quizzes/")
    assert response.status_code == 200
    assert learner.username in response.content.decode()
