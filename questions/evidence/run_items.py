"""Derivations for the run-items category: run item events, their names, items and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents import (
    Agent,
    GuardrailFunctionOutput,
    ItemHelpers,
    MaxTurnsExceeded,
    MessageOutputItem,
    RunContextWrapper,
    RunItemStreamEvent,
    ToolCallItem,
    ToolCallOutputItem,
    function_tool,
    output_guardrail,
)
from agents.stream_events import StreamEvent

from questions.evidence.chat import Call, Turn
from questions.evidence.claims import Claim, Item, item, printing_item, prints, statement
from questions.evidence.runs import (
    error_name,
    events_of,
    item_names,
    labels,
    raised_by,
    scripted,
    streamed,
    text_deltas,
    weather_tool,
)

WEATHER_CALL = Call.of("get_weather", {"city": "Paris"}, "call_weather")


def run_items(events: list[StreamEvent]) -> list[RunItemStreamEvent]:
    return [event for event in events if isinstance(event, RunItemStreamEvent)]


def weather_agent(*turns: Turn, **options: Any) -> Agent[Any]:
    return scripted("Weather", *turns, tools=[weather_tool()], **options)[0]


def triage_agent(triage: Turn, *billing: Turn) -> Agent[Any]:
    specialist, _ = scripted("Billing", *billing, handoff_description="Refunds and invoices.")
    agent, _ = scripted("Triage", triage)
    agent.handoffs = [specialist]
    return agent


# --- run-items-01 -------------------------------------------------------------------------------


async def tool_call_names() -> tuple[str, str]:
    events = await events_of(
        streamed(weather_agent(Turn.calls_tools(WEATHER_CALL), Turn.says("Sunny")))
    )
    first = run_items(events)[0]
    return first.name, first.item.type


def name_and_type(name: str, item_type: str) -> Claim[tuple[str, str]]:
    return Claim(
        f'`event.name == "{name}"` and `event.item.type == "{item_type}"`',
        lambda pair: pair == (name, item_type),
    )


RUN_ITEMS_01 = item(
    "run-items-01",
    tool_call_names,
    [
        name_and_type("tool_called", "tool_call_item"),
        name_and_type("tool_call_item", "function_call"),
        name_and_type("tool_called", "function_call"),
        name_and_type("tool_call", "tool_call_item"),
    ],
    lambda pair: f"event.name {pair[0]!r}, event.item.type {pair[1]!r}",
)


# --- run-items-02 -------------------------------------------------------------------------------


async def message_items() -> tuple[list[tuple[str, str]], str]:
    agent = triage_agent(
        Turn(text=("Let me ", "transfer you."), calls=(Call.of("transfer_to_billing"),)),
        Turn.says("Refund ", "approved."),
    )
    result = streamed(agent)
    messages = [
        (event.item.agent.name, ItemHelpers.text_message_output(event.item))
        for event in run_items(await events_of(result))
        if isinstance(event.item, MessageOutputItem)
    ]
    return messages, str(result.final_output)


RUN_ITEMS_02 = item(
    "run-items-02",
    message_items,
    statement(lambda run: len(run[0]) == 1),
    lambda run: (
        "message_output_created: "
        + "; ".join(f"{agent}: {text}" for agent, text in run[0])
        + f"; final_output {run[1]!r}"
    ),
)


# --- run-items-03 -------------------------------------------------------------------------------


async def tool_turn_names() -> tuple[str, ...]:
    agent = weather_agent(Turn.calls_tools(WEATHER_CALL), Turn.says("Sunny"))
    return tuple(item_names(await events_of(streamed(agent))))


RUN_ITEMS_03 = printing_item(
    "run-items-03",
    tool_turn_names,
    [
        prints("tool_called", "message_output_created", "tool_output"),
        prints("tool_call_item", "tool_call_output_item", "message_output_item"),
        prints("tool_called", "tool_output", "message_output_created"),
        prints("tool_called", "tool_output"),
    ],
)


# --- run-items-04 -------------------------------------------------------------------------------


async def message_text_expressions() -> dict[str, Any]:
    agent, _ = scripted("A", Turn.says("Bon", "jour"))
    created = run_items(await events_of(streamed(agent)))[-1].item
    assert isinstance(created, MessageOutputItem)
    raw = created.raw_item
    return {
        "event.item.text": getattr(created, "text", None),
        "event.item.output": getattr(created, "output", None),
        "ItemHelpers.text_message_output(event.item)": ItemHelpers.text_message_output(created),
        "event.item.raw_item.output_text": getattr(raw, "output_text", None),
        "str(event.item.raw_item.content[0])": str(raw.content[0]),
    }


def gives_text(expression: str) -> Claim[dict[str, Any]]:
    return Claim(f"`{expression}`", lambda values: values[expression] == "Bonjour")


RUN_ITEMS_04 = item(
    "run-items-04",
    message_text_expressions,
    [
        gives_text("event.item.text"),
        gives_text("event.item.output"),
        gives_text("ItemHelpers.text_message_output(event.item)"),
        gives_text("event.item.raw_item.output_text"),
        gives_text("str(event.item.raw_item.content[0])"),
    ],
    lambda values: "; ".join(f"{k} -> {str(v)[:40]!r}" for k, v in values.items()),
)


# --- run-items-05 -------------------------------------------------------------------------------


async def tool_output_types() -> tuple[str, ...]:
    @function_tool
    async def forecast(city: str) -> dict[str, int]:
        """The forecast for a city."""
        return {"temp": 21}

    agent, _ = scripted(
        "Weather",
        Turn.calls_tools(Call.of("forecast", {"city": "Paris"})),
        Turn.says("21 degrees"),
        tools=[forecast],
    )
    printed: list[str] = []
    async for event in streamed(agent).stream_events():
        if isinstance(event, RunItemStreamEvent) and isinstance(event.item, ToolCallOutputItem):
            output = event.item
            raw_output = output.raw_item["output"] if isinstance(output.raw_item, dict) else None
            printed.append(f"{type(output.output).__name__} {type(raw_output).__name__}")
    return tuple(printed)


RUN_ITEMS_05 = printing_item(
    "run-items-05",
    tool_output_types,
    [prints("dict str"), prints("str str"), prints("dict dict"), prints("str dict")],
)


# --- run-items-06 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailingTool:
    error: str
    names: tuple[str, ...]
    tool_output: str
    final_output: Any


async def failing_tool() -> FailingTool:
    @function_tool
    async def lookup_order(order_id: str) -> str:
        """Look an order up."""
        raise ValueError("db down")

    agent, _ = scripted(
        "Orders",
        Turn.calls_tools(Call.of("lookup_order", {"order_id": "42"})),
        Turn.says("Sorry, ", "try later."),
        tools=[lookup_order],
    )
    result = streamed(agent)
    events: list[StreamEvent] = []

    async def consume() -> None:
        events.extend([event async for event in result.stream_events()])

    error = await raised_by(consume)
    outputs = [
        str(e.item.output) for e in run_items(events) if isinstance(e.item, ToolCallOutputItem)
    ]
    return FailingTool(
        error_name(error),
        tuple(item_names(events)),
        outputs[0] if outputs else "",
        result.final_output,
    )


RUN_ITEMS_06 = item(
    "run-items-06",
    failing_tool,
    [
        Claim("re-raises the `ValueError`", lambda f: f.error == "ValueError"),
        Claim(
            "the stream ends quietly after `tool_called`",
            lambda f: f.error == "no exception" and f.final_output is None,
        ),
        Claim('carries the text "db down"', lambda f: "db down" in f.tool_output),
        Claim(
            "the exception becomes an error message in the tool's output",
            lambda f: (
                f.error == "no exception"
                and f.tool_output.startswith("An error occurred")
                and f.final_output is not None
            ),
        ),
    ],
    lambda f: f"{f.error}; {', '.join(f.names)}; tool output {f.tool_output!r}",
)


# --- run-items-07 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParallelCalls:
    labels: tuple[str, ...]
    names: tuple[str, ...]
    current_turn: int
    pairs: tuple[tuple[str, str], ...]


async def parallel_calls() -> ParallelCalls:
    calls = (
        Call.of("get_weather", {"city": "Paris"}, "call_paris"),
        Call.of("get_weather", {"city": "Rome"}, "call_rome"),
    )
    result = streamed(weather_agent(Turn.calls_tools(*calls), Turn.says("Sunny in both.")))
    events = await events_of(result)
    called = [e.item.raw_item for e in run_items(events) if isinstance(e.item, ToolCallItem)]
    outputs = [e.item.raw_item for e in run_items(events) if isinstance(e.item, ToolCallOutputItem)]
    return ParallelCalls(
        labels=tuple(labels(events)),
        names=tuple(item_names(events)),
        current_turn=result.current_turn,
        pairs=tuple(
            (
                str(getattr(call, "call_id", "")),
                str(output.get("call_id") if isinstance(output, dict) else ""),
            )
            for call, output in zip(called, outputs, strict=True)
        ),
    )


RUN_ITEMS_07 = item(
    "run-items-07",
    parallel_calls,
    [
        Claim("`result.current_turn` is 3", lambda p: p.current_turn == 3),
        Claim(
            "The events alternate",
            lambda p: p.names[:4] == ("tool_called", "tool_output", "tool_called", "tool_output"),
        ),
        Claim(
            "after its `response.completed` raw event",
            lambda p: p.labels.index("tool_called") > p.labels.index("response.completed"),
        ),
        Claim(
            "Both `tool_called` events come before either `tool_output`",
            lambda p: (
                p.names[:2] == ("tool_called", "tool_called") and "tool_called" not in p.names[2:]
            ),
        ),
        Claim(
            "matches the `raw_item.call_id` of its `tool_called` item",
            lambda p: bool(p.pairs) and all(call == output for call, output in p.pairs),
        ),
    ],
    lambda p: f"{', '.join(p.names)}; turns {p.current_turn}; call ids {list(p.pairs)}",
)


# --- run-items-08 -------------------------------------------------------------------------------


async def dict_dispatch() -> str:
    handlers = {
        "tool_called": lambda event: None,
        "tool_output": lambda event: None,
        "message_output_created": lambda event: None,
    }
    result = streamed(
        triage_agent(Turn.calls_tools(Call.of("transfer_to_billing")), Turn.says("OK"))
    )

    async def process() -> None:
        async for event in result.stream_events():
            if event.type == "run_item_stream_event":
                handlers[event.name](event)

    error = await raised_by(process)
    return f"KeyError: {error.args[0]!r}" if isinstance(error, KeyError) else error_name(error)


RUN_ITEMS_08 = item(
    "run-items-08",
    dict_dispatch,
    [
        Claim("`KeyError: 'handoff_occured'`", lambda e: e == "KeyError: 'handoff_occured'"),
        Claim("`KeyError: 'handoff_requested'`", lambda e: e == "KeyError: 'handoff_requested'"),
        Claim(
            "`KeyError: 'agent_updated_stream_event'`",
            lambda e: e == "KeyError: 'agent_updated_stream_event'",
        ),
        Claim("No error", lambda e: e == "no exception"),
    ],
    lambda e: e,
)


# --- run-items-09 -------------------------------------------------------------------------------


async def max_turns_mid_stream() -> tuple[str, ...]:
    agent = weather_agent(Turn.calls_tools(WEATHER_CALL), Turn.says("It is sunny."))
    result = streamed(agent, "Weather in Paris?", max_turns=1)
    names: list[str] = []
    try:
        async for event in result.stream_events():
            if event.type == "run_item_stream_event":
                names.append(event.name)
    except MaxTurnsExceeded:
        names.append("MaxTurnsExceeded")
    return (f"{names} {result.final_output}",)


RUN_ITEMS_09 = printing_item(
    "run-items-09",
    max_turns_mid_stream,
    [
        prints("['tool_called', 'tool_output', 'MaxTurnsExceeded'] None"),
        prints("['MaxTurnsExceeded'] None"),
        prints("['tool_called', 'tool_output'] None"),
        prints("['tool_called', 'tool_output', 'message_output_created'] It is sunny."),
    ],
)


# --- run-items-10 -------------------------------------------------------------------------------

ANSWER = ("Your", " IBAN", " is", " DE89...")


@output_guardrail
async def no_account_numbers(
    context: RunContextWrapper[Any], agent: Agent[Any], output: str
) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered="IBAN" in output)


async def guarded_answer() -> tuple[str, str, Any]:
    agent, _ = scripted(
        "Support", Turn.says(*ANSWER, delay=0.05), output_guardrails=[no_account_numbers]
    )
    result = streamed(agent)
    shown: list[str] = []

    async def read() -> None:
        async for event in result.stream_events():
            shown.extend(text_deltas([event]))

    error = await raised_by(read)
    return "".join(shown), error_name(error), result.final_output


RUN_ITEMS_10 = item(
    "run-items-10",
    guarded_answer,
    [
        Claim("stops the stream before the account number appears", lambda g: "DE89" not in g[0]),
        Claim("the SDK holds text deltas back", lambda g: g[0] == ""),
        Claim(
            "The whole answer",
            lambda g: g[0] == "".join(ANSWER) and g[1] == "OutputGuardrailTripwireTriggered",
        ),
        Claim(
            "The text up to the account number",
            lambda g: "".join(ANSWER).startswith(g[0]) and "IBAN" in g[0] and "DE89" not in g[0],
        ),
    ],
    lambda g: f"shown {g[0]!r}, then {g[1]}; final_output {g[2]!r}",
)


ITEMS: tuple[Item[Any], ...] = (
    RUN_ITEMS_01,
    RUN_ITEMS_02,
    RUN_ITEMS_03,
    RUN_ITEMS_04,
    RUN_ITEMS_05,
    RUN_ITEMS_06,
    RUN_ITEMS_07,
    RUN_ITEMS_08,
    RUN_ITEMS_09,
    RUN_ITEMS_10,
)
