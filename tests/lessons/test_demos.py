"""Every preset of every lesson runs the real SDK against the offline model and shows its point."""

from __future__ import annotations

import asyncio

import pytest

from lessons.backends import Backend
from lessons.catalog import LESSONS
from lessons.demos import Demo, DemoOptions, Preset
from lessons.events import AgentChange, DemoEvent, Final, Log, Note, Text
from lessons.offline import Pacing
from lessons.registry import PRESETS, get_preset, preset_exists

# The contract with the bank (PLAN.md): these names exist, with these defaults first.
CONTRACT = {
    "basic-streaming": ["side-by-side", "event-sequence", "short-reply", "long-reply"],
    "raw-response-events": [
        "text-deltas",
        "all-raw-events",
        "first-token-timing",
        "tool-call-arguments",
    ],
    "run-item-events": ["tool-call", "message-output", "parallel-tools", "agent-updated"],
    "streaming-with-handoffs": ["triage", "handoff-then-tool", "no-handoff"],
    "streaming-patterns": [
        "buffered",
        "fallback",
        "timeout",
        "cancel",
        "concurrent",
        "circuit-breaker",
        "metrics",
    ],
}
INSTANT = Backend(name="offline", model="offline", pacing=Pacing(0, 0))


def test_every_preset_of_the_contract_exists_and_the_first_is_the_default() -> None:
    assert {lesson.slug for lesson in LESSONS} == set(CONTRACT)
    for slug, names in CONTRACT.items():
        assert [preset.name for preset in PRESETS[slug]][: len(names)] == names
        assert all(preset_exists(slug, name) for name in names)
        assert preset_of(slug).name == names[0]
    assert not preset_exists("basic-streaming", "triage")
    assert not preset_exists("no-such-lesson", "side-by-side")
    assert get_preset("basic-streaming", "nope") is None


def test_every_text_a_preset_sends_goes_to_a_channel_its_page_shows() -> None:
    for presets in PRESETS.values():
        for preset in presets:
            assert preset.channels
            assert len({c.name for c in preset.channels}) == len(preset.channels)
            assert set(preset.fields) <= set(DemoOptions.model_fields)


async def run(preset: Preset, **options: object) -> list[DemoEvent]:
    demo = Demo(
        prompt=preset.prompt,
        options=preset.options.model_copy(update=options),
        backend=INSTANT,
        owner="tester",
    )
    events = [event async for event in preset.demo(demo)]
    channels = {channel.name for channel in preset.channels}
    assert {e.channel for e in events if isinstance(e, Text)} <= channels
    assert isinstance(events[-1], Final)
    return events


def preset_of(slug: str, name: str | None = None) -> Preset:
    preset = get_preset(slug, name)
    assert preset is not None, f"{slug} has no preset {name}"
    return preset


def final(events: list[DemoEvent]) -> str:
    """The demo's final output (its last event)."""
    last = events[-1]
    assert isinstance(last, Final)
    return last.output


def text(events: list[DemoEvent], channel: str = "main") -> str:
    return "".join(e.delta for e in events if isinstance(e, Text) and e.channel == channel)


def logs(events: list[DemoEvent]) -> list[str]:
    """The event log's names in order, including the lines text events carry."""
    return [line.name for e in events if (line := log_line(e)) is not None]


def log_line(event: DemoEvent) -> Log | None:
    """The event log's line for an event: a Log, or the one a text event carries."""
    if isinstance(event, Log):
        return event
    return event.log if isinstance(event, Text) else None


def notes(events: list[DemoEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, Note)]


@pytest.mark.parametrize("slug", list(CONTRACT))
async def test_each_lessons_default_preset_streams_text_that_is_its_final_output(slug) -> None:
    preset = preset_of(slug)
    events = await run(preset)
    streamed = text(events, preset.channels[-1].name if slug == "basic-streaming" else "main")
    if slug == "run-item-events":
        streamed = text(events, "deltas")
    if slug == "streaming-patterns":
        streamed = text(events, "raw")
    assert streamed
    assert streamed == final(events)


async def test_side_by_side_the_streamed_run_shows_words_before_run_returns() -> None:
    events = await run(preset_of("basic-streaming", "side-by-side"))
    regular = [i for i, e in enumerate(events) if isinstance(e, Text) and e.channel == "run"]
    streamed = [
        i for i, e in enumerate(events) if isinstance(e, Text) and e.channel == "run_streamed"
    ]
    assert len(regular) == 1  # Runner.run: everything at once
    assert len(streamed) > 10
    assert text(events, "run") == text(events, "run_streamed")


async def test_the_event_sequence_starts_with_the_agent_and_ends_complete() -> None:
    events = await run(preset_of("basic-streaming", "event-sequence"))
    names = logs(events)
    assert names[0] == "Assistant"  # agent_updated_stream_event
    assert names[1:3] == ["response.created", "response.in_progress"]
    assert names[-2:] == ["response.completed", "message_output_created"]
    assert "is_complete=False, final_output=None" in notes(events)[0]
    assert "is_complete=True" in notes(events)[-1]


async def test_all_raw_events_lists_every_raw_event_type_in_order() -> None:
    events = await run(preset_of("raw-response-events", "all-raw-events"))
    kinds = list(dict.fromkeys(logs(events)))
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]


async def test_tool_call_arguments_stream_as_deltas_that_are_not_text() -> None:
    events = await run(preset_of("raw-response-events", "tool-call-arguments"))
    arguments = text(events, "arguments")
    assert arguments.startswith('{"topic": ')
    assert "topic" not in text(events)
    assert "response.function_call_arguments.delta" in logs(events)


async def test_first_token_timing_reports_the_gap_between_first_event_and_first_delta() -> None:
    preset = preset_of("raw-response-events", "first-token-timing")
    events = await run(preset, first_token_ms=200, token_ms=0)
    [timing] = [n for n in notes(events) if n.startswith("First raw event")]
    first_event, first_delta = (int(part.split(" ms")[0].split()[-1]) for part in timing.split(";"))
    assert first_event < 100 <= 200 <= first_delta < 400


async def test_run_items_show_tool_calls_outputs_and_the_message_with_item_types() -> None:
    events = await run(preset_of("run-item-events", "tool-call"))
    items = [
        (e.name, e.detail.split()[0] if e.detail else "") for e in events if isinstance(e, Log)
    ]
    assert items == [
        ("Researcher", ""),
        ("tool_called", "tool_call_item"),
        ("tool_output", "tool_call_output_item"),
        ("message_output_created", "message_output_item"),
    ]
    assert isinstance(events[0], Log)
    assert events[0].source == "agent_updated_stream_event"
    assert text(events, "items") == final(events) == text(events, "deltas")


async def test_parallel_tools_are_two_calls_before_two_outputs() -> None:
    events = await run(preset_of("run-item-events", "parallel-tools"))
    assert [e.name for e in events if isinstance(e, Log)][1:] == [
        "tool_called",
        "tool_called",
        "tool_output",
        "tool_output",
        "message_output_created",
    ]


@pytest.mark.parametrize(
    ("preset", "agents", "tool"),
    [
        ("triage", ["Triage", "Technical support"], False),
        ("handoff-then-tool", ["Triage", "Billing"], True),
        ("no-handoff", ["Triage"], False),
    ],
)
async def test_handoffs_change_the_active_agent(preset: str, agents: list[str], tool: bool) -> None:
    events = await run(preset_of("streaming-with-handoffs", preset))
    assert [e.name for e in events if isinstance(e, AgentChange)] == agents
    names = [e.name for e in events if isinstance(e, Log)]
    assert ("handoff_requested" in names) == (len(agents) > 1)
    assert ("handoff_occured" in names) == (len(agents) > 1)
    assert ("tool_called" in names) == tool


async def test_the_buffer_only_ever_shows_whole_words() -> None:
    events = await run(preset_of("streaming-patterns", "buffered"), buffer_words=2)
    buffered = [e.delta for e in events if isinstance(e, Text) and e.channel == "buffered"]
    whole = text(events, "raw")
    assert "".join(buffered) == whole
    shown = 0
    for chunk in buffered[:-1]:
        shown += len(chunk)
        assert whole[shown].isspace()  # each flush stops at the end of a word
        assert len(chunk.split()) >= 2
    assert len(buffered) < len([e for e in events if isinstance(e, Text) and e.channel == "raw"])


async def test_the_fallback_answers_after_a_failure_and_repeats_the_side_effect() -> None:
    events = await run(preset_of("streaming-patterns", "fallback"), fail_after=4)
    errors = [e for e in events if isinstance(e, Note) and e.tone == "error"]
    assert len(errors) == 1
    assert "response.failed" in errors[0].text
    assert len(text(events, "stream").split()) <= 4
    assert text(events, "fallback") == final(events)
    assert "send_receipt ran 2 times" in notes(events)[-1]


async def test_the_timeout_cancels_the_run_and_keeps_the_partial_text() -> None:
    preset = preset_of("streaming-patterns", "timeout")
    slow = Backend(name="offline", model="offline", pacing=Pacing(0.05, 0.02))
    demo = Demo(
        prompt=preset.prompt,
        options=preset.options.model_copy(update={"timeout_s": 0.3}),
        backend=slow,
    )
    events = [event async for event in preset.demo(demo)]
    assert "Timed out after 0.3 s" in notes(events)[0]
    partial = text(events)
    assert 0 < len(partial) < 200
    assert final(events) == partial


async def test_cancelling_the_demo_cancels_its_run_and_the_model_stops() -> None:
    preset = preset_of("streaming-patterns", "cancel")
    slow = Backend(name="offline", model="offline", pacing=Pacing(0, 0.01))
    demo = Demo(prompt=preset.prompt, options=preset.options, backend=slow)
    received = []
    enough = asyncio.Event()

    async def consume() -> None:
        async for event in preset.demo(demo):
            received.append(event)
            if len(received) == 5:
                enough.set()

    task = asyncio.create_task(consume())
    await enough.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stopped_at = len(received)
    await asyncio.sleep(0.1)
    assert len(received) == stopped_at


async def test_three_concurrent_streams_interleave_each_tagged() -> None:
    events = await run(preset_of("streaming-patterns", "concurrent"))
    order = [e.channel for e in events if isinstance(e, Text)]
    assert set(order) == {"A", "B", "C"}
    first_of = {tag: order.index(tag) for tag in "ABC"}
    last_of = {tag: len(order) - 1 - order[::-1].index(tag) for tag in "ABC"}
    assert max(first_of.values()) < min(last_of.values())  # all three were live together
    assert {e.channel for e in events if isinstance(e, Log)} == {"A", "B", "C"}


async def test_the_breaker_opens_after_three_failures_and_sends_runs_to_the_fallback() -> None:
    preset = preset_of("streaming-patterns", "circuit-breaker")
    events = await run(preset, attempts=5)
    said = notes(events)
    assert [n.split(":")[0].split(" (")[0] for n in said] == [
        "Attempt 1 failed",
        "Attempt 2 failed",
        "Attempt 3 failed",
        "Attempt 4",
        "Attempt 5",
    ]
    assert "breaker open" in said[2]
    assert text(events, "fallback").count("\n") == 2

    again = await run(preset, attempts=2)  # the breaker remembers (it is in the cache)
    assert all("breaker open" in note for note in notes(again))


async def test_the_metrics_demo_counts_text_deltas_as_chunks() -> None:
    events = await run(preset_of("streaming-patterns", "metrics"))
    said = " ".join(notes(events))
    chunks = len([e for e in events if isinstance(e, Text)])
    assert f"Chunks: {chunks}," in said
    assert "Time to first chunk" in said
    assert "Total time" in said
    assert "agent_updated_stream_event: 1" in said
