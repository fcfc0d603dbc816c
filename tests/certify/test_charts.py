"""Chart geometry for the dashboard's SVG: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from certify.charts import PLOT_WIDTH, PLOT_X, HistoryExam, bar_chart, history_chart
from certify.readiness import Estimate, MasteryRow
from questions.scoring import Score


def test_bars_are_proportional_and_the_threshold_sits_at_its_percent() -> None:
    row = MasteryRow(
        key="raw-events",
        label="Raw Response Events",
        threshold=85,
        latest=Score(7, 10),
        best=Score(9, 10),
        estimate=Estimate(78, 65, 88),
    )

    chart = bar_chart(row)

    latest, best, estimate = chart.bars
    assert latest.width == pytest.approx(PLOT_WIDTH * 0.7)
    assert best.width == pytest.approx(PLOT_WIDTH * 0.9)
    assert estimate.width == pytest.approx(PLOT_WIDTH * 0.78)
    assert (estimate.low_x, estimate.high_x) == (PLOT_X + 130, PLOT_X + 176)
    assert chart.threshold_x == PLOT_X + PLOT_WIDTH * 0.85
    assert [bar.text for bar in chart.bars] == [
        "70% (7/10)",
        "90% (9/10)",
        "78% (65\N{EN DASH}88%)",
    ]
    assert chart.description == (
        "Raw Response Events: latest exam 70%; best exam 90%; "
        "estimate 78%, 80% interval 65\N{EN DASH}88%; target 85%."
    )


def test_missing_numbers_are_said_in_words_not_drawn() -> None:
    chart = bar_chart(MasteryRow(key="overall", label="Overall", threshold=90))

    assert [bar.width for bar in chart.bars] == [0, 0, 0]
    assert [bar.text for bar in chart.bars] == ["no exam yet", "no exam yet", "none yet"]
    assert "no estimate yet" in chart.description


def test_history_points_run_oldest_to_newest_and_high_scores_sit_higher() -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    chart = history_chart(
        [
            HistoryExam(t0, 60.0, passed=False, url="/a/"),
            HistoryExam(t0 + timedelta(days=3), 92.0, passed=True, url="/b/"),
        ],
        90,
    )

    first, second = chart.points
    assert first.x < second.x
    assert second.y < first.y  # SVG y grows downwards
    assert second.y < chart.threshold_y < first.y
    assert chart.first_label == "01 Mar 2026"
    assert chart.last_label == "04 Mar 2026"
    assert "92%, ready" in chart.description
    assert history_chart([], 90).description == "No certification exam taken yet."


def test_history_gridlines_are_named_lines_at_0_50_and_100() -> None:
    lines = history_chart([], 90).gridlines

    assert [line.label for line in lines] == ["0%", "50%", "100%"]
    assert lines[0].y > lines[1].y > lines[2].y
    assert all(line.label_y == line.y + 4 for line in lines)
