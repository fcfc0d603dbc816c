"""The dashboard's template tags."""

from __future__ import annotations

from certify.templatetags.dashboard import lesson_url


def test_a_lesson_link_without_a_preset_opens_the_lesson() -> None:
    assert lesson_url("basic-streaming") == "/lessons/basic-streaming/"


def test_a_lesson_link_with_a_preset_opens_its_demo() -> None:
    assert lesson_url("basic-streaming", "side-by-side") == (
        "/lessons/basic-streaming/?preset=side-by-side"
    )
