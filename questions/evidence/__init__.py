"""Derivations of the hand-written items' keys: one `Item` per question of the hand-written bank.

`HANDWRITTEN` maps each item id to its deriver (see questions/derivation.py): it runs the item's
scenario with the real SDK offline and returns which options the run made true.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questions.derivation import Deriver
from questions.evidence import basics, production, raw_events, run_items, tools_handoffs
from questions.evidence.claims import Item

ITEMS: Mapping[str, Item[Any]] = {
    item.item_id: item
    for item in (
        *basics.ITEMS,
        *raw_events.ITEMS,
        *run_items.ITEMS,
        *tools_handoffs.ITEMS,
        *production.ITEMS,
    )
}

HANDWRITTEN: Mapping[str, Deriver] = {item_id: item.derive for item_id, item in ITEMS.items()}
