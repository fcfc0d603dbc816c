"""Lesson 01, basic streaming: Runner.run versus Runner.run_streamed (seed 01_basic_streaming)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

from agents import Agent, Runner
from openai.types.responses import ResponseTextDeltaEvent

from lessons.demos import Channel, Demo, DemoOptions, Preset, describe, merge
from lessons.events import DemoEvent, Final, Note, Text

INSTRUCTIONS = "You are a helpful assistant who explains things clearly."


async def side_by_side(demo: Demo) -> AsyncIterator[DemoEvent]:
    """The same agent through Runner.run and Runner.run_streamed, started together."""
    agent = Agent(name="Assistant", instructions=demo.instructions(INSTRUCTIONS), model=demo.model)

    async def regular() -> AsyncIterator[DemoEvent]:
        # Nothing to show until the run is over: the whole reply arrives at once.
        result = await Runner.run(agent, demo.prompt)
        yield Text(channel="run", delta=result.final_output)

    async def streamed() -> AsyncIterator[DemoEvent]:
        result = Runner.run_streamed(agent, demo.prompt)
        try:
            async for event in result.stream_events():
                if event.type == "raw_response_event" and isinstance(
                    event.data, ResponseTextDeltaEvent
                ):
                    yield Text(channel="run_streamed", delta=event.data.delta)
        finally:
            # Leaving the loop early (an error, a closed tab) does not stop the run: cancel it.
            result.cancel()
        yield Final(output=result.final_output)

    # aclosing: if the page goes away, closing merge() cancels both runs at once.
    async with aclosing(merge(regular(), streamed())) as events:
        async for event in events:
            yield event


async def event_sequence(demo: Demo) -> AsyncIterator[DemoEvent]:
    """Every event of one streamed run, in order; then what the result holds at the end."""
    agent = Agent(name="Assistant", instructions=demo.instructions(INSTRUCTIONS), model=demo.model)
    result = Runner.run_streamed(agent, demo.prompt)
    yield Note(
        text=f"Runner.run_streamed() returned at once: is_complete={result.is_complete}, "
        f"final_output={result.final_output!r}."
    )
    try:
        async for event in result.stream_events():
            if event.type == "raw_response_event" and isinstance(
                event.data, ResponseTextDeltaEvent
            ):
                yield Text(delta=event.data.delta, log=describe(event))
            else:
                yield describe(event)
    finally:
        result.cancel()
    yield Note(
        text=f"After the loop: is_complete={result.is_complete}, and final_output holds the "
        f"whole reply ({len(result.final_output)} characters).",
        tone="success",
    )
    yield Final(output=result.final_output)


SIDE_BY_SIDE_CHANNELS = (
    Channel("run", "Runner.run(): the result, when the run is over"),
    Channel("run_streamed", "Runner.run_streamed(): text deltas as they arrive"),
)
PROMPT = "Why would a chat app stream its answers instead of waiting for the whole reply?"

PRESETS = (
    Preset(
        name="side-by-side",
        title="Side by side",
        summary="The same agent via Runner.run and Runner.run_streamed at the same time: watch "
        "when each one shows its first words.",
        demo=side_by_side,
        prompt=PROMPT,
        channels=SIDE_BY_SIDE_CHANNELS,
    ),
    Preset(
        name="event-sequence",
        title="Event sequence",
        summary="Every stream event of a simple run in order, then final_output and is_complete "
        "once the loop is over.",
        demo=event_sequence,
        prompt="Say hello and tell me what streaming is.",
        options=DemoOptions(length="short"),
    ),
    Preset(
        name="short-reply",
        title="Short reply",
        summary="A one-line reply: both finish almost together, so streaming gains little.",
        demo=side_by_side,
        prompt="In one line: what does Runner.run_streamed return?",
        options=DemoOptions(length="short"),
        channels=SIDE_BY_SIDE_CHANNELS,
    ),
    Preset(
        name="long-reply",
        title="Long reply",
        summary="A long reply: the streamed text starts long before Runner.run has anything "
        "to show.",
        demo=side_by_side,
        prompt="Explain in detail how streaming changes the way people experience an agent.",
        options=DemoOptions(length="long"),
        channels=SIDE_BY_SIDE_CHANNELS,
    ),
)
