from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from questions import rules
from questions.bankfile import FORMATS, BankInvalid, Format, bank_parse
from questions.models import Category, Choice, Question, Quiz
from questions.services.bank import BankLoadResult, bank_export, bank_load
from tests.factories import QuestionFactory
from tests.questions import bank_data

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[Any, ...]]:
    """Everything the loader could change, row by row."""
    return [
        *Category.objects.order_by("slug").values_list(),
        *Question.objects.order_by("id").values_list(),
        *Choice.objects.order_by("question_id", "order").values_list(),
    ]


def load(data: dict[str, Any]) -> BankLoadResult:
    return bank_load(text=bank_data.dump(data), source="test.yaml")


def errors_of(text: str | bytes) -> list[str]:
    with pytest.raises(BankInvalid) as caught:
        bank_load(text=text, source="test.yaml")
    return [str(error) for error in caught.value.errors]


@pytest.fixture
def loaded() -> list[tuple[Any, ...]]:
    """A database with the test bank loaded, and its snapshot."""
    load(bank_data.bank())
    return snapshot()


# --- a valid file -------------------------------------------------------------------------------


def test_a_valid_file_creates_categories_questions_and_choices() -> None:
    result = load(bank_data.bank())

    assert len(result.categories.created) == 5
    assert result.questions.created == (
        "basics-01",
        "raw-events-01",
        "run-items-01",
        "production-01",
        "tools-handoffs-01",
    )
    assert str(result) == (
        "Questions: 5 created, 0 updated, 0 unchanged. "
        "Categories: 5 created, 0 updated, 0 unchanged."
    )
    basics = Category.objects.get(slug="basics")
    assert (basics.name, basics.order, basics.lesson_slug) == (
        "Basic Streaming Concepts",
        1,
        "basic-streaming",
    )
    question = Question.objects.get(id="raw-events-01")
    assert question.category_slug == "raw-events"
    assert (question.level, question.kind, question.style, question.status) == (
        "intermediate",
        "multiple",
        "code",
        "active",
    )
    assert (question.demo_lesson, question.demo_preset) == ("raw-response-events", "all-raw-events")
    assert [(c.order, c.text, c.is_correct) for c in question.choices.all()] == [
        (0, "`response.created`", True),
        (1, "`response.output_text.delta`", True),
        (2, "`run_item_stream_event`", False),
    ]
    assert question.choices.get(order=2).rationale == "Not raw."


def test_sdk_version_defaults_to_the_files() -> None:
    load(bank_data.bank())
    assert Question.objects.get(id="basics-01").sdk_version == "0.24.0"
    assert Question.objects.get(id="run-items-01").sdk_version == "0.24.1"


def test_parameters_default_from_level_and_kind_unless_given() -> None:
    load(bank_data.bank())
    basics = Question.objects.get(id="basics-01")
    expected = rules.default_item_parameters("beginner", "single", 3)
    assert (basics.discrimination, basics.difficulty, basics.guessing) == (
        expected.discrimination,
        expected.difficulty,
        expected.guessing,
    )
    explicit = Question.objects.get(id="run-items-01")
    assert (explicit.discrimination, explicit.difficulty, explicit.guessing) == (1.5, 2.0, 0.1)


def test_a_second_load_reports_all_unchanged_and_writes_nothing(loaded: list[Any]) -> None:
    with CaptureQueriesContext(connection) as queries:
        result = load(bank_data.bank())

    assert str(result) == (
        "Questions: 0 created, 0 updated, 5 unchanged. "
        "Categories: 0 created, 0 updated, 5 unchanged."
    )
    writes = [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert snapshot() == loaded  # updated_at included


def test_a_changed_question_is_updated_and_only_it(loaded: list[Any]) -> None:
    before = dict(Question.objects.values_list("id", "updated_at"))
    data = bank_data.bank()
    data["questions"][0]["prompt"] = "Which call streams, really?"

    result = load(data)

    assert result.questions.updated == ("basics-01",)
    assert len(result.questions.unchanged) == 4
    after = dict(Question.objects.values_list("id", "updated_at"))
    assert after["basics-01"] > before["basics-01"]
    assert {k: v for k, v in after.items() if k != "basics-01"} == {
        k: v for k, v in before.items() if k != "basics-01"
    }
    assert Question.objects.get(id="basics-01").prompt == "Which call streams, really?"


def test_changed_choices_are_replaced_keeping_rows_by_position(loaded: list[Any]) -> None:
    question = Question.objects.get(id="basics-01")
    first_pk = question.choices.get(order=0).pk
    data = bank_data.bank()
    choices = data["questions"][0]["choices"]
    choices[0]["text"] = "`Runner.run_streamed(agent, input)`"
    del choices[2]

    result = load(data)

    assert result.questions.updated == ("basics-01",)
    assert [(c.pk == first_pk, c.text) for c in question.choices.all()] == [
        (True, "`Runner.run_streamed(agent, input)`"),
        (False, "`Runner.run()`"),
    ]
    choices.append({"text": "`Runner.stream()`", "correct": False, "rationale": "No such API."})
    choices.append({"text": "`Runner.start()`", "correct": False, "rationale": "No such API."})
    assert load(data).questions.updated == ("basics-01",)
    assert list(question.choices.values_list("order", "text")) == [
        (0, "`Runner.run_streamed(agent, input)`"),
        (1, "`Runner.run()`"),
        (2, "`Runner.stream()`"),
        (3, "`Runner.start()`"),
    ]


def test_questions_missing_from_the_file_are_left_alone(loaded: list[Any]) -> None:
    kept = QuestionFactory.create(id="basics-50", status="active")
    kept_row = Question.objects.filter(id="basics-50").values_list().get()

    result = load(bank_data.bank(bank_data.questions()[:1]))

    assert result.questions.unchanged == ("basics-01",)
    assert Question.objects.filter(id="basics-50").values_list().get() == kept_row
    assert kept.choices.count() == 4
    assert Question.objects.count() == 6


def test_categories_may_swap_order() -> None:
    load(bank_data.bank())
    data = bank_data.bank()
    data["categories"][0]["order"], data["categories"][1]["order"] = 2, 1

    result = load(data)

    assert set(result.categories.updated) == {"basics", "raw-events"}
    assert list(Category.objects.values_list("slug", flat=True)[:2]) == ["raw-events", "basics"]


def test_calibrated_parameters_survive_a_file_without_them(loaded: list[Any]) -> None:
    Question.objects.filter(id="basics-01").update(discrimination=0.7, difficulty=-0.4)

    assert load(bank_data.bank()).questions.updated == ()
    calibrated = Question.objects.get(id="basics-01")
    assert (calibrated.discrimination, calibrated.difficulty) == (0.7, -0.4)


def test_default_parameters_follow_a_new_level(loaded: list[Any]) -> None:
    data = bank_data.bank()
    data["questions"][0]["level"] = "advanced"

    load(data)

    assert Question.objects.get(id="basics-01").difficulty == rules.LEVEL_DIFFICULTY["advanced"]


# --- pools and pretest ---------------------------------------------------------------------------


def cell_of_nine(start: int = 1) -> list[dict[str, Any]]:
    return [bank_data.question(f"basics-{n:02d}") for n in range(start, start + 9)]


def test_the_first_load_splits_every_cell_and_is_operational() -> None:
    load(bank_data.bank(cell_of_nine()))

    pools = list(Question.objects.values_list("pool", flat=True))
    assert pools.count("exam") == 6
    assert pools.count("practice") == 3
    assert not Question.objects.filter(pretest=True).exists()


def test_new_questions_of_an_established_bank_enter_pretest_and_fill_the_split() -> None:
    load(bank_data.bank(cell_of_nine()))
    before = dict(Question.objects.values_list("id", "pool"))

    result = load(bank_data.bank(cell_of_nine(start=20)))

    assert len(result.questions.created) == 9
    after = dict(Question.objects.values_list("id", "pool"))
    assert {qid: after[qid] for qid in before} == before  # nobody moved
    assert list(after.values()).count("practice") == 6
    new = Question.objects.filter(id__in=result.questions.created)
    assert all(new.values_list("pretest", flat=True))


def test_the_file_may_set_the_pool_and_pretest_and_a_later_load_keeps_them() -> None:
    entries = [
        bank_data.question("basics-01", pool="practice", pretest=True),
        bank_data.question("basics-02", pool="exam", pretest=False),
    ]
    load(bank_data.bank(entries))
    assert dict(Question.objects.values_list("id", "pool")) == {
        "basics-01": "practice",
        "basics-02": "exam",
    }
    assert dict(Question.objects.values_list("id", "pretest")) == {
        "basics-01": True,
        "basics-02": False,
    }

    # Without the fields the stored state stays.
    result = load(
        bank_data.bank([bank_data.question("basics-01"), bank_data.question("basics-02")])
    )
    assert result.questions.updated == ()
    assert Question.objects.get(id="basics-01").pool == "practice"


def test_an_unknown_pool_is_refused_by_name() -> None:
    errors = errors_of(bank_data.dump(bank_data.bank([bank_data.question(pool="secret")])))

    assert errors == ["basics-01 pool: Unknown pool 'secret' (one of: exam, practice)."]
    assert not Question.objects.exists()


def test_a_failure_while_writing_rolls_everything_back(
    loaded: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bank_data.bank([*bank_data.questions(), bank_data.question("basics-02")])
    data["questions"][0]["prompt"] = "Changed before the failure."

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Choice.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        load(data)
    assert snapshot() == loaded


# --- invalid files: every error named, nothing changed ------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation of the test bank: set questions[i].field (or a nested key) to value."""

    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[int(last) if last.isdigit() else last]

    return mutate


def _duplicate_first_question(data: dict[str, Any]) -> None:
    data["questions"].append(copy.deepcopy(data["questions"][0]))


INVALID = {
    "unknown category": (
        _set("questions.0.category", "streams"),
        "basics-01 category: Unknown category 'streams' (one of: basics, raw-events, run-items, "
        "tools-handoffs, production).",
    ),
    "id not prefixed by its category": (
        _set("questions.0.category", "raw-events"),
        "basics-01 id: The ID of a raw-events question starts with 'raw-events-'.",
    ),
    "badly formed id": (
        _set("questions.0.id", "Basics_1"),
        "Basics_1 id: Use the category slug and a number, e.g. raw-events-07.",
    ),
    "duplicate id": (_duplicate_first_question, "basics-01 id: Appears 2 times in the file."),
    "single choice with two keys": (
        _set("questions.0.choices.1.correct", True),
        "basics-01 choices: A single-choice question has exactly one correct choice (2 given).",
    ),
    "single choice with no key": (
        _set("questions.0.choices.0.correct", False),
        "basics-01 choices: A single-choice question has exactly one correct choice (0 given).",
    ),
    "multiple choice all correct": (
        _set("questions.1.choices.2.correct", True),
        "raw-events-01 choices: A multiple-choice question needs at least one correct and one "
        "wrong choice.",
    ),
    "true/false with three choices": (
        _set(
            "questions.2.choices",
            [
                {"text": "True", "correct": True, "rationale": "So."},
                {"text": "False", "correct": False, "rationale": "Not so."},
                {"text": "Maybe", "correct": False, "rationale": "Not a truth value."},
            ],
        ),
        "run-items-01 choices: A true/false question has exactly two choices.",
    ),
    "one choice": (
        _set("questions.0.choices", [{"text": "Yes", "correct": True, "rationale": "So."}]),
        "basics-01 choices: A question needs at least two choices.",
    ),
    "missing evidence": (
        _set("questions.0.evidence", ""),
        "basics-01 evidence: Name the test or measurement that proves the keyed answer (empty "
        "only for judgement).",
    ),
    "evidence that is not a test id": (
        _set("questions.0.evidence", "see the docs"),
        "basics-01 evidence: Name a test as path::test_name, e.g. "
        "tests/questions/test_evidence.py::test_basics_01.",
    ),
    "unknown objective": (
        _set("questions.0.objective", "streaming-101"),
        "basics-01 objective: Unknown objective 'streaming-101' (one of: streaming-vs-regular,",
    ),
    "unknown level": (
        _set("questions.0.level", "expert"),
        "basics-01 level: Unknown level 'expert' (one of: beginner, intermediate, advanced).",
    ),
    "unknown kind": (
        _set("questions.0.kind", "essay"),
        "basics-01 kind: Unknown kind 'essay' (one of: single, multiple, true_false).",
    ),
    "unknown style": (
        _set("questions.0.style", "trivia"),
        "basics-01 style: Unknown style 'trivia' (one of: concept, code, judgement).",
    ),
    "unknown status": (
        _set("questions.0.status", "live"),
        "basics-01 status: Unknown status 'live' (one of: draft, active, retired).",
    ),
    "unknown evidence kind": (
        _set("questions.0.evidence_kind", "faith"),
        "basics-01 evidence_kind: Unknown evidence kind 'faith' (one of: test, measurement, "
        "judgement).",
    ),
    "unknown demo lesson": (
        _set("questions.0.demo.lesson", "advanced-streaming"),
        "basics-01 demo.lesson: Unknown lesson 'advanced-streaming' (one of: basic-streaming,",
    ),
    "discrimination too high": (
        _set("questions.2.params.a", 9.0),
        "run-items-01 params.a: Input should be less than or equal to 5.",
    ),
    "guessing too high": (
        _set("questions.2.params.c", 0.6),
        "run-items-01 params.c: Input should be less than or equal to 0.5.",
    ),
    "parameter missing": (_drop("questions.2.params.b"), "run-items-01 params.b: Field required."),
    "parameter as text": (
        _set("questions.2.params.b", "hard"),
        "run-items-01 params.b: Input should be a valid number.",
    ),
    "missing prompt": (_drop("questions.0.prompt"), "basics-01 prompt: Field required."),
    "blank explanation": (
        _set("questions.0.explanation", "  \n"),
        "basics-01 explanation: Must not be empty.",
    ),
    "choice without rationale": (
        _drop("questions.0.choices.1.rationale"),
        "basics-01 choices[B].rationale: Field required.",
    ),
    "correct flag that is not a boolean": (
        _set("questions.0.choices.1.correct", "maybe"),
        "basics-01 choices[B].correct: Input should be a valid boolean.",
    ),
    "misspelt field": (
        _set("questions.0.explantion", "typo"),
        "basics-01 explantion: Extra inputs are not permitted.",
    ),
    "topic too long": (
        _set("questions.0.topic", "x" * 81),
        "basics-01 topic: At most 80 characters (81 given).",
    ),
    "bad sdk version": (
        _set("questions.0.sdk_version", "latest"),
        "basics-01 sdk_version: A version such as 0.24.0.",
    ),
    "bad file sdk version": (_set("sdk_version", 0.24), "test.yaml sdk_version: Input should be"),
    "a category missing": (
        _drop("categories.4"),
        "test.yaml categories: The file lists all five categories; missing: production.",
    ),
    "an unknown category in the list": (
        _set("categories.4.slug", "deployment"),
        "deployment slug: Unknown category 'deployment'",
    ),
    "a category taught by the wrong lesson": (
        _set("categories.0.lesson", "streaming-patterns"),
        "basics lesson: The lesson that teaches basics is basic-streaming.",
    ),
    "two categories with one order": (
        _set("categories.1.order", 1),
        "test.yaml categories: The order 1 is given 2 times.",
    ),
    "no questions key": (_drop("questions"), "test.yaml questions: Field required."),
    "a question that is not a mapping": (
        _set("questions.1", "raw-events-01"),
        "question #2: Input should be a valid dictionary",
    ),
}


@pytest.mark.parametrize(("mutate", "expected"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_file_names_question_and_field_and_changes_nothing(
    loaded: list[Any], mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = bank_data.bank()
    data["questions"][3]["prompt"] = "A valid change that must not be saved either."
    mutate(data)

    errors = errors_of(bank_data.dump(data))

    assert any(error.startswith(expected) for error in errors), errors
    assert snapshot() == loaded


def test_every_error_in_the_file_is_reported_at_once(loaded: list[Any]) -> None:
    data = bank_data.bank()
    data["questions"][0]["choices"][1]["correct"] = True
    data["questions"][0]["objective"] = "nope"
    data["questions"][1]["id"] = "raw-events-1"
    data["questions"][4]["evidence"] = ""
    data["questions"][4]["kind"] = "true_false"

    errors = errors_of(bank_data.dump(data))

    assert errors[0].startswith("basics-01 objective: Unknown objective 'nope' (one of: ")
    assert errors[1:] == [
        "basics-01 choices: A single-choice question has exactly one correct choice (2 given).",
        "raw-events-1 id: Use the category slug and a number, e.g. raw-events-07.",
        "tools-handoffs-01 choices: A true/false question has exactly two choices.",
        "tools-handoffs-01 evidence: Name the test or measurement that proves the keyed answer "
        "(empty only for judgement).",
    ]
    assert snapshot() == loaded


def test_bad_yaml_names_the_line(loaded: list[Any]) -> None:
    text = bank_data.dump(bank_data.bank()).replace("  level: beginner", " level: beginner", 1)
    line = text.splitlines().index(" level: beginner") + 1

    errors = errors_of(text)

    assert len(errors) == 1
    assert errors[0].startswith(f"test.yaml line {line}, column ")
    assert "Not valid YAML" in errors[0]
    assert snapshot() == loaded


def test_a_key_given_twice_is_an_error(loaded: list[Any]) -> None:
    text = bank_data.dump(bank_data.bank()).replace(
        "  kind: single\n", "  kind: single\n  kind: multiple\n", 1
    )
    line = text.splitlines().index("  kind: multiple") + 1

    assert errors_of(text) == [
        f"test.yaml line {line}, column 3: Not valid YAML: while constructing a mapping "
        "found duplicate key 'kind'."
    ]
    assert snapshot() == loaded


def test_bad_json_names_the_line() -> None:
    assert errors_of('{"sdk_version": "0.24.0",\n  "categories": [,]}') == [
        "test.yaml line 2, column 18: Not valid JSON: Expecting value."
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a list\n", "test.yaml: A bank file is a mapping with sdk_version, categories and "),
        ("", "test.yaml: A bank file is a mapping"),
        (b"\xff\xfe", "test.yaml: Not UTF-8 text (byte 0)."),
    ],
)
def test_a_file_that_is_not_a_bank(text: str | bytes, expected: str) -> None:
    assert errors_of(text)[0].startswith(expected)
    assert Question.objects.count() == 0


def test_an_unknown_demo_preset_is_refused_where_the_registry_knows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "_demo_registry_has", lambda lesson, preset: preset != "nope")
    data = bank_data.bank()
    data["questions"][0]["demo"]["preset"] = "nope"

    assert errors_of(bank_data.dump(data)) == [
        "basics-01 demo.preset: The lesson 'basic-streaming' has no demo preset 'nope'."
    ]


def test_the_real_registry_knows_the_presets_the_test_bank_uses() -> None:
    registry = pytest.importorskip("lessons.registry")
    for entry in bank_data.questions():
        assert registry.preset_exists(entry["demo"]["lesson"], entry["demo"]["preset"])


def test_bank_parse_validates_without_writing() -> None:
    parsed = bank_parse(text=bank_data.dump(bank_data.bank()))
    assert [q.id for q in parsed.questions][:2] == ["basics-01", "raw-events-01"]
    assert Category.objects.count() == 0


# --- export -------------------------------------------------------------------------------------


TRICKY_TEXTS = [
    "Trailing spaces   \non a line.",
    "Starts with a space and ends without a newline:\n  indented",
    "yes",
    "1.0",
    "key: value # not a comment",
    "Unicode: résumé — 流式 🚀",
    "Tab\there and a backslash \\ and quotes \" '",
    "Ends with blank lines\n\n\n",
    "- looks like a list",
    "```python\nasync for event in result.stream_events():\n    print(event.type)\n```\n",
]


def tricky_bank() -> dict[str, Any]:
    data = bank_data.bank()
    for n, text in enumerate(TRICKY_TEXTS):
        data["questions"].append(
            bank_data.question(
                f"basics-{n + 10}",
                prompt=text,
                explanation=text,
                choices=[
                    {"text": text, "correct": True, "rationale": text},
                    {"text": "other", "correct": False, "rationale": "no"},
                ],
            )
        )
    data["categories"][2]["description"] = "Multi-line\ndescription\n"
    return data


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_load_export_is_byte_identical(fmt: Format) -> None:
    load(tricky_bank())
    QuestionFactory.create(id="basics-99", status="retired")  # made in the admin, not in any file

    first = bank_export(fmt=fmt)
    result = bank_load(text=first, source=f"export.{fmt}")
    second = bank_export(fmt=fmt)

    assert second == first
    assert result.questions.created == result.questions.updated == ()
    assert len(result.questions.unchanged) == Question.objects.count()


def test_an_export_loads_into_an_empty_database_as_the_same_bank() -> None:
    load(tricky_bank())
    exported = {fmt: bank_export(fmt=fmt) for fmt in FORMATS}
    rows = snapshot()

    for fmt in FORMATS:
        Question.objects.all().delete()
        Quiz.objects.all().delete()  # the default drills hold their categories
        Category.objects.all().delete()
        bank_load(text=exported[fmt], source=f"export.{fmt}")
        assert bank_export(fmt="yaml") == exported["yaml"]
        assert bank_export(fmt="json") == exported["json"]
    # Everything but the row ids and the timestamps came back.
    assert len(snapshot()) == len(rows)


def test_yaml_and_json_exports_hold_the_same_data() -> None:
    load(tricky_bank())
    assert yaml.safe_load(bank_export(fmt="yaml")) == json.loads(bank_export(fmt="json"))


def test_the_export_is_canonical_and_complete() -> None:
    load(bank_data.bank())
    exported = yaml.safe_load(bank_export())

    assert list(exported) == ["sdk_version", "categories", "questions"]
    assert [c["slug"] for c in exported["categories"]] == [
        "basics",
        "raw-events",
        "run-items",
        "tools-handoffs",
        "production",
    ]
    assert list(exported["categories"][0]) == ["slug", "name", "order", "lesson", "description"]
    # By category order, then id.
    assert [q["id"] for q in exported["questions"]] == [
        "basics-01",
        "raw-events-01",
        "run-items-01",
        "tools-handoffs-01",
        "production-01",
    ]
    first = exported["questions"][0]
    assert list(first) == [
        "id",
        "category",
        "level",
        "kind",
        "style",
        "topic",
        "objective",
        "status",
        "sdk_version",
        "prompt",
        "choices",
        "explanation",
        "evidence_kind",
        "evidence",
        "demo",
        "params",
        "pool",
        "pretest",
    ]
    assert first["choices"][0] == {
        "text": "`Runner.run_streamed()`",
        "correct": True,
        "rationale": "It streams.",
    }
    assert first["sdk_version"] == "0.24.0"
    assert first["params"] == {"a": 1.2, "b": -1.3, "c": 0.25}
    assert exported["sdk_version"] == "0.24.0"  # most questions were checked against it


def test_the_yaml_is_readable() -> None:
    load(bank_data.bank())
    text = bank_export()
    assert "    prompt: |\n      Which call streams?\n\n      ```python\n" in text
    assert "    params: {a: 1.2, b: -1.3, c: 0.25}\n" in text
    assert "  - slug: basics\n" in text


def test_exporting_selected_questions_keeps_every_category() -> None:
    load(bank_data.bank())
    text = bank_export(questions=Question.objects.filter(id="run-items-01"))
    exported = yaml.safe_load(text)

    assert [q["id"] for q in exported["questions"]] == ["run-items-01"]
    assert len(exported["categories"]) == 5
    assert exported["sdk_version"] == "0.24.1"
    bank_parse(text=text)  # a file load_bank accepts


def test_whatever_the_model_accepts_round_trips_through_the_file() -> None:
    """The admin saves what Question.full_clean accepts; an export of it must load again."""
    load(bank_data.bank())
    edge_cases = [
        QuestionFactory.create(
            id="basics-60", evidence_kind="judgement", evidence="Reasoned in the explanation."
        ),
        QuestionFactory.create(
            id="basics-61",
            kind="multiple",
            level="advanced",
            evidence_kind="measurement",
            evidence="fallback demo: the tool ran 2 times",
            sdk_version="0.24.0rc1",
            discrimination=5.0,
            difficulty=-5.0,
            guessing=0.0,
            status="draft",
        ),
        QuestionFactory.create(id="basics-999", kind="true_false", status="retired"),
    ]
    for question in edge_cases:
        question.full_clean()
    Category.objects.filter(slug="production").update(order=100)

    text = bank_export()
    result = bank_load(text=text)

    assert len(result.questions.unchanged) == 8
    assert bank_export() == text


def test_a_generated_item_loads_and_exports_with_its_family_variant_and_claims() -> None:
    from tests.questions.test_bankfile import generated_question

    data = bank_data.bank()
    data["questions"] = [generated_question()]
    load(data)
    question = Question.objects.get(id="run-items-100")
    assert (question.family, question.variant) == ("item-names", "item-names__c1-none__travel")
    claims = list(question.choices.order_by("order").values_list("claim", flat=True))
    assert claims[0] == {"printed": ["line 0"], "raises": ""}
    exported = bank_parse(text=bank_export()).questions[0]
    original = bank_parse(text=bank_data.dump(data)).questions[0]
    assert exported.choices == original.choices
    assert (exported.family, exported.variant) == (original.family, original.variant)
    # A claim changed in the file is a change of the question.
    data["questions"][0]["choices"][0]["claim"] = {"last": "other"}
    assert load(data).questions.updated == ("run-items-100",)
    assert question.choices.get(order=0).claim == {"last": "other"}
