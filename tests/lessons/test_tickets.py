"""Run tickets: what the Run button asked for, kept in the cache until one stream claims it."""

from __future__ import annotations

import uuid

from django.core.cache import cache

from lessons.demos import DemoOptions
from lessons.tickets import RunTicket, ticket_claim, ticket_get, ticket_issue


def issue(prompt: str = "Hi", options: DemoOptions | None = None) -> RunTicket:
    return ticket_issue(
        user_id=1,
        session_key="the-session-key",
        lesson="basic-streaming",
        preset="side-by-side",
        prompt=prompt,
        options=options or DemoOptions(length="long"),
    )


def test_a_ticket_is_claimed_once_and_belongs_to_the_session_that_asked() -> None:
    ticket = ticket_issue(
        user_id=1,
        session_key="the-session-key",
        lesson="basic-streaming",
        preset="side-by-side",
        prompt="Hi",
        options=DemoOptions(length="long"),
    )
    assert ticket_get(ticket.id) == ticket
    assert ticket.belongs_to("the-session-key")
    assert not ticket.belongs_to("another-session-key")
    assert not ticket.belongs_to("")
    assert "the-session-key" not in ticket.model_dump_json()  # only its digest is kept
    assert ticket_claim(ticket.id) is True
    assert ticket_claim(ticket.id) is False
    assert ticket_get(uuid.uuid4()) is None


def test_a_ticket_keeps_what_was_asked_and_the_backend_of_the_moment(settings) -> None:
    settings.AGENTS_MODEL_BACKEND = "offline"
    ticket = issue(prompt="What is a delta?", options=DemoOptions(length="short", token_ms=7))

    stored = ticket_get(ticket.id)

    assert stored is not None
    assert (stored.user_id, stored.lesson, stored.preset) == (1, "basic-streaming", "side-by-side")
    assert stored.prompt == "What is a delta?"
    assert stored.options == DemoOptions(length="short", token_ms=7)
    assert stored.backend == "offline"


def test_each_press_gets_its_own_ticket() -> None:
    first, second = issue(), issue()
    assert first.id != second.id
    assert ticket_claim(first.id)
    assert ticket_claim(second.id)  # claiming one says nothing of the other


def test_a_ticket_that_has_left_the_cache_is_gone() -> None:
    ticket = issue()
    cache.delete(f"lessons:ticket:{ticket.id}")
    assert ticket_get(ticket.id) is None
