"""GIFT on its own: Moodle's own sample files, its escapes, and what certify writes."""

from __future__ import annotations

import pytest

from questions.bankfile import BankInvalid
from questions.interchange import ImportedBank
from questions.interchange.gift import gift_read, gift_write
from tests.purity import django_modules_imported_by
from tests.questions.interchange_data import MOODLE, TRICKY_PROMPT, tricky_bank


def read(name: str) -> ImportedBank:
    return gift_read(data=(MOODLE / name).read_bytes(), source=name)


def test_the_formats_import_without_django() -> None:
    for module in ("gift", "moodle_xml", "qti", "markup", "xmlsafe"):
        assert django_modules_imported_by(f"questions.interchange.{module}") == []


def test_moodles_examples_choice_questions_are_read_and_the_rest_listed() -> None:
    bank = read("examples.txt")

    kinds = [item.kind for item in bank.items]
    assert kinds.count("true_false") == 5
    assert kinds.count("multiple") == 2
    assert len(bank.items) == 23
    # Short answer, numerical and matching questions are listed with their line, not dropped.
    assert [skipped.where for skipped in bank.skipped][:3] == ["line 14", "line 16", "line 43"]
    assert "a matching question" in str(bank.skipped[4])


def test_escaped_control_characters_are_text() -> None:
    items = {item.prompt: item for item in read("examples.txt").items}

    equals = items["Which answer equals 5?"]
    assert [(c.text, c.correct) for c in equals.choices] == [
        ("= 2 + 2", False),
        ("= 2 + 3", True),
        ("= 2 + 4", False),
    ]
    control = items["Which of the following is NOT a control character for the GIFT import format?"]
    # The plain-text answers become Markdown that shows the same characters.
    assert [c.text for c in control.choices] == ["~", "=", "\\#", "\\{", "\\}", "\\\\"]
    assert control.choices[5].correct
    assert control.choices[0].feedback == "~ is a control character."


def test_feedback_weights_and_blanks_as_moodle_reads_them() -> None:
    bank = read("examples.txt")
    by_line = {item.where: item for item in bank.items}

    assert by_line["line 10"].prompt == "Grant is \\_\\_\\_\\_\\_ in Grant's tomb."
    hometown = by_line["line 117"]
    assert [c.correct for c in hometown.choices] == [False, False, False, True]
    assert hometown.choices[3].feedback == "Yes! That's right!"
    multiple = by_line["line 136"]  # ~%-50% and ~%50%: several right answers
    assert (multiple.kind, [c.correct for c in multiple.choices]) == (
        "multiple",
        [False, True, True, False],
    )
    assert any("Partial credit" in note for note in bank.notes)
    # [markdown] with only "=" answers is a short-answer question, as in Moodle.
    assert "line 107: a short-answer question" in [str(s).split(" (")[0] for s in bank.skipped]


def test_true_false_feedback_and_general_feedback() -> None:
    bank = read("questions.gift.txt")
    by_id = {item.identifier: item for item in bank.items}

    answer = by_id["Q1"]  # {FALSE#wrong-answer feedback#right-answer feedback ####general}
    assert [(c.text, c.correct, c.feedback) for c in answer.choices] == [
        ("True", False, "42 is the Ultimate Answer."),
        ("False", True, "You gave the right answer."),
    ]
    assert answer.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert [(s.name, s.reason.split(" (")[0]) for s in bank.skipped] == [
        ("Q8", "an essay question"),
        ("Moodle activities", "a matching question"),
        ("Q5", "a numerical question"),
        ("Shortanswer", "a short-answer question"),
    ]


def test_categories_and_html_text() -> None:
    bank = read("questions_in_category.gift.txt")
    greeting = next(item for item in bank.items if item.identifier == "Greeting")

    assert greeting.category == "$course$/Default for New Features"
    assert greeting.prompt.startswith(
        "[Listen to this greeting:](http://demo.moodle.net/file.php/5/media/bonjour.mp3)"
    )
    assert greeting.prompt.endswith("What language is being spoken?")


def test_what_certify_writes_it_reads_back_exactly() -> None:
    bank = tricky_bank()

    text = gift_write(bank)
    items = {item.identifier: item for item in gift_read(data=text).items}

    assert "\n\n" not in text.split("::basics-01::")[1].split("}")[0]  # one block per question
    first = items["basics-01"]
    assert first.prompt == TRICKY_PROMPT
    assert first.explanation == bank.questions[0].explanation
    assert [(c.text, c.correct, c.feedback) for c in first.choices] == [
        (c.text, c.correct, c.rationale.strip()) for c in bank.questions[0].choices
    ]
    assert first.category.endswith("/Basic Streaming Concepts")
    assert dict(first.tags) == {
        "level": "beginner",
        "style": "concept",
        "objective": bank.questions[0].objective,
    }
    for entry in bank.questions:
        assert [c.correct for c in items[entry.id].choices] == [c.correct for c in entry.choices]
        assert items[entry.id].kind == entry.kind


def test_errors_name_their_line_and_every_one_is_reported() -> None:
    text = "::a::Fine {=x ~y}\n\n::b::Broken {=x ~y\n\n::c::Also } broken {\n"

    bank = gift_read(data=text, source="bad.gift")

    assert [str(error) for error in bank.errors] == [
        "bad.gift line 3 b: Unbalanced braces: '{' and '}' must pair.",
        "bad.gift line 5 c: Unbalanced braces: '{' and '}' must pair.",
    ]
    assert [item.identifier for item in bank.items] == ["a"]


def test_a_file_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(BankInvalid, match="Not UTF-8"):
        gift_read(data=b"::a::\xff{T}", source="bad.gift")
