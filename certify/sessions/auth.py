"""The user a request's session is signed in as: Django's `get_user`, with the user read by one
hand-written query (certify/sessions/reads.py) instead of a QuerySet.

The authentication middleware (certify/middleware.py) and the Run press load `request.user`
with it. Which user, and whether the session still holds, is decided as Django decides it
(`django.contrib.auth.get_user`, Django 5.2): the session's user id and backend, the backend
listed in AUTHENTICATION_BACKENDS, the session's hash of the password checked (with the fallback
secret keys: the session is re-keyed, or flushed when none matches). Only the read differs, and
only where it is the read Django's would run: a backend whose `get_user` is ModelBackend's
(allauth's is), on a user model whose default manager filters nothing. Any other backend reads
the user its own way.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Manager, QuerySet
from django.db.models.manager import BaseManager
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from certify.sessions.reads import KeyRead


def get_user(request: HttpRequest) -> User | AnonymousUser:
    """The user the request's session is signed in as, or AnonymousUser (Django's get_user)."""
    user = None
    session = request.session
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            user = _backend_user(load_backend(backend_path), user_id)
            if hasattr(user, "get_session_auth_hash"):
                user = _verified(request, user)
    return user or AnonymousUser()


async def aget_user(request: HttpRequest) -> User | AnonymousUser:
    return await sync_to_async(get_user)(request)


def _backend_user(backend: BaseBackend, user_id: Any) -> Any:
    """What `backend.get_user(user_id)` returns, read by one hand-written query where that is
    the read it would make."""
    if type(backend).get_user is not ModelBackend.get_user or not _plain_manager():
        return backend.get_user(user_id)
    model = get_user_model()
    user = _read(model).one([model._meta.pk.get_prep_value(user_id)])
    if user is None or not backend.user_can_authenticate(user):  # type: ignore[attr-defined]
        return None
    return user


def _verified(request: HttpRequest, user: Any) -> Any:
    """The user if the session's hash of the password still matches (Django's check), else
    None with the session flushed; a hash made with a fallback secret key re-keys the session."""
    session = request.session
    session_hash = session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash() if session_hash else ""
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback_hash)
        for fallback_hash in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = session_auth_hash
        return user
    session.flush()
    return None


def _plain_manager() -> bool:
    """Whether the user model's default manager reads every row (no get_queryset of its own),
    so a row read by primary key is what `_default_manager.get(pk=...)` finds."""
    manager = get_user_model()._default_manager
    return (
        isinstance(manager, Manager)
        and type(manager).get_queryset is BaseManager.get_queryset
        and getattr(manager, "_queryset_class", None) is QuerySet
    )


@cache
def _read(model: type) -> KeyRead:
    fields = [field.name for field in model._meta.concrete_fields]  # type: ignore[attr-defined]
    return KeyRead(model, fields, f"{{{model._meta.pk.name}}} = %s")  # type: ignore[attr-defined]
