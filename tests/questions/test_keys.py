"""verify_items: every stored key derived again on the installed SDK, recorded per item and SDK
version; a key that no longer holds is listed by family and variant and fails the command."""

from __future__ import annotations

import asyncio
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from questions.bankfile import DEFAULT_PATH, bank_read
from questions.derivation import Derivation, sdk_version
from questions.generation import GENERATED_PATH
from questions.keys import KeyVerdict, key_verdict, letters
from questions.models import Choice, KeyCheck, Question
from questions.services.bank import banks_load
from questions.services.keys import keys_verify
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool() -> None:
    banks_load(
        files=[
            (bank_read(path=DEFAULT_PATH), DEFAULT_PATH.name),
            (bank_read(path=GENERATED_PATH), GENERATED_PATH.name),
        ]
    )


def verify() -> str:
    out = StringIO()
    call_command("verify_items", stdout=out)
    return out.getvalue()


def test_every_key_of_the_pool_holds_on_the_installed_sdk_and_is_recorded(pool) -> None:
    output = verify()
    total = Question.objects.count()
    assert f"openai-agents {sdk_version()}: {total} keys derived, {total} hold, 0 broken." in output
    assert "Every derived key holds." in output
    assert KeyCheck.objects.filter(sdk_version=sdk_version(), holds=True).count() == total
    generated = KeyCheck.objects.filter(question__family="item-names").first()
    assert generated is not None
    assert generated.outcome.startswith("printed: ")
    verify()  # a second check replaces the first for the same SDK version
    assert KeyCheck.objects.count() == total


def test_a_moved_key_fails_the_command_naming_its_family_variant_and_outcomes(pool) -> None:
    question = Question.objects.filter(family="item-names").order_by("id").first()
    assert question is not None
    choices = list(question.choices.order_by("order"))
    right = next(choice for choice in choices if choice.is_correct)
    wrong = next(choice for choice in choices if not choice.is_correct)
    Choice.objects.filter(pk=right.pk).update(is_correct=False)
    Choice.objects.filter(pk=wrong.pk).update(is_correct=True)

    out = StringIO()
    with pytest.raises(CommandError, match="1 keys no longer hold"):
        call_command("verify_items", stdout=out)
    output = out.getvalue()
    assert "item-names" in output
    assert (
        f"{question.id} ({question.variant}): keyed {letters([wrong.order])}, the run makes "
        f"{letters([right.order])} true" in output
    )
    assert f"before: {wrong.text}" in output
    assert "now:    printed: " in output
    check = KeyCheck.objects.get(question=question, sdk_version=sdk_version())
    assert (check.holds, check.keyed, check.derived) == (
        False,
        letters([wrong.order]),
        letters([right.order]),
    )


def test_an_item_without_a_deriver_is_reported_unverified(db) -> None:
    question = QuestionFactory.create(id="basics-99")
    report = keys_verify()
    assert report.unverified == (question.id,)
    assert "basics-99" in verify()


def test_a_deriver_that_fails_makes_its_key_not_hold() -> None:
    async def broken() -> Derivation:
        raise RuntimeError("the scenario is gone")

    verdict = asyncio.run(key_verdict("basics-99", [1], broken))
    assert verdict == KeyVerdict(
        "basics-99", frozenset({1}), None, "RuntimeError: the scenario is gone"
    )
    assert not verdict.holds
