"""Moodle XML, the format Moodle's question bank exports and imports in full.

Reading takes `multichoice` and `truefalse` questions (name, question text, general feedback,
answers with their fraction and feedback, ID number, tags) under the `category` pseudo-questions
that place them; other question types are listed as left out. Text in Moodle's HTML,
auto-format or plain formats becomes Markdown; Markdown is kept as it is. Writing gives every
text as Markdown (format="markdown", which Moodle renders itself), each category with its
description and its slug as ID number, each item's ID as its ID number, its topic as its name.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from questions.bankfile import BankFile, CategoryEntry, QuestionEntry
from questions.interchange import (
    ImportedBank,
    ImportedChoice,
    ImportedItem,
    Problems,
    Skipped,
    first_words,
    labels_from,
    tags_for,
)
from questions.interchange.gift import CATEGORY_ROOT
from questions.interchange.markup import markdown_from, media_count
from questions.interchange.xmlsafe import (
    child,
    children,
    local,
    nested_text,
    text_of,
    xml_parse,
)

_READ_TYPES = ("multichoice", "truefalse")


# --- reading ----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.category = ""
        self.category_key = ""
        self.media = 0

    def text(self, element: etree._Element | None, default_format: str = "html") -> str:
        if element is None:
            return ""
        raw = text_of(child(element, "text"))
        text_format = element.get("format", default_format)
        if text_format != "markdown":
            self.media += media_count(raw)
        self.media += len(children(element, "file"))
        return markdown_from(raw, text_format)

    def fraction(self, answer: etree._Element, where: str) -> float:
        raw = answer.get("fraction", "0")
        try:
            return float(raw)
        except ValueError:
            self.problems.error(where, "answer fraction", f"'{raw}' is not a number.")
            return 0.0

    def answers(self, question: etree._Element, where: str) -> list[tuple[float, ImportedChoice]]:
        found = []
        for answer in children(question, "answer"):
            fraction = self.fraction(answer, f"line {answer.sourceline}")
            choice = ImportedChoice(
                self.text(answer, "html"),
                fraction > 0,
                self.text(child(answer, "feedback")),
            )
            found.append((fraction, choice))
        return found

    def multichoice(self, question: etree._Element, where: str) -> tuple[str, list[ImportedChoice]]:
        single = text_of(child(question, "single")).strip().lower() not in ("false", "0")
        answers = self.answers(question, where)
        if not single:
            return "multiple", [choice for _, choice in answers]
        if any(0 < fraction < 100 for fraction, _ in answers):
            self.problems.note(
                "Partial credit (answers worth less than 100% in a single-choice question) is "
                "not kept: certify counts only the full-credit answer as right."
            )
        return "single", [
            ImportedChoice(choice.text, fraction >= 100, choice.feedback)
            for fraction, choice in answers
        ]

    def true_false(self, question: etree._Element, where: str) -> tuple[str, list[ImportedChoice]]:
        by_truth: dict[bool, ImportedChoice] = {}
        for _fraction, choice in self.answers(question, where):
            word = choice.text.strip().lower()
            if word not in ("true", "false"):
                self.problems.error(where, "answer", "A true/false answer is 'true' or 'false'.")
                continue
            by_truth[word == "true"] = ImportedChoice(word.title(), choice.correct, choice.feedback)
        if len(by_truth) != 2:
            self.problems.error(where, "answer", "A true/false question has a true and a false.")
            return "true_false", []
        return "true_false", [by_truth[True], by_truth[False]]

    def item(self, question: etree._Element) -> ImportedItem | None:
        qtype = question.get("type", "")
        name = nested_text(question, "name", "text").strip()
        where = f"line {question.sourceline}"
        if qtype not in _READ_TYPES:
            reason = f"question type {qtype or '(none)'!r} (certify asks choice questions only)"
            self.problems.skipped.append(Skipped(where, name, reason))
            return None
        read = self.multichoice if qtype == "multichoice" else self.true_false
        kind, choices = read(question, where)
        prompt = self.text(child(question, "questiontext"))
        tags = [text_of(child(tag, "text")) for tag in _tags(question)]
        return ImportedItem(
            where=where,
            identifier=text_of(child(question, "idnumber")).strip(),
            name=name,
            category=self.category,
            kind=kind,
            prompt=prompt or first_words(name, 80),
            choices=tuple(choices),
            explanation=self.text(child(question, "generalfeedback")),
            tags=labels_from(tags),
            category_key=self.category_key,
        )

    def category_switch(self, question: etree._Element) -> None:
        self.category = nested_text(question, "category", "text").strip()
        self.category_key = text_of(child(question, "idnumber")).strip()


def _tags(question: etree._Element) -> list[etree._Element]:
    holder = child(question, "tags")
    return [] if holder is None else children(holder, "tag")


def moodle_xml_read(*, data: bytes, source: str = "Moodle XML file") -> ImportedBank:
    """Every choice question of a Moodle XML file; BankInvalid lists every error (with its line)."""
    problems = Problems(source)
    root = xml_parse(data, problems)
    problems.raise_if_any()
    assert root is not None  # xml_parse recorded an error otherwise
    if local(root) != "quiz":
        problems.error(f"line {root.sourceline}", f"<{local(root)}>", "Moodle XML starts <quiz>.")
        problems.raise_if_any()
    reader = _Reader(problems)
    items: list[ImportedItem] = []
    for question in children(root, "question"):
        if question.get("type") == "category":
            reader.category_switch(question)
        elif (item := reader.item(question)) is not None:
            items.append(item)
    if reader.media:
        problems.note(
            "Images and media in the file are left out: a question's text in certify is text."
        )
    return problems.bank("moodle-xml", items)


# --- writing ----------------------------------------------------------------------------------


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attrib: str
) -> etree._Element:
    element = etree.SubElement(parent, name, attrib)
    if text is not None:
        element.text = text
    return element


def _text_field(
    parent: etree._Element, name: str, text: str, text_format: str = "markdown"
) -> None:
    _sub(_sub(parent, name, format=text_format), "text", text)


def _category(root: etree._Element, category: CategoryEntry | None) -> None:
    question = _sub(root, "question", type="category")
    path = (
        CATEGORY_ROOT if category is None else f"{CATEGORY_ROOT}/{category.name.replace('/', '//')}"
    )
    _sub(_sub(question, "category"), "text", path)
    if category is not None:
        _text_field(question, "info", category.description)
        _sub(question, "idnumber", category.slug)


def _fraction(entry: QuestionEntry, correct: bool) -> str:
    if entry.kind != "multiple":
        return "100" if correct else "0"
    if not correct:
        return "-100"  # all or nothing, as certify scores it: any wrong answer takes all away
    right = sum(1 for choice in entry.choices if choice.correct) or 1
    return f"{100 / right:.5f}".rstrip("0").rstrip(".")


def _answers(question: etree._Element, entry: QuestionEntry, true_false: bool) -> None:
    for choice in entry.choices:
        if true_false:
            answer = _sub(question, "answer", fraction=_fraction(entry, choice.correct))
            answer.set("format", "moodle_auto_format")
            _sub(answer, "text", choice.text.strip().lower())
        else:
            answer = _sub(question, "answer", fraction=_fraction(entry, choice.correct))
            answer.set("format", "markdown")
            _sub(answer, "text", choice.text)
        _text_field(answer, "feedback", choice.rationale)


def _tag_list(question: etree._Element, tags: Iterable[str]) -> None:
    holder = _sub(question, "tags")
    for tag in tags:
        _sub(_sub(holder, "tag"), "text", tag)


def _question(root: etree._Element, entry: QuestionEntry) -> None:
    texts = [choice.text.strip().lower() for choice in entry.choices]
    true_false = entry.kind == "true_false" and texts == ["true", "false"]
    question = _sub(root, "question", type="truefalse" if true_false else "multichoice")
    _sub(_sub(question, "name"), "text", entry.topic or entry.id)
    _text_field(question, "questiontext", entry.prompt)
    _text_field(question, "generalfeedback", entry.explanation)
    _sub(question, "defaultgrade", "1")
    _sub(question, "penalty", "0")
    _sub(question, "hidden", "0")
    _sub(question, "idnumber", entry.id)
    if not true_false:
        _sub(question, "single", "false" if entry.kind == "multiple" else "true")
        _sub(question, "shuffleanswers", "true")
        _sub(question, "answernumbering", "ABCD")
    _answers(question, entry, true_false)
    _tag_list(question, tags_for(entry))


def moodle_xml_write(bank: BankFile, *, note: str = "") -> bytes:
    """The bank's items as Moodle XML, category by category (in the bank's order); `note`
    (what the format leaves out) goes in the opening comment."""
    root = etree.Element("quiz")
    comment = f"certify question bank, SDK {bank.sdk_version}. {note}".replace("--", "-")
    root.append(etree.Comment(f" {comment.strip()} "))
    categories = {category.slug: category for category in bank.categories}
    current: str | None = "\0"
    for entry in bank.questions:
        if entry.category != current:
            _category(root, categories.get(entry.category or ""))
            current = entry.category
        _question(root, entry)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
