"""Bank revisions: an import is staged, previewed as a diff, then published.

The diff is what the import would do, found by doing it inside a transaction that is rolled
back (so one diff serves every format, and it is exactly what publishing does): items added,
changed (with the fields) and retired, each with the attempts that used it. Publishing loads
the files for real, all or nothing, and gives a new version to every question whose text,
choices or key changed: answers record the version they were served, so results (from the
answers' snapshots), statistics and calibration keep to the version answered, and an attempt
in progress keeps the text and choices it was shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from questions.bankfile import BankError, BankInvalid
from questions.interchange import interchange_named
from questions.models import Answer, BankRevision, BankRevisionFile, Choice, Question
from questions.services.bank import banks_load
from questions.services.interchange import bank_interchange_load

__all__ = [
    "ItemChange",
    "RevisionClosed",
    "RevisionDiff",
    "RevisionFile",
    "bank_revision_discard",
    "bank_revision_preview",
    "bank_revision_publish",
    "bank_revision_stage",
]

# What an answer depends on: a change here makes a new version of the question.
VERSIONED = frozenset({"prompt", "kind", "choices"})
_NOT_COMPARED = {"created_at", "updated_at", "version"}


class RevisionClosed(Exception):
    """The revision was already published or discarded."""


@dataclass(frozen=True)
class RevisionFile:
    data: bytes
    source: str
    fmt: str  # "yaml" (YAML or JSON) or an interchange format


@dataclass(frozen=True)
class ItemChange:
    id: str
    fields: tuple[str, ...] = ()
    attempts: int = 0  # attempts that were served this item (any version)
    open_attempts: int = 0  # of which still in progress (they keep what they were shown)

    def __str__(self) -> str:
        used = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        if self.open_attempts:
            used += f", {self.open_attempts} in progress"
        fields = f": {', '.join(self.fields)}" if self.fields else ""
        return f"{self.id}{fields} ({used})"


@dataclass(frozen=True)
class RevisionDiff:
    added: tuple[ItemChange, ...] = ()
    changed: tuple[ItemChange, ...] = ()
    retired: tuple[ItemChange, ...] = ()
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.retired)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.retired)} retired, "
            f"{self.unchanged} unchanged"
        )

    def lines(self) -> list[str]:
        lines = [f"Diff: {self.summary()}."]
        for title, items in (
            ("Added", self.added),
            ("Changed", self.changed),
            ("Retired", self.retired),
        ):
            lines += [f"  {title} {item}" for item in items]
        return lines

    def as_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RevisionDiff:
        def items(name: str) -> tuple[ItemChange, ...]:
            return tuple(
                ItemChange(row["id"], tuple(row["fields"]), row["attempts"], row["open_attempts"])
                for row in data.get(name, ())
            )

        return cls(items("added"), items("changed"), items("retired"), data.get("unchanged", 0))


# --- the bank's state, before and after -------------------------------------------------------


@dataclass
class _State:
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    choices: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


def _state() -> _State:
    names = [f.attname for f in Question._meta.concrete_fields if f.name not in _NOT_COMPARED]
    state = _State({row["id"]: row for row in Question.objects.values(*names)})
    for question_id, *choice in Choice.objects.order_by("question_id", "order").values_list(
        "question_id", "text", "is_correct", "rationale", "claim"
    ):
        state.choices.setdefault(question_id, []).append(tuple(choice))
    return state


def _changed_fields(before: _State, after: _State, question_id: str) -> tuple[str, ...]:
    old, new = before.rows[question_id], after.rows[question_id]
    fields = [name.removesuffix("_id") for name in new if old.get(name) != new[name]]
    old_choices = before.choices.get(question_id, [])
    new_choices = after.choices.get(question_id, [])
    if [c[:2] for c in old_choices] != [c[:2] for c in new_choices]:
        fields.append("choices")  # texts or key
    elif old_choices != new_choices:
        fields.append("feedback")  # rationales (or claims) only
    return tuple(fields)


def _usage(ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    rows = (
        Answer.objects.filter(question_id__in=ids)
        .values("question_id")
        .annotate(
            attempts=Count("attempt", distinct=True),
            open=Count("attempt", distinct=True, filter=Q(attempt__status="in_progress")),
        )
    )
    return {row["question_id"]: (row["attempts"], row["open"]) for row in rows}


def _diff(before: _State, after: _State) -> RevisionDiff:
    added = sorted(qid for qid in after.rows if qid not in before.rows)
    changes = _changes(before, after)
    touched = sorted(qid for qid, fields in changes.items() if fields)
    usage = _usage([*added, *touched])

    def change(qid: str) -> ItemChange:
        return ItemChange(qid, changes.get(qid, ()), *usage.get(qid, (0, 0)))

    retired = [qid for qid in touched if _retired_now(after, qid, changes[qid])]
    kept = [qid for qid in touched if qid not in retired]
    return RevisionDiff(
        added=tuple(map(change, added)),
        changed=tuple(map(change, kept)),
        retired=tuple(map(change, retired)),
        unchanged=len(changes) - len(touched),
    )


def _changes(before: _State, after: _State) -> dict[str, tuple[str, ...]]:
    """The fields that changed, for every question in both states (empty: unchanged)."""
    return {qid: _changed_fields(before, after, qid) for qid in after.rows if qid in before.rows}


def _retired_now(after: _State, qid: str, fields: tuple[str, ...]) -> bool:
    return "status" in fields and after.rows[qid]["status"] == "retired"


# --- loading ----------------------------------------------------------------------------------


def _load(files: Sequence[RevisionFile]) -> list[str]:
    """Load the files into the bank (the caller's transaction decides whether it stays); what
    the instructor should know."""
    if not files:
        raise BankInvalid([BankError("import", "", "No file to load.")])
    if all(file.fmt == "yaml" for file in files):
        results = banks_load(files=[(file.data, file.source) for file in files])
        lines = [f"In {file.source}: {result}" for file, result in zip(files, results, strict=True)]
        quizzes = [slug for result in results for slug in result.quizzes_created]
        return lines + ([f"Default quizzes created: {', '.join(quizzes)}."] if quizzes else [])
    if len(files) > 1:
        raise BankInvalid(
            [BankError("import", "", "Load a GIFT, Moodle XML or QTI file on its own.")]
        )
    (file,) = files
    result = bank_interchange_load(
        data=file.data, fmt=interchange_named(file.fmt), source=file.source
    )
    return [f"In {file.source}: {result}", *result.report()]


def bank_revision_preview(*, files: Sequence[RevisionFile]) -> tuple[RevisionDiff, list[str]]:
    """What loading `files` would do, and the report: done and rolled back, so nothing changes.
    Raises BankInvalid (every error) when the files cannot be loaded."""
    with transaction.atomic():
        before = _state()
        report = _load(files)
        diff = _diff(before, _state())
        transaction.set_rollback(True)
    return diff, report


@transaction.atomic
def bank_revision_stage(
    *, files: Sequence[RevisionFile], user: AbstractBaseUser | AnonymousUser | None = None
) -> BankRevision:
    """Preview `files` and keep them as a staged revision; BankInvalid (nothing kept) if they
    cannot be loaded."""
    diff, report = bank_revision_preview(files=files)
    revision = BankRevision.objects.create(
        created_by_id=user.pk if user is not None and user.is_authenticated else None,
        diff=diff.as_data(),
        report=report,
    )
    BankRevisionFile.objects.bulk_create(
        BankRevisionFile(
            revision=revision, position=position, source=file.source, fmt=file.fmt, data=file.data
        )
        for position, file in enumerate(files)
    )
    return revision


def _files(revision: BankRevision) -> list[RevisionFile]:
    return [
        RevisionFile(bytes(file.data), file.source, file.fmt)
        for file in revision.files.order_by("position")
    ]


def _locked_staged(revision: BankRevision) -> BankRevision:
    locked = BankRevision.objects.select_for_update().get(pk=revision.pk)
    if not locked.is_staged:
        raise RevisionClosed(f"This revision was already {locked.get_status_display().lower()}.")
    return locked


@transaction.atomic
def bank_revision_publish(*, revision: BankRevision, now: Any = None) -> BankRevision:
    """Load the revision's files for real, all or nothing, and give changed questions a new
    version. Raises BankInvalid (nothing changed, still staged) if the bank has moved so that
    the files no longer load, RevisionClosed if it was published or discarded meanwhile."""
    revision = _locked_staged(revision)
    before = _state()
    report = _load(_files(revision))
    diff = _diff(before, _state())
    versioned = [item.id for item in diff.changed + diff.retired if VERSIONED & set(item.fields)]
    Question.objects.filter(pk__in=versioned).update(version=F("version") + 1)
    revision.status = BankRevision.Status.PUBLISHED
    revision.published_at = now or timezone.now()
    revision.diff, revision.report = diff.as_data(), report
    revision.save(update_fields=["status", "published_at", "diff", "report"])
    return revision


@transaction.atomic
def bank_revision_discard(*, revision: BankRevision) -> BankRevision:
    revision = _locked_staged(revision)
    revision.status = BankRevision.Status.DISCARDED
    revision.save(update_fields=["status"])
    return revision
