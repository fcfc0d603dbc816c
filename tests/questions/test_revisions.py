"""Staged bank revisions: the diff, a dry run that changes nothing, publishing under an attempt
in progress (which keeps what it was shown), and versions for statistics and calibration."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from questions import services
from questions.bankfile import BankInvalid
from questions.models import Answer, Attempt, BankRevision, Question, Quiz
from questions.services.adaptive import calibration_responses
from questions.services.bank import bank_export
from questions.services.interchange import bank_interchange_export
from questions.services.revisions import (
    RevisionClosed,
    RevisionFile,
    bank_revision_discard,
    bank_revision_preview,
    bank_revision_publish,
    bank_revision_stage,
)
from tests.factories import QuizFactory
from tests.questions import bank_data

pytestmark = pytest.mark.django_db

OLD_PROMPT = "Which call streams?"


def yaml_file(data: dict[str, Any]) -> RevisionFile:
    return RevisionFile(bank_data.dump(data).encode(), "streaming.yaml", "yaml")


def publish(data: dict[str, Any]) -> BankRevision:
    return bank_revision_publish(revision=bank_revision_stage(files=[yaml_file(data)]))


def revised() -> dict[str, Any]:
    """The bank with basics-01's text and choices rewritten and its key moved, raw-events-01's
    feedback reworded, tools-handoffs-01 retired and basics-02 added."""
    data = bank_data.bank()
    first = data["questions"][0]
    first["prompt"] = "Which call returns a streaming result at once?"
    first["choices"][0]["text"] = "`Runner.run` (rewritten)"
    first["choices"][0]["correct"], first["choices"][1]["correct"] = False, True
    data["questions"][1]["choices"][0]["rationale"] = "Reworded feedback."
    data["questions"][4]["status"] = "retired"
    data["questions"].append(bank_data.question("basics-02"))
    return data


@pytest.fixture
def bank() -> None:
    publish(bank_data.bank())
    assert Question.objects.get(pk="basics-01").prompt.startswith(OLD_PROMPT)


@pytest.fixture
def in_progress(bank: None, learner: User) -> Attempt:
    Question.objects.update(pool=Question.Pool.PRACTICE)  # level quizzes ask practice items
    quiz = QuizFactory.create(mode=Quiz.Mode.LEVEL, scope=Quiz.Scope.ALL)
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    return attempt


def test_the_diff_lists_added_changed_and_retired_items_with_their_attempts(
    in_progress: Attempt,
) -> None:
    diff, report = bank_revision_preview(files=[yaml_file(revised())])

    assert [item.id for item in diff.added] == ["basics-02"]
    changed = {item.id: item for item in diff.changed}
    assert set(changed) == {"basics-01", "raw-events-01"}
    assert changed["basics-01"].fields == ("prompt", "choices")
    assert changed["raw-events-01"].fields == ("feedback",)
    assert (changed["basics-01"].attempts, changed["basics-01"].open_attempts) == (1, 1)
    (retired,) = diff.retired
    assert (retired.id, retired.fields, retired.attempts) == ("tools-handoffs-01", ("status",), 1)
    assert diff.unchanged == 2
    assert report[0].startswith("In streaming.yaml: Questions: 1 created, 3 updated")
    assert "Changed basics-01: prompt, choices (1 attempt, 1 in progress)" in "\n".join(
        diff.lines()
    )


def test_a_preview_and_a_dry_run_change_nothing(bank: None, tmp_path: Path) -> None:
    before = bank_export()
    path = tmp_path / "revised.yaml"
    path.write_text(bank_data.dump(revised()))

    bank_revision_preview(files=[yaml_file(revised())])
    out = StringIO()
    call_command("load_bank", str(path), dry_run=True, stdout=out)

    assert "Diff: 1 added, 2 changed, 1 retired, 2 unchanged." in out.getvalue()
    assert "  Added basics-02 (0 attempts)" in out.getvalue()
    assert out.getvalue().endswith("Dry run: nothing was changed.\n")
    assert bank_export() == before
    assert BankRevision.objects.count() == 1  # the fixture's own


def test_load_bank_prints_the_diff_then_publishes_it(bank: None, tmp_path: Path) -> None:
    path = tmp_path / "revised.yaml"
    path.write_text(bank_data.dump(revised()))
    out = StringIO()

    call_command("load_bank", str(path), stdout=out)

    printed = out.getvalue()
    assert printed.index("Diff: 1 added") < printed.index("Published revision")
    revision = BankRevision.objects.first()
    assert revision is not None
    assert revision.status == BankRevision.Status.PUBLISHED
    assert [item["id"] for item in revision.diff["added"]] == ["basics-02"]
    assert Question.objects.get(pk="tools-handoffs-01").status == "retired"


def test_an_attempt_in_progress_keeps_the_text_and_choices_it_started_with(
    in_progress: Attempt, learner: User, client: Client
) -> None:
    client.force_login(learner)
    served = in_progress.answers.get(question_id="basics-01")
    url = reverse("questions:attempt_question", args=[in_progress.pk, served.position])
    old_choices = [choice["text"] for choice in served.choices]

    publish(revised())

    page = client.get(url).content.decode()
    assert OLD_PROMPT in page
    assert "returns a streaming result at once" not in page
    assert "(rewritten)" not in page
    served.refresh_from_db()
    assert [choice["text"] for choice in served.choices] == old_choices
    # The old key still scores the attempt: the choice it keyed is right for this learner.
    old_key = sorted(served.correct_choice_ids)
    outcome = services.answer_submit(
        user=learner, attempt_id=in_progress.pk, question_id="basics-01", choice_ids=old_key
    )
    assert outcome.answer.correct is True
    assert (outcome.answer.question_version, Question.objects.get(pk="basics-01").version) == (1, 2)
    # A new attempt is served the new version.
    services.attempt_submit(user=learner, attempt_id=in_progress.pk)
    again, _ = services.attempt_start(user=learner, quiz=in_progress.quiz)
    fresh = again.answers.get(question_id="basics-01")
    assert fresh.snapshot["prompt"].startswith("Which call returns a streaming result")
    assert fresh.question_version == 2


def test_only_what_an_answer_depends_on_makes_a_new_version(bank: None) -> None:
    publish(revised())

    versions = dict(Question.objects.values_list("id", "version"))
    assert versions["basics-01"] == 2  # text, choices and key
    assert versions["raw-events-01"] == 1  # feedback only
    assert versions["tools-handoffs-01"] == 1  # retired, text unchanged
    assert versions["basics-02"] == 1


def test_statistics_and_calibration_count_answers_to_the_version_answered(
    in_progress: Attempt, learner: User
) -> None:
    for answer in in_progress.answers.all():
        services.answer_submit(
            user=learner,
            attempt_id=in_progress.pk,
            question_id=answer.question_id,
            choice_ids=sorted(answer.correct_choice_ids),
        )
    services.attempt_submit(user=learner, attempt_id=in_progress.pk)
    stats = {q.id: q.times_answered for q in Question.objects.with_answer_stats()}  # type: ignore[attr-defined]  # annotated
    assert stats["basics-01"] == stats["raw-events-01"] == 1

    publish(revised())

    stats = {q.id: q.times_answered for q in Question.objects.with_answer_stats()}  # type: ignore[attr-defined]  # annotated
    assert (stats["basics-01"], stats["raw-events-01"]) == (0, 1)
    answered = {response.item_id for attempt in calibration_responses() for response in attempt}
    assert "basics-01" not in answered
    assert "raw-events-01" in answered
    assert Answer.objects.filter(question_id="basics-01").count() == 1  # the record stays


def test_publishing_a_revision_the_bank_has_outgrown_changes_nothing(bank: None) -> None:
    # A GIFT file that leaves basics-01 without a right answer: fine for a draft...
    Question.objects.filter(pk="basics-01").update(status="draft")
    exported = bank_interchange_export(
        fmt="gift", questions=Question.objects.filter(id="basics-01")
    )
    gift = exported.data.decode().replace("\t=", "\t~").encode()
    staged = bank_revision_stage(files=[RevisionFile(gift, "basics.gift", "gift")])
    # ...but activated before the revision is published.
    Question.objects.filter(pk="basics-01").update(status="active")
    before = bank_export()

    with pytest.raises(BankInvalid):
        bank_revision_publish(revision=staged)

    staged.refresh_from_db()
    assert staged.status == BankRevision.Status.STAGED
    assert bank_export() == before
    bank_revision_discard(revision=staged)
    with pytest.raises(RevisionClosed, match="already discarded"):
        bank_revision_publish(revision=staged)


def test_an_invalid_file_stages_nothing(bank: None) -> None:
    data = revised()
    data["questions"][0]["level"] = "expert"

    with pytest.raises(BankInvalid):
        bank_revision_stage(files=[yaml_file(data)])

    assert BankRevision.objects.count() == 1


def test_the_admin_previews_the_diff_then_publishes_or_discards(
    in_progress: Attempt, instructor_client: Client
) -> None:
    upload = SimpleUploadedFile("revised.yaml", bank_data.dump(revised()).encode())
    staged = instructor_client.post("/admin/questions/question/import/", {"file": upload})
    preview = instructor_client.get(staged["Location"])

    page = preview.content.decode()
    assert "1 added, 2 changed, 1 retired, 2 unchanged" in page
    assert "<td>prompt, choices</td><td>1 (1 in progress)</td>" in page
    assert 'value="Publish"' in page
    assert Question.objects.get(pk="basics-01").version == 1  # nothing published yet

    revision = BankRevision.objects.first()
    assert revision is not None
    discarded = instructor_client.post(
        reverse("admin:questions_bankrevision_discard", args=[revision.pk]), follow=True
    )
    assert "nothing was changed" in discarded.content.decode()
    assert not Question.objects.filter(pk="basics-02").exists()


def test_learners_never_see_revisions(bank: None, learner: User) -> None:
    client = Client()
    client.force_login(learner)
    revision = BankRevision.objects.get()
    for url in (
        reverse("admin:questions_bankrevision_change", args=[revision.pk]),
        reverse("admin:questions_bankrevision_publish", args=[revision.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
