"""Lesson 02, raw response events: token-by-token text (seed 02_raw_response_events)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from agents import Agent, Runner
from openai.types.responses import ResponseFunctionCallArgumentsDeltaEvent, ResponseTextDeltaEvent

from lessons.demos import Channel, Demo, DemoOptions, Preset, describe
from lessons.events import MAIN, DemoEvent, Final, Note, Text

INSTRUCTIONS = "You are a writer who explains things clearly."


async def raw_events(demo: Demo) -> AsyncIterator[DemoEvent]:
    """Raw response events as they arrive; the text comes only from ResponseTextDeltaEvent."""
    agent = Agent(
        name="Writer",
        instructions=demo.instructions(INSTRUCTIONS),
        model=demo.model,
        tools=demo.tools,
    )
    started = time.perf_counter()
    first_event = first_delta = None
    result = Runner.run_streamed(agent, demo.prompt)
    try:
        async for event in result.stream_events():
            if event.type != "raw_response_event":
                continue
            if first_event is None:
                first_event = time.perf_counter() - started
            if isinstance(event.data, ResponseTextDeltaEvent):
                if first_delta is None:
                    first_delta = time.perf_counter() - started
                # Every delta is in the log too: one row for the run of them, opened on demand.
                yield Text(delta=event.data.delta, log=describe(event))
            elif isinstance(event.data, ResponseFunctionCallArgumentsDeltaEvent):
                # Also a delta, but of a tool call's JSON arguments: never part of the text.
                yield Text(channel="arguments", delta=event.data.delta, log=describe(event))
            else:
                yield describe(event)
    finally:
        result.cancel()
    if first_event is not None and first_delta is not None:
        yield Note(
            text=f"First raw event after {first_event * 1000:.0f} ms; first text delta after "
            f"{first_delta * 1000:.0f} ms. The gap is the model thinking before it writes.",
            tone="success",
        )
    yield Final(output=result.final_output)


PRESETS = (
    Preset(
        name="text-deltas",
        title="Text deltas",
        summary="Token by token: the text is built from the delta of each "
        "ResponseTextDeltaEvent; the log shows the other raw events around it.",
        demo=raw_events,
        prompt="Explain what a token is, and why text arrives one token at a time.",
        fields=("length", "first_token_ms", "token_ms"),
    ),
    Preset(
        name="all-raw-events",
        title="All raw events",
        summary="Every raw event type as it arrives, from response.created to "
        "response.completed, text deltas included.",
        demo=raw_events,
        prompt="Name the raw events of a streamed reply.",
        options=DemoOptions(length="short"),
        fields=("length", "first_token_ms", "token_ms"),
    ),
    Preset(
        name="first-token-timing",
        title="First-token timing",
        summary="A slow first token: the first raw event comes at once, the first text delta "
        "only when the model starts writing.",
        demo=raw_events,
        prompt="Take your time, then explain time to first token.",
        options=DemoOptions(first_token_ms=1500),
        fields=("length", "first_token_ms", "token_ms"),
    ),
    Preset(
        name="tool-call-arguments",
        title="Tool-call arguments",
        summary="A tool call's arguments stream as ResponseFunctionCallArgumentsDeltaEvent: raw "
        "events with a delta that is not text, kept out of the text panel.",
        demo=raw_events,
        prompt="Look up what the docs say about streaming events.",
        options=DemoOptions(tools=("lookup_docs",), length="short"),
        fields=("length", "first_token_ms", "token_ms"),
        channels=(
            Channel(MAIN, "Text (ResponseTextDeltaEvent)"),
            Channel("arguments", "Tool-call arguments (ResponseFunctionCallArgumentsDeltaEvent)"),
        ),
    ),
)
