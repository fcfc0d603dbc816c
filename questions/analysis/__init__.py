"""Item analysis (pure: numpy and scipy, no Django): how every item and quiz performs.

- `tables`: what the analysis reads (items, quizzes, answers as columns) and gives (rows).
- `stats`: the statistics, vectorised over answers (facility, point-biserial, KR-20, abilities).
- `flags`: why an item needs an instructor's eye, in words.
- `report`: `item_report(items, quizzes, answers)`, the whole report.
- `charts`: the geometry of its server-drawn SVG charts.
- `export`: the report as CSV and JSON, and back.

Reading the answers is `questions.services.analysis` (one query for the answers, one for the
items); acting on a flagged item is `questions.services.bank.question_withdraw`.
"""

from questions.analysis.report import item_report, time_spent
from questions.analysis.tables import (
    Answers,
    Calibration,
    Flag,
    Item,
    ItemRow,
    KeyResult,
    Option,
    OptionRow,
    QuizInfo,
    QuizRow,
    Report,
    Rules,
)

__all__ = [
    "Answers",
    "Calibration",
    "Flag",
    "Item",
    "ItemRow",
    "KeyResult",
    "Option",
    "OptionRow",
    "QuizInfo",
    "QuizRow",
    "Report",
    "Rules",
    "item_report",
    "time_spent",
]
