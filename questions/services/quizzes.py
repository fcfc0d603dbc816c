"""The default quizzes that come with the bank, created where missing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from questions.models import (
    Category,
    Quiz,
)

RETAKE_QUIZ_SLUG = "retake-missed"

LEVEL_QUIZZES = (
    ("beginner", "Phase 1 · Fundamentals", "Lessons 01 and 02: the beginner questions."),
    (
        "intermediate",
        "Phase 2 · Advanced processing",
        "Lessons 03 and 04: the intermediate questions.",
    ),
    ("advanced", "Phase 3 · Production patterns", "Lesson 05: the advanced questions."),
)


def quiz_defaults_ensure() -> list[Quiz]:
    """Create the default quizzes that do not exist yet; never touch ones that do.

    Category drills need the categories, so call it after loading the bank (load_bank does);
    calling it again creates only what is missing. Returns the quizzes it created.
    """
    specs: list[dict[str, Any]] = [
        {
            "slug": "certification-exam",
            "title": "Certification exam",
            "description": "Questions from the secure exam pool, which practice never shows, "
            "across all five categories. Ready means 90% overall and at least 85% in every "
            "category. You get a score report by category and learning objective; the exam's "
            "questions and answers stay private.",
            "mode": Quiz.Mode.CERTIFICATION,
            "time_limit": timedelta(minutes=60),
            "feedback": Quiz.Feedback.END,
            "review": Quiz.Review.NOTHING,
            "order": 1,
        },
        {
            "slug": "adaptive-practice",
            "title": "Adaptive practice",
            "description": "Questions one at a time, each chosen from your answers so far, "
            "until the engine can tell whether you are ready for the exam (20 at most); "
            "feedback and the live demo after every answer.",
            "mode": Quiz.Mode.ADAPTIVE,
            "feedback": Quiz.Feedback.IMMEDIATE,
            "shuffle_questions": False,
            "question_limit": 20,
            "order": 2,
        },
    ]
    for number, (level, title, description) in enumerate(LEVEL_QUIZZES, start=1):
        specs.append(
            {
                "slug": f"level-{level}",
                "title": title,
                "description": f"{description} Study path phase {number}.",
                "mode": Quiz.Mode.LEVEL,
                "scope": Quiz.Scope.LEVEL,
                "level": level,
                "feedback": Quiz.Feedback.END,
                "order": 10 + number,
            }
        )
    for category in Category.objects.order_by("order"):
        specs.append(
            {
                "slug": f"drill-{category.slug}",
                "title": f"Drill: {category.name}",
                "description": "The practice questions of one category, with feedback after each "
                "answer.",
                "mode": Quiz.Mode.DRILL,
                "scope": Quiz.Scope.CATEGORY,
                "category": category,
                "feedback": Quiz.Feedback.IMMEDIATE,
                "order": 20 + category.order,
            }
        )
    created: list[Quiz] = []
    with transaction.atomic():
        existing = set(Quiz.objects.values_list("slug", flat=True))
        for spec in specs:
            if spec["slug"] not in existing:
                created.append(Quiz.objects.create(**spec))
        if RETAKE_QUIZ_SLUG not in existing:
            created.append(retake_quiz_get())
    return created


def retake_quiz_get() -> Quiz:
    """The unlisted drill every "retake the questions I missed" attempt belongs to."""
    quiz, _ = Quiz.objects.get_or_create(
        slug=RETAKE_QUIZ_SLUG,
        defaults={
            "title": "Retake: the questions I missed",
            "description": "Practice on what an earlier attempt missed, with feedback: the "
            "questions themselves after practice, the objectives after an exam.",
            "mode": Quiz.Mode.DRILL,
            "feedback": Quiz.Feedback.IMMEDIATE,
            "shuffle_questions": False,
            "is_published": False,
            "order": 90,
        },
    )
    return quiz
