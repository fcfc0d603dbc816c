"""The adaptive engine against the database (questions/services/adaptive.py): the bank's items,
a learner's answers, the thresholds, what calibration fits from.

Adaptive practice as a learner meets it is test_adaptive_practice.py; the pure engine is
test_adaptive_engine.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings

from questions import services
from questions.adaptive import ItemSpec, Response, Thresholds
from questions.models import Attempt, Question, Quiz
from questions.services import adaptive
from tests.factories import CategoryFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db


def answer_all(user: User, attempt: Attempt, right: set[str]) -> None:
    """Answer every question of `attempt`: right when its id is in `right`."""
    for row in attempt.answers.order_by("position"):
        chosen = [c["id"] for c in row.choices if c["correct"] is (row.question_id in right)]
        services.answer_submit(
            user=user, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=chosen[:1]
        )


def drill_of(*ids: str) -> Quiz:
    category = CategoryFactory.create(slug="basics")
    for question_id in ids:
        QuestionFactory.create(id=question_id, category=category)
    return QuizFactory.create(mode=Quiz.Mode.DRILL, feedback=Quiz.Feedback.IMMEDIATE)


def test_item_of_carries_the_category_parameters_and_family() -> None:
    question = QuestionFactory.create(
        id="raw-events-12",
        category=CategoryFactory.create(slug="raw-events"),
        discrimination=1.4,
        difficulty=0.3,
        guessing=0.2,
        family="deltas",
        variant="deltas__s1__t",
    )

    assert adaptive.item_of(question) == ItemSpec(
        "raw-events-12", "raw-events", 1.4, 0.3, 0.2, family="deltas"
    )
    assert adaptive.items_of([question, question]) == (adaptive.item_of(question),) * 2


def test_bank_items_are_the_active_questions_in_bank_order(django_assert_num_queries) -> None:
    production = CategoryFactory.create(slug="production")
    basics = CategoryFactory.create(slug="basics")
    QuestionFactory.create(id="production-01", category=production)
    QuestionFactory.create(id="basics-02", category=basics)
    QuestionFactory.create(id="basics-01", category=basics)
    QuestionFactory.create(id="basics-03", category=basics, status=Question.Status.DRAFT)

    with django_assert_num_queries(1):
        items = adaptive.bank_items()

    assert [item.id for item in items] == ["basics-01", "basics-02", "production-01"]
    scoped = adaptive.bank_items(Question.objects.filter(category=production))
    assert [item.id for item in scoped] == ["production-01"]


def test_thresholds_from_the_settings_and_from_the_quiz(settings: Settings) -> None:
    settings.CERTIFY_OVERALL_THRESHOLD = 80
    settings.CERTIFY_CATEGORY_THRESHOLD = 70
    quiz = QuizFactory.create(overall_threshold=95, category_threshold=90)

    assert adaptive.site_thresholds() == Thresholds(0.80, 0.70)
    assert adaptive.quiz_thresholds(quiz) == Thresholds(0.95, 0.90)


def test_learner_responses_take_the_latest_finished_answer_per_question(user: User) -> None:
    drill = drill_of("basics-01", "basics-02")
    first, _ = services.attempt_start(user=user, quiz=drill)
    answer_all(user, first, right={"basics-01"})
    services.attempt_submit(user=user, attempt_id=first.pk)
    second, _ = services.attempt_start(user=user, quiz=drill)
    answer_all(user, second, right={"basics-02"})
    # Still open: its answers may change, so the first attempt's count.
    assert adaptive.learner_responses(user) == [
        Response("basics-01", True),
        Response("basics-02", False),
    ]

    services.attempt_submit(user=user, attempt_id=second.pk)

    assert adaptive.learner_responses(user) == [
        Response("basics-01", False),
        Response("basics-02", True),
    ]


def test_calibration_responses_are_one_list_per_finished_attempt(user: User) -> None:
    drill = drill_of("basics-01", "basics-02")
    finished, _ = services.attempt_start(user=user, quiz=drill)
    answer_all(user, finished, right={"basics-02"})
    services.attempt_submit(user=user, attempt_id=finished.pk)
    open_attempt, _ = services.attempt_start(user=user, quiz=drill)
    answer_all(user, open_attempt, right=set())

    assert adaptive.calibration_responses() == [
        [Response("basics-01", False), Response("basics-02", True)]
    ]


def test_no_outcome_when_the_quiz_has_no_active_question_left(user: User) -> None:
    drill = drill_of("basics-01")
    attempt, _ = services.attempt_start(user=user, quiz=drill)
    Question.objects.update(status=Question.Status.RETIRED)

    assert adaptive.attempt_outcome(attempt, [("basics-01", True)]) is None


@pytest.fixture
def user(learner: User) -> User:
    return learner
