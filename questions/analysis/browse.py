"""Sorting and filtering the report's item table (no Django): the page does it on the server from
the query string, so it works without JavaScript and every view of the table has its own URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from questions.analysis.tables import ItemRow

SORTS: dict[str, Callable[[ItemRow], Any]] = {
    "id": lambda row: row.id,
    "category": lambda row: row.category,
    "level": lambda row: row.level,
    "calibration": lambda row: row.calibration,
    "answers": lambda row: row.answers,
    "facility": lambda row: row.facility,
    "point_biserial": lambda row: row.point_biserial,
    "upper_lower": lambda row: row.upper_lower,
    "mean_seconds": lambda row: row.mean_seconds,
    "exposure": lambda row: row.exposure,
    "flags": lambda row: len(row.flags),
}
FLAG_CODES = (
    "miskey",
    "dead-distractor",
    "too-easy",
    "too-hard",
    "exposure",
    "drift",
    "key-broken",
)


@dataclass(frozen=True)
class Browse:
    """What the query string asked for, cleaned: unknown values fall back to the defaults."""

    sort: str = "flags"
    descending: bool = True
    flag: str = ""  # a flag code, "any", or "" for every item
    category: str = ""
    level: str = ""
    pool: str = ""
    text: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Browse:
        sort = query.get("sort", "flags")
        flag = query.get("flag", "")
        return cls(
            sort=sort if sort in SORTS else "flags",
            descending=query.get("dir", "desc" if sort not in SORTS else "asc") == "desc",
            flag=flag if flag in (*FLAG_CODES, "any") else "",
            category=query.get("category", "")[:32],
            level=query.get("level", "")[:16],
            pool=query.get("pool", "")[:16],
            text=query.get("q", "").strip()[:60],
        )

    def keeps(self, row: ItemRow) -> bool:
        wanted = {"category": self.category, "level": self.level, "pool": self.pool}
        return (
            self._flag_kept(row)
            and all(getattr(row, name) == value for name, value in wanted.items() if value)
            and self.text.lower() in row.id.lower()
        )

    def _flag_kept(self, row: ItemRow) -> bool:
        codes = {flag.code for flag in row.flags}
        if self.flag == "any":
            return bool(codes)
        return not self.flag or self.flag in codes

    def apply(self, rows: Sequence[ItemRow]) -> list[ItemRow]:
        """The rows kept, sorted; rows without the figure (no answers yet) always last."""
        key = SORTS[self.sort]
        kept = [row for row in rows if self.keeps(row)]
        known = [row for row in kept if key(row) is not None]
        unknown = [row for row in kept if key(row) is None]
        known.sort(key=lambda row: (key(row), row.id), reverse=self.descending)
        return known + unknown

    def query(self, **changes: str) -> dict[str, str]:
        """This view's query string with `changes`, leaving out what is at its default."""
        current = {
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "flag": self.flag,
            "category": self.category,
            "level": self.level,
            "pool": self.pool,
            "q": self.text,
        }
        return {name: value for name, value in {**current, **changes}.items() if value}
