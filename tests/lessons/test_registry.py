"""The presets by lesson, and the checks the bank's demo links rely on."""

from __future__ import annotations

import pytest

from lessons.catalog import LESSONS
from lessons.registry import PRESETS, get_preset, preset_exists


def test_every_lesson_has_presets_with_names_unique_in_the_lesson() -> None:
    assert list(PRESETS) == [lesson.slug for lesson in LESSONS]
    for presets in PRESETS.values():
        assert presets
        assert len({preset.name for preset in presets}) == len(presets)


def test_a_preset_is_found_by_name_and_the_first_is_the_default() -> None:
    first = PRESETS["streaming-patterns"][0]
    assert get_preset("streaming-patterns") is first
    assert get_preset("streaming-patterns", "") is first
    found = get_preset("streaming-patterns", "timeout")
    assert found is not None
    assert found.name == "timeout"


def test_unknown_names_find_nothing() -> None:
    assert get_preset("streaming-patterns", "nope") is None
    assert get_preset("no-such-lesson") is None
    assert not preset_exists("no-such-lesson", "timeout")
    assert not preset_exists("basic-streaming", "timeout")  # another lesson's
    assert preset_exists("streaming-patterns", "timeout")


def test_the_registry_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        PRESETS["basic-streaming"] = ()  # type: ignore[index]  # a read-only mapping, on purpose
