"""The pool's figures: active items per category and level, per family, per objective, and how
often the keyed option is the one longest (the length cue).

Pure: it reads bank files (questions.bankfile), not the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from questions import rules
from questions.bankfile import BankFile, QuestionEntry
from questions.objectives import OBJECTIVES


def active(banks: Iterable[BankFile]) -> list[QuestionEntry]:
    return [entry for bank in banks for entry in bank.questions if entry.status == "active"]


def key_is_longest(entry: QuestionEntry) -> bool:
    """The keyed option of a single-choice item is longer than every other option."""
    lengths = [len(choice.text) for choice in entry.choices]
    keyed = [len(choice.text) for choice in entry.choices if choice.correct]
    return len(keyed) == 1 and lengths.count(max(lengths)) == 1 and keyed[0] == max(lengths)


@dataclass(frozen=True)
class PoolReport:
    cells: Counter[tuple[str, str]]
    families: Counter[str]
    family_cells: dict[str, tuple[str, str]]
    objectives: Counter[str]
    single: int
    longest_key: int
    generated: int
    handwritten: int

    @property
    def total(self) -> int:
        return self.generated + self.handwritten

    @property
    def length_cue(self) -> float:
        """The share of single-choice items whose key is the uniquely longest option."""
        return self.longest_key / self.single if self.single else 0.0

    def lines(self) -> list[str]:
        out = [
            f"Active items: {self.total} ({self.handwritten} hand-written, "
            f"{self.generated} generated); {len(self.families)} families.",
            "",
            "Per category and level:",
            f"  {'category':<16}" + "".join(f"{level:>14}" for level in rules.LEVELS),
        ]
        for category in rules.CATEGORIES:
            counts = "".join(f"{self.cells[(category, level)]:>14}" for level in rules.LEVELS)
            out.append(f"  {category:<16}{counts}")
        out += ["", "Per family (category, level: items):"]
        for family, count in sorted(
            self.families.items(), key=lambda item: self.family_cells[item[0]]
        ):
            category, level = self.family_cells[family]
            out.append(f"  {family:<28}{category:<16}{level:<14}{count:>4}")
        out += ["", "Per objective:"]
        out += [f"  {o.key:<24}{self.objectives[o.key]:>5}" for o in OBJECTIVES]
        out += [
            "",
            f"Length cue: the key is the uniquely longest option in {self.longest_key} of "
            f"{self.single} single-choice items ({self.length_cue:.1%}).",
        ]
        return out


def pool_report(banks: Sequence[BankFile]) -> PoolReport:
    entries = active(banks)
    single = [entry for entry in entries if entry.kind == "single"]
    generated = [entry for entry in entries if entry.family]
    families, family_cells = _families(generated)
    return PoolReport(
        cells=Counter((entry.category, entry.level) for entry in entries),
        families=families,
        family_cells=family_cells,
        objectives=Counter(entry.objective for entry in entries),
        single=len(single),
        longest_key=sum(key_is_longest(entry) for entry in single),
        generated=len(generated),
        handwritten=len(entries) - len(generated),
    )


def _families(
    generated: list[QuestionEntry],
) -> tuple[Counter[str], dict[str, tuple[str, str]]]:
    """Items per family, and each family's (category, level)."""
    families: Counter[str] = Counter()
    cells: dict[str, tuple[str, str]] = {}
    for entry in generated:
        if entry.family:
            families[entry.family] += 1
            cells[entry.family] = (entry.category, entry.level)
    return families, cells
