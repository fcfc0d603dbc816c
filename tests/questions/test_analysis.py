"""The item analysis's figures on constructed answer sets whose figures are known (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.cohort import CohortItem, Plants, simulate_cohort
from questions.analysis import (
    Answers,
    Calibration,
    Item,
    KeyResult,
    Option,
    QuizInfo,
    Rules,
    item_report,
    time_spent,
)
from questions.analysis.export import (
    items_csv,
    items_from_csv,
    quizzes_csv,
    quizzes_from_csv,
    report_from_json,
    report_json,
    report_table,
)
from questions.analysis.stats import kr20, two_proportion_p
from tests.purity import django_modules_imported_by

FIXED = QuizInfo(1, "fixed", "Fixed form", False, 80, 80)
EXAM = QuizInfo(2, "exam", "Exam", True, 90, 85)

# Six learners, four items (1 right, 0 wrong). By hand: facilities 2/3, 2/3, 1/3, 1/3; totals
# 4, 3, 2, 1, 1, 1 (mean 2, variance 4/3); sum of pq = 4 * 2/9 = 8/9, so KR-20 = 4/3 * (1 - (8/9)
# / (4/3)) = 4/9. Item 1 against the rest (3, 2, 1, 0, 1, 1): cov 1/9, variances 2/9 and 8/9,
# so its corrected point-biserial is (1/9) / sqrt(16/81) = 1/4.
MATRIX = np.array(
    [
        [1, 1, 1, 1],
        [1, 1, 1, 0],
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 1],
        [0, 1, 0, 0],
    ]
)


def _item(j: int, *, category: str = "basics", level: str = "intermediate", **fields) -> Item:
    options = tuple(Option(label, label == "A") for label in "ABCD")
    base = dict(
        id=f"{category}-{j + 10}",
        category=category,
        level=level,
        kind="single",
        pool="practice",
        status="active",
        pretest=False,
        family="",
        discrimination=1.2,
        difficulty=0.0,
        guessing=0.2,
        options=options,
    )
    return Item(**{**base, **fields})


def answers_from_matrix(
    matrix: np.ndarray,
    *,
    quiz: int = 0,
    chosen_wrong: int = 1,
    start: float = 1_000_000.0,
) -> Answers:
    """Every learner answers every item in order, 30 s each; right = option A, wrong = another."""
    learners, items = matrix.shape
    attempt = np.repeat(np.arange(learners), items)
    item = np.tile(np.arange(items), learners)
    correct = matrix.ravel().astype(bool)
    n = len(attempt)
    started = (start + attempt * 10_000.0).astype(float)
    answered = started + 30.0 * (item + 1)
    options = np.where(correct, 0, chosen_wrong)
    return Answers(
        attempt=attempt,
        quiz=np.full(n, quiz),
        item=item,
        correct=correct,
        scored=np.ones(n, dtype=bool),
        current=np.ones(n, dtype=bool),
        passed=np.zeros(n, dtype=bool),
        answered_at=answered,
        started_at=started,
        chosen_answer=np.arange(n),
        chosen_option=options,
    )


def answers_from_cohort(attempts, *, quiz: int = 0, start: float = 1e9) -> Answers:
    rows = [
        (a.learner, s.item, s.correct, s.chosen[0], s.seconds) for a in attempts for s in a.answers
    ]
    learner, item, correct, option, _seconds = (
        np.array(column) for column in zip(*rows, strict=True)
    )
    n = len(learner)
    started = (start + learner * 3600.0).astype(float)
    # Answers in the order served, each `seconds` after the previous.
    answered = started + np.concatenate(
        [np.cumsum([s.seconds for s in a.answers]) for a in attempts]
    )
    return Answers(
        attempt=learner.astype(np.int64),
        quiz=np.full(n, quiz),
        item=item.astype(np.int64),
        correct=correct.astype(bool),
        scored=np.ones(n, dtype=bool),
        current=np.ones(n, dtype=bool),
        passed=np.zeros(n, dtype=bool),
        answered_at=answered,
        started_at=started,
        chosen_answer=np.arange(n),
        chosen_option=option.astype(np.int64),
    )


def test_the_analysis_imports_nothing_from_django() -> None:
    assert django_modules_imported_by("questions.analysis.export") == []


def test_facility_point_biserial_and_kr20_match_the_hand_computation() -> None:
    items = [_item(j) for j in range(4)]
    report = item_report(items, [FIXED], answers_from_matrix(MATRIX))
    assert [row.facility for row in report.items] == pytest.approx([2 / 3, 2 / 3, 1 / 3, 1 / 3])
    assert report.items[0].point_biserial == pytest.approx(0.25)
    assert report.quizzes[0].reliability == pytest.approx(4 / 9)
    assert report.quizzes[0].reliability_kind == "KR-20"
    assert report.items[0].sd == pytest.approx(np.sqrt(2 / 9))


def test_point_biserial_and_kr20_match_an_independent_implementation() -> None:
    rng = np.random.default_rng(3)
    ability = rng.normal(size=(200, 1))
    matrix = (rng.random((200, 12)) < 1 / (1 + np.exp(-(ability - rng.normal(size=12))))).astype(
        int
    )
    report = item_report([_item(j) for j in range(12)], [FIXED], answers_from_matrix(matrix))
    totals = matrix.sum(axis=1)
    for j, row in enumerate(report.items):
        rest = totals - matrix[:, j]
        assert row.point_biserial == pytest.approx(np.corrcoef(matrix[:, j], rest)[0, 1])
    # Cronbach's alpha, which KR-20 is for right/wrong items (population variances both).
    k = matrix.shape[1]
    alpha = k / (k - 1) * (1 - matrix.var(axis=0).sum() / totals.var())
    assert report.quizzes[0].reliability == pytest.approx(alpha)
    assert kr20(matrix.astype(float)) == pytest.approx(alpha)


def test_upper_lower_index_compares_the_top_and_bottom_27_percent() -> None:
    # Ten learners with distinct totals on items 1..4; item 0 right for learners 0, 1, 8, 9.
    rest = np.array([[1 if j < i else 0 for j in range(4)] for i in range(10)])
    rest = np.repeat(rest, 1, axis=0)
    matrix = np.column_stack((np.array([1, 1, 0, 0, 0, 0, 0, 0, 1, 1]), rest % 2))
    scores = matrix.sum(axis=1) / 5
    report = item_report([_item(j) for j in range(5)], [FIXED], answers_from_matrix(matrix))
    order = np.argsort(scores, kind="stable")
    k = 3  # 27% of 10, rounded
    expected = matrix[order[-k:], 0].mean() - matrix[order[:k], 0].mean()
    assert report.items[0].upper_lower == pytest.approx(expected)


def test_distractors_are_counted_overall_and_by_thirds() -> None:
    items = [_item(j) for j in range(4)]
    report = item_report(items, [FIXED], answers_from_matrix(MATRIX, chosen_wrong=2))
    options = {o.label: o for o in report.items[0].options}
    assert options["A"].keyed
    assert options["A"].chosen == 4
    assert options["C"].chosen == 2
    assert options["B"].chosen == options["D"].chosen == 0
    assert options["A"].share == pytest.approx(4 / 6)
    # Top third: the two highest scorers, who both chose A; bottom third: two of the
    # three learners with one right answer.
    assert options["A"].top_share == 1.0
    assert options["C"].top_share == 0.0


def test_time_spent_is_the_gap_since_the_previous_answer() -> None:
    attempt = np.array([7, 7, 7, 9])
    answered = np.array([130.0, 100.0, np.nan, 50.0])
    started = np.array([90.0, 90.0, 90.0, 20.0])
    spent = time_spent(attempt, answered, started)
    assert spent[:2].tolist() == [30.0, 10.0]
    assert np.isnan(spent[2])
    assert spent[3] == 30.0
    report = item_report([_item(j) for j in range(4)], [FIXED], answers_from_matrix(MATRIX))
    assert report.items[2].mean_seconds == pytest.approx(30.0)


def _cohort(plants: Plants, *, learners: int = 600, form_size: int | None = None):
    items = [
        CohortItem(f"basics-{j + 10}", 1.4, float(b), 0.15, 4, (0,))
        for j, b in enumerate(np.linspace(-0.5, 1.5, 12))
    ]
    attempts = simulate_cohort(items, learners=learners, form_size=form_size, plants=plants, seed=5)
    bank = [_item(j, difficulty=item.difficulty) for j, item in enumerate(items)]
    return bank, attempts


def test_a_planted_miskey_is_flagged_and_a_good_item_is_not() -> None:
    bank, attempts = _cohort(Plants(miskey=4))
    report = item_report(bank, [FIXED], answers_from_cohort(attempts))
    miskeyed, good = report.items[4], report.items[3]
    codes = {flag.code for flag in miskeyed.flags}
    assert "miskey" in codes
    reasons = " ".join(flag.reason for flag in miskeyed.flags)
    assert "top third of learners chose B" in reasons
    assert miskeyed.point_biserial is not None
    assert miskeyed.point_biserial < 0
    assert good.flags == ()
    assert good.point_biserial is not None
    assert good.point_biserial > 0.2


def test_a_leaked_item_is_flagged_as_drift() -> None:
    bank, attempts = _cohort(Plants(leak=9))
    report = item_report(bank, [FIXED], answers_from_cohort(attempts))
    leaked = report.items[9]
    drift = [flag for flag in leaked.flags if flag.code == "drift"]
    assert drift
    assert "two-proportion test" in drift[0].reason
    assert not [f for f in report.items[8].flags if f.code == "drift"]


def test_drift_from_the_last_calibration_is_flagged() -> None:
    bank, attempts = _cohort(Plants())
    answers = answers_from_cohort(attempts)
    # Calibrated at a difficulty far below what the answers show: they are outside its interval.
    calibrated = _item(6, difficulty=-2.5, calibration=Calibration(3, 0.0, 500))
    bank[6] = calibrated
    report = item_report(bank, [FIXED], answers)
    assert report.items[6].calibration == "calibrated"
    flags = [f for f in report.items[6].flags if f.link == "calibration"]
    assert flags
    assert "since calibration v3" in flags[0].reason
    # A refitted difficulty known only to within +-3 (its standard error, times 2.58) covers it.
    bank[6] = _item(6, difficulty=-2.5, calibration=Calibration(3, 0.0, 500, "item", 1.2))
    report = item_report(bank, [FIXED], answers)
    assert not [f for f in report.items[6].flags if f.link == "calibration"]
    # Parameters pooled from the item's family are labelled so.
    bank[6] = _item(6, family="fam", calibration=Calibration(4, 0.0, 500, "family", 0.1))
    assert item_report(bank, [FIXED], answers).items[6].calibration == "from family"


def test_a_dead_distractor_too_easy_and_a_broken_key_are_flagged() -> None:
    matrix = np.ones((60, 4), dtype=int)
    matrix[:5, 0] = 0  # 55 of 60 right: too easy for an advanced item
    bank = [_item(j, level="advanced") for j in range(4)]
    bank[1] = _item(1, key=KeyResult("0.6.0", False, "A", "B", "the run streamed B"))
    report = item_report(bank, [FIXED], answers_from_matrix(matrix))
    first = {flag.code for flag in report.items[0].flags}
    assert {"dead-distractor", "too-easy"} <= first
    dead = [f.reason for f in report.items[0].flags if f.code == "dead-distractor"]
    assert any(r.startswith("Option C was chosen in 0 of 60") for r in dead)
    broken = [f for f in report.items[1].flags if f.code == "key-broken"]
    assert broken
    assert broken[0].link == "key-check"
    assert "the run makes B true" in broken[0].reason


def test_exam_forms_report_exposure_and_irt_reliability() -> None:
    bank, attempts = _cohort(Plants(), learners=300, form_size=6)
    bank = [_item(j, pool="exam", difficulty=item.difficulty) for j, item in enumerate(bank)]
    answers = answers_from_cohort(attempts)
    rules = Rules(exposure_limit=0.45)
    report = item_report(bank, [EXAM], answers, rules=rules)
    exposure = [row.exposure for row in report.items]
    asked = np.bincount(answers.item, minlength=12) / 300
    assert exposure == pytest.approx(asked.tolist())
    over = [row for row in report.items if any(f.code == "exposure" for f in row.flags)]
    assert [row.id for row in over] == [bank[j].id for j in np.flatnonzero(asked > 0.45)]
    quiz = report.quizzes[0]
    assert quiz.reliability_kind == "IRT marginal"
    assert quiz.reliability is not None
    assert 0 < quiz.reliability < 1
    assert quiz.mean_se is not None
    assert quiz.mean_se > 0


def test_decision_consistency_uses_the_rule_it_is_given() -> None:
    rng = np.random.default_rng(1)
    matrix = (rng.random((100, 10)) < 0.85).astype(int)
    bank = [_item(j, category=("basics", "raw-events")[j % 2]) for j in range(10)]

    def always(correct: np.ndarray, totals: np.ndarray) -> np.ndarray:
        return np.ones(correct.shape[:-1], dtype=bool)

    def at_80(correct: np.ndarray, totals: np.ndarray) -> np.ndarray:
        return correct.sum(axis=-1) * 100 >= 80 * totals.sum(axis=-1)

    answers = answers_from_matrix(matrix)
    certain = item_report(bank, [FIXED], answers, rule_for=lambda quiz: always)
    assert certain.quizzes[0].decision_consistency == 1.0
    report = item_report(bank, [FIXED], answers, rule_for=lambda quiz: at_80)
    assert 0.5 <= (report.quizzes[0].decision_consistency or 0) < 1.0
    assert item_report(bank, [FIXED], answers).quizzes[0].decision_consistency is None


def test_pass_rates_and_histogram() -> None:
    bank = [_item(j, category=("basics", "raw-events")[j % 2]) for j in range(4)]
    answers = answers_from_matrix(MATRIX)
    passed = np.isin(answers.attempt, [0]).astype(bool)
    answers = Answers(**{**answers.__dict__, "passed": passed})
    quiz = item_report(bank, [FIXED], answers).quizzes[0]
    assert quiz.attempts == 6
    assert quiz.pass_rate == pytest.approx(1 / 6)
    # Scores 100, 75, 50, 25, 25, 25 percent.
    assert quiz.histogram == (0, 0, 3, 0, 0, 1, 0, 1, 0, 1)
    # basics (items 1 and 3) at 80%: learners with both right; raw-events likewise.
    basics = MATRIX[:, [0, 2]].sum(axis=1) * 100 >= 80 * 2
    assert quiz.category_pass_rates["basics"] == pytest.approx(basics.mean())


def test_two_proportion_test() -> None:
    # 30/100 against 50/100: z = -2.89, p = 0.0039 (a table gives the same).
    assert two_proportion_p(30, 100, 50, 100) == pytest.approx(0.00389, abs=1e-4)
    assert two_proportion_p(0, 0, 5, 10) == 1.0


def test_csv_and_json_round_trip() -> None:
    bank, attempts = _cohort(Plants(miskey=4), learners=200)
    report = item_report(bank, [FIXED], answers_from_cohort(attempts))
    assert items_from_csv(items_csv(report)) == report.items
    assert quizzes_from_csv(quizzes_csv(report)) == report.quizzes
    assert report_from_json(report_json(report)) == report
    table = report_table(report)
    assert "basics-14 [miskey]" in table


def test_an_empty_report() -> None:
    report = item_report([_item(0)], [FIXED], Answers.empty())
    assert report.items[0].answers == 0
    assert report.items[0].facility is None
    assert report.quizzes[0].attempts == 0
    assert report_from_json(report_json(report)) == report
