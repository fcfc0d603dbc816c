"""What the derivations share: running agents streamed, reading their events, common tools."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from agents import (
    Agent,
    AgentUpdatedStreamEvent,
    FunctionTool,
    RawResponsesStreamEvent,
    RunConfig,
    RunItemStreamEvent,
    Runner,
    RunResult,
    RunResultStreaming,
    function_tool,
)
from agents.stream_events import StreamEvent
from openai.types.responses import ResponseTextDeltaEvent

from questions.evidence.chat import ChatScript, Turn, script

# Nothing leaves the process: no traces are exported.
RUN_CONFIG = RunConfig(tracing_disabled=True)


def streamed(agent: Agent[Any], text: Any = "Hi", **options: Any) -> RunResultStreaming:
    return Runner.run_streamed(agent, text, run_config=RUN_CONFIG, **options)


async def run(agent: Agent[Any], text: Any = "Hi", **options: Any) -> RunResult:
    return await Runner.run(agent, text, run_config=RUN_CONFIG, **options)


async def events_of(result: RunResultStreaming) -> list[StreamEvent]:
    return [event async for event in result.stream_events()]


async def settle(result: RunResultStreaming, within: float = 60.0) -> None:
    """Let the background run go on (virtual time) until it has ended."""
    if result.run_loop_task is not None:
        await asyncio.wait({result.run_loop_task}, timeout=within)


def label(event: StreamEvent) -> str:
    """What a print loop would show: the raw event's data type, the item's name, the agent."""
    if isinstance(event, RawResponsesStreamEvent):
        return event.data.type
    if isinstance(event, RunItemStreamEvent):
        return event.name
    return f"agent: {event.new_agent.name}"


def labels(events: Sequence[StreamEvent]) -> list[str]:
    return [label(event) for event in events]


def item_names(events: Sequence[StreamEvent]) -> list[str]:
    return [event.name for event in events if isinstance(event, RunItemStreamEvent)]


def non_raw(events: Sequence[StreamEvent]) -> list[str]:
    return [label(event) for event in events if not isinstance(event, RawResponsesStreamEvent)]


def text_deltas(events: Sequence[StreamEvent]) -> list[str]:
    return [
        event.data.delta
        for event in events
        if isinstance(event, RawResponsesStreamEvent)
        and isinstance(event.data, ResponseTextDeltaEvent)
    ]


def is_text_delta(event: StreamEvent) -> bool:
    return isinstance(event, RawResponsesStreamEvent) and isinstance(
        event.data, ResponseTextDeltaEvent
    )


def agent_updates(events: Sequence[StreamEvent]) -> list[str]:
    return [e.new_agent.name for e in events if isinstance(e, AgentUpdatedStreamEvent)]


def scripted(
    name: str, *turns: Turn, tools: Sequence[FunctionTool] = (), **options: Any
) -> tuple[Agent[Any], ChatScript]:
    """An agent whose model (the SDK's Chat Completions model) plays `turns`."""
    chat = script(*turns)
    return Agent(name=name, model=chat.model(), tools=list(tools), **options), chat


def weather_tool(delay: float = 0.0) -> FunctionTool:
    @function_tool
    async def get_weather(city: str) -> str:
        """The current weather in a city."""
        await asyncio.sleep(delay)
        return f"Sunny in {city}"

    return get_weather


def charging_tool(charges: list[int], delay: float = 0.0) -> FunctionTool:
    """A tool with a side effect: each call charges a card (appends the amount to `charges`)."""

    @function_tool
    async def charge_card(amount: int) -> str:
        """Charge the customer's card."""
        await asyncio.sleep(delay)
        charges.append(amount)
        return f"Charged {amount} EUR"

    return charge_card


async def raised_by(action: Callable[[], Any]) -> BaseException | None:
    """The exception that awaiting `action()` raises, if any."""
    try:
        await action()
    except Exception as error:  # the derivation records whatever the SDK raised
        return error
    return None


def error_name(error: BaseException | None) -> str:
    return "no exception" if error is None else type(error).__name__
