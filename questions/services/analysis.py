"""The item analysis's reads: the bank's items and the recorded answers, as the pure report's
plain data (`questions.analysis`), in three queries whatever the number of answers.

1. the items: one row per choice, with its question, the installed SDK's key check and the last
   calibration that refitted it (subqueries);
2. the quizzes (a handful of rows);
3. the answers served in finished attempts (optionally of one quiz, finished since a date).

The readiness rule that decision consistency needs is certify's: questions never imports
certify, so it is named in the QUESTIONS_READINESS_RULE setting (a callable taking a
`QuizInfo`, giving a vectorised rule or None where the rule does not apply).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.models import (
    Case,
    F,
    FilteredRelation,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string

from questions.analysis import (
    Answers,
    Calibration,
    Item,
    KeyResult,
    Option,
    QuizInfo,
    Report,
    Rules,
    item_report,
)
from questions.analysis.export import report_json
from questions.analysis.report import RuleFor
from questions.analysis.stats import IntArray
from questions.models import (
    Answer,
    Attempt,
    Choice,
    ItemCalibration,
    Question,
    Quiz,
    installed_sdk_version,
)

_ITEM_FIELDS = (
    "question_id",
    "question__category__slug",
    "question__level",
    "question__kind",
    "question__pool",
    "question__status",
    "question__pretest",
    "question__family",
    "question__discrimination",
    "question__difficulty",
    "question__guessing",
)
_KEY_FIELDS = ("holds", "keyed", "derived", "outcome")
_CALIBRATION_FIELDS = (
    "parameters__version",
    "parameters__created_at",
    "answers",
    "source",
    "difficulty_error",
)


@dataclass(frozen=True)
class Catalogue:
    items: tuple[Item, ...]
    # Choice id -> (item index, option index): what a recorded answer chose.
    choices: dict[int, tuple[int, int]]


def _relations(sdk_version: str) -> dict[str, FilteredRelation]:
    """Joins, not per-row subqueries: the installed SDK's key check (one per question and
    version), and the last calibration that refitted the question (picked by one subquery in
    the join's condition). Seven correlated subqueries per choice cost PostgreSQL a second of
    JIT compilation."""
    last_refit = (
        ItemCalibration.objects.filter(question_id=OuterRef("question_id"), refitted=True)
        .order_by("-parameters__version")
        .values("pk")[:1]
    )
    return {
        "key": FilteredRelation(
            "question__key_checks", condition=Q(question__key_checks__sdk_version=sdk_version)
        ),
        "refit": FilteredRelation(
            "question__calibrations", condition=Q(question__calibrations__pk=Subquery(last_refit))
        ),
    }


def catalogue_read() -> Catalogue:
    """Every item that is not a draft (retired ones keep their answers), in bank order."""
    rows = (
        Choice.objects.exclude(question__status=Question.Status.DRAFT)
        .annotate(**_relations(installed_sdk_version()))
        .order_by("question__category__order", "question_id", "order")
        .values_list(
            "id",
            "is_correct",
            *_ITEM_FIELDS,
            *(f"key__{name}" for name in _KEY_FIELDS),
            *(f"refit__{name}" for name in _CALIBRATION_FIELDS),
        )
    )
    return _catalogue(rows)


def _catalogue(rows: Iterable[tuple[Any, ...]]) -> Catalogue:
    items: list[Item] = []
    options: list[Option] = []
    choices: dict[int, tuple[int, int]] = {}
    head: tuple[Any, ...] | None = None
    for choice_id, is_correct, *rest in rows:
        if head is not None and rest[0] != head[0]:
            items.append(_item(head, options))
            options = []
        head = tuple(rest)
        choices[choice_id] = (len(items), len(options))
        options.append(Option(chr(ord("A") + len(options)), bool(is_correct)))
    if head is not None:
        items.append(_item(head, options))
    return Catalogue(tuple(items), choices)


def _item(row: tuple[Any, ...], options: list[Option]) -> Item:
    fields = row[: len(_ITEM_FIELDS)]
    key = row[len(_ITEM_FIELDS) : len(_ITEM_FIELDS) + len(_KEY_FIELDS)]
    version, at, answers, source, difficulty_error = row[len(_ITEM_FIELDS) + len(_KEY_FIELDS) :]
    question_id, category, level, kind, pool, status, pretest, family, a, b, c = fields
    return Item(
        id=question_id,
        category=category or "",
        level=level,
        kind=kind,
        pool=pool,
        status=status,
        pretest=pretest,
        family=family,
        discrimination=a,
        difficulty=b,
        guessing=c,
        options=tuple(options),
        calibration=(
            Calibration(version, at.timestamp(), answers, source, difficulty_error)
            if version
            else None
        ),
        key=KeyResult(installed_sdk_version(), *key) if key[0] is not None else None,
    )


def quizzes_read() -> tuple[QuizInfo, ...]:
    rows = Quiz.objects.order_by("order", "title").values_list(
        "id", "slug", "title", "mode", "overall_threshold", "category_threshold"
    )
    return tuple(
        QuizInfo(pk, slug, title, mode == Quiz.Mode.CERTIFICATION, overall, category)
        for pk, slug, title, mode, overall, category in rows
    )


class Epoch(Func):
    """A timestamp as seconds since 1970 (a float), computed by the database: converting
    100,000 datetimes in Python would take longer than the whole report."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8"
        )


def answers_read(
    catalogue: Catalogue,
    quizzes: tuple[QuizInfo, ...],
    *,
    quiz: Quiz | None = None,
    since: datetime | None = None,
) -> Answers:
    """Every answer served in a finished attempt (of `quiz`, submitted at or after `since`)."""
    rows = Answer.objects.exclude(attempt__status=Attempt.Status.IN_PROGRESS)
    if quiz is not None:
        rows = rows.filter(attempt__quiz=quiz)
    if since is not None:
        rows = rows.filter(attempt__submitted_at__gte=since)
    values = (
        rows.order_by()
        .annotate(
            answered=Epoch("answered_at"),
            started=Epoch("attempt__started_at"),
            chosen_text=Cast("chosen", TextField()),
            current=Case(
                When(question_version=F("question__version"), then=Value(1)),
                default=Value(0),
            ),
            on_form=Case(When(attempt__form__isnull=False, then=Value(1)), default=Value(0)),
        )
        .values_list(*ANSWER_COLUMNS)
    )
    with _collector_paused():
        return _answers(_raw_rows(values), catalogue, quizzes)


# Model fields first, then the annotations in the order annotated: the order the SQL selects
# them in, so that the rows can be read from the cursor as they are.
ANSWER_COLUMNS = (
    "attempt_id",
    "attempt__quiz_id",
    "question_id",
    "correct",
    "scored",
    "attempt__passed",
    "answered",
    "started",
    "chosen_text",
    "current",
    "on_form",
)


def _raw_rows(values: QuerySet[Answer, tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The query's rows straight from the cursor: Django's per-value converters would turn
    400,000 booleans and timestamps into objects that numpy then turns back (0/1 and floats
    are what the report reads)."""
    sql, params = values.query.sql_with_params()
    with connections[values.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while 100,000 row tuples are made and dropped:
    they hold no cycles, and collecting as they pile up takes longer than reading them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _answers(
    rows: list[tuple[Any, ...]], catalogue: Catalogue, quizzes: tuple[QuizInfo, ...]
) -> Answers:
    if not rows:
        return Answers.empty()
    columns = zip(*rows, strict=True)
    attempt, quiz, question, correct, scored, passed, answered, started, chosen, current = (
        next(columns) for _ in range(10)
    )
    on_form = next(columns)
    item_index = {item.id: j for j, item in enumerate(catalogue.items)}
    quiz_index = {q.id: k for k, q in enumerate(quizzes)}
    # A question made a draft again is not in the bank's analysis: its answers are left out.
    item = np.array([item_index.get(q, -1) for q in question], dtype=np.int64)
    keep = item >= 0
    chosen_answer, chosen_option = _chosen(chosen, item, catalogue)
    renumber = np.cumsum(keep) - 1
    kept = keep[chosen_answer]
    return Answers(
        attempt=np.array(attempt, dtype=np.int64)[keep],
        quiz=np.array([quiz_index[q] for q in quiz], dtype=np.int64)[keep],
        item=item[keep],
        correct=np.array(correct, dtype=float)[keep] > 0.5,
        scored=np.array(scored, dtype=float)[keep] > 0.5,
        current=np.array(current, dtype=float)[keep] > 0.5,
        passed=np.array(passed, dtype=float)[keep] > 0.5,
        answered_at=np.array(answered, dtype=float)[keep],
        started_at=np.array(started, dtype=float)[keep],
        chosen_answer=renumber[chosen_answer[kept]],
        chosen_option=chosen_option[kept],
        on_form=np.array(on_form, dtype=float)[keep] > 0.5,
    )


def _chosen(
    texts: tuple[str | None, ...], item: IntArray, catalogue: Catalogue
) -> tuple[IntArray, IntArray]:
    """(answer, option) pairs for every chosen option that belongs to the answer's item; all the
    answers' JSON lists are decoded at once."""
    lists = json.loads("[" + ",".join(text or "[]" for text in texts) + "]")
    sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    ids = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(sizes.sum()))
    answer = np.repeat(np.arange(len(lists), dtype=np.int64), sizes)
    # Choice id -> its item and option, as lookup arrays (-1: not a choice of the bank's items).
    top = max(catalogue.choices, default=0) + 1
    of_item, of_option = np.full(top, -1, dtype=np.int64), np.full(top, -1, dtype=np.int64)
    known = np.fromiter(catalogue.choices, dtype=np.int64, count=len(catalogue.choices))
    places = np.array(list(catalogue.choices.values()), dtype=np.int64).reshape(-1, 2)
    of_item[known], of_option[known] = places[:, 0], places[:, 1]
    inside = (ids >= 0) & (ids < top)
    ids, answer = ids[inside], answer[inside]
    mine = of_item[ids] == item[answer]
    return answer[mine], of_option[ids][mine]


def analysis_rules() -> Rules:
    return Rules(exposure_limit=getattr(settings, "QUESTIONS_FORM_EXPOSURE_TARGET", 0.2))


def readiness_rule() -> RuleFor | None:
    path = getattr(settings, "QUESTIONS_READINESS_RULE", "")
    return import_string(path) if path else None


@dataclass(frozen=True)
class Analysis:
    report: Report
    quiz: Quiz | None
    since: datetime | None


def item_analysis(*, quiz: Quiz | None = None, since: datetime | None = None) -> Analysis:
    """The whole report: three queries, then numpy. With a quiz or a date, only the items
    answered in that window are listed; without, every active item too (answered or not)."""
    catalogue = catalogue_read()
    quizzes = quizzes_read()
    answers = answers_read(catalogue, quizzes, quiz=quiz, since=since)
    report = item_report(
        catalogue.items, quizzes, answers, rules=analysis_rules(), rule_for=readiness_rule()
    )
    windowed = quiz is not None or since is not None
    items = tuple(
        row
        for row in report.items
        if row.all_answers or (not windowed and row.status == Question.Status.ACTIVE)
    )
    quiz_rows = tuple(row for row in report.quizzes if row.attempts)
    return Analysis(replace(report, items=items, quizzes=quiz_rows), quiz, since)


def item_links(question_id: str) -> dict[str, str]:
    """Where a flag's reason points: the item's admin page, its key checks, its calibrations."""
    return {
        "item": reverse("admin:questions_question_change", args=[question_id]),
        "key_check": reverse("admin:questions_keycheck_changelist")
        + "?"
        + urlencode({"q": question_id}),
        "calibration": reverse("admin:questions_bankparameters_changelist"),
    }


def report_export_json(analysis: Analysis) -> str:
    """The whole report as JSON, with the window it covers and each item's links."""
    return report_json(
        analysis.report,
        extra={
            "quiz": analysis.quiz.slug if analysis.quiz else None,
            "since": analysis.since.isoformat() if analysis.since else None,
            "links": {row.id: item_links(row.id) for row in analysis.report.items},
        },
    )
