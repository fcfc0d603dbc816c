"""The live demos: one module per seed lesson, each a few async generators of `DemoEvent`s.

A demo receives a `Demo` (the prompt, the form's options and the model to use) and yields what
the page should show as the SDK's events arrive. Its source is shown on the lesson page, so the
code here is written to be read: it is the code that runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypeVar

from agents import ItemHelpers, Model, Tool
from agents.stream_events import StreamEvent
from openai.types.responses import (
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseFailedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseTextDeltaEvent,
)
from pydantic import BaseModel, ConfigDict

from lessons.backends import Backend
from lessons.breaker import CircuitBreaker
from lessons.events import MAIN, DemoEvent, Log
from lessons.offline import Pacing

T = TypeVar("T")

LENGTHS: dict[str, str] = {
    "short": "Reply in one short sentence.",
    "medium": "Reply in about 60 words.",
    "long": "Reply in about 200 words.",
}
DETAIL_LIMIT = 140


class DemoOptions(BaseModel):
    """The form's options for one run (a preset fixes those its form does not show)."""

    model_config = ConfigDict(frozen=True)

    length: Literal["short", "medium", "long"] = "medium"
    first_token_ms: int | None = None  # None: the offline model's configured pace
    token_ms: int | None = None
    tools: tuple[str, ...] = ()
    buffer_words: int = 3
    fail_after: int = 12
    timeout_s: float = 1.5
    attempts: int = 5


@dataclass(frozen=True)
class Demo:
    """What a demo function gets: the prompt, the options, and where its model comes from."""

    prompt: str
    options: DemoOptions = field(default_factory=DemoOptions)
    backend: Backend = field(default_factory=lambda: Backend(name="offline", model="offline"))
    owner: str = "anonymous"  # keys state kept between runs (the circuit breaker) per learner

    @property
    def pacing(self) -> Pacing:
        base = self.backend.pacing
        first_ms, token_ms = self.options.first_token_ms, self.options.token_ms
        return Pacing(
            first_token=base.first_token if first_ms is None else first_ms / 1000,
            per_token=base.per_token if token_ms is None else token_ms / 1000,
        )

    @cached_property
    def model(self) -> Model:
        """The model every agent of the demo uses (the offline model unless configured)."""
        return self.backend.build(pacing=self.pacing)

    def failing_model(self, *, after_tokens: int) -> Model:
        """The same model, told to fail after `after_tokens` text tokens of a stream."""
        return self.backend.build(pacing=self.pacing, fail_after_tokens=after_tokens)

    def instructions(self, text: str, *, length: str | None = None) -> str:
        """Agent instructions ending with the reply length the form asked for."""
        return f"{text} {LENGTHS[length or self.options.length]}"

    @cached_property
    def tools(self) -> list[Tool]:
        from lessons.demos.tools import TOOLS

        return [TOOLS[name] for name in self.options.tools]

    @cached_property
    def breaker(self) -> CircuitBreaker:
        """A circuit breaker of this learner's own, so a demo's failures trip nobody else's."""
        return CircuitBreaker.for_demos(self.owner)


DemoFunction = Callable[[Demo], AsyncIterator[DemoEvent]]


@dataclass(frozen=True)
class Channel:
    """One output panel of the page; a demo's Text events name the channel they belong to."""

    name: str
    label: str


@dataclass(frozen=True)
class Preset:
    """A named set-up of a lesson's demo: the function that runs, its prompt and options.

    `fields` are the options the form lets the learner change; the others stay as the preset
    sets them. `helpers` are shown under the demo's own source, because the demo uses them.
    `code`, when given, is the whole program the demo runs (a scenario's): the page shows it
    instead of the demo's source, and the form has no prompt (the program has its own input).
    """

    name: str
    title: str
    summary: str
    demo: DemoFunction
    prompt: str
    options: DemoOptions = field(default_factory=DemoOptions)
    fields: tuple[str, ...] = ("length",)
    channels: tuple[Channel, ...] = (Channel(MAIN, "Streamed text"),)
    helpers: tuple[Callable[..., object] | type, ...] = ()
    agents: tuple[str, ...] = ()
    code: str = ""


def _clip(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= DETAIL_LIMIT else flat[: DETAIL_LIMIT - 1] + "…"


def _raw_detail(data: object) -> str:
    if isinstance(data, ResponseTextDeltaEvent | ResponseFunctionCallArgumentsDeltaEvent):
        return repr(data.delta)
    if isinstance(data, ResponseFunctionCallArgumentsDoneEvent):
        return _clip(data.arguments)
    if isinstance(data, ResponseOutputItemAddedEvent | ResponseOutputItemDoneEvent):
        item = data.item
        name = getattr(item, "name", None)
        return f"{item.type} {name}" if name else item.type
    if isinstance(data, ResponseCreatedEvent):
        return data.response.id
    if isinstance(data, ResponseCompletedEvent) and data.response.usage:
        usage = data.response.usage
        return f"usage: {usage.input_tokens} in, {usage.output_tokens} out"
    if isinstance(data, ResponseFailedEvent) and data.response.error:
        return _clip(data.response.error.message)
    return ""


def describe(event: StreamEvent, *, channel: str = MAIN) -> Log:
    """One line of the event log for any SDK stream event: its type, name and what it carries."""
    if event.type == "raw_response_event":
        return Log(
            source=event.type, name=event.data.type, detail=_raw_detail(event.data), channel=channel
        )
    if event.type == "agent_updated_stream_event":
        return Log(source=event.type, name=event.new_agent.name, channel=channel)
    item = event.item
    detail: str = item.type
    if item.type == "tool_call_item":
        raw = item.raw_item
        detail += f" {getattr(raw, 'name', '')}({_clip(getattr(raw, 'arguments', ''))})"
    elif item.type == "tool_call_output_item":
        detail += f" → {_clip(item.output)}"
    elif item.type == "message_output_item":
        detail += f" {_clip(ItemHelpers.text_message_output(item))!r}"
    elif item.type == "handoff_call_item":
        detail += f" {item.raw_item.name}"
    elif item.type == "handoff_output_item":
        detail += f" {item.source_agent.name} → {item.target_agent.name}"
    return Log(source=event.type, name=event.name, detail=detail, channel=channel)


async def merge(*streams: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Several streams at once: each item is yielded as soon as any stream produces it.

    One task per stream pumps its items into a queue. The first failure is raised at once, and
    leaving early (or failing) cancels every task, so no stream outlives its consumer.
    """
    queue: asyncio.Queue[tuple[T] | Exception | None] = asyncio.Queue()

    async def pump(stream: AsyncIterator[T]) -> None:
        try:
            async for item in stream:
                queue.put_nowait((item,))
        except Exception as error:
            queue.put_nowait(error)
        else:
            queue.put_nowait(None)  # this stream is finished

    tasks = [asyncio.create_task(pump(stream)) for stream in streams]
    try:
        running = len(tasks)
        while running:
            entry = await queue.get()
            if entry is None:
                running -= 1
            elif isinstance(entry, Exception):
                raise entry
            else:
                yield entry[0]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


__all__ = ["Channel", "Demo", "DemoFunction", "DemoOptions", "Preset", "describe", "merge"]
