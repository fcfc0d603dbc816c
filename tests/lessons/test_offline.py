"""The offline model: genuine Responses events, token by token, tools, handoffs, failure, pace."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from agents import Agent, Handoff, ModelSettings, ModelTracing, Runner, function_tool, handoff
from openai.types.responses import ResponseTextDeltaEvent

from lessons.offline import OfflineModel, OfflineModelError, Pacing, tokenize

INSTANT = Pacing(first_token=0, per_token=0)


@function_tool
def lookup_docs(topic: str) -> str:
    """Look something up.

    Args:
        topic: What to look up.
    """
    return f"notes on {topic}"


@function_tool
def count_words(text: str) -> int:
    """Count words.

    Args:
        text: The text.
    """
    return len(text.split())


async def events_of(
    model: OfflineModel,
    input: str | list,
    *,
    instructions: str | None = None,
    tools: list | None = None,
    handoffs: list[Handoff] | None = None,
    settings: ModelSettings | None = None,
) -> list:
    return [
        event
        async for event in model.stream_response(
            instructions,
            input,
            settings or ModelSettings(),
            tools or [],
            None,
            handoffs or [],
            ModelTracing.DISABLED,
            previous_response_id=None,
            conversation_id=None,
            prompt=None,
        )
    ]


def types(events: list) -> list[str]:
    return [event.type for event in events]


async def test_a_message_streams_as_the_genuine_responses_event_sequence() -> None:
    events = await events_of(OfflineModel(INSTANT), "Explain streaming, please.")

    deltas = [event for event in events if event.type == "response.output_text.delta"]
    assert len(deltas) > 10
    assert types(events) == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * len(deltas),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert all(isinstance(delta, ResponseTextDeltaEvent) for delta in deltas)
    text = "".join(delta.delta for delta in deltas)
    assert events[-4].text == text
    completed = events[-1].response
    assert completed.status == "completed"
    assert completed.output[0].content[0].text == text
    assert completed.usage.output_tokens == len(deltas)
    assert completed.usage.total_tokens == completed.usage.input_tokens + len(deltas)
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert "Explain streaming, please." in text  # the reply quotes the question


async def test_the_same_input_gives_the_same_events_and_another_input_others() -> None:
    model = OfflineModel(INSTANT)
    first = await events_of(model, "What is a delta?")
    again = await events_of(model, "What is a delta?")
    other = await events_of(model, "What is a handoff?")

    assert [e.model_dump() for e in first] == [e.model_dump() for e in again]
    assert first[-1].response.output != other[-1].response.output


@pytest.mark.parametrize(
    ("instructions", "low", "high"),
    [
        ("Reply in one short sentence.", 5, 30),
        ("Reply in about 60 words.", 60, 90),
        ("Reply in about 200 words.", 200, 230),
    ],
)
async def test_the_reply_follows_the_length_in_the_instructions(
    instructions: str, low: int, high: int
) -> None:
    events = await events_of(OfflineModel(INSTANT), "Tell me more.", instructions=instructions)
    words = len(events[-1].response.output[0].content[0].text.split())
    assert low <= words <= high


def test_tokens_put_back_together_give_the_text_exactly() -> None:
    text = "  Hello, world!\n\nIt's 3.5 tokens — or “more”?\r\nEnd. "
    assert "".join(tokenize(text)) == text
    assert tokenize("one two") == ["one", " two"]


async def test_an_offered_tool_is_called_with_arguments_streamed_as_deltas() -> None:
    events = await events_of(OfflineModel(INSTANT), "Look up streaming events", tools=[lookup_docs])

    assert types(events)[:3] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
    ]
    argument_deltas = [e for e in events if e.type == "response.function_call_arguments.delta"]
    assert len(argument_deltas) > 1
    assert not any(e.type == "response.output_text.delta" for e in events)
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert "".join(e.delta for e in argument_deltas) == done.arguments
    assert json.loads(done.arguments) == {"topic": "look streaming events"}
    call = events[-1].response.output[0]
    assert (call.type, call.name, call.arguments) == (
        "function_call",
        "lookup_docs",
        done.arguments,
    )
    assert call.call_id


async def test_after_the_tool_output_the_model_answers_with_it() -> None:
    model = OfflineModel(INSTANT)
    first = await events_of(model, "Look up streaming", tools=[lookup_docs])
    call = first[-1].response.output[0]
    conversation = [
        {"role": "user", "content": "Look up streaming"},
        call.model_dump(),
        {"type": "function_call_output", "call_id": call.call_id, "output": "THE-DOCS"},
    ]

    second = await events_of(model, conversation, tools=[lookup_docs])

    message = second[-1].response.output[0]
    assert message.type == "message"
    assert "lookup_docs returned THE-DOCS" in message.content[0].text


async def test_two_tools_are_called_in_one_turn_unless_parallel_calls_are_off() -> None:
    model = OfflineModel(INSTANT)
    both = await events_of(model, "Look up and count", tools=[lookup_docs, count_words])
    one = await events_of(
        model,
        "Look up and count",
        tools=[lookup_docs, count_words],
        settings=ModelSettings(parallel_tool_calls=False),
    )

    assert [item.name for item in both[-1].response.output] == ["lookup_docs", "count_words"]
    assert [item.name for item in one[-1].response.output] == ["lookup_docs"]


def specialists() -> tuple[Agent, Agent]:
    billing = Agent(name="Billing", handoff_description="Charges, invoices and refunds.")
    technical = Agent(name="Technical", handoff_description="Errors, crashes and streaming bugs.")
    return billing, technical


async def test_it_hands_off_to_the_specialist_whose_description_matches_the_prompt() -> None:
    billing, technical = specialists()
    offered = [handoff(billing), handoff(technical)]
    model = OfflineModel(INSTANT)

    to_billing = await events_of(model, "I was charged twice on my invoice", handoffs=offered)
    to_technical = await events_of(model, "Streaming crashes my app", handoffs=offered)
    itself = await events_of(model, "Hello there!", handoffs=offered)

    assert to_billing[-1].response.output[0].name == "transfer_to_billing"
    assert to_technical[-1].response.output[0].name == "transfer_to_technical"
    assert itself[-1].response.output[0].type == "message"


async def test_it_hands_off_once_per_question() -> None:
    billing, technical = specialists()
    conversation = [
        {"role": "user", "content": "I was charged twice on my invoice"},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "transfer_to_billing",
            "arguments": "{}",
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "{}"},
    ]
    events = await events_of(
        OfflineModel(INSTANT), conversation, handoffs=[handoff(billing), handoff(technical)]
    )
    assert events[-1].response.output[0].type == "message"


async def test_told_to_fail_it_streams_some_tokens_then_a_failed_response() -> None:
    events = await events_of(OfflineModel(INSTANT, fail_after_tokens=3), "Explain streaming.")

    assert types(events)[-4:] == ["response.output_text.delta"] * 3 + ["response.failed"]
    failed = events[-1].response
    assert failed.status == "failed"
    assert failed.error.code == "server_error"
    assert "after 3 tokens" in failed.error.message


async def test_told_to_fail_a_non_streamed_call_raises() -> None:
    model = OfflineModel(INSTANT, fail_after_tokens=2)
    with pytest.raises(OfflineModelError, match="after 2 tokens"):
        await model.get_response(
            None,
            "Explain streaming.",
            ModelSettings(),
            [],
            None,
            [],
            ModelTracing.DISABLED,
        )


async def test_it_pauses_before_the_first_token_then_keeps_a_steady_pace() -> None:
    loop = asyncio.get_running_loop()
    model = OfflineModel(Pacing(first_token=0.15, per_token=0.02))
    start = loop.time()
    arrivals = []
    async for event in model.stream_response(
        "Reply in about 12 words.",
        "Pace yourself.",
        ModelSettings(),
        [],
        None,
        [],
        ModelTracing.DISABLED,
    ):
        arrivals.append((event.type, loop.time() - start))

    created = arrivals[0][1]
    deltas = [moment for kind, moment in arrivals if kind == "response.output_text.delta"]
    gaps = sorted(b - a for a, b in itertools.pairwise(deltas))
    assert created < 0.05
    assert 0.15 <= deltas[0] < 0.25
    assert 0.015 <= gaps[len(gaps) // 2] <= 0.03


async def test_the_real_sdk_streams_it_token_by_token_and_gets_the_same_text() -> None:
    agent = Agent(
        name="Assistant", instructions="Reply in about 40 words.", model=OfflineModel(INSTANT)
    )
    result = Runner.run_streamed(agent, "What is streaming?")
    deltas = [
        event.data.delta
        async for event in result.stream_events()
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent)
    ]
    assert len(deltas) > 30
    assert "".join(deltas) == result.final_output
    assert result.is_complete


async def test_through_the_sdk_tools_and_handoffs_give_their_run_item_events() -> None:
    model = OfflineModel(INSTANT)
    billing = Agent(
        name="Billing",
        handoff_description="Charges and invoices.",
        model=model,
        tools=[lookup_docs],
    )
    triage = Agent(name="Triage", model=model, handoffs=[billing])
    result = Runner.run_streamed(triage, "Why was I charged twice?")
    seen: list[tuple[str, str]] = []
    async for event in result.stream_events():
        if event.type == "run_item_stream_event":
            seen.append((event.name, event.item.type))
        elif event.type == "agent_updated_stream_event":
            seen.append(("agent", event.new_agent.name))

    assert seen == [
        ("agent", "Triage"),
        ("handoff_requested", "handoff_call_item"),
        ("handoff_occured", "handoff_output_item"),
        ("agent", "Billing"),
        ("tool_called", "tool_call_item"),
        ("tool_output", "tool_call_output_item"),
        ("message_output_created", "message_output_item"),
    ]
    assert "lookup_docs returned notes on" in result.final_output


def test_negative_delays_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Pacing(first_token=-1)
