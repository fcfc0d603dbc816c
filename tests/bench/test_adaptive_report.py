"""The adaptive benchmark's driver pieces: the bank it simulates, its figures in words."""

from __future__ import annotations

import json
from pathlib import Path

from bench import adaptive as simulation
from bench import adaptive_report as report
from questions.adaptive import Engine, ItemSpec, Thresholds
from tests.questions import bank_data

STAND_IN = simulation.default_layout()


def test_bank_from_file_reads_the_active_questions_with_level_defaults(tmp_path: Path) -> None:
    data = bank_data.bank()
    data["questions"][3]["status"] = "draft"
    path = tmp_path / "bank.yaml"
    path.write_text(bank_data.dump(data))

    items = report.bank_from_file(path)

    assert [item.id for item in items] == [
        "basics-01",
        "raw-events-01",
        "run-items-01",
        "tools-handoffs-01",
    ]
    assert items[0] == ItemSpec("basics-01", "basics", 1.2, -1.3, 0.25)
    assert items[2] == ItemSpec("run-items-01", "run-items", 1.5, 2.0, 0.1)


def test_bank_choice_prefers_the_database_then_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    database = STAND_IN[:3]

    assert report.bank_choice(database, path, STAND_IN) == (
        database,
        "the active questions in the database",
    )
    assert report.bank_choice((), path, STAND_IN) == (
        STAND_IN,
        "the stand-in layout (5 x 3/4/3 levels)",
    )
    path.write_text(bank_data.dump(bank_data.bank()))
    items, source = report.bank_choice((), path, STAND_IN)
    assert (len(items), source) == (5, str(path))


def test_an_empty_bank_file_gives_no_items(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text("")
    assert report.bank_from_file(path) == ()


def run_small() -> tuple[Engine, list[simulation.RunResult]]:
    engine = Engine.for_bank(STAND_IN)
    said: list[str] = []
    results = report.run_all(
        engine,
        populations=["candidate"],
        seeds=2,
        learners=3,
        policies=["fixed-50", "engine"],
        progress=said.append,
    )
    assert said == ["  candidate seed 1: done", "  candidate seed 2: done"]
    return engine, results


def test_the_report_words_every_population_policy_and_target() -> None:
    engine, results = run_small()
    summary = simulation.summarize(results)
    targets = simulation.check_targets(summary)

    table = report.format_table(summary).splitlines()
    lines = report.target_lines(targets)

    assert table[1].startswith("candidate: truly ready ")
    assert table[2].split() == [
        "policy",
        "accuracy",
        "false-cert",
        "false-fail",
        "mean",
        "q",
        "p90",
        "q",
        "min",
        "q",
        "est.err",
    ]
    assert table[3].split()[0] == "fixed-50"
    assert table[3].split()[4:7] == ["50.0", "50", "50"]
    assert table[4].split()[0] == "engine"
    assert table[-1].startswith("accuracy, false-cert, false-fail: shares of all learners")
    assert len(lines) == len(targets)
    assert all(line.startswith(("[PASS] ", "[FAIL] ")) for line in lines)

    figures = report.payload(
        source="the stand-in",
        items=len(STAND_IN),
        engine=engine,
        learners=3,
        seeds=2,
        summary=summary,
        results=results,
        targets=targets,
    )
    assert json.loads(json.dumps(figures)) == figures
    assert figures["thresholds"] == {"overall": 0.9, "category": 0.85}
    assert figures["seeds"] == [1, 2]
    assert [(run["population"], run["seed"]) for run in figures["runs"]] == [
        ("candidate", 1),
        ("candidate", 2),
    ]


def test_introduction_and_latency_say_where_the_bank_came_from() -> None:
    intro = report.introduction(
        items=50, source="x.yaml", thresholds=Thresholds(), learners=10, seeds=3
    )
    assert intro.startswith("Bank: 50 items from x.yaml. Thresholds: overall 90%, every ")
    assert "10 learners x seeds 1..3 per population" in intro

    latency = simulation.Latency(10, 1.0, 2.0, 3.0, 4.0)
    text = report.latency_text(latency, items=50, source="x.yaml")
    assert text.splitlines() == [
        "Bank: 50 items from x.yaml. 10 calls of each, from the answers alone:",
        "  next_item: p50 1.0 ms, p95 2.0 ms",
        "  step (stop rule with curtailment, then next item): p50 3.0 ms, p95 4.0 ms",
    ]
