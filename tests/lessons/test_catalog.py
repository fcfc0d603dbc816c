"""The five lessons: numbers, slugs and labels are part of the public URLs and the bank."""

from __future__ import annotations

from lessons.catalog import LESSONS, LESSONS_BY_SLUG


def test_the_lessons_are_numbered_one_to_five_with_unique_slugs_and_categories() -> None:
    assert [lesson.number for lesson in LESSONS] == [1, 2, 3, 4, 5]
    assert len(LESSONS_BY_SLUG) == len({lesson.category for lesson in LESSONS}) == 5
    assert all(LESSONS_BY_SLUG[lesson.slug] is lesson for lesson in LESSONS)


def test_a_lessons_label_is_its_number_and_title() -> None:
    assert LESSONS_BY_SLUG["basic-streaming"].label == "01 · Basic streaming"
    assert LESSONS_BY_SLUG["streaming-patterns"].label == "05 · Production patterns"
