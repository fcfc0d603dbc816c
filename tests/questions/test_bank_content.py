"""The rules the shipped question bank (questions/bank/streaming.yaml) must keep.

The loader's schema already refuses a malformed file; these tests pin what makes the bank fit for
certification: its size and balance across categories, levels, styles and kinds, coverage of the
seed's learning objectives, complete feedback, evidence that names a real test, demo links that
resolve, and the SDK version it was checked against. Nothing here touches the database.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from collections import Counter
from functools import cache
from importlib.metadata import version
from pathlib import Path

import pytest

from lessons.catalog import LESSONS_BY_SLUG
from questions import rules
from questions.bankfile import DEFAULT_PATH, BankFile, QuestionEntry, bank_parse
from questions.models import Category
from questions.objectives import OBJECTIVES

REPO = Path(__file__).resolve().parents[2]
EVIDENCE_MODULE = "tests/questions/test_evidence.py"

# The demo presets the lessons promise (PLAN.md, "Demo presets"); the bank links to these only.
CONTRACT_PRESETS = {
    "basic-streaming": {"side-by-side", "event-sequence", "short-reply", "long-reply"},
    "raw-response-events": {
        "text-deltas",
        "all-raw-events",
        "first-token-timing",
        "tool-call-arguments",
    },
    "run-item-events": {"tool-call", "message-output", "parallel-tools", "agent-updated"},
    "streaming-with-handoffs": {"triage", "handoff-then-tool", "no-handoff"},
    "streaming-patterns": {
        "buffered",
        "fallback",
        "timeout",
        "cancel",
        "concurrent",
        "circuit-breaker",
        "metrics",
    },
}

CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@cache
def bank() -> BankFile:
    return bank_parse(text=DEFAULT_PATH.read_bytes(), source=str(DEFAULT_PATH))


def active() -> list[QuestionEntry]:
    return [question for question in bank().questions if question.status == "active"]


def test_the_bank_file_is_the_default_bank_and_valid() -> None:
    assert DEFAULT_PATH == REPO / "questions" / "bank" / "streaming.yaml"
    assert bank().questions


SEED_IDS = [f"{slug}-{number:02d}" for slug in Category.Slug.values for number in range(1, 11)]


def test_the_seeds_fifty_and_at_least_ten_per_category() -> None:
    questions = active()
    ids = [question.id for question in questions]

    assert len(ids) == len(set(ids))
    assert set(SEED_IDS) <= set(ids)
    counts = Counter(q.category for q in questions)
    assert set(counts) == set(Category.Slug.values)
    assert min(counts.values()) >= 10, counts


def test_the_five_categories_with_their_lessons() -> None:
    categories = {category.slug: category for category in bank().categories}

    assert list(categories) == list(Category.Slug.values)
    assert [category.order for category in categories.values()] == [1, 2, 3, 4, 5]
    for slug, category in categories.items():
        assert category.name == Category.Slug(slug).label
        assert LESSONS_BY_SLUG[category.lesson].category == slug
        assert category.description.strip()


def test_every_category_and_level_cell_has_two_questions_and_three_advanced() -> None:
    cells = Counter((q.category, q.level) for q in active())

    for category in Category.Slug.values:
        for level in rules.LEVELS:
            assert cells[category, level] >= 2, (category, level)
        assert cells[category, "advanced"] >= 3, category


def test_styles_are_roughly_a_third_each() -> None:
    styles = Counter(q.style for q in active())
    total = sum(styles.values())

    assert set(styles) == set(rules.STYLES)
    for style, count in styles.items():
        assert 0.2 <= count / total <= 0.45, (style, count, total)


def test_all_three_kinds_are_used() -> None:
    kinds = Counter(q.kind for q in active())

    assert set(kinds) == set(rules.KINDS)
    assert kinds["single"] > kinds["multiple"]
    assert kinds["single"] > kinds["true_false"]


def test_every_learning_objective_has_at_least_four_questions() -> None:
    served = Counter(q.objective for q in active())

    assert set(served) == {objective.key for objective in OBJECTIVES}
    assert min(served.values()) >= 4, served


def single_choice_items() -> list[QuestionEntry]:
    """Single-choice items of every bank file beside the hand-written one (the whole pool)."""
    pool = [
        question
        for path in sorted(DEFAULT_PATH.parent.glob("*.yaml"))
        for question in bank_parse(text=path.read_bytes(), source=str(path)).questions
        if question.status == "active"
    ]
    return [question for question in pool if question.kind == "single"]


def keyed_option_is_uniquely_longest(question: QuestionEntry) -> bool:
    lengths = [len(choice.text) for choice in question.choices]
    keyed = next(index for index, choice in enumerate(question.choices) if choice.correct)
    return lengths[keyed] == max(lengths) and lengths.count(max(lengths)) == 1


LENGTH_CUE_LIMIT = 0.28


def test_the_keyed_option_is_rarely_the_longest() -> None:
    """No length cue: over the pool's single-choice items the key is the uniquely longest option
    in at most 28% of them (chance with four options is 25%)."""
    items = single_choice_items()
    cued = [question.id for question in items if keyed_option_is_uniquely_longest(question)]

    assert len(items) >= 40
    assert len(cued) / len(items) <= LENGTH_CUE_LIMIT, (len(cued), len(items), cued)


def test_the_length_cue_check_counts_only_a_unique_longest_key() -> None:
    def single(*texts: str, key: int) -> QuestionEntry:
        choices = [
            {"text": text, "correct": index == key, "rationale": "Because."}
            for index, text in enumerate(texts)
        ]
        return QuestionEntry.model_validate(
            {**active()[0].model_dump(), "kind": "single", "choices": choices}
        )

    assert keyed_option_is_uniquely_longest(single("a", "bbb", "cc", key=1))
    assert not keyed_option_is_uniquely_longest(single("a", "bbb", "ccc", key=1))
    assert not keyed_option_is_uniquely_longest(single("aaaa", "bbb", "cc", key=1))


def test_choices_and_feedback_are_complete() -> None:
    for question in active():
        choices = question.choices
        assert not rules.choice_set_errors(question.kind, [c.correct for c in choices])
        if question.kind == "true_false":
            assert [c.text for c in choices] == ["True", "False"], question.id
        else:
            assert 3 <= len(choices) <= 5, question.id
            assert len({c.text for c in choices}) == len(choices), question.id
        for choice in choices:
            assert choice.rationale.strip(), (question.id, choice.text)
            assert "of the above" not in choice.text.lower(), (question.id, choice.text)
        assert question.explanation.strip(), question.id
        assert question.prompt.strip(), question.id


def test_topics_are_a_few_words() -> None:
    for question in active():
        assert 1 <= len(question.topic.split()) <= 8, question.id


def test_code_reading_questions_show_code() -> None:
    for question in active():
        if question.style == "code":
            assert "```python" in question.prompt, question.id


def test_code_in_prompts_and_explanations_is_valid_python() -> None:
    # Snippets may await at top level, as in a notebook or an async REPL.
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    for question in active():
        for text in (question.prompt, question.explanation):
            for block in CODE_BLOCK.findall(text):
                compile(block, question.id, "exec", flags=flags)


def test_the_bank_was_checked_against_the_installed_sdk() -> None:
    installed = version("openai-agents")

    assert bank().sdk_version == installed
    for question in active():
        assert question.sdk_version in (None, installed), question.id


def evidence_items() -> set[str]:
    """The items the evidence module derives a key for (its parametrized test's ids)."""
    module = importlib.import_module(EVIDENCE_MODULE.removesuffix(".py").replace("/", "."))
    return set(module.ITEM_IDS)


def test_evidence_names_an_existing_test() -> None:
    judgement = [q.id for q in active() if q.evidence_kind == "judgement"]
    assert len(judgement) <= 8

    for question in active():
        if question.evidence_kind == "judgement":
            assert not question.evidence.strip(), question.id
            continue
        path, _, name = question.evidence.partition("::")
        assert path == EVIDENCE_MODULE, question.id
        assert (REPO / path).is_file()
        assert name == f"test_derived_key[{question.id}]", question.id
        assert question.id in evidence_items(), question.id


def test_every_evidence_test_backs_a_question() -> None:
    cited = {q.id for q in active() if q.evidence_kind != "judgement"}

    assert evidence_items() == cited


def test_demo_links_resolve() -> None:
    # The lessons' registry, where installed, must also know each preset; until it lands the
    # contract list above is the reference.
    registry = (
        importlib.import_module("lessons.registry")
        if importlib.util.find_spec("lessons.registry")
        else None
    )
    for question in active():
        lesson, preset = question.demo.lesson, question.demo.preset
        assert lesson in LESSONS_BY_SLUG, question.id
        assert preset in CONTRACT_PRESETS[lesson], question.id
        if registry is not None:
            assert registry.preset_exists(lesson, preset), question.id


@pytest.mark.parametrize("level", rules.LEVELS)
def test_each_level_has_a_fair_share(level: str) -> None:
    assert sum(q.level == level for q in active()) >= 10
