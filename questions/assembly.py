"""Exam forms assembled to a blueprint, with exposure control and the enemy rule.

The blueprint holds a share per category x level cell (weights; the default is the seed's 50
questions: ten per category, in the seed's level mix), so one blueprint scales to any form
length. A form of `length` questions asks each cell its share of the length (largest remainder).

Each cell is filled from the exam pool with exposure control: every item's chance of being on a
form is capped at `exposure_target` (Sympson-Hetter's aim, met exactly rather than by iterated
simulation: systematic sampling with capped inclusion probabilities, more informative items at
the readiness cut likelier up to the cap). A cell whose items cannot carry its share within the
cap (fewer than need / target of them, or variants of too few families) gives what it can and
borrows the rest from its category's other levels; `allowed_exposure` says what the pool allows.

A learner's new form avoids the items of their earlier forms: it takes an item they have seen
only where the cell has no unseen one left, at most `overlap_share` of the form while the pool
allows; past that it meets the blueprint with seen items anyway, and says so (`overlap`).
The enemy rule: a form takes at most `family_limit` variants of one item family (variants of one
scenario give each other away). Where a cell is short, the form borrows from the other levels of
its category (so each category keeps its weight), and the cell's shortfall is reported
(`short`, and `borrowed`): the closest form the pool allows, never a silent failure. Only where
the whole category runs out does the form exceed the exposure target, then the overlap budget.

Pure: plain data in and out, no Django.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Cell = tuple[str, str]  # (category, level)

CATEGORIES = ("basics", "raw-events", "run-items", "tools-handoffs", "production")
LEVELS = ("beginner", "intermediate", "advanced")
# The seed's 50-question quiz, per category: beginner, intermediate, advanced.
SEED_MIX: dict[str, tuple[int, int, int]] = {
    "basics": (4, 3, 3),
    "raw-events": (3, 4, 3),
    "run-items": (3, 4, 3),
    "tools-handoffs": (3, 4, 3),
    "production": (3, 3, 4),
}
DEFAULT_LENGTH = 50
# The randomesque window is sized so that no item is on more than this share of forms.
DEFAULT_EXPOSURE_TARGET = 0.2
# A learner's new form shares at most this share of its items with their earlier forms.
DEFAULT_OVERLAP_SHARE = 0.2
# The enemy rule: at most this many variants of one family on a form.
DEFAULT_FAMILY_LIMIT = 2
# Where the readiness decision falls on the ability scale with the level defaults (see
# questions.adaptive.engine): the form's items are ranked by their information there.
DEFAULT_CUT = 2.3


def default_blueprint() -> dict[str, dict[str, float]]:
    """The seed's mix as a blueprint: {category: {level: weight}}."""
    return {
        category: dict(zip(LEVELS, map(float, mix), strict=True))
        for category, mix in SEED_MIX.items()
    }


def blueprint_cells(blueprint: Mapping[str, Mapping[str, float]]) -> dict[Cell, float]:
    """The blueprint's weights per cell (cells of weight 0 left out)."""
    return {
        (category, level): float(weight)
        for category, levels in blueprint.items()
        for level, weight in levels.items()
        if weight > 0
    }


def blueprint_errors(blueprint: object) -> list[str]:
    """What is wrong with a blueprint as a quiz setting holds it ([] when it is sound)."""
    if not isinstance(blueprint, Mapping):
        return ['A blueprint is {"category": {"level": weight}}.']
    errors: list[str] = []
    total = 0.0
    for category, levels in blueprint.items():
        found, weight = _category_errors(category, levels)
        errors += found
        total += weight
    if not errors and total <= 0:
        errors.append("Give at least one cell a weight above 0.")
    return errors


def _category_errors(category: object, levels: object) -> tuple[list[str], float]:
    """One category's errors, and the sum of its sound weights."""
    if category not in CATEGORIES:
        return [f"Unknown category {category!r} (one of: {', '.join(CATEGORIES)})."], 0.0
    if not isinstance(levels, Mapping):
        return [f"{category}: give a weight per level, e.g. {{'beginner': 3}}."], 0.0
    errors: list[str] = []
    total = 0.0
    for level, weight in levels.items():
        if level not in LEVELS:
            errors.append(f"{category}: unknown level {level!r} (one of: {', '.join(LEVELS)}).")
        elif isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            errors.append(f"{category} / {level}: a weight is a number >= 0.")
        else:
            total += weight
    return errors, total


def cell_counts(blueprint: Mapping[str, Mapping[str, float]], length: int) -> dict[Cell, int]:
    """How many questions of a `length`-question form each cell asks: its share of the length,
    rounded by largest remainder so that the counts add up to `length`."""
    weights = blueprint_cells(blueprint)
    total = sum(weights.values())
    if total <= 0 or length <= 0:
        return {}
    exact = {cell: length * weight / total for cell, weight in weights.items()}
    counts = {cell: math.floor(value) for cell, value in exact.items()}
    left = length - sum(counts.values())
    by_remainder = sorted(exact, key=lambda cell: (counts[cell] - exact[cell], _cell_order(cell)))
    for cell in by_remainder[:left]:
        counts[cell] += 1
    return {cell: n for cell, n in counts.items() if n > 0}


def _cell_order(cell: Cell) -> tuple[int, int]:
    category, level = cell
    return (
        CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES),
        LEVELS.index(level) if level in LEVELS else len(LEVELS),
    )


@dataclass(frozen=True)
class FormItem:
    """An exam item as assembly sees it."""

    id: str
    category: str
    level: str
    discrimination: float
    difficulty: float
    guessing: float
    family: str = ""

    @property
    def cell(self) -> Cell:
        return (self.category, self.level)

    def information(self, theta: float) -> float:
        """The 3PL item's Fisher information at `theta`."""
        a, c = self.discrimination, self.guessing
        p_star = 1 / (1 + math.exp(-a * (theta - self.difficulty)))
        p = c + (1 - c) * p_star
        if p <= 0 or p >= 1:
            return 0.0
        return a * a * ((p - c) / (1 - c)) ** 2 * (1 - p) / p


@dataclass(frozen=True)
class FormRules:
    """What assembly holds each form to (settings, with the defaults above)."""

    exposure_target: float = DEFAULT_EXPOSURE_TARGET
    overlap_share: float = DEFAULT_OVERLAP_SHARE
    family_limit: int = DEFAULT_FAMILY_LIMIT
    cut: float = DEFAULT_CUT


@dataclass
class AssembledForm:
    """A form: its items (cell by cell) and how near it came to the blueprint."""

    items: list[FormItem]
    wanted: dict[Cell, int]
    # Per cell: questions the blueprint asks that the cell could not give.
    short: dict[Cell, int] = field(default_factory=dict)
    # Per cell: questions the form took from another level of the category instead.
    borrowed: dict[Cell, int] = field(default_factory=dict)
    # Items the learner had on an earlier form, and the most the overlap rule allows.
    overlap: int = 0
    overlap_limit: int = 0

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]

    @property
    def length(self) -> int:
        return sum(self.wanted.values())

    @property
    def missing(self) -> int:
        """Questions the form lacks against its length (borrowed ones count as present)."""
        return self.length - len(self.items)

    @property
    def meets_blueprint(self) -> bool:
        return not self.short

    @property
    def overlap_exceeded(self) -> bool:
        return self.overlap > self.overlap_limit

    def summary(self) -> dict[str, object]:
        """The form's account as the attempt stores it (JSON)."""
        return {
            "length": self.length,
            "asked": len(self.items),
            "short": {_cell_key(cell): n for cell, n in sorted(self.short.items())},
            "borrowed": {_cell_key(cell): n for cell, n in sorted(self.borrowed.items())},
            "overlap": self.overlap,
            "overlap_limit": self.overlap_limit,
        }


def _cell_key(cell: Cell) -> str:
    return "/".join(cell)


class _Picker:
    """One form's choices so far: what it holds, per family, and the overlap it has used."""

    def __init__(self, seen: Collection[str], rules: FormRules, overlap_limit: int) -> None:
        self.seen = seen
        self.rules = rules
        self.overlap_limit = overlap_limit
        self.chosen: list[FormItem] = []
        self.taken: set[str] = set()
        self.families: Counter[str] = Counter()
        self.overlap = 0

    def allows(self, item: FormItem) -> bool:
        if item.id in self.taken:
            return False
        return not item.family or self.families[item.family] < self.rules.family_limit

    def take(
        self, candidates: Iterable[FormItem], need: int, accept: Callable[[FormItem], bool]
    ) -> int:
        """Take up to `need` of `candidates` in their order; how many were taken."""
        got = 0
        for item in candidates:
            if got >= need:
                break
            if self.allows(item) and accept(item):
                self.chosen.append(item)
                self.taken.add(item.id)
                if item.family:
                    self.families[item.family] += 1
                if item.id in self.seen:
                    self.overlap += 1
                got += 1
        return got

    def unseen(self, item: FormItem) -> bool:
        return item.id not in self.seen

    def seen_within_overlap(self, item: FormItem) -> bool:
        return item.id in self.seen and self.overlap < self.overlap_limit

    def within_overlap(self, item: FormItem) -> bool:
        return item.id not in self.seen or self.overlap < self.overlap_limit


def assemble(
    pool: Sequence[FormItem],
    wanted: Mapping[Cell, int],
    *,
    rng: random.Random,
    seen: Collection[str] = frozenset(),
    rules: FormRules | None = None,
) -> AssembledForm:
    """A form of `wanted` questions per cell from `pool` (see the module docstring), random for
    `rng`; `seen` holds the items of the learner's earlier forms."""
    rules = rules or FormRules()
    length = sum(wanted.values())
    picker = _Picker(seen, rules, overlap_limit=math.floor(rules.overlap_share * length))
    cells = _cells(pool, rng)
    need = {cell: n for cell, n in sorted(wanted.items(), key=lambda p: _cell_order(p[0])) if n}
    borrowed: Counter[Cell] = Counter()
    _fill_cells(need, cells, picker, rng)
    _borrow_spare(need, borrowed, cells, wanted, picker, rng)
    _fill_rest(need, borrowed, cells, wanted, picker)
    return AssembledForm(
        items=picker.chosen,
        wanted=dict(wanted),
        short={cell: n for cell, n in need.items() if n > 0},
        borrowed={cell: n for cell, n in borrowed.items() if n},
        overlap=picker.overlap,
        overlap_limit=picker.overlap_limit,
    )


def _fill_cells(
    need: dict[Cell, int],
    cells: Mapping[Cell, list[FormItem]],
    picker: _Picker,
    rng: random.Random,
) -> None:
    """Each cell from its own items: unseen ones, each on at most `exposure_target` of forms;
    then seen ones within the overlap budget. `need` keeps what each cell still lacks."""
    for cell, n in need.items():
        items = cells.get(cell, [])
        unseen = [item for item in items if picker.unseen(item)]
        # A learner's seen items leave their chances to the unseen ones: over every learner,
        # each item's exposure stays near the cell's share.
        scale = len(items) / len(unseen) if unseen else 1.0
        got = picker.take(_capped_sample(unseen, n, picker, rng, scale), n, picker.unseen)
        got += picker.take(items, n - got, picker.seen_within_overlap)
        need[cell] = n - got


def _borrow_spare(
    need: dict[Cell, int],
    borrowed: Counter[Cell],
    cells: Mapping[Cell, list[FormItem]],
    wanted: Mapping[Cell, int],
    picker: _Picker,
    rng: random.Random,
) -> None:
    """A cell still short borrows from the levels of its category that the blueprint asks and
    that have room to spare within the exposure target; where none has, the exposure target
    cannot hold in the category anyway, and the blueprint comes first (`_fill_rest`)."""
    spare = _spare(cells, wanted, picker.rules)
    for cell in need:
        for other in _other_levels(cell, wanted):
            room = min(need[cell] - borrowed[cell], spare.get(other, 0))
            if room <= 0:
                continue
            # Item by item at random (not family by family): each item's share of the extra
            # questions is the same.
            unseen = [item for item in cells.get(other, []) if picker.unseen(item)]
            got = picker.take(rng.sample(unseen, len(unseen)), room, picker.unseen)
            borrowed[cell] += got
            spare[other] -= got


def _fill_rest(
    need: dict[Cell, int],
    borrowed: Counter[Cell],
    cells: Mapping[Cell, list[FormItem]],
    wanted: Mapping[Cell, int],
    picker: _Picker,
) -> None:
    """What is still short: the cell's unseen items past the exposure target, then seen ones
    past the overlap budget; last, anything in the category."""
    anything: Callable[[FormItem], bool] = lambda item: True  # noqa: E731
    for borrow, accept in ((False, picker.unseen), (False, anything), (True, anything)):
        for cell in need:
            left = need[cell] - borrowed[cell]
            if left > 0 and borrow:
                others = [item for o in _other_levels(cell, wanted) for item in cells.get(o, [])]
                borrowed[cell] += picker.take(others, left, accept)
            elif left > 0:
                need[cell] -= picker.take(cells.get(cell, []), left, accept)


def _cells(pool: Sequence[FormItem], rng: random.Random) -> dict[Cell, list[FormItem]]:
    """Each cell's items in a random order, a family's variants side by side."""
    units: dict[Cell, dict[str, list[FormItem]]] = {}
    for item in pool:
        units.setdefault(item.cell, {}).setdefault(item.family or f"#{item.id}", []).append(item)
    cells: dict[Cell, list[FormItem]] = {}
    for cell, by_unit in units.items():
        groups = list(by_unit.values())
        rng.shuffle(groups)
        for group in groups:
            rng.shuffle(group)
        cells[cell] = [item for group in groups for item in group]
    return cells


def _capped_sample(
    items: list[FormItem], need: int, picker: _Picker, rng: random.Random, scale: float = 1.0
) -> list[FormItem]:
    """Up to `need` of `items` (families side by side), each with a chance of at most the
    exposure target, more informative items likelier up to it (Sympson-Hetter's aim, met
    exactly by systematic sampling with capped inclusion probabilities). A family's chances
    add up to at most what the enemy rule lets the form take of it, so the sample never holds
    more. Fewer than `need` where the cell cannot carry `need` within the target (times
    `scale`)."""
    caps = _caps(items, picker, min(picker.rules.exposure_target * scale, 1.0))
    size = min(need, math.floor(sum(caps) + 1e-9))
    if size <= 0:
        return []
    weights = [max(item.information(picker.rules.cut), 1e-9) for item in items]
    chances = _water_fill(weights, caps, size)
    start = rng.random()
    chosen: list[FormItem] = []
    total = 0.0
    for item, chance in zip(items, chances, strict=True):
        before, total = total, total + chance
        # The item holds a point start + k (k = 0, 1, ...) in [before, total).
        if math.floor(total - start) > math.floor(before - start):
            chosen.append(item)
    return chosen


def _caps(items: list[FormItem], picker: _Picker, target: float) -> list[float]:
    """Each item's highest chance: `target`, or its share of what the enemy rule leaves of its
    family, whichever is lower."""
    sizes = Counter(item.family for item in items if item.family)
    caps = []
    for item in items:
        if item.family:
            left = max(picker.rules.family_limit - picker.families[item.family], 0)
            caps.append(min(target, left / sizes[item.family]))
        else:
            caps.append(target)
    return caps


def _water_fill(weights: list[float], caps: list[float], total: float) -> list[float]:
    """Chances proportional to `weights`, none above its cap, adding up to `total` (which the
    caps allow)."""
    chances = [0.0] * len(weights)
    free = set(range(len(weights)))
    left = total
    while free and left > 1e-12:
        scale = left / sum(weights[i] for i in free)
        over = {i for i in free if weights[i] * scale >= caps[i]}
        if not over:
            for i in free:
                chances[i] = weights[i] * scale
            break
        for i in over:
            chances[i] = caps[i]
            left -= caps[i]
        free -= over
    return chances


def _other_levels(cell: Cell, wanted: Mapping[Cell, int]) -> list[Cell]:
    """The cells of the same category at the other levels the blueprint asks."""
    category = cell[0]
    return [
        (category, level)
        for level in LEVELS
        if (category, level) != cell and wanted.get((category, level), 0) > 0
    ]


def _spare(
    cells: Mapping[Cell, list[FormItem]], wanted: Mapping[Cell, int], rules: FormRules
) -> dict[Cell, int]:
    """Per cell, how many more questions than its own a form can take from it within the
    exposure target."""
    capacity = cell_capacity(
        [item for items in cells.values() for item in items],
        rate=rules.exposure_target,
        family_limit=rules.family_limit,
    )
    return {cell: max(capacity.get(cell, 0) - wanted.get(cell, 0), 0) for cell in cells}


def _units(pool: Sequence[FormItem]) -> dict[Cell, Counter[str]]:
    """Per cell, its families' sizes (an item of no family is a unit of its own, "#id")."""
    units: dict[Cell, Counter[str]] = {}
    for item in pool:
        units.setdefault(item.cell, Counter())[item.family or f"#{item.id}"] += 1
    return units


def _carried(sizes: Counter[str], rate: float, family_limit: int) -> float:
    """How many questions per form a cell can give if no item is on more than `rate` of forms
    and no form takes more than `family_limit` of a family."""
    return sum(
        min(rate * size, 1.0 if unit.startswith("#") else float(family_limit))
        for unit, size in sizes.items()
    )


def cell_capacity(pool: Sequence[FormItem], *, rate: float, family_limit: int) -> dict[Cell, int]:
    """Per cell, the most questions a form can take from it at exposure `rate` (1.0: at all)."""
    return {
        cell: math.floor(_carried(sizes, rate, family_limit) + 1e-9)
        for cell, sizes in _units(pool).items()
    }


def allowed_exposure(
    pool: Sequence[FormItem], wanted: Mapping[Cell, int], *, family_limit: int
) -> dict[Cell, float | None]:
    """Per cell, the lowest exposure rate the pool allows its items: the least t at which the
    cell's items, each on at most t of forms and at most `family_limit` of a family per form,
    can give the cell its questions (n / items where no family binds). None where no t can:
    the cell is short on every form."""
    units = _units(pool)
    allowed: dict[Cell, float | None] = {}
    for cell, need in wanted.items():
        sizes = units.get(cell, Counter())
        if _carried(sizes, 1.0, family_limit) < need - 1e-9:
            allowed[cell] = None
            continue
        low, high = 0.0, 1.0
        for _ in range(40):
            middle = (low + high) / 2
            if _carried(sizes, middle, family_limit) < need - 1e-9:
                low = middle
            else:
                high = middle
        allowed[cell] = round(high, 4)
    return allowed
