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
    function_tool,
    retry_policies,
)
from agents.stream_events import StreamEvent

from questions.evidence.chat import Call, ChatScript, Turn
from questions.evidence.claims import Claim, Fact, Item, item, on, printing_item, prints
from questions.evidence.django_streaming import Served, serve_asgi, serve_wsgi
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
    is_complete: bool
    raised_by_run_streamed: bool
    loop: Consumed
    raw_types: tuple[str, ...]
    final_output: Any


async def connection_drops() -> Dropped:
    agent, _ = scripted("A", Turn.says("Hel", "lo", " world", delay=0.01, fail_after=2))
    try:
        result = streamed(agent)
    except Exception:
        return Dropped(False, True, Consumed((), None), (), None)
    loop = await consume(result)
    raw = tuple(label(e) for e in loop.events if e.type == "raw_response_event")
    return Dropped(result.is_complete, False, loop, raw, result.final_output)


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
    facts=[
        Fact(
            "the loop raises the OpenAI client's APIConnectionError; is_complete True, no output",
            lambda d: (
                error_name(d.loop.error) == "APIConnectionError"
                and d.is_complete
                and d.final_output is None
            ),
        )
    ],
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
    facts=[
        Fact("the run is complete after cancel()", lambda c: c[0].is_complete and c[1].is_complete),
        Fact(
            "no further event reaches either loop",
            lambda c: c[0].after_cancel == c[1].after_cancel == 0,
        ),
    ],
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
    facts=[Fact("the fallback's model receives no trace of the charge", lambda f: not f[1])],
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
    facts=[
        Fact("a slow client without cancel(): the card is charged", lambda p: p[1] == "[5] True"),
        Fact("a slow client with result.cancel(): no charge", lambda p: p[2] == "[] True"),
    ],
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
        Claim("one loop interleaves them", lambda t: t[1] < 1.5 * t[0]),
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
    immediate: tuple[tuple[str, ...], tuple[str, ...]]
    bookings: tuple[str, ...]
    names: tuple[str, ...]
    model_calls: int
    final_output: Any


async def stop_at_first_event(mode: str) -> tuple[tuple[str, ...], tuple[str, ...], int, Any]:
    bookings: list[str] = []

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
        if event.type == "agent_updated_stream_event":  # Stop, while the model is deciding
            result.cancel(mode="after_turn" if mode == "after_turn" else "immediate")
        names += item_names([event])
    return tuple(bookings), tuple(names), chat.calls, result.final_output


async def stop_after_turn() -> AfterTurn:
    bookings, names, calls, final_output = await stop_at_first_event("after_turn")
    immediate = await stop_at_first_event("immediate")
    return AfterTurn(immediate[:2], bookings, names, calls, final_output)


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
    facts=[Fact("with cancel(): no tool call, no items", lambda a: a.immediate == ((), ()))],
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


# --- production-11 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelTimeout:
    message: str
    shown: int
    total: int
    error: str
    raised_at: float
    final_output: Any


async def model_call_timeout() -> ModelTimeout:
    words = 18
    agent, _ = scripted(
        "A",
        Turn.says(*("word ",) * words, first_token_delay=0.3, delay=0.1),
        model_settings=ModelSettings(timeout=1.0),
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = streamed(agent)
    seen = await consume(result)
    return ModelTimeout(
        message=str(seen.error or ""),
        shown=len(text_deltas(seen.events)),
        total=words,
        error=error_name(seen.error),
        raised_at=round(loop.time() - started, 6),
        final_output=result.final_output,
    )


PRODUCTION_11 = item(
    "production-11",
    model_call_timeout,
    [
        Claim(
            "then `ModelTimeoutError` from the loop at 1 s",
            lambda t: (
                0 < t.shown < t.total and t.error == "ModelTimeoutError" and t.raised_at == 1.0
            ),
        ),
        Claim("only bounds the wait for the first token", lambda t: t.shown == t.total),
        Claim("before streaming starts", lambda t: t.shown == 0 and t.error == "ModelTimeoutError"),
        Claim(
            "the loop ends quietly",
            lambda t: t.shown < t.total and t.error == "no exception",
        ),
    ],
    lambda t: (
        f"{t.shown} of {t.total} words shown, then {t.error} at {t.raised_at:g} s; "
        f"final_output {t.final_output!r}"
    ),
    facts=[
        Fact(
            'the message is "Model call timed out after 1 seconds."',
            lambda t: t.message == "Model call timed out after 1 seconds.",
        )
    ],
)


# --- production-12 ------------------------------------------------------------------------------


async def slow_client_and_failure() -> tuple[Consumed, Consumed]:
    def failing() -> Any:
        return scripted("A", Turn.says("Hel", "lo", " wor", "ld", delay=0.01, fail_after=3))[0]

    return await consume(streamed(failing())), await consume(streamed(failing()), per_event=0.05)


PRODUCTION_12 = item(
    "production-12",
    slow_client_and_failure,
    [
        Claim(
            "All three deltas, then the error",
            lambda c: c[1].shown == "Hello wor" and c[1].error is not None,
        ),
        Claim(
            "the events still queued when the run failed are dropped",
            lambda c: c[0].shown == "Hello wor" and c[1].shown == "" and c[1].error is not None,
        ),
        Claim("No error at all", lambda c: c[1].error is None),
        Claim("makes the SDK retry", lambda c: c[1].shown.startswith("Hello world")),
    ],
    lambda c: (
        f"a client keeping up got {c[0].shown!r} then {error_name(c[0].error)}; a slow client "
        f"got {c[1].shown!r} ({len(c[1].events)} event) then {error_name(c[1].error)}"
    ),
)


# --- production-13 ------------------------------------------------------------------------------


async def under_wsgi_and_asgi() -> tuple[Served, Served]:
    return await serve_wsgi(), await serve_asgi("/chat/async/")


PRODUCTION_13 = item(
    "production-13",
    under_wsgi_and_asgi,
    [
        on(claim, lambda served: served[0])
        for claim in (
            Claim[Served]("The text as it is generated", lambda s: s.first_body_before_end),
            Claim[Served](
                "All of it at once at the end",
                lambda s: (
                    s.status == 200 and s.bodies > 1 and not s.first_body_before_end and s.warned
                ),
            ),
            Claim[Served]("A 500 error", lambda s: s.status == 500),
            Claim[Served]("Only the first delta", lambda s: s.bodies == 1),
        )
    ],
    lambda served: (
        f"WSGI: status {served[0].status}, {served[0].bodies} chunks, the first sent before the "
        f"answer was complete: {served[0].first_body_before_end}; Django warned: "
        f"{served[0].warned}; ASGI: first chunk before the end: {served[1].first_body_before_end}"
    ),
    facts=[
        Fact(
            "under ASGI the same view sends its first chunk while the model is still writing",
            lambda served: served[1].status == 200 and served[1].first_body_before_end,
        )
    ],
)


# --- production-14 ------------------------------------------------------------------------------


async def views_under_asgi() -> tuple[Served, Served]:
    return await serve_asgi("/chat/sync/"), await serve_asgi("/chat/async/")


PRODUCTION_14 = item(
    "production-14",
    views_under_asgi,
    [
        Claim(
            "Django runs a sync view inside its event loop",
            lambda v: v[0].status == 200 and v[0].first_body_before_end,
        ),
        Claim(
            "with no loop for `run_streamed()`",
            lambda v: v[0].status == 500 and "no running event loop" in v[0].error,
        ),
        Claim(
            "the response of a sync view is buffered",
            lambda v: v[0].status == 200 and not v[0].first_body_before_end,
        ),
        Claim("one worker thread blocked per request", lambda v: v[0].status == 200),
    ],
    lambda v: (
        f"sync view: status {v[0].status} ({v[0].error or 'no error'}); async view creating the "
        f"run in its generator: status {v[1].status}, first chunk before the end: "
        f"{v[1].first_body_before_end}"
    ),
    facts=[
        Fact(
            "an async view that creates the run in its generator streams",
            lambda v: v[1].status == 200 and v[1].bodies > 1 and v[1].first_body_before_end,
        )
    ],
)


# --- production-15 and production-16 ------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    error: str
    others_complete_at_error: tuple[bool, ...]
    charges: tuple[int, ...]
    relays_cancelled: int


def three_users_runs(charges: list[int]) -> list[RunResultStreaming]:
    """Three users' runs: the second one's connection drops; the others charge a card at 1 s."""
    runs = []
    for user in range(3):
        if user == 1:
            agent, _ = scripted("B", Turn.says("Hel", "lo", delay=0.1, fail_after=1))
        else:
            agent, _ = scripted(
                "A",
                Turn.calls_tools(Call.of("charge_card", {"amount": 5}), first_delay=1.0),
                Turn.says("Charged."),
                tools=[charging_tool(charges)],
            )
        runs.append(streamed(agent, "Charge 5 EUR"))
    return runs


async def relays(together: str) -> Group:
    charges: list[int] = []
    runs = three_users_runs(charges)
    cancelled = 0

    async def relay(result: RunResultStreaming) -> None:
        nonlocal cancelled
        try:
            async for _event in result.stream_events():
                await asyncio.sleep(0)  # send_to_client(event)
        except asyncio.CancelledError:
            cancelled += 1
            raise

    error: BaseException | None = None
    complete_at_error: tuple[bool, ...] = ()
    try:
        if together == "gather":
            await asyncio.gather(*(relay(result) for result in runs))
        else:
            async with asyncio.TaskGroup() as group:
                for result in runs:
                    group.create_task(relay(result))
    except BaseException as raised:  # ExceptionGroup or the first error: the item asks which
        error = raised
        complete_at_error = tuple(runs[i].is_complete for i in (0, 2))
    await asyncio.sleep(5)
    name = error_name(error)
    if isinstance(error, BaseExceptionGroup):
        name += f"({', '.join(error_name(e) for e in error.exceptions)})"
    return Group(name, complete_at_error, tuple(charges), cancelled)


async def gathered_relays() -> Group:
    return await relays("gather")


PRODUCTION_15 = item(
    "production-15",
    gathered_relays,
    [
        Claim(
            "the other two runs go on to their end",
            lambda g: (
                g.error == "APIConnectionError"
                and g.others_complete_at_error == (False, False)
                and g.charges == (5, 5)
            ),
        ),
        Claim(
            "`gather()` cancels the other two relays",
            lambda g: g.relays_cancelled > 0 and not g.charges,
        ),
        Claim(
            "raises only once all three have finished", lambda g: all(g.others_complete_at_error)
        ),
        Claim("returns the error in its results", lambda g: g.error == "no exception"),
    ],
    lambda g: (
        f"{g.error}; the other runs complete at that point: {list(g.others_complete_at_error)}; "
        f"charges afterwards {list(g.charges)}; relays cancelled: {g.relays_cancelled}"
    ),
)


async def task_group_relays() -> Group:
    return await relays("task group")


PRODUCTION_16 = item(
    "production-16",
    task_group_relays,
    [
        Claim(
            "cancels its run too",
            lambda g: g.charges == () and g.relays_cancelled == 2,
        ),
        Claim(
            "the runs go on in the background",
            lambda g: g.charges == (5, 5) and g.relays_cancelled == 2,
        ),
        Claim("waits for every task", lambda g: g.charges == (5, 5) and g.relays_cancelled == 0),
        Claim("`ExceptionGroup`", lambda g: g.error == "no exception"),
    ],
    lambda g: (
        f"{g.error}; relays cancelled {g.relays_cancelled}; charges afterwards {list(g.charges)}"
    ),
    facts=[
        Fact(
            "the group raises an ExceptionGroup holding the APIConnectionError",
            lambda g: g.error == "ExceptionGroup(APIConnectionError)",
        )
    ],
)


# --- production-17 ------------------------------------------------------------------------------


async def usage_during_the_stream() -> tuple[str, ...]:
    agent, _ = scripted("A", Turn.says("Hello", " there", delay=0.05, usage=(12, 7)))
    result = streamed(agent)
    printed: list[str] = []
    async for event in result.stream_events():
        if is_text_delta(event):
            printed.append(f"delta {result.context_wrapper.usage.output_tokens}")
    printed.append(f"after {result.context_wrapper.usage.output_tokens}")
    return tuple(printed)


PRODUCTION_17 = printing_item(
    "production-17",
    usage_during_the_stream,
    [
        prints("delta 1", "delta 2", "after 7"),
        prints("delta 0", "delta 0", "after 7"),
        prints("delta 7", "delta 7", "after 7"),
        prints("delta 0", "delta 0", "after 0"),
    ],
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
    PRODUCTION_11,
    PRODUCTION_12,
    PRODUCTION_13,
    PRODUCTION_14,
    PRODUCTION_15,
    PRODUCTION_16,
    PRODUCTION_17,
)
