"""The bank file: where it lives, its schema, reading and validating it, and writing it out.

A bank file (YAML, or the same structure in JSON) holds the five categories and any number of
questions (the schema below says exactly what). `bank_parse` validates a whole file and collects
every error, each naming the question (or category) and the field; `bank_dump` writes a
`BankFile` back in the same format, canonically. The database side (loading a file, exporting the
stored bank, activating and retiring questions) is questions/services/bank.py.

Pure: no Django import and no database. Value sets, parameter ranges and text lengths come from
questions/rules.py, which the models use too, so the file cannot hold what the database or the
admin would refuse.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import yaml
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
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from lessons.catalog import LESSONS_BY_SLUG
from questions import rules
from questions.claims import Claim
from questions.objectives import OBJECTIVES_BY_KEY

# The bank the product ships with (`make run` loads it). The folder holds data, not code.
DEFAULT_PATH = Path(__file__).resolve().parent / "bank" / "streaming.yaml"

Format = Literal["yaml", "json"]
FORMATS: tuple[Format, ...] = ("yaml", "json")


# --- errors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankError:
    """One problem in a bank file: where (question id, category slug or the file), which field."""

    where: str
    field: str
    message: str
    # The line of the file where the entry at fault starts (YAML files), when known.
    line: int | None = None

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


def _between(bounds: tuple[float, float]) -> Any:
    low, high = bounds
    return Field(ge=low, le=high)


Slug = Annotated[str, _matches(r"[-a-zA-Z0-9_]+", "Use letters, digits, hyphens and underscores.")]
SdkVersion = Annotated[
    str,
    _matches(rules.SDK_VERSION, "A version such as 0.24.0."),
    _text(rules.SDK_VERSION_MAX_LENGTH),
]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryEntry(_Entry):
    slug: Annotated[str, _one_of("category", rules.CATEGORIES)]
    name: Annotated[str, _text(rules.CATEGORY_NAME_MAX_LENGTH)]
    order: Annotated[StrictInt, Field(ge=1, le=100)]
    lesson: Annotated[str, _one_of("lesson", LESSONS_BY_SLUG)]
    description: str = ""


class ChoiceEntry(_Entry):
    text: Annotated[str, _text()]
    correct: StrictBool
    rationale: Annotated[str, _text()]
    # A generated item's choice: what it claims its scenario's program does (questions.claims).
    claim: Claim | None = None


class DemoEntry(_Entry):
    lesson: Annotated[str, _one_of("lesson", LESSONS_BY_SLUG)]
    preset: Annotated[Slug, _text(rules.DEMO_SLUG_MAX_LENGTH)]


class ParamsEntry(_Entry):
    """Item parameters of the adaptive engine: discrimination a, difficulty b, guessing c."""

    a: Annotated[StrictFloat, _between(rules.DISCRIMINATION_RANGE)]
    b: Annotated[StrictFloat, _between(rules.DIFFICULTY_RANGE)]
    c: Annotated[StrictFloat, _between(rules.GUESSING_RANGE)]


class QuestionEntry(_Entry):
    id: Annotated[str, _matches(rules.QUESTION_ID_PATTERN, rules.QUESTION_ID_MESSAGE)]
    category: Annotated[str, _one_of("category", rules.CATEGORIES)]
    level: Annotated[str, _one_of("level", rules.LEVELS)]
    kind: Annotated[str, _one_of("kind", rules.KINDS)]
    style: Annotated[str, _one_of("style", rules.STYLES)]
    topic: Annotated[str, _text(rules.TOPIC_MAX_LENGTH)]
    objective: Annotated[str, _one_of("objective", OBJECTIVES_BY_KEY)]
    status: Annotated[str, _one_of("status", rules.STATUSES)]
    sdk_version: SdkVersion | None = None
    prompt: Annotated[str, _text()]
    choices: list[ChoiceEntry]
    explanation: Annotated[str, _text()]
    evidence_kind: Annotated[str, _one_of("evidence kind", rules.EVIDENCE_KINDS)]
    evidence: Annotated[str, Field(max_length=rules.EVIDENCE_MAX_LENGTH)] = ""
    demo: DemoEntry
    params: ParamsEntry | None = None
    # A generated item: its family, and the scenario variant whose run keys it.
    family: Annotated[Slug, _text(rules.DEMO_SLUG_MAX_LENGTH)] | None = None
    variant: Annotated[Slug, _text(rules.DEMO_SLUG_MAX_LENGTH)] | None = None
    # The secure exam pool or the practice pool. Left out, a stored question keeps its pool and
    # a new one is split into its category x level cell (questions.split).
    pool: Annotated[str, _one_of("pool", rules.POOLS)] | None = None
    # Asked unscored on exam forms until calibrated. Left out, a stored question keeps its state
    # and a new one enters pretest, unless it comes with the bank's first load.
    pretest: StrictBool | None = None


def _generated_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The rules of a generated item: a family and a variant, and a claim on every choice."""
    if not {"family", "variant", "choices"} <= values.keys():
        return []
    lesson = values["demo"].lesson if "demo" in values else None
    claims = [choice.claim is not None for choice in values["choices"]]
    return rules.generated_item_errors(values["family"], values["variant"], lesson, claims)


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
        problems = rules.evidence_errors(values["evidence_kind"], values["evidence"])
        found += [("evidence", problem) for problem in problems]
    if "demo" in values:
        demo = values["demo"]
        found += [
            (f"demo.{part}", error)
            for part, error in rules.demo_link_errors(demo.lesson, demo.preset).items()
        ]
    return found + _generated_problems(values)


# Each field's type with its own validators, to judge a field apart from the entry. The type is
# only known at runtime, hence Annotated indexed dynamically.
_QUESTION_FIELDS: dict[str, tuple[FieldInfo, TypeAdapter[Any]]] = {
    name: (info, TypeAdapter(cast(Any, Annotated)[info.annotation, info]))
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
    return [
        *_lesson_errors(entries),
        *_repeated_category_errors(entries, source),
        *_missing_category_errors(entries, source),
    ]


def _lesson_errors(entries: list[CategoryEntry]) -> list[BankError]:
    return [
        BankError(
            entry.slug, "lesson", f"The lesson that teaches {entry.slug} is {_teacher(entry.slug)}."
        )
        for entry in entries
        if LESSONS_BY_SLUG[entry.lesson].category != entry.slug
    ]


def _teacher(category: str) -> str:
    return next(slug for slug, lesson in LESSONS_BY_SLUG.items() if lesson.category == category)


def _repeated_category_errors(entries: list[CategoryEntry], source: str) -> list[BankError]:
    repeated = (
        (field, value, count)
        for field, values in (
            ("slug", [e.slug for e in entries]),
            ("order", [e.order for e in entries]),
        )
        for value, count in Counter(values).items()
        if count > 1
    )
    return [
        BankError(source, "categories", f"The {field} {value} is given {count} times.")
        for field, value, count in repeated
    ]


def _missing_category_errors(entries: list[CategoryEntry], source: str) -> list[BankError]:
    given = {entry.slug for entry in entries}
    missing = [slug for slug in rules.CATEGORIES if slug not in given]
    if not missing:
        return []
    message = f"The file lists all five categories; missing: {', '.join(missing)}."
    return [BankError(source, "categories", message)]


def _duplicate_ids(raws: list[Any]) -> list[BankError]:
    errors = []
    ids = [raw["id"] for raw in raws if isinstance(raw, dict) and isinstance(raw.get("id"), str)]
    for question_id, count in Counter(ids).items():
        if count > 1:
            errors.append(BankError(question_id, "id", f"Appears {count} times in the file."))
    return errors


_SECTIONS = {"categories": ("category", "slug"), "questions": ("question", "id")}


def _entry_lines(text: str) -> dict[str, int]:
    """Where each category and question of a YAML bank file starts (1-based), by its slug or
    id and by its number ("question #3"); empty for JSON or a file YAML cannot compose."""
    if text.lstrip().startswith("{"):
        return {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        if key_node.value in _SECTIONS and isinstance(value_node, yaml.SequenceNode):
            noun, key = _SECTIONS[key_node.value]
            lines.update(_section_lines(value_node, noun, key))
    return lines


def _section_lines(sequence: yaml.SequenceNode, noun: str, key: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, item in enumerate(sequence.value, start=1):
        line = item.start_mark.line + 1
        lines[f"{noun} #{number}"] = line
        names = item.value if isinstance(item, yaml.MappingNode) else []
        for field_node, field_value in names:
            if field_node.value == key and isinstance(field_value, yaml.ScalarNode):
                lines.setdefault(field_value.value, line)
    return lines


def _with_lines(errors: list[BankError], text: str) -> list[BankError]:
    """The errors with the line of the entry each names, where the file says."""
    lines = _entry_lines(text)
    return [replace(error, line=lines.get(error.where)) for error in errors]


def bank_parse(*, text: str | bytes, source: str = "bank file") -> BankFile:
    """The validated bank in `text`; raises BankInvalid listing every error. Writes nothing."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
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
    errors += _duplicate_ids(shape.questions)
    if errors:
        raise BankInvalid(_with_lines(errors, text))
    return BankFile(sdk_version=shape.sdk_version, categories=categories, questions=questions)


def bank_read(*, path: Path | str) -> bytes:
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


# --- writing ------------------------------------------------------------------------------------


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


def _yaml(data: dict[str, Any]) -> str:
    for question in data["questions"]:
        if "params" in question:
            question["params"] = _FlowMapping(question["params"])
        for choice in question.get("choices", ()):
            if "claim" in choice:
                choice["claim"] = _FlowMapping(choice["claim"])
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_WRITERS: dict[Format, Callable[[dict[str, Any]], str]] = {"yaml": _yaml, "json": _json}


def bank_dump(bank: BankFile, *, fmt: Format = "yaml") -> str:
    """The bank as a file `bank_parse` reads, fields in schema order; what the file leaves out
    (a question's own sdk_version, its params) is left out again."""
    return _WRITERS[fmt](bank.model_dump(mode="python", exclude_none=True))
