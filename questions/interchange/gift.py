"""GIFT, Moodle's plain-text question format: reading it as Moodle does, writing what Moodle reads.

Reading follows Moodle's own importer (question/format/gift/format.php): questions are blocks
of lines separated by blank lines; `//` lines are comments, whose `[id:...]` and `[tag:...]`
give the ID number and tags; `$CATEGORY:` switches category; `::title::` names a question;
`\\` escapes `~ = # { } :` and the backslash, and `\\n` is a line break; `[markdown]`, `[html]`,
`[plain]` or `[moodle]` before a text give its format. Single choice (`=right ~wrong`), multiple
choice (`~%50%right ~%-100%wrong`) and true/false (`{T}`, `{FALSE#...#...}`) are read; other
question types are listed as left out.

Writing gives each item as one line of Markdown text (line breaks as `\\n`), its ID as the
title and as `[id:...]`, its labels as `[tag:...]`, and each category as a `$CATEGORY:` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from questions.bankfile import BankFile, BankInvalid, CategoryEntry, QuestionEntry
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
from questions.interchange.markup import MOODLE_FORMATS, markdown_from, media_count

# Where the bank's categories go in Moodle's question bank: one folder, a category each.
CATEGORY_ROOT = "$course$/top/certify"

# Escaped control characters stand in as private-use characters while the structure is read,
# as Moodle's placeholders do.
_ESCAPES = {
    ":": "\ue03a",
    "#": "\ue023",
    "=": "\ue03d",
    "{": "\ue07b",
    "}": "\ue07d",
    "~": "\ue07e",
}
_NEWLINE = "\ue00a"
_BACKSLASH = "\ue05c"
_RESTORE = {**{mark: char for char, mark in _ESCAPES.items()}, _NEWLINE: "\n"}
_WEIGHT = re.compile(r"^%(-?\d{1,3}(?:\.\d*)?)%")
_ID = re.compile(r"\[id:((?:\\]|[^\]\x00-\x1f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\]|[^\]<>\x00-\x1f])+)\]")
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    line: int  # the first line's number
    lines: tuple[str, ...]

    @property
    def comments(self) -> str:
        return "\n".join(line for line in self.lines if line.startswith("//"))

    @property
    def text(self) -> str:
        return "\n".join(line for line in self.lines if not line.startswith("//")).strip()


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[str] = []
    start = 1
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append(_Block(start, tuple(current)))
            current = []
    if current:
        blocks.append(_Block(start, tuple(current)))
    return blocks


def _hide_escapes(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    for char, mark in _ESCAPES.items():
        text = text.replace(f"\\{char}", mark)
    return text.replace("\\n", _NEWLINE).replace(_BACKSLASH, "\\")


def _restore(text: str) -> str:
    for mark, char in _RESTORE.items():
        text = text.replace(mark, char)
    return text


@dataclass
class _Text:
    """A text of the file in its format, turned into Markdown."""

    format: str
    media: int = 0

    def markdown(self, raw: str) -> tuple[str, str]:
        """(Markdown, the format it was in): a `[format]` prefix overrides the default."""
        raw = raw.strip()
        text_format = self.format
        if match := _FORMAT.match(raw):
            text_format, raw = MOODLE_FORMATS[match.group(1)], raw[match.end() :]
        plain = _restore(raw).strip()
        self.media += media_count(plain) if text_format != "markdown" else 0
        return markdown_from(plain, text_format), text_format


@dataclass(frozen=True)
class _Question:
    block: _Block
    name: str
    body: str  # the text with the answer block taken out (a blank where it was)
    answers: str
    general: str
    braces: bool = True  # False: a description, with no answer block at all


def _split(block: _Block, text: str, problems: Problems) -> _Question | None:
    name = ""
    if text.startswith("::") and (end := text.find("::", 2)) != -1:
        name, text = _restore(text[2:end]).strip(), text[end + 2 :].strip()
    start, finish = text.find("{"), text.find("}")
    if start == -1 and finish == -1:
        return _Question(block, name, text, "", "", braces=False)
    if start == -1 or finish == -1 or finish < start:
        problems.error(f"line {block.line}", name, "Unbalanced braces: '{' and '}' must pair.")
        return None
    answers = text[start + 1 : finish].strip()
    after = text[finish + 1 :].strip()
    # Answers in the middle of the text are a missing-word question: a blank marks their place.
    body = text[:start] + ("_____" + text[finish + 1 :] if after else "")
    general = ""
    if (separator := answers.rfind("####")) != -1:
        general, answers = answers[separator + 4 :], answers[:separator].strip()
    return _Question(block, name, body.strip(), answers, general)


def _qtype(question: _Question) -> str:
    answers = question.answers
    if not question.braces:
        return "description"
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "matching"
    head = answers.split("#", 1)[0].strip()
    return "truefalse" if head in _TRUE_FALSE else "short answer"


def _weighted(answer: str) -> tuple[float, str]:
    if answer.startswith("="):
        return 1.0, answer[1:]
    if match := _WEIGHT.match(answer):
        return float(match.group(1)) / 100, answer[match.end() :]
    return 0.0, answer


def _multichoice(
    question: _Question, texts: _Text, problems: Problems
) -> tuple[str, list[ImportedChoice]]:
    single = "=" in question.answers
    parts = [part.strip() for part in question.answers.replace("=", "~=").split("~")]
    choices = []
    for part in (part for part in parts if part):
        weight, answer = _weighted(part)
        text, _, feedback = answer.partition("#")
        if single and 0 < weight < 1:
            problems.note(
                "Partial credit (answers worth less than 100% in a single-choice question) is "
                "not kept: certify counts only the full-credit answer as right."
            )
        choices.append(
            ImportedChoice(
                texts.markdown(text)[0],
                weight >= 1 if single else weight > 0,
                texts.markdown(feedback)[0],
            )
        )
    return ("single" if single else "multiple"), choices


def _true_false(question: _Question, texts: _Text) -> tuple[str, list[ImportedChoice]]:
    answer, wrong, right = ([*question.answers.split("#", 2), "", ""])[:3]
    truth = _TRUE_FALSE[answer.strip()]
    right_text, wrong_text = texts.markdown(right)[0], texts.markdown(wrong)[0]
    return "true_false", [
        ImportedChoice("True", truth, right_text if truth else wrong_text),
        ImportedChoice("False", not truth, wrong_text if truth else right_text),
    ]


_SKIPPED_TYPES = {
    "description": "a description (no answers)",
    "essay": "an essay question (certify asks choice questions only)",
    "numerical": "a numerical question (certify asks choice questions only)",
    "matching": "a matching question (certify asks choice questions only)",
    "short answer": "a short-answer question (certify asks choice questions only)",
}


def _item(
    question: _Question, category: str, problems: Problems, texts: _Text
) -> ImportedItem | None:
    qtype = _qtype(question)
    where = f"line {question.block.line}"
    if qtype in _SKIPPED_TYPES:
        problems.skipped.append(Skipped(where, question.name, _SKIPPED_TYPES[qtype]))
        return None
    prompt, prompt_format = texts.markdown(question.body)
    texts = _Text(prompt_format)  # answers and feedback default to the question text's format
    if qtype == "multichoice":
        kind, choices = _multichoice(question, texts, problems)
    else:
        kind, choices = _true_false(question, texts)
    identifier, tags = _comment_labels(question.block.comments)
    problems.notes.extend(note for note in _media_note(texts) if note not in problems.notes)
    return ImportedItem(
        where=where,
        identifier=identifier or question.name,
        name=question.name if identifier else "",
        category=category,
        kind=kind,
        prompt=prompt or first_words(question.name, 80),
        choices=tuple(choices),
        explanation=texts.markdown(question.general)[0],
        tags=labels_from(tags),
    )


def _media_note(texts: _Text) -> list[str]:
    if not texts.media:
        return []
    return ["Images and media in the file are left out: a question's text in certify is text."]


def _comment_labels(comments: str) -> tuple[str, list[str]]:
    identifier = ""
    if match := _ID.search(comments):
        identifier = match.group(1).replace("\\]", "]").strip()
    tags = [match.replace("\\]", "]").strip() for match in _TAG.findall(comments)]
    return identifier, tags


def _decode(data: bytes | str, problems: Problems) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.error("", "", f"Not UTF-8 text (byte {error.start}).")
        raise BankInvalid(problems.errors) from None


def gift_read(*, data: bytes | str, source: str = "GIFT file") -> ImportedBank:
    """Every choice question of a GIFT file; BankInvalid lists every error (with its line)."""
    problems = Problems(source)
    text = _decode(data, problems)
    if any(mark in text for mark in (*_RESTORE, _BACKSLASH)):
        problems.error("", "", "The file holds private-use characters GIFT does not use.")
        problems.raise_if_any()
    category = ""
    items: list[ImportedItem] = []
    for block in _blocks(text):
        body = _hide_escapes(block.text)
        if not body:
            continue
        if body.startswith("$CATEGORY:"):
            category = body[len("$CATEGORY:") :].strip()
            continue
        question = _split(block, body, problems)
        if question is not None and (item := _item(question, category, problems, _Text("moodle"))):
            items.append(item)
    return problems.bank("gift", items)


# --- writing ----------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Text as GIFT holds it: control characters escaped, line breaks as \\n (Moodle's repchar)."""
    text = text.replace("\\", "\\\\")
    for char in "#=~{}:":
        text = text.replace(char, f"\\{char}")
    return text.replace("\r", "").replace("\n", "\\n")


def _bracketed(value: str) -> str:
    return value.replace("]", "\\]")


def _category_line(category: CategoryEntry | None) -> str:
    if category is None:  # a draft not yet placed in a category
        return f"$CATEGORY: {CATEGORY_ROOT}"
    return f"$CATEGORY: {CATEGORY_ROOT}/{category.name.replace('/', '//')}"


def _is_true_false(entry: QuestionEntry) -> bool:
    texts = [choice.text.strip().lower() for choice in entry.choices]
    return entry.kind == "true_false" and texts == ["true", "false"]


def _true_false_answers(entry: QuestionEntry) -> str:
    true, false = entry.choices
    right, wrong = (true, false) if true.correct else (false, true)
    answer = "TRUE" if true.correct else "FALSE"
    return f"{answer}#{_escape(wrong.rationale)}#{_escape(right.rationale)}"


def _choice_answers(entry: QuestionEntry) -> list[str]:
    if entry.kind != "multiple":
        return [
            f"{'=' if choice.correct else '~'}{_escape(choice.text)}#{_escape(choice.rationale)}"
            for choice in entry.choices
        ]
    right = sum(1 for choice in entry.choices if choice.correct) or 1
    # Moodle's grade for each right answer of k is 100/k; a wrong one takes everything away.
    share = f"{100 / right:.5f}".rstrip("0").rstrip(".")
    return [
        f"~%{share if choice.correct else '-100'}%{_escape(choice.text)}"
        f"#{_escape(choice.rationale)}"
        for choice in entry.choices
    ]


def _question(entry: QuestionEntry) -> str:
    labels = " ".join(f"[tag:{_bracketed(tag)}]" for tag in tags_for(entry))
    lines = [
        f"// [id:{_bracketed(entry.id)}] {labels}".rstrip(),
        f"::{_escape(entry.id)}::[markdown]{_escape(entry.prompt.strip())}{{",
    ]
    if _is_true_false(entry):
        lines[-1] += _true_false_answers(entry)
    else:
        lines += [f"\t{answer}" for answer in _choice_answers(entry)]
    if entry.explanation:
        lines.append(f"\t####{_escape(entry.explanation.strip())}")
    lines.append("}")
    return "\n".join(lines)


def gift_write(bank: BankFile, *, note: str = "") -> str:
    """The bank's items as GIFT, category by category (in the bank's order); `note` (what the
    format leaves out) goes in the opening comment."""
    names = {category.slug: category for category in bank.categories}
    header = [f"// certify question bank, SDK {bank.sdk_version}"]
    header += [f"// {line}" for line in note.splitlines()]
    sections: list[str] = ["\n".join(header)]
    current: str | None = None
    for entry in bank.questions:
        if entry.category != current:
            sections.append(_category_line(names.get(entry.category or "")))
        current = entry.category
        sections.append(_question(entry))
    return "\n\n".join(sections) + "\n"
