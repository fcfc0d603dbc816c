"""Derivations for the tools-handoffs category: tool calls and handoffs in one stream."""

from __future__ import annotations

import asyncio
import threading
import typing
from dataclasses import dataclass
from typing import Any

from agents import (
    AgentUpdatedStreamEvent,
    HandoffCallItem,
    HandoffOutputItem,
    RawResponsesStreamEvent,
    RunItemStreamEvent,
    ToolCallOutputItem,
    function_tool,
)
from agents.stream_events import StreamEvent
from openai.types.responses import (
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionToolCall,
    ResponseTextDeltaEvent,
)

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
from questions.evidence.run_items import run_items, triage_agent
from questions.evidence.runs import (
    agent_updates,
    error_name,
    events_of,
    item_names,
    non_raw,
    raised_by,
    scripted,
    streamed,
    text_deltas,
    weather_tool,
)

TRANSFER = Call.of("transfer_to_billing")


async def handoff_events(*billing: Turn, triage: Turn | None = None) -> list[StreamEvent]:
    agent = triage_agent(triage or Turn.calls_tools(TRANSFER), *billing)
    return await events_of(streamed(agent, "I want a refund"))


# --- tools-handoffs-01 --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAgent:
    updates: tuple[str, ...]
    events_with_agent: int
    requested_has_new_agent: bool
    occurred_target: str


async def new_agent_after_handoff() -> NewAgent:
    events = await handoff_events(Turn.says("OK"))
    requested = [e.item for e in run_items(events) if isinstance(e.item, HandoffCallItem)]
    occurred = [e.item for e in run_items(events) if isinstance(e.item, HandoffOutputItem)]
    return NewAgent(
        updates=tuple(agent_updates(events)),
        events_with_agent=sum(hasattr(event, "agent") for event in events),
        requested_has_new_agent=any(hasattr(item, "new_agent") for item in requested),
        occurred_target=occurred[0].target_agent.name if occurred else "",
    )


TOOLS_HANDOFFS_01 = item(
    "tools-handoffs-01",
    new_agent_after_handoff,
    [
        Claim("`event.agent.name`", lambda n: n.events_with_agent > 0),
        Claim(
            "`event.new_agent.name` on the `agent_updated_stream_event` that follows",
            lambda n: n.updates[-1:] == ("Billing",),
        ),
        Claim("`event.item.new_agent.name`", lambda n: n.requested_has_new_agent),
        Claim("The stream doesn't say", lambda n: "Billing" not in n.updates),
    ],
    lambda n: (
        f"agent updates {list(n.updates)}; stream events with an agent attribute: "
        f"{n.events_with_agent}; handoff_occured target {n.occurred_target}"
    ),
)


# --- tools-handoffs-02 --------------------------------------------------------------------------


async def handoff_order() -> tuple[str, ...]:
    return tuple(non_raw(await handoff_events(Turn.says("Refund approved."))))


TOOLS_HANDOFFS_02 = printing_item(
    "tools-handoffs-02",
    handoff_order,
    [
        prints("handoff_requested", "handoff_occured", "agent: Billing", "message_output_created"),
        prints(
            "agent: Triage",
            "handoff_requested",
            "agent: Billing",
            "handoff_occured",
            "message_output_created",
        ),
        prints(
            "agent: Triage",
            "agent: Billing",
            "handoff_requested",
            "handoff_occured",
            "message_output_created",
        ),
        prints(
            "agent: Triage",
            "handoff_requested",
            "handoff_occured",
            "agent: Billing",
            "message_output_created",
        ),
    ],
)


# --- tools-handoffs-03 --------------------------------------------------------------------------


async def occurred_spelling() -> tuple[list[str], tuple[str, ...]]:
    events = await handoff_events(Turn.says("OK"))
    declared = typing.get_args(typing.get_type_hints(RunItemStreamEvent)["name"])
    return item_names(events), declared


TOOLS_HANDOFFS_03 = item(
    "tools-handoffs-03",
    occurred_spelling,
    statement(
        lambda s: (
            "handoff_occured" in s[0]
            and "handoff_occurred" not in s[0]
            and "handoff_occurred" not in s[1]
        )
    ),
    lambda s: f"streamed names {s[0]}",
)


# --- tools-handoffs-04 --------------------------------------------------------------------------


async def after_handoff_result() -> tuple[str, ...]:
    agent = triage_agent(Turn.calls_tools(TRANSFER), Turn.says("Refund approved."))
    result = streamed(agent)
    await events_of(result)
    return (f"{result.last_agent.name} {[item.type for item in result.new_items]}",)


TOOLS_HANDOFFS_04 = printing_item(
    "tools-handoffs-04",
    after_handoff_result,
    [
        prints("Triage ['handoff_call_item', 'handoff_output_item', 'message_output_item']"),
        prints("Billing ['handoff_call_item', 'handoff_output_item', 'message_output_item']"),
        prints("Billing ['message_output_item']"),
        prints("Billing ['tool_call_item', 'tool_call_output_item', 'message_output_item']"),
    ],
)


# --- tools-handoffs-05 --------------------------------------------------------------------------


@dataclass(frozen=True)
class Handoff:
    deltas: tuple[str, ...]
    requested_raw_function_call: str
    names: tuple[str, ...]
    occurred: tuple[str, str]


async def handoff_in_stream() -> Handoff:
    events = await handoff_events(Turn.says("Refund", " approved"))
    requested = [e.item for e in run_items(events) if isinstance(e.item, HandoffCallItem)]
    occurred = [e.item for e in run_items(events) if isinstance(e.item, HandoffOutputItem)]
    raw = requested[0].raw_item if requested else None
    return Handoff(
        deltas=tuple(text_deltas(events)),
        requested_raw_function_call=raw.name if isinstance(raw, ResponseFunctionToolCall) else "",
        names=tuple(item_names(events)),
        occurred=(
            (occurred[0].source_agent.name, occurred[0].target_agent.name) if occurred else ("", "")
        ),
    )


TOOLS_HANDOFFS_05 = item(
    "tools-handoffs-05",
    handoff_in_stream,
    [
        Claim("only if you call `Runner.run_streamed()` again", lambda h: not h.deltas),
        Claim(
            "Billing's text deltas arrive in the same `stream_events()` loop",
            lambda h: "".join(h.deltas) == "Refund approved",
        ),
        Claim(
            "a function call named `transfer_to_billing`",
            lambda h: h.requested_raw_function_call == "transfer_to_billing",
        ),
        Claim(
            "reported as `tool_called` and `tool_output` events",
            lambda h: "tool_called" in h.names and "tool_output" in h.names,
        ),
        Claim(
            "a `HandoffOutputItem` with `source_agent` (Triage) and `target_agent` (Billing)",
            lambda h: h.occurred == ("Triage", "Billing"),
        ),
    ],
    lambda h: (
        f"{', '.join(h.names)}; requested as function call {h.requested_raw_function_call!r}; "
        f"from {h.occurred[0]} to {h.occurred[1]}; deltas {list(h.deltas)}"
    ),
)


# --- tools-handoffs-06 --------------------------------------------------------------------------


async def item_agents() -> tuple[str, ...]:
    @function_tool
    async def lookup_invoice(invoice_id: str) -> str:
        """Find an invoice."""
        return "Invoice 7: 30 EUR, paid"

    billing, _ = scripted(
        "Billing",
        Turn.calls_tools(Call.of("lookup_invoice", {"invoice_id": "7"})),
        Turn.says("Invoice 7 is paid."),
        tools=[lookup_invoice],
        handoff_description="Refunds and invoices.",
    )
    triage, _ = scripted("Triage", Turn.calls_tools(TRANSFER))
    triage.handoffs = [billing]
    events = await events_of(streamed(triage))
    return tuple(f"{e.name} {e.item.agent.name}" for e in run_items(events))


def owners(*pairs: str) -> Claim[tuple[str, ...]]:
    return prints(*pairs)


TOOLS_HANDOFFS_06 = printing_item(
    "tools-handoffs-06",
    item_agents,
    [
        owners(
            "handoff_requested Triage",
            "handoff_occured Billing",
            "tool_called Billing",
            "tool_output Billing",
            "message_output_created Billing",
        ),
        owners(
            "handoff_requested Triage",
            "handoff_occured Triage",
            "tool_called Triage",
            "tool_output Triage",
            "message_output_created Triage",
        ),
        owners(
            "handoff_requested Billing",
            "handoff_occured Billing",
            "tool_called Billing",
            "tool_output Billing",
            "message_output_created Billing",
        ),
        owners(
            "handoff_requested Triage",
            "handoff_occured Triage",
            "tool_called Billing",
            "tool_output Billing",
            "message_output_created Billing",
        ),
    ],
)


# --- tools-handoffs-07 --------------------------------------------------------------------------

Interval = tuple[float, float]


@dataclass(frozen=True)
class Indicator:
    tools_running: tuple[Interval, ...]
    by_strategy: tuple[tuple[Interval, ...], ...]


def _intervals(
    timeline: list[tuple[float, StreamEvent]], show: Any, hide: Any, pair: bool = False
) -> tuple[Interval, ...]:
    """When an indicator driven by `show`/`hide` is on (by call id when `pair` is set)."""
    spans = _paired_spans if pair else _spans
    return tuple(sorted(spans(timeline, show, hide)))


def _paired_spans(
    timeline: list[tuple[float, StreamEvent]], show: Any, hide: Any
) -> list[Interval]:
    """One span per call: from the event that shows it to the one that hides the same call."""
    on: list[Interval] = []
    pending: dict[str, float] = {}
    for time, event in timeline:
        if show(event):
            pending[call_id(event)] = time
        elif hide(event) and call_id(event) in pending:
            on.append((pending.pop(call_id(event)), time))
    return on


def _spans(timeline: list[tuple[float, StreamEvent]], show: Any, hide: Any) -> list[Interval]:
    """One indicator: on at the first `show`, off at the next `hide`."""
    on: list[Interval] = []
    shown_at: float | None = None
    for time, event in timeline:
        if shown_at is None and show(event):
            shown_at = time
        elif shown_at is not None and hide(event):
            on.append((shown_at, time))
            shown_at = None
    return on


def call_id(event: StreamEvent) -> str:
    if isinstance(event, RunItemStreamEvent):
        raw = event.item.raw_item
        value = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", "")
        return str(value)
    return ""


def is_run_item(name: str) -> Any:
    return lambda event: isinstance(event, RunItemStreamEvent) and event.name == name


def is_raw(kind: type) -> Any:
    return lambda event: isinstance(event, RawResponsesStreamEvent) and isinstance(event.data, kind)


async def tool_indicator() -> Indicator:
    running: list[Interval] = []

    @function_tool
    async def lookup(topic: str) -> str:
        """Look a topic up (slowly)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.sleep(0.1)
        running.append((round(started, 6), round(loop.time(), 6)))
        return f"found {topic}"

    agent, _ = scripted(
        "Assistant",
        Turn.calls_tools(Call.of("lookup", {"topic": "a"}, "call_a"), delay=0.02),
        Turn.calls_tools(Call.of("lookup", {"topic": "b"}, "call_b"), first_delay=0.3),
        Turn.says("Found", " both.", first_delay=0.3, delay=0.02),
        tools=[lookup],
    )
    loop = asyncio.get_running_loop()
    timeline: list[tuple[float, StreamEvent]] = []
    async for event in streamed(agent).stream_events():
        timeline.append((round(loop.time(), 6), event))
    strategies = (
        _intervals(timeline, is_run_item("tool_called"), is_run_item("tool_output"), pair=True),
        _intervals(
            timeline,
            is_raw(ResponseFunctionCallArgumentsDeltaEvent),
            is_raw(ResponseTextDeltaEvent),
        ),
        _intervals(timeline, is_run_item("tool_called"), is_run_item("message_output_created")),
        _intervals(
            timeline,
            lambda event: isinstance(event, AgentUpdatedStreamEvent),
            is_run_item("tool_output"),
        ),
    )
    return Indicator(tuple(sorted(running)), strategies)


def indicator_follows_tools(strategy: int, quote: str) -> Claim[Indicator]:
    return Claim(quote, lambda i: i.by_strategy[strategy] == i.tools_running)


TOOLS_HANDOFFS_07 = item(
    "tools-handoffs-07",
    tool_indicator,
    [
        indicator_follows_tools(0, "hide it on the `tool_output` with the same call id"),
        indicator_follows_tools(
            1, "Show it on the first `ResponseFunctionCallArgumentsDeltaEvent`"
        ),
        indicator_follows_tools(2, "hide it on the next `message_output_created`"),
        indicator_follows_tools(3, "Show it on `agent_updated_stream_event`"),
    ],
    lambda i: (
        f"tools ran {list(i.tools_running)}; indicators on {[list(s) for s in i.by_strategy]}"
    ),
    facts=[
        Fact(
            "tool_called reaches the consumer the tool's 0.1 s before tool_output",
            lambda i: all(end - start >= 0.099 for start, end in i.by_strategy[0]),
        )
    ],
)


# --- tools-handoffs-08 --------------------------------------------------------------------------


async def transcript_by_agent() -> tuple[str, ...]:
    agent = triage_agent(
        Turn(text=("Let me ", "transfer you."), calls=(TRANSFER,)), Turn.says("Refund ", "approved")
    )
    speaker = None
    transcript: dict[str | None, str] = {}
    async for event in streamed(agent).stream_events():
        if event.type == "agent_updated_stream_event":
            speaker = event.new_agent.name
        elif event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            transcript[speaker] = transcript.get(speaker, "") + event.data.delta
    return (str(transcript),)


TOOLS_HANDOFFS_08 = printing_item(
    "tools-handoffs-08",
    transcript_by_agent,
    [
        prints("{None: 'Let me transfer you.', 'Billing': 'Refund approved'}"),
        prints("{'Triage': 'Let me transfer you.Refund approved'}"),
        prints("{'Triage': 'Let me transfer you.', 'Billing': 'Refund approved'}"),
        prints("{'Billing': 'Let me transfer you.Refund approved'}"),
    ],
)


# --- tools-handoffs-09 --------------------------------------------------------------------------


async def stop_on_first_tool() -> tuple[tuple[str, ...], int]:
    agent, chat = scripted(
        "Weather",
        Turn.calls_tools(Call.of("get_weather", {"city": "Paris"})),
        Turn.says("It is sunny in Paris."),
        tools=[weather_tool()],
        tool_use_behavior="stop_on_first_tool",
    )
    result = streamed(agent, "Weather in Paris?")
    names = [e.name async for e in result.stream_events() if e.type == "run_item_stream_event"]
    return (f"{names} {result.final_output!r}",), chat.calls


TOOLS_HANDOFFS_09 = item(
    "tools-handoffs-09",
    stop_on_first_tool,
    [
        on(prints(line), lambda run: run[0])
        for line in (
            "['tool_called', 'tool_output', 'message_output_created'] 'Sunny in Paris'",
            "['tool_called', 'tool_output'] None",
            "['tool_called', 'tool_output'] 'Sunny in Paris'",
            "['tool_called', 'tool_output', 'message_output_created'] 'It is sunny in Paris.'",
        )
    ],
    lambda run: f"{printed_outcome(run[0])}; model calls {run[1]}",
    facts=[Fact("the model was called once", lambda run: run[1] == 1)],
)


# --- tools-handoffs-10 --------------------------------------------------------------------------


@dataclass(frozen=True)
class Specialist:
    handoff_text: str
    as_tool_text: str
    tool_output: str
    billing_streamed: bool
    on_stream_events: tuple[str, ...]
    on_stream_billing_streamed: bool


async def manager_with_billing_tool(on_stream: Any) -> tuple[list[StreamEvent], Any]:
    billing, chat = scripted("Billing", Turn.says("Refund ", "approved"))
    tool = billing.as_tool(
        tool_name="billing", tool_description="Handles refunds.", on_stream=on_stream
    )
    manager, _ = scripted(
        "Manager",
        Turn.calls_tools(Call.of("billing", {"input": "refund"})),
        Turn.says("Billing ", "says ", "yes"),
        tools=[tool],
    )
    return await events_of(streamed(manager)), chat


async def specialist_text_live() -> Specialist:
    """The outer stream's text when Billing is a handoff, and when it is an agent tool."""
    handoff = await handoff_events(Turn.says("Refund ", "approved"))
    events, chat = await manager_with_billing_tool(None)
    outputs = [
        str(e.item.output) for e in run_items(events) if isinstance(e.item, ToolCallOutputItem)
    ]
    nested: list[str] = []
    _events, streamed_chat = await manager_with_billing_tool(
        lambda payload: nested.append(payload["event"].type)
    )
    return Specialist(
        handoff_text="".join(text_deltas(handoff)),
        as_tool_text="".join(text_deltas(events)),
        tool_output=outputs[0] if outputs else "",
        billing_streamed=bool(chat.requests[0].get("stream")),
        on_stream_events=tuple(dict.fromkeys(nested)),
        on_stream_billing_streamed=bool(streamed_chat.requests[0].get("stream")),
    )


TOOLS_HANDOFFS_10 = item(
    "tools-handoffs-10",
    specialist_text_live,
    [
        Claim("Make Billing a handoff", lambda t: "Refund approved" in t.handoff_text),
        Claim("Use `billing.as_tool(...)`", lambda t: "Refund approved" in t.as_tool_text),
        Claim(
            "Either",
            lambda t: "Refund approved" in t.handoff_text and "Refund approved" in t.as_tool_text,
        ),
        Claim(
            "Neither",
            lambda t: (
                "Refund approved" not in t.handoff_text and "Refund approved" not in t.as_tool_text
            ),
        ),
    ],
    lambda t: (
        f"outer stream text with a handoff {t.handoff_text!r}, with as_tool {t.as_tool_text!r}"
    ),
    facts=[
        Fact(
            "the tool_output item holds Billing's whole answer",
            lambda t: t.tool_output == "Refund approved",
        ),
        Fact("Billing's model was called without streaming", lambda t: not t.billing_streamed),
        Fact(
            "on_stream runs Billing streamed and hands its events to the callback",
            lambda t: (
                t.on_stream_billing_streamed
                and t.on_stream_events[:1] == ("agent_updated_stream_event",)
                and "raw_response_event" in t.on_stream_events
            ),
        ),
    ],
)


# --- tools-handoffs-11 --------------------------------------------------------------------------


async def approval_resumed(approve: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The booking run, stopped for approval, then approved or rejected and resumed streamed:
    what the item's program prints, and the resumed run's item names."""
    bookings: list[str] = []

    @function_tool(needs_approval=True)
    async def book_flight(flight: str) -> str:
        """Book a flight."""
        bookings.append(flight)
        return f"Booked {flight}"

    agent, _ = scripted(
        "Travel",
        Turn.calls_tools(Call.of("book_flight", {"flight": "AF123"})),
        Turn.says("I could not ", "book it.") if not approve else Turn.says("Booked ", "AF123."),
        tools=[book_flight],
    )
    result = streamed(agent, "Book AF123")
    async for _event in result.stream_events():
        pass
    printed: list[str] = []
    names: list[str] = []
    try:
        state = result.to_state()
        if approve:
            state.approve(result.interruptions[0])
        else:
            state.reject(result.interruptions[0])
        result = streamed(agent, state)
        async for event in result.stream_events():
            names += item_names([event])
            if isinstance(event, RunItemStreamEvent) and isinstance(event.item, ToolCallOutputItem):
                printed.append(str(event.item.output))
    except Exception as error:  # the derivation records what the SDK raised
        printed.append(type(error).__name__)
    printed.append(f"{bookings} {result.final_output}")
    return tuple(printed), tuple(names)


async def rejected_and_resumed() -> tuple[tuple[str, ...], tuple[str, ...]]:
    rejected, _names = await approval_resumed(approve=False)
    return rejected, (await approval_resumed(approve=True))[0]


TOOLS_HANDOFFS_11 = item(
    "tools-handoffs-11",
    rejected_and_resumed,
    [
        on(claim, lambda runs: runs[0])
        for claim in (
            prints("Tool execution was not approved.", "[] I could not book it."),
            prints("[] None"),
            prints("Booked AF123", "['AF123'] I could not book it."),
            prints("UserError", "[] None"),
        )
    ],
    lambda runs: f"{printed_outcome(runs[0])}; approved instead: {' | '.join(runs[1])}",
    facts=[
        Fact(
            "on approval the tool runs and its output streams",
            lambda runs: runs[1] == ("Booked AF123", "['AF123'] Booked AF123."),
        )
    ],
)


# --- tools-handoffs-12 --------------------------------------------------------------------------


@dataclass(frozen=True)
class TimedOut:
    names: tuple[str, ...]
    output: str
    output_at: float
    error: str
    final_output: Any


async def tool_timeout() -> TimedOut:
    @function_tool(timeout=0.5)
    async def check_stock(sku: str) -> str:
        """Ask the warehouse for the stock of a product (slow today)."""
        await asyncio.sleep(2.0)
        return "12 in stock"

    agent, _ = scripted(
        "Shop",
        Turn.calls_tools(Call.of("check_stock", {"sku": "A-1"})),
        Turn.says("The warehouse ", "is not answering."),
        tools=[check_stock],
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = streamed(agent, "Is A-1 in stock?")
    timeline: list[tuple[float, StreamEvent]] = []

    async def read() -> None:
        async for event in result.stream_events():
            timeline.append((round(loop.time() - started, 6), event))

    error = await raised_by(read)
    outputs = [
        (time, str(event.item.output))
        for time, event in timeline
        if isinstance(event, RunItemStreamEvent) and isinstance(event.item, ToolCallOutputItem)
    ]
    return TimedOut(
        names=tuple(item_names([event for _, event in timeline])),
        output=outputs[0][1] if outputs else "",
        output_at=outputs[0][0] if outputs else 0.0,
        error=error_name(error),
        final_output=result.final_output,
    )


TOOLS_HANDOFFS_12 = item(
    "tools-handoffs-12",
    tool_timeout,
    [
        Claim(
            "saying it timed out; the model answers",
            lambda t: (
                t.output == "Tool 'check_stock' timed out after 0.5 seconds."
                and t.output_at == 0.5
                and t.final_output is not None
            ),
        ),
        Claim("raises `ToolTimeoutError`", lambda t: t.error == "ToolTimeoutError"),
        Claim("the timeout only logs a warning", lambda t: t.output == "12 in stock"),
        Claim("raises `ModelTimeoutError`", lambda t: t.error == "ModelTimeoutError"),
    ],
    lambda t: (
        f"{', '.join(t.names)}; tool_output at {t.output_at:g} s: {t.output!r}; {t.error}; "
        f"final_output {t.final_output!r}"
    ),
)


# --- tools-handoffs-13 --------------------------------------------------------------------------

# How long (real time) a blocking tool waits for the other stream before giving up.
BLOCKING_WAIT = 0.3


async def blocking_tool(declared_async: bool) -> bool:
    """Whether another stream finished while this run's tool was blocked in a blocking call."""
    tool_started = threading.Event()
    other_done = threading.Event()

    def blocking_call() -> str:
        # A blocking client call: returns once the other stream is done, or gives up.
        tool_started.set()
        return "done" if other_done.wait(BLOCKING_WAIT) else "timed out"

    if declared_async:

        @function_tool
        async def fetch_report(url: str) -> str:
            """Fetch a report."""
            return blocking_call()

        tool = fetch_report
    else:

        @function_tool
        def fetch_report_sync(url: str) -> str:
            """Fetch a report."""
            return blocking_call()

        tool = fetch_report_sync
    name = tool.name
    agent, _ = scripted(
        "Reports",
        Turn.calls_tools(Call.of(name, {"url": "https://x"})),
        Turn.says("Done."),
        tools=[tool],
    )
    other, _ = scripted("Other", Turn.says("Hello", " there"))
    results: list[str] = []

    async def first() -> None:
        async for event in streamed(agent).stream_events():
            if isinstance(event, RunItemStreamEvent) and isinstance(event.item, ToolCallOutputItem):
                results.append(str(event.item.output))

    async def second() -> None:
        # The other user's stream starts once the tool is blocking (its turns need no timer).
        await asyncio.to_thread(tool_started.wait, 5)
        await events_of(streamed(other))
        other_done.set()

    await asyncio.gather(first(), second())
    return results == ["done"]


async def blocking_tools() -> tuple[bool, bool]:
    return await blocking_tool(declared_async=False), await blocking_tool(declared_async=True)


TOOLS_HANDOFFS_13 = item(
    "tools-handoffs-13",
    blocking_tools,
    [
        Claim("As `def`", lambda b: b[0] and not b[1]),
        Claim("As `async def` around the blocking call", lambda b: b[1]),
        Claim("Either way", lambda b: b[0] and b[1]),
        Claim("Neither helps", lambda b: not b[0] and not b[1]),
    ],
    lambda b: (
        f"the other stream finished while the tool blocked: declared def {b[0]}, "
        f"declared async def {b[1]}"
    ),
)


# --- tools-handoffs-14 --------------------------------------------------------------------------


@dataclass(frozen=True)
class Shared:
    texts: tuple[str, str]
    overlapped: bool
    errors: tuple[str, str]


async def one_agent_two_users() -> Shared:
    agent, _ = scripted(
        "Assistant",
        Turn.says("For ", "Ann.", first_token_delay=0.2, delay=0.2),
        Turn.says("For ", "Bob.", first_token_delay=0.2, delay=0.2),
    )
    loop = asyncio.get_running_loop()
    spans: list[tuple[float, float]] = []

    async def user(question: str) -> tuple[str, str]:
        started = loop.time()
        result = streamed(agent, question)
        texts: list[str] = []

        async def read() -> None:
            async for event in result.stream_events():
                texts.extend(text_deltas([event]))

        error = await raised_by(read)
        spans.append((started, loop.time()))
        return "".join(texts), error_name(error)

    (ann, ann_error), (bob, bob_error) = await asyncio.gather(user("Ann's question"), user("Bob's"))
    overlapped = max(start for start, _ in spans) < min(end for _, end in spans)
    return Shared((ann, bob), overlapped, (ann_error, bob_error))


TOOLS_HANDOFFS_14 = item(
    "tools-handoffs-14",
    one_agent_two_users,
    [
        Claim(
            "the two streams run side by side without mixing",
            lambda s: s.texts == ("For Ann.", "For Bob.") and s.overlapped,
        ),
        Claim("The second call waits", lambda s: not s.overlapped),
        Claim("The events mix", lambda s: any("Ann" in t and "Bob" in t for t in s.texts)),
        Claim("It raises `UserError`", lambda s: "UserError" in s.errors),
    ],
    lambda s: f"texts {list(s.texts)}; the runs overlapped: {s.overlapped}; {list(s.errors)}",
)


ITEMS: tuple[Item[Any], ...] = (
    TOOLS_HANDOFFS_01,
    TOOLS_HANDOFFS_02,
    TOOLS_HANDOFFS_03,
    TOOLS_HANDOFFS_04,
    TOOLS_HANDOFFS_05,
    TOOLS_HANDOFFS_06,
    TOOLS_HANDOFFS_07,
    TOOLS_HANDOFFS_08,
    TOOLS_HANDOFFS_09,
    TOOLS_HANDOFFS_10,
    TOOLS_HANDOFFS_11,
    TOOLS_HANDOFFS_12,
    TOOLS_HANDOFFS_13,
    TOOLS_HANDOFFS_14,
)
