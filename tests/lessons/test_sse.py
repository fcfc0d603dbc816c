"""Server-Sent Events framing: what the browser's EventSource reads back is what we sent."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from lessons.sse import EventStreamParser, ServerSentEvent, comment, parse


def test_an_event_is_its_fields_then_a_blank_line() -> None:
    event = ServerSentEvent(event="text-main", data="<span>Hi</span>", id="7", retry=1500)
    assert event.encode() == (b"event: text-main\nid: 7\nretry: 1500\ndata: <span>Hi</span>\n\n")


@pytest.mark.parametrize(
    "data",
    [
        "one line",
        "two\nlines",
        "windows\r\nline end",
        "old mac\rline end",
        "\n\nleading blank lines",
        "trailing newline\n",
        "  leading spaces kept",
        "data: looks like a field",
        ": looks like a comment",
        "",
        "unicode “quotes” — é ✓",
    ],
)
def test_multi_line_data_is_one_data_line_per_line_and_reads_back_the_same(data: str) -> None:
    encoded = ServerSentEvent(event="x", data=data).encode().decode()
    lines = encoded.removesuffix("\n\n").split("\n")
    expected_lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert lines[1:] == [f"data: {line}" for line in expected_lines]
    assert "\r" not in encoded
    [event] = parse(encoded)
    assert event.data == data.replace("\r\n", "\n").replace("\r", "\n")
    assert event.event == "x"


@pytest.mark.parametrize("name", ["two\nlines", "carriage\rreturn", "nul\0"])
def test_an_event_name_cannot_break_the_framing(name: str) -> None:
    with pytest.raises(ValidationError, match="line break or NUL"):
        ServerSentEvent(event=name, data="x")


def test_a_pydantic_payload_travels_as_one_json_line() -> None:
    class Payload(BaseModel):
        text: str
        count: int

    event = ServerSentEvent.of("done", Payload(text="a\nb", count=2))
    [read] = parse(event.encode().decode())
    assert Payload.model_validate_json(read.data) == Payload(text="a\nb", count=2)
    assert event.encode().count(b"data:") == 1


def test_comments_are_ignored_by_readers() -> None:
    body = comment("keep-alive") + ServerSentEvent(data="hello").encode()
    assert body.startswith(b": keep-alive\n\n")
    assert [(e.event, e.data) for e in parse(body.decode())] == [("message", "hello")]


def test_the_parser_accepts_the_stream_cut_anywhere() -> None:
    events = [
        ServerSentEvent(event="a", data="first\nsecond"),
        ServerSentEvent(event="b", data=""),
        ServerSentEvent(event="c", data="third"),
    ]
    body = b"".join(event.encode() for event in events).decode().replace("\n", "\r\n")
    for size in (1, 2, 3, 7):
        parser = EventStreamParser()
        read = []
        for start in range(0, len(body), size):
            read += parser.feed(body[start : start + size])
        assert [(e.event, e.data) for e in read] == [(e.event, e.data) for e in events]


def test_an_incomplete_event_is_not_dispatched() -> None:
    parser = EventStreamParser()
    assert parser.feed("event: a\ndata: half") == []
    assert [e.data for e in parser.feed("\n\n")] == ["half"]
