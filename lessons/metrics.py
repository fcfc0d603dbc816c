"""Run metrics: time to first event and first token, chunks, tokens per second; percentiles.

Pure: plain numbers in (times in seconds from a monotonic clock), typed figures out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lessons.events import ChannelFigures, DemoEvent, Log, Metrics, Text


@dataclass(slots=True)
class _Channel:
    label: str
    first: float | None = None
    last: float | None = None
    chunks: int = 0


class MetricsTracker:
    """Watches a demo's events as they arrive and reports the figures so far."""

    def __init__(self, channels: Iterable[tuple[str, str]], *, start: float) -> None:
        self.start = start
        self.first_event: float | None = None
        self.channels = {name: _Channel(label) for name, label in channels}
        self.chunks = 0

    def observe(self, event: DemoEvent, now: float) -> None:
        """Called for every event of every open stream: nothing is made for a known channel."""
        if isinstance(event, Text):
            if self.first_event is None and event.log is not None:
                self.first_event = now  # the SDK event that carried the text
            if event.delta:
                channel = self.channels.get(event.channel)
                if channel is None:
                    channel = self.channels[event.channel] = _Channel(event.channel)
                if channel.first is None:
                    channel.first = now
                channel.last = now
                channel.chunks += 1
                self.chunks += 1
        elif self.first_event is None and isinstance(event, Log):
            self.first_event = now

    def _ms(self, moment: float | None) -> float | None:
        return None if moment is None else round((moment - self.start) * 1000, 1)

    @property
    def first_token(self) -> float | None:
        """When the first text arrived in any panel."""
        return min((c.first for c in self.channels.values() if c.first is not None), default=None)

    @property
    def last_token(self) -> float | None:
        return max((c.last for c in self.channels.values() if c.last is not None), default=None)

    @property
    def ttft_ms(self) -> float | None:
        return self._ms(self.first_token)

    @property
    def tokens_per_s(self) -> float | None:
        """Chunks after the first, over the time they took: the pace once streaming started."""
        first, last = self.first_token, self.last_token
        if self.chunks < 2 or first is None or last is None or last <= first:
            return None
        return round((self.chunks - 1) / (last - first), 1)

    def snapshot(self, now: float) -> Metrics:
        first_event = self.first_event if self.first_event is not None else self.first_token
        return Metrics(
            elapsed_ms=round((now - self.start) * 1000, 1),
            first_event_ms=self._ms(first_event),
            ttft_ms=self.ttft_ms,
            chunks=self.chunks,
            tokens_per_s=self.tokens_per_s,
            channels=[
                ChannelFigures(
                    name=name,
                    label=c.label,
                    ttft_ms=self._ms(c.first),
                    last_ms=self._ms(c.last),
                    chunks=c.chunks,
                )
                for name, c in self.channels.items()
            ],
        )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks; None when empty."""
    if not 0 <= q <= 100:
        raise ValueError("q is a percentage between 0 and 100")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
