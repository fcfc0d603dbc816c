"""simulate_adaptive: a thin driver over the top-level `bench` package, which it loads only when
it runs (the figures themselves are tests/bench's)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from questions.management.commands import simulate_adaptive
from questions.services.bank import bank_load
from tests.purity import modules_after_import
from tests.questions import bank_data

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("simulate_adaptive", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def small_bank_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The five-question test bank as the bank file, the database holding no question."""
    path = tmp_path / "streaming.yaml"
    path.write_text(bank_data.dump(bank_data.bank()))
    monkeypatch.setattr(simulate_adaptive, "BANK_FILE", path)
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--learners", "0"], "--learners and --seeds must be at least 1."),
        (["--seeds", "0"], "--learners and --seeds must be at least 1."),
        (["--populations", "candidate,nobody"], "Unknown population 'nobody'."),
        (
            ["--policies", "engine,oracle"],
            "Unknown policy 'oracle'; choose from fixed-50, ceiling, random, engine, catsim.",
        ),
    ],
)
def test_bad_options_are_refused_before_anything_runs(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value) == message


def test_a_small_run_prints_the_table_and_the_targets_and_writes_json(
    small_bank_file: Path, tmp_path: Path
) -> None:
    figures = tmp_path / "figures.json"

    out, err = run(
        "--learners",
        "4",
        "--populations",
        "candidate",
        "--policies",
        "fixed-50,engine",
        "--json",
        str(figures),
    )

    assert out.startswith(f"Bank: 5 items from {small_bank_file}. Thresholds: overall 90%")
    assert "\ncandidate: truly ready " in out
    assert "\nfixed-50 " in out
    assert "\nengine " in out
    assert "[PASS] candidate: engine no worse than fixed-50 on accuracy" in out or (
        "[FAIL] candidate: engine no worse than fixed-50 on accuracy" in out
    )
    assert out.endswith(f"Wrote {figures}\n")
    assert err == "  candidate seed 1: done\n"
    data = json.loads(figures.read_text())
    assert data["bank"] == {"source": str(small_bank_file), "items": 5}
    assert data["learners"] == 4
    assert list(data["populations"]["candidate"]) == ["fixed-50", "engine", "_population"]


def test_the_database_bank_comes_first(small_bank_file: Path) -> None:
    data = bank_data.bank()
    data["questions"][0]["status"] = "draft"
    bank_load(text=bank_data.dump(data))

    out, _ = run("--latency")

    assert out.startswith("Bank: 4 items from the active questions in the database. ")
    assert "  next_item: p50 " in out


def test_latency_on_the_bank_file(small_bank_file: Path) -> None:
    out, _ = run("--latency")

    lines = out.splitlines()
    assert lines[0].startswith(f"Bank: 5 items from {small_bank_file}. ")
    assert lines[1].startswith("  next_item: p50 ")
    assert lines[2].startswith("  step (stop rule with curtailment, then next item): p50 ")


def test_the_product_and_the_command_module_never_load_the_bench() -> None:
    modules = ("certify.urls", "certify.asgi", "questions.admin", simulate_adaptive.__name__)

    loaded = modules_after_import(*modules, django_settings="certify.settings")

    assert set(modules) <= set(loaded)
    assert [name for name in loaded if name.split(".")[0] in ("bench", "tests")] == []
