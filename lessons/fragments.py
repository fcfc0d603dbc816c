"""The HTML that each SSE event carries, for htmx to swap into the lesson page.

What a model writes is untrusted: every value below goes through escape(), so a reply
containing `<script>` shows as text. The fragments sent for every token (text, log lines,
metrics) are plain strings around escape() rather than templates or format_html: they are
built for every event of every open stream, and this is several times cheaper.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lessons.demos import Channel
from lessons.events import (
    AgentChange,
    ChannelFigures,
    DemoEvent,
    Done,
    Failure,
    Log,
    Metrics,
    Note,
    Text,
)
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
        return f'<span class="log-time">+{elapsed:.3f} s</span>'

    def _tag(self, channel: str) -> str:
        if channel not in self.tags:
            return ""
        return f'<span class="log-tag">{escape(channel)}</span> '

    def log_item(self, log: Log, elapsed: float) -> str:
        kind = SOURCE_CLASSES.get(log.source, "other")
        detail = f' <span class="log-detail">{escape(log.detail)}</span>' if log.detail else ""
        return (
            f'<li class="log-entry log-{kind}">{self._stamp(elapsed)} {self._tag(log.channel)}'
            f'<code class="log-source">{escape(log.source)}</code>'
            f' <span class="log-name">{escape(log.name)}</span>{detail}</li>'
        )

    def text(self, event: Text, elapsed: float) -> ServerSentEvent:
        html = f"<span>{escape(event.delta)}</span>"
        if event.log is not None:
            # The same SDK event also gets its line in the log: one SSE event, two places.
            html += (
                f'<ol hx-swap-oob="beforeend:#event-log">{self.log_item(event.log, elapsed)}</ol>'
            )
        return ServerSentEvent(event=f"text-{event.channel}", data=html)

    def note(self, note: Note, elapsed: float) -> ServerSentEvent:
        # Named `error` when it reports a failure. EventSource also hands events of that name
        # to its onerror handler (htmx logs an sseError); the stream stays open all the same.
        return ServerSentEvent(
            event="error" if note.tone == "error" else "note",
            data=f'<li class="note note-{note.tone}">{self._stamp(elapsed)} '
            f"{self._tag(note.channel)}{escape(note.text)}</li>",
        )

    def agent(self, change: AgentChange) -> ServerSentEvent:
        if change.name not in self.agents:
            self.agents.append(change.name)
        items = [
            f'<li class="agent agent-active" aria-current="true">{escape(name)} '
            '<span class="agent-state">active</span></li>'
            if name == change.name
            else f'<li class="agent">{escape(name)}</li>'
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
        return ServerSentEvent(event="metrics", data=metrics_panel(metrics))

    def failure(self, failure: Failure, elapsed: float) -> ServerSentEvent:
        return self.note(Note(text=failure.message, tone="error"), elapsed)

    @staticmethod
    def done(done: Done) -> ServerSentEvent:
        html = render_to_string("lessons/partials/run_done.html", {"done": done})
        return ServerSentEvent(event="done", data=html)


NONE_YET = "&ndash;"


def _ms(value: float | None) -> str:
    return NONE_YET if value is None else f"{value:.0f} ms"


METRIC_LABELS = ("Time to first token", "First SDK event", "Elapsed", "Chunks", "Tokens/s")


def _figures(metrics: Metrics) -> tuple[str, ...]:
    rate = metrics.tokens_per_s
    return (
        _ms(metrics.ttft_ms),
        _ms(metrics.first_event_ms),
        _ms(metrics.elapsed_ms),
        str(metrics.chunks),
        NONE_YET if rate is None else f"{rate:.1f}",
    )


def _channel_table(channels: Sequence[ChannelFigures]) -> str:
    rows = "".join(
        f'<tr><th scope="row"><code title="{escape(c.label)}">{escape(c.name)}</code></th>'
        f'<td class="num">{_ms(c.ttft_ms)}</td><td class="num">{c.chunks}</td></tr>'
        for c in channels
    )
    return (
        '<table class="channel-table"><caption class="visually-hidden">Per panel</caption>'
        '<thead><tr><th scope="col">Panel</th><th scope="col" class="num">First output</th>'
        f'<th scope="col" class="num">Chunks</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def metrics_panel(metrics: Metrics | None) -> SafeString:
    """The live metrics of a run; dashes before the first figures arrive. The panel table
    shows only when the run has several panels."""
    values = _figures(metrics) if metrics else (NONE_YET,) * len(METRIC_LABELS)
    html = (
        '<dl class="metric-grid">'
        + "".join(
            f"<div><dt>{label}</dt><dd>{value}</dd></div>"
            for label, value in zip(METRIC_LABELS, values, strict=True)
        )
        + "</dl>"
    )
    if metrics and len(metrics.channels) > 1:
        html += _channel_table(metrics.channels)
    return mark_safe(html)  # every value above is a number, our own label, or escaped
