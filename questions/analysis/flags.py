"""Why an item needs an instructor's eye: each flag with its reason in words (no Django)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from questions.analysis.stats import (
    Abilities,
    FloatArray,
    IntArray,
    group_counts,
    group_sums,
    probability_right,
    rank_within_groups,
    two_proportion_p,
)
from questions.analysis.tables import Answers, Flag, Item, ItemRow, OptionRow, Rules

Z_99 = 2.5758293035489  # the normal's 99.5th percentile: a two-sided 99% interval


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def _percent_fine(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


@dataclass(frozen=True)
class ItemDrift:
    earlier: tuple[int, int]  # right, answers
    later: tuple[int, int]
    # Since the last calibration: observed right, expected right, variance, answers, and the
    # expected right at the ends of the refitted difficulty's 99% interval (hard end first).
    since_calibration: tuple[float, float, float, int] | None
    expected_range: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Drift:
    """Each item's answers split in time at their median, and its answers since its last
    calibration against what the calibrated parameters predict at each learner's ability."""

    earlier_right: FloatArray
    earlier_n: IntArray
    later_right: FloatArray
    later_n: IntArray
    observed: FloatArray
    expected: FloatArray
    variance: FloatArray
    since_n: IntArray
    calibrated: np.ndarray
    expected_hard: FloatArray
    expected_easy: FloatArray

    @classmethod
    def compute(
        cls,
        items: Sequence[Item],
        answers: Answers,
        attempt_index: IntArray,
        ability: Abilities,
        params: FloatArray,
    ) -> Drift:
        size = len(items)
        rows = np.flatnonzero(answers.current & np.isfinite(answers.answered_at))
        item, x = answers.item[rows], answers.correct[rows].astype(float)
        position, n = rank_within_groups(item, answers.answered_at[rows], size)
        earlier = position < n // 2
        calibrated_at = np.array(
            [i.calibration.at if i.calibration else np.inf for i in items] or [np.inf]
        )
        since = answers.answered_at[rows] > calibrated_at[item]
        theta = ability.mean[attempt_index[rows][since]]
        p = probability_right(params[rows][since], theta)
        # The refitted difficulty's own uncertainty widens the interval (0 when not recorded).
        error = np.array(
            [(i.calibration.difficulty_error or 0.0) if i.calibration else 0.0 for i in items]
            or [0.0]
        )
        shift = np.zeros_like(params[rows][since])
        shift[:, 1] = Z_99 * error[item[since]]
        p_hard = probability_right(params[rows][since] + shift, theta)
        p_easy = probability_right(params[rows][since] - shift, theta)
        return cls(
            earlier_right=group_sums(item[earlier], x[earlier], size),
            earlier_n=group_counts(item[earlier], size),
            later_right=group_sums(item[~earlier], x[~earlier], size),
            later_n=group_counts(item[~earlier], size),
            observed=group_sums(item[since], x[since], size),
            expected=group_sums(item[since], p, size),
            variance=group_sums(item[since], p * (1 - p), size),
            since_n=group_counts(item[since], size),
            calibrated=np.array([i.calibration is not None for i in items], dtype=bool),
            expected_hard=group_sums(item[since], p_hard, size),
            expected_easy=group_sums(item[since], p_easy, size),
        )

    def for_item(self, j: int) -> ItemDrift:
        since = None
        if self.calibrated[j]:
            since = (
                float(self.observed[j]),
                float(self.expected[j]),
                float(self.variance[j]),
                int(self.since_n[j]),
            )
        return ItemDrift(
            (int(self.earlier_right[j]), int(self.earlier_n[j])),
            (int(self.later_right[j]), int(self.later_n[j])),
            since,
            (float(self.expected_hard[j]), float(self.expected_easy[j])),
        )


def item_flags(item: Item, row: ItemRow, drift: ItemDrift, rules: Rules) -> tuple[Flag, ...]:
    return (
        *_miskey(row, rules),
        *_dead_distractors(row, rules),
        *_level_fit(item, row, rules),
        *_exposure(row, rules),
        *_time_drift(drift, rules),
        *_calibration_drift(item, drift, rules),
        *_key_broken(item),
    )


def _miskey(row: ItemRow, rules: Rules) -> list[Flag]:
    if row.answers < rules.min_answers:
        return []
    return [*_miskey_by_thirds(row), *_miskey_by_discrimination(row)]


def _miskey_by_thirds(row: ItemRow) -> list[Flag]:
    """A distractor that the top third chose more often than (the least chosen part of) the key."""
    keyed = [o for o in row.options if o.keyed]
    lure = _strongest_distractor(row.options)
    key_share = _least_top_share(keyed)
    if lure is None or key_share is None:
        return []
    lure_share = lure.top_share or 0.0
    if lure_share <= key_share:
        return []
    return [
        Flag(
            "miskey",
            f"Likely miskey: the top third of learners chose {lure.label} "
            f"({_percent(lure_share)}) more often than the key "
            f"{''.join(o.label for o in keyed)} ({_percent(key_share)}).",
        )
    ]


def _miskey_by_discrimination(row: ItemRow) -> list[Flag]:
    if row.point_biserial is None or row.point_biserial >= 0:
        return []
    return [
        Flag(
            "miskey",
            f"Likely miskey: negative discrimination (point-biserial "
            f"{row.point_biserial:.2f}): learners who do worse elsewhere get it right more.",
        )
    ]


def _least_top_share(options: Sequence[OptionRow]) -> float | None:
    return min((o.top_share for o in options if o.top_share is not None), default=None)


def _strongest_distractor(options: Sequence[OptionRow]) -> OptionRow | None:
    lures = [o for o in options if not o.keyed and o.top_share is not None]
    return max(lures, key=lambda o: o.top_share or 0.0, default=None)


def _dead_distractors(row: ItemRow, rules: Rules) -> list[Flag]:
    if row.answers < rules.dead_min_answers:
        return []
    return [
        Flag(
            "dead-distractor",
            f"Option {o.label} was chosen in {o.chosen} of {row.answers} answers "
            f"({_percent_fine(o.share)}, under {_percent_fine(rules.dead_share)}): it distracts "
            "almost nobody.",
        )
        for o in row.options
        if not o.keyed and (o.share or 0.0) < rules.dead_share
    ]


def _level_fit(item: Item, row: ItemRow, rules: Rules) -> list[Flag]:
    bounds = rules.facility_range.get(item.level)
    if bounds is None or row.facility is None or row.answers < rules.min_answers:
        return []
    low, high = bounds
    if row.facility > high:
        return [
            Flag(
                "too-easy",
                f"Too easy for {item.level}: facility {_percent_fine(row.facility)}, above the "
                f"{_percent(high)} that {item.level} items should stay under.",
            )
        ]
    if row.facility < low:
        return [
            Flag(
                "too-hard",
                f"Too hard for {item.level}: facility {_percent_fine(row.facility)}, below the "
                f"{_percent(low)} that {item.level} items should reach.",
            )
        ]
    return []


def _exposure(row: ItemRow, rules: Rules) -> list[Flag]:
    if row.exposure is None or row.exposure <= rules.exposure_limit:
        return []
    return [
        Flag(
            "exposure",
            f"Exposure {_percent(row.exposure)}: asked on more exam forms than the "
            f"{_percent(rules.exposure_limit)} target.",
        )
    ]


def _time_drift(drift: ItemDrift, rules: Rules) -> list[Flag]:
    (r1, n1), (r2, n2) = drift.earlier, drift.later
    if min(n1, n2) < rules.drift_min_half:
        return []
    p = two_proportion_p(r1, n1, r2, n2)
    if p >= rules.drift_p:
        return []
    return [
        Flag(
            "drift",
            f"Drift: facility moved from {_percent(r1 / n1)} (earlier {n1} answers) to "
            f"{_percent(r2 / n2)} (later {n2}); two-proportion test p = {p:.4f}.",
        )
    ]


def _calibration_drift(item: Item, drift: ItemDrift, rules: Rules) -> list[Flag]:
    if drift.since_calibration is None or item.calibration is None:
        return []
    observed, expected, variance, n = drift.since_calibration
    if n < rules.drift_min_half or variance <= 0:
        return []
    # The 99% interval: sampling around the expected count, widened by the difficulty's error.
    half = Z_99 * math.sqrt(variance)
    hard, easy = drift.expected_range
    low, high = max(min(hard, expected) - half, 0.0), min(max(easy, expected) + half, float(n))
    if low <= observed <= high:
        return []
    return [
        Flag(
            "drift",
            f"Drift: since calibration v{item.calibration.version}, {_percent(observed / n)} of "
            f"{n} answers were right; its parameters predict {_percent(expected / n)} "
            f"(99% interval {_percent(low / n)} to {_percent(high / n)}).",
            link="calibration",
        )
    ]


def _key_broken(item: Item) -> list[Flag]:
    key = item.key
    if key is None or key.holds:
        return []
    derived = key.derived or "none"
    return [
        Flag(
            "key-broken",
            f"The key no longer holds on openai-agents {key.sdk_version}: the bank keys "
            f"{key.keyed}, the run makes {derived} true ({key.outcome}).",
            link="key-check",
        )
    ]
