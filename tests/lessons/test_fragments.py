"""The HTML fragments the stream sends: model output is escaped, never run as markup."""

from __future__ import annotations

import pytest

from lessons.demos import Channel
from lessons.events import AgentChange, DemoEvent, Done, Log, Metrics, Note, Text
from lessons.fragments import Renderer

SCRIPT = "<script>alert('pwned')</script>"


@pytest.fixture
def renderer() -> Renderer:
    return Renderer([Channel("main", "Text")], agents=["Triage", "Billing"])


def test_a_text_delta_is_escaped_into_its_channel(renderer: Renderer) -> None:
    event = renderer.text(Text(delta=SCRIPT), 0.5)
    assert event.event == "text-main"
    assert event.data == "<span>&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;</span>"


def test_a_text_delta_with_its_log_line_updates_the_log_out_of_band(renderer: Renderer) -> None:
    log = Log(source="raw_response_event", name="response.output_text.delta", detail=repr(SCRIPT))
    event = renderer.text(Text(delta="Hi", log=log), 1.25)
    assert event.data.startswith("<span>Hi</span>")
    assert (
        '<ol hx-swap-oob="beforeend:#event-log"><li class="log-entry log-raw log-group">'
        in event.data
    )
    assert "+1.250 s" in event.data
    assert "<script" not in event.data


def test_log_notes_and_agents_escape_what_they_carry(renderer: Renderer) -> None:
    log = renderer.event(Log(source="run_item_stream_event", name="tool_output", detail=SCRIPT), 0)
    note = renderer.event(Note(text=SCRIPT, tone="error"), 0)
    agent = renderer.event(AgentChange(name=SCRIPT), 0)
    assert log is not None
    assert note is not None
    assert agent is not None
    for event in (log, note, agent):
        assert "<script" not in event.data
        assert "&lt;script&gt;" in event.data
    assert (log.event, note.event, agent.event) == ("log", "error", "agent")


def test_the_active_agent_is_marked_by_more_than_colour(renderer: Renderer) -> None:
    event = renderer.agent(AgentChange(name="Billing"))
    assert event.data == (
        '<li class="agent">Triage</li>'
        '<li class="agent agent-active" aria-current="true">Billing '
        '<span class="agent-state">active</span></li>'
    )


def test_the_final_output_in_done_is_escaped(renderer: Renderer) -> None:
    done = Done(outcome="completed", final_output=SCRIPT, metrics=Metrics(elapsed_ms=10))
    event = renderer.done(done)
    assert event.event == "done"
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in event.data
    assert "<script" not in event.data


def test_channels_are_tagged_in_the_log_only_when_there_are_several() -> None:
    single = Renderer([Channel("main", "Text")])
    several = Renderer([Channel("A", "Stream A"), Channel("B", "Stream B")])
    log = Log(source="raw_response_event", name="response.created", channel="B")
    assert "log-tag" not in single.log_item(log, 0)
    assert '<span class="log-tag">B</span>' in several.log_item(log, 0)


@pytest.mark.parametrize(
    ("done", "status"),
    [
        (
            Done(
                outcome="completed",
                final_output="Hi",
                metrics=Metrics(elapsed_ms=1234.5, ttft_ms=400.4),
            ),
            '<span class="badge badge-ok">Done</span> in 1235 ms, first token after 400 ms.',
        ),
        (
            Done(outcome="completed", final_output="", metrics=Metrics(elapsed_ms=10)),
            '<span class="badge badge-ok">Done</span> in 10 ms.',
        ),
        (
            Done(outcome="timed_out", final_output=None, metrics=Metrics(elapsed_ms=60000)),
            '<span class="badge badge-warn">Stopped</span> at the lifetime cap.',
        ),
        (
            Done(outcome="failed", final_output=None, metrics=Metrics(elapsed_ms=5), error=SCRIPT),
            '<span class="badge badge-bad">Failed</span> '
            "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;",
        ),
    ],
)
def test_done_says_how_the_run_ended_in_the_status_line(done: Done, status: str) -> None:
    html = Renderer.done(done).data
    assert f'<p id="run-status" hx-swap-oob="innerHTML">{status}</p>' in html
    assert f'<section class="final outcome-{done.outcome}"' in html
    assert '<div id="run-metrics" hx-swap-oob="innerHTML"><dl class="metric-grid">' in html
    if done.final_output is None:
        assert "None: the run ended without a final output." in html
        assert "data-final-output" not in html
    else:
        assert f'<div class="final-output" data-final-output>{done.final_output}</div>' in html
    if done.metrics.ttft_ms is not None:
        assert f'data-ttft-ms="{done.metrics.ttft_ms:.1f}"' in html
    else:
        assert "data-ttft-ms" not in html


def delta_log() -> Log:
    return Log(source="raw_response_event", name="response.output_text.delta", detail="'x'")


def test_a_run_of_deltas_is_one_collapsed_row_with_its_count_and_characters(
    renderer: Renderer,
) -> None:
    first = renderer.text(Text(delta="Hello", log=delta_log()), 0.4)
    second = renderer.text(Text(delta=", you", log=delta_log()), 0.45)
    third = renderer.text(Text(delta="!", log=delta_log()), 0.5)

    # The first opens the row (collapsed: a <details> without open) in the log.
    assert '<ol hx-swap-oob="beforeend:#event-log">' in first.data
    assert "<details><summary>" in first.data
    assert '<ol id="deltas-1" class="log-group-list">' in first.data
    assert "&times; 1 event · 5 characters" in first.data
    # The next ones go inside it, and its summary counts them.
    assert '<ol hx-swap-oob="beforeend:#deltas-1"><li class="log-delta">' in third.data
    assert 'id="deltas-1-count" class="log-group-count" hx-swap-oob="true"' in second.data
    assert "&times; 3 events · 11 characters" in third.data
    assert "#event-log" not in third.data


def test_another_event_ends_the_run_of_deltas(renderer: Renderer) -> None:
    renderer.text(Text(delta="a", log=delta_log()), 0.1)
    renderer.event(Log(source="raw_response_event", name="response.output_text.done"), 0.2)

    again = renderer.text(Text(delta="b", log=delta_log()), 0.3)

    assert '<ol id="deltas-2" class="log-group-list">' in again.data
    assert "&times; 1 event · 1 character" in again.data


def test_a_note_is_a_sentence_with_its_moment_after_it(renderer: Renderer) -> None:
    note = renderer.note(Note(text="First raw event after 5 ms.", tone="success"), 1.5)
    assert note.data == (
        '<li class="note note-success"><span class="note-text">First raw event after 5 ms.'
        '</span> <span class="note-time">at +1.500 s</span></li>'
    )


def test_the_bytes_sent_for_each_event_are_its_frame_encoded() -> None:
    """The stream sends `encoded` (a text event goes straight to its bytes): for every kind of
    event, a run of deltas included, the same bytes as the event's frame, encoded."""
    sent = Renderer([Channel("A", "Stream A"), Channel("B", "Stream B")], agents=["Triage"])
    framed = Renderer([Channel("A", "Stream A"), Channel("B", "Stream B")], agents=["Triage"])
    events: list[DemoEvent] = [
        Text(delta="Hello", channel="A", log=delta_log()),
        Text(delta=" <b>", channel="A", log=delta_log()),
        Text(delta="line\nbreak\r\n", channel="A", log=delta_log()),
        Text(delta="x", channel="B", log=delta_log()),
        Text(delta="plain", channel="B"),
        Log(source="raw_response_event", name="response.output_text.done", channel="A"),
        Text(delta="again", channel="A", log=delta_log()),
        Note(text=SCRIPT, tone="warning", channel="B"),
        AgentChange(name="Billing"),
    ]
    for moment, event in enumerate(events):
        frame = framed.event(event, moment / 10)
        assert frame is not None
        assert sent.encoded(event, moment / 10) == frame.encode()
    multiline = sent.encoded(Text(delta="line\nbreak\r\n", channel="A"), 1.0)
    assert multiline == b"event: text-A\ndata: <span>line\ndata: break\ndata: </span>\n\n"
