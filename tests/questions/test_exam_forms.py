"""Each certification attempt gets its own form: to the quiz's blueprint, from the exam pool, kept
on the attempt (its answers are its items), a learner's next form mostly new to them, the enemy
rule held, and a short pool's closest form reported in the admin."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from questions import assembly, services
from questions.models import Attempt, Category, Question, Quiz, active_question_counts
from questions.services.forms import blueprint_status
from tests.factories import CategoryFactory, ExamQuizFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def exam_pool(per_cell: int, *, family_size: int = 0, practice: int = 1) -> None:
    """`per_cell` exam items (and `practice` practice items) in every category x level cell."""
    for slug in Category.Slug.values:
        category = CategoryFactory.create(slug=slug)
        for level in Question.Level.values:
            for n in range(per_cell):
                family = f"{slug}-{level}-{n // family_size}" if family_size else ""
                QuestionFactory.create(
                    id=f"{slug}-{level[:3]}-{n:02d}",
                    category=category,
                    level=level,
                    pool=Question.Pool.EXAM,
                    family=family,
                    variant=f"v{n}" if family else "",
                )
            for n in range(practice):
                QuestionFactory.create(
                    id=f"{slug}-{level[:3]}-p{n}", category=category, level=level
                )


def form_of(attempt: Attempt) -> dict[str, Any]:
    assert attempt.form is not None
    return attempt.form


def cells(attempt: Attempt) -> Counter[tuple[str, str]]:
    return Counter(attempt.answers.values_list("category_slug", "question__level"))


def sit(user: User, quiz: Quiz, *, at: datetime) -> Attempt:
    attempt, created = services.attempt_start(user=user, quiz=quiz, now=at)
    assert created
    services.attempt_submit(user=user, attempt_id=attempt.pk, now=at + timedelta(minutes=1))
    return attempt


def test_an_attempts_form_meets_the_blueprint_from_the_exam_pool(learner: User) -> None:
    exam_pool(6)
    quiz = ExamQuizFactory.create()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    assert cells(attempt) == Counter(assembly.cell_counts(assembly.default_blueprint(), 50))
    pools = set(attempt.answers.values_list("question__pool", flat=True))
    assert pools == {Question.Pool.EXAM}
    assert attempt.form == {
        "length": 50,
        "asked": 50,
        "short": {},
        "borrowed": {},
        "overlap": 0,
        "overlap_limit": 10,
        "pretest": 0,
    }
    # The form is queryable: its items are the attempt's answers.
    assert attempt.answers.filter(question__pool=Question.Pool.EXAM).count() == 50


def test_a_quizs_blueprint_and_length_shape_its_forms(learner: User) -> None:
    exam_pool(6)
    blueprint = {"basics": {"beginner": 1, "advanced": 1}, "production": {"advanced": 2}}
    quiz = ExamQuizFactory.create(blueprint=blueprint, question_limit=8)
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    assert cells(attempt) == Counter(
        {("basics", "beginner"): 2, ("basics", "advanced"): 2, ("production", "advanced"): 4}
    )
    assert quiz.question_count(active_question_counts()) == 8


def test_a_learners_forms_share_at_most_a_fifth_of_their_items(learner: User) -> None:
    exam_pool(12)
    quiz = ExamQuizFactory.create()
    seen: set[str] = set()
    start = timezone.now() - timedelta(days=30)
    for sitting in range(3):
        attempt = sit(learner, quiz, at=start + timedelta(days=3 * sitting))
        items = set(attempt.answers.values_list("question_id", flat=True))
        assert len(items & seen) <= 10
        assert form_of(attempt)["overlap"] == len(items & seen)
        seen |= items


def test_forms_hold_the_enemy_rule(learner: User) -> None:
    exam_pool(6, family_size=3)
    quiz = ExamQuizFactory.create()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    families = Counter(
        attempt.answers.exclude(question__family="").values_list("question__family", flat=True)
    )
    assert max(families.values()) <= 2
    # Nor are two variants of one family asked one after the other.
    order = list(attempt.answers.order_by("position").values_list("question__family", flat=True))
    assert all(not a or a != b for a, b in itertools.pairwise(order))


def test_a_short_pool_gives_the_closest_form_and_says_so(learner: User) -> None:
    exam_pool(2)
    quiz = ExamQuizFactory.create()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    # Every cell gives its 2; the cells that want 4 borrow from their category's other levels.
    assert attempt.answers.count() == 30
    assert form_of(attempt)["asked"] == 30
    assert form_of(attempt)["short"]["basics/beginner"] == 2
    status = {(s.category, s.level): s for s in blueprint_status(quiz)}
    assert status[("basics", "beginner")].short == 2
    assert status[("basics", "beginner")].allowed_exposure is None
    assert status[("basics", "advanced")].short == 1


def test_a_cell_too_small_for_the_exposure_target_is_named(learner: User) -> None:
    exam_pool(15)
    quiz = ExamQuizFactory.create()
    # 15 items of which a form wants 4: each on 4/15 of forms, and the target allows 0.2.
    status = {(s.category, s.level): s for s in blueprint_status(quiz)}
    assert status[("basics", "beginner")].allowed_exposure == pytest.approx(4 / 15, abs=1e-3)
    assert status[("basics", "beginner")].within_target == 3
    assert status[("basics", "beginner")].exposure_short == 1
    assert status[("basics", "intermediate")].exposure_short == 0
    # No level of the category has room to spare within the target: the blueprint comes first.
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    assert form_of(attempt)["short"] == {}
    assert cells(attempt) == Counter(quiz.form_cells())


def test_the_admin_says_which_cells_are_short(instructor_client: Client) -> None:
    exam_pool(2)
    quiz = ExamQuizFactory.create()
    page = instructor_client.get(reverse("admin:questions_quiz_change", args=[quiz.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Blueprint against the exam pool" in body
    assert "short by 2: every form borrows them" in body
    assert "short by 1: every form borrows them" in body


def test_a_blueprint_that_makes_no_sense_is_refused() -> None:
    quiz = ExamQuizFactory.build(blueprint={"basics": {"expert": 3}})
    with pytest.raises(ValidationError) as error:
        quiz.full_clean(exclude=["slug"])
    assert "unknown level 'expert'" in str(error.value)
