"""The HTML that each SSE event carries, for htmx to swap into the lesson page.

What a model writes is untrusted: every fragment escapes it, so a reply containing `<script>`
shows as text. The per-token fragments are built with format_html rather than templates
because one is rendered for every token of every open stream.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils.html import format_html

from lessons.demos import Channel
from lessons.events import AgentChange, DemoEvent, Done, Failure, Log, Metrics, Note, Text
from lessons.sse import ServerSentEvent

SOURCE_CLASSES = {
    "raw_response_event": "raw",
    "run_item_stream_event": "item",
    "agent_updated_stream_event": "agent",
}


class Renderer:
    """Frames one run's events for the page of its preset (its channels and agents)."""

    def __init__(self, channels: Sequence[Channel], agents: Sequence[str] = ()) -> None:
        # Tag log lines with their channel only where that tells streams apart (A, B, C...).
        self.tags = {channel.name for channel in channels} if len(channels) > 1 else set()
        self.agents = list(agents)

    def _stamp(self, elapsed: float) -> str:
        return format_html('<span class="log-time">+{} s</span>', f"{elapsed:.3f}")

    def _tag(self, channel: str) -> str:
        if channel not in self.tags:
            return ""
        return format_html('<span class="log-tag">{}</span> ', channel)

    def log_item(self, log: Log, elapsed: float) -> str:
        kind = SOURCE_CLASSES.get(log.source, "other")
        detail = (
            format_html(' <span class="log-detail">{}</span>', log.detail) if log.detail else ""
        )
        return format_html(
            '<li class="log-entry log-{}">{} {}<code class="log-source">{}</code>'
            ' <span class="log-name">{}</span>{}</li>',
            kind,
            self._stamp(elapsed),
            self._tag(log.channel),
            log.source,
            log.name,
            detail,
        )

    def text(self, event: Text, elapsed: float) -> ServerSentEvent:
        html = format_html("<span>{}</span>", event.delta)
        if event.log is not None:
            # The same SDK event also gets its line in the log: one SSE event, two places.
            html += format_html(
                '<ol hx-swap-oob="beforeend:#event-log">{}</ol>',
                self.log_item(event.log, elapsed),
            )
        return ServerSentEvent(event=f"text-{event.channel}", data=html)

    def note(self, note: Note, elapsed: float) -> ServerSentEvent:
        return ServerSentEvent(
            event="error" if note.tone == "error" else "note",
            data=format_html(
                '<li class="note note-{}">{} {}{}</li>',
                note.tone,
                self._stamp(elapsed),
                self._tag(note.channel),
                note.text,
            ),
        )

    def agent(self, change: AgentChange) -> ServerSentEvent:
        if change.name not in self.agents:
            self.agents.append(change.name)
        items = [
            format_html(
                '<li class="agent agent-active" aria-current="true">{} '
                '<span class="agent-state">active</span></li>',
                name,
            )
            if name == change.name
            else format_html('<li class="agent">{}</li>', name)
            for name in self.agents
        ]
        return ServerSentEvent(event="agent", data="".join(items))

    def event(self, event: DemoEvent, elapsed: float) -> ServerSentEvent | None:
        """The SSE event for one demo event (None for the final output: `done` carries it)."""
        if isinstance(event, Text):
            return self.text(event, elapsed)
        if isinstance(event, Log):
            return ServerSentEvent(event="log", data=self.log_item(event, elapsed))
        if isinstance(event, Note):
            return self.note(event, elapsed)
        if isinstance(event, AgentChange):
            return self.agent(event)
        return None

    @staticmethod
    def metrics(metrics: Metrics) -> ServerSentEvent:
        html = render_to_string("lessons/partials/metrics.html", {"metrics": metrics})
        return ServerSentEvent(event="metrics", data=html)

    def failure(self, failure: Failure, elapsed: float) -> ServerSentEvent:
        return self.note(Note(text=failure.message, tone="error"), elapsed)

    @staticmethod
    def done(done: Done) -> ServerSentEvent:
        html = render_to_string("lessons/partials/run_done.html", {"done": done})
        return ServerSentEvent(event="done", data=html)
