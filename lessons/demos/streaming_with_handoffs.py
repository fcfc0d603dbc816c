"""Lesson 04, streaming with handoffs: a triage agent and its specialists (seed 04)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from agents import Agent, Runner
from openai.types.responses import ResponseTextDeltaEvent

from lessons.demos import Demo, DemoOptions, Preset, describe
from lessons.demos.tools import look_up_invoice
from lessons.events import AgentChange, DemoEvent, Final, Text


async def handoffs(demo: Demo) -> AsyncIterator[DemoEvent]:
    """Triage hands the conversation to a specialist, who streams the answer."""
    billing = Agent(
        name="Billing",
        handoff_description="Billing: charges, invoices, refunds and payments.",
        instructions=demo.instructions("You handle billing. Look invoices up before answering."),
        model=demo.model,
        tools=[look_up_invoice],
    )
    technical = Agent(
        name="Technical support",
        handoff_description="Technical support: errors, crashes, bugs, streaming and setup.",
        instructions=demo.instructions("You fix technical problems."),
        model=demo.model,
    )
    triage = Agent(
        name="Triage",
        instructions=demo.instructions(
            "Hand billing questions to Billing and technical ones to Technical support; "
            "answer anything else yourself."
        ),
        model=demo.model,
        handoffs=[billing, technical],
    )
    result = Runner.run_streamed(triage, demo.prompt)
    try:
        async for event in result.stream_events():
            if event.type == "agent_updated_stream_event":
                # Once at the start (Triage), then after every handoff (the specialist).
                yield AgentChange(name=event.new_agent.name)
                yield describe(event)
            elif event.type == "run_item_stream_event":
                # handoff_requested, handoff_occured, tool_called, tool_output, ...
                yield describe(event)
            elif isinstance(event.data, ResponseTextDeltaEvent):
                yield Text(delta=event.data.delta)
    finally:
        result.cancel()
    yield Final(output=result.final_output)


AGENTS = ("Triage", "Billing", "Technical support")

PRESETS = (
    Preset(
        name="triage",
        title="Triage",
        summary="handoff_requested, handoff_occured, then agent_updated_stream_event with "
        "new_agent.name: the specialist takes over and streams the answer.",
        demo=handoffs,
        prompt="My chat app shows the whole reply at once instead of streaming it. Is it a bug?",
        agents=AGENTS,
    ),
    Preset(
        name="handoff-then-tool",
        title="Handoff, then a tool",
        summary="The specialist calls a tool after the handoff: the tool events come from the "
        "new agent.",
        demo=handoffs,
        prompt="Why was I charged twice on invoice INV-1042?",
        agents=AGENTS,
    ),
    Preset(
        name="no-handoff",
        title="No handoff",
        summary="Nothing for a specialist: triage answers itself, and the only "
        "agent_updated_stream_event is the one that starts the run.",
        demo=handoffs,
        prompt="Hello! What can you help me with today?",
        options=DemoOptions(length="short"),
        agents=AGENTS,
    ),
)
