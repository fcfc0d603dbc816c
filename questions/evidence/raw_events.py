"""Derivations for the raw-events category.

Every raw event here is made by SDK code: the SDK's Chat Completions model converts the scripted
API's chunks into the Responses stream events that `stream_events()` passes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents import RawResponsesStreamEvent, RunItemStreamEvent, function_tool
from agents.stream_events import StreamEvent
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import (
    ResponseCompletedEvent,
    ResponseContentPartDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)
from pydantic import BaseModel

from questions.evidence.chat import Call, Turn
from questions.evidence.claims import Claim, Fact, Item, item, printing_item, prints, statement
from questions.evidence.runs import (
    error_name,
    events_of,
    is_text_delta,
    item_names,
    label,
    raised_by,
    scripted,
    streamed,
    text_deltas,
    weather_tool,
)

WEATHER_CALL = Call("get_weather", ('{"city":', '"Paris"}'), "call_weather")


def raw_data(events: list[StreamEvent]) -> list[Any]:
    return [event.data for event in events if isinstance(event, RawResponsesStreamEvent)]


def message_text(message: Any) -> str:
    """The text of a Responses output message (empty for anything else)."""
    if not isinstance(message, ResponseOutputMessage):
        return ""
    return "".join(part.text for part in message.content if isinstance(part, ResponseOutputText))


# --- raw-events-01 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    wrapper_fields: frozenset[str]
    final_output: str
    deltas: str
    raw_events_have_delta: bool
    raw_data_have_text: bool
    run_items_have_delta: bool


async def where_text_is() -> Where:
    agent, _ = scripted("A", Turn.says("Str", "eam", "ing!"))
    result = streamed(agent)
    events = await events_of(result)
    raw = [event for event in events if isinstance(event, RawResponsesStreamEvent)]
    items = [event for event in events if isinstance(event, RunItemStreamEvent)]
    return Where(
        wrapper_fields=frozenset(
            field.name for field in dataclasses.fields(RawResponsesStreamEvent)
        ),
        final_output=str(result.final_output),
        deltas="".join(text_deltas(events)),
        raw_events_have_delta=all(hasattr(event, "delta") for event in raw),
        raw_data_have_text=all(hasattr(event.data, "text") for event in raw),
        run_items_have_delta=all(hasattr(event.item, "delta") for event in items),
    )


RAW_EVENTS_01 = item(
    "raw-events-01",
    where_text_is,
    [
        Claim("`event.delta`", lambda w: w.raw_events_have_delta),
        Claim(
            "`event.data.delta`, when `event.data` is a `ResponseTextDeltaEvent`",
            lambda w: bool(w.deltas) and w.deltas == w.final_output,
        ),
        Claim("`event.data.text`", lambda w: w.raw_data_have_text),
        Claim("`event.item.delta`", lambda w: w.run_items_have_delta),
    ],
    lambda w: f"text deltas join into {w.deltas!r} (final_output {w.final_output!r})",
    facts=[
        Fact(
            "a raw event has only `type` and `data`", lambda w: w.wrapper_fields == {"type", "data"}
        )
    ],
)


# --- raw-events-02 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedLoop:
    error: str
    failed_on: str
    raw_seen: int
    collected: str


async def seed_collected_text() -> SeedLoop:
    agent, _ = scripted("A", Turn.says("Hel", "lo"))
    result = streamed(agent)
    raw_seen: list[str] = []
    collected: list[str] = []

    async def seed_loop() -> None:
        collected_text = ""
        async for event in result.stream_events():
            if event.type == "raw_response_event":
                raw_seen.append(event.data.type)
                delta: Any = getattr(event.data, "delta")  # noqa: B009  # the seed's event.data.delta
                collected_text += delta
                collected[:] = [collected_text]
        assert collected_text == result.final_output

    error = await raised_by(seed_loop)
    return SeedLoop(
        error_name(error), raw_seen[-1] if raw_seen else "", len(raw_seen), "".join(collected)
    )


RAW_EVENTS_02 = item(
    "raw-events-02",
    seed_collected_text,
    [
        Claim(
            "`AttributeError` on the first raw event, `response.created`",
            lambda s: (
                s.error == "AttributeError"
                and s.raw_seen == 1
                and s.failed_on == "response.created"
            ),
        ),
        Claim("The assertion passes: every raw event", lambda s: s.error == "no exception"),
        Claim(
            '`collected_text` is `"HelloHello"`',
            lambda s: s.error == "AssertionError" and s.collected == "HelloHello",
        ),
        Claim("The assertion passes for text replies", lambda s: s.error == "no exception"),
    ],
    lambda s: f"{s.error} on raw event {s.raw_seen} ({s.failed_on})",
)


# --- raw-events-03 ------------------------------------------------------------------------------


async def chat_raw_events() -> list[Any]:
    agent, _ = scripted("A", Turn.says("Hel", "lo"))
    return raw_data(await events_of(streamed(agent)))


def chunks_not_events(raw: list[Any]) -> bool:
    """The statement: raw events hold Chat Completions chunks, and no text delta events."""
    return any(isinstance(data, ChatCompletionChunk) for data in raw) or not any(
        isinstance(data, ResponseTextDeltaEvent) for data in raw
    )


RAW_EVENTS_03 = item(
    "raw-events-03",
    chat_raw_events,
    statement(chunks_not_events),
    lambda raw: "raw event data: " + ", ".join(type(data).__name__ for data in raw),
    facts=[
        Fact(
            "created, item added, part added, 2 deltas, part done, item done, completed",
            lambda raw: (
                [data.type for data in raw]
                == [
                    "response.created",
                    "response.output_item.added",
                    "response.content_part.added",
                    "response.output_text.delta",
                    "response.output_text.delta",
                    "response.content_part.done",
                    "response.output_item.done",
                    "response.completed",
                ]
            ),
        )
    ],
)


# --- raw-events-04 ------------------------------------------------------------------------------


async def delta_and_done() -> tuple[str, ...]:
    agent, _ = scripted("A", Turn.says("Hel", "lo"))
    printed: list[str] = []
    async for event in streamed(agent).stream_events():
        if event.type != "raw_response_event":
            continue
        data = event.data
        if isinstance(data, ResponseTextDeltaEvent):
            printed.append(f"D {data.delta}")
        elif isinstance(data, ResponseTextDoneEvent):
            printed.append(f"T {data.text}")
        elif isinstance(data, ResponseContentPartDoneEvent):
            part = data.part
            printed.append(f"P {part.text if isinstance(part, ResponseOutputText) else ''}")
    return tuple(printed)


RAW_EVENTS_04 = printing_item(
    "raw-events-04",
    delta_and_done,
    [
        prints("D Hel", "D lo", "T Hello", "P Hello"),
        prints("D Hel", "D lo", "P Hello"),
        prints("D Hel", "D lo", "T Hello"),
        prints("D Hel", "D lo", "P lo"),
    ],
)


# --- raw-events-05 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arguments:
    whole_run_text: tuple[str, ...]
    first_turn_text: str
    argument_deltas: tuple[str, ...]
    tool_called: int


async def streamed_arguments() -> Arguments:
    agent, _ = scripted(
        "Weather", Turn.calls_tools(WEATHER_CALL), Turn.says("Sunny"), tools=[weather_tool()]
    )
    events = await events_of(streamed(agent))
    first_turn = events[: next(i for i, e in enumerate(events) if label(e) == "tool_called")]
    return Arguments(
        whole_run_text=tuple(text_deltas(events)),
        first_turn_text="".join(text_deltas(first_turn)),
        argument_deltas=tuple(
            data.delta
            for data in raw_data(first_turn)
            if isinstance(data, ResponseFunctionCallArgumentsDeltaEvent)
        ),
        tool_called=item_names(events).count("tool_called"),
    )


RAW_EVENTS_05 = item(
    "raw-events-05",
    streamed_arguments,
    [
        Claim(
            "As `ResponseTextDeltaEvent`s containing the JSON",
            lambda a: "city" in a.first_turn_text,
        ),
        Claim(
            "`ResponseFunctionCallArgumentsDeltaEvent`, with JSON fragments in `delta`",
            lambda a: (
                len(a.argument_deltas) > 1
                and json.loads("".join(a.argument_deltas)) == {"city": "Paris"}
            ),
        ),
        Claim(
            "named `tool_called` per JSON fragment",
            lambda a: a.tool_called == len(a.argument_deltas) > 1,
        ),
        Claim("They are not streamed at all", lambda a: not a.argument_deltas),
    ],
    lambda a: (
        f"argument deltas {list(a.argument_deltas)}, text in that turn {a.first_turn_text!r}, "
        f"{a.tool_called} tool_called"
    ),
    facts=[
        Fact(
            "a text-delta filter over the whole run collects only the answer",
            lambda a: a.whole_run_text == ("Sunny",),
        )
    ],
)


# --- raw-events-06 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    first_raw: str
    first_raw_at: float
    first_text_at: float
    message_item_at: float
    agent_update_at: float
    raw_count: int
    text_count: int


async def first_token_timing() -> Timing:
    agent, _ = scripted("A", Turn.says("Hello", " there", first_token_delay=0.2, delay=0.05))
    loop = asyncio.get_running_loop()
    started = loop.time()
    seen: list[tuple[float, StreamEvent]] = []
    async for event in streamed(agent).stream_events():
        seen.append((loop.time() - started, event))

    def at(test: Callable[[StreamEvent], bool]) -> float:
        return next(time for time, event in seen if test(event))

    raw = [event for _, event in seen if isinstance(event, RawResponsesStreamEvent)]
    return Timing(
        first_raw=raw[0].data.type,
        first_raw_at=at(lambda e: isinstance(e, RawResponsesStreamEvent)),
        first_text_at=at(is_text_delta),
        message_item_at=at(lambda e: label(e) == "message_output_created"),
        agent_update_at=at(lambda e: e.type == "agent_updated_stream_event"),
        raw_count=len(raw),
        text_count=sum(is_text_delta(event) for event in raw),
    )


RAW_EVENTS_06 = item(
    "raw-events-06",
    first_token_timing,
    [
        Claim(
            "Nothing: the first `raw_response_event` is the first token",
            lambda t: t.first_raw == "response.output_text.delta" and t.raw_count == t.text_count,
        ),
        Claim(
            "the first message the user can see",
            lambda t: t.message_item_at <= t.first_text_at,
        ),
        Claim(
            "the moment the agent starts answering",
            lambda t: t.agent_update_at >= t.first_text_at,
        ),
        Claim(
            "the seed times `response.created`, which precedes any text",
            lambda t: (
                t.first_raw == "response.created"
                and t.first_raw_at < t.first_text_at
                and t.raw_count > t.text_count
            ),
        ),
    ],
    lambda t: (
        f"first raw event {t.first_raw} at {t.first_raw_at:g} s, first text at "
        f"{t.first_text_at:g} s, message_output_created at {t.message_item_at:g} s; "
        f"{t.raw_count} raw events, {t.text_count} text deltas"
    ),
)


# --- raw-events-07 ------------------------------------------------------------------------------


async def complete_text_carriers() -> dict[str, str]:
    agent, _ = scripted("A", Turn.says("Hello", " there"))
    carried: dict[str, str] = {}
    for data in raw_data(await events_of(streamed(agent))):
        text = ""
        if isinstance(data, ResponseOutputItemAddedEvent | ResponseOutputItemDoneEvent):
            text = message_text(data.item)
        elif isinstance(data, ResponseCompletedEvent):
            text = "".join(message_text(output) for output in data.response.output)
        elif isinstance(data, ResponseContentPartDoneEvent) and isinstance(
            data.part, ResponseOutputText
        ):
            text = data.part.text
        elif data.type == "response.created":
            text = "".join(message_text(output) for output in data.response.output)
        carried[data.type] = text
    return carried


def carries_whole_text(event_type: str, quote: str) -> Claim[dict[str, str]]:
    return Claim(quote, lambda carried: carried.get(event_type) == "Hello there")


RAW_EVENTS_07 = item(
    "raw-events-07",
    complete_text_carriers,
    [
        carries_whole_text("response.output_item.added", "`response.output_item.added`"),
        carries_whole_text("response.completed", "`response.completed`"),
        carries_whole_text("response.output_item.done", "`response.output_item.done`"),
        carries_whole_text("response.content_part.done", "`response.content_part.done`"),
        carries_whole_text("response.created", "`response.created`"),
    ],
    lambda carried: "; ".join(f"{kind}: {text!r}" for kind, text in carried.items()),
    facts=[
        Fact(
            "this converter sends no response.output_text.done",
            lambda carried: "response.output_text.done" not in carried,
        )
    ],
)


# --- raw-events-08 ------------------------------------------------------------------------------


async def tool_name_first() -> tuple[str, ...]:
    agent, _ = scripted(
        "Weather", Turn.calls_tools(WEATHER_CALL), Turn.says("Sunny"), tools=[weather_tool()]
    )
    printed: list[str] = []
    async for event in streamed(agent).stream_events():
        if isinstance(event, RawResponsesStreamEvent):
            data = event.data
            if isinstance(data, ResponseOutputItemAddedEvent) and data.item.type == "function_call":
                printed.append(f"calling {data.item.name} {data.item.arguments!r}")
            elif isinstance(data, ResponseFunctionCallArgumentsDeltaEvent):
                printed.append(f"args {data.delta}")
        elif isinstance(event, RunItemStreamEvent) and event.name == "tool_called":
            printed.append("tool_called")
    return tuple(printed)


RAW_EVENTS_08 = printing_item(
    "raw-events-08",
    tool_name_first,
    [
        prints("tool_called", "calling get_weather ''", 'args {"city":', 'args "Paris"}'),
        prints("calling get_weather ''", 'args {"city":', 'args "Paris"}', "tool_called"),
        prints('calling get_weather \'{"city":"Paris"}\'', "tool_called"),
        prints(
            'args {"city":',
            'args "Paris"}',
            'calling get_weather \'{"city":"Paris"}\'',
            "tool_called",
        ),
    ],
)


# --- raw-events-09 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    per_call: tuple[int, ...]
    total: tuple[int, int]
    completed: tuple[int | None, ...]
    raw_responses: tuple[int, ...]
    delta_usage: bool
    item_usage: bool


async def usage_sources() -> Usage:
    agent, _ = scripted(
        "Weather",
        Turn.calls_tools(WEATHER_CALL, usage=(10, 5)),
        Turn.says("Sunny", usage=(20, 7)),
        tools=[weather_tool()],
    )
    result = streamed(agent)
    events = await events_of(result)
    raw = raw_data(events)
    return Usage(
        per_call=(5, 7),
        total=(result.context_wrapper.usage.requests, result.context_wrapper.usage.output_tokens),
        completed=tuple(
            data.response.usage.output_tokens if data.response.usage else None
            for data in raw
            if isinstance(data, ResponseCompletedEvent)
        ),
        raw_responses=tuple(response.usage.output_tokens for response in result.raw_responses),
        delta_usage=any(
            getattr(data, "usage", None) is not None
            for data in raw
            if isinstance(data, ResponseTextDeltaEvent)
        ),
        item_usage=any(
            hasattr(event.item, "usage")
            for event in events
            if isinstance(event, RunItemStreamEvent)
        ),
    )


RAW_EVENTS_09 = item(
    "raw-events-09",
    usage_sources,
    [
        Claim("`result.context_wrapper.usage`", lambda u: u.total == (2, sum(u.per_call))),
        Claim("`event.data.usage` on each `ResponseTextDeltaEvent`", lambda u: u.delta_usage),
        Claim("`result.raw_responses[i].usage`", lambda u: u.raw_responses == u.per_call),
        Claim("`event.data.response.usage`", lambda u: u.completed == u.per_call),
        Claim("`event.item.usage`", lambda u: u.item_usage),
    ],
    lambda u: (
        f"response.completed usage {list(u.completed)}, raw_responses {list(u.raw_responses)}, "
        f"context total {u.total[1]} output tokens in {u.total[0]} requests"
    ),
)


# --- raw-events-10 ------------------------------------------------------------------------------


class WeatherReport(BaseModel):
    city: str
    temperature: int


REPORT_CHUNKS = ('{"city":', '"Paris",', '"temperature":21}')


async def structured_deltas() -> tuple[list[Any], Any]:
    agent, _ = scripted("A", Turn.says(*REPORT_CHUNKS), output_type=WeatherReport)
    result = streamed(agent)
    events = await events_of(result)
    deltas = [
        e.data.delta
        for e in events
        if isinstance(e, RawResponsesStreamEvent) and isinstance(e.data, ResponseTextDeltaEvent)
    ]
    return deltas, result.final_output


RAW_EVENTS_10 = item(
    "raw-events-10",
    structured_deltas,
    [
        Claim("don't stream text deltas", lambda r: not r[0]),
        Claim("One `WeatherReport` per delta", lambda r: any(not isinstance(d, str) for d in r[0])),
        Claim("Readable sentences", lambda r: "".join(r[0]) != "".join(REPORT_CHUNKS)),
        Claim(
            "Fragments of JSON",
            lambda r: (
                tuple(r[0]) == REPORT_CHUNKS and r[1] == WeatherReport(city="Paris", temperature=21)
            ),
        ),
    ],
    lambda r: f"deltas {r[0]}, final_output {r[1]!r}",
)


# --- raw-events-11 ------------------------------------------------------------------------------


async def first_token_after_a_tool() -> tuple[str, ...]:
    @function_tool
    async def lookup(query: str) -> str:
        """Look something up (takes 1 s)."""
        await asyncio.sleep(1.0)
        return "found"

    agent, _ = scripted(
        "Assistant",
        Turn.calls_tools(Call("lookup", ('{"query":', '"x"}')), first_token_delay=0.1, delay=0.1),
        Turn.says("Here", " it is.", first_token_delay=0.5, delay=0.05),
        tools=[lookup],
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = streamed(agent, "Look it up")
    printed: list[str] = []
    async for event in result.stream_events():
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            printed.append(f"{loop.time() - started:.1f}")
            break
    return tuple(printed)


RAW_EVENTS_11 = printing_item(
    "raw-events-11",
    first_token_after_a_tool,
    [prints("0.0"), prints("0.5"), prints("1.5"), prints("1.8")],
)


# --- raw-events-12 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    deltas: int
    usage_tokens: int
    completed_usage: int | None
    delta_has_usage: bool


async def deltas_and_tokens() -> Tokens:
    agent, _ = scripted(
        "A", Turn.says("Streaming is ", "great for ", "long ", "answers.", usage=(12, 9))
    )
    result = streamed(agent)
    raw = raw_data(await events_of(result))
    completed = [data for data in raw if isinstance(data, ResponseCompletedEvent)]
    usage = completed[0].response.usage if completed else None
    return Tokens(
        deltas=sum(isinstance(data, ResponseTextDeltaEvent) for data in raw),
        usage_tokens=result.context_wrapper.usage.output_tokens,
        completed_usage=usage.output_tokens if usage else None,
        delta_has_usage=any(
            "usage" in type(data).model_fields
            for data in raw
            if isinstance(data, ResponseTextDeltaEvent)
        ),
    )


RAW_EVENTS_12 = item(
    "raw-events-12",
    deltas_and_tokens,
    [
        Claim("carries exactly one token", lambda t: t.deltas == t.usage_tokens),
        Claim(
            "`result.context_wrapper.usage.output_tokens`",
            lambda t: t.usage_tokens == 9,
        ),
        Claim("equals `usage.output_tokens` for every model", lambda t: t.deltas == t.usage_tokens),
        Claim(
            "on the `response.completed` event",
            lambda t: t.completed_usage == t.usage_tokens and not t.delta_has_usage,
        ),
    ],
    lambda t: (
        f"{t.deltas} text deltas; usage {t.usage_tokens} output tokens (response.completed: "
        f"{t.completed_usage})"
    ),
)


ITEMS: tuple[Item[Any], ...] = (
    RAW_EVENTS_01,
    RAW_EVENTS_02,
    RAW_EVENTS_03,
    RAW_EVENTS_04,
    RAW_EVENTS_05,
    RAW_EVENTS_06,
    RAW_EVENTS_07,
    RAW_EVENTS_08,
    RAW_EVENTS_09,
    RAW_EVENTS_10,
    RAW_EVENTS_11,
    RAW_EVENTS_12,
)
