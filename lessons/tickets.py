"""Run tickets: what the Run button asked for, kept in the cache until its stream claims it.

The form is checked when it is posted (a normal request, which can answer 400 or 429); the
stream then runs the ticket. The ticket is bound to the session that asked for it, so the
stream checks the session cookie against it and needs no database query. It is claimed once: a
reconnecting browser finds it claimed and gets 204, so a finished or interrupted run is never
run again.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from django.conf import settings
from django.core.cache import cache
from pydantic import BaseModel, ConfigDict, Field

from lessons.demos import DemoOptions

# The stream must start within this many seconds of the Run button.
TICKET_SECONDS = 300


def _digest(session_key: str) -> str:
    # Only a digest is kept: the cache never holds a usable session key.
    return hashlib.sha256(session_key.encode()).hexdigest()


class RunTicket(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    user_id: int
    session: str  # the digest of the session key that pressed Run
    lesson: str
    preset: str
    prompt: str
    options: DemoOptions
    backend: str

    def belongs_to(self, session_key: str) -> bool:
        return bool(session_key) and hmac.compare_digest(self.session, _digest(session_key))


def _key(run_id: uuid.UUID) -> str:
    return f"lessons:ticket:{run_id}"


def ticket_issue(
    *,
    user_id: int,
    session_key: str,
    lesson: str,
    preset: str,
    prompt: str,
    options: DemoOptions,
) -> RunTicket:
    ticket = RunTicket(
        user_id=user_id,
        session=_digest(session_key),
        lesson=lesson,
        preset=preset,
        prompt=prompt,
        options=options,
        backend=settings.AGENTS_MODEL_BACKEND,
    )
    cache.set(_key(ticket.id), ticket.model_dump_json(), TICKET_SECONDS)
    return ticket


def ticket_get(run_id: uuid.UUID) -> RunTicket | None:
    stored = cache.get(_key(run_id))
    return RunTicket.model_validate_json(stored) if stored else None


def _claim_key(run_id: uuid.UUID) -> str:
    return f"{_key(run_id)}:claimed"


def ticket_claim(run_id: uuid.UUID, worker: str = "") -> bool:
    """True for the first stream of this ticket, False for every later one. The claim names the
    web worker that streams it, so a run whose worker is gone can be told apart."""
    return cache.add(
        _claim_key(run_id), worker or "-", TICKET_SECONDS + settings.LESSONS_RUN_LIFETIME
    )


def ticket_claimants(run_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The worker that claimed each of these tickets (absent: never claimed, or forgotten)."""
    claims = cache.get_many([_claim_key(run_id) for run_id in run_ids])
    return {
        run_id: str(claims[_claim_key(run_id)])
        for run_id in run_ids
        if _claim_key(run_id) in claims
    }
