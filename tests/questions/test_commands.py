from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from questions import bankfile
from questions.models import Question, Quiz
from tests.questions import bank_data

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def bank_file(tmp_path: Path) -> Path:
    path = tmp_path / "streaming.yaml"
    path.write_text(bank_data.dump(bank_data.bank()))
    return path


def test_load_bank_reports_counts(bank_file: Path) -> None:
    lines = run("load_bank", str(bank_file)).splitlines()
    assert lines[:3] == [
        f"In {bank_file.name}: Questions: 5 created, 0 updated, 0 unchanged. "
        "Categories: 5 created, 0 updated, 0 unchanged.",
        "Default quizzes created: certification-exam, adaptive-practice, level-beginner, "
        "level-intermediate, level-advanced, drill-basics, drill-raw-events, drill-run-items, "
        "drill-tools-handoffs, drill-production, retake-missed.",
        "Diff: 5 added, 0 changed, 0 retired, 0 unchanged.",
    ]
    assert lines[-1].startswith("Published revision ")
    assert Quiz.objects.count() == 11
    # A second load creates nothing, quizzes included, and publishes nothing.
    assert run("load_bank", str(bank_file)).splitlines() == [
        f"In {bank_file.name}: Questions: 0 created, 0 updated, 5 unchanged. "
        "Categories: 0 created, 0 updated, 5 unchanged.",
        "Diff: 0 added, 0 changed, 0 retired, 5 unchanged.",
        "No changes: nothing to publish.",
    ]


def test_load_bank_reads_the_default_file(bank_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default is read when the command's parser is built, so patch before calling it.
    monkeypatch.setattr(bankfile, "DEFAULT_PATH", bank_file)
    monkeypatch.setattr("questions.management.commands.load_bank.DEFAULT_PATH", bank_file)
    assert "Questions: 5 created" in run("load_bank")


def test_load_bank_lists_every_error_and_changes_nothing(tmp_path: Path) -> None:
    data = bank_data.bank()
    data["questions"][0]["choices"][1]["correct"] = True
    data["questions"][2]["demo"]["lesson"] = "nowhere"
    path = tmp_path / "bad.yaml"
    path.write_text(bank_data.dump(data))

    with pytest.raises(CommandError) as caught:
        run("load_bank", str(path))

    message = str(caught.value)
    assert message.startswith(f"{path} was not loaded (2 errors; nothing changed):\n")
    assert (
        "\n  basics-01 choices: A single-choice question has exactly one correct choice (2 given)."
        in message
    )
    assert "\n  run-items-01 demo.lesson: Unknown lesson 'nowhere'" in message
    assert Question.objects.count() == 0


def test_load_bank_names_the_line_of_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "sdk_version: 0.24.0\ncategories:\n  - slug: basics\n   name: Basics\nquestions: []\n"
    )

    with pytest.raises(CommandError, match=r"\n  bad\.yaml line 4, column 4: Not valid YAML"):
        run("load_bank", str(path))


def test_load_bank_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"nope\.yaml: No such file\."):
        run("load_bank", str(tmp_path / "nope.yaml"))


def test_load_bank_exits_non_zero_on_bad_input(tmp_path: Path) -> None:
    """The real process, as `make run` calls it: a message on stderr and exit status 1."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    environment.pop("REDIS_URL", None)
    completed = subprocess.run(
        [sys.executable, "manage.py", "load_bank", str(tmp_path / "nope.yaml")],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 1
    assert "nope.yaml: No such file." in completed.stderr
    assert completed.stdout == ""


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_load_export_through_the_commands_is_byte_identical(
    bank_file: Path, tmp_path: Path, fmt: str
) -> None:
    run("load_bank", str(bank_file))
    first = run("export_bank", "--format", fmt)
    exported = tmp_path / f"export.{fmt}"
    exported.write_text(first)

    assert "0 created, 0 updated, 5 unchanged" in run("load_bank", str(exported))
    assert run("export_bank", "--format", fmt) == first


def test_export_bank_writes_yaml_by_default_and_json_on_request(bank_file: Path) -> None:
    run("load_bank", str(bank_file))
    assert run("export_bank").startswith("sdk_version: 0.24.0\ncategories:\n  - slug: basics\n")
    data = json.loads(run("export_bank", "--format", "json"))
    assert len(data["questions"]) == 5
    assert data["questions"][0]["choices"][0]["correct"] is True


def test_export_bank_refuses_an_unknown_format() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        run("export_bank", "--format", "xml")
