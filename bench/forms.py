"""The exam-form benchmark: many simulated forms from one exam pool, by the product's assembly.

Learners sit two forms each (a first sitting and a retake), so that half the forms are a
learner's second: the overlap between a learner's two forms is measured on those. Figures: the
share of forms that meet the blueprint (and the cells short), the maximum item exposure rate
(forms holding the item / forms), per cell beside the lowest exposure the pool allows (the
form's items of the cell / the cell's exam items), the mean and maximum overlap between a
learner's two forms, forms that break the enemy rule, and the time to assemble a form.

Pure: plain data in and out, no Django. `manage.py simulate_forms` runs it; the product never
imports it.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from questions import assembly
from questions.assembly import Cell, FormItem, FormRules

TARGET_EXPOSURE = 0.25
TARGET_P95_MS = 50.0


@dataclass(frozen=True)
class CellFigures:
    category: str
    level: str
    per_form: int
    in_pool: int
    allowed: float | None
    max_exposure: float
    short_forms: int


@dataclass
class FormsRun:
    forms: int
    length: int
    pool: int
    rules: FormRules
    met_blueprint: int = 0
    short_cells: Counter[str] = field(default_factory=Counter)
    missing: int = 0
    enemy_breaks: int = 0
    overlaps: list[float] = field(default_factory=list)
    overlap_exceeded: int = 0
    times_ms: list[float] = field(default_factory=list)
    exposure: Counter[str] = field(default_factory=Counter)
    cells: list[CellFigures] = field(default_factory=list)

    @property
    def blueprint_rate(self) -> float:
        return self.met_blueprint / self.forms if self.forms else 0.0

    @property
    def max_exposure(self) -> float:
        return max(self.exposure.values()) / self.forms if self.exposure else 0.0

    @property
    def mean_overlap(self) -> float:
        return statistics.fmean(self.overlaps) if self.overlaps else 0.0

    @property
    def max_overlap(self) -> float:
        return max(self.overlaps) if self.overlaps else 0.0

    @property
    def p95_ms(self) -> float:
        return percentile(self.times_ms, 0.95)

    @property
    def median_ms(self) -> float:
        return percentile(self.times_ms, 0.5)

    @property
    def allowed_exposure(self) -> float | None:
        """The pool's floor on the maximum exposure: its worst cell's allowed rate."""
        allowed = [cell.allowed for cell in self.cells if cell.allowed is not None]
        missing = any(cell.allowed is None for cell in self.cells)
        return None if missing or not allowed else max(allowed)

    def targets(self) -> dict[str, bool]:
        return {
            "every form meets the blueprint": self.met_blueprint == self.forms,
            f"max exposure <= {TARGET_EXPOSURE}": self.max_exposure <= TARGET_EXPOSURE,
            "overlap within the limit while the pool allows": self.overlap_exceeded == 0,
            "enemy rule on every form": self.enemy_breaks == 0,
            f"assembly p95 < {TARGET_P95_MS:.0f} ms": self.p95_ms < TARGET_P95_MS,
        }


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def simulate(
    pool: Sequence[FormItem],
    wanted: Mapping[Cell, int],
    *,
    forms: int = 10_000,
    rules: FormRules | None = None,
    seed: int = 1,
) -> FormsRun:
    """`forms` forms, two per simulated learner (the second avoiding the first's items)."""
    rules = rules or FormRules()
    rng = random.Random(seed)
    run = FormsRun(forms=forms, length=sum(wanted.values()), pool=len(pool), rules=rules)
    short_by_cell: Counter[Cell] = Counter()
    first: set[str] = set()
    for number in range(forms):
        retake = number % 2 == 1
        seen = first if retake else frozenset()
        started = time.perf_counter()
        form = assembly.assemble(pool, wanted, rng=rng, seen=seen, rules=rules)
        run.times_ms.append((time.perf_counter() - started) * 1000)
        _record(run, form, short_by_cell)
        if retake:
            run.overlaps.append(form.overlap / max(len(form.items), 1))
            run.overlap_exceeded += form.overlap_exceeded
        first = set(form.ids)
    run.cells = _cell_figures(pool, wanted, run, short_by_cell)
    return run


def _record(run: FormsRun, form: assembly.AssembledForm, short_by_cell: Counter[Cell]) -> None:
    run.exposure.update(form.ids)
    run.met_blueprint += form.meets_blueprint
    run.missing += form.missing
    for cell, n in form.short.items():
        short_by_cell[cell] += 1
        run.short_cells["/".join(cell)] += n
    families = Counter(item.family for item in form.items if item.family)
    run.enemy_breaks += any(n > run.rules.family_limit for n in families.values())


def _cell_figures(
    pool: Sequence[FormItem],
    wanted: Mapping[Cell, int],
    run: FormsRun,
    short_by_cell: Counter[Cell],
) -> list[CellFigures]:
    in_pool: Counter[Cell] = Counter(item.cell for item in pool)
    cell_of = {item.id: item.cell for item in pool}
    worst: dict[Cell, int] = {}
    for item_id, count in run.exposure.items():
        cell = cell_of[item_id]
        worst[cell] = max(worst.get(cell, 0), count)
    allowed = assembly.allowed_exposure(pool, wanted, family_limit=run.rules.family_limit)
    return [
        CellFigures(
            cell[0],
            cell[1],
            n,
            in_pool[cell],
            allowed[cell],
            worst.get(cell, 0) / run.forms,
            short_by_cell[cell],
        )
        for cell, n in sorted(wanted.items(), key=lambda pair: _order(pair[0]))
    ]


def _order(cell: Cell) -> tuple[int, int]:
    return (assembly.CATEGORIES.index(cell[0]), assembly.LEVELS.index(cell[1]))


def table(run: FormsRun, *, source: str) -> list[str]:
    """The figures as the command prints them."""
    allowed = run.allowed_exposure
    lines = [
        f"Exam forms: {run.forms:,} simulated ({run.forms // 2:,} learners x 2 sittings), "
        f"{run.length} questions each, from {run.pool} exam items ({source}).",
        f"Rules: exposure target {run.rules.exposure_target}, overlap <= "
        f"{run.rules.overlap_share:.0%} of a form, <= {run.rules.family_limit} per family.",
        "",
        f"  {'figure':<48}{'value':>12}",
        f"  {'forms meeting the blueprint':<48}{run.blueprint_rate:>12.2%}",
        f"  {'questions missing (all forms)':<48}{run.missing:>12}",
        f"  {'max item exposure rate':<48}{run.max_exposure:>12.3f}",
        f"  {'  lowest max exposure the pool allows':<48}"
        + (f"{allowed:>12.3f}" if allowed is not None else f"{'(empty cell)':>12}"),
        f"  {'mean overlap, a learners two forms':<48}{run.mean_overlap:>12.2%}",
        f"  {'max overlap, a learners two forms':<48}{run.max_overlap:>12.2%}",
        f"  {'retakes past the overlap limit':<48}{run.overlap_exceeded:>12}",
        f"  {'forms breaking the enemy rule':<48}{run.enemy_breaks:>12}",
        f"  {'assembly median (ms)':<48}{run.median_ms:>12.2f}",
        f"  {'assembly p95 (ms)':<48}{run.p95_ms:>12.2f}",
        "",
        f"  {'cell':<30}{'per form':>9}{'in pool':>9}{'allowed':>9}{'max exp':>9}"
        f"{'short forms':>13}",
    ]
    for cell in run.cells:
        allowed_text = "-" if cell.allowed is None else f"{cell.allowed:.3f}"
        lines.append(
            f"  {cell.category + ' / ' + cell.level:<30}{cell.per_form:>9}{cell.in_pool:>9}"
            f"{allowed_text:>9}{cell.max_exposure:>9.3f}{cell.short_forms:>13}"
        )
    lines.append("")
    lines += [f"  [{'met' if ok else 'NOT met'}] {name}" for name, ok in run.targets().items()]
    return lines


def payload(run: FormsRun, *, source: str, database_p95_ms: float | None) -> dict[str, object]:
    """The figures as JSON."""
    return {
        "source": source,
        "forms": run.forms,
        "form_length": run.length,
        "exam_items": run.pool,
        "rules": {
            "exposure_target": run.rules.exposure_target,
            "overlap_share": run.rules.overlap_share,
            "family_limit": run.rules.family_limit,
        },
        "blueprint_met_rate": run.blueprint_rate,
        "short_cells": dict(run.short_cells),
        "questions_missing": run.missing,
        "max_exposure": run.max_exposure,
        "allowed_exposure": run.allowed_exposure,
        "mean_overlap": run.mean_overlap,
        "max_overlap": run.max_overlap,
        "overlap_exceeded": run.overlap_exceeded,
        "enemy_breaks": run.enemy_breaks,
        "assembly_ms": {"median": run.median_ms, "p95": run.p95_ms},
        "assembly_with_database_p95_ms": database_p95_ms,
        "cells": [cell.__dict__ for cell in run.cells],
        "targets": run.targets(),
    }
