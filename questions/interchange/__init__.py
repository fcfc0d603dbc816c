"""Banks in the formats other systems use: GIFT and Moodle XML (Moodle), QTI 1.2 (Canvas and
the LMSs that read its packages).

Each format module reads a file into an `ImportedBank` (what the file says, item by item, with
every problem found and every question it had to leave out) and writes a `BankFile` (the
bank as questions/bankfile.py holds it) out. What a format can hold is `HELD`; the rest of an
item stays in certify and is reported by `not_held` on export. Merging what a file says into
the stored bank is the database side's (questions/services/interchange.py).

Pure: no Django import and no database, like questions/bankfile.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from questions.bankfile import BankError, BankFile, BankInvalid, QuestionEntry

Interchange = Literal["gift", "moodle-xml", "qti"]
INTERCHANGES: tuple[Interchange, ...] = ("gift", "moodle-xml", "qti")

LABELS: dict[Interchange, str] = {
    "gift": "GIFT",
    "moodle-xml": "Moodle XML",
    "qti": "QTI 1.2 package",
}
EXTENSIONS: dict[Interchange, str] = {"gift": ".gift", "moodle-xml": ".xml", "qti": ".zip"}
MEDIA_TYPES: dict[Interchange, str] = {
    "gift": "text/plain; charset=utf-8",
    "moodle-xml": "application/xml",
    "qti": "application/zip",
}

# An item's fields as the bank names them, and the words an instructor reads in a report.
FIELD_LABELS: dict[str, str] = {
    "id": "ID",
    "category": "category",
    "kind": "kind",
    "prompt": "prompt",
    "choices": "choices",
    "explanation": "explanation",
    "topic": "topic",
    "level": "level",
    "style": "style",
    "objective": "objective",
    "evidence": "evidence",
    "demo": "demo link",
    "params": "item parameters",
    "status": "status",
    "sdk_version": "SDK version",
    "family": "family and variant",
    "claims": "choice claims",
    "pool": "pool",
    "pretest": "pretest status",
}

# What each format holds. The choices are their text, key and per-option feedback (the
# rationale); level, style and objective travel as tags (GIFT's `[tag:...]` comments, Moodle's
# <tags>, QTI item metadata). Evidence, the demo link, item parameters, status and SDK version
# are certify's own machinery (so are a generated item's family, variant and choice claims, and
# an item's pool and pretest status): an LMS has no place that means them, so they stay here.
_COMMON = ("id", "category", "kind", "prompt", "choices", "explanation", "level", "style")
HELD: dict[Interchange, frozenset[str]] = {
    # GIFT's one name slot (::title::) holds the ID, so the topic has nowhere to go.
    "gift": frozenset((*_COMMON, "objective")),
    "moodle-xml": frozenset((*_COMMON, "objective", "topic")),
    "qti": frozenset((*_COMMON, "objective", "topic")),
}
# Tags that carry certify's labels, as "name:value".
TAGGED = ("level", "style", "objective")


def interchange_named(name: str) -> Interchange:
    """The format called `name` (one of INTERCHANGES); ValueError for any other name."""
    for fmt in INTERCHANGES:
        if fmt == name:
            return fmt
    raise ValueError(f"Unknown format '{name}' (one of: {', '.join(INTERCHANGES)}).")


def interchange_for(filename: str) -> Interchange | None:
    """The format a file's name says: .gift/.txt GIFT, .xml Moodle XML, .zip a QTI package."""
    name = filename.lower()
    if name.endswith((".gift", ".txt")):
        return "gift"
    if name.endswith(".xml"):
        return "moodle-xml"
    if name.endswith(".zip"):
        return "qti"
    return None


# --- what a file says -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedChoice:
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class ImportedItem:
    """One question as a file gives it; texts are Markdown, whatever the file's text format."""

    where: str  # "line 12", "questions.xml line 40": what an error message points at
    identifier: str  # GIFT title or [id:], Moodle idnumber, QTI item identifier ("" if none)
    name: str  # a name the file gives besides the identifier ("" if none)
    category: str  # the file's category path or label ("" if none)
    kind: str  # single, multiple or true_false
    prompt: str
    choices: tuple[ImportedChoice, ...]
    explanation: str = ""
    tags: tuple[tuple[str, str], ...] = ()  # certify labels found in tags: (field, value)
    category_key: str = ""  # a category ID number or identifier, when the format has one

    def tag(self, name: str) -> str | None:
        return next((value for key, value in self.tags if key == name), None)


@dataclass(frozen=True)
class Skipped:
    """A question of the file that certify cannot ask (an essay, a matching question...)."""

    where: str
    name: str
    reason: str

    def __str__(self) -> str:
        label = f"{self.where} ({self.name})" if self.name else self.where
        return f"{label}: {self.reason}"


@dataclass(frozen=True)
class ImportedBank:
    fmt: Interchange
    items: tuple[ImportedItem, ...]
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()  # what the file had that certify leaves out (images, weights)
    # Problems in items that still let the rest of the file be read (a file that cannot be
    # read at all raises BankInvalid instead); loading reports them with its own, together.
    errors: tuple[BankError, ...] = ()


@dataclass
class Problems:
    """Errors and notes collected while reading a file; errors make it unreadable as a whole."""

    source: str
    errors: list[BankError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def error(self, where: str, what: str, message: str) -> None:
        self.errors.append(BankError(f"{self.source} {where}".strip(), what, message))

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise BankInvalid(self.errors)

    def bank(self, fmt: Interchange, items: Iterable[ImportedItem]) -> ImportedBank:
        return ImportedBank(
            fmt, tuple(items), tuple(self.skipped), tuple(self.notes), tuple(self.errors)
        )


# --- tags -------------------------------------------------------------------------------------


def tags_for(entry: QuestionEntry) -> list[str]:
    """The "name:value" tags that carry an item's labels."""
    values = {"level": entry.level, "style": entry.style, "objective": entry.objective}
    return [f"{name}:{values[name]}" for name in TAGGED if values[name]]


def labels_from(tags: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """certify's labels among a file's tags; tags it does not know are left alone."""
    found: dict[str, str] = {}
    for tag in tags:
        name, sep, value = tag.partition(":")
        name = name.strip().lower()
        if sep and name in TAGGED and value.strip() and name not in found:
            found[name] = value.strip()
    return tuple(found.items())


# --- what an export leaves out ----------------------------------------------------------------


def _has(entry: QuestionEntry, name: str) -> bool:
    if name == "evidence":
        return bool(entry.evidence or entry.evidence_kind)
    if name == "demo":
        return entry.demo is not None and bool(entry.demo.lesson or entry.demo.preset)
    if name == "claims":
        return any(getattr(choice, "claim", None) is not None for choice in entry.choices)
    value = getattr(entry, name, None)
    return value is not None and value != ""


def not_held(fmt: Interchange, bank: BankFile) -> dict[str, int]:
    """For each field the format cannot hold, how many of the bank's items have one (in the
    order of FIELD_LABELS): what an export leaves in certify."""
    counts: dict[str, int] = {}
    for name in FIELD_LABELS:
        if name in HELD[fmt]:
            continue
        count = sum(1 for entry in bank.questions if _has(entry, name))
        if count:
            counts[name] = count
    return counts


def not_held_message(fmt: Interchange, bank: BankFile) -> str:
    counts = not_held(fmt, bank)
    if not counts:
        return f"{LABELS[fmt]} holds every field of these items."
    listing = ", ".join(f"{FIELD_LABELS[name]} ({count})" for name, count in counts.items())
    return (
        f"Not held by {LABELS[fmt]}, so kept in certify only (items with one): {listing}. "
        "Importing the file over the bank keeps them as they are."
    )


# --- names ------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def first_words(text: str, limit: int) -> str:
    """A name from the start of a Markdown text (its first line, without markup)."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    return shortened(re.sub(r"[#*_`>\[\]]", "", line), limit)


def shortened(text: str, limit: int) -> str:
    """The text on one line, cut at a word to at most `limit` characters."""
    line = _SPACES.sub(" ", text).strip()
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0]
    return f"{cut}…"


def category_leaf(path: str) -> str:
    """The last part of a Moodle category path ("$course$/top/Basics" -> "Basics")."""
    parts = [part.strip() for part in path.replace("//", "\0").split("/")]
    parts = [part.replace("\0", "/") for part in parts if part]
    return parts[-1] if parts else ""
