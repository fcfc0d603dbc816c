"""The question bank in the database: loading a bank file, exporting it, changing statuses.

`bank_load` validates the whole file first (questions/bankfile.py); with any error it changes
nothing. Otherwise it upserts by question id in one transaction and never deletes: a question
missing from the file is left alone (retire it instead). `bank_export` writes the bank back in
exactly the format `bank_load` reads, canonically, so that export -> load -> export is
byte-identical. `questions_activate` and `questions_retire` change the status of questions
chosen in the admin.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from questions import rules
from questions.bankfile import (
    BankFile,
    CategoryEntry,
    ChoiceEntry,
    DemoEntry,
    Format,
    ParamsEntry,
    QuestionEntry,
    bank_dump,
    bank_parse,
)
from questions.models import Category, Choice, Question, installed_sdk_version
from questions.services.quizzes import quiz_defaults_ensure
from questions.split import SplitItem, split

__all__ = [
    "ActivationResult",
    "BankLoadResult",
    "Tally",
    "bank_export",
    "bank_load",
    "questions_activate",
    "questions_pool_move",
    "questions_retire",
]

Outcome = Literal["created", "updated", "unchanged"]
ChoiceRow = tuple[str, bool, str]  # text, correct, rationale


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


def _tally(outcomes: list[tuple[str, Outcome]]) -> Tally:
    def keys(outcome: Outcome) -> tuple[str, ...]:
        return tuple(key for key, result in outcomes if result == outcome)

    return Tally(keys("created"), keys("updated"), keys("unchanged"))


def _changed_fields(instance: Category | Question, values: dict[str, object]) -> list[str]:
    """Set the fields whose value differs on `instance`; their names."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def _category_values(entry: CategoryEntry) -> dict[str, object]:
    return {
        "name": entry.name,
        "order": entry.order,
        "description": entry.description,
        "lesson_slug": entry.lesson,
    }


def _upsert_categories(entries: list[CategoryEntry]) -> tuple[Tally, dict[str, Category]]:
    stored = {category.slug: category for category in Category.objects.all()}
    wanted = {entry.slug: _category_values(entry) for entry in entries}
    # The file may swap two categories' order: park the moving ones out of the way first, so the
    # unique order holds at every step.
    moving = [c.pk for slug, c in stored.items() if c.order != wanted[slug]["order"]]
    Category.objects.filter(pk__in=moving).update(order=F("order") + 1000)

    outcomes: list[tuple[str, Outcome]] = []
    for slug, values in wanted.items():
        category = stored.get(slug)
        if category is None:
            stored[slug] = Category.objects.create(slug=slug, **values)
            outcomes.append((slug, "created"))
        elif _changed_fields(category, values):
            category.save()
            outcomes.append((slug, "updated"))
        else:
            outcomes.append((slug, "unchanged"))
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
        **_pool_values(entry, stored),
    }


def _pool_values(entry: QuestionEntry, stored: Question | None) -> dict[str, object]:
    """The file's pool and pretest state; what the file leaves out is kept for a stored question
    and decided for the whole load for a new one (`_new_pool_values`)."""
    values: dict[str, object] = {}
    if entry.pool is not None:
        values["pool"] = entry.pool
    elif stored is not None:
        values["pool"] = stored.pool
    if entry.pretest is not None:
        values["pretest"] = entry.pretest
    elif stored is not None:
        values["pretest"] = stored.pretest
    return values


def _new_pool_values(bank: BankFile, stored: dict[str, Question]) -> dict[str, dict[str, object]]:
    """Pool and pretest state for the file's new questions that leave them out.

    Pools: the stratified split of every cell (questions.split), the questions already stored
    and the file's own choices kept. Pretest: a new question enters pretest, unless this load
    starts the bank (nothing operational is stored yet), whose items are operational from the
    start at their level's parameters.
    """
    new = [entry for entry in bank.questions if entry.id not in stored]
    if not new:
        return {}
    starts_bank = not Question.objects.operational().exists()
    in_file = {entry.id: entry for entry in bank.questions}
    items = [
        SplitItem(question_id, category, level, in_file[question_id].pool or pool)
        if question_id in in_file
        else SplitItem(question_id, category, level, pool)
        for question_id, category, level, pool in Question.objects.exclude(
            status=Question.Status.RETIRED
        ).values_list("id", "category__slug", "level", "pool")
    ]
    items += [SplitItem(e.id, e.category, e.level, e.pool) for e in new]
    pools = split(items)
    return {
        entry.id: {
            "pool": pools[entry.id],
            "pretest": not starts_bank if entry.pretest is None else entry.pretest,
        }
        for entry in new
    }


def _choice_rows(entry: QuestionEntry) -> list[ChoiceRow]:
    return [(choice.text, choice.correct, choice.rationale) for choice in entry.choices]


def _new_choices(question: Question, rows: list[ChoiceRow]) -> list[Choice]:
    return [
        Choice(question=question, order=order, text=text, is_correct=correct, rationale=rationale)
        for order, (text, correct, rationale) in enumerate(rows)
    ]


def _replace_choices(question: Question, wanted: list[ChoiceRow]) -> None:
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


def _question_update(question: Question, values: dict[str, object], rows: list[ChoiceRow]) -> bool:
    """Bring a stored question to `values` and choices `rows`; whether anything changed."""
    stored_rows = [(c.text, c.is_correct, c.rationale) for c in question.choices.all()]
    changed = _changed_fields(question, values)
    if not changed and stored_rows == rows:
        return False
    question.save()  # also when only the choices changed: updated_at says the question did
    if stored_rows != rows:
        _replace_choices(question, rows)
    return True


def _upsert_questions(bank: BankFile, categories: dict[str, Category]) -> Tally:
    stored = (
        Question.objects.filter(id__in=[entry.id for entry in bank.questions])
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
        .in_bulk()
    )
    new_questions: list[Question] = []
    new_choices: list[Choice] = []
    outcomes: list[tuple[str, Outcome]] = []
    new_pools = _new_pool_values(bank, stored)
    for entry in bank.questions:
        question = stored.get(entry.id)
        values = _question_values(entry, bank, categories[entry.category], question)
        rows = _choice_rows(entry)
        if question is None:
            question = Question(id=entry.id, **(values | new_pools[entry.id]))
            new_questions.append(question)
            new_choices += _new_choices(question, rows)
            outcomes.append((entry.id, "created"))
        else:
            changed = _question_update(question, values, rows)
            outcomes.append((entry.id, "updated" if changed else "unchanged"))
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
# The stored rows are written as they are, unvalidated (model_construct): an export never fails,
# and whatever the database holds that a file could not is reported when the file is loaded.


def _category_entry(category: Category) -> CategoryEntry:
    return CategoryEntry.model_construct(
        slug=category.slug,
        name=category.name,
        order=category.order,
        lesson=category.lesson_slug,
        description=category.description,
    )


def _question_entry(question: Question) -> QuestionEntry:
    return QuestionEntry.model_construct(
        id=question.id,
        category=question.category.slug,
        level=question.level,
        kind=question.kind,
        style=question.style,
        topic=question.topic,
        objective=question.objective,
        status=question.status,
        sdk_version=question.sdk_version,
        prompt=question.prompt,
        choices=[
            ChoiceEntry.model_construct(
                text=choice.text, correct=choice.is_correct, rationale=choice.rationale
            )
            for choice in question.choices.all()
        ],
        explanation=question.explanation,
        evidence_kind=question.evidence_kind,
        evidence=question.evidence,
        demo=DemoEntry.model_construct(lesson=question.demo_lesson, preset=question.demo_preset),
        params=ParamsEntry.model_construct(
            a=question.discrimination, b=question.difficulty, c=question.guessing
        ),
        pool=question.pool,
        pretest=question.pretest,
    )


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
    bank = BankFile.model_construct(
        sdk_version=_bank_sdk_version(selected),
        categories=[_category_entry(category) for category in Category.objects.order_by("order")],
        questions=[_question_entry(question) for question in selected],
    )
    return bank_dump(bank, fmt=fmt)


# --- status -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationResult:
    activated: tuple[str, ...]
    refused: dict[str, list[str]]  # question id -> why it cannot be asked


def _activation_problems(question: Question) -> list[str]:
    return question.choice_errors() + list(
        rules.demo_link_errors(question.demo_lesson, question.demo_preset).values()
    )


@transaction.atomic
def questions_activate(*, questions: QuerySet[Question]) -> ActivationResult:
    """Make the questions active, except those that cannot be asked as they stand."""
    refused: dict[str, list[str]] = {}
    ready = []
    for question in questions.prefetch_related("choices").order_by("category__order", "id"):
        if problems := _activation_problems(question):
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


@transaction.atomic
def questions_pool_move(*, questions: QuerySet[Question], pool: str) -> int:
    """Move the questions into `pool` (exam or practice); how many moved.

    Refused (ValueError, nothing changed) for an unknown pool. An item practice has shown loses
    nothing by leaving the exam, but one moved *into* the exam should never have been shown: the
    admin says so before it is done.
    """
    if pool not in Question.Pool.values:
        raise ValueError(f"Unknown pool {pool!r} (one of: {', '.join(Question.Pool.values)}).")
    return (
        Question.objects.filter(pk__in=questions.values("pk"))
        .exclude(pool=pool)
        .update(pool=pool, updated_at=timezone.now())
    )
