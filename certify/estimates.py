"""The adaptive engine's projection for the dashboard: per-category estimates and P(ready).

ADAPTIVE ENGINE (issue 6): until `questions/adaptive` is on main there is no engine to ask, so
`projection_for` returns None and the dashboard shows exam scores only (no estimate, no
"ready to sit the exam"). It never invents numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from certify.readiness import Projection
from questions.models import Question
from questions.scoring import Thresholds


def projection_for(
    *,
    bank: Iterable[Question],
    latest: Sequence[tuple[str, str, bool, datetime]],
    thresholds: Thresholds,
) -> Projection | None:
    """The engine's projection from the latest answer to each question (None: no engine yet)."""
    return None
