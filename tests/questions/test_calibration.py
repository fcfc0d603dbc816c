"""calibrate_items: refits item parameters from finished attempts' answers, leaves sparse
questions alone, records the bank parameter version; --dry-run writes nothing."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from scipy.special import expit

from questions.adaptive import CalibrationPriors, selection
from questions.models import Answer, Attempt, BankParameters, ItemCalibration, Question, Quiz
from questions.services import adaptive
from tests.factories import CategoryFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db

# The true (a, b, c) of six basics questions; they all start at (1.2, 0.0, 0.2).
TRUE = {
    "basics-01": (0.9, -1.0, 0.20),
    "basics-02": (1.2, 0.5, 0.15),
    "basics-03": (1.6, 1.2, 0.20),
    "basics-04": (1.0, 2.0, 0.25),
    "basics-05": (1.5, 2.8, 0.20),
    "basics-06": (1.2, 1.5, 0.20),  # answered by a few learners only
}
SPARSE = "basics-06"
START = (1.2, 0.0, 0.2)


def simulated_answers(user: User, learners: int, *, sparse: int, seed: int = 7) -> None:
    """`learners` finished attempts answering every question (`sparse` of them also answering
    basics-06), right or wrong as the true parameters say for abilities from the engine's prior."""
    priors = CalibrationPriors()
    rng = np.random.default_rng(seed)
    theta = priors.ability_mean + priors.ability_sd * rng.standard_normal(learners)
    ids = list(TRUE)
    params = np.array([TRUE[i] for i in ids])
    p = params[:, 2] + (1 - params[:, 2]) * expit(params[:, 0] * (theta[:, None] - params[:, 1]))
    right = rng.random(p.shape) < p
    quiz = QuizFactory.create(mode=Quiz.Mode.DRILL)
    now = timezone.now()
    attempts = Attempt.objects.bulk_create(
        Attempt(
            user=user,
            quiz=quiz,
            status=Attempt.Status.SUBMITTED,
            started_at=now,
            submitted_at=now,
            correct_count=0,
            question_count=0,
            score=0,
            passed=False,
        )
        for _ in range(learners)
    )
    Answer.objects.bulk_create(
        Answer(
            attempt=attempt,
            question_id=question_id,
            position=j + 1,
            category_slug="basics",
            snapshot={},
            correct=bool(right[row, j]),
            answered_at=now,
        )
        for row, attempt in enumerate(attempts)
        for j, question_id in enumerate(ids)
        if question_id != SPARSE or row < sparse
    )


@pytest.fixture
def questions() -> list[Question]:
    basics = CategoryFactory.create(slug="basics")
    return [
        QuestionFactory.create(
            id=question_id,
            category=basics,
            discrimination=START[0],
            difficulty=START[1],
            guessing=START[2],
        )
        for question_id in TRUE
    ]


def run(*args: str) -> str:
    out = StringIO()
    call_command("calibrate_items", *args, stdout=out)
    return out.getvalue()


def parameters(question_id: str) -> tuple[float, float, float]:
    q = Question.objects.get(pk=question_id)
    return (q.discrimination, q.difficulty, q.guessing)


def test_the_refit_moves_toward_the_true_parameters_and_records_the_version(
    learner: User, questions: list[Question]
) -> None:
    simulated_answers(learner, 1500, sparse=40)
    items_before = adaptive.bank_items()
    thresholds = adaptive.site_thresholds()
    engine_before = selection.practice_engine(items_before, thresholds, cap=20)

    output = run("--min-answers", "300")

    for question_id, true in TRUE.items():
        if question_id == SPARSE:
            continue
        after = parameters(question_id)
        # Difficulty: clearly closer to the truth than where it started.
        assert abs(after[1] - true[1]) < 0.5 * abs(START[1] - true[1]) + 0.15, question_id
    ordered = [parameters(q)[1] for q in TRUE if q != SPARSE]
    assert ordered == sorted(ordered)  # easy to hard, as the truth

    version = BankParameters.objects.get()
    assert (version.version, version.min_answers) == (1, 300)
    assert (version.attempts, version.refitted) == (1500, 5)
    assert version.answers == 5 * 1500 + 40
    rows = {row.question_id: row for row in ItemCalibration.objects.filter(parameters=version)}
    assert set(rows) == set(TRUE)
    row = rows["basics-03"]
    assert row.refitted
    assert row.answers == 1500
    assert (row.discrimination_before, row.difficulty_before, row.guessing_before) == START
    assert (row.discrimination_after, row.difficulty_after, row.guessing_after) == parameters(
        "basics-03"
    )
    assert "Bank parameters v1: refitted 5 of 6 active questions" in output
    assert "basics-03" in output

    # The engine is cached per parameters: the new version gets a new engine.
    items_after = adaptive.bank_items()
    assert items_after != items_before
    assert selection.practice_engine(items_after, thresholds, cap=20) is not engine_before

    run("--min-answers", "300")
    assert BankParameters.objects.current_version() == 2


def test_questions_with_too_few_answers_are_untouched(
    learner: User, questions: list[Question]
) -> None:
    simulated_answers(learner, 400, sparse=40)
    output = run("--min-answers", "300")
    assert parameters(SPARSE) == START
    row = ItemCalibration.objects.get(question_id=SPARSE)
    assert not row.refitted
    assert row.answers == 40
    assert f"{SPARSE:<20}{40:>8}  kept (fewer than 300 answers)" in output


def test_a_dry_run_shows_the_changes_and_writes_nothing(
    learner: User, questions: list[Question]
) -> None:
    simulated_answers(learner, 400, sparse=0)
    output = run("--min-answers", "300", "--dry-run")
    assert output.startswith("Dry run: nothing written. Would refit 5 of 6 active questions")
    assert all(parameters(question_id) == START for question_id in TRUE)
    assert not BankParameters.objects.exists()
    assert not ItemCalibration.objects.exists()


def test_too_little_data_is_refused_with_nothing_written(
    learner: User, questions: list[Question]
) -> None:
    simulated_answers(learner, 120, sparse=0)
    with pytest.raises(CommandError, match=r"Too little data: .* has 200 .* most answered has 120"):
        run()
    assert not BankParameters.objects.exists()
    assert all(parameters(question_id) == START for question_id in TRUE)


def test_answers_of_open_attempts_are_not_used(learner: User, questions: list[Question]) -> None:
    simulated_answers(learner, 1, sparse=1)
    Attempt.objects.update(status=Attempt.Status.IN_PROGRESS, submitted_at=None)
    with pytest.raises(CommandError, match="most answered has 0"):
        run("--min-answers", "1")


def test_a_bad_minimum_is_refused(questions: list[Question]) -> None:
    with pytest.raises(CommandError, match="--min-answers must be at least 1"):
        run("--min-answers", "0")


def test_instructors_read_the_versions_in_the_admin_and_cannot_write_them(
    learner: User, questions: list[Question], instructor_client
) -> None:
    simulated_answers(learner, 400, sparse=40)
    run("--min-answers", "300")
    version = BankParameters.objects.get()

    changelist = instructor_client.get("/admin/questions/bankparameters/")
    assert changelist.status_code == 200
    assert "Bank parameters v1" in changelist.content.decode()
    page = instructor_client.get(f"/admin/questions/bankparameters/{version.pk}/change/")
    assert page.status_code == 200
    assert SPARSE in page.content.decode()
    assert instructor_client.get("/admin/questions/bankparameters/add/").status_code == 403


def test_a_pretest_item_counts_once_its_parameters_are_known_well_enough(
    learner: User, questions: list[Question]
) -> None:
    # basics-02 (b = 0.5, amid the learners) and the sparse basics-06 are in pretest.
    Question.objects.filter(pk__in=["basics-02", SPARSE]).update(pretest=True)
    simulated_answers(learner, 1500, sparse=40)
    output = run("--min-answers", "30", "--dry-run")
    assert "Would leave pretest (a and b within their set precision): basics-02." in output
    assert Question.objects.get(pk="basics-02").pretest
    output = run("--min-answers", "30")
    assert "Left pretest (a and b within their set precision): basics-02." in output
    assert "se(a)" in output
    assert not Question.objects.get(pk="basics-02").pretest
    # Forty answers refit the sparse item but leave it too uncertain to count.
    assert Question.objects.get(pk=SPARSE).pretest
    record = ItemCalibration.objects.get(question_id="basics-02")
    assert record.left_pretest
    assert record.source == "item"
    assert record.difficulty_error is not None
    assert record.difficulty_error < 0.3
    sparse = ItemCalibration.objects.get(question_id=SPARSE)
    assert sparse.refitted
    assert not sparse.left_pretest


def test_the_precision_is_a_setting(learner: User, questions: list[Question], settings) -> None:
    Question.objects.filter(pk="basics-02").update(pretest=True)
    simulated_answers(learner, 1500, sparse=40)
    settings.QUESTIONS_PRETEST_MAX_ERROR = 0.01
    assert "Left pretest (a and b within their set precision): none." in run("--min-answers", "30")
    assert Question.objects.get(pk="basics-02").pretest
