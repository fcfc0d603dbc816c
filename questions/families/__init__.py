"""The item families: questions generated from scenarios that the SDK runs, keyed by the run.

One module per category; `FAMILIES` lists them all, in a fixed order.
"""

from __future__ import annotations

from types import MappingProxyType

from questions.families import basics, production, raw_events, run_items, tools_handoffs
from questions.families.base import Family

FAMILIES: tuple[Family, ...] = (
    *basics.FAMILIES,
    *run_items.FAMILIES,
    *tools_handoffs.FAMILIES,
    *production.FAMILIES,
    *raw_events.FAMILIES,
)
FAMILIES_BY_SLUG: MappingProxyType[str, Family] = MappingProxyType(
    {family.slug: family for family in FAMILIES}
)
