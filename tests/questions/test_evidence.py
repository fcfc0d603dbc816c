"""Evidence for the hand-written bank: every key is derived by running the SDK.

Each item of questions/bank/streaming.yaml has a deriver (questions.evidence.HANDWRITTEN) that runs
its scenario with the real openai-agents SDK offline (the SDK's Chat Completions model over a
scripted API, on virtual time) and evaluates every option's claim against what the run did. The
test for an item reads the bank FILE and asserts that its keyed options are exactly the options
the run made true; so moving a key to another option, or adding or removing one, fails it. The
mutation test proves that for every item, in process: it rewrites each key of the bank file's text
and checks that the same assertion rejects every rewrite.

Each deriver runs once per test session (the derivations are cached).
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Iterator
from functools import cache
from importlib.metadata import version
from pathlib import Path

import pytest

from questions import rules
from questions.bankfile import DEFAULT_PATH, BankFile, QuestionEntry, bank_parse
from questions.derivation import Derivation
from questions.evidence import HANDWRITTEN, ITEMS
from questions.evidence.claims import Examined

BANK = DEFAULT_PATH
EVIDENCE = "tests/questions/test_evidence.py::test_derived_key[{}]"


@cache
def bank_text() -> str:
    return BANK.read_text(encoding="utf-8")


@cache
def bank() -> BankFile:
    return bank_parse(text=bank_text(), source=str(BANK))


def questions() -> dict[str, QuestionEntry]:
    return {question.id: question for question in bank().questions}


def keyed(question: QuestionEntry) -> frozenset[int]:
    return frozenset(index for index, choice in enumerate(question.choices) if choice.correct)


@cache
def examined() -> dict[str, Examined]:
    """Every hand-written item examined once: its derivation and its explanation's facts."""

    async def examine_all() -> dict[str, Examined]:
        return {item_id: await item.examine() for item_id, item in ITEMS.items()}

    return asyncio.run(examine_all())


def derivations() -> dict[str, Derivation]:
    return {item_id: result.derivation for item_id, result in examined().items()}


def key_disagreement(derivation: Derivation, question: QuestionEntry) -> str | None:
    """Why the question's keyed options are not what the run made true (None if they are)."""
    if keyed(question) == derivation.true_options:
        return None
    return (
        f"{question.id}: the bank keys options {sorted(keyed(question))}, the run made "
        f"{sorted(derivation.true_options)} true ({derivation.outcome})"
    )


def assert_key_holds(derivation: Derivation, question: QuestionEntry) -> None:
    disagreement = key_disagreement(derivation, question)
    assert disagreement is None, disagreement


ITEM_IDS = [question.id for question in bank_parse(text=BANK.read_bytes()).questions]


@pytest.mark.parametrize("item_id", ITEM_IDS)
def test_derived_key(item_id: str) -> None:
    question = questions()[item_id]
    derivation = derivations()[item_id]

    assert derivation.item_id == item_id
    assert derivation.sdk_version == version("openai-agents") == bank().sdk_version
    assert derivation.outcome.strip()
    assert_key_holds(derivation, question)


def test_every_item_has_a_deriver_and_every_deriver_an_item() -> None:
    assert set(HANDWRITTEN) == set(ITEM_IDS)
    assert set(ITEMS) == set(ITEM_IDS)


def test_the_registry_derives_what_the_items_do() -> None:
    async def derive() -> Derivation:
        return await HANDWRITTEN["basics-04"]()

    derivation = asyncio.run(derive())

    assert derivation == derivations()["basics-04"]


def test_what_the_explanations_say_about_the_runs_holds() -> None:
    unmet = {item_id: result.unmet_facts for item_id, result in examined().items()}

    assert not {item_id: facts for item_id, facts in unmet.items() if facts}
    assert sum(len(ITEMS[item_id].facts) for item_id in ITEMS) >= 20


def test_each_item_names_its_evidence_test() -> None:
    for question in bank().questions:
        assert question.evidence_kind in ("test", "measurement"), question.id
        assert question.evidence == EVIDENCE.format(question.id), question.id


def test_every_claim_quotes_its_option() -> None:
    """A deriver's claims are the bank's options, in the bank's order: each claim quotes words
    of its own option, so reordering or rewording options without the deriver fails here."""
    for item_id, question in questions().items():
        quotes = ITEMS[item_id].quotes
        assert len(quotes) == len(question.choices), item_id
        for quote, choice in zip(quotes, question.choices, strict=True):
            assert quote in choice.text, (item_id, quote, choice.text)


def test_every_claim_is_decided_by_the_run() -> None:
    """No item is keyed by default: each has at least one option the run made false, and each
    single-choice or true/false item exactly one option the run made true."""
    for item_id, question in questions().items():
        true_options = derivations()[item_id].true_options
        assert len(true_options) < len(question.choices), item_id
        if question.kind != "multiple":
            assert len(true_options) == 1, (item_id, sorted(true_options))
        else:
            assert true_options, item_id


# --- mutations of the bank file -----------------------------------------------------------------

CORRECT = re.compile(r"^        correct: (true|false)$", re.MULTILINE)


def item_block(text: str, item_id: str) -> str:
    """The text of one question of a bank file, as written there."""
    start = text.index(f"\n  - id: {item_id}\n") + 1
    following = text.find("\n  - id: ", start)
    return text[start : following + 1 if following != -1 else len(text)]


def with_key(block: str, key: frozenset[int]) -> str:
    """The question's text with its `correct:` flags rewritten to key exactly `key`."""
    flags = iter(range(len(CORRECT.findall(block))))
    return CORRECT.sub(
        lambda _match: f"        correct: {'true' if next(flags) in key else 'false'}", block
    )


def mutations(kind: str, key: frozenset[int], options: int) -> Iterator[frozenset[int]]:
    """Every other key assignment: the key moved to another option, a key added, and (for a
    multiple-choice item) a key removed or swapped."""
    everything = frozenset(range(options))
    if kind != "multiple":
        yield from (frozenset({other}) for other in everything - key)
        yield from (key | {other} for other in everything - key)
        return
    for size in range(1, options + 1):
        for chosen in itertools.combinations(range(options), size):
            if frozenset(chosen) != key:
                yield frozenset(chosen)


def parse_question(header: str, block: str) -> QuestionEntry | None:
    """The question as the bank loader reads it from a file holding only it (None if the loader
    refuses the file)."""
    try:
        parsed = bank_parse(text=header + "questions:\n" + block, source="mutated copy")
    except Exception:
        return None
    return parsed.questions[0]


def test_moving_or_adding_any_key_of_the_bank_file_fails_its_test() -> None:
    text = bank_text()
    header = text[: text.index("\nquestions:\n") + 1]
    checked = 0
    for item_id, question in questions().items():
        block = item_block(text, item_id)
        assert parse_question(header, block) == question, item_id  # the copy reads back as is
        for key in mutations(question.kind, keyed(question), len(question.choices)):
            mutated = parse_question(header, with_key(block, key))
            if mutated is None:
                # The loader refuses it (e.g. two keys on a single-choice item): load_bank fails.
                flags = [index in key for index in range(len(question.choices))]
                assert rules.choice_set_errors(question.kind, flags), (item_id, key)
                continue
            assert keyed(mutated) == key, (item_id, key)
            with pytest.raises(AssertionError):
                assert_key_holds(derivations()[item_id], mutated)
            checked += 1
    assert checked >= 3 * len(ITEM_IDS)


def test_the_mutations_cover_every_option() -> None:
    assert sorted(mutations("single", frozenset({1}), 4)) == sorted(
        [frozenset({0}), frozenset({2}), frozenset({3}), *(frozenset({1, i}) for i in (0, 2, 3))]
    )
    assert len(list(mutations("multiple", frozenset({0, 2}), 5))) == 2**5 - 2


def test_a_key_moved_in_a_copy_of_the_file_fails(tmp_path: Path) -> None:
    """End to end for one item: a copy of the bank file with basics-04's key moved loads, and
    its derived-key check fails."""
    text = bank_text()
    block = item_block(text, "basics-04")
    copy = tmp_path / "streaming.yaml"
    copy.write_text(text.replace(block, with_key(block, frozenset({1}))), encoding="utf-8")
    moved = {q.id: q for q in bank_parse(text=copy.read_bytes()).questions}["basics-04"]

    with pytest.raises(AssertionError, match="basics-04"):
        assert_key_holds(derivations()["basics-04"], moved)
