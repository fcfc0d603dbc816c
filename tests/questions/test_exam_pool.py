"""The two pools: practice never serves an exam (or pretest) item, in any mode, retakes included;
an exam serves only the exam pool; a secure item is never revealed, whatever a quiz's policy."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from questions import screens, services
from questions.models import Answer, Attempt, Question, Quiz
from tests.factories import (
    CategoryFactory,
    ExamQuizFactory,
    QuestionFactory,
    QuizFactory,
    questions_across_categories,
)

pytestmark = pytest.mark.django_db


def mixed_bank() -> tuple[set[str], set[str], set[str]]:
    """Per category and level: practice items, exam items and pretest items (ids of each)."""
    practice: set[str] = set()
    exam: set[str] = set()
    pretest: set[str] = set()
    for level in Question.Level.values:
        practice |= {q.id for q in questions_across_categories(5, level=level)}
        exam |= {q.id for q in questions_across_categories(5, level=level, pool=Question.Pool.EXAM)}
        pretest |= {
            q.id
            for q in questions_across_categories(
                5, level=level, pool=Question.Pool.PRACTICE, pretest=True
            )
        }
    return practice, exam, pretest


def served(attempt: Attempt) -> set[str]:
    return set(attempt.answers.values_list("question_id", flat=True))


def answer_all(user: User, attempt: Attempt, *, right: bool) -> None:
    for row in attempt.answers.order_by("position"):
        chosen = [c["id"] for c in row.choices if c["correct"] is right][:1]
        services.answer_submit(
            user=user, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=chosen
        )


def practice_quizzes() -> list[Quiz]:
    basics = CategoryFactory.create(slug="basics")
    return [
        QuizFactory.create(mode=Quiz.Mode.DRILL, scope=Quiz.Scope.CATEGORY, category=basics),
        QuizFactory.create(mode=Quiz.Mode.LEVEL, scope=Quiz.Scope.LEVEL, level="intermediate"),
        QuizFactory.create(mode=Quiz.Mode.LEVEL),
    ]


def test_practice_modes_serve_practice_items_only(learner: User) -> None:
    practice, exam, pretest = mixed_bank()

    for quiz in practice_quizzes():
        attempt, _ = services.attempt_start(user=learner, quiz=quiz)
        assert served(attempt), quiz.mode
        assert served(attempt) <= practice, quiz.mode
        assert not served(attempt) & (exam | pretest)


def test_adaptive_practice_never_serves_an_exam_item(learner: User) -> None:
    practice, _exam, _pretest = mixed_bank()
    quiz = QuizFactory.create(
        mode=Quiz.Mode.ADAPTIVE, feedback=Quiz.Feedback.IMMEDIATE, question_limit=12
    )
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)

    position = 1
    while True:
        row = attempt.answers.get(position=position)
        chosen = [c["id"] for c in row.choices if c["correct"]][:1]
        outcome = services.answer_submit(
            user=learner, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=chosen
        )
        if outcome.served_next is None:
            break
        position += 1

    assert len(served(attempt)) >= 5
    assert served(attempt) <= practice


def test_the_exam_serves_the_exam_pool_only(learner: User) -> None:
    practice, exam, _ = mixed_bank()

    attempt, _ = services.attempt_start(user=learner, quiz=ExamQuizFactory.create())

    assert served(attempt) & exam
    assert not served(attempt) & practice


def test_retaking_a_practice_quiz_serves_only_the_missed_items_still_in_practice(
    learner: User,
) -> None:
    questions = questions_across_categories(4)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    answer_all(learner, attempt, right=False)
    services.attempt_submit(user=learner, attempt_id=attempt.pk)
    moved = questions[0]
    Question.objects.filter(pk=moved.pk).update(pool=Question.Pool.EXAM)

    retake, _ = services.attempt_retake_missed(user=learner, attempt_id=attempt.pk)

    assert served(retake) == {q.id for q in questions[1:]}


def test_after_an_exam_the_retake_drills_practice_items_of_the_missed_objectives(
    learner: User,
) -> None:
    exam_items = [
        QuestionFactory.create(
            category=CategoryFactory.create(slug=slug), objective=objective, pool="exam"
        )
        for slug, objective in (("basics", "raw-events"), ("run-items", "tool-events"))
    ]
    on_missed = {
        QuestionFactory.create(
            category=CategoryFactory.create(slug="raw-events"), objective="raw-events"
        ).id
        for _ in range(6)
    }
    QuestionFactory.create(
        category=CategoryFactory.create(slug="run-items"), objective="tool-events"
    )
    QuestionFactory.create(
        objective="raw-events", pool="exam"
    )  # an exam item on the same objective
    attempt, _ = services.attempt_start(user=learner, quiz=ExamQuizFactory.create())
    for row in attempt.answers.order_by("position"):
        right = row.question_id != exam_items[0].id
        chosen = [c["id"] for c in row.choices if c["correct"] is right][:1]
        services.answer_submit(
            user=learner, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=chosen
        )
    services.attempt_submit(user=learner, attempt_id=attempt.pk)

    drill, created = services.attempt_retake_missed(user=learner, attempt_id=attempt.pk)

    assert created
    assert drill.quiz.slug == services.RETAKE_QUIZ_SLUG
    # Up to four practice items of the one missed objective; never an exam item.
    assert len(served(drill)) == services.OBJECTIVE_DRILL_ITEMS
    assert served(drill) <= on_missed


def test_an_exam_with_nothing_missed_has_no_objectives_to_practise(learner: User) -> None:
    questions_across_categories(3, pool=Question.Pool.EXAM)
    attempt, _ = services.attempt_start(user=learner, quiz=ExamQuizFactory.create())
    answer_all(learner, attempt, right=True)
    services.attempt_submit(user=learner, attempt_id=attempt.pk)

    with pytest.raises(services.AttemptError, match="nothing to practise"):
        services.attempt_retake_missed(user=learner, attempt_id=attempt.pk)
    assert Attempt.objects.count() == 1


def test_objectives_missed_without_practice_items_say_so(learner: User) -> None:
    questions_across_categories(2, pool=Question.Pool.EXAM)
    attempt, _ = services.attempt_start(user=learner, quiz=ExamQuizFactory.create())
    answer_all(learner, attempt, right=False)
    services.attempt_submit(user=learner, attempt_id=attempt.pk)

    with pytest.raises(services.AttemptError, match="no questions on the objectives"):
        services.attempt_retake_missed(user=learner, attempt_id=attempt.pk)
    assert Attempt.objects.count() == 1


def test_a_secure_item_is_never_revealed_even_where_the_quiz_would(learner: User) -> None:
    """An item moved to the exam pool after a learner practised it: the full review and the
    feedback after each answer show neither its key nor whether the answer was right."""
    question = questions_across_categories(1)[0]
    quiz = QuizFactory.create(feedback=Quiz.Feedback.IMMEDIATE, review=Quiz.Review.FULL)
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    answer_all(learner, attempt, right=True)
    Question.objects.filter(pk=question.pk).update(pool=Question.Pool.EXAM)
    row = Answer.objects.select_related("question").get(attempt=attempt)

    view = screens.taking_view(attempt, row)
    assert not view.revealed
    assert view.correct is None
    assert view.explanation == ""
    assert all(c.correct is None and c.rationale == "" for c in view.choices)

    services.attempt_submit(user=learner, attempt_id=attempt.pk)
    assert screens.review_views(attempt, [row]) == []


def test_the_snapshot_marks_exam_and_pretest_items_secure(learner: User) -> None:
    questions_across_categories(1, pool=Question.Pool.EXAM)
    attempt, _ = services.attempt_start(user=learner, quiz=ExamQuizFactory.create())

    assert attempt.answers.get().snapshot["secure"] is True


def test_an_exam_quiz_cannot_be_set_to_reveal_anything() -> None:
    from django.core.exceptions import ValidationError

    for changes in ({"review": Quiz.Review.FULL}, {"feedback": Quiz.Feedback.IMMEDIATE}):
        quiz = ExamQuizFactory.build(**changes)
        with pytest.raises(ValidationError):
            quiz.full_clean()
