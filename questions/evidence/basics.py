"""Derivations for the basics category: run_streamed(), stream_events() and when to stream."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass
from typing import Any

from agents import RunResult, RunResultStreaming
from agents.stream_events import StreamEvent

from questions.evidence.chat import Call, Turn
from questions.evidence.claims import Claim, Item, item, printing_item, prints, statement
from questions.evidence.runs import (
    charging_tool,
    error_name,
    events_of,
    is_text_delta,
    labels,
    raised_by,
    run,
    scripted,
    settle,
    streamed,
    weather_tool,
)


def then(*lines: str) -> str:
    """How options write lines printed one after the other: "`a`, then `b`"."""
    return ", then ".join(f"`{line}`" for line in lines)


# --- basics-01 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Returned:
    is_coroutine: bool
    is_streaming_result: bool
    is_plain_result: bool
    awaitable: bool
    async_iterable: bool
    model_called_before_return: bool
    finished_in_background: bool
    output_while_streaming: tuple[Any, ...]
    final_output: Any


async def returned() -> Returned:
    agent, chat = scripted("Assistant", Turn.says("Hel", "lo!", delay=0.05))
    result = streamed(agent)
    called_before = chat.calls > 0
    during = [result.final_output async for _ in result.stream_events()]
    return Returned(
        is_coroutine=inspect.iscoroutine(result),
        is_streaming_result=isinstance(result, RunResultStreaming),
        is_plain_result=isinstance(result, RunResult),
        awaitable=inspect.isawaitable(result),
        async_iterable=hasattr(result, "__aiter__"),
        model_called_before_return=called_before,
        finished_in_background=result.run_loop_task is not None and result.run_loop_task.done(),
        output_while_streaming=tuple(during),
        final_output=result.final_output,
    )


BASICS_01 = item(
    "basics-01",
    returned,
    [
        Claim("A coroutine that you `await`", lambda r: r.is_coroutine),
        Claim(
            "A `RunResultStreaming`, at once and without `await`",
            lambda r: (
                r.is_streaming_result
                and not r.awaitable
                and not r.model_called_before_return
                and r.finished_in_background
            ),
        ),
        Claim("An async iterator of text chunks", lambda r: r.async_iterable),
        Claim(
            "A `RunResult` whose `final_output` grows",
            lambda r: r.is_plain_result or any(o is not None for o in r.output_while_streaming),
        ),
    ],
    lambda r: (
        f"{'RunResultStreaming' if r.is_streaming_result else 'other'}, awaitable={r.awaitable}, "
        f"model called before return={r.model_called_before_return}, "
        f"final_output during the stream {set(map(repr, r.output_while_streaming))}"
    ),
)


# --- basics-02 ----------------------------------------------------------------------------------


async def await_run_streamed() -> tuple[str, str]:
    agent, _chat = scripted("Assistant", Turn.says("Hi"))
    result = streamed(agent)

    async def main() -> None:
        awaited: Any = result
        await awaited

    error = await raised_by(main)
    await events_of(result)
    return error_name(error), str(error or "")


BASICS_02 = item(
    "basics-02",
    await_run_streamed,
    [
        Claim("It works", lambda e: e[0] == "no exception"),
        Claim("raises `AttributeError`", lambda e: e[0] == "AttributeError"),
        Claim("`RuntimeError: no running event loop`", lambda e: e[0] == "RuntimeError"),
        Claim(
            "`TypeError`: the `RunResultStreaming` object can't be used in an `await` expression",
            lambda e: (
                e[0] == "TypeError"
                and "RunResultStreaming" in e[1]
                and "can't be used in 'await' expression" in e[1]
            ),
        ),
    ],
    lambda e: f"{e[0]}: {e[1]}",
)


# --- basics-03 ----------------------------------------------------------------------------------


async def both_ways() -> tuple[tuple[Any, list[str]], tuple[Any, list[str]]]:
    def weather_agent() -> Any:
        return scripted(
            "Weather",
            Turn.calls_tools(Call.of("get_weather", {"city": "Paris"})),
            Turn.says("It is sunny", " in Paris."),
            tools=[weather_tool()],
        )[0]

    regular = await run(weather_agent())
    result = streamed(weather_agent())
    await events_of(result)
    return (
        (regular.final_output, [i.type for i in regular.new_items]),
        (result.final_output, [i.type for i in result.new_items]),
    )


BASICS_03 = item(
    "basics-03",
    both_ways,
    statement(lambda runs: runs[0] == runs[1]),
    lambda runs: f"Runner.run: {runs[0]}; streamed: {runs[1]}",
)


# --- basics-04 ----------------------------------------------------------------------------------


async def first_event() -> tuple[str, ...]:
    agent, _chat = scripted("Assistant", Turn.says("Hel", "lo!"))
    result = streamed(agent)
    printed: list[str] = []
    async for event in result.stream_events():
        printed.append(event.type)
        break
    await settle(result)
    return tuple(printed)


BASICS_04 = printing_item(
    "basics-04",
    first_event,
    [
        prints("agent_updated_stream_event"),
        prints("raw_response_event"),
        prints("run_item_stream_event"),
        prints("response.created"),
    ],
)


# --- basics-05 ----------------------------------------------------------------------------------


async def event_types() -> frozenset[str]:
    billing, _ = scripted(
        "Billing",
        Turn.calls_tools(Call.of("get_weather", {"city": "Paris"})),
        Turn.says("Sunny."),
        tools=[weather_tool()],
        handoff_description="Refunds and invoices.",
    )
    triage, _ = scripted("Triage", Turn.calls_tools(Call.of("transfer_to_billing")))
    triage.handoffs = [billing]
    return frozenset(event.type for event in await events_of(streamed(triage)))


def is_event_type(value: str) -> Claim[frozenset[str]]:
    return Claim(f'`"{value}"`', lambda types: value in types)


BASICS_05 = item(
    "basics-05",
    event_types,
    [
        is_event_type("run_item_stream_event"),
        is_event_type("tool_call_item"),
        is_event_type("raw_response_event"),
        is_event_type("response.output_text.delta"),
        is_event_type("agent_updated_stream_event"),
    ],
    lambda types: "event.type values: " + ", ".join(sorted(types)),
)


# --- basics-06 ----------------------------------------------------------------------------------


async def final_output_during() -> tuple[str, ...]:
    agent, _chat = scripted("Assistant", Turn.says("Hel", "lo!", delay=0.05))
    result = streamed(agent)
    printed: list[str] = []
    async for event in result.stream_events():
        if event.type == "run_item_stream_event" and event.name == "message_output_created":
            printed.append(f"during: {result.final_output} {result.is_complete}")
    printed.append(f"after: {result.final_output} {result.is_complete}")
    return tuple(printed)


def during_after(during: str, after: str) -> Claim[tuple[str, ...]]:
    lines = (f"during: {during}", f"after: {after}")
    return prints(*lines, quote=then(*lines))


BASICS_06 = printing_item(
    "basics-06",
    final_output_during,
    [
        during_after("Hello! False", "Hello! True"),
        during_after("Hello! True", "Hello! True"),
        during_after("None False", "Hello! True"),
        during_after("None False", "None True"),
    ],
)


# --- basics-07 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRun:
    regular_total: float
    streamed_total: float
    regular_tokens: int
    streamed_tokens: int
    model_answered_after_break: bool
    three_streamed_gathered: float


LABEL_TOKENS = ("billing", ":", " refund", " request")


def classifier() -> tuple[Any, Any]:
    return scripted(
        "Classifier", Turn.says(*LABEL_TOKENS, first_token_delay=0.6, delay=0.04, usage=(40, 4))
    )


async def streamed_total() -> tuple[float, int]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = streamed(classifier()[0])
    await events_of(result)
    return loop.time() - started, result.context_wrapper.usage.output_tokens


async def batch_run() -> BatchRun:
    loop = asyncio.get_running_loop()
    started = loop.time()
    regular = await run(classifier()[0])
    regular_total = loop.time() - started
    streamed_time, streamed_tokens = await streamed_total()

    agent, _chat = classifier()
    result = streamed(agent)
    async for event in result.stream_events():
        if is_text_delta(event):
            break
    await settle(result)

    started = loop.time()
    await asyncio.gather(*(streamed_total() for _ in range(3)))
    return BatchRun(
        regular_total=round(regular_total, 6),
        streamed_total=round(streamed_time, 6),
        regular_tokens=regular.context_wrapper.usage.output_tokens,
        streamed_tokens=streamed_tokens,
        model_answered_after_break=result.final_output == "".join(LABEL_TOKENS),
        three_streamed_gathered=round(loop.time() - started, 6),
    )


BASICS_07 = item(
    "basics-07",
    batch_run,
    [
        Claim(
            "streaming bills the tokens as events",
            lambda b: b.streamed_tokens > b.regular_tokens,
        ),
        Claim(
            "the whole label arrives sooner",
            lambda b: b.streamed_total < b.regular_total,
        ),
        Claim(
            "each run takes as long either way",
            lambda b: b.streamed_total == b.regular_total,
        ),
        Claim(
            "leaving the loop there ends the run",
            lambda b: not b.model_answered_after_break,
        ),
        Claim(
            "streamed runs cannot share one event loop",
            lambda b: b.three_streamed_gathered >= 2 * b.streamed_total,
        ),
    ],
    lambda b: (
        f"total {b.regular_total:g} s regular, {b.streamed_total:g} s streamed; output tokens "
        f"{b.regular_tokens} vs {b.streamed_tokens}; after break the run still answered: "
        f"{b.model_answered_after_break}; 3 streamed gathered: {b.three_streamed_gathered:g} s"
    ),
)


# --- basics-08 ----------------------------------------------------------------------------------


async def break_early() -> tuple[str, ...]:
    charges: list[int] = []
    agent, _chat = scripted(
        "Payments",
        Turn.calls_tools(Call.of("charge_card", {"amount": 5})),
        Turn.says("Charged", " 5 EUR."),
        tools=[charging_tool(charges)],
    )
    result = streamed(agent, "Charge 5 euros, then confirm")
    async for event in result.stream_events():
        if event.type == "raw_response_event":
            break
    await asyncio.sleep(5)
    return (f"{charges} {result.is_complete}",)


BASICS_08 = printing_item(
    "basics-08",
    break_early,
    [prints("[5] True"), prints("[] True"), prints("[] False"), prints("[5] False")],
)


# --- basics-09 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoLoops:
    total: int
    first: int
    second: int
    shared: int
    late_loop_replayed: bool
    error: str


async def two_loops() -> TwoLoops:
    def agent() -> Any:
        return scripted("A", Turn.says("a", "b", "c", "d", "e", delay=0.01))[0]

    everything = len(await events_of(streamed(agent())))
    result = streamed(agent())
    seen: tuple[list[StreamEvent], list[StreamEvent]] = ([], [])

    async def consume(into: list[StreamEvent]) -> None:
        async for event in result.stream_events():
            into.append(event)
            await asyncio.sleep(0.005)

    both = asyncio.gather(consume(seen[0]), consume(seen[1]), return_exceptions=True)
    outcome = await asyncio.wait_for(both, timeout=30)
    errors = [error_name(e) for e in outcome if isinstance(e, BaseException)]

    # A loop started once another has read part of the stream: does it get those events again?
    result = streamed(agent())
    early: list[StreamEvent] = []
    async for event in result.stream_events():
        early.append(event)
        if len(early) == 3:
            break
    late = await events_of(result)
    ids = {id(event) for event in seen[0]}
    return TwoLoops(
        total=everything,
        first=len(seen[0]),
        second=len(seen[1]),
        shared=sum(id(event) in ids for event in seen[1]),
        late_loop_replayed=any(event in late for event in early),
        error=errors[0] if errors else "",
    )


BASICS_09 = item(
    "basics-09",
    two_loops,
    [
        Claim(
            "Each loop receives every event",
            lambda t: t.first == t.second == t.total and t.shared == t.total,
        ),
        Claim("raises `RuntimeError`", lambda t: t.error == "RuntimeError"),
        Claim("first replays the events", lambda t: t.late_loop_replayed),
        Claim(
            "The two loops split the events",
            lambda t: t.shared == 0 and t.first > 0 and t.second > 0,
        ),
    ],
    lambda t: (
        f"{t.total} events: loop 1 got {t.first}, loop 2 got {t.second}, {t.shared} in both; "
        f"a later loop replayed earlier events: {t.late_loop_replayed}"
    ),
)


# --- basics-10 ----------------------------------------------------------------------------------


async def late_consumer() -> tuple[list[str], list[str], list[int]]:
    def agent(charges: list[int]) -> Any:
        return scripted(
            "Payments",
            Turn.calls_tools(Call.of("charge_card", {"amount": 5})),
            Turn.says("Done."),
            tools=[charging_tool(charges)],
        )[0]

    along = labels(await events_of(streamed(agent([]))))
    charges: list[int] = []
    result = streamed(agent(charges))
    await settle(result)
    late = labels(await events_of(result))
    return along, late, charges


BASICS_10 = item(
    "basics-10",
    late_consumer,
    statement(lambda runs: not runs[1]),
    lambda runs: (
        f"a loop started after the run (charges {runs[2]}) got {len(runs[1])} events "
        f"(a loop reading along: {len(runs[0])}), from {runs[1][:1]}"
    ),
)


ITEMS: tuple[Item[Any], ...] = (
    BASICS_01,
    BASICS_02,
    BASICS_03,
    BASICS_04,
    BASICS_05,
    BASICS_06,
    BASICS_07,
    BASICS_08,
    BASICS_09,
    BASICS_10,
)
