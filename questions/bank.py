"""The question bank in the database: loading a bank file, exporting it, changing statuses.

`bank_load` validates the whole file first (questions/bankfile.py); with any error it changes
nothing. Otherwise it upserts by question id in one transaction and never deletes: a question
missing from the file is left alone (retire it instead). `bank_export` writes the bank back in
exactly the format `bank_load` reads, canonically, so that export -> load -> export is
byte-identical. `questions_activate` and `questions_retire` change the status of questions
chosen in the admin.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from questions import rules
from questions.bankfile import (
    DEFAULT_PATH,
    BankError,
    BankFile,
    BankInvalid,
    CategoryEntry,
    QuestionEntry,
    bank_parse,
    bank_read,
)
from questions.models import Category, Choice, Question, installed_sdk_version
from questions.services import quiz_defaults_ensure

__all__ = [
    "DEFAULT_PATH",
    "ActivationResult",
    "BankError",
    "BankFile",
    "BankInvalid",
    "BankLoadResult",
    "Format",
    "Tally",
    "bank_export",
    "bank_load",
    "bank_parse",
    "bank_read",
    "questions_activate",
    "questions_retire",
]

Format = Literal["yaml", "json"]


# --- loading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    def __str__(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


@dataclass(frozen=True)
class BankLoadResult:
    categories: Tally
    questions: Tally
    quizzes_created: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"Questions: {self.questions}. Categories: {self.categories}."


def _tally(outcomes: list[tuple[str, str]]) -> Tally:
    def keys(outcome: str) -> tuple[str, ...]:
        return tuple(key for key, result in outcomes if result == outcome)

    return Tally(keys("created"), keys("updated"), keys("unchanged"))


def _upsert_categories(entries: list[CategoryEntry]) -> tuple[Tally, dict[str, Category]]:
    stored = {category.slug: category for category in Category.objects.all()}
    wanted = {
        entry.slug: {
            "name": entry.name,
            "order": entry.order,
            "description": entry.description,
            "lesson_slug": entry.lesson,
        }
        for entry in entries
    }
    # The file may swap two categories' order: park the moving ones out of the way first, so the
    # unique order holds at every step.
    moving = [c.pk for slug, c in stored.items() if c.order != wanted[slug]["order"]]
    Category.objects.filter(pk__in=moving).update(order=F("order") + 1000)

    outcomes = []
    for slug, values in wanted.items():
        category = stored.get(slug)
        if category is None:
            stored[slug] = Category.objects.create(slug=slug, **values)
            outcomes.append((slug, "created"))
            continue
        changed = [name for name, value in values.items() if getattr(category, name) != value]
        for name in changed:
            setattr(category, name, values[name])
        if changed:
            category.save()
        outcomes.append((slug, "updated" if changed else "unchanged"))
    return _tally(outcomes), stored


def _parameters(entry: QuestionEntry, stored: Question | None) -> rules.ItemParameters:
    """The file's parameters; when it gives none, calibrated ones are kept, else the defaults."""
    if entry.params is not None:
        return rules.ItemParameters(entry.params.a, entry.params.b, entry.params.c)
    if stored is not None:
        current = rules.ItemParameters(stored.discrimination, stored.difficulty, stored.guessing)
        choice_count = len(stored.choices.all())
        if current != rules.default_item_parameters(stored.level, stored.kind, choice_count):
            return current
    return rules.default_item_parameters(entry.level, entry.kind, len(entry.choices))


def _question_values(
    entry: QuestionEntry, bank: BankFile, category: Category, stored: Question | None
) -> dict[str, object]:
    params = _parameters(entry, stored)
    return {
        "category_id": category.pk,
        "level": entry.level,
        "kind": entry.kind,
        "style": entry.style,
        "topic": entry.topic,
        "objective": entry.objective,
        "status": entry.status,
        "sdk_version": entry.sdk_version or bank.sdk_version,
        "prompt": entry.prompt,
        "explanation": entry.explanation,
        "evidence_kind": entry.evidence_kind,
        "evidence": entry.evidence,
        "demo_lesson": entry.demo.lesson,
        "demo_preset": entry.demo.preset,
        "discrimination": params.discrimination,
        "difficulty": params.difficulty,
        "guessing": params.guessing,
    }


def _choice_rows(entry: QuestionEntry) -> list[tuple[str, bool, str]]:
    return [(choice.text, choice.correct, choice.rationale) for choice in entry.choices]


def _replace_choices(question: Question, wanted: list[tuple[str, bool, str]]) -> None:
    """Make the question's choices `wanted`, in order, updating rows in place by position so
    that a choice keeps its identity (answers may point at it) when only its wording changes."""
    by_order = {choice.order: choice for choice in question.choices.all()}
    Choice.objects.filter(question=question, order__gte=len(wanted)).delete()
    for order, (text, correct, rationale) in enumerate(wanted):
        choice = by_order.get(order)
        if choice is None:
            Choice.objects.create(
                question=question, order=order, text=text, is_correct=correct, rationale=rationale
            )
        elif (choice.text, choice.is_correct, choice.rationale) != (text, correct, rationale):
            choice.text, choice.is_correct, choice.rationale = text, correct, rationale
            choice.save(update_fields=["text", "is_correct", "rationale"])


def _upsert_questions(bank: BankFile, categories: dict[str, Category]) -> Tally:
    stored = (
        Question.objects.filter(id__in=[entry.id for entry in bank.questions])
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
        .in_bulk()
    )
    new_questions: list[Question] = []
    new_choices: list[Choice] = []
    outcomes = []
    for entry in bank.questions:
        question = stored.get(entry.id)
        values = _question_values(entry, bank, categories[entry.category], question)
        choices = _choice_rows(entry)
        if question is None:
            question = Question(id=entry.id, **values)
            new_questions.append(question)
            new_choices += [
                Choice(
                    question=question,
                    order=order,
                    text=text,
                    is_correct=correct,
                    rationale=rationale,
                )
                for order, (text, correct, rationale) in enumerate(choices)
            ]
            outcomes.append((entry.id, "created"))
            continue
        changed = [name for name, value in values.items() if getattr(question, name) != value]
        stored_choices = [(c.text, c.is_correct, c.rationale) for c in question.choices.all()]
        if not changed and stored_choices == choices:
            outcomes.append((entry.id, "unchanged"))
            continue
        for name in changed:
            setattr(question, name, values[name])
        question.save()  # also when only the choices changed: updated_at says the question did
        if stored_choices != choices:
            _replace_choices(question, choices)
        outcomes.append((entry.id, "updated"))
    Question.objects.bulk_create(new_questions)
    Choice.objects.bulk_create(new_choices)
    return _tally(outcomes)


@transaction.atomic
def bank_load(*, text: str | bytes, source: str = "bank file") -> BankLoadResult:
    """Validate the whole bank file, then upsert its categories and questions, all or nothing.

    Raises BankInvalid (having changed nothing) when the file has any error.
    """
    bank = bank_parse(text=text, source=source)
    category_tally, categories = _upsert_categories(bank.categories)
    question_tally = _upsert_questions(bank, categories)
    # The default quizzes come with the bank (drills need its categories); existing ones stay.
    quizzes = tuple(quiz.slug for quiz in quiz_defaults_ensure())
    return BankLoadResult(category_tally, question_tally, quizzes)


# --- exporting ----------------------------------------------------------------------------------


class _FlowMapping(dict[str, Any]):
    """A mapping written on one line, as the file format shows `params`."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write YAML by hand.
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text (prompts, code) as literal blocks; PyYAML falls back to quoting by itself
    # where a block cannot hold the text exactly (trailing spaces, control characters).
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _FlowMapping) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowMapping, _represent_flow)


def _question_data(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "category": question.category.slug,
        "level": question.level,
        "kind": question.kind,
        "style": question.style,
        "topic": question.topic,
        "objective": question.objective,
        "status": question.status,
        "sdk_version": question.sdk_version,
        "prompt": question.prompt,
        "choices": [
            {"text": choice.text, "correct": choice.is_correct, "rationale": choice.rationale}
            for choice in question.choices.all()
        ],
        "explanation": question.explanation,
        "evidence_kind": question.evidence_kind,
        "evidence": question.evidence,
        "demo": {"lesson": question.demo_lesson, "preset": question.demo_preset},
        "params": _FlowMapping(
            a=question.discrimination, b=question.difficulty, c=question.guessing
        ),
    }


def _bank_sdk_version(questions: list[Question]) -> str:
    """The version most questions were checked against (every question also states its own)."""
    counts = Counter(question.sdk_version for question in questions)
    if not counts:
        return installed_sdk_version()
    return max(counts, key=lambda version: (counts[version], version))


def bank_export(*, questions: QuerySet[Question] | None = None, fmt: Format = "yaml") -> str:
    """The bank (all of it, or `questions` with every category) as a file `bank_load` reads."""
    selected = list(
        (Question.objects.all() if questions is None else questions)
        .select_related("category")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
        .order_by("category__order", "id")
    )
    data = {
        "sdk_version": _bank_sdk_version(selected),
        "categories": [
            {
                "slug": category.slug,
                "name": category.name,
                "order": category.order,
                "lesson": category.lesson_slug,
                "description": category.description,
            }
            for category in Category.objects.order_by("order")
        ],
        "questions": [_question_data(question) for question in selected],
    }
    return _serialise(data, fmt)


_SERIALISERS: dict[Format, Callable[[dict[str, Any]], str]] = {
    "json": lambda data: json.dumps(data, indent=2, ensure_ascii=False) + "\n",
    "yaml": lambda data: yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    ),
}


def _serialise(data: dict[str, Any], fmt: Format) -> str:
    return _SERIALISERS[fmt](data)


# --- status -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationResult:
    activated: tuple[str, ...]
    refused: dict[str, list[str]]  # question id -> why it cannot be asked


@transaction.atomic
def questions_activate(*, questions: QuerySet[Question]) -> ActivationResult:
    """Make the questions active, except those that cannot be asked as they stand."""
    refused: dict[str, list[str]] = {}
    ready = []
    for question in questions.prefetch_related("choices").order_by("category__order", "id"):
        problems = question.choice_errors() + list(
            rules.demo_link_errors(question.demo_lesson, question.demo_preset).values()
        )
        if problems:
            refused[question.id] = problems
        elif question.status != Question.Status.ACTIVE:
            ready.append(question.id)
    Question.objects.filter(id__in=ready).update(
        status=Question.Status.ACTIVE, updated_at=timezone.now()
    )
    return ActivationResult(tuple(ready), refused)


@transaction.atomic
def questions_retire(*, questions: QuerySet[Question]) -> int:
    """Retire the questions (never delete them: answers and exports refer to them)."""
    return (
        Question.objects.filter(pk__in=questions.values("pk"))
        .exclude(status=Question.Status.RETIRED)
        .update(status=Question.Status.RETIRED, updated_at=timezone.now())
    )
