"""Geometry for the dashboard's server-rendered SVG charts (no Django imports).

Templates draw what these dataclasses say; every number is in the SVG's viewBox units. Charts
never rely on colour alone: the bars differ by pattern and carry text labels, the threshold is a
labelled dashed line, and passed exams are drawn as diamonds, the others as hollow circles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from certify.readiness import MasteryRow


def number_text(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def percent_text(value: float) -> str:
    return f"{number_text(value)}%"


# Mastery bars: a label column, the 0-100% plot, a value column.
BAR_WIDTH = 380
PLOT_X = 62
PLOT_WIDTH = 200
VALUE_X = PLOT_X + PLOT_WIDTH + 8
BAR_TOP = 18
BAR_HEIGHT = 14
BAR_PITCH = 20


def _x(percent: float) -> float:
    return round(PLOT_X + PLOT_WIDTH * max(0.0, min(100.0, percent)) / 100, 1)


@dataclass(frozen=True)
class Bar:
    kind: str  # "latest" | "best" | "estimate": the CSS class and the fill pattern
    label: str
    text: str
    y: float
    width: float
    # The estimate's 80% interval, as a whisker (0 when there is none).
    low_x: float = 0.0
    high_x: float = 0.0

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT - 3

    @property
    def mid_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def bottom(self) -> float:
        return self.y + BAR_HEIGHT


@dataclass(frozen=True)
class BarChart:
    key: str
    label: str
    threshold: float
    bars: Sequence[Bar]
    description: str
    width: int = BAR_WIDTH
    plot_x: int = PLOT_X
    plot_width: int = PLOT_WIDTH
    value_x: int = VALUE_X
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return BAR_TOP + BAR_PITCH * len(self.bars) + 2

    @property
    def threshold_x(self) -> float:
        return _x(self.threshold)

    @property
    def threshold_text(self) -> str:
        return f"target {percent_text(self.threshold)}"

    @property
    def plot_end(self) -> int:
        return self.plot_x + self.plot_width


def bar_chart(row: MasteryRow) -> BarChart:
    """Latest exam, best exam and the engine's estimate of one category (or overall)."""
    bars: list[Bar] = []
    parts: list[str] = []
    y = BAR_TOP
    exams = (("latest", "Latest", row.latest), ("best", "Best", row.best))
    for kind, label, score in exams:
        if score is not None:
            text = f"{percent_text(score.percent)} ({score.correct}/{score.total})"
            bars.append(Bar(kind, label, text, y, _x(score.percent) - PLOT_X))
            parts.append(f"{label.lower()} exam {percent_text(score.percent)}")
        else:
            bars.append(Bar(kind, label, "no exam yet", y, 0.0))
            parts.append(f"{label.lower()} exam: none yet")
        y += BAR_PITCH
    estimate = row.estimate
    if estimate is not None:
        # Whole percents: an estimate's decimals are noise, and the text must fit its column.
        # Half up, as the template's floatformat rounds the same numbers in the text beside it.
        mean, low, high = (
            math.floor(value + 0.5) for value in (estimate.mean, estimate.low, estimate.high)
        )
        interval = f"{low}\N{EN DASH}{high}%"
        bars.append(
            Bar(
                "estimate",
                "Estimate",
                f"{mean}% ({interval})",
                y,
                _x(estimate.mean) - PLOT_X,
                low_x=_x(estimate.low),
                high_x=_x(estimate.high),
            )
        )
        parts.append(f"estimate {mean}%, 80% interval {interval}")
    else:
        bars.append(Bar("estimate", "Estimate", "none yet", y, 0.0))
        parts.append("no estimate yet")
    description = f"{row.label}: {'; '.join(parts)}; target {percent_text(row.threshold)}."
    return BarChart(row.key, row.label, row.threshold, bars, description)


# History: overall exam scores over time against the overall threshold.
HISTORY_WIDTH = 420
HISTORY_HEIGHT = 180
AXIS_X = 44
PLOT_RIGHT = HISTORY_WIDTH - 16
PLOT_TOP = 12
PLOT_BOTTOM = 146
MARKER = 10


@dataclass(frozen=True)
class HistoryPoint:
    x: float
    y: float
    percent: float
    passed: bool
    finished_at: datetime
    url: str

    @property
    def corner_x(self) -> float:
        return round(self.x - MARKER / 2, 1)

    @property
    def corner_y(self) -> float:
        return round(self.y - MARKER / 2, 1)

    @property
    def title(self) -> str:
        verdict = "ready" if self.passed else "not yet"
        return f"{self.finished_at:%d %b %Y}: {percent_text(self.percent)}, {verdict}"


@dataclass(frozen=True)
class HistoryExam:
    """One finished exam as the history chart plots it."""

    finished_at: datetime
    percent: float
    passed: bool
    url: str


@dataclass(frozen=True)
class Gridline:
    y: float
    label_y: float
    label: str


@dataclass(frozen=True)
class HistoryChart:
    points: Sequence[HistoryPoint]
    threshold: float
    width: int = HISTORY_WIDTH
    height: int = HISTORY_HEIGHT
    axis_x: int = AXIS_X
    plot_right: int = PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM

    @property
    def threshold_y(self) -> float:
        return _y(self.threshold)

    @property
    def threshold_label_y(self) -> float:
        return self.threshold_y - 5

    @property
    def axis_label_x(self) -> int:
        return self.axis_x - 6

    @property
    def date_y(self) -> int:
        return self.plot_bottom + 22

    @property
    def gridlines(self) -> list[Gridline]:
        """The lines at 0%, 50% and 100%, each with its label."""
        return [Gridline(_y(value), _y(value) + 4, f"{value}%") for value in (0, 50, 100)]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def first_label(self) -> str:
        return f"{self.points[0].finished_at:%d %b %Y}" if self.points else ""

    @property
    def last_label(self) -> str:
        return f"{self.points[-1].finished_at:%d %b %Y}" if len(self.points) > 1 else ""

    @property
    def description(self) -> str:
        if not self.points:
            return "No certification exam taken yet."
        scores = ", ".join(point.title for point in self.points)
        return (
            f"Overall score of your last {len(self.points)} certification exam"
            f"{'s' if len(self.points) != 1 else ''}, oldest first, against the "
            f"{percent_text(self.threshold)} target: {scores}."
        )


def _y(percent: float) -> float:
    return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * max(0.0, min(100.0, percent)) / 100, 1)


def history_chart(exams: Sequence[HistoryExam], threshold: float) -> HistoryChart:
    """The exams oldest first, evenly spaced."""
    span = PLOT_RIGHT - AXIS_X - 24
    step = span / (len(exams) - 1) if len(exams) > 1 else 0
    points = [
        HistoryPoint(
            x=round(AXIS_X + 12 + (step * index if len(exams) > 1 else span / 2), 1),
            y=_y(exam.percent),
            percent=exam.percent,
            passed=exam.passed,
            finished_at=exam.finished_at,
            url=exam.url,
        )
        for index, exam in enumerate(exams)
    ]
    return HistoryChart(points, threshold)
