"""Derivations for the production category: errors, fallbacks, cancellation, timeouts, load."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from agents import (
    ModelRetrySettings,
    ModelSettings,
    RunResultStreaming,
    retry_policies,
)
from agents.stream_events import StreamEvent

from questions.evidence.chat import Call, ChatScript, Turn
from questions.evidence.claims import Claim, Item, item
from questions.evidence.runs import (
    charging_tool,
    error_name,
    events_of,
    is_text_delta,
    item_names,
    label,
    raised_by,
    run,
    scripted,
    streamed,
    text_deltas,
    weather_tool,
)

CHARGE = Call.of("charge_card", {"amount": 5}, "call_charge")


def dropped() -> httpx.ReadError:
    return httpx.ReadError("the connection to the model dropped")


@dataclass(frozen=True)
class Consumed:
    """What a consumer saw: the events it got before the loop ended, and what it raised."""

    events: tuple[StreamEvent, ...]
    error: BaseException | None

    @property
    def shown(self) -> str:
        return "".join(text_deltas(self.events))


async def consume(result: RunResultStreaming, per_event: float = 0.0) -> Consumed:
    events: list[StreamEvent] = []

    async def loop() -> None:
        async for event in result.stream_events():
            events.append(event)
            await asyncio.sleep(per_event)

    error = await raised_by(loop)
    return Consumed(tuple(events), error)


# --- production-01 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dropped:
    raised_by_run_streamed: bool
    loop: Consumed
    raw_types: tuple[str, ...]
    final_output: Any


async def connection_drops() -> Dropped:
    agent, _ = scripted("A", Turn.says("Hel", "lo", " world", delay=0.01, fail_after=2))
    try:
        result = streamed(agent)
    except Exception:
        return Dropped(True, Consumed((), None), (), None)
    loop = await consume(result)
    raw = tuple(label(e) for e in loop.events if e.type == "raw_response_event")
    return Dropped(False, loop, raw, result.final_output)


PRODUCTION_01 = item(
    "production-01",
    connection_drops,
    [
        Claim("raised by `Runner.run_streamed()` itself", lambda d: d.raised_by_run_streamed),
        Claim("Nowhere: the stream just ends", lambda d: d.loop.error is None),
        Claim(
            'As a `raw_response_event` with `event.data.type == "error"`',
            lambda d: "error" in d.raw_types and d.loop.error is None,
        ),
        Claim(
            "raised out of the `stream_events()` loop, after the events already delivered",
            lambda d: d.loop.error is not None and d.loop.shown == "Hello",
        ),
    ],
    lambda d: f"shown {d.loop.shown!r}, then {error_name(d.loop.error)} from the loop",
)


# --- production-02 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cancelled:
    error: str
    after_cancel: int
    queued_at_cancel: bool
    final_output: Any
    is_complete: bool


async def cancel_at_first_delta(per_event: float) -> Cancelled:
    agent, _ = scripted("A", Turn.says("Hel", "lo", "!", delay=0.05))
    result = streamed(agent)
    after = 0
    queued = False
    cancelled = False

    async def loop() -> None:
        nonlocal after, queued, cancelled
        async for event in result.stream_events():
            await asyncio.sleep(per_event)
            if cancelled:
                after += 1
            elif is_text_delta(event):
                queued = not result._event_queue.empty()  # events waiting when Stop is pressed
                result.cancel()
                cancelled = True

    error = await raised_by(loop)
    return Cancelled(error_name(error), after, queued, result.final_output, result.is_complete)


async def stop_button() -> tuple[Cancelled, Cancelled]:
    return await cancel_at_first_delta(0.0), await cancel_at_first_delta(1.0)


PRODUCTION_02 = item(
    "production-02",
    stop_button,
    [
        Claim(
            "It raises `asyncio.CancelledError`",
            lambda c: "CancelledError" in (c[0].error, c[1].error),
        ),
        Claim(
            "unless the run had already finished",
            lambda c: (
                c[0].error == c[1].error == "no exception"
                and c[0].final_output is None
                and c[1].final_output == "Hello!"
            ),
        ),
        Claim(
            "even when the run had already finished",
            lambda c: (
                c[0].error == c[1].error == "no exception"
                and c[0].final_output is None
                and c[1].final_output is None
            ),
        ),
        Claim(
            "still receives the events already queued",
            lambda c: c[1].queued_at_cancel and c[1].after_cancel > 0,
        ),
    ],
    lambda c: (
        f"keeping up: {c[0].error}, {c[0].after_cancel} events after cancel(), final_output "
        f"{c[0].final_output!r}; lagging behind a finished run: {c[1].error}, "
        f"{c[1].after_cancel} events after cancel(), final_output {c[1].final_output!r}"
    ),
)


# --- production-03 ------------------------------------------------------------------------------

WORDS = ("Stre", "aming", " is", " gre", "at", " for", " caf", "é", " ans", "wers.")


@dataclass(frozen=True)
class Buffered:
    raw: tuple[tuple[float, str], ...]
    buffered: tuple[tuple[float, str], ...]
    final_output: str
    done_buffered: float
    done_raw: float


async def word_buffer() -> Buffered:
    loop = asyncio.get_running_loop()

    async def read(
        buffer_words: bool,
    ) -> tuple[list[tuple[float, str]], list[tuple[float, str]], str, float]:
        agent, _ = scripted("A", Turn.says(*WORDS, first_token_delay=0.3, delay=0.03))
        started = loop.time()
        result = streamed(agent)
        raw: list[tuple[float, str]] = []
        sent: list[tuple[float, str]] = []
        buffer = ""
        async for event in result.stream_events():
            for delta in text_deltas([event]):
                now = round(loop.time() - started, 6)
                raw.append((now, delta))
                if not buffer_words:
                    continue
                buffer += delta
                if " " in buffer:  # flush whole words, keep the word in progress
                    words, buffer = buffer.rsplit(" ", 1)
                    sent.append((now, words + " "))
        if buffer:
            sent.append((round(loop.time() - started, 6), buffer))
        return raw, sent, str(result.final_output), round(loop.time() - started, 6)

    raw, _, _, done_raw = await read(buffer_words=False)
    _, buffered, final_output, done_buffered = await read(buffer_words=True)
    return Buffered(tuple(raw), tuple(buffered), final_output, done_buffered, done_raw)


PRODUCTION_03 = item(
    "production-03",
    word_buffer,
    [
        Claim("Earlier text", lambda b: b.buffered[0][0] < b.raw[0][0]),
        Claim(
            "Fewer, whole-word updates with the same text",
            lambda b: (
                "".join(c for _, c in b.buffered) == "".join(c for _, c in b.raw) == b.final_output
                and len(b.buffered) < len(b.raw)
                and all(chunk.endswith(" ") for _, chunk in b.buffered[:-1])
                and b.buffered[0][0] > b.raw[0][0]
            ),
        ),
        Claim(
            "Intact characters",
            lambda b: (
                "".join(c for _, c in b.raw) != b.final_output
                or any("\ufffd" in c for _, c in b.raw)
            ),
        ),
        Claim("A shorter run", lambda b: b.done_buffered < b.done_raw),
    ],
    lambda b: (
        f"{len(b.raw)} deltas (first at {b.raw[0][0]:g} s) became {len(b.buffered)} chunks "
        f"(first at {b.buffered[0][0]:g} s); done at {b.done_raw:g} s either way"
    ),
)


# --- production-04 ------------------------------------------------------------------------------


async def seed_fallback() -> tuple[tuple[str, ...], bool]:
    charges: list[int] = []
    agent, chat = scripted(
        "Payments",
        Turn.calls_tools(CHARGE),
        Turn.says("Done", ".", delay=0.01, fail_after=1),
        Turn.calls_tools(CHARGE),
        Turn.says("Done."),
        tools=[charging_tool(charges)],
    )
    try:
        result = streamed(agent, "Charge 5 EUR")
        async for _event in result.stream_events():
            pass
    except Exception:
        await run(agent, "Charge 5 EUR")
    fallback_input = chat.requests[2]["messages"]
    saw_charge = any(message.get("tool_calls") for message in fallback_input)
    return (str(charges),), saw_charge


PRODUCTION_04 = item(
    "production-04",
    seed_fallback,
    [
        Claim("`[5, 5]`", lambda f: f[0] == ("[5, 5]",)),
        Claim("because the fallback continues", lambda f: f[0] == ("[5]",) and f[1]),
        Claim("`[]`", lambda f: f[0] == ("[]",)),
        Claim("because `Runner.run` skips tools", lambda f: f[0] == ("[5]",) and not f[1]),
    ],
    lambda f: f"printed {f[0][0]}; the fallback's model saw the first charge: {f[1]}",
)


# --- production-05 ------------------------------------------------------------------------------


async def wait_for_relay(*, slow_client: bool, cancel_on_timeout: bool) -> str:
    charges: list[int] = []
    agent, _ = scripted(
        "Payments",
        Turn.calls_tools(CHARGE, first_delay=1.0),
        Turn.says("Charged."),
        tools=[charging_tool(charges)],
    )

    async def relay(result: RunResultStreaming) -> None:
        async for _event in result.stream_events():
            await asyncio.sleep(10 if slow_client else 0.001)  # send_to_client(event)

    result = streamed(agent, "Charge 5 EUR and confirm")
    try:
        await asyncio.wait_for(relay(result), timeout=0.5)
    except TimeoutError:
        if cancel_on_timeout:
            result.cancel()
    await asyncio.sleep(5)
    return f"{charges} {result.is_complete}"


async def timeout_lands() -> tuple[str, ...]:
    return (
        await wait_for_relay(slow_client=False, cancel_on_timeout=False),
        await wait_for_relay(slow_client=True, cancel_on_timeout=False),
        await wait_for_relay(slow_client=True, cancel_on_timeout=True),
    )


PRODUCTION_05 = item(
    "production-05",
    timeout_lands,
    [
        Claim("`[5] True`", lambda p: p[0] == "[5] True"),
        Claim("`[] False`", lambda p: p[0] == "[] False"),
        Claim("`[] True`", lambda p: p[0] == "[] True"),
        Claim("`[5] False`", lambda p: p[0] == "[5] False"),
    ],
    lambda p: f"printed {p[0]}; with a slow client: {p[1]}; slow client and cancel(): {p[2]}",
)


# --- production-06 ------------------------------------------------------------------------------


async def one_stream(name: str) -> Consumed:
    agent, _ = scripted(name, Turn.says(*("word",) * 20, first_token_delay=0.4, delay=0.08))
    return await consume(streamed(agent))


async def three_users() -> tuple[float, float, bool]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    await one_stream("alone")
    single = loop.time() - started
    started = loop.time()
    runs = await asyncio.gather(one_stream("s1"), one_stream("s2"), one_stream("s3"))
    together = loop.time() - started
    separate = all(run.error is None and run.shown == "word" * 20 for run in runs)
    return round(single, 6), round(together, 6), separate


PRODUCTION_06 = item(
    "production-06",
    three_users,
    [
        Claim("About 6 s: one event loop runs one stream at a time", lambda t: t[1] >= 2.5 * t[0]),
        Claim("they interleave on one event loop", lambda t: t[1] < 1.5 * t[0]),
        Claim("only if each stream runs in its own thread", lambda t: t[1] >= 2.5 * t[0]),
        Claim("arrive mixed in one `stream_events()` iterator", lambda t: not t[2]),
    ],
    lambda t: (
        f"one stream {t[0]:g} s, three gathered {t[1]:g} s; each got only its own text: {t[2]}"
    ),
)


# --- production-07 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AfterTurn:
    bookings: tuple[str, ...]
    names: tuple[str, ...]
    model_calls: int
    final_output: Any


async def stop_after_turn() -> AfterTurn:
    bookings: list[str] = []

    from agents import function_tool

    @function_tool
    async def book_flight(flight: str) -> str:
        """Book a flight."""
        bookings.append(flight)
        return f"Booked {flight}"

    agent, chat = scripted(
        "Travel",
        Turn.calls_tools(Call.of("book_flight", {"flight": "AF123"}), first_delay=0.5),
        Turn.says("Your flight ", "is booked."),
        tools=[book_flight],
    )
    result = streamed(agent, "Book AF123")
    names: list[str] = []
    async for event in result.stream_events():
        if event.type == "agent_updated_stream_event":
            result.cancel(mode="after_turn")  # Stop, while the model is still deciding
        names += item_names([event])
    return AfterTurn(tuple(bookings), tuple(names), chat.calls, result.final_output)


PRODUCTION_07 = item(
    "production-07",
    stop_after_turn,
    [
        Claim(
            "the model is not called again",
            lambda a: (
                a.bookings == ("AF123",)
                and a.names == ("tool_called", "tool_output")
                and a.model_calls == 1
            ),
        ),
        Claim("no tool runs", lambda a: not a.bookings and not a.names),
        Claim(
            "the model also writes its confirmation",
            lambda a: bool(a.bookings) and "message_output_created" in a.names,
        ),
        Claim(
            "its `tool_output` is not streamed",
            lambda a: bool(a.bookings) and "tool_output" not in a.names,
        ),
    ],
    lambda a: (
        f"bookings {list(a.bookings)}; items {list(a.names)}; model calls {a.model_calls}; "
        f"final_output {a.final_output!r}"
    ),
)


# --- production-08 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fallbacks:
    shown: str
    loop_error: str
    final_output: Any
    restart_charges: int
    resume_charges: int
    resume_answer: Any
    replayed_with_retry: bool


def failing_payment(charges: list[int], *fallback: Turn, **options: Any) -> tuple[Any, ChatScript]:
    return scripted(
        "Payments",
        Turn.calls_tools(CHARGE),
        Turn.says("Charged", " 5", " EUR.", delay=0.01, fail_after=2),
        *fallback,
        tools=[charging_tool(charges)],
        **options,
    )


async def safe_fallback() -> Fallbacks:
    charges: list[int] = []
    agent, _ = failing_payment(charges, Turn.calls_tools(CHARGE), Turn.says("Charged 5 EUR."))
    result = streamed(agent, "Charge 5 EUR")
    loop = await consume(result)
    await run(agent, "Charge 5 EUR")  # the seed's fallback: start over
    restart_charges = len(charges)

    charges = []
    agent, _ = failing_payment(charges, Turn.says("Charged 5 EUR."))
    resumed = streamed(agent, "Charge 5 EUR")
    await consume(resumed)
    answer = (await run(agent, resumed.to_input_list())).final_output

    retry = ModelSettings(
        retry=ModelRetrySettings(
            max_retries=3, policy=retry_policies.network_error(), backoff={"initial_delay": 0}
        )
    )
    agent, chat = failing_payment([], Turn.says("Charged 5 EUR."), model_settings=retry)
    retried = streamed(agent, "Charge 5 EUR")
    await consume(retried)
    return Fallbacks(
        shown=loop.shown,
        loop_error=error_name(loop.error),
        final_output=result.final_output,
        restart_charges=restart_charges,
        resume_charges=len(charges),
        resume_answer=answer,
        replayed_with_retry=chat.calls > 2 and retried.final_output is not None,
    )


PRODUCTION_08 = item(
    "production-08",
    safe_fallback,
    [
        Claim("Make side-effecting tools idempotent", lambda f: f.restart_charges == 2),
        Claim("the runner then replays a stream", lambda f: f.replayed_with_retry),
        Claim(
            "Start the fallback from `result.to_input_list()`",
            lambda f: f.resume_charges == 1 and f.resume_answer == "Charged 5 EUR.",
        ),
        Claim(
            "`result.final_output` holds the partial answer",
            lambda f: bool(f.shown) and f.final_output == f.shown,
        ),
        Claim(
            "Clear the partial answer", lambda f: bool(f.shown) and f.loop_error != "no exception"
        ),
    ],
    lambda f: (
        f"shown {f.shown!r} before {f.loop_error}; final_output {f.final_output!r}; charges: "
        f"{f.restart_charges} starting over, {f.resume_charges} from to_input_list(); "
        f"retry replayed the stream: {f.replayed_with_retry}"
    ),
)


# --- production-09 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retried:
    early_calls: int
    early_output: Any
    late_calls: int
    late_error: str
    late_shown: str
    late_output: Any


async def streamed_retries() -> Retried:
    retry = ModelSettings(
        retry=ModelRetrySettings(
            max_retries=3, policy=retry_policies.network_error(), backoff={"initial_delay": 0}
        )
    )
    early_agent, early = scripted(
        "A", Turn(fail_after=0, error=dropped()), Turn.says("OK"), model_settings=retry
    )
    early_result = streamed(early_agent)
    await consume(early_result)
    late_agent, late = scripted(
        "A",
        Turn.says("Hel", "lo", delay=0.01, fail_after=1, error=dropped()),
        Turn.says("Hello"),
        model_settings=retry,
    )
    late_result = streamed(late_agent)
    loop = await consume(late_result)
    return Retried(
        early.calls,
        early_result.final_output,
        late.calls,
        error_name(loop.error),
        loop.shown,
        late_result.final_output,
    )


PRODUCTION_09 = item(
    "production-09",
    streamed_retries,
    [
        Claim(
            "the consumer sees the first words twice",
            lambda r: r.late_calls == 2 and r.late_shown.count("Hel") == 2,
        ),
        Claim(
            "No retry, since output was already streamed",
            lambda r: r.late_calls == 1 and r.late_error != "no exception" and r.early_calls == 2,
        ),
        Claim(
            "resumes from the last delivered delta",
            lambda r: r.late_calls == 2 and r.late_error == "no exception",
        ),
        Claim(
            "restarts from scratch in the same stream",
            lambda r: r.late_calls == 2 and r.late_output == "Hello",
        ),
    ],
    lambda r: (
        f"failure before any output: {r.early_calls} calls, final_output {r.early_output!r}; "
        f"after {r.late_shown!r}: {r.late_calls} call, {r.late_error} from the loop"
    ),
)


# --- production-10 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlowClient:
    model_done_while_busy: bool
    calls_when_tool_output_handled: int
    received: int
    expected: int
    error: str


async def slow_client() -> SlowClient:
    def agent() -> tuple[Any, ChatScript]:
        return scripted(
            "Weather",
            Turn.calls_tools(Call("get_weather", ('{"city":', '"Paris"}')), delay=0.005),
            Turn.says("Sunny", delay=0.005),
            tools=[weather_tool()],
        )

    expected = len(await events_of(streamed(agent()[0])))
    weather, chat = agent()
    loop = asyncio.get_running_loop()
    result = streamed(weather)
    received = 0
    busy_until = 0.0
    calls_at_output = 0
    error = None
    try:
        async for event in result.stream_events():
            received += 1
            if received == 2:  # the client is slow on the first raw event
                await asyncio.sleep(0.2)
                busy_until = loop.time()
            if label(event) == "tool_output":
                await asyncio.sleep(0.05)
                calls_at_output = chat.calls
    except Exception as raised:  # recorded: the claims ask whether the SDK raises
        error = raised
    return SlowClient(
        model_done_while_busy=bool(chat.sent_at) and chat.sent_at[0] < busy_until,
        calls_when_tool_output_handled=calls_at_output,
        received=received,
        expected=expected,
        error=error_name(error),
    )


PRODUCTION_10 = item(
    "production-10",
    slow_client,
    [
        Claim("It pauses the model's HTTP stream", lambda s: not s.model_done_while_busy),
        Claim("It drops the events", lambda s: s.received < s.expected),
        Claim("It raises an error", lambda s: s.error != "no exception"),
        Claim(
            "It queues the turn's events in memory",
            lambda s: (
                s.model_done_while_busy
                and s.calls_when_tool_output_handled == 1
                and s.received == s.expected
            ),
        ),
    ],
    lambda s: (
        f"model stream read to its end while the client was busy: {s.model_done_while_busy}; "
        f"model calls when tool_output was handled: {s.calls_when_tool_output_handled}; "
        f"{s.received}/{s.expected} events"
    ),
)


ITEMS: tuple[Item[Any], ...] = (
    PRODUCTION_01,
    PRODUCTION_02,
    PRODUCTION_03,
    PRODUCTION_04,
    PRODUCTION_05,
    PRODUCTION_06,
    PRODUCTION_07,
    PRODUCTION_08,
    PRODUCTION_09,
    PRODUCTION_10,
)
