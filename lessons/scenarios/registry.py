"""Every scenario, by slug, and the variant a preset name stands for."""

from __future__ import annotations

from types import MappingProxyType

from lessons.scenarios import Scenario, Variant, split_preset
from lessons.scenarios.library import SCENARIO_LIST

SCENARIOS: MappingProxyType[str, Scenario] = MappingProxyType(
    {scenario.slug: scenario for scenario in SCENARIO_LIST}
)


def variant_for(lesson: str, preset: str) -> Variant | None:
    """The scenario variant `/lessons/<lesson>/?preset=<preset>` names, or None."""
    parts = split_preset(preset)
    if parts is None:
        return None
    slug, shape_key, theme_key = parts
    scenario = SCENARIOS.get(slug)
    if scenario is None or scenario.lesson != lesson:
        return None
    shape, theme = scenario.shape(shape_key), scenario.theme(theme_key)
    if shape is None or theme is None:
        return None
    return scenario.variant(shape, theme)
