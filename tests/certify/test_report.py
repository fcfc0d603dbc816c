"""The exam's score report by learning objective (pure)."""

from __future__ import annotations

from certify.report import FormAnswer, PracticeItem, score_report
from tests.purity import django_modules_imported_by


def practice(item_id: str, objective: str, category: str = "raw-events") -> PracticeItem:
    return PracticeItem(item_id, objective, category, f"topic of {item_id}", "lesson", "preset")


def test_objectives_are_strong_at_the_threshold_and_weak_below_it() -> None:
    answers = [
        *(FormAnswer("raw-events", "raw-events", True) for _ in range(6)),
        FormAnswer("raw-events", "raw-events", False),  # 6 of 7: 85.7%, strong
        FormAnswer("tool-events", "run-items", True),
        FormAnswer("tool-events", "run-items", False),  # 1 of 2: weak
    ]

    report = score_report(answers, [], threshold=85)

    assert [
        (line.objective.key, line.right, line.asked, line.label) for line in report.objectives
    ] == [
        ("raw-events", 6, 7, "Strong"),
        ("tool-events", 1, 2, "Weak"),
    ]
    assert [line.objective.key for line in report.weak] == ["tool-events"]


def test_objectives_come_in_the_seeds_order_and_only_those_asked() -> None:
    answers = [
        FormAnswer("observability", "production", True),
        FormAnswer("streaming-vs-regular", "basics", True),
    ]

    report = score_report(answers, [], threshold=85)

    assert [line.objective.key for line in report.objectives] == [
        "streaming-vs-regular",
        "observability",
    ]


def test_a_weak_objective_names_its_lessons_and_practice_items_missed_categories_first() -> None:
    answers = [
        FormAnswer("tool-events", "tools-handoffs", False),
        FormAnswer("tool-events", "run-items", False),
        FormAnswer("tool-events", "run-items", True),
    ]
    items = [
        practice("basics-40", "tool-events", "basics"),
        practice("run-items-40", "tool-events", "run-items"),
        practice("tools-handoffs-40", "tool-events", "tools-handoffs"),
        practice("tools-handoffs-41", "tool-events", "tools-handoffs"),
        practice("raw-events-40", "raw-events"),
    ]

    line = score_report(answers, items, threshold=85).weak[0]

    assert [lesson.slug for lesson in line.lessons] == [
        "streaming-with-handoffs",
        "run-item-events",
    ]
    assert [item.id for item in line.practice] == [
        "tools-handoffs-40",
        "tools-handoffs-41",
        "run-items-40",
    ]


def test_strong_objectives_carry_no_study_suggestions_and_nothing_to_practise() -> None:
    report = score_report(
        [FormAnswer("raw-events", "raw-events", True)],
        [practice("raw-events-40", "raw-events")],
        threshold=85,
    )

    assert report.objectives[0].practice == ()
    assert not report.can_practise


def test_the_report_imports_nothing_from_django() -> None:
    assert django_modules_imported_by("certify.report") == []
