"""Moodle XML on its own: Moodle's own sample files, an independent reader of what certify
writes (moodle-xml-parser, from PyPI), and XML that must be refused."""

from __future__ import annotations

import pytest
from moodle_xml_parser import parser as independent

from questions.bankfile import BankInvalid
from questions.interchange.moodle_xml import moodle_xml_read, moodle_xml_write
from tests.questions.interchange_data import MOODLE, TRICKY_PROMPT, tricky_bank


def test_moodles_nested_categories_file() -> None:
    bank = moodle_xml_read(data=(MOODLE / "nested_categories_with_questions.xml").read_bytes())

    assert [(item.name, item.category) for item in bank.items] == [
        ("Iota Question", "$course$/Iota"),
        ("Kappa Question", "$course$/Iota/Kappa"),
        ("Lambda Question", "$course$/Iota/Kappa/Lambda"),
        ("Mu Question", "$course$/Iota/Mu"),
    ]
    assert bank.items[0].prompt == "Testing Iota Question"
    assert [(c.text, c.correct) for c in bank.items[0].choices] == [
        ("True", True),
        ("False", False),
    ]
    assert [(s.where, s.name) for s in bank.skipped] == [("line 55", "Kappa Essay Question")]


def test_id_numbers_with_html_characters() -> None:
    bank = moodle_xml_read(data=(MOODLE / "html_chars_in_idnumbers.xml").read_bytes())

    assert bank.items[0].identifier == "T & F"
    assert bank.items[0].category_key == "The inequalities < & >"


def test_what_certify_writes_it_reads_back_exactly() -> None:
    bank = tricky_bank()

    items = {item.identifier: item for item in moodle_xml_read(data=moodle_xml_write(bank)).items}

    first = items["basics-01"]
    assert (first.prompt, first.name, first.category_key) == (
        TRICKY_PROMPT,
        bank.questions[0].topic,
        "basics",
    )
    for entry in bank.questions:
        item = items[entry.id]
        assert item.kind == entry.kind
        assert [(c.text, c.correct, c.feedback) for c in item.choices] == [
            (c.text, c.correct, c.rationale.strip()) for c in entry.choices
        ]
        assert dict(item.tags) == {
            "level": entry.level,
            "style": entry.style,
            "objective": entry.objective,
        }


def test_an_independent_reader_reads_what_certify_writes() -> None:
    bank = tricky_bank()

    parsed = independent.parse_bytes(moodle_xml_write(bank))

    choice_entries = [entry for entry in bank.questions if entry.kind != "true_false"]
    assert [q.name for q in parsed["multichoice"]] == [entry.topic for entry in choice_entries]
    for entry, question in zip(choice_entries, parsed["multichoice"], strict=True):
        assert question.single == (entry.kind == "single")
        assert question.text_pre_parse == entry.prompt.strip()
        assert [option.answer for option in question.options] == [c.text for c in entry.choices]
        assert [option.feedback for option in question.options] == [
            c.rationale.strip() for c in entry.choices
        ]
        right = [option.score_fraction > 0 for option in question.options]
        assert right == [c.correct for c in entry.choices]
        if entry.kind == "multiple":
            assert sum(
                o.score_fraction for o in question.options if o.score_fraction > 0
            ) == pytest.approx(100)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"<quiz><question type='multichoice'>",
            "line 1 column 36: Not well-formed XML: Premature end of data in tag question line 1.",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b"<quiz><question type='truefalse'><name><text>&x;</text></name></question></quiz>",
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz>&b;</quiz>',
            "DOCTYPE",
        ),
        (b"<questestinterop/>", "line 1 <questestinterop>: Moodle XML starts <quiz>."),
    ],
)
def test_xml_that_is_refused(data: bytes, expected: str) -> None:
    with pytest.raises(BankInvalid) as caught:
        moodle_xml_read(data=data, source="bad.xml")
    assert expected in str(caught.value)
    assert "passwd" not in str(caught.value)
    assert "root:" not in str(caught.value)


def test_a_bad_fraction_names_its_line() -> None:
    data = (
        b"<quiz>\n<question type='multichoice'><name><text>q</text></name>\n"
        b"<questiontext format='html'><text>Q?</text></questiontext>\n"
        b"<answer fraction='lots'><text>a</text></answer>\n"
        b"<answer fraction='0'><text>b</text></answer></question></quiz>"
    )

    bank = moodle_xml_read(data=data, source="bad.xml")

    assert [str(error) for error in bank.errors] == [
        "bad.xml line 4 answer fraction: 'lots' is not a number."
    ]
