"""Time accommodations: the learner's own limit, honoured by the server's deadline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from questions import services
from questions.models import Attempt, TimeAccommodation
from tests.factories import QuizFactory, UserFactory, questions_across_categories

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/questions/timeaccommodation/add/"


def right_choice(attempt: Attempt, position: int) -> tuple[str, list[int]]:
    row = attempt.answers.get(position=position)
    return row.question_id, [c["id"] for c in row.choices if c["correct"]]


def test_an_answer_inside_the_extended_time_is_accepted_and_one_after_it_refused(
    learner: User,
) -> None:
    questions_across_categories(2)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=60))
    TimeAccommodation.objects.create(user=learner, quiz=quiz, multiplier=Decimal("1.5"))
    start = timezone.now()

    attempt, _ = services.attempt_start(user=learner, quiz=quiz, now=start)

    assert attempt.deadline == start + timedelta(minutes=90)
    question, chosen = right_choice(attempt, 1)
    # 80 minutes in: past the quiz's 60, inside this learner's 90.
    outcome = services.answer_submit(
        user=learner,
        attempt_id=attempt.pk,
        question_id=question,
        choice_ids=chosen,
        now=start + timedelta(minutes=80),
    )
    assert outcome.changed
    question, chosen = right_choice(attempt, 2)
    with pytest.raises(services.AttemptClosed, match="Time ran out"):
        services.answer_submit(
            user=learner,
            attempt_id=attempt.pk,
            question_id=question,
            choice_ids=chosen,
            now=start + timedelta(minutes=90, seconds=1),
        )
    assert not attempt.answers.get(position=2).is_answered
    # The sweep finalizes it at the learner's deadline, not the quiz's.
    assert services.attempts_expire_overdue(now=start + timedelta(minutes=89)) == 0
    assert services.attempts_expire_overdue(now=start + timedelta(minutes=91)) == 1
    attempt.refresh_from_db()
    assert (attempt.status, attempt.correct_count) == (Attempt.Status.EXPIRED, 1)
    assert attempt.submitted_at == start + timedelta(minutes=90)


def test_extra_minutes_come_after_the_multiplier_and_a_quizs_own_replaces_every_quiz(
    learner: User,
) -> None:
    questions_across_categories(1)
    exam = QuizFactory.create(time_limit=timedelta(minutes=40))
    other = QuizFactory.create(time_limit=timedelta(minutes=20))
    untimed = QuizFactory.create(time_limit=None)
    TimeAccommodation.objects.create(user=learner, multiplier=Decimal("1.25"), extra_minutes=5)
    TimeAccommodation.objects.create(user=learner, quiz=exam, extra_minutes=15)
    someone_else = UserFactory.create()

    assert services.time_limit_for(user=learner, quiz=exam) == timedelta(minutes=55)
    assert services.time_limit_for(user=learner, quiz=other) == timedelta(minutes=30)
    assert services.time_limit_for(user=learner, quiz=untimed) is None
    assert services.time_limit_for(user=someone_else, quiz=exam) == timedelta(minutes=40)
    attempt, _ = services.attempt_start(user=someone_else, quiz=exam)
    assert attempt.deadline == attempt.started_at + timedelta(minutes=40)


def test_the_database_refuses_an_accommodation_that_adds_nothing(learner: User) -> None:
    with pytest.raises(IntegrityError):
        TimeAccommodation.objects.create(user=learner, multiplier=Decimal("1"), extra_minutes=0)


def test_granting_extra_time_moves_open_deadlines_and_withdrawing_it_moves_them_back(
    learner: User,
) -> None:
    questions_across_categories(1)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=30))
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    standard = attempt.deadline
    assert standard is not None

    accommodation = TimeAccommodation(user=learner, multiplier=Decimal("2"))
    assert services.accommodation_save(accommodation=accommodation) == 1
    attempt.refresh_from_db()
    assert attempt.deadline == standard + timedelta(minutes=30)

    assert services.accommodation_delete(accommodation=accommodation) == 1
    attempt.refresh_from_db()
    assert attempt.deadline == standard


def test_extra_time_never_reopens_an_attempt_whose_time_ran_out(learner: User) -> None:
    questions_across_categories(1)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=10))
    attempt, _ = services.attempt_start(
        user=learner, quiz=quiz, now=timezone.now() - timedelta(minutes=11)
    )
    deadline = attempt.deadline

    services.accommodation_save(accommodation=TimeAccommodation(user=learner, extra_minutes=30))

    attempt.refresh_from_db()
    assert attempt.deadline == deadline


def test_an_instructor_grants_extra_time_in_the_admin(
    instructor_client: Client, instructor: User, learner: User
) -> None:
    questions_across_categories(1)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=60))
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)

    response = instructor_client.post(
        ADD_URL,
        {"learner": learner.email, "quiz": quiz.pk, "multiplier": "1.5", "extra_minutes": "0"},
        follow=True,
    )

    assert response.status_code == 200
    assert "moved to match" in response.content.decode()
    accommodation = TimeAccommodation.objects.get()
    assert (accommodation.user, accommodation.quiz, accommodation.granted_by) == (
        learner,
        quiz,
        instructor,
    )
    attempt.refresh_from_db()
    assert attempt.deadline == attempt.started_at + timedelta(minutes=90)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"learner": "nobody", "multiplier": "1.5"}, "No single learner has the username"),
        ({"multiplier": "1", "extra_minutes": "0"}, "this adds no time"),
        ({"multiplier": "9"}, "less than or equal to 4"),
        ({"multiplier": "1.5", "untimed": True}, "Select a valid choice"),
        ({"multiplier": "1.5", "again": True}, "already has extra time on every timed quiz"),
    ],
)
def test_the_admin_refuses_bad_accommodations_with_a_message(
    instructor_client: Client, learner: User, data: dict[str, object], message: str
) -> None:
    untimed = QuizFactory.create(time_limit=None)
    if data.pop("again", False):
        TimeAccommodation.objects.create(user=learner, extra_minutes=5)
    form = {"learner": learner.username, "extra_minutes": "0", **data}
    if form.pop("untimed", False):
        form["quiz"] = untimed.pk
    before = TimeAccommodation.objects.count()

    response = instructor_client.post(ADD_URL, form)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert TimeAccommodation.objects.count() == before


def test_the_pages_show_the_learners_own_limit(learner_client: Client, learner: User) -> None:
    questions_across_categories(1)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=60))
    TimeAccommodation.objects.create(user=learner, multiplier=Decimal("1.5"))

    listing = learner_client.get("/quizzes/").content.decode()
    assert "1 h 30 min time limit: yours, with extra time" in listing
    assert "(standard 1 h)" in listing

    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    page = learner_client.get(f"/quizzes/attempts/{attempt.pk}/questions/1/").content.decode()
    assert "Your time limit: 1 h 30 min, with extra time" in page
    services.attempt_submit(user=learner, attempt_id=attempt.pk)
    results = learner_client.get(f"/quizzes/attempts/{attempt.pk}/results/").content.decode()
    assert " of 1 h 30 min</dd>" in results


def test_a_course_link_to_a_quiz_states_the_learners_own_limit(
    learner_client: Client, learner: User
) -> None:
    questions_across_categories(1)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=40))
    TimeAccommodation.objects.create(user=learner, quiz=quiz, extra_minutes=20)

    page = learner_client.get(f"/lti/quiz/{quiz.slug}/").content.decode()

    assert "1 h time limit (yours, with extra time; standard 40 min)" in page
