"""The scenarios, one module per lesson."""

from __future__ import annotations

from lessons.scenarios import Scenario
from lessons.scenarios.library import basics, handoffs, production, raw_events, run_items

SCENARIO_LIST: tuple[Scenario, ...] = (
    *basics.SCENARIOS,
    *run_items.SCENARIOS,
    *handoffs.SCENARIOS,
    *production.SCENARIOS,
    *raw_events.SCENARIOS,
)
