"""What each attempt screen shows (questions/screens.py), from answers' snapshots: the key only
where the quiz's policy reveals it, the navigator, the results, the engine's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from questions import screens
from questions.models import AdaptiveOutcome, Answer, Attempt, Question, Quiz
from questions.services import attempt_start, attempt_submit
from tests.factories import ExamQuizFactory, UserFactory, questions_across_categories

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def snapshot_answer(
    *, answered: bool = True, chosen: tuple[int, ...] = (11,), pool: str = Question.Pool.PRACTICE
) -> Answer:
    """An unsaved answer to a three-option question whose key is option 12 (B), from the
    practice pool unless `pool` says otherwise."""
    return Answer(
        position=3,
        question=Question(id="basics-07", pool=pool, pretest=False),
        category_slug="raw-events",
        chosen=list(chosen) if answered else [],
        correct=(list(chosen) == [12]) if answered else None,
        answered_at=AT if answered else None,
        flagged=True,
        snapshot={
            "kind": "single",
            "level": "intermediate",
            "prompt": "Which event comes first?",
            "explanation": "`response.created` opens every run.",
            "demo_lesson": "raw-response-events",
            "demo_preset": "all-raw-events",
            "choices": [
                {"id": 11, "label": "A", "text": "delta", "correct": False, "rationale": "Later."},
                {"id": 12, "label": "B", "text": "created", "correct": True, "rationale": "First."},
                {"id": 13, "label": "C", "text": "done", "correct": False, "rationale": "Last."},
            ],
        },
    )


# --- one question -------------------------------------------------------------------------------


def test_without_the_key_a_screen_holds_no_correct_flag_rationale_or_explanation() -> None:
    view = screens.question_view(snapshot_answer(), reveal_key=False, reveal_correctness=False)

    assert [(c.label, c.chosen, c.correct, c.rationale) for c in view.choices] == [
        ("A", True, None, ""),
        ("B", False, None, ""),
        ("C", False, None, ""),
    ]
    assert (view.revealed, view.correct, view.explanation, view.demo_url) == (False, None, "", "")
    assert view.category == "Raw Response Events"
    assert (view.instruction, view.input_type) == ("Choose one answer.", "radio")


def test_with_the_key_a_screen_holds_all_of_it() -> None:
    view = screens.question_view(snapshot_answer(), reveal_key=True, reveal_correctness=True)

    assert [c.correct for c in view.choices] == [False, True, False]
    assert view.choices[1].rationale == "First."
    assert view.correct is False
    assert view.verdict == "Wrong"
    assert view.explanation == "`response.created` opens every run."
    assert view.demo_url == "/lessons/raw-response-events/?preset=all-raw-events"


def test_an_exam_item_shows_nothing_whatever_the_policy_asks() -> None:
    answer = snapshot_answer(pool=Question.Pool.EXAM)
    view = screens.question_view(answer, reveal_key=True, reveal_correctness=True)

    assert all(choice.correct is None and choice.rationale == "" for choice in view.choices)
    assert (view.revealed, view.correct, view.explanation, view.demo_url) == (False, None, "", "")


def test_correctness_alone_shows_right_or_wrong_without_the_key() -> None:
    right = snapshot_answer(chosen=(12,))
    view = screens.question_view(right, reveal_key=False, reveal_correctness=True)

    assert (view.correct, view.verdict) == (True, "Right")
    assert all(choice.correct is None for choice in view.choices)
    unanswered = snapshot_answer(answered=False)
    assert screens.question_view(unanswered, reveal_key=True, reveal_correctness=True).verdict == (
        "Not answered"
    )


@pytest.mark.parametrize(
    ("feedback", "answered", "revealed"),
    [
        (Quiz.Feedback.IMMEDIATE, True, True),
        (Quiz.Feedback.IMMEDIATE, False, False),
        (Quiz.Feedback.END, True, False),
    ],
)
def test_while_taking_the_key_shows_only_after_answering_with_feedback(
    feedback: str, answered: bool, revealed: bool
) -> None:
    attempt = Attempt(quiz=Quiz(feedback=feedback))

    view = screens.taking_view(attempt, snapshot_answer(answered=answered))

    assert view.revealed is revealed
    assert (view.correct is not None) is revealed


@pytest.mark.parametrize(
    ("review", "views", "revealed"),
    [
        (Quiz.Review.NOTHING, 0, None),
        (Quiz.Review.CORRECTNESS, 1, False),
        (Quiz.Review.FULL, 1, True),
    ],
)
def test_after_the_attempt_the_review_policy_decides(
    review: str, views: int, revealed: bool | None
) -> None:
    attempt = Attempt(quiz=Quiz(review=review))

    shown = screens.review_views(attempt, [snapshot_answer()])

    assert len(shown) == views
    if shown:
        assert shown[0].revealed is revealed
        assert shown[0].correct is False  # right or wrong is always shown on review


# --- the navigator and the clock ----------------------------------------------------------------


def test_the_navigator_counts_and_words_each_question() -> None:
    attempt = Attempt(pk=7)
    rows = [
        Answer(position=1, answered_at=AT, flagged=False),
        Answer(position=2, answered_at=None, flagged=True),
        Answer(position=3, answered_at=AT, flagged=True),
    ]

    nav = screens.navigator(attempt, rows, current=2)

    assert (nav.total, nav.answered, nav.flagged) == (3, 2, 2)
    assert [item.state for item in nav.items] == [
        "answered",
        "not answered, flagged",
        "answered, flagged",
    ]
    assert [item.current for item in nav.items] == [False, True, False]
    assert [item.position for item in nav.unanswered_items] == [2]
    assert [item.position for item in nav.flagged_items] == [2, 3]
    assert nav.items[0].url == "/quizzes/attempts/7/questions/1/"
    assert [item.url for item in nav.items] == [
        screens.question_url(attempt, position) for position in (1, 2, 3)
    ]


def test_question_urls_are_reversed_once_and_match_each_position() -> None:
    urls = screens.question_urls(Attempt(pk=42))

    assert [urls(position) for position in (1, 9, 10, 120)] == [
        screens.question_url(Attempt(pk=42), position) for position in (1, 9, 10, 120)
    ]


def test_the_clock_counts_down_to_zero_and_no_further() -> None:
    assert screens.Clock(AT + timedelta(seconds=90.7), AT).seconds_left == 90
    assert screens.Clock(AT - timedelta(seconds=5), AT).seconds_left == 0


# --- results ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_results_list_every_category_and_the_ones_below_target() -> None:
    questions_across_categories(5, pool=Question.Pool.EXAM)
    user = UserFactory.create()
    quiz = ExamQuizFactory.create(overall_threshold=90, category_threshold=85)
    attempt, _ = attempt_start(user=user, quiz=quiz)
    for row in attempt.answers.exclude(question__category__slug="basics"):
        right = [c["id"] for c in row.choices if c["correct"]]
        row.chosen, row.correct, row.answered_at = right, True, AT
        row.save()
    attempt, _ = attempt_submit(user=user, attempt_id=attempt.pk)

    results = screens.results(attempt)

    assert [row.label for row in results.categories] == [
        "Basic Streaming Concepts",
        "Raw Response Events",
        "Run Item Events & Agent Events",
        "Streaming with Tools & Handoffs",
        "Production Patterns & Best Practices",
    ]
    assert results.overall.score is not None
    assert (results.overall.score.correct, results.overall.score.total) == (4, 5)
    assert [row.label for row in results.below] == ["Basic Streaming Concepts"]
    assert results.is_exam
    assert results.verdict == "Not yet"


def test_a_score_row_without_questions_is_not_asked() -> None:
    row = screens.ScoreRow("Basics", None, 85)
    assert (row.asked, row.meets, row.gap) == (False, False, 0.0)


# --- adaptive practice: the engine's decision in words ------------------------------------------


@pytest.mark.parametrize(
    ("probability", "words"),
    [(0.973, "97%"), (0.004, "under 1%"), (0.996, "over 99%"), (0.5, "50%")],
)
def test_a_chance_never_claims_0_or_100_percent(probability: float, words: str) -> None:
    assert screens.chance(probability) == words


@pytest.mark.parametrize(
    ("reason", "answered", "cap", "start"),
    [
        ("confident: ready", 14, 20, "The chance that you are ready reached 95%, with at least 2"),
        ("confident: not yet", 9, 20, "The chance that you are ready fell to 5% or less."),
        ("further answers would almost surely not change it", 12, 20, "Answering every"),
        ("question cap reached", 20, 20, "You reached the 20-question limit"),
        ("question cap reached", 7, 20, "You answered every question available (7)"),
        ("question cap reached", 7, None, "You answered every question available (7)"),
        ("too few answers", 1, 20, "You finished after 1 answer; the engine decides after 5"),
        ("too few answers", 3, 20, "You finished after 3 answers;"),
        ("not confident yet", 8, 20, "You finished before the engine was confident either way"),
    ],
)
def test_every_stop_rule_has_its_words(
    reason: str, answered: int, cap: int | None, start: str
) -> None:
    assert screens.reason_words(reason, answered=answered, cap=cap).startswith(start)


def outcome(verdict: str, categories: list[tuple[str, float]]) -> AdaptiveOutcome:
    return AdaptiveOutcome(
        verdict=verdict,
        reason="confident: not yet",
        p_ready=0.031,
        answered=12,
        expected_overall=0.804,
        overall_low=0.81,  # a skewed posterior: the mean just outside its interval
        overall_high=0.9,
        categories=[
            {
                "category": slug,
                "answered": 2,
                "correct": 1,
                "expected": expected,
                "low": expected - 0.1,
                "high": expected + 0.05,
                "p_meets": 0.2,
            }
            for slug, expected in categories
        ],
    )


def test_practice_results_send_the_weakest_categories_below_target_to_their_lessons() -> None:
    quiz = Quiz(category_threshold=85, question_limit=20)
    shares = [
        ("basics", 0.95),
        ("raw-events", 0.62),
        ("run-items", 0.844),
        ("tools-handoffs", 0.5),
        ("production", 0.7),
    ]

    practice = screens.practice_results(outcome(AdaptiveOutcome.Verdict.NOT_YET, shares), quiz)

    assert (practice.headline, practice.p_ready, practice.ready) == ("Not yet", "3%", False)
    assert (practice.overall_expected, practice.overall_low, practice.overall_high) == (80, 80, 90)
    assert practice.overall_interval == "80\N{EN DASH}90%"
    assert [r.slug for r in practice.study] == ["tools-handoffs", "raw-events", "production"]
    assert practice.study_below_target
    raw = practice.categories[1]
    assert (raw.name, raw.expected, raw.low, raw.high, raw.meets) == (
        "Raw Response Events",
        62,
        52,
        67,
        False,
    )
    assert raw.summary == "raw-events: 62% (52\N{EN DASH}67%)"
    assert raw.lesson_url == "/lessons/raw-response-events/"
    assert practice.reason.startswith("The chance that you are ready fell to 5%")


def test_practice_results_with_every_category_on_target_still_name_the_weakest() -> None:
    quiz = Quiz(category_threshold=85, question_limit=20)
    shares = [(slug, 0.9 + n / 100) for n, slug in enumerate(screens.LESSON_FOR_CATEGORY)]

    practice = screens.practice_results(outcome(AdaptiveOutcome.Verdict.READY, shares), quiz)

    assert practice.ready
    assert practice.headline == "Ready for the exam"
    assert [r.slug for r in practice.study] == ["basics"]
    assert not practice.study_below_target
