"""The scenarios, one module per lesson."""

from __future__ import annotations

from lessons.scenarios import Scenario
from lessons.scenarios.library import handoffs, production, run_items

SCENARIO_LIST: tuple[Scenario, ...] = (
    *run_items.SCENARIOS,
    *handoffs.SCENARIOS,
    *production.SCENARIOS,
)
