"""The item analysis on recorded answers: its queries, the admin report and its exports, the
item_report command, and retiring a flagged item."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from bench.cohort import Plants, simulate_cohort
from bench.cohort_records import cohort_items, cohort_record
from questions.analysis.export import items_from_csv, quizzes_from_csv, report_from_json
from questions.models import Answer, Attempt, ItemWithdrawal, KeyCheck, Question, Quiz
from questions.services import WithdrawalRefused, question_withdraw
from questions.services.analysis import item_analysis
from tests.factories import ExamQuizFactory, QuizFactory, StaffFactory, questions_across_categories

REPORT = reverse("admin:questions_question_analysis")


def _cohort(quiz: Quiz, questions: list[Question], *, learners: int, plants: Plants, seed=2):
    attempts = simulate_cohort(
        cohort_items(questions), learners=learners, plants=plants, seed=seed, ability_mean=0.5
    )
    return cohort_record(
        quiz=quiz,
        questions=questions,
        attempts=attempts,
        tag=f"t{seed}-{learners}",
        start=timezone.now() - timedelta(days=10),
        spacing=timedelta(minutes=30),
    )


@pytest.fixture
def bank(db) -> list[Question]:
    return list(
        Question.objects.filter(
            pk__in=[q.pk for q in questions_across_categories(10, level="intermediate")]
        )
        .select_related("category")
        .prefetch_related("choices")
        .order_by("category__order", "id")
    )


@pytest.fixture
def cohort(bank: list[Question]) -> Quiz:
    """A fixed-form practice quiz answered by 120 simulated learners, a miskey planted in the
    fourth item."""
    quiz = QuizFactory.create(slug="practice-all")
    _cohort(quiz, bank, learners=120, plants=Plants(miskey=3))
    return quiz


def test_the_report_reads_three_queries_however_many_answers(
    bank, django_assert_num_queries
) -> None:
    quiz = QuizFactory.create(slug="few")
    _cohort(quiz, bank, learners=5, plants=Plants())
    with django_assert_num_queries(3):
        few = item_analysis()
    _cohort(quiz, bank, learners=80, plants=Plants(), seed=3)
    with django_assert_num_queries(3):
        many = item_analysis()
    assert few.report.answers == 50
    assert many.report.answers == 850


def test_the_report_matches_the_recorded_answers(cohort: Quiz, bank: list[Question]) -> None:
    report = item_analysis().report
    assert report.attempts == 120
    rows = {row.id: row for row in report.items}
    for question in bank:
        right = [
            bool(c)
            for c in Answer.objects.filter(question=question).values_list("correct", flat=True)
        ]
        assert rows[question.id].answers == len(right)
        assert rows[question.id].facility == pytest.approx(np.mean(right))
    # The corrected point-biserial of one item, from the attempts' own cached scores.
    item = bank[0]
    answers = Answer.objects.filter(question=item).select_related("attempt")
    x = np.array([float(bool(a.correct)) for a in answers])
    rest = np.array([((a.attempt.correct_count or 0) - bool(a.correct)) / 9 for a in answers])
    assert rows[item.id].point_biserial == pytest.approx(np.corrcoef(x, rest)[0, 1])
    quiz_row = report.quizzes[0]
    assert quiz_row.attempts == 120
    assert quiz_row.reliability_kind == "KR-20"
    assert quiz_row.pass_rate == pytest.approx(
        Attempt.objects.filter(quiz=cohort, passed=True).count() / 120
    )


def test_the_planted_miskey_is_flagged_and_a_good_item_is_not(cohort, bank) -> None:
    rows = {row.id: row for row in item_analysis().report.items}
    assert "miskey" in {flag.code for flag in rows[bank[3].id].flags}
    assert not any(flag.code == "miskey" for flag in rows[bank[0].id].flags)


def test_a_broken_key_check_on_the_installed_sdk_is_flagged(cohort, bank) -> None:
    from questions.models import installed_sdk_version

    KeyCheck.objects.create(
        question=bank[2],
        sdk_version=installed_sdk_version(),
        holds=False,
        keyed="A",
        derived="C",
        outcome="the run emitted C first",
        checked_at=timezone.now(),
    )
    rows = {row.id: row for row in item_analysis().report.items}
    broken = [flag for flag in rows[bank[2].id].flags if flag.code == "key-broken"]
    assert len(broken) == 1
    assert "the run makes C true (the run emitted C first)" in broken[0].reason


def test_exam_forms_get_decision_consistency_from_certifys_rule(bank) -> None:
    for question in bank:
        question.pool = Question.Pool.EXAM
    Question.objects.bulk_update(bank, ["pool"])
    exam = ExamQuizFactory.create(slug="exam")
    _cohort(exam, bank, learners=60, plants=Plants())
    quiz_row = item_analysis().report.quizzes[0]
    assert quiz_row.exam
    assert quiz_row.reliability_kind == "IRT marginal"
    assert quiz_row.decision_consistency is not None
    assert 0.5 <= quiz_row.decision_consistency <= 1
    rows = item_analysis().report.items
    assert all(row.exposure == 1.0 for row in rows)  # a fixed set: every exam asked every item


def test_the_report_is_refused_to_learners(learner_client, cohort) -> None:
    response = learner_client.get(REPORT)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert learner_client.get(REPORT + "?export=json").status_code == 302


def test_staff_without_the_bank_permission_are_refused(client, cohort) -> None:
    client.force_login(StaffFactory.create())
    assert client.get(REPORT).status_code == 403


def test_the_report_is_shown_to_instructors(instructor_client, cohort, bank) -> None:
    response = instructor_client.get(REPORT)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1200 answers in 120 finished attempts" in page
    assert f'id="item-{bank[3].id}"' in page
    assert "Likely miskey" in page
    assert '<svg class="distractors"' in page
    assert '<svg class="histogram"' in page
    # No inline script or handler: the page works under the site's CSP without JavaScript.
    assert "<script>" not in page
    assert " onclick=" not in page


def test_the_table_sorts_and_filters_from_the_query_string(instructor_client, cohort, bank):
    page = instructor_client.get(REPORT + "?sort=facility&dir=asc").content.decode()
    facilities = sorted(item_analysis().report.items, key=lambda row: (row.facility, row.id))
    first, last = facilities[0].id, facilities[-1].id
    assert page.index(f'id="row-{first}"') < page.index(f'id="row-{last}"')
    page = instructor_client.get(REPORT + "?flag=miskey").content.decode()
    assert f'id="row-{bank[3].id}"' in page
    assert f'id="row-{bank[0].id}"' not in page


def test_a_bad_window_is_a_clear_400(instructor_client, cohort) -> None:
    response = instructor_client.get(REPORT + "?since=yesterday")
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_the_exports_round_trip(instructor_client, cohort) -> None:
    report = item_analysis().report
    csv_text = instructor_client.get(REPORT + "?export=csv").content.decode()
    assert items_from_csv(csv_text) == report.items
    quizzes = instructor_client.get(REPORT + "?export=quizzes-csv").content.decode()
    assert quizzes_from_csv(quizzes) == report.quizzes
    response = instructor_client.get(REPORT + "?export=json")
    assert response["Content-Type"] == "application/json"
    assert report_from_json(response.content.decode()) == report
    links = json.loads(response.content)["links"]
    assert links[report.items[0].id]["item"].startswith("/admin/questions/question/")


def test_retiring_a_flagged_item_from_the_report(instructor_client, instructor, cohort, bank):
    miskeyed = bank[3]
    scores = list(Attempt.objects.order_by("pk").values_list("pk", "score", "passed"))
    assert miskeyed in cohort.questions_in_scope()
    response = instructor_client.post(
        reverse("admin:questions_question_withdraw", args=[miskeyed.pk]),
        {"action": "retire", "reason": "Key is B, not A.", "flags": "miskey bogus"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "120 attempts had answered it" in page
    miskeyed.refresh_from_db()
    assert miskeyed.status == Question.Status.RETIRED
    logged = ItemWithdrawal.objects.get()
    assert (logged.by, logged.by_name, logged.reason) == (
        instructor,
        instructor.username,
        "Key is B, not A.",
    )
    assert logged.flags == ["miskey"]
    assert logged.attempts_answered == 120
    # The next forms stop asking it; results already given are as they were.
    assert miskeyed not in cohort.questions_in_scope()
    assert list(Attempt.objects.order_by("pk").values_list("pk", "score", "passed")) == scores
    row = {r.id: r for r in item_analysis().report.items}[miskeyed.id]
    assert (row.status, row.all_answers) == ("retired", 120)


def test_sending_an_exam_item_back_to_pretest(instructor, bank) -> None:
    item = bank[0]
    item.pool = Question.Pool.EXAM
    item.save()
    withdrawal = question_withdraw(
        question=item, action="pretest", reason="Drifted.", user=instructor
    )
    item.refresh_from_db()
    assert item.pretest
    assert item not in Question.objects.exam()
    assert withdrawal.attempts_answered == 0
    with pytest.raises(WithdrawalRefused, match="already in pretest"):
        question_withdraw(question=item, action="pretest", reason="Again.", user=instructor)


def test_a_withdrawal_needs_a_reason_and_an_active_item(instructor, bank) -> None:
    with pytest.raises(WithdrawalRefused, match="Say why"):
        question_withdraw(question=bank[0], action="retire", reason="  ", user=instructor)
    with pytest.raises(WithdrawalRefused, match="practice item"):
        question_withdraw(question=bank[0], action="pretest", reason="x", user=instructor)
    assert not ItemWithdrawal.objects.exists()
    bank[0].refresh_from_db()
    assert bank[0].status == Question.Status.ACTIVE


def test_learners_cannot_withdraw_items(learner_client, bank) -> None:
    response = learner_client.post(
        reverse("admin:questions_question_withdraw", args=[bank[0].pk]),
        {"action": "retire", "reason": "mine"},
    )
    assert response.status_code == 302
    bank[0].refresh_from_db()
    assert bank[0].status == Question.Status.ACTIVE


def test_item_report_command(cohort, bank) -> None:
    out = StringIO()
    call_command("item_report", stdout=out)
    assert f"{bank[3].id} [miskey]" in out.getvalue()
    out = StringIO()
    call_command("item_report", "--quiz", "practice-all", "--format", "csv", stdout=out)
    assert items_from_csv(out.getvalue()) == item_analysis(quiz=cohort).report.items
    out = StringIO()
    call_command("item_report", "--since", "2000-01-01", "--format", "json", stdout=out)
    assert report_from_json(out.getvalue()).answers == 1200
    with pytest.raises(CommandError, match="No quiz 'nope'"):
        call_command("item_report", "--quiz", "nope")
    with pytest.raises(CommandError, match="--since takes a date"):
        call_command("item_report", "--since", "last week")


def test_simulate_cohort_command(bank) -> None:
    QuizFactory.create(slug="practice-all")
    out = StringIO()
    call_command(
        "simulate_cohort",
        "--quiz",
        "practice-all",
        "--learners",
        "30",
        "--form-size",
        "0",
        "--miskey",
        bank[1].id,
        stdout=out,
    )
    assert f"Recorded 30 attempts of practice-all (300 answers); planted miskey {bank[1].id}" in (
        out.getvalue()
    )
    assert Attempt.objects.filter(status=Attempt.Status.SUBMITTED).count() == 30


def test_exposure_is_a_share_of_exam_forms_once_forms_are_assembled(bank) -> None:
    for question in bank:
        question.pool = Question.Pool.EXAM
    Question.objects.bulk_update(bank, ["pool"])
    exam = ExamQuizFactory.create(slug="exam")
    _cohort(exam, bank, learners=30, plants=Plants())
    before = item_analysis().report
    assert before.exposure_basis == "30 finished certification exams (none with an assembled form)"
    # Ten attempts had assembled forms, each without the first item.
    with_forms = list(Attempt.objects.order_by("pk")[:10])
    Attempt.objects.filter(pk__in=[a.pk for a in with_forms]).update(form={"length": 9})
    Answer.objects.filter(attempt__in=with_forms, question=bank[0]).delete()
    report = item_analysis().report
    assert report.exposure_basis == "10 exam forms"
    rows = {row.id: row for row in report.items}
    assert rows[bank[0].id].exposure == 0.0
    assert rows[bank[1].id].exposure == 1.0
    assert "exposure" in {flag.code for flag in rows[bank[1].id].flags}


def test_simulate_cohort_assembles_exam_forms(bank) -> None:
    for question in bank:
        question.pool = Question.Pool.EXAM
    Question.objects.bulk_update(bank, ["pool"])
    ExamQuizFactory.create(slug="exam")
    call_command("simulate_cohort", "--quiz", "exam", "--learners", "20", stdout=StringIO())
    assert not Attempt.objects.filter(form__isnull=True).exists()
    report = item_analysis().report
    assert report.exposure_basis == "20 exam forms"
    assert report.answers == Answer.objects.count()
