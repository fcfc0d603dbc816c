"""Server-Sent Events: framing events as `text/event-stream` bytes, and reading them back.

Pure (no Django): the stream views frame with it, and the tests and the benchmark client parse
with it. The format is the WHATWG one: `field: value` lines, an event ends at a blank line, a
multi-line payload is one `data:` line per line, and the reader joins them with "\\n".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, field_validator

# A line ends at CRLF, CR or LF; all three must become separate `data:` lines, or a bare CR in
# model output would end the field early in the browser.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class ServerSentEvent(BaseModel):
    """One event of the stream: its type (`event`), payload (`data`), optional id and retry."""

    model_config = ConfigDict(frozen=True)

    data: str = ""
    event: str | None = None
    id: str | None = None
    retry: int | None = None

    @field_validator("event", "id")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        if value is not None and (LINE_BREAK.search(value) or "\0" in value):
            raise ValueError("an event name or id cannot contain a line break or NUL")
        return value

    @field_validator("retry")
    @classmethod
    def _non_negative(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise ValueError("retry is a number of milliseconds, not negative")
        return value

    @classmethod
    def of(cls, event: str, payload: BaseModel) -> ServerSentEvent:
        """An event whose data is a pydantic model as JSON (one line: JSON escapes newlines)."""
        return cls(event=event, data=payload.model_dump_json())

    def encode(self) -> bytes:
        lines = []
        if self.event:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        lines.extend(f"data: {line}" for line in LINE_BREAK.split(self.data))
        return ("\n".join(lines) + "\n\n").encode()


def comment(text: str = "") -> bytes:
    """A comment line: ignored by readers, useful to keep a connection alive."""
    return b"".join(f": {line}\n".encode() for line in LINE_BREAK.split(text)) + b"\n"


class EventStreamParser:
    """An incremental reader of `text/event-stream` text, for clients and tests."""

    def __init__(self) -> None:
        self._buffer = ""
        self._reset()

    def _reset(self) -> None:
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, text: str) -> list[ServerSentEvent]:
        """Add received text; return the events it completed."""
        self._buffer += text
        events = []
        for line in self._complete_lines():
            if event := self._line(line):
                events.append(event)
        return events

    def _complete_lines(self) -> Iterator[str]:
        while match := LINE_BREAK.search(self._buffer):
            # A CR at the very end may be the first half of a CRLF still on its way.
            if match.group() == "\r" and match.end() == len(self._buffer):
                return
            line, self._buffer = self._buffer[: match.start()], self._buffer[match.end() :]
            yield line

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data:
            self._reset()
            return None
        event = ServerSentEvent(
            event=self._event or "message",
            data="\n".join(self._data),
            id=self._id,
            retry=self._retry,
        )
        self._reset()
        return event


def parse(text: str) -> list[ServerSentEvent]:
    """Every complete event in a whole `text/event-stream` body."""
    return EventStreamParser().feed(text)
