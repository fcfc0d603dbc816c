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
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Avg, F, Prefetch, QuerySet
from django.utils import timezone
from pydantic import ValidationError

from questions import rules
from questions.bankfile import (
    BankError,
    BankFile,
    BankInvalid,
    CategoryEntry,
    ChoiceEntry,
    DemoEntry,
    Format,
    ParamsEntry,
    QuestionEntry,
    bank_dump,
    bank_parse,
)
from questions.claims import Claim
from questions.models import (
    Answer,
    Category,
    Choice,
    ItemWithdrawal,
    Question,
    installed_sdk_version,
)
from questions.services.quizzes import quiz_defaults_ensure
from questions.split import SplitItem, split

__all__ = [
    "ActivationResult",
    "BankLoadResult",
    "Tally",
    "bank_entries",
    "bank_export",
    "bank_load",
    "questions_activate",
    "questions_pool_move",
    "questions_retire",
]

Outcome = Literal["created", "updated", "unchanged"]
ChoiceRow = tuple[str, bool, str, dict[str, Any] | None]  # text, correct, rationale, claim


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
        "family": entry.family or "",
        "variant": entry.variant or "",
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


def _new_pool_values(
    bank: BankFile, stored: dict[str, Question], *, starts_bank: bool
) -> dict[str, dict[str, object]]:
    """Pool and pretest state for the file's new questions that leave them out.

    Pools: the stratified split of every cell (questions.split), the questions already stored
    and the file's own choices kept. Pretest: a new hand-written question, or a variant of a new
    family, enters pretest; a variant of a family already in use is operational from the start,
    with the family's parameters (unless the file gives its own); and the load that starts the
    bank (nothing operational stored yet) is operational at the level's parameters.
    """
    new = [entry for entry in bank.questions if entry.id not in stored]
    if not new:
        return {}
    families = _family_parameters({entry.family for entry in new if entry.family})
    pools = split(_split_items(bank, new))
    return {
        entry.id: _new_values(
            entry, pools[entry.id], families.get(entry.family or ""), starts_bank=starts_bank
        )
        for entry in new
    }


def _new_values(
    entry: QuestionEntry,
    pool: str,
    family: rules.ItemParameters | None,
    *,
    starts_bank: bool,
) -> dict[str, object]:
    """One new question's pool and pretest state, with its family's parameters where it takes
    them."""
    pretest = not starts_bank and family is None
    values: dict[str, object] = {
        "pool": pool,
        "pretest": pretest if entry.pretest is None else entry.pretest,
    }
    if family is not None and entry.params is None:
        values |= asdict(family)
    return values


def _split_items(bank: BankFile, new: list[QuestionEntry]) -> list[SplitItem]:
    """Every question not retired as the split sees it: stored ones with their pool (or the
    file's, where it moves them), then the new ones."""
    in_file = {entry.id: entry.pool for entry in bank.questions}
    stored = Question.objects.exclude(status=Question.Status.RETIRED).values_list(
        "id", "category__slug", "level", "pool"
    )
    items = [
        SplitItem(question_id, category, level, in_file.get(question_id) or pool)
        for question_id, category, level, pool in stored
    ]
    return items + [SplitItem(e.id, e.category, e.level, e.pool) for e in new]


def _family_parameters(families: set[str]) -> dict[str, rules.ItemParameters]:
    """The parameters of each family already in use (with an operational variant): the mean of
    its operational variants' (calibration refits a family as one item until its variants have
    data of their own)."""
    rows = (
        Question.objects.operational()
        .filter(family__in=families)
        .values("family")
        .annotate(a=Avg("discrimination"), b=Avg("difficulty"), c=Avg("guessing"))
        .values_list("family", "a", "b", "c")
    )
    return {family: rules.ItemParameters(a, b, c) for family, a, b, c in rows}


def _choice_rows(entry: QuestionEntry) -> list[ChoiceRow]:
    return [
        (
            choice.text,
            choice.correct,
            choice.rationale,
            None if choice.claim is None else choice.claim.as_data(),
        )
        for choice in entry.choices
    ]


def _stored_row(choice: Choice) -> ChoiceRow:
    return (choice.text, choice.is_correct, choice.rationale, choice.claim)


def _new_choices(question: Question, rows: list[ChoiceRow]) -> list[Choice]:
    return [
        Choice(
            question=question,
            order=order,
            text=text,
            is_correct=correct,
            rationale=rationale,
            claim=claim,
        )
        for order, (text, correct, rationale, claim) in enumerate(rows)
    ]


def _replace_choices(question: Question, wanted: list[ChoiceRow]) -> None:
    """Make the question's choices `wanted`, in order, updating rows in place by position so
    that a choice keeps its identity (answers may point at it) when only its wording changes."""
    by_order = {choice.order: choice for choice in question.choices.all()}
    Choice.objects.filter(question=question, order__gte=len(wanted)).delete()
    for order, row in enumerate(wanted):
        text, correct, rationale, claim = row
        choice = by_order.get(order)
        if choice is None:
            Choice.objects.create(
                question=question,
                order=order,
                text=text,
                is_correct=correct,
                rationale=rationale,
                claim=claim,
            )
        elif _stored_row(choice) != row:
            choice.text, choice.is_correct, choice.rationale, choice.claim = row
            choice.save(update_fields=["text", "is_correct", "rationale", "claim"])


def _question_update(question: Question, values: dict[str, object], rows: list[ChoiceRow]) -> bool:
    """Bring a stored question to `values` and choices `rows`; whether anything changed."""
    stored_rows = [_stored_row(choice) for choice in question.choices.all()]
    changed = _changed_fields(question, values)
    if not changed and stored_rows == rows:
        return False
    question.save()  # also when only the choices changed: updated_at says the question did
    if stored_rows != rows:
        _replace_choices(question, rows)
    return True


def _upsert_questions(
    bank: BankFile, categories: dict[str, Category], *, starts_bank: bool
) -> Tally:
    stored = (
        Question.objects.filter(id__in=[entry.id for entry in bank.questions])
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
        .in_bulk()
    )
    new_questions: list[Question] = []
    new_choices: list[Choice] = []
    outcomes: list[tuple[str, Outcome]] = []
    new_pools = _new_pool_values(bank, stored, starts_bank=starts_bank)
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


def _starts_bank() -> bool:
    """Whether a load starts the bank: nothing operational is stored yet, so what it brings is
    operational from the start (at the level's parameters) rather than pretest."""
    return not Question.objects.operational().exists()


def _load(bank: BankFile, *, starts_bank: bool) -> BankLoadResult:
    category_tally, categories = _upsert_categories(bank.categories)
    question_tally = _upsert_questions(bank, categories, starts_bank=starts_bank)
    # The default quizzes come with the bank (drills need its categories); existing ones stay.
    quizzes = tuple(quiz.slug for quiz in quiz_defaults_ensure())
    return BankLoadResult(category_tally, question_tally, quizzes)


@transaction.atomic
def bank_load(*, text: str | bytes, source: str = "bank file") -> BankLoadResult:
    """Validate the whole bank file, then upsert its categories and questions, all or nothing.

    Raises BankInvalid (having changed nothing) when the file has any error.
    """
    bank = bank_parse(text=text, source=source)
    return _load(bank, starts_bank=_starts_bank())


class BankFileInvalid(BankInvalid):
    """One of several bank files is invalid: `source` names it."""

    def __init__(self, source: str, errors: list[BankError]) -> None:
        super().__init__(errors)
        self.source = source


@transaction.atomic
def banks_load(*, files: Sequence[tuple[str | bytes, str]]) -> list[BankLoadResult]:
    """Load several bank files (text, source name) in order, all or nothing: the hand-written
    bank and the generated one, say. Raises BankFileInvalid (nothing changed) for the first
    invalid file. Files that start the bank together are all operational from the start."""
    starts_bank = _starts_bank()
    results = []
    for text, source in files:
        try:
            bank = bank_parse(text=text, source=source)
        except BankInvalid as invalid:
            raise BankFileInvalid(source, invalid.errors) from None
        results.append(_load(bank, starts_bank=starts_bank))
    return results


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
        category=question.category_slug,
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
                text=choice.text,
                correct=choice.is_correct,
                rationale=choice.rationale,
                claim=_stored_claim(choice.claim),
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
        family=question.family or None,
        variant=question.variant or None,
        pool=question.pool,
        pretest=question.pretest,
    )


def _stored_claim(data: dict[str, Any] | None) -> Claim | None:
    """A stored claim as the file writes it; one the file could not hold goes out as it is."""
    if data is None:
        return None
    try:
        return Claim.model_validate(data)
    except ValidationError:
        return Claim.model_construct(**data)


def _bank_sdk_version(questions: list[Question]) -> str:
    """The version most questions were checked against (every question also states its own)."""
    counts = Counter(question.sdk_version for question in questions)
    if not counts:
        return installed_sdk_version()
    return max(counts, key=lambda version: (counts[version], version))


def bank_entries(*, questions: QuerySet[Question] | None = None) -> BankFile:
    """The stored bank (all of it, or `questions` with every category) as a `BankFile`, rows as
    they are (unvalidated): what every export writes, in whichever format."""
    selected = list(
        (Question.objects.all() if questions is None else questions)
        .select_related("category")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
        .order_by(F("category__order").asc(nulls_last=True), "id")
    )
    return BankFile.model_construct(
        sdk_version=_bank_sdk_version(selected),
        categories=[_category_entry(category) for category in Category.objects.order_by("order")],
        questions=[_question_entry(question) for question in selected],
    )


def bank_export(*, questions: QuerySet[Question] | None = None, fmt: Format = "yaml") -> str:
    """The bank (all of it, or `questions` with every category) as a file `bank_load` reads."""
    return bank_dump(bank_entries(questions=questions), fmt=fmt)


# --- status -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationResult:
    activated: tuple[str, ...]
    refused: dict[str, list[str]]  # question id -> why it cannot be asked


def _activation_problems(question: Question) -> list[str]:
    missing = question.missing_fields()
    problems = [f"Missing: {', '.join(missing)}."] if missing else []
    if question.demo_lesson and question.demo_preset:
        problems += rules.demo_link_errors(question.demo_lesson, question.demo_preset).values()
    return problems + question.choice_errors()


@transaction.atomic
def questions_activate(*, questions: QuerySet[Question]) -> ActivationResult:
    """Make the questions active, except those that cannot be asked as they stand."""
    refused: dict[str, list[str]] = {}
    ready = []
    ordered = questions.select_related("category").prefetch_related("choices")
    for question in ordered.order_by("category__order", "id"):
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


class WithdrawalRefused(Exception):
    """The item cannot be withdrawn that way; nothing was changed (the message says why)."""


@transaction.atomic
def question_withdraw(
    *,
    question: Question,
    action: str,
    reason: str,
    user: AbstractBaseUser,
    flags: Sequence[str] = (),
    now: datetime | None = None,
) -> ItemWithdrawal:
    """Retire a flagged item, or send it back to pretest, and log who did it and why.

    Exam forms assembled afterwards stop asking it as a scored item (retired: not at all;
    pretest: only unscored, until calibrated again). Results already given are untouched: the
    log records how many attempts had answered it. Refused, with nothing changed, without a
    reason, for an item already retired (or already in pretest), and for sending a practice item
    to pretest (practice has shown its key: pretest items are secure).
    """
    reason = reason.strip()
    locked = Question.objects.select_for_update().get(pk=question.pk)
    _check_withdrawal(locked, action, reason)
    if action == ItemWithdrawal.Action.RETIRE:
        locked.status = Question.Status.RETIRED
    else:
        locked.pretest = True
    locked.save(update_fields=["status", "pretest", "updated_at"])
    answered = (
        Answer.objects.filter(question=locked, answered_at__isnull=False)
        .values("attempt_id")
        .distinct()
        .count()
    )
    return ItemWithdrawal.objects.create(
        question=locked,
        action=action,
        reason=reason,
        flags=list(flags),
        by_id=user.pk,
        by_name=user.get_username(),
        attempts_answered=answered,
        created_at=now or timezone.now(),
    )


def _check_withdrawal(question: Question, action: str, reason: str) -> None:
    if action not in ItemWithdrawal.Action.values:
        raise WithdrawalRefused(f"Unknown action '{action}': retire or pretest.")
    if not reason:
        raise WithdrawalRefused("Say why (the reason is kept with the action).")
    if question.status == Question.Status.RETIRED:
        raise WithdrawalRefused(f"{question.id} is already retired.")
    if question.status != Question.Status.ACTIVE:
        raise WithdrawalRefused(f"{question.id} is a draft: no form asks it.")
    if action == ItemWithdrawal.Action.PRETEST:
        if question.pretest:
            raise WithdrawalRefused(f"{question.id} is already in pretest.")
        if question.pool == Question.Pool.PRACTICE:
            raise WithdrawalRefused(
                f"{question.id} is a practice item: practice has shown its key, so it cannot "
                "go back to pretest (pretest items are secure). Retire it instead."
            )
