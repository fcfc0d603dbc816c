"""The attempt services: start, answer, flag, submit, expire, retake."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from questions import services
from questions.models import Answer, Attempt, Choice, Question, Quiz
from tests.factories import QuestionFactory, QuizFactory, UserFactory, questions_across_categories

pytestmark = pytest.mark.django_db


def choice_ids(answer: Answer, *, correct: bool) -> list[int]:
    return [choice["id"] for choice in answer.choices if choice["correct"] is correct]


def answer_at(attempt: Attempt, position: int) -> Answer:
    return attempt.answers.get(position=position)


def answer(
    user: User, attempt: Attempt, position: int, *, right: bool = True
) -> services.AnswerOutcome:
    row = answer_at(attempt, position)
    chosen = choice_ids(row, correct=True) if right else choice_ids(row, correct=False)[:1]
    return services.answer_submit(
        user=user, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=chosen
    )


# Starting and resuming ---------------------------------------------------------------------


def test_start_serves_every_question_in_scope_with_a_snapshot_and_a_deadline(
    learner: User,
) -> None:
    questions = questions_across_categories(5)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=60))
    now = timezone.now()

    attempt, created = services.attempt_start(user=learner, quiz=quiz, now=now)

    assert created
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.started_at == now
    assert attempt.deadline == now + timedelta(minutes=60)
    rows = list(attempt.answers.order_by("position"))
    assert [row.position for row in rows] == [1, 2, 3, 4, 5]
    assert [row.question_id for row in rows] == [q.id for q in questions]
    first = rows[0]
    assert first.category_slug == "basics"
    assert first.snapshot["category"] == "basics"
    assert first.snapshot["prompt"] == questions[0].prompt
    assert first.snapshot["explanation"] == questions[0].explanation
    assert [c["text"] for c in first.choices] == [
        c.text for c in questions[0].choices.order_by("order")
    ]
    assert [c["correct"] for c in first.choices] == [True, False, False, False]
    assert not first.is_answered


def test_start_again_resumes_the_open_attempt_with_the_same_deadline(learner: User) -> None:
    questions_across_categories(3)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=10))
    first, _ = services.attempt_start(user=learner, quiz=quiz)
    answer(learner, first, 2)

    again, created = services.attempt_start(
        user=learner, quiz=quiz, now=timezone.now() + timedelta(minutes=5)
    )

    assert not created
    assert again.pk == first.pk
    assert again.deadline == first.deadline
    assert answer_at(again, 2).is_answered
    assert Attempt.objects.count() == 1


def test_start_after_an_overdue_attempt_finalizes_it_and_starts_afresh(
    learner: User,
) -> None:
    questions_across_categories(2)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=1))
    old, _ = services.attempt_start(user=learner, quiz=quiz)
    answer(learner, old, 1)

    new, created = services.attempt_start(
        user=learner, quiz=quiz, now=timezone.now() + timedelta(minutes=2)
    )

    old.refresh_from_db()
    assert created
    assert new.pk != old.pk
    assert old.status == Attempt.Status.EXPIRED
    assert old.submitted_at == old.deadline
    assert (old.correct_count, old.question_count) == (1, 2)


def test_a_quiz_without_questions_cannot_start(learner: User) -> None:
    quiz = QuizFactory.create()
    with pytest.raises(services.AttemptError, match="no questions"):
        services.attempt_start(user=learner, quiz=quiz)
    assert not Attempt.objects.exists()


def test_scope_one_level_or_one_category(learner: User) -> None:
    questions = questions_across_categories(5)
    QuestionFactory.create(category=questions[1].category, level="advanced")
    QuestionFactory.create(category=questions[1].category, status=Question.Status.DRAFT)
    QuestionFactory.create(category=questions[1].category, status=Question.Status.RETIRED)
    by_level = QuizFactory.create(scope=Quiz.Scope.LEVEL, level="advanced")
    by_category = QuizFactory.create(scope=Quiz.Scope.CATEGORY, category=questions[1].category)

    level_attempt, _ = services.attempt_start(user=learner, quiz=by_level)
    category_attempt, _ = services.attempt_start(user=learner, quiz=by_category)

    assert {a.snapshot["level"] for a in level_attempt.answers.all()} == {"advanced"}
    assert level_attempt.answers.count() == 1
    assert set(category_attempt.answers.values_list("category_slug", flat=True)) == {"raw-events"}
    assert category_attempt.answers.count() == 2  # active only: drafts and retired stay out


def test_shuffling_is_per_attempt_and_follows_the_stored_seed(learner: User) -> None:
    questions_across_categories(12)
    QuestionFactory.create(kind="true_false")
    quiz = QuizFactory.create(shuffle_questions=True, shuffle_choices=True)

    attempt, _ = services.attempt_start(user=learner, quiz=quiz)

    expected = list(Question.objects.active())  # bank order: category, then id
    random.Random(attempt.seed).shuffle(expected)
    rows = list(attempt.answers.order_by("position"))
    assert [row.question_id for row in rows] == [q.id for q in expected]
    for row in rows:
        original = list(Choice.objects.filter(question_id=row.question_id).order_by("order"))
        if row.kind != "true_false":  # a true/false statement keeps True before False
            random.Random(f"{attempt.seed}:{row.question_id}").shuffle(original)
        assert [c["id"] for c in row.choices] == [c.pk for c in original]
        assert [c["label"] for c in row.choices] == list("ABCD"[: len(original)])

    other, _ = services.attempt_start(user=UserFactory.create(), quiz=quiz)
    assert other.seed != attempt.seed
    orders = {
        tuple(a.answers.order_by("position").values_list("question_id", flat=True))
        for a in (attempt, other)
    }
    assert len(orders) == 2


def test_a_question_limit_samples_that_many(learner: User) -> None:
    questions_across_categories(10)
    quiz = QuizFactory.create(question_limit=4, shuffle_questions=False)

    attempt, _ = services.attempt_start(user=learner, quiz=quiz)

    served = list(attempt.answers.order_by("position").values_list("question_id", flat=True))
    assert len(served) == 4
    bank_order = list(Question.objects.active().values_list("id", flat=True))
    assert served == sorted(served, key=bank_order.index)


# Answering ---------------------------------------------------------------------------------


def test_answer_saves_at_once_and_can_change_until_submit(learner: User) -> None:
    questions_across_categories(2)
    quiz = QuizFactory.create()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    row = answer_at(attempt, 1)

    wrong = choice_ids(row, correct=False)[0]
    outcome = services.answer_submit(
        user=learner, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=[wrong]
    )
    assert outcome.changed
    row.refresh_from_db()
    assert row.chosen == [wrong]
    assert row.correct is False
    assert row.answered_at is not None

    outcome = answer(learner, attempt, 1, right=True)
    row.refresh_from_db()
    assert row.correct is True
    assert Answer.objects.filter(attempt=attempt).count() == 2  # changed in place

    same = answer(learner, attempt, 1, right=True)
    assert not same.changed


def test_multiple_choice_is_all_or_nothing_and_can_be_cleared(learner: User) -> None:
    QuestionFactory.create(kind="multiple", choices=[True, False, True, False])
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    row = answer_at(attempt, 1)
    right = choice_ids(row, correct=True)

    def submit(ids: list[int]) -> Answer:
        services.answer_submit(
            user=learner, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=ids
        )
        row.refresh_from_db()
        return row

    assert submit(right[:1]).correct is False
    assert submit(right).correct is True
    assert submit([*right, choice_ids(row, correct=False)[0]]).correct is False
    cleared = submit([])
    assert (cleared.chosen, cleared.correct, cleared.answered_at) == ([], None, None)


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ("foreign", "not one of this question's options"),
        ("two", "only one option"),
    ],
)
def test_bad_options_are_refused_and_change_nothing(learner: User, ids: str, message: str) -> None:
    q1, q2 = questions_across_categories(2)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    answer(learner, attempt, 1, right=True)
    row = answer_at(attempt, 1)
    before = (row.chosen, row.correct, row.answered_at)
    chosen = (
        [q2.choices.earliest("order").pk]
        if ids == "foreign"
        else [c["id"] for c in row.choices][:2]
    )

    with pytest.raises(services.AnswerRejected, match=message):
        services.answer_submit(
            user=learner, attempt_id=attempt.pk, question_id=q1.id, choice_ids=chosen
        )

    row.refresh_from_db()
    assert (row.chosen, row.correct, row.answered_at) == before


def test_a_question_not_in_the_attempt_is_refused(learner: User) -> None:
    questions_across_categories(2)
    outsider = QuestionFactory.create(status=Question.Status.DRAFT)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())

    with pytest.raises(services.AnswerRejected, match="not part of this attempt"):
        services.answer_submit(
            user=learner,
            attempt_id=attempt.pk,
            question_id=outsider.id,
            choice_ids=[outsider.choices.earliest("order").pk],
        )
    assert not Answer.objects.filter(question=outsider).exists()
    assert not attempt.answers.filter(answered_at__isnull=False).exists()


def test_someone_elses_attempt_does_not_exist_for_you(learner: User) -> None:
    questions_across_categories(1)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    row = answer_at(attempt, 1)
    intruder = UserFactory.create()

    with pytest.raises(Attempt.DoesNotExist):
        services.answer_submit(
            user=intruder,
            attempt_id=attempt.pk,
            question_id=row.question_id,
            choice_ids=choice_ids(row, correct=True),
        )
    with pytest.raises(Attempt.DoesNotExist):
        services.attempt_submit(user=intruder, attempt_id=attempt.pk)
    row.refresh_from_db()
    assert not row.is_answered


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_expires(
    learner: User,
) -> None:
    questions_across_categories(3)
    quiz = QuizFactory.create(time_limit=timedelta(minutes=30))
    start = timezone.now()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz, now=start)
    answer(learner, attempt, 1, right=True)
    late_row = answer_at(attempt, 2)

    with pytest.raises(services.AttemptClosed, match="Time ran out"):
        services.answer_submit(
            user=learner,
            attempt_id=attempt.pk,
            question_id=late_row.question_id,
            choice_ids=choice_ids(late_row, correct=True),
            now=start + timedelta(minutes=30),  # the deadline itself is already too late
        )

    late_row.refresh_from_db()
    attempt.refresh_from_db()
    assert not late_row.is_answered
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.submitted_at == attempt.deadline
    assert (attempt.correct_count, attempt.question_count) == (1, 3)


def test_a_submitted_attempt_refuses_answers_and_flags(learner: User) -> None:
    questions_across_categories(2)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    services.attempt_submit(user=learner, attempt_id=attempt.pk)
    row = answer_at(attempt, 1)

    with pytest.raises(services.AttemptClosed, match="submitted"):
        answer(learner, attempt, 1)
    with pytest.raises(services.AttemptClosed):
        services.answer_flag(
            user=learner, attempt_id=attempt.pk, question_id=row.question_id, flagged=True
        )
    row.refresh_from_db()
    assert not row.is_answered
    assert not row.flagged


def test_feedback_after_each_answer_makes_the_answer_final(learner: User) -> None:
    questions_across_categories(2)
    quiz = QuizFactory.create(mode=Quiz.Mode.DRILL, feedback=Quiz.Feedback.IMMEDIATE)
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    answer(learner, attempt, 1, right=False)

    with pytest.raises(services.AnswerRejected, match="final"):
        answer(learner, attempt, 1, right=True)
    assert answer_at(attempt, 1).correct is False
    # An empty form (the locked options are disabled in the page) changes nothing.
    row = answer_at(attempt, 1)
    outcome = services.answer_submit(
        user=learner, attempt_id=attempt.pk, question_id=row.question_id, choice_ids=[]
    )
    assert not outcome.changed


def test_flag_and_unflag(learner: User) -> None:
    questions_across_categories(2)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    row = answer_at(attempt, 2)

    services.answer_flag(
        user=learner, attempt_id=attempt.pk, question_id=row.question_id, flagged=True
    )
    assert answer_at(attempt, 2).flagged
    services.answer_flag(
        user=learner, attempt_id=attempt.pk, question_id=row.question_id, flagged=False
    )
    assert not answer_at(attempt, 2).flagged


# Finishing ---------------------------------------------------------------------------------


def test_submit_scores_from_the_snapshot_not_from_later_bank_edits(learner: User) -> None:
    questions = questions_across_categories(10)
    quiz = QuizFactory.create()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    for position in range(1, 11):
        answer(learner, attempt, position, right=position != 2)  # miss the second basics question
    # An instructor changes the key of an answered question and rewords it.
    edited = questions[0]
    edited.choices.update(is_correct=False)
    edited.choices.filter(order=3).update(is_correct=True)
    Question.objects.filter(pk=edited.pk).update(prompt="Reworded")

    finished, now_finished = services.attempt_submit(user=learner, attempt_id=attempt.pk)

    assert now_finished
    assert finished.status == Attempt.Status.SUBMITTED
    assert (finished.correct_count, finished.question_count) == (9, 10)
    assert finished.score == pytest.approx(90)
    assert finished.category_scores["basics"] == {"correct": 1, "total": 2}
    assert finished.category_scores["raw-events"] == {"correct": 2, "total": 2}
    assert finished.passed is False  # 90% overall, but basics at 50% is below 85%
    assert answer_at(attempt, 1).snapshot["prompt"] != "Reworded"
    assert answer_at(attempt, 1).correct is True


def test_submit_is_idempotent(learner: User) -> None:
    questions_across_categories(2)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    answer(learner, attempt, 1)
    first, finished_now = services.attempt_submit(user=learner, attempt_id=attempt.pk)
    again, finished_again = services.attempt_submit(
        user=learner, attempt_id=attempt.pk, now=timezone.now() + timedelta(hours=1)
    )

    assert finished_now
    assert not finished_again
    assert again.submitted_at == first.submitted_at
    assert again.status == Attempt.Status.SUBMITTED
    assert (again.correct_count, again.question_count) == (1, 2)


def test_submit_after_the_deadline_expires_with_what_was_saved(learner: User) -> None:
    questions_across_categories(2)
    start = timezone.now()
    attempt, _ = services.attempt_start(
        user=learner, quiz=QuizFactory.create(time_limit=timedelta(seconds=20)), now=start
    )
    answer(learner, attempt, 1)

    finished, _ = services.attempt_submit(
        user=learner, attempt_id=attempt.pk, now=start + timedelta(seconds=21)
    )

    assert finished.status == Attempt.Status.EXPIRED
    assert finished.submitted_at == start + timedelta(seconds=20)
    assert (finished.correct_count, finished.question_count) == (1, 2)


def test_expire_overdue_finalizes_only_overdue_open_attempts(learner: User) -> None:
    questions_across_categories(2)
    timed = QuizFactory.create(time_limit=timedelta(minutes=5))
    untimed = QuizFactory.create()
    start = timezone.now()
    overdue, _ = services.attempt_start(user=learner, quiz=timed, now=start)
    answer(learner, overdue, 1)
    still_open, _ = services.attempt_start(
        user=UserFactory.create(), quiz=timed, now=start + timedelta(minutes=3)
    )
    never, _ = services.attempt_start(user=learner, quiz=untimed, now=start)

    count = services.attempts_expire_overdue(now=start + timedelta(minutes=6))

    assert count == 1
    statuses = dict(Attempt.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: Attempt.Status.EXPIRED,
        still_open.pk: Attempt.Status.IN_PROGRESS,
        never.pk: Attempt.Status.IN_PROGRESS,
    }
    assert Attempt.objects.get(pk=overdue.pk).correct_count == 1
    assert services.attempts_expire_overdue(now=start + timedelta(minutes=6)) == 0


# Retaking the questions missed -------------------------------------------------------------


def test_retake_missed_is_a_drill_of_exactly_the_missed_questions(learner: User) -> None:
    questions_across_categories(5)
    attempt, _ = services.attempt_start(user=learner, quiz=QuizFactory.create())
    answer(learner, attempt, 1, right=True)
    answer(learner, attempt, 2, right=False)
    answer(learner, attempt, 4, right=True)
    answer(learner, attempt, 5, right=False)  # 3 is left unanswered: missed too
    services.attempt_submit(user=learner, attempt_id=attempt.pk)
    missed = [answer_at(attempt, p).question_id for p in (2, 3, 5)]

    retake, created = services.attempt_retake_missed(user=learner, attempt_id=attempt.pk)

    assert created
    assert retake.retake_of == attempt
    assert retake.quiz.slug == services.RETAKE_QUIZ_SLUG
    assert retake.quiz.immediate_feedback
    assert not retake.quiz.is_published
    assert retake.question_ids == missed
    assert list(retake.answers.order_by("position").values_list("question_id", flat=True)) == missed

    again, created_again = services.attempt_retake_missed(user=learner, attempt_id=attempt.pk)
    assert not created_again
    assert again.pk == retake.pk


def test_retake_needs_a_finished_attempt_with_something_missed(learner: User) -> None:
    questions_across_categories(1)
    quiz = QuizFactory.create()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    with pytest.raises(services.AttemptError, match="Finish this attempt"):
        services.attempt_retake_missed(user=learner, attempt_id=attempt.pk)
    answer(learner, attempt, 1, right=True)
    services.attempt_submit(user=learner, attempt_id=attempt.pk)
    with pytest.raises(services.AttemptError, match="nothing to retake"):
        services.attempt_retake_missed(user=learner, attempt_id=attempt.pk)


# Adaptive practice: one question at a time -------------------------------------------------


def test_adaptive_practice_serves_one_question_at_a_time_until_the_engine_stops(
    learner: User,
) -> None:
    questions_across_categories(15)
    quiz = QuizFactory.create(
        mode=Quiz.Mode.ADAPTIVE, feedback=Quiz.Feedback.IMMEDIATE, question_limit=7
    )

    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    assert attempt.answers.count() == 1

    position = 1
    while (outcome := answer(learner, attempt, position)).served_next is not None:
        assert outcome.served_next.position == position + 1
        position += 1

    # The engine's rule (questions.adaptive): never before 5 answers, at the latest at the limit.
    assert 5 <= position <= 7
    served = list(attempt.answers.values_list("question_id", flat=True))
    assert len(served) == len(set(served)) == position


def test_adaptive_practice_serves_nothing_new_when_an_earlier_answer_is_given(
    learner: User,
) -> None:
    questions_across_categories(4)
    quiz = QuizFactory.create(mode=Quiz.Mode.ADAPTIVE, feedback=Quiz.Feedback.END, question_limit=4)
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    answer(learner, attempt, 1)  # serves question 2
    assert attempt.answers.count() == 2

    # Changing the answer to question 1 (end feedback allows it) does not serve another.
    outcome = answer(learner, attempt, 1, right=False)
    assert outcome.served_next is None
    assert attempt.answers.count() == 2
