"""Which question a one-at-a-time quiz (adaptive practice) serves next, and when it stops.

Pure: plain data in, a question id (or None: stop) out. `questions.services` builds the items
from the bank and the responses from the attempt's answers, calls `next_item` once per answered
question inside the answer's transaction, and appends the chosen question to the attempt.

ADAPTIVE ENGINE (issue 6) plugs in HERE: replace the body of `next_item` with the engine's choice
and stop rule. Until then it serves a fixed, sensible order (see `fixed_order_next`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LEVEL_ORDER = {"beginner": 0, "intermediate": 1, "advanced": 2}


@dataclass(frozen=True)
class Item:
    """An active question of the bank, as the engine sees it (a 3PL item in its category)."""

    id: str
    category: str
    level: str
    discrimination: float
    difficulty: float
    guessing: float


@dataclass(frozen=True)
class Response:
    """A question already served in this attempt; `correct` is None while it is unanswered."""

    item_id: str
    correct: bool | None


def next_item(
    items: Sequence[Item], responses: Sequence[Response], *, limit: int | None, seed: int
) -> str | None:
    """The id of the next question to serve, or None when the practice session should stop.

    `items` come in bank order (category order, then id) and include the ones already served;
    `responses` are in the order served; `limit` is the quiz's cap on questions (None: no cap);
    `seed` is the attempt's shuffle seed, for any randomness (exposure control) to be stable
    across retries of the same request.
    """
    # ADAPTIVE ENGINE (issue 6): replace this call with the engine's selection and stop rule.
    return fixed_order_next(items, responses, limit=limit)


def fixed_order_next(
    items: Sequence[Item], responses: Sequence[Response], *, limit: int | None
) -> str | None:
    """Beginner to advanced, the categories taken in turn within a level; stop at `limit`."""
    if limit is not None and len(responses) >= limit:
        return None
    served = {response.item_id for response in responses}
    rank_in_cell: dict[tuple[str, str], int] = {}
    category_order: dict[str, int] = {}
    keyed: list[tuple[int, int, int, str]] = []
    for item in items:
        category_order.setdefault(item.category, len(category_order))
        cell = (item.level, item.category)
        rank = rank_in_cell.get(cell, 0)
        rank_in_cell[cell] = rank + 1
        keyed.append((LEVEL_ORDER.get(item.level, 3), rank, category_order[item.category], item.id))
    for *_, item_id in sorted(keyed):
        if item_id not in served:
            return item_id
    return None
