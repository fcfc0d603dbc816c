"""The demos of every lesson and their named presets (`/lessons/<slug>/?preset=<name>`).

A lesson's own presets are listed on its page. Scenario variants (lessons.scenarios) are presets
of their lesson too, named `<scenario>__<shape>__<theme>`, reachable by their link but not
listed. The bank links each question to a preset; `preset_exists` lets it check those links
without running anything.
"""

from __future__ import annotations

from types import MappingProxyType

from lessons.catalog import LESSONS
from lessons.demos import (
    Preset,
    basic_streaming,
    raw_response_events,
    run_item_events,
    streaming_patterns,
    streaming_with_handoffs,
)
from lessons.scenarios.live import scenario_preset
from lessons.scenarios.registry import variant_for

_MODULES = {
    "basic-streaming": basic_streaming,
    "raw-response-events": raw_response_events,
    "run-item-events": run_item_events,
    "streaming-with-handoffs": streaming_with_handoffs,
    "streaming-patterns": streaming_patterns,
}

# Lesson slug -> its presets, in the order the page lists them; the first is the default.
PRESETS: MappingProxyType[str, tuple[Preset, ...]] = MappingProxyType(
    {lesson.slug: _MODULES[lesson.slug].PRESETS for lesson in LESSONS}
)


def preset_exists(lesson_slug: str, preset: str) -> bool:
    """Whether `/lessons/<lesson_slug>/?preset=<preset>` names a real demo preset."""
    if any(candidate.name == preset for candidate in PRESETS.get(lesson_slug, ())):
        return True
    return variant_for(lesson_slug, preset) is not None


def get_preset(lesson_slug: str, preset: str | None = None) -> Preset | None:
    """The named preset of a lesson, its default one when no name is given, or None."""
    presets = PRESETS.get(lesson_slug, ())
    if not presets:
        return None
    if not preset:
        return presets[0]
    listed = next((candidate for candidate in presets if candidate.name == preset), None)
    return listed or scenario_preset(lesson_slug, preset)
