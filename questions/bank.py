"""The bank file: its schema, the loader and the exporter.

A bank file (YAML, or the same structure in JSON) holds the five categories and any number of
questions. `bank_load` validates the whole file first and collects every error, each naming the
question (or category) and the field; with any error it changes nothing. Otherwise it upserts by
question id in one transaction and never deletes: a question missing from the file is left alone
(retire it instead). `bank_export` writes the bank back in exactly the format `bank_load` reads,
canonically, so that export -> load -> export is byte-identical. `questions_activate` and
`questions_retire` change the status of questions chosen in the admin.

The schema mirrors the model: value sets and parameter ranges come from questions/rules.py, and
lengths from the model fields, so the file cannot hold what the database or the admin would refuse.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    TypeAdapter,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from lessons.catalog import LESSONS_BY_SLUG
from questions import rules
from questions.models import QUESTION_ID, Category, Choice, Question, installed_sdk_version
from questions.objectives import OBJECTIVES_BY_KEY

DEFAULT_PATH = Path(__file__).resolve().parent / "bank" / "streaming.yaml"
MAX_JUDGEMENT_QUESTIONS = 8
# A pytest node id: a test file under the repository and a test function (maybe in a class).
TEST_NODE_ID = re.compile(r"^[\w./-]+\.py(::[\w\[\].-]+)+$")

Format = Literal["yaml", "json"]


# --- errors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankError:
    """One problem in a bank file: where (question id, category slug or the file), which field."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.where} {self.field}" if self.field else self.where
        return f"{where}: {self.message}"


class BankInvalid(Exception):
    """The file cannot be loaded; `errors` lists every problem found, in file order."""

    def __init__(self, errors: list[BankError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


# --- schema -------------------------------------------------------------------------------------


def _fail(message: str) -> PydanticCustomError:
    # Passed as the context's only value so that braces in user content are never formatted.
    return PydanticCustomError("bank", "{message}", {"message": message})


def _one_of(what: str, values: Iterable[str]) -> AfterValidator:
    allowed = tuple(values)

    def check(value: str) -> str:
        if value not in allowed:
            raise _fail(f"Unknown {what} '{value}' (one of: {', '.join(allowed)}).")
        return value

    return AfterValidator(check)


def _text(max_length: int | None = None) -> AfterValidator:
    def check(value: str) -> str:
        if not value.strip():
            raise _fail("Must not be empty.")
        if max_length is not None and len(value) > max_length:
            raise _fail(f"At most {max_length} characters ({len(value)} given).")
        return value

    return AfterValidator(check)


def _matches(pattern: re.Pattern[str] | str, message: str) -> AfterValidator:
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise _fail(message)
        return value

    return AfterValidator(check)


def _max_length(model: type[Category | Question], field: str) -> int:
    length = model._meta.get_field(field).max_length
    assert length is not None
    return length


def _between(bounds: tuple[float, float]) -> Any:
    low, high = bounds
    return Field(ge=low, le=high)


Slug = Annotated[str, _matches(r"[-a-zA-Z0-9_]+", "Use letters, digits, hyphens and underscores.")]
SdkVersion = Annotated[
    str,
    _matches(r"\d+(\.\d+)*[\w.+-]*", "A version such as 0.24.0."),
    _text(_max_length(Question, "sdk_version")),
]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryEntry(_Entry):
    slug: Annotated[str, _one_of("category", Category.Slug.values)]
    name: Annotated[str, _text(_max_length(Category, "name"))]
    order: Annotated[StrictInt, Field(ge=1, le=100)]
    lesson: Annotated[str, _one_of("lesson", LESSONS_BY_SLUG)]
    description: str = ""


class ChoiceEntry(_Entry):
    text: Annotated[str, _text()]
    correct: StrictBool
    rationale: Annotated[str, _text()]


class DemoEntry(_Entry):
    lesson: Annotated[str, _one_of("lesson", LESSONS_BY_SLUG)]
    preset: Annotated[Slug, _text(_max_length(Question, "demo_preset"))]


class ParamsEntry(_Entry):
    """Item parameters of the adaptive engine: discrimination a, difficulty b, guessing c."""

    a: Annotated[StrictFloat, _between(rules.DISCRIMINATION_RANGE)]
    b: Annotated[StrictFloat, _between(rules.DIFFICULTY_RANGE)]
    c: Annotated[StrictFloat, _between(rules.GUESSING_RANGE)]


class QuestionEntry(_Entry):
    id: Annotated[str, _matches(QUESTION_ID.regex, QUESTION_ID.message)]
    category: Annotated[str, _one_of("category", Category.Slug.values)]
    level: Annotated[str, _one_of("level", rules.LEVELS)]
    kind: Annotated[str, _one_of("kind", rules.KINDS)]
    style: Annotated[str, _one_of("style", rules.STYLES)]
    topic: Annotated[str, _text(_max_length(Question, "topic"))]
    objective: Annotated[str, _one_of("objective", OBJECTIVES_BY_KEY)]
    status: Annotated[str, _one_of("status", rules.STATUSES)]
    sdk_version: SdkVersion | None = None
    prompt: Annotated[str, _text()]
    choices: list[ChoiceEntry]
    explanation: Annotated[str, _text()]
    evidence_kind: Annotated[str, _one_of("evidence kind", rules.EVIDENCE_KINDS)]
    evidence: Annotated[str, Field(max_length=_max_length(Question, "evidence"))] = ""
    demo: DemoEntry
    params: ParamsEntry | None = None


def _question_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for the rules that span several fields, judged on whichever of those
    fields are valid in themselves, so that a typo in one field hides no other error."""
    found: list[tuple[str, str]] = []
    if {"id", "category"} <= values.keys() and not values["id"].startswith(
        f"{values['category']}-"
    ):
        category = values["category"]
        found.append(("id", f"The ID of a {category} question starts with '{category}-'."))
    if {"kind", "choices"} <= values.keys():
        correct = [choice.correct for choice in values["choices"]]
        found += [("choices", error) for error in rules.choice_set_errors(values["kind"], correct)]
    if {"evidence_kind", "evidence"} <= values.keys():
        kind, evidence = values["evidence_kind"], values["evidence"]
        if kind != "judgement" and not evidence.strip():
            found.append(
                (
                    "evidence",
                    "Name the test or measurement that proves the keyed answer "
                    "(empty only for judgement).",
                )
            )
        elif kind == "test" and not TEST_NODE_ID.match(evidence):
            found.append(
                (
                    "evidence",
                    "Name a test as path::test_name, e.g. "
                    "tests/questions/test_evidence.py::test_basics_01.",
                )
            )
    if "demo" in values:
        demo = values["demo"]
        found += [
            (f"demo.{part}", error)
            for part, error in rules.demo_link_errors(demo.lesson, demo.preset).items()
        ]
    return found


_QUESTION_FIELDS = {
    name: (info, TypeAdapter(Annotated[info.annotation, info]))
    for name, info in QuestionEntry.model_fields.items()
}


def _valid_question_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of an invalid question entry that are valid on their own."""
    values: dict[str, Any] = {}
    for name, (info, adapter) in _QUESTION_FIELDS.items():
        if name not in raw:
            if not info.is_required():
                values[name] = info.get_default()
            continue
        try:
            values[name] = adapter.validate_python(raw[name])
        except PydanticValidationError:
            continue
    return values


class BankFile(_Entry):
    """A whole, valid bank file."""

    sdk_version: SdkVersion
    categories: list[CategoryEntry]
    questions: list[QuestionEntry]


class _FileShape(_Entry):
    sdk_version: SdkVersion
    categories: list[Any]
    questions: list[Any]


# --- parsing and validation ---------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key '{key}'",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _value in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate key '{duplicates[0]}'")
    return dict(pairs)


def _parse_text(text: str, source: str) -> Any:
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text, object_pairs_hook=_reject_duplicate_keys)
        except json.JSONDecodeError as error:
            raise BankInvalid(
                [
                    BankError(
                        source,
                        f"line {error.lineno}, column {error.colno}",
                        f"Not valid JSON: {error.msg}.",
                    )
                ]
            ) from None
        except ValueError as error:
            raise BankInvalid([BankError(source, "", f"Not valid JSON: {error}.")]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: builds plain data only
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(part for part in (error.context, error.problem) if part)
        raise BankInvalid([BankError(source, where, f"Not valid YAML: {problem}.")]) from None
    except yaml.YAMLError as error:
        raise BankInvalid([BankError(source, "", f"Not valid YAML: {error}.")]) from None


def _field_name(loc: tuple[str | int, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and parts:
            # Choices are labelled A, B, C... as instructors and learners see them.
            label = chr(ord("A") + part) if parts[-1] == "choices" and part < 26 else str(part)
            parts[-1] += f"[{label}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def _pydantic_errors(error: PydanticValidationError, where: str) -> list[BankError]:
    return [BankError(where, _field_name(e["loc"]), _sentence(e["msg"])) for e in error.errors()]


def _sentence(message: str) -> str:
    return message if message.endswith((".", ")")) else f"{message}."


def _where(raw: Any, key: str, fallback: str) -> str:
    value = raw.get(key) if isinstance(raw, dict) else None
    return value if isinstance(value, str) and value.strip() else fallback


def _validated(
    model: type[_Entry], raws: list[Any], key: str, noun: str, errors: list[BankError]
) -> list[Any]:
    """Each raw entry validated on its own, so that one bad entry hides none of the others'."""
    entries = []
    for number, raw in enumerate(raws, start=1):
        where = _where(raw, key, f"{noun} #{number}")
        try:
            entry = model.model_validate(raw)
        except PydanticValidationError as error:
            errors += _pydantic_errors(error, where)
            values = _valid_question_fields(raw) if isinstance(raw, dict) else {}
        else:
            entries.append(entry)
            values = dict(entry)
        if model is QuestionEntry:
            errors += [
                BankError(where, field, message) for field, message in _question_problems(values)
            ]
    return entries


def _category_errors(entries: list[CategoryEntry], source: str) -> list[BankError]:
    errors = []
    for entry in entries:
        if LESSONS_BY_SLUG[entry.lesson].category != entry.slug:
            teaching = next(
                slug for slug, lesson in LESSONS_BY_SLUG.items() if lesson.category == entry.slug
            )
            errors.append(
                BankError(
                    entry.slug, "lesson", f"The lesson that teaches {entry.slug} is {teaching}."
                )
            )
    for field, values in (
        ("slug", [e.slug for e in entries]),
        ("order", [e.order for e in entries]),
    ):
        for value, count in Counter(values).items():
            if count > 1:
                errors.append(
                    BankError(source, "categories", f"The {field} {value} is given {count} times.")
                )
    missing = [slug for slug in Category.Slug.values if slug not in {e.slug for e in entries}]
    if missing:
        errors.append(
            BankError(
                source,
                "categories",
                f"The file lists all five categories; missing: {', '.join(missing)}.",
            )
        )
    return errors


def _question_set_errors(
    raws: list[Any], entries: list[QuestionEntry], source: str
) -> list[BankError]:
    errors = []
    ids = [raw["id"] for raw in raws if isinstance(raw, dict) and isinstance(raw.get("id"), str)]
    for question_id, count in Counter(ids).items():
        if count > 1:
            errors.append(BankError(question_id, "id", f"Appears {count} times in the file."))
    judgement = [e.id for e in entries if e.evidence_kind == "judgement" and e.status != "retired"]
    if len(judgement) > MAX_JUDGEMENT_QUESTIONS:
        errors.append(
            BankError(
                source,
                "questions",
                f"At most {MAX_JUDGEMENT_QUESTIONS} questions rest on judgement alone "
                f"({len(judgement)} given: {', '.join(judgement)}).",
            )
        )
    return errors


def bank_parse(*, text: str | bytes, source: str = "bank file") -> BankFile:
    """The validated bank in `text`; raises BankInvalid listing every error. Writes nothing."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BankInvalid(
                [BankError(source, "", f"Not UTF-8 text (byte {error.start}).")]
            ) from None
    raw = _parse_text(text, source)
    if not isinstance(raw, dict):
        raise BankInvalid(
            [
                BankError(
                    source,
                    "",
                    "A bank file is a mapping with sdk_version, categories and questions.",
                )
            ]
        )
    try:
        shape = _FileShape.model_validate(raw)
    except PydanticValidationError as error:
        raise BankInvalid(_pydantic_errors(error, source)) from None

    errors: list[BankError] = []
    categories = _validated(CategoryEntry, shape.categories, "slug", "category", errors)
    questions = _validated(QuestionEntry, shape.questions, "id", "question", errors)
    errors += _category_errors(categories, source)
    errors += _question_set_errors(shape.questions, questions, source)
    if errors:
        raise BankInvalid(errors)
    return BankFile(sdk_version=shape.sdk_version, categories=categories, questions=questions)


def bank_read(path: Path | str) -> bytes:
    """The bytes of the bank file at `path`; BankInvalid (not an OSError) when it can't be read."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        message = "No such file."
        if path == DEFAULT_PATH:
            message = "No such file: the default bank is missing from this checkout."
        raise BankInvalid([BankError(str(path), "", message)]) from None
    except OSError as error:
        raise BankInvalid(
            [BankError(str(path), "", f"Cannot read it: {error.strerror}.")]
        ) from None


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
    return BankLoadResult(category_tally, _upsert_questions(bank, categories))


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
