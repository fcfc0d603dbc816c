"""Study recommendations: pure, no database."""

from __future__ import annotations

from certify.recommendations import CategoryResult, Missed, Results, recommend
from questions.scoring import Score

LESSONS = {
    "basic-streaming": 1,
    "raw-response-events": 2,
    "run-item-events": 3,
    "streaming-with-handoffs": 4,
    "streaming-patterns": 5,
}
DRILLS = {
    "basics": "drill-basics",
    "raw-events": "drill-raw-events",
    "run-items": "drill-run-items",
}


def miss(qid: str, topic: str, *, level: str = "beginner", preset: str = "text-deltas") -> Missed:
    return Missed(qid, level, topic, "raw-response-events", preset)


def results(*categories: CategoryResult, adaptive: str | None = "adaptive-practice") -> Results:
    return Results(
        categories=categories,
        category_threshold=85,
        lesson_numbers=LESSONS,
        question_total=30,
        drills=DRILLS,
        adaptive_quiz=adaptive,
    )


RAW_MISSES = (
    miss("raw-events-03", "ResponseTextDeltaEvent", level="intermediate"),
    miss("raw-events-07", "ResponseTextDeltaEvent", preset="all-raw-events"),
    miss("raw-events-09", "event.data.delta", level="advanced", preset="first-token-timing"),
)


def raw_events(score: Score | None = None, missed: tuple[Missed, ...] = RAW_MISSES):
    score = score or Score(7, 10)
    return CategoryResult("raw-events", "Raw Response Events", "raw-response-events", score, missed)


def test_the_issue_example_line() -> None:
    [rec] = recommend(results(raw_events()))

    assert rec.explanation == (
        "raw-events 70%: 2 of 3 misses are about ResponseTextDeltaEvent; open lesson 02"
    )
    # The demo of the most-missed topic, easiest level first.
    assert (rec.lesson_slug, rec.preset) == ("raw-response-events", "all-raw-events")
    assert rec.gap == 15.0
    assert rec.gain == 10.0  # 3 of 30 questions
    assert rec.blocks_certificate
    assert [m.question_id for m in rec.missed] == [
        "raw-events-03",
        "raw-events-07",
        "raw-events-09",
    ]


def test_weakest_blocking_categories_come_first_then_the_rest_by_score() -> None:
    basics = CategoryResult(
        "basics",
        "Basics",
        "basic-streaming",
        Score(9, 10),
        (
            Missed(
                "basics-02", "beginner", "run_streamed vs run", "basic-streaming", "side-by-side"
            ),
        ),
    )
    run_items = CategoryResult(
        "run-items",
        "Run items",
        "run-item-events",
        Score(5, 10),
        tuple(
            Missed(f"run-items-0{n}", "beginner", f"topic {n}", "run-item-events", "tool-call")
            for n in range(5)
        ),
    )
    perfect = CategoryResult("tools-handoffs", "Handoffs", "streaming-with-handoffs", Score(10, 10))

    recs = recommend(results(basics, raw_events(), run_items, perfect))

    assert [r.category for r in recs] == ["run-items", "raw-events", "basics"]
    assert [r.blocks_certificate for r in recs] == [True, True, False]
    assert recs[0].explanation == (
        "run-items 50%: 5 misses, about topic 0, topic 1 and 3 more; open lesson 03"
    )
    assert recs[2].explanation == "basics 90%: 1 miss, about run_streamed vs run; open lesson 01"


def test_far_below_the_bar_means_a_drill_at_the_easiest_missed_level() -> None:
    [rec] = recommend(results(raw_events(Score(5, 10))))

    assert rec.practice is not None
    assert (rec.practice.mode, rec.practice.level, rec.practice.quiz_slug) == (
        "drill",
        "beginner",
        "drill-raw-events",
    )
    assert rec.practice.text == "Practise the beginner questions next, in the category drill."


def test_close_to_the_bar_means_adaptive_practice_unless_it_is_not_published() -> None:
    close = raw_events(Score(8, 10), RAW_MISSES[2:])

    [with_adaptive] = recommend(results(close))
    [without] = recommend(results(close, adaptive=None))

    assert with_adaptive.practice is not None
    assert (with_adaptive.practice.mode, with_adaptive.practice.level) == ("adaptive", "advanced")
    assert without.practice is not None
    assert without.practice.mode == "drill"
    assert with_adaptive.explanation == (
        "raw-events 80%: 1 miss, about event.data.delta; open lesson 02"
    )


def test_unscored_categories_use_the_estimate_and_unknown_ones_are_skipped() -> None:
    estimated = CategoryResult(
        "production", "Production", "streaming-patterns", Score(0, 0), estimate=72.0
    )
    unknown = CategoryResult("basics", "Basics", "basic-streaming", Score(0, 0))

    [rec] = recommend(results(estimated, unknown))

    assert rec.category == "production"
    assert rec.gap == 13.0
    assert rec.lesson_number == 5
    assert rec.preset == ""
    assert rec.explanation == (
        "production 72%: no misses to review, practise to raise it; open lesson 05"
    )


def test_nothing_to_recommend_when_every_category_is_perfect() -> None:
    perfect = CategoryResult("basics", "Basics", "basic-streaming", Score(10, 10))

    assert recommend(results(perfect)) == []


def test_all_misses_on_one_topic() -> None:
    two = (miss("raw-events-01", "stream_events()"), miss("raw-events-02", "stream_events()"))

    [rec] = recommend(results(raw_events(Score(8, 10), two)))

    assert (
        rec.explanation == "raw-events 80%: all 2 misses are about stream_events(); open lesson 02"
    )
