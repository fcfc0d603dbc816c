"""Derivations for the run-items category: run item events, their names, items and helpers."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from agents import (
    Agent,
    GuardrailFunctionOutput,
    ItemHelpers,
    MaxTurnsExceeded,
    MessageOutputItem,
    RunContextWrapper,
    RunErrorHandlerInput,
    RunErrorHandlerResult,
    RunHooks,
    RunItemStreamEvent,
    ToolCallItem,
    ToolCallOutputItem,
    function_tool,
    output_guardrail,
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


async def tool_output_types() -> tuple[tuple[str, ...], str]:
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
    sent = ""
    async for event in streamed(agent).stream_events():
        if isinstance(event, RunItemStreamEvent) and isinstance(event.item, ToolCallOutputItem):
            output = event.item
            raw_output = output.raw_item["output"] if isinstance(output.raw_item, dict) else None
            printed.append(f"{type(output.output).__name__} {type(raw_output).__name__}")
            sent = str(raw_output)
    return tuple(printed), sent


RUN_ITEMS_05 = item(
    "run-items-05",
    tool_output_types,
    [
        on(prints(line), lambda run: run[0])
        for line in ("dict str", "str str", "dict dict", "str dict")
    ],
    lambda run: f"{printed_outcome(run[0])}; the model was sent {run[1]!r}",
    facts=[
        Fact("the model is sent str() of the dict, not JSON", lambda run: run[1] == "{'temp': 21}")
    ],
)


# --- run-items-06 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailingTool:
    strict_error: str
    error: str
    names: tuple[str, ...]
    tool_output: str
    final_output: Any


async def strict_tool_failure() -> str:
    """The same failure with failure_error_function=None: what the loop raises."""

    @function_tool(failure_error_function=None)
    async def strict_lookup(order_id: str) -> str:
        """Look an order up, failing loudly."""
        raise ValueError("db down")

    agent, _ = scripted(
        "Orders",
        Turn.calls_tools(Call.of("strict_lookup", {"order_id": "42"})),
        tools=[strict_lookup],
    )
    result = streamed(agent)
    error = await raised_by(lambda: events_of(result))
    return f"{error_name(error)}: {error}" if error else "no exception"


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
        await strict_tool_failure(),
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
    facts=[
        Fact(
            "with failure_error_function=None the loop raises a UserError",
            lambda f: f.strict_error.startswith("UserError") and "db down" in f.strict_error,
        )
    ],
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
    facts=[Fact("the run ends after two turns", lambda p: p.current_turn == 2)],
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
    facts=[
        Fact(
            "RunItemStreamEvent.name's values in 0.24",
            lambda e: (
                set(typing.get_args(typing.get_type_hints(RunItemStreamEvent)["name"]))
                == {
                    "message_output_created",
                    "handoff_requested",
                    "handoff_occured",
                    "tool_called",
                    "tool_search_called",
                    "tool_search_output_created",
                    "tool_output",
                    "reasoning_item_created",
                    "mcp_approval_requested",
                    "mcp_approval_response",
                    "mcp_list_tools",
                }
            ),
        )
    ],
)


# --- run-items-09 -------------------------------------------------------------------------------


async def max_turns_mid_stream() -> tuple[tuple[str, ...], tuple[str, ...]]:
    agent = weather_agent(Turn.calls_tools(WEATHER_CALL), Turn.says("It is sunny."))
    result = streamed(agent, "Weather in Paris?", max_turns=1)
    names: list[str] = []
    kept: tuple[str, ...] = ()
    try:
        async for event in result.stream_events():
            if event.type == "run_item_stream_event":
                names.append(event.name)
    except MaxTurnsExceeded as error:
        names.append("MaxTurnsExceeded")
        if error.run_data is not None:
            kept = tuple(item.type for item in error.run_data.new_items)
    return (f"{names} {result.final_output}",), kept


RUN_ITEMS_09 = item(
    "run-items-09",
    max_turns_mid_stream,
    [
        on(prints(line), lambda run: run[0])
        for line in (
            "['tool_called', 'tool_output', 'MaxTurnsExceeded'] None",
            "['MaxTurnsExceeded'] None",
            "['tool_called', 'tool_output'] None",
            "['tool_called', 'tool_output', 'message_output_created'] It is sunny.",
        )
    ],
    lambda run: f"{printed_outcome(run[0])}; run_data.new_items {list(run[1])}",
    facts=[
        Fact(
            "the exception's run_data holds the items so far",
            lambda run: run[1] == ("tool_call_item", "tool_call_output_item"),
        )
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


def printed_lines(printed: tuple[str, ...]) -> tuple[str, ...]:
    """The lines the item's program prints (the derivation adds a line about the result)."""
    return tuple(line for line in printed if not line.startswith("result: "))


# --- run-items-11 -------------------------------------------------------------------------------


async def new_items_after_cancel() -> tuple[str, ...]:
    agent = weather_agent(Turn.calls_tools(WEATHER_CALL), Turn.says("Sunny", delay=0.05))
    result = streamed(agent, "Weather in Paris?")
    logged: list[str] = []
    async for event in result.stream_events():
        if event.type == "run_item_stream_event":
            logged.append(event.name)
            if event.name == "tool_called":
                result.cancel()
    return (
        f"{logged} {[item.type for item in result.new_items]}",
        f"result: raw_responses {len(result.raw_responses)}",
    )


RUN_ITEMS_11 = printing_item(
    "run-items-11",
    new_items_after_cancel,
    [
        on(prints(line), printed_lines)
        for line in (
            "['tool_called'] []",
            "['tool_called'] ['tool_call_item']",
            "['tool_called', 'tool_output'] ['tool_call_item', 'tool_call_output_item']",
            "[] []",
        )
    ],
    facts=[
        Fact(
            "raw_responses is empty too",
            lambda printed: printed[-1:] == ("result: raw_responses 0",),
        )
    ],
)


# --- run-items-12 -------------------------------------------------------------------------------


class RecordingHooks(RunHooks[Any]):
    """Records each lifecycle hook the runner calls (and what it is given)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def on_agent_start(self, context: Any, agent: Agent[Any]) -> None:
        self.calls.append("on_agent_start")

    async def on_agent_end(self, context: Any, agent: Agent[Any], output: Any) -> None:
        self.calls.append(f"on_agent_end:{output}")

    async def on_llm_start(self, context: Any, agent: Agent[Any], *args: Any) -> None:
        self.calls.append("on_llm_start")

    async def on_llm_end(self, context: Any, agent: Agent[Any], response: Any) -> None:
        self.calls.append("on_llm_end")

    async def on_tool_start(self, context: Any, agent: Agent[Any], tool: Any) -> None:
        self.calls.append("on_tool_start")

    async def on_tool_end(self, context: Any, agent: Agent[Any], tool: Any, result: object) -> None:
        self.calls.append("on_tool_end")


async def hooks_in_a_stream() -> tuple[str, ...]:
    hooks = RecordingHooks()
    agent = weather_agent(Turn.calls_tools(WEATHER_CALL), Turn.says("Sun", "ny", delay=0.01))
    await events_of(streamed(agent, "Weather in Paris?", hooks=hooks))
    return tuple(hooks.calls)


RUN_ITEMS_12 = item(
    "run-items-12",
    hooks_in_a_stream,
    [
        Claim(
            "`on_llm_start` and `on_llm_end` fire once per model call",
            lambda c: c.count("on_llm_start") == c.count("on_llm_end") == 2,
        ),
        Claim(
            "`on_tool_start` and `on_tool_end` fire around the tool",
            lambda c: (
                c.count("on_tool_start") == c.count("on_tool_end") == 1
                and c.index("on_tool_start") < c.index("on_tool_end")
            ),
        ),
        Claim("Hooks fire only for `Runner.run()`", lambda c: not c),
        Claim("`on_llm_end` fires once per text delta", lambda c: c.count("on_llm_end") > 2),
        Claim(
            "`on_agent_end` fires with the final output",
            lambda c: c[-1:] == ("on_agent_end:Sunny",),
        ),
    ],
    lambda c: "hooks: " + ", ".join(c),
)


# --- run-items-13 -------------------------------------------------------------------------------


APOLOGY = "Too many steps, sorry."
SUNNY = "It is sunny in Paris today."


def on_max_turns(data: RunErrorHandlerInput[Any]) -> RunErrorHandlerResult:
    return RunErrorHandlerResult(final_output=APOLOGY)


async def max_turns_handled() -> tuple[str, ...]:
    agent = weather_agent(Turn.calls_tools(WEATHER_CALL), Turn.says(SUNNY))
    result = streamed(
        agent, "Weather in Paris?", max_turns=1, error_handlers={"max_turns": on_max_turns}
    )
    names: list[str] = []

    async def read() -> None:
        async for event in result.stream_events():
            if event.type == "run_item_stream_event":
                names.append(event.name)

    error = await raised_by(read)
    if error is not None:
        return (f"{names} {result.final_output}", error_name(error))
    return (
        f"{names} {result.final_output}",
        f"result: new_items {[i.type for i in result.new_items]}",
    )


RUN_ITEMS_13 = printing_item(
    "run-items-13",
    max_turns_handled,
    [
        on(claim, printed_lines)
        for claim in (
            prints(f"['tool_called', 'tool_output', 'message_output_created'] {APOLOGY}"),
            prints(f"['tool_called', 'tool_output'] {APOLOGY}"),
            prints(
                "['tool_called', 'tool_output'] None",
                "MaxTurnsExceeded",
                quote=(
                    "`['tool_called', 'tool_output'] None`, and the loop raises `MaxTurnsExceeded`"
                ),
            ),
            prints(f"['tool_called', 'tool_output', 'message_output_created'] {SUNNY}"),
        )
    ],
    facts=[
        Fact(
            "the handler's answer is kept in the history as a message",
            lambda printed: printed[-1].endswith(
                "['tool_call_item', 'tool_call_output_item', 'message_output_item']"
            ),
        )
    ],
)


# --- run-items-14 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailureLog:
    new_items: tuple[str, ...]
    raw_responses: int
    final_output: Any
    shown: str
    error_has_run_data: bool
    error: str


async def what_a_failure_leaves() -> FailureLog:
    agent = weather_agent(
        Turn.calls_tools(WEATHER_CALL),
        Turn.says("It is", " sunny", " today.", delay=0.01, fail_after=2),
    )
    result = streamed(agent, "Weather in Paris?")
    shown: list[str] = []

    async def read() -> None:
        async for event in result.stream_events():
            shown.extend(text_deltas([event]))

    error = await raised_by(read)
    return FailureLog(
        new_items=tuple(item.type for item in result.new_items),
        raw_responses=len(result.raw_responses),
        final_output=result.final_output,
        shown="".join(shown),
        error_has_run_data=getattr(error, "run_data", None) is not None,
        error=error_name(error),
    )


RUN_ITEMS_14 = item(
    "run-items-14",
    what_a_failure_leaves,
    [
        Claim(
            "`result.new_items`: the tool call and its output",
            lambda f: f.new_items == ("tool_call_item", "tool_call_output_item"),
        ),
        Claim("`result.raw_responses`: one `ModelResponse`", lambda f: f.raw_responses == 1),
        Claim(
            "`result.final_output`: the partial text",
            lambda f: bool(f.shown) and f.final_output == f.shown,
        ),
        Claim("`error.run_data`", lambda f: f.error_has_run_data),
    ],
    lambda f: (
        f"{f.error} after {f.shown!r}; new_items {list(f.new_items)}; {f.raw_responses} raw "
        f"response; final_output {f.final_output!r}; run_data on the error: {f.error_has_run_data}"
    ),
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
    RUN_ITEMS_11,
    RUN_ITEMS_12,
    RUN_ITEMS_13,
    RUN_ITEMS_14,
)
