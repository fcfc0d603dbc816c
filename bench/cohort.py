"""A simulated cohort for the item analysis: learners of known ability answer items of known
parameters, with a planted miskey and a planted leak (pure: numpy, no Django).

Each learner answers an item right with the 3PL probability at their ability; right means the
options that are truly right (all of them, on a multiple-choice item), wrong means one of the
others, drawn by fixed attractiveness weights (the first distractor draws most). A *miskeyed*
item's truly right answer is not what the bank keys (its first keyed option is swapped for the
next unkeyed one), so the learners who know the answer are marked wrong. A *leaked* item is
answered right by almost everyone in the later half of the cohort, as if its key had gone round.
`questions/management/commands/simulate_cohort.py` writes the attempts into the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LEAKED_FACILITY = 0.97


@dataclass(frozen=True)
class CohortItem:
    id: str
    discrimination: float
    difficulty: float
    guessing: float
    options: int
    keyed: tuple[int, ...]  # the options the bank keys (0-based)


@dataclass(frozen=True)
class SimAnswer:
    item: int  # index into the items
    chosen: tuple[int, ...]  # the options chosen
    correct: bool  # what the bank's key makes of it
    seconds: float  # time spent on it


@dataclass(frozen=True)
class SimAttempt:
    learner: int
    ability: float
    answers: tuple[SimAnswer, ...]


@dataclass(frozen=True)
class Plants:
    miskey: int | None = None  # index of the item whose truly right option is not the keyed one
    leak: int | None = None  # index of the item that leaks half-way through the cohort


def _distractor_weights(count: int) -> np.ndarray:
    weights = np.arange(count, 0, -1, dtype=float)
    return weights / weights.sum()


def _truth(item: CohortItem, miskeyed: bool) -> tuple[int, ...]:
    if not miskeyed:
        return item.keyed
    swap = next(k for k in range(item.options) if k not in item.keyed)
    return tuple(sorted((*item.keyed[1:], swap)))


def _answer(
    rng: np.random.Generator,
    j: int,
    item: CohortItem,
    p_right: float,
    miskeyed: bool,
) -> SimAnswer:
    truth = _truth(item, miskeyed)
    if rng.random() < p_right:
        chosen = truth
    else:
        others = [k for k in range(item.options) if k not in truth]
        chosen = (int(rng.choice(others, p=_distractor_weights(len(others)))),)
    seconds = float(rng.gamma(4.0, 12.0))
    return SimAnswer(j, chosen, set(chosen) == set(item.keyed), seconds)


def simulate_cohort(
    items: Sequence[CohortItem],
    *,
    learners: int,
    form_size: int | None = None,
    plants: Plants | None = None,
    seed: int = 0,
    ability_mean: float = 1.0,
    ability_sd: float = 1.2,
    forms: Sequence[Sequence[int]] | None = None,
) -> list[SimAttempt]:
    """One attempt per learner, in time order: every item (a fixed form), `form_size` items
    drawn at random per learner (the planted items always included), or each learner's form
    as given in `forms` (item indices, e.g. assembled to the exam's blueprint)."""
    plants = plants or Plants()
    rng = np.random.default_rng(seed)
    params = np.array([[i.discrimination, i.difficulty, i.guessing] for i in items])
    planted = [j for j in (plants.miskey, plants.leak) if j is not None]
    attempts = []
    for learner in range(learners):
        ability = float(rng.normal(ability_mean, ability_sd))
        form = (
            np.array(forms[learner], dtype=np.int64)
            if forms is not None
            else _form(rng, len(items), form_size, planted)
        )
        a, b, c = params[form].T
        p = c + (1 - c) / (1 + np.exp(-a * (ability - b)))
        answers = []
        for j, p_right in zip(form, p, strict=True):
            if j == plants.leak and learner >= learners // 2:
                p_right = LEAKED_FACILITY
            answers.append(_answer(rng, int(j), items[j], float(p_right), j == plants.miskey))
        attempts.append(SimAttempt(learner, ability, tuple(answers)))
    return attempts


def _form(
    rng: np.random.Generator, count: int, form_size: int | None, planted: list[int]
) -> np.ndarray:
    if form_size is None or form_size >= count:
        return np.arange(count)
    rest = np.setdiff1d(np.arange(count), planted)
    drawn = rng.choice(rest, size=max(form_size - len(planted), 0), replace=False)
    return np.sort(np.concatenate((np.array(planted, dtype=np.int64), drawn)))
