"""Sessions in the database: Django's store, with the session read by one hand-written query
(certify/sessions/reads.py): the one Django's compiles (the key, not yet expired), its row the
same model instance. Writing, deleting and clearing expired sessions stay Django's.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import db
from django.utils import timezone

from certify.sessions.reads import KeyRead


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        read = _read(self.model)
        connection = read.connection()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        session = read.one([self.session_key, now], connection)
        if session is None:
            self._session_key = None
        return session

    async def _aget_session_from_db(self) -> Any:
        return await sync_to_async(self._get_session_from_db)()


@cache
def _read(model: type) -> KeyRead:
    return KeyRead(
        model,
        ["session_key", "session_data", "expire_date"],
        "{session_key} = %s AND {expire_date} > %s",
    )
