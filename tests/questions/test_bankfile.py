"""The bank file on its own: reading, validating and writing it, without Django or a database.

What loading a file does to the database is tests/questions/test_bank.py's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from questions import bankfile
from questions.bankfile import BankFile, BankInvalid, bank_dump, bank_parse, bank_read
from tests.purity import django_modules_imported_by
from tests.questions import bank_data


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(BankInvalid) as caught:
        bank_parse(text=bank_data.dump(data), source="test.yaml")
    return [str(error) for error in caught.value.errors]


def test_the_module_imports_without_django() -> None:
    assert django_modules_imported_by("questions.bankfile") == []


def test_parse_gives_typed_entries_in_file_order() -> None:
    parsed = bank_parse(text=bank_data.dump(bank_data.bank()))

    assert isinstance(parsed, BankFile)
    assert [category.slug for category in parsed.categories] == [
        "basics",
        "raw-events",
        "run-items",
        "tools-handoffs",
        "production",
    ]
    first, _, third, *_ = parsed.questions
    assert (first.id, first.sdk_version, first.params) == ("basics-01", None, None)
    assert (third.sdk_version, third.params) == (
        "0.24.1",
        bankfile.ParamsEntry(a=1.5, b=2.0, c=0.1),
    )
    assert [choice.correct for choice in first.choices] == [True, False, False]


@pytest.mark.parametrize("fmt", bankfile.FORMATS)
def test_dump_writes_what_parse_reads(fmt: bankfile.Format) -> None:
    parsed = bank_parse(text=bank_data.dump(bank_data.bank()))

    text = bank_dump(parsed, fmt=fmt)

    assert bank_parse(text=text) == parsed
    assert bank_dump(bank_parse(text=text), fmt=fmt) == text


def test_dump_leaves_out_what_the_file_left_out() -> None:
    parsed = bank_parse(text=bank_data.dump(bank_data.bank()))

    data = yaml.safe_load(bank_dump(parsed))

    first, _, third, *_ = data["questions"]
    assert "params" not in first
    assert "sdk_version" not in first
    assert third["params"] == {"a": 1.5, "b": 2.0, "c": 0.1}
    assert third["sdk_version"] == "0.24.1"


def test_dump_keeps_the_schema_order_and_one_line_params() -> None:
    parsed = bank_parse(text=bank_data.dump(bank_data.bank()))

    text = bank_dump(parsed)

    assert list(yaml.safe_load(text)) == ["sdk_version", "categories", "questions"]
    assert list(yaml.safe_load(text)["questions"][2])[:3] == ["id", "category", "level"]
    assert "\n    params: {a: 1.5, b: 2.0, c: 0.1}\n" in text
    assert "\n    prompt: |\n      Which call streams?\n" in text


def test_yaml_and_json_dumps_hold_the_same_data() -> None:
    parsed = bank_parse(text=bank_data.dump(bank_data.bank()))

    assert yaml.safe_load(bank_dump(parsed, fmt="yaml")) == json.loads(
        bank_dump(parsed, fmt="json")
    )


def test_category_rules_span_the_list() -> None:
    data = bank_data.bank()
    data["categories"][0]["lesson"] = "streaming-patterns"
    data["categories"][1]["order"] = 1
    del data["categories"][4]

    assert errors_of(data) == [
        "basics lesson: The lesson that teaches basics is basic-streaming.",
        "test.yaml categories: The order 1 is given 2 times.",
        "test.yaml categories: The file lists all five categories; missing: production.",
    ]


def test_a_category_listed_twice_is_named_once() -> None:
    data = bank_data.bank()
    data["categories"].append(dict(data["categories"][0]))

    assert errors_of(data) == [
        "test.yaml categories: The slug basics is given 2 times.",
        "test.yaml categories: The order 1 is given 2 times.",
    ]


def test_bank_read_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BankInvalid) as caught:
        bank_read(path=tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: No such file."


def test_bank_read_says_when_the_default_bank_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bankfile, "DEFAULT_PATH", tmp_path / "streaming.yaml")

    with pytest.raises(BankInvalid) as caught:
        bank_read(path=tmp_path / "streaming.yaml")

    assert str(caught.value).endswith(
        "No such file: the default bank is missing from this checkout."
    )


def test_bank_read_reports_a_folder_as_unreadable(tmp_path: Path) -> None:
    with pytest.raises(BankInvalid) as caught:
        bank_read(path=tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}: Cannot read it: ")


# --- generated items: family, variant and a claim on every choice -------------------------------

GENERATED_VARIANT = "item-names__c1-none__travel"


def generated_question(**overrides: Any) -> dict[str, Any]:
    entry = bank_data.question(
        "run-items-100",
        demo={"lesson": "run-item-events", "preset": GENERATED_VARIANT},
        family="item-names",
        variant=GENERATED_VARIANT,
    )
    entry["choices"] = [
        {**choice, "claim": {"printed": [f"line {n}"], "raises": ""}}
        for n, choice in enumerate(entry["choices"])
    ]
    entry.update(overrides)
    return entry


def test_a_generated_item_round_trips_with_its_family_variant_and_claims() -> None:
    data = bank_data.bank()
    data["questions"] = [generated_question()]
    parsed = bank_parse(text=bank_data.dump(data))
    entry = parsed.questions[0]
    assert (entry.family, entry.variant) == ("item-names", GENERATED_VARIANT)
    assert entry.choices[0].claim is not None
    assert entry.choices[0].claim.printed == ("line 0",)
    written = bank_dump(parsed)
    assert "claim: {printed: [line 0], raises: ''}" in written
    assert bank_dump(bank_parse(text=written)) == written
    assert bank_parse(text=bank_dump(parsed, fmt="json")) == parsed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"family": None}, "run-items-100 family: A generated item names both its family and"),
        ({"variant": "item-names__nope__travel"}, "has no scenario variant 'item-names__nope"),
        ({"choices": "drop-claim"}, "run-items-100 choices: Every choice of a generated item"),
        (
            {"choices": {"printed": "not a list"}},
            "run-items-100 choices[A].claim.printed",
        ),
    ],
)
def test_a_generated_item_is_checked_and_named_when_wrong(
    change: dict[str, Any], message: str
) -> None:
    entry = generated_question()
    if change.get("choices") == "drop-claim":
        del entry["choices"][1]["claim"]
    elif "choices" in change:
        entry["choices"][0]["claim"] = change["choices"]
    else:
        entry.update(change)
        entry = {key: value for key, value in entry.items() if value is not None}
    data = bank_data.bank()
    data["questions"] = [entry]
    assert any(message in error for error in errors_of(data)), errors_of(data)


def test_only_a_generated_items_choices_carry_claims() -> None:
    data = bank_data.bank()
    data["questions"][0]["choices"][0]["claim"] = {"last": "x"}
    assert any("Only the choices of a generated item" in error for error in errors_of(data))


def test_a_yaml_files_errors_carry_the_line_where_their_entry_starts() -> None:
    data = bank_data.bank()
    data["questions"][2]["level"] = "expert"
    text = bank_data.dump(data)
    start = text.splitlines().index(f"- id: {data['questions'][2]['id']}") + 1

    with pytest.raises(BankInvalid) as raised:
        bank_parse(text=text)

    assert [(e.where, e.field, e.line) for e in raised.value.errors] == [
        (data["questions"][2]["id"], "level", start)
    ]
    # JSON has no lines to give.
    with pytest.raises(BankInvalid) as raised:
        bank_parse(text=json.dumps(data))
    assert [e.line for e in raised.value.errors] == [None]
