"""Derivations for the basics category: run_streamed(), stream_events() and when to stream."""

from __future__ import annotations

import asyncio
import gc
import inspect
import warnings
from dataclasses import dataclass
from typing import Any

from agents import (
    Agent,
    GuardrailFunctionOutput,
    RunContextWrapper,
    Runner,
    RunResult,
    RunResultStreaming,
    function_tool,
    input_guardrail,
)
from agents.stream_events import StreamEvent

from questions.evidence.chat import Call, Turn
from questions.evidence.claims import (
    Claim,
    Fact,
    Item,
    item,
    on,
    printed_outcome,
    printing_item,
    prints,
    statement,
)
from questions.evidence.runs import (
    RUN_CONFIG,
    charging_tool,
    error_name,
    events_of,
    is_text_delta,
    item_names,
    labels,
    raised_by,
    run,
    scripted,
    settle,
    streamed,
    text_deltas,
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


async def both_ways() -> tuple[tuple[Any, list[str]], tuple[Any, list[str]], Any]:
    def weather_agent() -> Any:
        return scripted(
            "Weather",
            Turn.calls_tools(Call.of("get_weather", {"city": "Paris"})),
            Turn.says("It is sunny", " in Paris."),
            tools=[weather_tool()],
        )[0]

    regular = await run(weather_agent())
    result = streamed(weather_agent())
    during = {repr(result.final_output) async for _ in result.stream_events()}
    return (
        (regular.final_output, [i.type for i in regular.new_items]),
        (result.final_output, [i.type for i in result.new_items]),
        during,
    )


BASICS_03 = item(
    "basics-03",
    both_ways,
    statement(lambda runs: runs[0] == runs[1]),
    lambda runs: f"Runner.run: {runs[0]}; streamed: {runs[1]}",
    facts=[
        Fact(
            "both new_items lists hold a tool call, its output and a message",
            lambda runs: (
                runs[1][1] == ["tool_call_item", "tool_call_output_item", "message_output_item"]
            ),
        ),
        Fact(
            "a streamed final_output is None until the stream has ended", lambda r: r[2] == {"None"}
        ),
    ],
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


async def final_output_during(slow: bool = False) -> tuple[str, ...]:
    agent, _chat = scripted("Assistant", Turn.says("Hel", "lo!", delay=0.05))
    result = streamed(agent)
    printed: list[str] = []
    async for event in result.stream_events():
        if slow and event.type == "agent_updated_stream_event":
            await asyncio.sleep(1.0)  # e.g. a slow network write
        if event.type == "run_item_stream_event" and event.name == "message_output_created":
            printed.append(f"during: {result.final_output} {result.is_complete}")
    printed.append(f"after: {result.final_output} {result.is_complete}")
    return tuple(printed)


async def fast_and_slow_loops() -> tuple[tuple[str, ...], tuple[str, ...]]:
    return await final_output_during(), await final_output_during(slow=True)


def during_after(during: str, after: str) -> Claim[tuple[tuple[str, ...], tuple[str, ...]]]:
    lines = (f"during: {during}", f"after: {after}")
    return on(prints(*lines, quote=then(*lines)), lambda loops: loops[0])


BASICS_06 = item(
    "basics-06",
    fast_and_slow_loops,
    [
        during_after("Hello! False", "Hello! True"),
        during_after("Hello! True", "Hello! True"),
        during_after("None False", "Hello! True"),
        during_after("None False", "None True"),
    ],
    lambda loops: f"printed: {' | '.join(loops[0])}; a slow loop: {' | '.join(loops[1])}",
    facts=[
        Fact(
            "a loop that awaits something slow first finds the final values",
            lambda loops: loops[1] == ("during: Hello! True", "after: Hello! True"),
        )
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


@dataclass(frozen=True)
class Abandoned:
    printed: tuple[str, ...]
    kept_stalls: bool
    released_completes: bool


def charging_agent(charges: list[int]) -> tuple[Any, Any]:
    return scripted(
        "Payments",
        Turn.calls_tools(Call.of("charge_card", {"amount": 5})),
        Turn.says("Charged", " 5 EUR."),
        tools=[charging_tool(charges)],
    )


async def break_early() -> Abandoned:
    charges: list[int] = []
    agent, _chat = charging_agent(charges)
    result = streamed(agent, "Charge 5 euros, then confirm")
    async for event in result.stream_events():
        if event.type == "raw_response_event":
            break
    await asyncio.sleep(5)
    printed = (f"{charges} {result.is_complete}",)

    # The trap: an abandoned iterator that is still referenced counts as a consumer.
    kept_charges: list[int] = []
    agent, chat = charging_agent(kept_charges)
    result = streamed(agent, "Charge 5 euros, then confirm")
    stream = result.stream_events()
    async for event in stream:
        if event.type == "raw_response_event":
            break
    await asyncio.sleep(5)
    kept_stalls = kept_charges == [5] and chat.calls == 1 and not result.is_complete
    del stream
    await settle(result)
    return Abandoned(printed, kept_stalls, chat.calls == 2 and result.is_complete)


BASICS_08 = item(
    "basics-08",
    break_early,
    [
        on(prints(line), lambda a: a.printed)
        for line in ("[5] True", "[] True", "[] False", "[5] False")
    ],
    lambda a: printed_outcome(a.printed),
    facts=[
        Fact(
            "a kept iterator holds the run before its next model call until it is released",
            lambda a: a.kept_stalls and a.released_completes,
        )
    ],
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
    waiting_loops_unfinished: int
    third_loop_after_end: int


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
        waiting_loops_unfinished=await waiting_loops(agent()),
        third_loop_after_end=len(await events_of(result)),
    )


async def waiting_loops(agent: Any) -> int:
    """Two loops that never pause: how many are still waiting once the run has ended."""
    result = streamed(agent)

    async def consume() -> None:
        async for _event in result.stream_events():
            pass

    tasks = {asyncio.create_task(consume()), asyncio.create_task(consume())}
    await asyncio.wait(tasks, timeout=5)
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return len(pending)


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
    facts=[
        Fact(
            "together the two loops get the whole stream", lambda t: t.first + t.second == t.total
        ),
        Fact(
            "when both loops wait on the queue at the end, one never finishes",
            lambda t: t.waiting_loops_unfinished == 1,
        ),
        Fact("a loop started after the end gets nothing", lambda t: t.third_loop_after_end == 0),
    ],
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
    facts=[
        Fact("the run charged the card without a consumer", lambda runs: runs[2] == [5]),
        Fact("the late loop gets what a loop reading along gets", lambda runs: runs[1] == runs[0]),
    ],
)


# --- basics-11 ----------------------------------------------------------------------------------


def outside_a_loop() -> tuple[str, str]:
    """Call run_streamed() where no event loop runs (a plain script), as the item's code does."""
    agent, _ = scripted("Assistant", Turn.says("Hi"))
    with warnings.catch_warnings():
        # The run's coroutine is made before the task that would run it fails to start.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = Runner.run_streamed(agent, "Hi", run_config=RUN_CONFIG)
        except Exception as error:  # the derivation records what the SDK raised
            gc.collect()
            return type(error).__name__, str(error)
        return type(result).__name__, ""


def run_sync_outside_a_loop() -> Any:
    """What `Runner.run_sync()` gives in the same place: it runs its own event loop."""
    agent, _ = scripted("Assistant", Turn.says("Hi", " there"))
    return Runner.run_sync(agent, "Hi", run_config=RUN_CONFIG).final_output


async def script_without_loop() -> tuple[str, str, Any]:
    error_type, message = await asyncio.to_thread(outside_a_loop)
    return error_type, message, await asyncio.to_thread(run_sync_outside_a_loop)


BASICS_11 = item(
    "basics-11",
    script_without_loop,
    [
        Claim("`RunResultStreaming` is printed", lambda r: r[0] == "RunResultStreaming"),
        Claim(
            "`RuntimeError: no running event loop`",
            lambda r: r[0] == "RuntimeError" and "no running event loop" in r[1],
        ),
        Claim("It blocks until the run has finished", lambda r: r[0] == "RunResultStreaming"),
        Claim("`TypeError`", lambda r: r[0] == "TypeError"),
    ],
    lambda r: f"{r[0]}: {r[1]}" if r[1] else f"returned a {r[0]}",
    facts=[Fact("Runner.run_sync() works in the same script", lambda r: r[2] == "Hi there")],
)


# --- basics-12 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    names: tuple[str, ...]
    interruptions: int
    booked: tuple[str, ...]
    final_output: Any
    error: str
    stream_ended: bool


def booking_agent(bookings: list[str]) -> Any:
    @function_tool(needs_approval=True)
    async def book_flight(flight: str) -> str:
        """Book a flight."""
        bookings.append(flight)
        return f"Booked {flight}"

    return scripted(
        "Travel",
        Turn.calls_tools(Call.of("book_flight", {"flight": "AF123"})),
        Turn.says("Booked."),
        tools=[book_flight],
    )[0]


async def approval_both_ways() -> tuple[Approval, Approval]:
    bookings: list[str] = []
    regular: Any = None

    async def run_regular() -> None:
        nonlocal regular
        regular = await run(booking_agent(bookings), "Book AF123")

    error = await raised_by(run_regular)
    both = [
        Approval(
            (),
            len(regular.interruptions) if regular else 0,
            tuple(bookings),
            regular.final_output if regular else None,
            error_name(error),
            True,
        )
    ]
    bookings = []
    result = streamed(booking_agent(bookings), "Book AF123")

    names: list[str] = []

    async def consume() -> None:
        names.extend(item_names(await asyncio.wait_for(events_of(result), timeout=60)))

    error = await raised_by(consume)
    both.append(
        Approval(
            tuple(names),
            len(result.interruptions),
            tuple(bookings),
            result.final_output,
            error_name(error),
            result.is_complete and error is None,
        )
    )
    return both[0], both[1]


def paused(approval: Approval) -> bool:
    return (
        approval.interruptions == 1
        and not approval.booked
        and approval.final_output is None
        and approval.error == "no exception"
    )


BASICS_12 = item(
    "basics-12",
    approval_both_ways,
    [
        Claim(
            "Both end with the call in `result.interruptions`",
            lambda a: paused(a[0]) and paused(a[1]),
        ),
        Claim("a streamed run runs the tool", lambda a: paused(a[0]) and bool(a[1].booked)),
        Claim("waiting for `approve()` before its next event", lambda a: not a[1].stream_ended),
        Claim(
            "Both raise an approval-required exception",
            lambda a: "no exception" not in (a[0].error, a[1].error),
        ),
    ],
    lambda a: (
        f"Runner.run: {a[0].interruptions} interruption, tool ran {list(a[0].booked)}, "
        f"final_output {a[0].final_output!r}; streamed: {a[1].interruptions} interruption, "
        f"tool ran {list(a[1].booked)}, the loop ended: {a[1].stream_ended}"
    ),
    facts=[
        Fact("the stream delivers tool_called, then ends", lambda a: a[1].names == ("tool_called",))
    ],
)


# --- basics-13 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Felt:
    regular_total: float
    first_text: float
    streamed_total: float


async def felt_latency(*tokens: str, first_token: float, per_token: float) -> Felt:
    def answer() -> Any:
        return scripted(
            "Assistant", Turn.says(*tokens, first_token_delay=first_token, delay=per_token)
        )[0]

    loop = asyncio.get_running_loop()
    started = loop.time()
    await run(answer())
    regular_total = loop.time() - started
    started = loop.time()
    first_text = None
    async for event in streamed(answer()).stream_events():
        if first_text is None and is_text_delta(event):
            first_text = loop.time() - started
    streamed_total = loop.time() - started
    return Felt(round(regular_total, 3), round(first_text or 0.0, 3), round(streamed_total, 3))


async def long_answer() -> Felt:
    return await felt_latency(*("word ",) * 55, first_token=0.6, per_token=0.1)


BASICS_13 = item(
    "basics-13",
    long_answer,
    [
        Claim(
            "The first words show after about 0.6 s",
            lambda f: f.first_text <= 0.7 and abs(f.streamed_total - f.regular_total) < 0.1,
        ),
        Claim(
            "The full answer arrives in about half the time",
            lambda f: f.streamed_total < 0.6 * f.regular_total,
        ),
        Claim("Nothing visible", lambda f: f.first_text >= f.regular_total - 0.1),
        Claim(
            "the full answer takes about twice as long",
            lambda f: f.streamed_total > 1.5 * f.regular_total,
        ),
    ],
    lambda f: (
        f"Runner.run returned after {f.regular_total:g} s; streamed: first words at "
        f"{f.first_text:g} s, done at {f.streamed_total:g} s"
    ),
)


# --- basics-14 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OneToken:
    felt: Felt
    deltas: tuple[str, ...]


async def one_token_answer() -> OneToken:
    felt = await felt_latency("yes", first_token=0.8, per_token=0.0)
    agent, _ = scripted("Classifier", Turn.says("yes", first_token_delay=0.8))
    return OneToken(felt, tuple(text_deltas(await events_of(streamed(agent)))))


BASICS_14 = item(
    "basics-14",
    one_token_answer,
    [
        Claim(
            "well ahead of `Runner.run()`", lambda o: o.felt.first_text < o.felt.regular_total - 0.1
        ),
        Claim(
            "its one delta is the whole answer",
            lambda o: o.deltas == ("yes",) and o.felt.first_text == o.felt.regular_total,
        ),
        Claim("noticeably later", lambda o: o.felt.first_text > o.felt.regular_total + 0.1),
        Claim("the SDK splits the token into characters", lambda o: len(o.deltas) > 1),
    ],
    lambda o: (
        f"deltas {list(o.deltas)} at {o.felt.first_text:g} s; Runner.run returned after "
        f"{o.felt.regular_total:g} s"
    ),
)


# --- basics-15 ----------------------------------------------------------------------------------

ANSWER_WORDS = 20


@dataclass(frozen=True)
class Screened:
    shown: int
    error: str
    model_calls: int


async def screened(in_parallel: bool) -> Screened:
    @input_guardrail(run_in_parallel=in_parallel)
    async def policy_check(
        context: RunContextWrapper[Any], agent: Agent[Any], text: Any
    ) -> GuardrailFunctionOutput:
        await asyncio.sleep(1.0)  # an LLM check
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered=True)

    agent, chat = scripted(
        "Support",
        Turn.says(*("word ",) * ANSWER_WORDS, first_token_delay=0.3, delay=0.1),
        input_guardrails=[policy_check],
    )
    result = streamed(agent)
    shown: list[str] = []

    async def read() -> None:
        async for event in result.stream_events():
            shown.extend(text_deltas([event]))

    error = await raised_by(read)
    return Screened(len(shown), error_name(error), chat.calls)


async def guardrail_in_parallel() -> tuple[Screened, Screened]:
    return await screened(in_parallel=True), await screened(in_parallel=False)


BASICS_15 = item(
    "basics-15",
    guardrail_in_parallel,
    [
        Claim(
            "input guardrails finish before the model is called",
            lambda g: g[0].shown == 0 and g[0].model_calls == 0,
        ),
        Claim(
            "the model streams while the guardrail runs",
            lambda g: (
                0 < g[0].shown < ANSWER_WORDS and g[0].error == "InputGuardrailTripwireTriggered"
            ),
        ),
        Claim("The whole answer", lambda g: g[0].shown == ANSWER_WORDS),
        Claim("the SDK holds text deltas back", lambda g: g[0].shown == 0),
    ],
    lambda g: (
        f"in parallel (the default): {g[0].shown} of {ANSWER_WORDS} deltas shown, then "
        f"{g[0].error}; run_in_parallel=False: {g[1].shown} shown, {g[1].model_calls} model calls"
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
    BASICS_11,
    BASICS_12,
    BASICS_13,
    BASICS_14,
    BASICS_15,
)
