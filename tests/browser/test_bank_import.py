"""The admin's bank import in Chromium: a broken file shows every error with its line and
changes nothing; a file that changes items in use is staged, its preview names the attempts
that used them, and the bank stays as it was until it is published."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.test import Client

from questions import services
from questions.models import BankRevision, Question, Quiz
from questions.services.bank import bank_export
from questions.services.revisions import RevisionFile, bank_revision_publish, bank_revision_stage
from tests.factories import QuizFactory
from tests.questions import bank_data

pytestmark = pytest.mark.browser

IMPORT = "/admin/questions/question/import/"


def log_in(page: Any, base: str, user: User) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def upload(page: Any, base: str, name: str, text: str) -> None:
    page.goto(base + IMPORT)
    page.get_by_label("Bank file").set_input_files(
        {"name": name, "mimeType": "application/x-yaml", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()


def no_axe_violations(page: Any) -> None:
    found = Axe().run(page)
    assert [v["id"] for v in found.response["violations"]] == []


def test_a_broken_file_shows_each_error_with_its_line_and_changes_nothing(
    live_asgi: str, page, instructor: User
) -> None:
    bank_revision_publish(
        revision=bank_revision_stage(
            files=[RevisionFile(bank_data.dump(bank_data.bank()).encode(), "bank.yaml", "yaml")]
        )
    )
    before = bank_export()
    data = bank_data.bank()
    data["questions"][1]["level"] = "expert"  # not a level
    data["questions"][3]["choices"] = []  # no options at all
    broken = bank_data.dump(data)
    lines = broken.splitlines()
    second = lines.index(f"- id: {data['questions'][1]['id']}") + 1
    fourth = lines.index(f"- id: {data['questions'][3]['id']}") + 1
    log_in(page, live_asgi, instructor)

    upload(page, live_asgi, "broken.yaml", broken)

    alert = page.get_by_role("alert")
    assert "The file was not imported: nothing changed." in alert.inner_text()
    items = alert.locator("li").all_inner_texts()
    assert len(items) >= 2
    assert any(
        item.startswith(f"Line {second}: {data['questions'][1]['id']} level") for item in items
    ), items
    assert any(
        item.startswith(f"Line {fourth}: {data['questions'][3]['id']} choices") for item in items
    ), items
    no_axe_violations(page)

    # A file that is not even YAML: the parser's own line and column.
    upload(page, live_asgi, "garbled.yaml", "sdk_version: '0.24'\nquestions: [\n  - id: x\n")
    garbled = page.get_by_role("alert").locator("li").all_inner_texts()
    assert len(garbled) == 1
    assert "line 3, column 3" in garbled[0], garbled
    assert "Not valid YAML" in garbled[0]

    assert bank_export() == before
    assert not BankRevision.objects.filter(status=BankRevision.Status.STAGED).exists()


def test_a_file_changing_items_in_use_is_previewed_with_their_attempts_and_changes_nothing(
    live_asgi: str, page, instructor: User, learner: User
) -> None:
    bank_revision_publish(
        revision=bank_revision_stage(
            files=[RevisionFile(bank_data.dump(bank_data.bank()).encode(), "bank.yaml", "yaml")]
        )
    )
    Question.objects.update(pool=Question.Pool.PRACTICE)
    quiz = QuizFactory.create(mode=Quiz.Mode.LEVEL, scope=Quiz.Scope.ALL)
    services.attempt_start(user=learner, quiz=quiz)
    data = bank_data.bank()
    changed = data["questions"][0]
    old_prompt = Question.objects.get(pk=changed["id"]).prompt
    changed["prompt"] = "Which call returns a streaming result at once?"
    for question in data["questions"]:
        question["pool"] = "practice"
    before = bank_export()
    log_in(page, live_asgi, instructor)

    upload(page, live_asgi, "revised.yaml", bank_data.dump(data))

    page.wait_for_url(f"{live_asgi}/admin/questions/bankrevision/*/change/")
    row = page.locator("table.bank-diff tr", has_text=changed["id"])
    assert "changed" in row.inner_text()
    assert "prompt" in row.inner_text()
    assert "1 (1 in progress)" in row.inner_text()
    assert "Nothing has changed yet." in page.locator("#content-main").inner_text()
    no_axe_violations(page)
    assert Question.objects.get(pk=changed["id"]).prompt == old_prompt
    assert bank_export() == before
