"""GIFT, Moodle XML and QTI against the database: the whole bank round-trips through each format,
an import updates only what the format holds, new items enter as drafts, bad files change
nothing."""

from __future__ import annotations

import zipfile
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from questions.bankfile import DEFAULT_PATH, BankInvalid, bank_read
from questions.generation import GENERATED_PATH
from questions.interchange import HELD, INTERCHANGES, Interchange, interchange_named
from questions.models import Choice, Question
from questions.services.bank import bank_export, banks_load, questions_activate
from questions.services.interchange import (
    bank_interchange_export,
    bank_interchange_load,
    bank_interchange_read,
)
from tests.questions.interchange_data import MOODLE

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/questions/question/"

# Every field of an item as the bank holds it, by the name HELD uses.
FIELDS = {
    "category": lambda q: q.category_slug,
    "kind": lambda q: q.kind,
    "prompt": lambda q: q.prompt,
    "explanation": lambda q: q.explanation,
    "topic": lambda q: q.topic,
    "level": lambda q: q.level,
    "style": lambda q: q.style,
    "objective": lambda q: q.objective,
    "evidence": lambda q: (q.evidence_kind, q.evidence),
    "demo": lambda q: (q.demo_lesson, q.demo_preset),
    "params": lambda q: (q.discrimination, q.difficulty, q.guessing),
    "status": lambda q: q.status,
    "sdk_version": lambda q: q.sdk_version,
    "choices": lambda q: [(c.text, c.is_correct, c.rationale) for c in q.choices.all()],
    "claims": lambda q: [c.claim for c in q.choices.all()],
    "family": lambda q: (q.family, q.variant),
    "pool": lambda q: q.pool,
    "pretest": lambda q: q.pretest,
}


def bank_state() -> dict[str, dict[str, Any]]:
    """Every item's fields; texts without surrounding whitespace, which the formats trim (a
    Markdown text means the same with or without a final line break)."""
    questions = Question.objects.select_related("category").prefetch_related("choices")
    return {q.id: {name: _trimmed(get(q)) for name, get in FIELDS.items()} for q in questions}


def _trimmed(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return type(value)(_trimmed(part) for part in value)
    return value


@pytest.fixture
def bank() -> dict[str, dict[str, Any]]:
    """The whole bank: the hand-written items and the generated ones."""
    paths = [DEFAULT_PATH, *([GENERATED_PATH] if GENERATED_PATH.exists() else [])]
    banks_load(files=[(bank_read(path=path), path.name) for path in paths])
    return bank_state()


def scrambled() -> None:
    """Change every field of every item, so that only what a file restores comes back."""
    for question in Question.objects.all():
        Question.objects.filter(pk=question.pk).update(
            prompt="changed", explanation="changed", topic="changed", style="judgement"
        )
        # A generated item's choices come from its scenario's run; a file may not change them.
        choices = Choice.objects.filter(question=question)
        choices.update(rationale="changed")
        if not question.family:
            choices.update(text="changed")


@pytest.mark.parametrize("fmt", INTERCHANGES)
def test_the_whole_bank_round_trips_keeping_every_field(
    bank: dict[str, dict[str, Any]], fmt: Interchange
) -> None:
    exported = bank_interchange_export(fmt=fmt)
    scrambled()

    result = bank_interchange_load(data=exported.data, fmt=fmt)

    assert result.drafts == {}
    assert len(result.questions.updated) == len(bank)
    after = bank_state()
    for question_id, fields in bank.items():
        for name, value in fields.items():
            if name in HELD[fmt] or name not in (
                "prompt",
                "explanation",
                "topic",
                "style",
                "choices",
            ):
                assert after[question_id][name] == value, (fmt, question_id, name)
    # What the format does not hold is reported, and was left as it was.
    assert "evidence" in exported.not_held
    assert "demo link" in exported.not_held


@pytest.mark.parametrize("fmt", INTERCHANGES)
def test_importing_an_unchanged_export_changes_nothing(
    bank: dict[str, dict[str, Any]], fmt: Interchange
) -> None:
    exported = bank_interchange_export(fmt=fmt)
    yaml_before = bank_export()

    result = bank_interchange_load(data=exported.data, fmt=fmt)

    assert result.questions.updated == ()
    assert bank_export() == yaml_before


@pytest.mark.parametrize("fmt", INTERCHANGES)
def test_an_item_new_to_the_bank_enters_as_a_draft_listing_what_it_lacks(
    bank: dict[str, dict[str, Any]], fmt: Interchange
) -> None:
    exported = bank_interchange_export(fmt=fmt, questions=Question.objects.filter(id="basics-01"))
    Question.objects.filter(id="basics-01").delete()

    result = bank_interchange_load(data=exported.data, fmt=fmt)

    assert result.questions.created == ("basics-01",)
    created = Question.objects.get(id="basics-01")
    assert created.status == Question.Status.DRAFT
    assert result.drafts["basics-01"] == ["evidence", "demo link"]
    assert created.category_slug == "basics"
    assert (created.level, created.objective) == (
        bank["basics-01"]["level"],
        bank["basics-01"]["objective"],
    )
    refused = questions_activate(questions=Question.objects.filter(id="basics-01"))
    assert refused.refused["basics-01"] == ["Missing: evidence, demo link."]


def test_a_bad_file_changes_nothing_and_names_every_error(bank: dict[str, dict[str, Any]]) -> None:
    text = bank_interchange_export(fmt="gift").data.decode()
    text = text.replace("[tag:level:beginner]", "[tag:level:expert]", 1)
    text += "\n::broken::Unclosed {=a ~b\n"
    before = bank_export()

    with pytest.raises(BankInvalid) as caught:
        bank_interchange_load(data=text.encode(), fmt="gift")

    messages = [str(error) for error in caught.value.errors]
    assert any("Unknown level 'expert'" in message for message in messages)
    assert any("Unbalanced braces" in message and "line" in message for message in messages)
    assert bank_export() == before


def test_qti_package_is_a_zip_with_a_manifest(bank: dict[str, dict[str, Any]]) -> None:
    package = zipfile.ZipFile(BytesIO(bank_interchange_export(fmt="qti").data))
    assert "imsmanifest.xml" in package.namelist()
    assert "basics/basics.xml" in package.namelist()


# --- real files from Moodle ------------------------------------------------------------------


def test_moodles_files_enter_as_drafts_and_a_second_import_updates_them(
    bank: dict[str, dict[str, Any]],
) -> None:
    data = (MOODLE / "questions_in_category.gift.txt").read_bytes()

    first = bank_interchange_load(data=data, fmt="gift", source="questions_in_category.gift.txt")
    again = bank_interchange_load(data=data, fmt="gift", source="questions_in_category.gift.txt")

    assert first.questions.created == ("draft-01", "draft-02")
    assert first.drafts["draft-01"] == [
        "category",
        "level",
        "objective",
        "evidence",
        "demo link",
        "explanation",
    ]
    assert [str(s).split(":")[0] for s in first.skipped] == [
        "line 4 (Moodle activities)",
        "line 21 (Moodle user)",
    ]
    assert (again.questions.created, again.questions.unchanged) == ((), ("draft-01", "draft-02"))
    greeting = Question.objects.get(import_key="gift:Greeting")
    assert (greeting.status, greeting.category) == (Question.Status.DRAFT, None)
    assert "Greeting" not in Question.objects.active().values_list("import_key", flat=True)


def test_a_moodle_category_named_like_a_bank_category_places_the_item(
    bank: dict[str, dict[str, Any]],
) -> None:
    text = "$CATEGORY: $course$/top/Raw Response Events\n\n::Deltas::Text comes as?{=deltas ~pages}"

    highest = max(int(qid.rsplit("-", 1)[1]) for qid in bank if qid.startswith("raw-events-"))

    result = bank_interchange_load(data=text.encode(), fmt="gift")

    (created,) = result.questions.created
    assert created == f"raw-events-{highest + 1:02d}"  # the next free number in raw-events
    assert Question.objects.get(pk=created).category_slug == "raw-events"
    assert "category" not in result.drafts[created]


def test_an_active_item_cannot_be_made_unaskable(bank: dict[str, dict[str, Any]]) -> None:
    text = bank_interchange_export(fmt="gift", questions=Question.objects.filter(id="basics-01"))
    broken = text.data.decode().replace("\t=", "\t~")

    with pytest.raises(BankInvalid, match="The item is active, so it must stay askable"):
        bank_interchange_load(data=broken.encode(), fmt="gift")


# --- commands ---------------------------------------------------------------------------------


def test_export_and_load_commands_in_every_format(
    bank: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    for fmt, name in (("gift", "bank.gift"), ("moodle-xml", "bank.xml"), ("qti", "bank.zip")):
        path = tmp_path / name
        err = StringIO()
        call_command("export_bank", format=fmt, output=path, stderr=err)
        assert "Not held by" in err.getvalue()
        assert f"evidence ({len(bank)})" in err.getvalue()
        out = StringIO()
        call_command("load_bank", str(path), stdout=out)
        assert f"Questions: 0 created, 0 updated, {len(bank)} unchanged." in out.getvalue()


def test_export_to_stdout_and_the_zip_that_needs_a_file(bank: dict[str, dict[str, Any]]) -> None:
    out = StringIO()
    call_command("export_bank", format="gift", stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("// certify question bank")
    with pytest.raises(CommandError, match="--output"):
        call_command("export_bank", format="qti", stderr=StringIO())


def test_load_bank_takes_the_format_from_the_name_or_from_format(
    bank: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "bank.data"
    path.write_bytes(bank_interchange_export(fmt="moodle-xml").data)
    with pytest.raises(CommandError, match="Cannot tell the format"):
        call_command("load_bank", str(path))
    out = StringIO()
    call_command("load_bank", str(path), format="moodle-xml", stdout=out)
    assert f"{len(bank)} unchanged" in out.getvalue()


def test_load_bank_refuses_a_bad_file_listing_every_error(
    bank: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "bad.gift"
    path.write_text("::a::{=x ~y\n\n::b::[markdown]B {~x ~y}\n\n// [tag:style:weird]\n::c::C{T}\n")
    before = bank_export()
    with pytest.raises(CommandError) as caught:
        call_command("load_bank", str(path))
    message = str(caught.value)
    assert "not loaded (2 errors; nothing changed)" in message
    assert "line 1 a: Unbalanced braces" in message
    assert "line 5 (c) style: Unknown style 'weird'" in message
    assert bank_export() == before


# --- staff only ---------------------------------------------------------------------------------

EXPORTS = [f"{CHANGELIST}export/?format={fmt}" for fmt in ("yaml", "json", *INTERCHANGES)]


@pytest.mark.parametrize("url", EXPORTS)
def test_exports_hold_keys_and_only_staff_get_them(
    bank: dict[str, dict[str, Any]], url: str, learner: User, instructor_client: Client
) -> None:
    learner_client = Client()
    learner_client.force_login(learner)
    refused = learner_client.get(url)
    assert refused.status_code == 302
    assert "/admin/login/" in refused["Location"]
    assert Client().get(url).status_code == 302

    response = instructor_client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]


def test_the_admin_exports_selected_questions_in_each_format(
    bank: dict[str, dict[str, Any]], instructor_client: Client
) -> None:
    for action in ("export_selected_gift", "export_selected_moodle_xml", "export_selected_qti"):
        response = instructor_client.post(
            CHANGELIST, {"action": action, "_selected_action": ["basics-01", "raw-events-01"]}
        )
        assert response.status_code == 200, action
        fmt = {"export_selected_gift": "gift", "export_selected_moodle_xml": "moodle-xml"}.get(
            action, "qti"
        )
        items = bank_interchange_read(
            data=response.content, fmt=interchange_named(fmt), source="x"
        ).items
        assert sorted(item.identifier for item in items) == ["basics-01", "raw-events-01"]


def test_the_admin_imports_a_gift_file_and_lists_the_new_drafts(
    bank: dict[str, dict[str, Any]], instructor_client: Client
) -> None:
    upload = SimpleUploadedFile("moodle.gift", (MOODLE / "questions.gift.txt").read_bytes())

    staged = instructor_client.post(f"{CHANGELIST}import/", {"file": upload}, follow=True)
    ((preview_url, _),) = staged.redirect_chain
    assert "5 added, 0 changed, 0 retired" in staged.content.decode()
    response = instructor_client.post(preview_url.replace("/change/", "/publish/"), follow=True)

    page = response.content.decode()
    assert "In moodle.gift: Questions: 5 created, 0 updated, 0 unchanged." in page
    assert "New draft draft-01: missing category, level, objective, evidence, demo link" in page
    assert "Left out, line 1 (Q8): an essay question" in page
    assert Question.objects.filter(status="draft").count() == 5
