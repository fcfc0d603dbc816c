"""Geometry of the item analysis's SVG charts, drawn by templates (no Django), as the dashboard's
charts are (certify.charts): numbers in viewBox units, text beside every bar, the key marked by
a word and a tick, not by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from questions.analysis.tables import ItemRow, QuizRow

# Distractor chart: per option a label column, then three bars (all / top third / bottom third).
LABEL_WIDTH = 46
PLOT_WIDTH = 150
VALUE_GAP = 6
CHART_WIDTH = LABEL_WIDTH + PLOT_WIDTH + VALUE_GAP + 34
BAR = 6
GROUP_GAP = 6
LEGEND_HEIGHT = 14
GROUPS = (("all", "all"), ("top", "top third"), ("bottom", "bottom third"))


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


@dataclass(frozen=True)
class ShareBar:
    group: str  # all | top | bottom: the CSS class and pattern
    y: float
    width: float
    text: str

    @property
    def text_y(self) -> float:
        return self.y + BAR - 0.5


@dataclass(frozen=True)
class OptionBars:
    label: str  # "A", or "B ✓ key"
    keyed: bool
    y: float
    bars: tuple[ShareBar, ...]

    @property
    def label_y(self) -> float:
        return self.y + BAR * 2


@dataclass(frozen=True)
class DistractorChart:
    item: str
    options: tuple[OptionBars, ...]
    description: str
    width: int = CHART_WIDTH
    plot_x: int = LABEL_WIDTH
    value_x: int = LABEL_WIDTH + PLOT_WIDTH + VALUE_GAP
    bar_height: int = BAR
    legend: tuple[tuple[str, str, int], ...] = tuple(
        (group, label, LABEL_WIDTH + 52 * n) for n, (group, label) in enumerate(GROUPS)
    )

    @property
    def height(self) -> int:
        return LEGEND_HEIGHT + len(self.options) * (3 * BAR + GROUP_GAP) + 2


def distractor_chart(row: ItemRow) -> DistractorChart:
    """How often each option was chosen: by everyone, by the top and by the bottom third."""
    options = []
    y = float(LEGEND_HEIGHT)
    for option in row.options:
        shares = (option.share, option.top_share, option.bottom_share)
        bars = tuple(
            ShareBar(group, y + n * BAR, round(PLOT_WIDTH * (share or 0.0), 1), _percent(share))
            for n, ((group, _), share) in enumerate(zip(GROUPS, shares, strict=True))
        )
        label = f"{option.label} \N{CHECK MARK} key" if option.keyed else option.label
        options.append(OptionBars(label, option.keyed, y, bars))
        y += 3 * BAR + GROUP_GAP
    described = "; ".join(
        f"{o.label}{' (key)' if o.keyed else ''}: {_percent(o.share)} of all, "
        f"{_percent(o.top_share)} of the top third, {_percent(o.bottom_share)} of the bottom third"
        for o in row.options
    )
    return DistractorChart(row.id, tuple(options), f"Options of {row.id} chosen. {described}.")


# Score histogram: ten deciles as columns with their counts on top.
HIST_WIDTH = 300
HIST_PLOT_HEIGHT = 80
HIST_TOP = 14
COLUMN = 26
COLUMN_GAP = 3
HIST_LEFT = 8


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    height: float
    count: int
    label: str  # the decile's lower bound, e.g. "90"

    @property
    def mid_x(self) -> float:
        return self.x + COLUMN / 2


@dataclass(frozen=True)
class Histogram:
    quiz: str
    columns: tuple[Column, ...]
    description: str
    width: int = HIST_WIDTH
    height: int = HIST_TOP + HIST_PLOT_HEIGHT + 16
    baseline: int = HIST_TOP + HIST_PLOT_HEIGHT
    column_width: int = COLUMN


def score_histogram(quiz: QuizRow) -> Histogram:
    tallest = max(quiz.histogram, default=0) or 1
    columns = []
    for n, count in enumerate(quiz.histogram):
        height = round(HIST_PLOT_HEIGHT * count / tallest, 1)
        x = HIST_LEFT + n * (COLUMN + COLUMN_GAP)
        columns.append(Column(x, HIST_TOP + HIST_PLOT_HEIGHT - height, height, count, str(n * 10)))
    described = ", ".join(
        f"{n * 10}-{n * 10 + 10}%: {count}" for n, count in enumerate(quiz.histogram)
    )
    return Histogram(quiz.slug, tuple(columns), f"Attempts of {quiz.title} by score: {described}.")


def charts_for(rows: Sequence[ItemRow]) -> dict[str, DistractorChart]:
    return {row.id: distractor_chart(row) for row in rows}
