"""`manage.py simulate_forms`: the exam-form benchmark prints its table and writes its figures,
on the database's exam pool or, without one, on the bank files."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bench import forms as simulation
from questions.assembly import FormItem, cell_counts, default_blueprint
from tests.questions.test_exam_forms import exam_pool


def test_the_simulation_measures_blueprint_exposure_overlap_and_time() -> None:
    pool = [
        FormItem(f"{category}-{level}-{n}", category, level, 1.2, 0.0, 0.2)
        for category, level in cell_counts(default_blueprint(), 50)
        for n in range(25)
    ]
    run = simulation.simulate(pool, cell_counts(default_blueprint(), 50), forms=400)
    assert run.blueprint_rate == 1.0
    assert run.max_exposure < 0.3
    assert run.mean_overlap == 0.0
    assert run.enemy_breaks == 0
    assert len(run.times_ms) == 400
    assert run.allowed_exposure == pytest.approx(4 / 25, abs=1e-3)
    assert all(run.targets().values())


@pytest.mark.django_db
def test_the_command_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    exam_pool(25)
    out = StringIO()
    path = tmp_path / "forms.json"
    call_command("simulate_forms", forms=200, database_forms=5, json_path=str(path), stdout=out)
    text = out.getvalue()
    assert "from 375 exam items (the exam pool in the database)" in text
    assert "[met] every form meets the blueprint" in text
    assert "Assembly with its database reads (5 forms)" in text
    figures = json.loads(path.read_text())
    assert figures["forms"] == 200
    assert figures["blueprint_met_rate"] == 1.0
    assert figures["assembly_with_database_p95_ms"] > 0
    assert len(figures["cells"]) == 15


@pytest.mark.django_db
def test_the_command_refuses_fewer_than_two_forms() -> None:
    with pytest.raises(CommandError, match="at least 2"):
        call_command("simulate_forms", forms=1)
