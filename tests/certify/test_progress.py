"""The objectives checklist and the study path phase: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from certify.progress import (
    PHASES,
    RECENT_DAYS,
    BankQuestion,
    LatestAnswer,
    ObjectiveState,
    objectives_progress,
    study_path,
)
from questions.objectives import OBJECTIVES

NOW = datetime(2026, 6, 1, tzinfo=UTC)
RECENT = NOW - timedelta(days=3)
OLD = NOW - timedelta(days=RECENT_DAYS + 1)


def bank_for_every_objective(per_objective: int = 3) -> list[BankQuestion]:
    return [
        BankQuestion(f"{o.key}-{n}", o.key, o.level)
        for o in OBJECTIVES
        for n in range(per_objective)
    ]


def answers(*rows: tuple[str, bool, datetime]) -> list[LatestAnswer]:
    return [LatestAnswer(qid, correct, at) for qid, correct, at in rows]


def state_of(key: str, bank: list[BankQuestion], latest: list[LatestAnswer]) -> ObjectiveState:
    progress = objectives_progress(bank, latest, now=NOW)
    return next(p.state for p in progress if p.objective.key == key)


def test_every_seed_objective_is_listed_in_order_and_none_is_met_without_answers() -> None:
    progress = objectives_progress(bank_for_every_objective(), [], now=NOW)

    assert [p.objective.key for p in progress] == [o.key for o in OBJECTIVES]
    assert len(progress) == 15
    assert {p.state for p in progress} == {ObjectiveState.NOT_STARTED}
    assert progress[0].evidence == "None of its 3 questions answered yet."


def test_met_needs_two_recent_right_answers_and_no_recent_miss() -> None:
    bank = bank_for_every_objective()
    key = "raw-events"
    one = answers((f"{key}-0", True, RECENT))
    two = answers((f"{key}-0", True, RECENT), (f"{key}-1", True, RECENT))
    two_and_a_miss = [*two, *answers((f"{key}-2", False, RECENT))]

    assert state_of(key, bank, one) is ObjectiveState.IN_PROGRESS
    assert state_of(key, bank, two) is ObjectiveState.MET
    assert state_of(key, bank, two_and_a_miss) is ObjectiveState.WORK_ON
    met = next(p for p in objectives_progress(bank, two, now=NOW) if p.objective.key == key)
    assert met.met
    assert met.evidence == f"2 of 3 questions right in the last {RECENT_DAYS} days."


def test_old_answers_count_neither_way() -> None:
    bank = bank_for_every_objective()
    stale = answers(("raw-events-0", True, OLD), ("raw-events-1", True, OLD))
    old_miss = answers(
        ("raw-events-0", True, RECENT), ("raw-events-1", True, RECENT), ("raw-events-2", False, OLD)
    )

    assert state_of("raw-events", bank, stale) is ObjectiveState.STALE
    assert state_of("raw-events", bank, old_miss) is ObjectiveState.MET


def test_an_objective_with_one_question_is_met_by_that_one() -> None:
    bank = [BankQuestion("q-1", "observability", "advanced")]

    assert state_of("observability", bank, answers(("q-1", True, RECENT))) is ObjectiveState.MET
    assert state_of("architecture", bank, []) is ObjectiveState.NOT_ASSESSED
    untouched = next(
        p for p in objectives_progress(bank, [], now=NOW) if p.objective.key == "observability"
    )
    assert untouched.evidence == "Its one question is not answered yet."


def test_study_path_starts_in_phase_one_and_moves_on_as_levels_are_met() -> None:
    bank = bank_for_every_objective(per_objective=2)
    beginner = [q for q in bank if q.level == "beginner"]
    intermediate = [q for q in bank if q.level == "intermediate"]
    advanced = [q for q in bank if q.level == "advanced"]

    def path_after(done: list[BankQuestion], *, certified: bool = False):
        latest = [LatestAnswer(q.id, True, RECENT) for q in done]
        return study_path(objectives_progress(bank, latest, now=NOW), certified=certified)

    start = path_after([])
    assert (start.current.number, start.met, start.assessed) == (1, 0, 5)
    assert start.next is PHASES[1]
    assert path_after(beginner).current.number == 2
    assert path_after(beginner + intermediate).current.number == 3
    final = path_after(beginner + intermediate + advanced)
    assert final.current.number == 4
    assert not final.complete
    assert final.next is None
    assert path_after(bank, certified=True).complete
    # Phases are taken in order: advanced answers do not skip phase 1.
    assert path_after(advanced).current.number == 1
