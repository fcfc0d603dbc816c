"""Evidence for the question bank: one test per question of questions/bank/streaming.yaml.

Each test runs the real openai-agents SDK offline (agents.testing.ScriptedModel, token-level
streams built from the Responses API event types) and asserts the fact that makes the question's
keyed answer right, so an SDK upgrade that changes the fact fails here. A test is named after its
question (`basics-08` -> `test_basics_08`); its docstring states the fact.

Tracing is off for every run (RunConfig(tracing_disabled=True)): nothing here touches the network.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import time
import typing
from collections.abc import AsyncIterator, Callable, Sequence

import httpx
import pytest
from agents import (
    Agent,
    AgentUpdatedStreamEvent,
    FunctionTool,
    GuardrailFunctionOutput,
    HandoffCallItem,
    HandoffOutputItem,
    ItemHelpers,
    MaxTurnsExceeded,
    MessageOutputItem,
    ModelBehaviorError,
    ModelRetrySettings,
    ModelSettings,
    ModelTimeoutError,
    OpenAIChatCompletionsModel,
    OutputGuardrailTripwireTriggered,
    RawResponsesStreamEvent,
    RunConfig,
    RunItemStreamEvent,
    Runner,
    RunResult,
    RunResultStreaming,
    ToolCallItem,
    ToolCallOutputItem,
    Usage,
    UserError,
    function_tool,
    output_guardrail,
    retry_policies,
)
from agents.stream_events import StreamEvent
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseErrorEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)
from openai.types.responses.response_reasoning_item import ResponseReasoningItem, Summary
from pydantic import BaseModel

RUN_CONFIG = RunConfig(tracing_disabled=True)


# --- running ------------------------------------------------------------------------------------


def run_streamed(agent: Agent, text: str = "Hi", **options: typing.Any) -> RunResultStreaming:
    return Runner.run_streamed(agent, text, run_config=RUN_CONFIG, **options)


async def run(agent: Agent, text: typing.Any = "Hi", **options: typing.Any) -> RunResult:
    return await Runner.run(agent, text, run_config=RUN_CONFIG, **options)


async def events_of(result: RunResultStreaming) -> list[StreamEvent]:
    return [event async for event in result.stream_events()]


async def wait_until(condition: Callable[[], bool], within: float = 3.0) -> None:
    """Let the event loop run (background runs included) until `condition` holds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.005)


def label(event: StreamEvent) -> str:
    """What a learner's print loop shows: the raw event's data type, the item name, the agent."""
    if isinstance(event, RawResponsesStreamEvent):
        return event.data.type
    if isinstance(event, RunItemStreamEvent):
        return event.name
    return f"agent_updated:{event.new_agent.name}"


def item_names(events: Sequence[StreamEvent]) -> list[str]:
    return [event.name for event in events if isinstance(event, RunItemStreamEvent)]


def non_raw(events: Sequence[StreamEvent]) -> list[str]:
    return [label(event) for event in events if not isinstance(event, RawResponsesStreamEvent)]


async def read_text(result: RunResultStreaming, shown: list[str]) -> None:
    """Consume the stream as a chat UI does, appending each text delta to `shown`."""
    async for event in result.stream_events():
        shown += text_deltas([event])


def text_deltas(events: Sequence[StreamEvent]) -> list[str]:
    return [
        event.data.delta
        for event in events
        if isinstance(event, RawResponsesStreamEvent)
        and isinstance(event.data, ResponseTextDeltaEvent)
    ]


# --- token-level model streams (the Responses API event shapes the SDK passes through) ----------


def _message(text: str, item_id: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=item_id,
        type="message",
        role="assistant",
        status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])],
    )


def _response(output: list[typing.Any], status: str) -> Response:
    return Response(
        id="resp_offline",
        created_at=0,
        model="offline",
        object="response",
        output=output,
        status=status,
        tool_choice="auto",
        tools=[],
        top_p=None,
        parallel_tool_calls=False,
    )


def text_events(tokens: Sequence[str], item_id: str) -> list[ResponseStreamEvent]:
    """A message streamed token by token, as the Responses API streams it."""
    text = "".join(tokens)
    part_at: dict[str, typing.Any] = {"item_id": item_id, "output_index": 0, "content_index": 0}
    events: list[ResponseStreamEvent] = [
        ResponseCreatedEvent(
            type="response.created", response=_response([], "in_progress"), sequence_number=0
        ),
        ResponseInProgressEvent(
            type="response.in_progress", response=_response([], "in_progress"), sequence_number=1
        ),
        ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=_message("", item_id).model_copy(update={"content": [], "status": "in_progress"}),
            output_index=0,
            sequence_number=2,
        ),
        ResponseContentPartAddedEvent(
            type="response.content_part.added",
            part=ResponseOutputText(type="output_text", text="", annotations=[]),
            sequence_number=3,
            **part_at,
        ),
    ]
    for token in tokens:
        events.append(
            ResponseTextDeltaEvent(
                type="response.output_text.delta",
                delta=token,
                logprobs=[],
                sequence_number=len(events),
                **part_at,
            )
        )
    part = ResponseOutputText(type="output_text", text=text, annotations=[])
    events += [
        ResponseTextDoneEvent(
            type="response.output_text.done",
            text=text,
            logprobs=[],
            sequence_number=len(events),
            **part_at,
        ),
        ResponseContentPartDoneEvent(
            type="response.content_part.done",
            part=part,
            sequence_number=len(events) + 1,
            **part_at,
        ),
        ResponseOutputItemDoneEvent(
            type="response.output_item.done",
            item=_message(text, item_id),
            output_index=0,
            sequence_number=len(events) + 2,
        ),
        ResponseCompletedEvent(
            type="response.completed",
            response=_response([_message(text, item_id)], "completed"),
            sequence_number=len(events) + 3,
        ),
    ]
    return events


def function_call_events(
    name: str, argument_chunks: Sequence[str], call_id: str
) -> list[ResponseStreamEvent]:
    """A function call whose arguments stream in chunks."""
    arguments = "".join(argument_chunks)
    done = ResponseFunctionToolCall(
        type="function_call", id=call_id, call_id=call_id, name=name, arguments=arguments
    )
    events: list[ResponseStreamEvent] = [
        ResponseCreatedEvent(
            type="response.created", response=_response([], "in_progress"), sequence_number=0
        ),
        ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=done.model_copy(update={"arguments": "", "status": "in_progress"}),
            output_index=0,
            sequence_number=1,
        ),
    ]
    for chunk in argument_chunks:
        events.append(
            ResponseFunctionCallArgumentsDeltaEvent(
                type="response.function_call_arguments.delta",
                item_id=call_id,
                output_index=0,
                delta=chunk,
                sequence_number=len(events),
            )
        )
    events += [
        ResponseFunctionCallArgumentsDoneEvent.model_validate(
            {
                "type": "response.function_call_arguments.done",
                "item_id": call_id,
                "output_index": 0,
                "arguments": arguments,
                "name": name,
                "sequence_number": len(events),
            }
        ),
        ResponseOutputItemDoneEvent(
            type="response.output_item.done",
            item=done,
            output_index=0,
            sequence_number=len(events) + 1,
        ),
        ResponseCompletedEvent(
            type="response.completed",
            response=_response([done], "completed"),
            sequence_number=len(events) + 2,
        ),
    ]
    return events


def reply(
    *tokens: str,
    first_token_delay: float = 0.0,
    token_delay: float = 0.0,
    fail_after: int | None = None,
    error: Exception | None = None,
    item_id: str = "msg_reply",
) -> ModelStep:
    """One model turn answering `tokens` as text.

    Streamed, it yields one text delta per token (the first after `first_token_delay`, the others
    `token_delay` apart) and raises `error` after `fail_after` deltas if asked. Through
    Runner.run it returns the whole message after the same total time, as a real model would.
    """
    events = text_events(tokens, item_id)
    message = _message("".join(tokens), item_id)

    async def paced(_call: ModelCall) -> AsyncIterator[ResponseStreamEvent]:
        deltas = 0
        for event in events:
            if isinstance(event, ResponseTextDeltaEvent):
                await asyncio.sleep(first_token_delay if deltas == 0 else token_delay)
                deltas += 1
            yield event
            if fail_after is not None and deltas == fail_after:
                raise error or ConnectionResetError("the model connection dropped")

    async def respond(call: ModelCall) -> ModelStep:
        if call.streamed:
            return ModelStep.stream(paced, output=[message])
        await asyncio.sleep(first_token_delay + token_delay * (len(tokens) - 1))
        return ModelStep(output=[message])

    return ModelStep.respond(respond)


def after(delay: float, *output: typing.Any) -> ModelStep:
    """A model turn that takes `delay` seconds before it starts answering `output`."""

    async def respond(_call: ModelCall) -> ModelStep:
        await asyncio.sleep(delay)
        return ModelStep(output=list(output))

    return ModelStep.respond(respond)


def events_step(events: Sequence[ResponseStreamEvent], delay: float = 0.0) -> ModelStep:
    """A model turn that streams exactly `events`, `delay` apart."""

    async def paced(_call: ModelCall) -> AsyncIterator[ResponseStreamEvent]:
        for event in events:
            await asyncio.sleep(delay)
            yield event

    return ModelStep.stream(paced)


def chat_completions_model(*contents: str) -> OpenAIChatCompletionsModel:
    """A Chat Completions model whose HTTP transport (offline) streams `contents` as chunks."""

    def chunk(delta: dict[str, str], finish_reason: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        body = {
            "id": "chatcmpl-offline",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "offline",
            "choices": [choice],
        }
        return f"data: {json.dumps(body)}\n\n"

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": content}) for content in contents]
    chunks += [chunk({}, "stop"), "data: [DONE]\n\n"]

    def serve(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/chat/completions")
        assert json.loads(request.content)["stream"] is True
        return httpx.Response(
            200, content="".join(chunks).encode(), headers={"content-type": "text/event-stream"}
        )

    client = AsyncOpenAI(
        api_key="offline",
        base_url="http://offline.invalid/v1",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(serve)),
    )
    return OpenAIChatCompletionsModel(model="offline", openai_client=client)


# --- agents and tools ---------------------------------------------------------------------------


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"Sunny in {city}"


WEATHER_CALL = function_call("get_weather", {"city": "Paris"}, call_id="call_weather")
TRANSFER = function_call("transfer_to_billing", {}, call_id="call_transfer")


def weather_agent(*steps: typing.Any, **options: typing.Any) -> Agent:
    return Agent(name="Weather", model=ScriptedModel(steps), tools=[get_weather], **options)


def charging_agent(charges: list[int], *steps: typing.Any) -> Agent:
    """An agent whose tool has a side effect: each call charges a card (appends to `charges`)."""

    @function_tool
    async def charge_card(amount: int) -> str:
        """Charge the customer's card."""
        charges.append(amount)
        return f"Charged {amount} EUR"

    return Agent(name="Payments", model=ScriptedModel(steps), tools=[charge_card])


CHARGE = function_call("charge_card", {"amount": 5}, call_id="call_charge")


def triage_agent(
    triage_steps: Sequence[typing.Any],
    billing_steps: Sequence[typing.Any],
    billing_tools: Sequence[FunctionTool] = (),
) -> Agent:
    billing = Agent(
        name="Billing",
        handoff_description="Refunds and invoices.",
        model=ScriptedModel(billing_steps),
        tools=list(billing_tools),
    )
    return Agent(name="Triage", model=ScriptedModel(triage_steps), handoffs=[billing])


# === basics ====================================================================================


async def test_basics_01() -> None:
    """run_streamed returns a RunResultStreaming at once; the run starts in the background."""
    model = ScriptedModel([[assistant_message("Hello!")]])
    result = run_streamed(Agent(name="Assistant", model=model))

    assert isinstance(result, RunResultStreaming)
    assert not inspect.isawaitable(result)
    assert not inspect.isasyncgen(result)
    assert not hasattr(result, "__aiter__")  # the iterator is result.stream_events()
    assert (result.is_complete, result.final_output, model.calls) == (False, None, ())
    await events_of(result)
    assert result.final_output == "Hello!"


async def test_basics_02() -> None:
    """`await Runner.run_streamed(...)` raises TypeError: the result is not awaitable."""
    result = run_streamed(Agent(name="Assistant", model=ScriptedModel([[assistant_message("Hi")]])))

    with pytest.raises(TypeError, match="can't be used in 'await' expression"):
        await result  # type: ignore[misc]
    await events_of(result)


async def test_basics_03() -> None:
    """Streaming changes when output is seen, not what the run produces."""

    def script() -> list[typing.Any]:
        return [[WEATHER_CALL], [assistant_message("It is sunny in Paris.")]]

    regular = await run(weather_agent(*script()))
    streamed = run_streamed(weather_agent(*script()))
    await events_of(streamed)

    assert streamed.final_output == regular.final_output == "It is sunny in Paris."
    assert [item.type for item in streamed.new_items] == [item.type for item in regular.new_items]


async def test_basics_04() -> None:
    """The first event of every run is agent_updated_stream_event for the starting agent."""
    agent = Agent(name="Assistant", model=ScriptedModel([[assistant_message("Hello!")]]))
    result = run_streamed(agent)
    events = await events_of(result)

    assert events[0].type == "agent_updated_stream_event"
    assert isinstance(events[0], AgentUpdatedStreamEvent)
    assert events[0].new_agent is agent
    assert events[1].type == "raw_response_event"


async def test_basics_05() -> None:
    """event.type has three values; data types and item types live one level down."""
    agent = triage_agent(
        [[TRANSFER]], [[WEATHER_CALL], [assistant_message("Sunny.")]], [get_weather]
    )
    events = await events_of(run_streamed(agent))

    event_types = {event.type for event in events}
    assert event_types == {
        "raw_response_event",
        "run_item_stream_event",
        "agent_updated_stream_event",
    }
    data_types = {e.data.type for e in events if isinstance(e, RawResponsesStreamEvent)}
    item_types = {e.item.type for e in events if isinstance(e, RunItemStreamEvent)}
    assert "response.output_text.delta" in data_types - event_types
    assert "tool_call_item" in item_types - event_types


async def test_basics_06() -> None:
    """final_output is None and is_complete False while a loop that never awaits reads the
    message item; they are set when the run is finalized, which does not wait for the loop."""

    async def read(slow: bool) -> tuple[list[tuple[typing.Any, bool]], RunResultStreaming]:
        result = run_streamed(Agent(name="Assistant", model=ScriptedModel([reply("Hel", "lo!")])))
        during = []
        async for event in result.stream_events():
            if slow and event.type == "agent_updated_stream_event":
                await asyncio.sleep(0.1)  # e.g. a slow network write
            if isinstance(event, RunItemStreamEvent) and event.name == "message_output_created":
                during.append((result.final_output, result.is_complete))
        return during, result

    during, result = await read(slow=False)
    assert during == [(None, False)]
    assert (result.final_output, result.is_complete) == ("Hello!", True)

    during, result = await read(slow=True)
    assert during == [("Hello!", True)]  # the run finalized while the loop was busy


async def test_basics_07() -> None:
    """Measurement: streaming shows the first words early but does not finish the job sooner."""
    tokens = ("Ticket", " is", " about", " billing", ".")
    timing = {"first_token_delay": 0.05, "token_delay": 0.04}

    started = time.monotonic()
    await run(Agent(name="Classifier", model=ScriptedModel([reply(*tokens, **timing)])))
    regular_total = time.monotonic() - started

    started = time.monotonic()
    result = run_streamed(Agent(name="Classifier", model=ScriptedModel([reply(*tokens, **timing)])))
    first_text = None
    async for event in result.stream_events():
        if first_text is None and text_deltas([event]):
            first_text = time.monotonic() - started
    streamed_total = time.monotonic() - started

    model_time = 0.05 + 0.04 * 4
    assert regular_total >= model_time
    assert streamed_total >= model_time
    assert abs(streamed_total - regular_total) < 0.15
    assert first_text is not None
    assert first_text < streamed_total / 2


async def test_basics_08() -> None:
    """Breaking out of stream_events() does not stop the run: later turns and tools still run
    (an abandoned iterator that is still referenced holds the run at the next turn)."""
    charges: list[int] = []
    agent = charging_agent(charges, [CHARGE], reply("Charged", " 5 EUR."))
    result = run_streamed(agent, "Charge 5 euros, then confirm")
    async for event in result.stream_events():
        if event.type == "raw_response_event":
            break
    assert charges == []  # the tool had not run yet when the loop was left

    await wait_until(lambda: result.is_complete)
    assert charges == [5]
    assert result.final_output == "Charged 5 EUR."

    # An abandoned iterator that is still referenced counts as a consumer: the run waits for it
    # before its next model call, until the iterator is released.
    charges.clear()
    agent = charging_agent(charges, [CHARGE], reply("Charged", " 5 EUR."))
    model = agent.model
    assert isinstance(model, ScriptedModel)
    result = run_streamed(agent, "Charge 5 euros, then confirm")
    stream = result.stream_events()
    async for event in stream:
        if event.type == "raw_response_event":
            break
    await asyncio.sleep(0.2)
    assert (charges, len(model.calls), result.is_complete) == ([5], 1, False)
    del stream
    await wait_until(lambda: result.is_complete)
    assert len(model.calls) == 2


async def test_basics_09() -> None:
    """Two concurrent stream_events() loops split the events; one may never end."""
    script = [reply("a", "b", "c", "d", "e", token_delay=0.002)]
    everything = await events_of(run_streamed(Agent(name="A", model=ScriptedModel(script))))

    result = run_streamed(
        Agent(name="A", model=ScriptedModel([reply("a", "b", "c", "d", "e", token_delay=0.002)]))
    )
    first: list[StreamEvent] = []
    second: list[StreamEvent] = []

    async def consume(into: list[StreamEvent]) -> None:
        async for event in result.stream_events():
            into.append(event)
            await asyncio.sleep(0)

    tasks = {asyncio.create_task(consume(first)), asyncio.create_task(consume(second))}
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.sleep(0.1)  # the run is over: the other loop would have ended by now
    done, pending = {t for t in tasks if t.done()}, {t for t in tasks if not t.done()}
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)

    assert result.is_complete
    assert (len(done), len(pending)) == (1, 1)
    assert first
    assert second
    assert not {id(event) for event in first} & {id(event) for event in second}
    assert len(first) + len(second) == len(everything)
    assert await events_of(result) == []  # nothing is replayed to a later loop

    # Loops that are busy when the run ends both finish, but they still split the stream.
    result = run_streamed(Agent(name="A", model=ScriptedModel([reply("a", "b", "c", "d", "e")])))
    first, second = [], []

    async def consume_slowly(into: list[StreamEvent]) -> None:
        async for event in result.stream_events():
            into.append(event)
            await asyncio.sleep(0.01)

    await asyncio.wait_for(asyncio.gather(consume_slowly(first), consume_slowly(second)), 3)
    assert first
    assert second
    assert not {id(event) for event in first} & {id(event) for event in second}
    assert len(first) + len(second) == len(everything)


async def test_basics_10() -> None:
    """Events wait in the result's queue: a first loop started after the run has finished gets
    the whole stream, the same events a loop reading along gets."""
    along = await events_of(
        run_streamed(charging_agent([], [CHARGE], [assistant_message("Done.")]))
    )

    charges: list[int] = []
    result = run_streamed(charging_agent(charges, [CHARGE], [assistant_message("Done.")]))
    await wait_until(lambda: result.is_complete)
    assert charges == [5]  # the run (its tool included) did not wait for a consumer
    assert result.final_output == "Done."

    late = await events_of(result)
    assert [label(event) for event in late] == [label(event) for event in along]
    assert label(late[0]) == "agent_updated:Payments"
    assert item_names(late) == ["tool_called", "tool_output", "message_output_created"]


# === raw-events ================================================================================


async def test_raw_events_01() -> None:
    """Text arrives in event.data.delta of ResponseTextDeltaEvent; the wrapper has no delta."""
    result = run_streamed(Agent(name="A", model=ScriptedModel([reply("Str", "eam", "ing!")])))
    events = await events_of(result)
    raw = [event for event in events if isinstance(event, RawResponsesStreamEvent)]

    assert "".join(text_deltas(events)) == result.final_output == "Streaming!"
    assert {field.name for field in dataclasses.fields(RawResponsesStreamEvent)} == {"data", "type"}
    assert not any(hasattr(event, "delta") for event in raw)


async def test_raw_events_02() -> None:
    """The seed's `collected_text += event.data.delta` fails on response.created: raw events are
    every event of the model's stream, and few of them are text deltas."""
    result = run_streamed(Agent(name="A", model=ScriptedModel([reply("Hel", "lo")])))
    raw_seen = []

    async def seed_loop() -> str:
        collected_text = ""
        async for event in result.stream_events():
            if event.type == "raw_response_event":
                raw_seen.append(event.data)
                collected_text += event.data.delta  # type: ignore[union-attr]
        return collected_text

    with pytest.raises(AttributeError, match="delta"):
        await seed_loop()
    assert len(raw_seen) == 1
    assert isinstance(raw_seen[0], ResponseCreatedEvent)

    # Read in full, the same reply passes every model event through; few are text deltas.
    model_events = text_events(["Hel", "lo"], "msg_1")
    result = run_streamed(Agent(name="A", model=ScriptedModel([events_step(model_events)])))
    events = await events_of(result)
    raw = [event.data for event in events if isinstance(event, RawResponsesStreamEvent)]

    assert raw == model_events
    assert [data.type for data in raw] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert sum(isinstance(data, ResponseTextDeltaEvent) for data in raw) == 2


async def test_raw_events_03() -> None:
    """A Chat Completions model's raw events are Responses API events too: text arrives as
    ResponseTextDeltaEvent, never as a ChatCompletionChunk (but with no output_text.done)."""
    result = run_streamed(Agent(name="A", model=chat_completions_model("Hel", "lo")))
    events = await events_of(result)
    raw = [event.data for event in events if isinstance(event, RawResponsesStreamEvent)]

    assert not any(isinstance(data, ChatCompletionChunk) for data in raw)
    assert text_deltas(events) == ["Hel", "lo"]
    assert result.final_output == "Hello"
    assert [data.type for data in raw] == [
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    by_type = {data.type: data for data in raw}
    assert by_type["response.output_item.done"].item.content[0].text == "Hello"
    assert by_type["response.completed"].response.output[0].content[0].text == "Hello"


async def test_raw_events_04() -> None:
    """output_text.done repeats the whole text after the deltas."""
    result = run_streamed(Agent(name="A", model=ScriptedModel([reply("Hel", "lo")])))
    printed = []
    async for event in result.stream_events():
        if event.type != "raw_response_event":
            continue
        if event.data.type == "response.output_text.delta":
            printed.append(f"D {event.data.delta}")
        elif event.data.type == "response.output_text.done":
            printed.append(f"T {event.data.text}")

    assert printed == ["D Hel", "D lo", "T Hello"]


async def test_raw_events_05() -> None:
    """Tool-call arguments stream as ResponseFunctionCallArgumentsDeltaEvent, not text deltas."""
    events = await events_of(
        run_streamed(weather_agent([WEATHER_CALL], [assistant_message("Sunny")]))
    )
    first_turn = events[: next(i for i, e in enumerate(events) if label(e) == "tool_called")]
    argument_deltas = [
        e.data
        for e in first_turn
        if isinstance(e, RawResponsesStreamEvent)
        and isinstance(e.data, ResponseFunctionCallArgumentsDeltaEvent)
    ]

    assert [d.type for d in argument_deltas] == ["response.function_call_arguments.delta"]
    assert json.loads("".join(d.delta for d in argument_deltas)) == {"city": "Paris"}
    assert text_deltas(first_turn) == []
    assert text_deltas(events) == ["Sunny"]


async def test_raw_events_06() -> None:
    """Measurement: the first raw event comes long before the first text token."""
    model = ScriptedModel([reply("Hello", " there", first_token_delay=0.2, token_delay=0.01)])
    started = time.monotonic()
    first_raw = first_text = None
    raw_count = 0
    async for event in run_streamed(Agent(name="A", model=model)).stream_events():
        if event.type == "raw_response_event":
            raw_count += 1
            first_raw = first_raw or time.monotonic() - started
            if first_text is None and isinstance(event.data, ResponseTextDeltaEvent):
                first_text = time.monotonic() - started

    assert first_raw is not None
    assert first_text is not None
    assert first_raw < 0.15  # generous: the machine may be busy
    assert first_text >= 0.2
    assert raw_count > 2  # the seed's chunk_count: every raw event, not the 2 text chunks


async def test_raw_events_07() -> None:
    """output_text.done, output_item.done and response.completed carry the whole text."""
    events = await events_of(
        run_streamed(Agent(name="A", model=ScriptedModel([[assistant_message("Hello there")]])))
    )
    by_type = {e.data.type: e.data for e in events if isinstance(e, RawResponsesStreamEvent)}

    assert by_type["response.output_text.done"].text == "Hello there"
    assert by_type["response.output_item.done"].item.content[0].text == "Hello there"
    assert by_type["response.completed"].response.output[0].content[0].text == "Hello there"
    assert by_type["response.output_item.added"].item.content == []
    assert by_type["response.created"].response.output == []


async def test_raw_events_08() -> None:
    """The tool's name comes first, in output_item.added; tool_called only after the response."""
    steps = [
        events_step(function_call_events("get_weather", ['{"city":', '"Paris"}'], "call_1")),
        [assistant_message("Sunny")],
    ]
    printed = []
    async for event in run_streamed(weather_agent(*steps)).stream_events():
        if event.type == "raw_response_event":
            data = event.data
            if data.type == "response.output_item.added" and data.item.type == "function_call":
                printed.append(f"calling {data.item.name} {data.item.arguments!r}")
            elif data.type == "response.function_call_arguments.delta":
                printed.append(f"args {data.delta}")
        elif event.type == "run_item_stream_event" and event.name == "tool_called":
            printed.append("tool_called")

    assert printed == ["calling get_weather ''", 'args {"city":', 'args "Paris"}', "tool_called"]
    assert "name" not in ResponseFunctionCallArgumentsDeltaEvent.model_fields


async def test_raw_events_09() -> None:
    """Usage: per model call on response.completed, summed in context_wrapper.usage."""
    first = Usage(requests=1, input_tokens=10, output_tokens=5, total_tokens=15)
    second = Usage(requests=1, input_tokens=20, output_tokens=7, total_tokens=27)
    agent = weather_agent(
        ModelStep(output=[WEATHER_CALL], usage=first),
        ModelStep(output=[assistant_message("Sunny")], usage=second),
    )
    result = run_streamed(agent)
    events = await events_of(result)
    completed = [e.data for e in events if label(e) == "response.completed"]

    assert [data.response.usage.output_tokens for data in completed] == [5, 7]
    usage = result.context_wrapper.usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (2, 30, 12)
    assert [response.usage.output_tokens for response in result.raw_responses] == [5, 7]
    assert "usage" not in ResponseTextDeltaEvent.model_fields
    assert not any(hasattr(e.item, "usage") for e in events if isinstance(e, RunItemStreamEvent))


class WeatherReport(BaseModel):
    city: str
    temperature: int


async def test_raw_events_10() -> None:
    """With output_type, text deltas are fragments of JSON; final_output is the parsed model."""
    tokens = ('{"city":', '"Paris",', '"temperature":21}')
    agent = Agent(name="A", model=ScriptedModel([reply(*tokens)]), output_type=WeatherReport)
    result = run_streamed(agent)
    deltas = text_deltas(await events_of(result))

    assert deltas == list(tokens)
    assert json.loads("".join(deltas)) == {"city": "Paris", "temperature": 21}
    assert result.final_output == WeatherReport(city="Paris", temperature=21)


# === run-items =================================================================================


async def test_run_items_01() -> None:
    """A tool call streams as name "tool_called" with item.type "tool_call_item"."""
    events = await events_of(
        run_streamed(weather_agent([WEATHER_CALL], [assistant_message("Sunny")]))
    )
    pairs = [(e.name, e.item.type) for e in events if isinstance(e, RunItemStreamEvent)]

    assert pairs == [
        ("tool_called", "tool_call_item"),
        ("tool_output", "tool_call_output_item"),
        ("message_output_created", "message_output_item"),
    ]
    tool_called = next(e for e in events if label(e) == "tool_called")
    assert isinstance(tool_called.item, ToolCallItem)
    assert tool_called.item.raw_item.type == "function_call"

    reasoning = ResponseReasoningItem(
        id="rs_1", type="reasoning", summary=[Summary(text="Checking.", type="summary_text")]
    )
    model = ScriptedModel([[reasoning, assistant_message("Hi")]])
    events = await events_of(run_streamed(Agent(name="Thinker", model=model)))
    assert [(e.name, e.item.type) for e in events if isinstance(e, RunItemStreamEvent)] == [
        ("reasoning_item_created", "reasoning_item"),
        ("message_output_created", "message_output_item"),
    ]


async def test_run_items_02() -> None:
    """message_output_created fires for every assistant message, not only the final answer."""
    agent = triage_agent(
        [[assistant_message("Let me transfer you.", item_id="msg_triage"), TRANSFER]],
        [[assistant_message("Refund approved.", item_id="msg_billing")]],
    )
    result = run_streamed(agent)
    events = await events_of(result)
    messages = [
        (e.item.agent.name, ItemHelpers.text_message_output(e.item))
        for e in events
        if isinstance(e, RunItemStreamEvent) and e.name == "message_output_created"
    ]

    assert messages == [("Triage", "Let me transfer you."), ("Billing", "Refund approved.")]
    assert result.final_output == "Refund approved."


async def test_run_items_03() -> None:
    """Run items of a tool turn: tool_called, tool_output, then message_output_created."""
    events = await events_of(
        run_streamed(weather_agent([WEATHER_CALL], [assistant_message("Sunny")]))
    )

    assert item_names(events) == ["tool_called", "tool_output", "message_output_created"]


async def test_run_items_04() -> None:
    """ItemHelpers.text_message_output(event.item) gives a message's text."""
    events = await events_of(
        run_streamed(Agent(name="A", model=ScriptedModel([reply("Bon", "jour")])))
    )
    created = next(e for e in events if label(e) == "message_output_created")

    assert isinstance(created.item, MessageOutputItem)
    assert ItemHelpers.text_message_output(created.item) == "Bonjour"
    for missing in ("text", "output", "delta", "content"):
        assert not hasattr(created.item, missing)
    assert not hasattr(created.item.raw_item, "output_text")
    assert str(created.item.raw_item.content[0]) != "Bonjour"


async def test_run_items_05() -> None:
    """ToolCallOutputItem.output is the tool's Python value; the model got a string."""

    @function_tool
    def forecast(city: str) -> dict[str, int]:
        """The forecast for a city."""
        return {"temp": 21}

    call = function_call("forecast", {"city": "Paris"}, call_id="call_forecast")
    agent = Agent(
        name="Weather",
        model=ScriptedModel([[call], [assistant_message("21 degrees")]]),
        tools=[forecast],
    )
    events = await events_of(run_streamed(agent))
    output = next(e.item for e in events if label(e) == "tool_output")

    assert isinstance(output, ToolCallOutputItem)
    assert (type(output.output).__name__, type(output.raw_item["output"]).__name__) == (
        "dict",
        "str",
    )
    assert output.raw_item["output"] == "{'temp': 21}"  # str() of the value, not JSON


async def test_run_items_06() -> None:
    """A failing function tool becomes an error tool_output; the stream goes on without raising."""

    @function_tool
    def lookup_order(order_id: str) -> str:
        """Look an order up."""
        raise ValueError("db down")

    call = function_call("lookup_order", {"order_id": "42"}, call_id="call_lookup")
    agent = Agent(
        name="Orders",
        model=ScriptedModel([[call], [assistant_message("Sorry, try later.")]]),
        tools=[lookup_order],
    )
    result = run_streamed(agent)
    events = await events_of(result)  # does not raise
    output = next(e.item for e in events if label(e) == "tool_output")

    assert item_names(events) == ["tool_called", "tool_output", "message_output_created"]
    assert output.output.startswith("An error occurred while running the tool")
    assert "db down" not in output.output
    assert result.final_output == "Sorry, try later."

    @function_tool(failure_error_function=None)
    def strict_lookup(order_id: str) -> str:
        """Look an order up, failing loudly."""
        raise ValueError("db down")

    call = function_call("strict_lookup", {"order_id": "42"}, call_id="call_strict")
    agent = Agent(name="Orders", model=ScriptedModel([[call]]), tools=[strict_lookup])
    with pytest.raises(UserError, match="db down"):
        await events_of(run_streamed(agent))


async def test_run_items_07() -> None:
    """Parallel calls: both tool_called after the response completes, then both outputs."""
    calls = [
        function_call("get_weather", {"city": "Paris"}, call_id="call_paris"),
        function_call("get_weather", {"city": "Rome"}, call_id="call_rome"),
    ]
    model = ScriptedModel([calls, [assistant_message("Sunny in both.")]])
    result = run_streamed(Agent(name="Weather", model=model, tools=[get_weather]))
    events = await events_of(result)
    labels = [label(e) for e in events]
    items = [e.item for e in events if isinstance(e, RunItemStreamEvent)]

    assert item_names(events) == [
        "tool_called",
        "tool_called",
        "tool_output",
        "tool_output",
        "message_output_created",
    ]
    assert labels.index("tool_called") > labels.index("response.completed")
    assert [items[0].raw_item.call_id, items[1].raw_item.call_id] == ["call_paris", "call_rome"]
    assert [items[2].raw_item["call_id"], items[3].raw_item["call_id"]] == [
        "call_paris",
        "call_rome",
    ]
    assert (result.current_turn, len(model.calls)) == (2, 2)


async def test_run_items_08() -> None:
    """A processor that knows only tool and message names meets handoff_requested first."""
    handlers: dict[str, Callable[[RunItemStreamEvent], None]] = {
        "tool_called": lambda event: None,
        "tool_output": lambda event: None,
        "message_output_created": lambda event: None,
    }
    agent = triage_agent([[TRANSFER]], [[assistant_message("Refund approved.")]])
    result = run_streamed(agent)

    async def process() -> None:
        async for event in result.stream_events():
            if event.type == "run_item_stream_event":
                handlers[event.name](event)

    with pytest.raises(KeyError) as raised:
        await process()

    assert raised.value.args == ("handoff_requested",)
    assert set(typing.get_args(typing.get_type_hints(RunItemStreamEvent)["name"])) == {
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


async def test_run_items_09() -> None:
    """max_turns: the first turn's items stream, then MaxTurnsExceeded; final_output None."""
    agent = weather_agent([WEATHER_CALL], [assistant_message("Sunny")])
    result = run_streamed(agent, "Weather in Paris?", max_turns=1)
    names = []
    try:
        async for event in result.stream_events():
            if event.type == "run_item_stream_event":
                names.append(event.name)
    except MaxTurnsExceeded as error:
        names.append("MaxTurnsExceeded")
        run_data = error.run_data

    assert names == ["tool_called", "tool_output", "MaxTurnsExceeded"]
    assert result.final_output is None
    assert run_data is not None
    assert [item.type for item in run_data.new_items] == ["tool_call_item", "tool_call_output_item"]


async def test_run_items_10() -> None:
    """Output guardrails run after the text has streamed: the user saw it before the tripwire."""

    @output_guardrail
    async def no_account_numbers(
        context: typing.Any, agent: Agent, output: str
    ) -> GuardrailFunctionOutput:
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered="IBAN" in output)

    model = ScriptedModel([reply("Your", " IBAN", " is", " DE89...")])
    agent = Agent(name="Support", model=model, output_guardrails=[no_account_numbers])
    result = run_streamed(agent)
    shown: list[str] = []
    with pytest.raises(OutputGuardrailTripwireTriggered):
        await read_text(result, shown)

    assert "".join(shown) == "Your IBAN is DE89..."
    assert result.final_output is None


# === tools-handoffs ============================================================================


async def test_tools_handoffs_01() -> None:
    """After a handoff, agent_updated_stream_event.new_agent is the new agent."""
    events = await events_of(run_streamed(triage_agent([[TRANSFER]], [[assistant_message("OK")]])))
    updates = [e for e in events if isinstance(e, AgentUpdatedStreamEvent)]

    assert [update.new_agent.name for update in updates] == ["Triage", "Billing"]
    assert not any(hasattr(e, "agent") for e in events)


async def test_tools_handoffs_02() -> None:
    """Handoff order: Triage, handoff_requested, handoff_occured, Billing, Billing's message."""
    agent = triage_agent([[TRANSFER]], [[assistant_message("Refund approved.")]])
    events = await events_of(run_streamed(agent, "I want a refund"))

    assert non_raw(events) == [
        "agent_updated:Triage",
        "handoff_requested",
        "handoff_occured",
        "agent_updated:Billing",
        "message_output_created",
    ]


async def test_tools_handoffs_03() -> None:
    """The SDK spells the event "handoff_occured"; "handoff_occurred" never matches."""
    events = await events_of(run_streamed(triage_agent([[TRANSFER]], [[assistant_message("OK")]])))
    declared = typing.get_args(typing.get_type_hints(RunItemStreamEvent)["name"])

    assert "handoff_occured" in item_names(events)
    assert "handoff_occured" in declared
    assert "handoff_occurred" not in declared


async def test_tools_handoffs_04() -> None:
    """After a handoff run: last_agent is the specialist; new_items hold the handoff items."""
    result = run_streamed(triage_agent([[TRANSFER]], [[assistant_message("Refund approved.")]]))
    await events_of(result)

    assert result.last_agent.name == "Billing"
    assert [item.type for item in result.new_items] == [
        "handoff_call_item",
        "handoff_output_item",
        "message_output_item",
    ]


async def test_tools_handoffs_05() -> None:
    """A handoff is a function call on the wire, with its own item types, in one stream."""
    agent = triage_agent([[TRANSFER]], [reply("Refund", " approved")])
    result = run_streamed(agent)
    events = await events_of(result)
    requested = next(e.item for e in events if label(e) == "handoff_requested")
    occurred = next(e.item for e in events if label(e) == "handoff_occured")

    assert isinstance(requested, HandoffCallItem)
    assert isinstance(requested.raw_item, ResponseFunctionToolCall)
    assert requested.raw_item.name == "transfer_to_billing"
    assert isinstance(occurred, HandoffOutputItem)
    assert (occurred.source_agent.name, occurred.target_agent.name) == ("Triage", "Billing")
    assert "tool_called" not in item_names(events)
    assert text_deltas(events) == ["Refund", " approved"]


async def test_tools_handoffs_06() -> None:
    """item.agent: the handoff items belong to Triage; the later tool and message to Billing."""

    @function_tool
    def lookup_invoice(invoice_id: str) -> str:
        """Find an invoice."""
        return "Invoice 7: 30 EUR, paid"

    call = function_call("lookup_invoice", {"invoice_id": "7"}, call_id="call_invoice")
    agent = triage_agent(
        [[TRANSFER]], [[call], [assistant_message("Invoice 7 is paid.")]], [lookup_invoice]
    )
    events = await events_of(run_streamed(agent))
    owners = [(e.name, e.item.agent.name) for e in events if isinstance(e, RunItemStreamEvent)]

    assert owners == [
        ("handoff_requested", "Triage"),
        ("handoff_occured", "Triage"),
        ("tool_called", "Billing"),
        ("tool_output", "Billing"),
        ("message_output_created", "Billing"),
    ]


async def test_tools_handoffs_07() -> None:
    """tool_called reaches the consumer before the tool has finished; tool_output follows it."""

    @function_tool
    async def slow_lookup(city: str) -> str:
        """A slow weather lookup."""
        await asyncio.sleep(0.1)
        return "Sunny"

    call = function_call("slow_lookup", {"city": "Paris"}, call_id="call_slow")
    agent = Agent(
        name="Weather",
        model=ScriptedModel([[call], [assistant_message("Sunny")]]),
        tools=[slow_lookup],
    )
    seen = {}
    async for event in run_streamed(agent).stream_events():
        if isinstance(event, RunItemStreamEvent) and event.name in ("tool_called", "tool_output"):
            seen[event.name] = (time.monotonic(), event.item)

    (called_at, called), (output_at, output) = seen["tool_called"], seen["tool_output"]
    assert output_at - called_at >= 0.08
    assert called.raw_item.call_id == output.raw_item["call_id"] == "call_slow"


async def test_tools_handoffs_08() -> None:
    """Raw events carry no agent: attribute text by the latest agent_updated_stream_event."""
    agent = triage_agent(
        [[assistant_message("Let me transfer you.", item_id="msg_triage"), TRANSFER]],
        [reply("Refund ", "approved")],
    )
    speaker = None
    transcript: dict[str | None, str] = {}
    async for event in run_streamed(agent).stream_events():
        if event.type == "agent_updated_stream_event":
            speaker = event.new_agent.name
        elif event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            transcript[speaker] = transcript.get(speaker, "") + event.data.delta

    assert transcript == {"Triage": "Let me transfer you.", "Billing": "Refund approved"}
    assert {field.name for field in dataclasses.fields(RawResponsesStreamEvent)} == {"data", "type"}


async def test_tools_handoffs_09() -> None:
    """stop_on_first_tool: the tool's output is final_output; no message, no second model call."""
    model = ScriptedModel([[WEATHER_CALL], [assistant_message("never used")]])
    agent = Agent(
        name="Weather", model=model, tools=[get_weather], tool_use_behavior="stop_on_first_tool"
    )
    result = run_streamed(agent, "Weather in Paris?")
    names = [e.name async for e in result.stream_events() if e.type == "run_item_stream_event"]

    assert names == ["tool_called", "tool_output"]
    assert result.final_output == "Sunny in Paris"
    assert (len(model.calls), model.remaining_steps) == (1, 1)


async def test_tools_handoffs_10() -> None:
    """An agent used as a tool runs unstreamed, its text absent from the outer stream (on_stream
    opts in to its events)."""

    def manager(on_stream: Callable[[typing.Any], None] | None) -> tuple[Agent, ScriptedModel]:
        billing_model = ScriptedModel([reply("Refund ", "approved")])
        billing = Agent(name="Billing", model=billing_model)
        tool = billing.as_tool(
            tool_name="billing",
            tool_description="Handles refunds.",
            on_stream=on_stream,
            run_config=RUN_CONFIG,
        )
        steps = [
            [function_call("billing", {"input": "refund"}, call_id="call_billing")],
            reply("Billing ", "says ", "yes"),
        ]
        return Agent(name="Manager", model=ScriptedModel(steps), tools=[tool]), billing_model

    agent, billing_model = manager(None)
    result = run_streamed(agent)
    events = await events_of(result)
    output = next(e.item for e in events if label(e) == "tool_output")

    assert "".join(text_deltas(events)) == "Billing says yes"
    assert output.output == "Refund approved"
    assert non_raw(events)[0] == "agent_updated:Manager"
    assert "agent_updated:Billing" not in non_raw(events)
    assert billing_model.calls[0].streamed is False

    nested: list[str] = []
    agent, billing_model = manager(lambda event: nested.append(event["event"].type))
    await events_of(run_streamed(agent))
    assert billing_model.calls[0].streamed is True
    assert nested[0] == "agent_updated_stream_event"
    assert "raw_response_event" in nested


# === production ================================================================================


async def test_production_01() -> None:
    """A mid-stream model error is raised by the async for loop, after the events already seen."""
    failure = ConnectionResetError("the model connection dropped")
    model = ScriptedModel(
        [reply("Hel", "lo", " world", token_delay=0.01, fail_after=2, error=failure)]
    )
    result = run_streamed(Agent(name="A", model=model))  # does not raise
    seen: list[str] = []
    with pytest.raises(ConnectionResetError) as raised:
        await read_text(result, seen)

    assert raised.value is failure
    assert seen[:1] == ["Hel"]
    assert (result.final_output, result.is_complete) == (None, True)

    # Even an `error` event sent by the model ends the loop: passed on, then raised.
    error = ResponseErrorEvent(
        type="error", code="server_error", message="boom", param=None, sequence_number=5
    )
    events = [*text_events(["Hel", "lo"], "msg_1")[:5], error]
    result = run_streamed(Agent(name="A", model=ScriptedModel([events_step(events)])))
    labels: list[str] = []

    async def read_labels() -> None:
        async for event in result.stream_events():
            labels.append(label(event))

    with pytest.raises(ModelBehaviorError):
        await read_labels()
    assert labels[-2:] == ["response.output_text.delta", "error"]


async def test_production_02() -> None:
    """cancel() (immediate): no further events, no exception, final_output stays None."""
    model = ScriptedModel([reply("a", "b", "c", "d", token_delay=0.01)])
    result = run_streamed(Agent(name="A", model=model))
    after_cancel = []
    cancelled = False
    async for event in result.stream_events():  # ends quietly
        if cancelled:
            after_cancel.append(event)
        if text_deltas([event]) == ["a"]:
            result.cancel()
            cancelled = True

    assert cancelled
    assert after_cancel == []
    assert (result.is_complete, result.final_output) == (True, None)


async def test_production_03() -> None:
    """Measurement: word buffering sends fewer, whole-word chunks; same text; not sooner."""
    tokens = ("Stre", "aming", " is", " gre", "at", " for", " long", " answ", "ers.")
    result = run_streamed(Agent(name="A", model=ScriptedModel([reply(*tokens, token_delay=0.005)])))
    started = time.monotonic()
    raw_chunks: list[tuple[float, str]] = []
    buffered: list[tuple[float, str]] = []
    buffer = ""
    async for event in result.stream_events():
        for delta in text_deltas([event]):
            raw_chunks.append((time.monotonic() - started, delta))
            buffer += delta
            if " " in buffer:  # flush whole words, keep the word in progress
                words, buffer = buffer.rsplit(" ", 1)
                buffered.append((time.monotonic() - started, words + " "))
    if buffer:
        buffered.append((time.monotonic() - started, buffer))

    assert (
        "".join(c for _, c in buffered) == "".join(c for _, c in raw_chunks) == result.final_output
    )
    assert len(buffered) < len(raw_chunks)
    assert all(chunk.endswith(" ") for _, chunk in buffered[:-1])
    assert buffered[0][0] > raw_chunks[0][0]  # the first word waits for its second token


async def test_production_04() -> None:
    """Measurement: the seed's fallback re-runs the whole run, so the tool charges twice."""
    charges: list[int] = []
    failure = ConnectionResetError("dropped")
    agent = charging_agent(
        charges,
        [CHARGE],
        reply("Done", ".", token_delay=0.005, fail_after=1, error=failure),
        [CHARGE],
        [assistant_message("Done.")],
    )
    try:
        result = run_streamed(agent, "Charge 5 EUR")
        async for _event in result.stream_events():
            pass
    except Exception:
        fallback_result = await run(agent, "Charge 5 EUR")

    assert fallback_result.final_output == "Done."
    assert charges == [5, 5]
    model = agent.model
    assert isinstance(model, ScriptedModel)
    fallback_call = model.calls[2]
    assert not fallback_call.streamed
    assert fallback_call.input == [{"content": "Charge 5 EUR", "role": "user"}]  # starts over


async def test_production_05() -> None:
    """A timeout that lands while stream_events() waits for the next event cancels the run; one
    that cancels the consumer inside its own await leaves the run going; result.cancel() always
    stops it."""

    async def scenario(*, slow_client: bool, cancel_on_timeout: bool) -> tuple[list[int], bool]:
        charges: list[int] = []
        agent = charging_agent(charges, after(0.1, CHARGE), [assistant_message("Charged.")])
        result = run_streamed(agent, "Charge 5 EUR and confirm")

        async def relay() -> None:
            async for _event in result.stream_events():
                await asyncio.sleep(10 if slow_client else 0)  # send_to_client(event)

        try:
            await asyncio.wait_for(relay(), timeout=0.03)
        except TimeoutError:
            if cancel_on_timeout:
                result.cancel()
        # Long enough for the model (0.1 s) and the tool to have run, had the run gone on.
        await asyncio.sleep(0.2)
        assert result.is_complete
        return charges, result.final_output == "Charged."

    assert await scenario(slow_client=False, cancel_on_timeout=False) == ([], False)
    assert await scenario(slow_client=True, cancel_on_timeout=False) == ([5], True)
    assert await scenario(slow_client=True, cancel_on_timeout=True) == ([], False)

    # ModelSettings(timeout=...) bounds a model call, raising from the loop.
    slow = Agent(
        name="Slow",
        model=ScriptedModel([after(0.2, assistant_message("late"))]),
        model_settings=ModelSettings(timeout=0.05),
    )
    with pytest.raises(ModelTimeoutError):
        await events_of(run_streamed(slow))


async def test_production_06() -> None:
    """Measurement: three concurrent streams take about as long as one, not three times as long."""

    async def one(name: str) -> str:
        model = ScriptedModel([reply("a", "b", "c", "d", first_token_delay=0.2, token_delay=0.05)])
        result = run_streamed(Agent(name=name, model=model))
        async for _event in result.stream_events():
            pass
        return result.last_agent.name

    started = time.monotonic()
    await one("alone")
    single = time.monotonic() - started
    started = time.monotonic()
    names = await asyncio.gather(one("s1"), one("s2"), one("s3"))
    together = time.monotonic() - started

    assert names == ["s1", "s2", "s3"]
    assert single >= 0.35  # the model's own time
    # Three in a row would take 3 x single; concurrently they take about one's time.
    assert together < 2 * single


async def test_production_07() -> None:
    """cancel(mode="after_turn") lets the turn's tools finish, then stops; cancel() does not."""

    async def stop_at_first_event(mode: str | None) -> tuple[list[int], list[str], ScriptedModel]:
        charges: list[int] = []
        agent = charging_agent(charges, after(0.02, CHARGE), [assistant_message("Booked.")])
        model = agent.model
        assert isinstance(model, ScriptedModel)
        result = run_streamed(agent)
        names = []
        async for event in result.stream_events():
            if event.type == "agent_updated_stream_event" and mode is None:
                result.cancel()
            elif event.type == "agent_updated_stream_event":
                result.cancel(mode="after_turn")
            names += item_names([event])
        assert (result.is_complete, result.final_output) == (True, None)
        return charges, names, model

    charges, names, model = await stop_at_first_event("after_turn")
    assert charges == [5]
    assert names == ["tool_called", "tool_output"]
    assert (len(model.calls), model.remaining_steps) == (1, 1)

    charges, names, model = await stop_at_first_event(None)
    assert charges == []
    assert names == []


async def test_production_08() -> None:
    """Measurement: a fallback from result.to_input_list() does not repeat completed tool calls,
    and the partial text was already delivered when the error came out of the loop."""
    charges: list[int] = []
    failure = ConnectionResetError("dropped")
    agent = charging_agent(
        charges,
        [CHARGE],
        reply("Charged", " 5", " EUR.", token_delay=0.01, fail_after=2, error=failure),
        [assistant_message("Charged 5 EUR.")],
    )
    result = run_streamed(agent, "Charge 5 EUR")  # no exception here
    shown: list[str] = []
    with pytest.raises(ConnectionResetError):
        await read_text(result, shown)
    assert shown  # partial text is on the user's screen
    assert [item.type for item in result.new_items] == ["tool_call_item", "tool_call_output_item"]

    fallback_result = await run(agent, result.to_input_list())
    assert fallback_result.final_output == "Charged 5 EUR."
    assert charges == [5]
    model = agent.model
    assert isinstance(model, ScriptedModel)
    fallback_input = model.calls[2].input
    assert [item.get("type") for item in fallback_input[1:]] == [
        "function_call",
        "function_call_output",
    ]
    assert fallback_input[2]["call_id"] == "call_charge"


async def test_production_09() -> None:
    """Streamed retries: a failure before any output is retried, one after output is not."""
    retry = ModelSettings(
        retry=ModelRetrySettings(
            max_retries=3, policy=retry_policies.network_error(), backoff={"initial_delay": 0}
        )
    )

    # The same network error: retried before any output, not once text has been streamed.
    early = ScriptedModel([ModelStep.raise_error(httpx.ReadError("connection reset")), reply("OK")])
    result = run_streamed(Agent(name="A", model=early, model_settings=retry))
    await events_of(result)
    assert (result.final_output, len(early.calls)) == ("OK", 2)

    dropped = httpx.ReadError("connection reset")
    late = ScriptedModel(
        [reply("Hel", "lo", token_delay=0.005, fail_after=1, error=dropped), reply("OK")]
    )
    result = run_streamed(Agent(name="A", model=late, model_settings=retry))
    with pytest.raises(httpx.ReadError):
        await events_of(result)
    assert (len(late.calls), late.remaining_steps) == (1, 1)


async def test_production_10() -> None:
    """A slow consumer: the model turn is read to the end regardless (events queue up), but the
    next model call waits until the consumer has handled the turn's events."""
    model_finished_at: list[float] = []
    call_events = function_call_events("get_weather", ['{"city":', '"Paris"}'], "call_1")

    async def first_turn(_call: ModelCall) -> AsyncIterator[ResponseStreamEvent]:
        for event in call_events:
            await asyncio.sleep(0.005)
            yield event
        model_finished_at.append(time.monotonic())

    model = ScriptedModel([ModelStep.stream(first_turn), [assistant_message("Sunny")]])
    result = run_streamed(Agent(name="Weather", model=model, tools=[get_weather]))
    handled = 0
    calls_when_tool_output_handled = None
    async for event in result.stream_events():
        handled += 1
        if handled == 2:
            await asyncio.sleep(0.2)  # the client is slow on the first raw event
            assert model_finished_at, "the model stream was not read while the consumer waited"
        if label(event) == "tool_output":
            await asyncio.sleep(0.05)
            calls_when_tool_output_handled = len(model.calls)

    assert calls_when_tool_output_handled == 1
    assert len(model.calls) == 2
