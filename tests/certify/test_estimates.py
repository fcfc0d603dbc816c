"""The engine's projection on the dashboard: built from the learner's latest answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from certify.estimates import projection_for
from questions.adaptive import ItemSpec
from questions.models import Question, Quiz
from questions.scoring import Thresholds
from questions.services.adaptive import items_of
from tests.certify.conftest import TakeExam
from tests.factories import QuizFactory, questions_across_categories
from tests.purity import django_modules_imported_by

pytestmark = pytest.mark.django_db

EXAM = Thresholds(90, 85)
AT = datetime(2026, 3, 1, tzinfo=UTC)


def answers(bank: list[Question], *, right: bool, count: int | None = None):
    return [(q.id, q.category_slug, right, AT) for q in bank[:count]]


def active_bank() -> tuple[ItemSpec, ...]:
    return items_of(Question.objects.active().select_related("category"))


def test_the_module_imports_without_django() -> None:
    assert django_modules_imported_by("certify.estimates") == []


def test_no_projection_before_the_engine_has_enough_answers(bank: list[Question]) -> None:
    assert (
        projection_for(
            items=active_bank(), latest=answers(bank, right=True, count=4), thresholds=EXAM
        )
        is None
    )
    assert projection_for(items=[], latest=[], thresholds=EXAM) is None


def test_right_answers_raise_the_estimates_and_p_ready(bank: list[Question]) -> None:
    strong = projection_for(items=active_bank(), latest=answers(bank, right=True), thresholds=EXAM)
    weak = projection_for(items=active_bank(), latest=answers(bank, right=False), thresholds=EXAM)

    assert strong is not None
    assert weak is not None
    assert set(strong.categories) == {
        "basics",
        "raw-events",
        "run-items",
        "tools-handoffs",
        "production",
    }
    assert strong.answers == 10
    assert 0 <= weak.p_ready < strong.p_ready <= 1
    for slug, estimate in strong.categories.items():
        assert 0 <= estimate.low <= estimate.mean <= estimate.high <= 100
        assert estimate.mean > weak.categories[slug].mean
        assert estimate.p_meets is not None
    assert strong.overall is not None
    assert weak.overall is not None
    assert strong.overall.mean > weak.overall.mean


def test_the_dashboard_shows_the_estimates_with_their_intervals(
    learner: User,
    learner_client: Client,
    bank: list[Question],
    exam: Quiz,
    take_exam: TakeExam,
) -> None:
    take_exam(learner, exam, wrong={bank[1].id})

    html = learner_client.get("/dashboard/").content.decode()

    assert "No adaptive estimate yet" not in html
    assert "none yet" not in html
    assert "chance of passing the exam now" in html
    assert html.count('data-kind="estimate"') == 6


def test_practice_alone_can_project_ready_to_sit_the_exam(
    learner: User,
    learner_client: Client,
    bank: list[Question],
    exam: Quiz,
    take_exam: TakeExam,
) -> None:
    Question.objects.update(pool=Question.Pool.PRACTICE)
    # Twenty answers: the dashboard's broad prior wants more than ten right ones to say ready.
    questions_across_categories(10, pool=Question.Pool.PRACTICE)
    practice = QuizFactory.create(title="Practice", mode=Quiz.Mode.DRILL)
    take_exam(learner, practice)  # every question right, outside the exam

    html = learner_client.get("/dashboard/").content.decode()

    assert "→ Ready to sit the exam" in html
    assert "chance of passing the certification exam at" in html
    assert 'action="/quizzes/certification-exam/start/"' in html
    assert "No exam yet" in html  # the bars still say no exam was taken


def test_the_dashboards_prior_lets_a_bad_exam_move_the_estimate_more_than_the_engines(
    bank: list[Question],
) -> None:
    from questions import adaptive

    wrong = [adaptive.Response(item_id=q.id, correct=False) for q in bank]
    items, bar = active_bank(), adaptive.Thresholds.from_percent(90, 85)
    engine = adaptive.estimate_from(items, wrong, thresholds=bar)
    dashboard = projection_for(items=items, latest=answers(bank, right=False), thresholds=EXAM)

    assert engine is not None
    assert dashboard is not None
    assert dashboard.overall is not None
    assert dashboard.overall.mean < round(100 * engine.expected_overall, 1) - 3


def test_the_dashboard_explains_the_estimate_and_the_chance_of_passing(
    learner_client: Client, learner: User, exam: Quiz, take_exam: TakeExam, bank: list[Question]
) -> None:
    take_exam(learner, exam, wrong={q.id for q in bank[::2]})

    html = learner_client.get("/dashboard/").content.decode()

    assert 'id="estimate-explained"' in html
    assert "What the estimate and the chance of passing mean" in html
    assert "reach <strong>90% overall and 85% in every category</strong>" in html
    assert "Your latest answer to each of the <strong>10</strong> questions" in html
    assert 'href="#estimate-explained"' in html
