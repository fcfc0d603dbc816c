"""Run tickets: what the Run button asked for, kept in the cache until its stream claims it.

The form is checked when it is posted (a normal request, which can answer 400 or 429); the
stream then runs the ticket. A ticket is claimed once: a reconnecting browser finds it claimed
and gets 204, so a finished or interrupted run is never run again.
"""

from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from pydantic import BaseModel, ConfigDict, Field

from lessons.demos import DemoOptions

# The stream must start within this many seconds of the Run button.
TICKET_SECONDS = 300


class RunTicket(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    user_id: int
    lesson: str
    preset: str
    prompt: str
    options: DemoOptions
    backend: str


def _key(run_id: uuid.UUID) -> str:
    return f"lessons:ticket:{run_id}"


def ticket_issue(
    *, user_id: int, lesson: str, preset: str, prompt: str, options: DemoOptions
) -> RunTicket:
    ticket = RunTicket(
        user_id=user_id,
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


def ticket_claim(run_id: uuid.UUID) -> bool:
    """True for the first stream of this ticket, False for every later one."""
    return cache.add(f"{_key(run_id)}:claimed", 1, TICKET_SECONDS + settings.LESSONS_RUN_LIFETIME)


aticket_get = sync_to_async(ticket_get)
aticket_claim = sync_to_async(ticket_claim)
