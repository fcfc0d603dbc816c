"""The HTML that each SSE event carries, for htmx to swap into the lesson page.

What a model writes is untrusted: every value below goes through escape(), so a reply
containing `<script>` shows as text. The fragments are plain strings around escape() (the
standard library's, which Django's wraps) rather than templates or format_html: they are built
for every event of every open stream, and this is several times cheaper. The events are our own
(their names come from this module and the presets), so they are framed without validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import NamedTuple

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
from lessons.sse import LINE_BREAK

STAMP_OPEN = '<span class="log-time">+'

SOURCE_CLASSES = {
    "raw_response_event": "raw",
    "run_item_stream_event": "item",
    "agent_updated_stream_event": "agent",
}


class Frame(NamedTuple):
    """One SSE event of our own making: its name (ours: from this module and the presets) and
    its HTML. Built for every token of every stream, so it is a tuple, not a validated model
    (`lessons.sse.ServerSentEvent` checks names it did not make; its framing is the same)."""

    event: str
    data: str

    def encode(self) -> bytes:
        return framed(self.event, self.data)


def framed(event: str, data: str) -> bytes:
    """One SSE event of our own making, as the bytes the stream sends (a `data:` line for each
    line of its HTML)."""
    if "\n" not in data and "\r" not in data:
        return f"event: {event}\ndata: {data}\n\n".encode()
    lines = "\n".join(f"data: {line}" for line in LINE_BREAK.split(data))
    return f"event: {event}\n{lines}\n\n".encode()


class DeltaGroup:
    """A run of delta events of one channel, shown as one collapsed row of the log. What every
    delta after the first sends around its own figures is the same for the whole run, so it is
    put together once, when the run opens."""

    __slots__ = ("added", "characters", "count", "id", "name", "recount")

    def __init__(self, id: str, name: str) -> None:
        self.id = id
        self.name = name
        self.count = 0
        self.characters = 0
        # A delta's row, appended into the group's list, up to its moment...
        self.added = f'<ol hx-swap-oob="beforeend:#{id}"><li class="log-delta">{STAMP_OPEN}'
        # ... and after that row, the summary's count, out of band.
        self.recount = f"</li></ol>{self._count_open(oob=True)}"

    def _count_open(self, *, oob: bool) -> str:
        swap = ' hx-swap-oob="true"' if oob else ""
        return f'<span id="{self.id}-count" class="log-group-count"{swap}>&times; '

    def summary(self, *, oob: bool = False) -> str:
        events = "event" if self.count == 1 else "events"
        characters = "character" if self.characters == 1 else "characters"
        return (
            f"{self._count_open(oob=oob)}{self.count} {events} · {self.characters} {characters}"
            "</span>"
        )


class Renderer:
    """Frames one run's events for the page of its preset (its channels and agents)."""

    def __init__(self, channels: Sequence[Channel], agents: Sequence[str] = ()) -> None:
        # Tag log lines with their channel only where that tells streams apart (A, B, C...).
        self.tags = {channel.name for channel in channels} if len(channels) > 1 else set()
        self.agents = list(agents)
        # Runs of delta events, one collapsed log row each: per channel, the open group.
        self.groups: dict[str, DeltaGroup] = {}
        self.group_count = 0

    def _stamp(self, elapsed: float) -> str:
        return f"{STAMP_OPEN}{elapsed:.3f} s</span>"

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

    def text(self, event: Text, elapsed: float) -> Frame:
        return Frame(f"text-{event.channel}", self._text_html(event, elapsed))

    def _text_html(self, event: Text, elapsed: float) -> str:
        html = f"<span>{escape(event.delta)}</span>"
        if event.log is not None:
            # The same SDK event also gets its line in the log: one SSE event, two places.
            html += self.delta_log(event.log, event.delta, elapsed)
        return html

    def delta_log(self, log: Log, delta: str, elapsed: float) -> str:
        """A delta event's place in the log: one row for a whole run of them (a count and their
        characters in its summary, each delta inside when it is opened), so the log is the
        whole stream without a line per token. Out of band, into the log."""
        group = self.groups.get(log.channel)
        if group is None or group.name != log.name:
            self.group_count += 1
            group = DeltaGroup(f"deltas-{self.group_count}", log.name)
            self.groups[log.channel] = group
        group.count += 1
        group.characters += len(delta)
        detail = escape(log.detail)
        if group.count > 1:  # every token but a run's first: one string, its parts made once
            characters = "character" if group.characters == 1 else "characters"
            return (
                f'{group.added}{elapsed:.3f} s</span> <span class="log-detail">{detail}</span>'
                f"{group.recount}{group.count} events · {group.characters} {characters}</span>"
            )
        stamp = self._stamp(elapsed)
        line = f'<li class="log-delta">{stamp} <span class="log-detail">{detail}</span></li>'
        kind = SOURCE_CLASSES.get(log.source, "other")
        row = (
            f'<li class="log-entry log-{kind} log-group">'
            f"<details><summary>{stamp} {self._tag(log.channel)}"
            f'<code class="log-source">{escape(log.source)}</code>'
            f' <span class="log-name">{escape(log.name)}</span> '
            f"{group.summary()}</summary>"
            f'<ol id="{group.id}" class="log-group-list">{line}</ol></details></li>'
        )
        return f'<ol hx-swap-oob="beforeend:#event-log">{row}</ol>'

    def end_groups(self, channel: str) -> None:
        """Any other event ends the channel's run of deltas: the next delta opens a new row."""
        self.groups.pop(channel, None)

    def note(self, note: Note, elapsed: float) -> Frame:
        # Named `error` when it reports a failure. EventSource also hands events of that name
        # to its onerror handler (htmx logs an sseError); the stream stays open all the same.
        # A note is a sentence about the run, not a log row: its moment comes after it.
        return Frame(
            "error" if note.tone == "error" else "note",
            f'<li class="note note-{note.tone}">{self._tag(note.channel)}'
            f'<span class="note-text">{escape(note.text)}</span> '
            f'<span class="note-time">at +{elapsed:.3f} s</span></li>',
        )

    def agent(self, change: AgentChange) -> Frame:
        if change.name not in self.agents:
            self.agents.append(change.name)
        items = [
            f'<li class="agent agent-active" aria-current="true">{escape(name)} '
            '<span class="agent-state">active</span></li>'
            if name == change.name
            else f'<li class="agent">{escape(name)}</li>'
            for name in self.agents
        ]
        return Frame("agent", "".join(items))

    def event(self, event: DemoEvent, elapsed: float) -> Frame | None:
        """The SSE event for one demo event (None for the final output: `done` carries it)."""
        if isinstance(event, Text):
            return self.text(event, elapsed)
        if isinstance(event, Log):
            self.end_groups(event.channel)
            return Frame("log", self.log_item(event, elapsed))
        if isinstance(event, Note):
            return self.note(event, elapsed)
        if isinstance(event, AgentChange):
            return self.agent(event)
        return None

    def encoded(self, event: DemoEvent, elapsed: float) -> bytes:
        """`event`'s SSE event as the bytes the stream sends (b"" for none). A text event, one
        per token of every open stream, goes straight to its bytes."""
        if isinstance(event, Text):
            return framed(f"text-{event.channel}", self._text_html(event, elapsed))
        frame = self.event(event, elapsed)
        return b"" if frame is None else frame.encode()

    @staticmethod
    def metrics(metrics: Metrics) -> Frame:
        return Frame("metrics", metrics_panel(metrics))

    def failure(self, failure: Failure, elapsed: float) -> Frame:
        return self.note(Note(text=failure.message, tone="error"), elapsed)

    @staticmethod
    def done(done: Done) -> Frame:
        return Frame("done", done_fragment(done))


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


def _whole(value: float) -> str:
    """Milliseconds as a whole number, halves rounded up (as the templates' floatformat:0)."""
    return str(int(value + 0.5)) if value >= 0 else f"{value:.0f}"


def _status(done: Done) -> str:
    if done.outcome == "completed":
        first = done.metrics.ttft_ms
        after = "" if first is None else f", first token after {_whole(first)} ms"
        elapsed = _whole(done.metrics.elapsed_ms)
        return f'<span class="badge badge-ok">Done</span> in {elapsed} ms{after}.'
    if done.outcome == "timed_out":
        return '<span class="badge badge-warn">Stopped</span> at the lifetime cap.'
    return f'<span class="badge badge-bad">Failed</span> {escape(done.error)}'


def done_fragment(done: Done) -> str:
    """The terminal `done` event: the final output, with the status line and the metrics out of
    band."""
    metrics = done.metrics
    ttft = "" if metrics.ttft_ms is None else f' data-ttft-ms="{metrics.ttft_ms:.1f}"'
    if done.final_output is None:
        final = '<p class="muted">None: the run ended without a final output.</p>'
    else:
        final = f'<div class="final-output" data-final-output>{escape(done.final_output)}</div>'
    return (
        f'<section class="final outcome-{done.outcome}" aria-labelledby="final-heading"{ttft}>'
        f'<h3 id="final-heading" class="label">result.final_output</h3>{final}</section>\n'
        f'<p id="run-status" hx-swap-oob="innerHTML">{_status(done)}</p>\n'
        f'<div id="run-metrics" hx-swap-oob="innerHTML">{metrics_panel(metrics)}</div>'
    )


RUN_AGAIN = (
    '<button type="submit" form="demo-form" class="button button-small" data-run-again>'
    "Run again</button>"
)


def ended_early(*, badge: str, message: str) -> bytes:
    """The whole stream of a run that cannot stream (cut off, or the demos paused): the reason
    in the result, and the status line with a Run-again button that posts the form above."""
    done = Frame(
        "done",
        f'<p class="notice" role="alert">{escape(message)}</p>\n'
        f'<p id="run-status" hx-swap-oob="innerHTML"><span class="badge badge-bad">'
        f"{escape(badge)}</span> {RUN_AGAIN}</p>",
    )
    return done.encode()
