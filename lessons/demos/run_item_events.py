"""Lesson 03, run item events: tool calls, outputs and messages (seed 03_run_item_events)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from agents import Agent, ItemHelpers, Runner
from openai.types.responses import ResponseTextDeltaEvent

from lessons.demos import Channel, Demo, DemoOptions, Preset, describe
from lessons.events import DemoEvent, Final, Text

INSTRUCTIONS = "You are a researcher. Use your tools before you answer."


async def run_items(demo: Demo) -> AsyncIterator[DemoEvent]:
    """The higher-level events: one per step of the run, with the item it produced."""
    agent = Agent(
        name="Researcher",
        instructions=demo.instructions(INSTRUCTIONS),
        model=demo.model,
        tools=demo.tools,
    )
    result = Runner.run_streamed(agent, demo.prompt)
    try:
        async for event in result.stream_events():
            if event.type == "raw_response_event":
                if isinstance(event.data, ResponseTextDeltaEvent):
                    yield Text(channel="deltas", delta=event.data.delta)
            elif event.type == "agent_updated_stream_event":
                yield describe(event)  # the first event of every run
            elif event.type == "run_item_stream_event":
                # tool_called (tool_call_item), tool_output (tool_call_output_item),
                # message_output_created (message_output_item), ...
                yield describe(event)
                if event.item.type == "message_output_item":
                    text = ItemHelpers.text_message_output(event.item)
                    yield Text(channel="items", delta=text)
    finally:
        result.cancel()
    yield Final(output=result.final_output)


CHANNELS = (
    Channel("items", "ItemHelpers.text_message_output(item): the whole message, once complete"),
    Channel("deltas", "Raw text deltas, for comparison"),
)

PRESETS = (
    Preset(
        name="tool-call",
        title="Tool call",
        summary="A tool-using agent: tool_called, tool_output and message_output_created, each "
        "with its item type, the tool's arguments and its output.",
        demo=run_items,
        prompt="What do the docs say about tool events?",
        options=DemoOptions(tools=("lookup_docs",)),
        fields=("length", "tools"),
        channels=CHANNELS,
    ),
    Preset(
        name="message-output",
        title="Message output",
        summary="No tools: one message_output_created event whose item "
        "ItemHelpers.text_message_output turns into the reply's text.",
        demo=run_items,
        prompt="Describe a message output item in a few sentences.",
        fields=("length", "tools"),
        channels=CHANNELS,
    ),
    Preset(
        name="parallel-tools",
        title="Parallel tools",
        summary="Two tool calls in one model turn: two tool_called events, then two "
        "tool_output events, then the message.",
        demo=run_items,
        prompt="Look up streaming events and count the words of this question.",
        options=DemoOptions(tools=("lookup_docs", "count_words")),
        fields=("length", "tools"),
        channels=CHANNELS,
    ),
    Preset(
        name="agent-updated",
        title="Agent updated",
        summary="Even without a handoff, agent_updated_stream_event is the first event of the "
        "run: it names the starting agent.",
        demo=run_items,
        prompt="Which agent is answering me?",
        options=DemoOptions(length="short"),
        fields=("length", "tools"),
        channels=CHANNELS,
    ),
)
