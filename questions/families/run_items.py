"""Families of the run-items category: what a consumer of run item events sees."""

from __future__ import annotations

from lessons.scenarios.library import run_items as scenarios
from questions.families.base import Family, on_lines
from questions.families.transforms import (
    apply,
    drop,
    interleave,
    keep_last,
    move_after,
    prepend,
    rename,
    squeeze,
)

CALLED, OUTPUT, MESSAGE = "tool_called", "tool_output", "message_output_created"
ITEM_TYPES = {
    CALLED: "tool_call_item",
    OUTPUT: "tool_call_output_item",
    MESSAGE: "message_output_item",
}

ITEM_NAMES = Family(
    slug="item-names",
    number=1,
    category="run-items",
    level="beginner",
    objective="event-types",
    topic="run item event names with tools",
    scenario=scenarios.ITEM_NAMES,
    question="What does this program print?",
    explanation="""
Run item events describe whole steps of the run, in the order the SDK processes them: for each
model response, first the message it wrote (a preamble is a message too), then every tool call
it made (`tool_called`, all of them, before any tool runs), then their outputs (`tool_output`),
and the next response after that. The final answer is one more `message_output_created`.
Agent updates and raw events are other event types, which the `if` skips.
""",
    misconceptions=(
        on_lines(
            "each output follows its call at once",
            apply(interleave, CALLED, OUTPUT),
            "Calls made in one response are all announced before any of them runs: "
            "`tool_called` for each, then `tool_output` for each. The run printed {printed}.",
        ),
        on_lines(
            "one message per run",
            apply(keep_last, MESSAGE),
            "Every message the model writes is a run item, a preamble before tool calls too. "
            "The run printed {printed}.",
        ),
        on_lines(
            "the preamble is announced after the tools",
            apply(move_after, MESSAGE, CALLED, OUTPUT),
            "The preamble comes first in the model's response, so its `message_output_created` "
            "comes before that response's tool calls. The run printed {printed}.",
        ),
        on_lines(
            "streamed text gets no run item",
            apply(drop, MESSAGE),
            "Text arrives as raw delta events and, once the message is complete, as a "
            "`message_output_created` run item as well. The run printed {printed}.",
        ),
        on_lines(
            "the agent update is a run item",
            apply(prepend, "agent_updated_stream_event"),
            "`agent_updated_stream_event` is an event type of its own, not a run item event, so "
            "the `if` skips it. The run printed {printed}.",
        ),
        on_lines(
            "one event per response",
            apply(squeeze, CALLED, OUTPUT),
            "There is one `tool_called` and one `tool_output` per call, not per response. "
            "The run printed {printed}.",
        ),
        on_lines(
            "event.name is the item's type",
            apply(rename, ITEM_TYPES),
            "`event.name` is the event's name (`tool_called`); the item's type "
            "(`tool_call_item`) is `event.item.type`. The run printed {printed}.",
        ),
    ),
)

FAMILIES = (ITEM_NAMES,)
