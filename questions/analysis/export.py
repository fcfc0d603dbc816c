"""The report as CSV and JSON, and read back (no Django).

CSV holds one table: the items (`items_csv`) or the quizzes (`quizzes_csv`); a cell that holds
several things (an item's options, its flags, a quiz's histogram) holds one per line. Numbers
are written in full (`repr`), so reading a file back gives the very figures written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, fields
from typing import Any

from questions.analysis.tables import Flag, ItemRow, OptionRow, QuizRow, Report

ITEM_COLUMNS = [f.name for f in fields(ItemRow)]
QUIZ_COLUMNS = [f.name for f in fields(QuizRow)]


def report_json(report: Report, *, extra: Mapping[str, Any] | None = None) -> str:
    """The whole report (items with options and flags, quizzes) as JSON; `extra` adds keys (the
    service adds each item's links)."""
    data = {
        "answers": report.answers,
        "attempts": report.attempts,
        "exposure_basis": report.exposure_basis,
        "items": [asdict(row) for row in report.items],
        "quizzes": [asdict(row) for row in report.quizzes],
        **(extra or {}),
    }
    return json.dumps(data, indent=2, allow_nan=False)


def report_from_json(text: str) -> Report:
    data = json.loads(text)
    items = tuple(_item_from_dict(row) for row in data["items"])
    quizzes = tuple(
        QuizRow(**{**row, "histogram": tuple(row["histogram"])}) for row in data["quizzes"]
    )
    return Report(
        items,
        quizzes,
        answers=data["answers"],
        attempts=data["attempts"],
        exposure_basis=data.get("exposure_basis", ""),
    )


def _item_from_dict(row: dict[str, Any]) -> ItemRow:
    return ItemRow(
        **{
            **row,
            "options": tuple(OptionRow(**option) for option in row["options"]),
            "flags": tuple(Flag(**flag) for flag in row["flags"]),
        }
    )


def _number(value: float | int | None) -> str:
    return "" if value is None else repr(value)


def _option_cell(options: Iterable[OptionRow]) -> str:
    return "\n".join(
        ";".join(
            (
                option.label + ("*" if option.keyed else ""),
                str(option.chosen),
                _number(option.share),
                _number(option.top_share),
                _number(option.bottom_share),
            )
        )
        for option in options
    )


def _flag_cell(flags: Iterable[Flag]) -> str:
    return "\n".join(f"{flag.code};{flag.link};{flag.reason}" for flag in flags)


def _csv(columns: list[str], rows: Iterable[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int) or value is None:
        return _number(value)
    return str(value)


def items_csv(report: Report) -> str:
    def line(row: ItemRow) -> dict[str, str]:
        cells = {name: _cell(getattr(row, name)) for name in ITEM_COLUMNS}
        cells["options"] = _option_cell(row.options)
        cells["flags"] = _flag_cell(row.flags)
        return cells

    return _csv(ITEM_COLUMNS, (line(row) for row in report.items))


def quizzes_csv(report: Report) -> str:
    def line(row: QuizRow) -> dict[str, str]:
        cells = {name: _cell(getattr(row, name)) for name in QUIZ_COLUMNS}
        cells["histogram"] = "\n".join(str(count) for count in row.histogram)
        cells["category_pass_rates"] = "\n".join(
            f"{category};{rate!r}" for category, rate in row.category_pass_rates.items()
        )
        return cells

    return _csv(QUIZ_COLUMNS, (line(row) for row in report.quizzes))


# Reading back -------------------------------------------------------------------------------


def _optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda text: None if text == "" else parse(text)


def _yes(text: str) -> bool:
    return text == "yes"


def _options(text: str) -> tuple[OptionRow, ...]:
    found = []
    for line in filter(None, text.split("\n")):
        label, chosen, share, top, bottom = line.split(";")
        number = _optional(float)
        found.append(
            OptionRow(
                label.rstrip("*"),
                label.endswith("*"),
                int(chosen),
                number(share),
                number(top),
                number(bottom),
            )
        )
    return tuple(found)


def _flags(text: str) -> tuple[Flag, ...]:
    found = []
    for line in filter(None, text.split("\n")):
        code, link, reason = line.split(";", 2)
        found.append(Flag(code, reason, link))
    return tuple(found)


_ITEM_PARSERS: dict[str, Callable[[str], Any]] = {
    "discrimination": float,
    "difficulty": float,
    "guessing": float,
    "answers": int,
    "all_answers": int,
    "facility": _optional(float),
    "sd": _optional(float),
    "point_biserial": _optional(float),
    "upper_lower": _optional(float),
    "mean_seconds": _optional(float),
    "exposure": _optional(float),
    "options": _options,
    "flags": _flags,
}

_QUIZ_PARSERS: dict[str, Callable[[str], Any]] = {
    "id": int,
    "exam": _yes,
    "attempts": int,
    "mean_score": _optional(float),
    "histogram": lambda text: tuple(int(v) for v in text.split("\n") if v),
    "pass_rate": _optional(float),
    "category_pass_rates": lambda text: {
        category: float(rate)
        for category, rate in (line.split(";") for line in text.split("\n") if line)
    },
    "reliability": _optional(float),
    "mean_se": _optional(float),
    "decision_consistency": _optional(float),
}


def _read(text: str, parsers: Mapping[str, Callable[[str], Any]]) -> list[dict[str, Any]]:
    return [
        {name: parsers.get(name, str)(value) for name, value in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]


def items_from_csv(text: str) -> tuple[ItemRow, ...]:
    return tuple(ItemRow(**row) for row in _read(text, _ITEM_PARSERS))


def quizzes_from_csv(text: str) -> tuple[QuizRow, ...]:
    return tuple(QuizRow(**row) for row in _read(text, _QUIZ_PARSERS))


# Plain text, for the terminal ------------------------------------------------------------------


def _fixed(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (header, *rows)
    ]


def report_table(report: Report) -> str:
    """Items (one line each), their flags with reasons, then the quizzes."""
    header = ["item", "status", "params", "answers", "facility", "p-bis", "U-L", "secs", "exposure"]
    rows = [
        [
            row.id,
            row.status if row.status != "active" else row.calibration,
            f"{row.discrimination:.2f}/{row.difficulty:.2f}/{row.guessing:.2f}",
            str(row.answers),
            _fixed(row.facility),
            _fixed(row.point_biserial),
            _fixed(row.upper_lower),
            _fixed(row.mean_seconds, 0),
            _pct(row.exposure),
        ]
        for row in report.items
    ]
    lines = [
        f"Item analysis: {report.answers} answers in {report.attempts} finished attempts, "
        f"{len(report.items)} items, {len(report.flagged)} flagged."
        + (f" Exposure: share of {report.exposure_basis}." if report.exposure_basis else ""),
        "",
        *_table(header, rows),
        "",
        "Flags:" if report.flagged else "Flags: none.",
    ]
    for row in report.flagged:
        lines.extend(f"  {row.id} [{flag.code}] {flag.reason}" for flag in row.flags)
    lines.extend(["", "Quizzes:"])
    for quiz in report.quizzes:
        lines.extend(_quiz_lines(quiz))
    return "\n".join(lines) + "\n"


def _quiz_lines(quiz: QuizRow) -> list[str]:
    categories = ", ".join(
        f"{name} {_pct(rate)}" for name, rate in quiz.category_pass_rates.items()
    )
    se = f", mean posterior SE {quiz.mean_se:.2f}" if quiz.mean_se is not None else ""
    return [
        f"  {quiz.slug} ({'exam forms' if quiz.exam else 'fixed form'}): {quiz.attempts} attempts,"
        f" mean score {_pct(quiz.mean_score)}, pass rate {_pct(quiz.pass_rate)}",
        f"    per category: {categories or '-'}",
        f"    score deciles 0-100%: {' '.join(str(n) for n in quiz.histogram)}",
        f"    reliability ({quiz.reliability_kind}) {_fixed(quiz.reliability)}{se}"
        f" on {quiz.reliability_basis}",
        f"    decision consistency of the readiness rule: {_fixed(quiz.decision_consistency)}",
    ]
