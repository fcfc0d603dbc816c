"""Banks in and out through GIFT, Moodle XML and QTI: the database side.

`bank_interchange_export` writes the stored bank in a format and says what the format leaves in
certify. `bank_interchange_load` reads a file (questions/interchange/) and merges it into the
bank in one transaction, all or nothing:

- An item the file names by its certify ID (or by the identifier it was imported under
  before) is updated in what the format holds; the rest (evidence, demo link, parameters,
  status, ...) stays as it was. A text the file leaves empty is not erased.
- An item new to the bank enters as a draft, never active, with what the bank still requires
  of it listed for the instructor.
- Any error (a malformed file, a label the bank does not know, a change that would make an
  active item unaskable) refuses the whole file, every error named with its line or element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from questions import rules
from questions.bankfile import BankError, BankInvalid
from questions.interchange import (
    EXTENSIONS,
    HELD,
    LABELS,
    MEDIA_TYPES,
    ImportedBank,
    ImportedItem,
    Interchange,
    Skipped,
    category_leaf,
    first_words,
    not_held_message,
    shortened,
)
from questions.interchange.gift import gift_read, gift_write
from questions.interchange.moodle_xml import moodle_xml_read, moodle_xml_write
from questions.interchange.qti import qti_read, qti_write
from questions.models import Category, Choice, Question, installed_sdk_version
from questions.objectives import OBJECTIVES_BY_KEY
from questions.services.bank import (
    ChoiceRow,
    Outcome,
    Tally,
    _changed_fields,
    _new_choices,
    _replace_choices,
    _stored_row,
    _tally,
    bank_entries,
)

__all__ = [
    "InterchangeExport",
    "InterchangeLoadResult",
    "bank_interchange_export",
    "bank_interchange_load",
    "bank_interchange_read",
]

_ID = re.compile(rules.QUESTION_ID_PATTERN)


# --- exporting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterchangeExport:
    data: bytes
    filename: str
    media_type: str
    not_held: str  # what the format leaves in certify, in words


def bank_interchange_export(
    *, fmt: Interchange, questions: QuerySet[Question] | None = None
) -> InterchangeExport:
    """The bank (or `questions`) in `fmt`, keys included: for staff only."""
    bank = bank_entries(questions=questions)
    note = not_held_message(fmt, bank)
    if fmt == "gift":
        data = gift_write(bank, note=note).encode()
    elif fmt == "moodle-xml":
        data = moodle_xml_write(bank, note=note)
    else:
        data = qti_write(bank, note=note)
    filename = f"certify-bank{'-qti' if fmt == 'qti' else ''}{EXTENSIONS[fmt]}"
    return InterchangeExport(data, filename, MEDIA_TYPES[fmt], note)


# --- reading ----------------------------------------------------------------------------------


def bank_interchange_read(*, data: bytes, fmt: Interchange, source: str) -> ImportedBank:
    """What a file says (no database): BankInvalid lists every error with its line."""
    if fmt == "gift":
        return gift_read(data=data, source=source)
    if fmt == "moodle-xml":
        return moodle_xml_read(data=data, source=source)
    return qti_read(data=data, source=source)


# --- merging ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterchangeLoadResult:
    fmt: Interchange
    questions: Tally
    drafts: dict[str, list[str]]  # new item id -> what the bank still requires of it
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"Questions: {self.questions}."

    def report(self) -> list[str]:
        """Lines for the instructor: new drafts and what they lack, what was left out."""
        lines = [
            f"New draft {question_id}: missing {', '.join(missing)}."
            if missing
            else f"New draft {question_id}: complete; activate it when it is reviewed."
            for question_id, missing in self.drafts.items()
        ]
        lines += [f"Left out, {skipped}." for skipped in self.skipped]
        return lines + list(self.notes)


@dataclass
class _Plan:
    """What the file does to the bank, worked out before anything is written."""

    fmt: Interchange
    categories: list[Category]
    stored: dict[str, Question]
    by_key: dict[str, Question]
    keys: dict[int, str]  # id(item) -> its import key
    errors: list[BankError] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)  # ids given out in this file
    updates: list[tuple[Question, dict[str, object], list[ChoiceRow]]] = field(default_factory=list)
    new: list[tuple[Question, list[ChoiceRow]]] = field(default_factory=list)
    drafts: dict[str, list[str]] = field(default_factory=dict)
    next_number: dict[str, int] = field(default_factory=dict)

    def error(self, item: ImportedItem, what: str, message: str) -> None:
        label = item.identifier or item.name
        where = f"{item.where} ({label})" if label else item.where
        self.errors.append(BankError(where, what, message))

    def category_for(self, item: ImportedItem) -> Category | None:
        """The bank category a file's category names (by slug, ID number or name), if any."""
        wanted = {item.category_key.lower(), category_leaf(item.category).lower()} - {""}
        return next((c for c in self.categories if {c.slug.lower(), c.name.lower()} & wanted), None)

    def key_of(self, item: ImportedItem) -> str:
        return self.keys[id(item)]


def _keys(fmt: Interchange, items: tuple[ImportedItem, ...]) -> dict[int, str]:
    """Each item's import key: its format and its name there, numbered from the second item
    of a file that gives the same name (Moodle allows it) so that each keeps its own."""
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    for item in items:
        base = f"{fmt}:{item.identifier or item.name or first_words(item.prompt, 60)}"[:190]
        seen[base] = seen.get(base, 0) + 1
        keys[id(item)] = base if seen[base] == 1 else f"{base}#{seen[base]}"
    return keys


def _labels(plan: _Plan, item: ImportedItem) -> dict[str, str]:
    """The item's level, style and objective from its tags, each checked."""
    allowed = {"level": rules.LEVELS, "style": rules.STYLES, "objective": tuple(OBJECTIVES_BY_KEY)}
    labels = {}
    for name, value in item.tags:
        if name in HELD[plan.fmt] and value not in allowed[name]:
            plan.error(
                item, name, f"Unknown {name} '{value}' (one of: {', '.join(allowed[name])})."
            )
        elif name in HELD[plan.fmt]:
            labels[name] = value
    return labels


def _topic(plan: _Plan, item: ImportedItem) -> str | None:
    if "topic" not in HELD[plan.fmt] or not item.name.strip() or item.name == item.identifier:
        return None
    return shortened(item.name, rules.TOPIC_MAX_LENGTH)


def _rows(item: ImportedItem, stored: list[Choice]) -> list[ChoiceRow]:
    """The file's choices; where the file gives a choice no feedback, it keeps its rationale.
    A choice's claim (a generated item's) is not in any format: it stays with its position."""
    rows: list[ChoiceRow] = []
    for position, choice in enumerate(item.choices):
        old = stored[position] if position < len(stored) else None
        text, rationale = choice.text, choice.feedback
        if old is None:
            rows.append((text, choice.correct, rationale, None))
            continue
        text = _kept(old.text, text)
        rationale = _kept(old.rationale, rationale) if rationale.strip() else old.rationale
        rows.append((text, choice.correct, rationale, old.claim))
    return rows


def _generated_choices_kept(
    plan: _Plan, item: ImportedItem, question: Question, rows: list[ChoiceRow]
) -> None:
    """A generated item's choices and key come from its family's scenario run: a file may
    reword feedback, never the choices or the key."""
    stored = [(c.text, c.is_correct) for c in question.choices.all()]
    if question.family and [(text, correct) for text, correct, *_ in rows] != stored:
        plan.error(
            item,
            "choices",
            f"{question.id} is generated (family {question.family}): its choices and key come "
            "from its scenario's run, so change them with generate_items, not a file.",
        )


def _kept(stored: str, given: str) -> str:
    """The stored text when the file's differs only in surrounding whitespace (formats trim)."""
    return stored if stored.strip() == given.strip() else given


def _choice_problems(plan: _Plan, item: ImportedItem, kind: str, active: bool) -> list[str]:
    """Errors for texts no item may lack; for an active item, the rules of its kind too."""
    problems = []
    if any(not choice.text.strip() for choice in item.choices):
        plan.error(item, "choices", "Every choice has a text.")
    correct = [choice.correct for choice in item.choices]
    rule_errors = rules.choice_set_errors(kind, correct)
    if active:
        for message in rule_errors:
            plan.error(item, "choices", f"{message} The item is active, so it must stay askable.")
    else:
        problems += [message.rstrip(".").lower() for message in rule_errors]
    return problems


def _update(plan: _Plan, item: ImportedItem, question: Question) -> None:
    category = plan.category_for(item)
    if question.category_id is not None and category and category.pk != question.category_id:
        plan.error(
            item,
            "category",
            f"{question.id} is in {question.category_slug}; its ID ties it there, so a file "
            "cannot move it.",
        )
    values: dict[str, object] = {"kind": item.kind, "prompt": _kept(question.prompt, item.prompt)}
    if item.explanation.strip():
        values["explanation"] = _kept(question.explanation, item.explanation)
    if (topic := _topic(plan, item)) is not None:
        values["topic"] = topic
    values.update(_labels(plan, item))
    _choice_problems(plan, item, item.kind, question.status == Question.Status.ACTIVE)
    rows = _rows(item, list(question.choices.all()))
    _generated_choices_kept(plan, item, question, rows)
    plan.updates.append((question, values, rows))


def _new_id(plan: _Plan, item: ImportedItem, category: Category | None) -> str:
    candidate = item.identifier
    prefix = category.slug if category else "draft"
    if (
        _ID.fullmatch(candidate)
        and candidate.startswith(f"{prefix}-")
        and candidate not in plan.stored
        and candidate not in plan.taken
        and not Question.objects.filter(pk=candidate).exists()
    ):
        return candidate
    number = plan.next_number.get(prefix) or _highest_number(prefix) + 1
    while f"{prefix}-{number:02d}" in plan.taken:
        number += 1
    plan.next_number[prefix] = number + 1
    return f"{prefix}-{number:02d}"


def _highest_number(prefix: str) -> int:
    ids = Question.objects.filter(id__startswith=f"{prefix}-").values_list("id", flat=True)
    numbers = [int(tail) for qid in ids if (tail := qid[len(prefix) + 1 :]).isdigit()]
    return max(numbers, default=0)


def _create(plan: _Plan, item: ImportedItem) -> None:
    category = plan.category_for(item)
    question_id = _new_id(plan, item, category)
    plan.taken.add(question_id)
    labels = _labels(plan, item)
    level = labels.get("level", "")
    if not item.prompt.strip():
        plan.error(item, "prompt", "The question has no text.")
    rule_problems = _choice_problems(plan, item, item.kind, active=False)
    params = rules.default_item_parameters(level, item.kind, len(item.choices))
    question = Question(
        id=question_id,
        category=category,
        level=level,
        kind=item.kind,
        style=labels.get("style", Question.Style.CONCEPT),
        topic=_topic(plan, item) or first_words(item.prompt, rules.TOPIC_MAX_LENGTH),
        objective=labels.get("objective", ""),
        prompt=item.prompt,
        explanation=item.explanation,
        evidence_kind=Question.EvidenceKind.TEST,
        evidence="",
        demo_lesson="",
        demo_preset="",
        status=Question.Status.DRAFT,
        sdk_version=installed_sdk_version(),
        discrimination=params.discrimination,
        difficulty=params.difficulty,
        guessing=params.guessing,
        import_key="" if question_id == item.identifier else plan.key_of(item),
    )
    plan.new.append((question, [(c.text, c.correct, c.feedback, None) for c in item.choices]))
    plan.drafts[question_id] = question.missing_fields() + _unfinished(item) + rule_problems


def _unfinished(item: ImportedItem) -> list[str]:
    missing = [] if item.explanation.strip() else ["explanation"]
    if any(not choice.feedback.strip() for choice in item.choices):
        missing.append("per-option feedback")
    return missing


def _target(plan: _Plan, item: ImportedItem) -> Question | None:
    if item.identifier and item.identifier in plan.stored:
        return plan.stored[item.identifier]
    return plan.by_key.get(plan.key_of(item))


def _plan(imported: ImportedBank) -> _Plan:
    keys = _keys(imported.fmt, imported.items)
    questions = Question.objects.select_related("category").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order"))
    )
    ids = [item.identifier for item in imported.items if item.identifier]
    stored = questions.in_bulk(ids)
    by_key = {q.import_key: q for q in questions.filter(import_key__in=keys.values())}
    plan = _Plan(imported.fmt, list(Category.objects.order_by("order")), stored, by_key, keys)
    seen: dict[str, str] = {}
    for item in imported.items:
        question = _target(plan, item)
        if question is None:
            _create(plan, item)
        elif question.pk in seen:
            plan.error(item, "id", f"{question.pk} is given twice (first at {seen[question.pk]}).")
        else:
            seen[question.pk] = item.where
            _update(plan, item, question)
    return plan


def _apply(plan: _Plan) -> Tally:
    outcomes: list[tuple[str, Outcome]] = []
    for question, values, rows in plan.updates:
        stored_rows = [_stored_row(choice) for choice in question.choices.all()]
        changed = _changed_fields(question, values)
        if changed or stored_rows != rows:
            question.save()
            if stored_rows != rows:
                _replace_choices(question, rows)
            outcomes.append((question.pk, "updated"))
        else:
            outcomes.append((question.pk, "unchanged"))
    Question.objects.bulk_create([question for question, _ in plan.new])
    Choice.objects.bulk_create(
        choice for question, rows in plan.new for choice in _new_choices(question, rows)
    )
    outcomes += [(question.pk, "created") for question, _ in plan.new]
    return _tally(outcomes)


@transaction.atomic
def bank_interchange_load(
    *, data: bytes, fmt: Interchange, source: str | None = None
) -> InterchangeLoadResult:
    """Merge a GIFT, Moodle XML or QTI file into the bank, all or nothing.

    Raises BankInvalid (having changed nothing) listing every error with its line or element.
    """
    imported = bank_interchange_read(data=data, fmt=fmt, source=source or LABELS[fmt])
    plan = _plan(imported)
    if imported.errors or plan.errors:
        raise BankInvalid([*imported.errors, *plan.errors])
    tally = _apply(plan)
    return InterchangeLoadResult(fmt, tally, plan.drafts, imported.skipped, imported.notes)
