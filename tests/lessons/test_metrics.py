from __future__ import annotations

import pytest

from lessons.events import Log, Note, Text
from lessons.metrics import MetricsTracker, percentile


def test_the_tracker_measures_first_event_first_token_chunks_and_pace() -> None:
    tracker = MetricsTracker([("main", "Text"), ("other", "Other")], start=10.0)
    tracker.observe(Log(source="agent_updated_stream_event", name="A"), 10.005)
    tracker.observe(Note(text="not a chunk"), 10.2)
    for index in range(5):
        tracker.observe(Text(delta="tok"), 10.4 + index * 0.05)

    metrics = tracker.snapshot(11.0)
    assert metrics.first_event_ms == 5.0
    assert metrics.ttft_ms == 400.0
    assert metrics.chunks == 5
    assert metrics.tokens_per_s == 20.0  # four chunks after the first, in 0.2 s
    assert metrics.elapsed_ms == 1000.0
    assert [(c.label, c.chunks, c.ttft_ms) for c in metrics.channels] == [
        ("Text", 5, 400.0),
        ("Other", 0, None),
    ]


def test_without_text_there_is_no_time_to_first_token() -> None:
    metrics = MetricsTracker([("main", "Text")], start=0).snapshot(1)
    assert (metrics.ttft_ms, metrics.first_event_ms, metrics.tokens_per_s) == (None, None, None)
    assert metrics.chunks == 0


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 50, None),
        ([7.0], 95, 7.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([10.0, 20.0, 30.0, 40.0, 50.0], 95, 48.0),
        ([5.0, 1.0, 3.0], 0, 1.0),
        ([5.0, 1.0, 3.0], 100, 5.0),
    ],
)
def test_percentiles_interpolate_between_ranks(values, q, expected) -> None:
    assert percentile(values, q) == expected


def test_a_percentile_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)


def test_text_for_a_panel_the_preset_did_not_list_is_counted_under_its_own_name() -> None:
    tracker = MetricsTracker([("main", "Text")], start=0.0)
    tracker.observe(Text(delta="{", channel="arguments"), 0.2)
    tracker.observe(Text(delta="}", channel="arguments"), 0.3)
    tracker.observe(Text(delta="", channel="main"), 0.4)  # an empty delta is no chunk

    metrics = tracker.snapshot(1.0)
    assert [(c.name, c.label, c.chunks, c.ttft_ms) for c in metrics.channels] == [
        ("main", "Text", 0, None),
        ("arguments", "arguments", 2, 200.0),
    ]
    assert (metrics.chunks, metrics.ttft_ms, metrics.first_event_ms) == (2, 200.0, 200.0)
