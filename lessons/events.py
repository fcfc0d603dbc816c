"""What a demo tells the page, and what the stream adds: typed payloads of the SSE events.

A demo is an async generator of `DemoEvent`s (text for an output panel, a line of the event log,
a note, the active agent, the final output). The stream wraps them with timing and adds the
events of its own: live metrics, an error, and the terminal `done`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAIN = "main"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


class Log(_Payload):
    """One line of the event log: an SDK event, by its type and what it carries."""

    source: str  # raw_response_event, run_item_stream_event, agent_updated_stream_event, ...
    name: str = ""  # the raw event's data type, the run item event's name, the new agent
    detail: str = ""
    channel: str = MAIN


class Text(_Payload):
    """Visible text for one output panel (a channel), usually one token."""

    delta: str
    channel: str = MAIN
    log: Log | None = None  # the SDK event that carried it, when the log shows every event


class Note(_Payload):
    """A sentence about what just happened (a fallback started, a timeout fired...)."""

    text: str
    tone: Literal["info", "success", "warning", "error"] = "info"
    channel: str = MAIN


class AgentChange(_Payload):
    """The agent now running (from agent_updated_stream_event)."""

    name: str


class Final(_Payload):
    """The demo's final output (result.final_output, or the fallback's)."""

    output: str


DemoEvent = Text | Log | Note | AgentChange | Final


class ChannelFigures(_Payload):
    name: str
    label: str
    ttft_ms: float | None = None
    last_ms: float | None = None
    chunks: int = 0


class Metrics(_Payload):
    """Live figures of a run, measured where the SDK's events arrive (in the server)."""

    elapsed_ms: float
    first_event_ms: float | None = None
    ttft_ms: float | None = None
    chunks: int = 0
    tokens_per_s: float | None = None
    channels: list[ChannelFigures] = Field(default_factory=list)


Outcome = Literal["completed", "failed", "cancelled", "timed_out"]


class Failure(_Payload):
    """The run failed after the response started: the status code can no longer say so."""

    message: str


class Done(_Payload):
    """The terminal event: how the run ended, its final output and its metrics."""

    outcome: Outcome
    final_output: str | None
    metrics: Metrics
    error: str = ""
