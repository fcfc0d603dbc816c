"""The learner's dashboard: a fixed handful of reads, then the pure modules do the thinking.

`dashboard_for` costs the same number of queries whether the learner has one attempt or
thousands: every read is one query (aggregates and "latest per question" are done by the
database); the pure modules (readiness, progress, recommendations, charts) and the adaptive
engine (through `estimates`) turn plain rows into what the page shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils import timezone

from certify import charts, estimates, progress, recommendations
from certify.charts import BarChart, HistoryChart
from certify.models import Certificate
from certify.readiness import ExamResult, Mastery, MasteryRow, Projection, Readiness
from certify.readiness import mastery as mastery_rows
from certify.readiness import readiness as readiness_of
from certify.services import site_thresholds
from lessons.catalog import LESSONS, Lesson
from questions.models import Answer, Attempt, CategorySlug, Question, Quiz
from questions.objectives import OBJECTIVES_BY_KEY
from questions.scoring import Score, Thresholds, scorecard_from_counts
from questions.services.adaptive import items_of

HISTORY_ROWS = 20
HISTORY_POINTS = 20
LESSON_FOR_CATEGORY = {lesson.category: lesson for lesson in LESSONS}
LESSON_NUMBERS = {lesson.slug: lesson.number for lesson in LESSONS}
LEVELS = ("beginner", "intermediate", "advanced")
# The latest answer to one question: (question id, category, correct, answered at), the shape
# the engine's projection reads.
LatestRow = tuple[str, str, bool, datetime]


@dataclass(frozen=True)
class BankRow:
    """An operational question as the dashboard reads it: a row of BANK_FIELDS, not a model.
    Every dashboard reads the whole bank; 621 model instances cost 16 ms of CPU (holding the
    interpreter's lock), ten times the query and these rows together."""

    id: str
    category_slug: str
    level: str
    topic: str
    objective: str
    demo_lesson: str
    demo_preset: str
    discrimination: float
    difficulty: float
    guessing: float
    family: str
    pool: str
    pretest: bool

    @property
    def is_secure(self) -> bool:
        return Question.secure(self.pool, pretest=self.pretest)


# What the engine, the objectives and the recommendations read of each operational question:
# BankRow's fields in its order, the category through its slug.
BANK_FIELDS = tuple(
    "category__slug" if field.name == "category_slug" else field.name
    for field in dataclasses.fields(BankRow)
)


@dataclass(frozen=True)
class Retake:
    """A drill of practice items on the objectives an exam missed."""

    attempt_id: int
    objectives: int


@dataclass(frozen=True)
class GapRow:
    """A category that falls short of its threshold, by how many points."""

    label: str
    gap: float


@dataclass(frozen=True)
class MasteryLine:
    """One mastery row with its bar chart."""

    row: MasteryRow
    chart: BarChart


@dataclass(frozen=True)
class ObjectiveLevel:
    """The objectives of one level, in the seed's order."""

    level: str
    objectives: Sequence[progress.ObjectiveProgress]


@dataclass(frozen=True)
class Dashboard:
    mastery: Mastery
    overall_chart: BarChart
    category_charts: Sequence[BarChart]
    readiness: Readiness
    projection: Projection | None
    certificate: Certificate | None
    revoked_certificate: Certificate | None
    latest_exam: ExamResult | None
    history_chart: HistoryChart
    history: Sequence[Attempt]
    history_total: int
    objectives: Sequence[progress.ObjectiveProgress]
    path: progress.StudyPath
    recommendations: Sequence[recommendations.Recommendation]
    recommendations_basis: str  # "exam" | "practice" | "estimate" | "none"
    retake: Retake | None
    quizzes: dict[str, Quiz]
    category_labels: dict[str, str]
    thresholds: Thresholds
    # Open attempts past their deadline: over, their results on the way (the sweep's, or the
    # learner's "score now"); the dashboard never finalizes anything itself.
    time_up: Sequence[Attempt] = ()

    @property
    def has_attempts(self) -> bool:
        return self.history_total > 0

    @property
    def exam_quiz(self) -> Quiz | None:
        return next((q for q in self.quizzes.values() if q.mode == Quiz.Mode.CERTIFICATION), None)

    @property
    def objectives_met(self) -> int:
        return sum(objective.met for objective in self.objectives)

    @property
    def objective_levels(self) -> list[ObjectiveLevel]:
        return [
            ObjectiveLevel(level, [o for o in self.objectives if o.objective.level == level])
            for level in LEVELS
        ]

    @property
    def gap_rows(self) -> list[GapRow]:
        return [GapRow(self.category_labels[key], gap) for key, gap in self.readiness.gaps.items()]

    @property
    def mastery_rows(self) -> list[MasteryLine]:
        """Overall first, then each category, with its chart."""
        rows = [self.mastery.overall, *self.mastery.categories]
        charts_ = [self.overall_chart, *self.category_charts]
        return [MasteryLine(row, chart) for row, chart in zip(rows, charts_, strict=True)]

    @property
    def p_ready_percent(self) -> int | None:
        p_ready = self.readiness.p_ready
        return None if p_ready is None else round(p_ready * 100)

    @property
    def phase_lessons(self) -> list[Lesson]:
        return [lesson for lesson in LESSONS if lesson.number in self.path.current.lessons]

    @property
    def phase_quiz(self) -> Quiz | None:
        level = self.path.current.level
        return self.quizzes.get(f"level-{level}") if level else self.exam_quiz


# The reads: one query each.


def _exams(user: AbstractBaseUser) -> list[ExamResult]:
    """The learner's finished exams, oldest first (every one offers a drill of the practice
    items on the objectives it missed)."""
    rows = (
        Attempt.objects.for_user(user)
        .certification_exams()
        .values_list("pk", "submitted_at", "category_scores", "passed")
    )
    return [
        ExamResult(pk, finished, scorecard_from_counts(counts), bool(passed))
        for pk, finished, counts, passed in rows
        if finished is not None  # never for a finished exam; the row types allow it
    ]


def _latest_answers(user: AbstractBaseUser) -> list[LatestRow]:
    """The latest answer to each question the learner has answered."""
    rows = (
        Answer.objects.filter(attempt__user_id=user.pk)
        .latest_per_question()
        .values_list("question_id", "category_slug", "correct", "answered_at")
    )
    return [(qid, category, bool(correct), at) for qid, category, correct, at in rows if at]


def _active_bank() -> dict[str, BankRow]:
    rows = Question.objects.operational().values_list(*BANK_FIELDS)
    return {row[0]: BankRow(*row) for row in rows}


def _missed_in(attempt_id: int) -> list[tuple[str, recommendations.Missed]]:
    """(category, missed question) for one exam: scored answers wrong or unanswered, in the
    order shown. Its items are secret, so each miss is named by its learning objective, with
    its category's lesson and no demo."""
    rows = (
        Answer.objects.filter(attempt_id=attempt_id, scored=True)
        .missed()
        .order_by("position")
        .values_list("category_slug", "question__level", "question__objective")
    )
    return [
        (category, _secure_miss(category, level, objective)) for category, level, objective in rows
    ]


def _secure_miss(category: str, level: str, objective: str) -> recommendations.Missed:
    known = OBJECTIVES_BY_KEY.get(objective)
    return recommendations.Missed(
        question_id="",
        level=level,
        topic=known.text if known else objective,
        demo_lesson=LESSON_FOR_CATEGORY[category].slug,
        demo_preset="",
        objective=objective,
        secure=True,
    )


def _certificates(user: AbstractBaseUser) -> tuple[Certificate | None, Certificate | None]:
    """The valid certificate to show, else the latest revoked one (so the dashboard can say
    what happened to it). A learner holds one per passed exam: a handful."""
    certificates = list(Certificate.objects.for_user(user))
    valid = next((c for c in certificates if c.is_valid), None)
    revoked = certificates[0] if certificates and valid is None else None
    return valid, revoked


# The recommendations' input.


@dataclass
class _Evidence:
    """Scores and misses per category from one source, and how many questions it asked."""

    basis: str
    total: int
    scores: dict[str, Score]
    missed: dict[str, list[recommendations.Missed]]


def _exam_evidence(exam: ExamResult) -> _Evidence:
    missed: dict[str, list[recommendations.Missed]] = {}
    for category, question in _missed_in(exam.attempt_id):
        missed.setdefault(category, []).append(question)
    return _Evidence("exam", exam.card.overall.total, dict(exam.card.categories), missed)


def _missed_question(question: BankRow) -> recommendations.Missed:
    return recommendations.Missed(
        question.id,
        question.level,
        question.topic,
        question.demo_lesson,
        question.demo_preset,
        objective=question.objective,
    )


def _practice_evidence(latest: Sequence[LatestRow], bank: dict[str, BankRow]) -> _Evidence:
    counts: dict[str, list[int]] = {}
    missed: dict[str, list[recommendations.Missed]] = {}
    for qid, category, correct, _ in latest:
        right_total = counts.setdefault(category, [0, 0])
        right_total[0] += correct
        right_total[1] += 1
        question = bank.get(qid)
        if not correct and question is not None:
            miss = (
                _secure_miss(category, question.level, question.objective)
                if question.is_secure
                else _missed_question(question)
            )
            missed.setdefault(category, []).append(miss)
    scores = {category: Score(right, total) for category, (right, total) in counts.items()}
    return _Evidence("practice" if latest else "none", len(latest), scores, missed)


def _category_results(
    evidence: _Evidence, projection: Projection | None
) -> list[recommendations.CategoryResult]:
    estimated = projection.categories if projection else {}
    return [
        recommendations.CategoryResult(
            slug=slug.value,
            name=slug.label,
            lesson_slug=LESSON_FOR_CATEGORY[slug.value].slug,
            score=evidence.scores.get(slug.value, Score(0, 0)),
            missed=tuple(evidence.missed.get(slug.value, ())),
            estimate=estimated[slug.value].mean if slug.value in estimated else None,
        )
        for slug in CategorySlug
    ]


def _drills(quizzes: Iterable[Quiz]) -> dict[str, str]:
    """Category slug -> the slug of its published drill."""
    return {
        quiz.category.slug: quiz.slug
        for quiz in quizzes
        if quiz.mode == Quiz.Mode.DRILL and quiz.category is not None
    }


def _study_results(
    *,
    exam: ExamResult | None,
    latest: Sequence[LatestRow],
    bank: dict[str, BankRow],
    projection: Projection | None,
    quizzes: dict[str, Quiz],
    threshold: float,
) -> tuple[recommendations.Results, str]:
    """The recommendations' input: the latest exam's scores and misses, else the latest answer
    to each question (practice), else the engine's estimates alone."""
    evidence = _exam_evidence(exam) if exam is not None else _practice_evidence(latest, bank)
    adaptive = next((q.slug for q in quizzes.values() if q.mode == Quiz.Mode.ADAPTIVE), None)
    results = recommendations.Results(
        categories=_category_results(evidence, projection),
        category_threshold=threshold,
        lesson_numbers=LESSON_NUMBERS,
        question_total=evidence.total,
        drills=_drills(quizzes.values()),
        adaptive_quiz=adaptive,
    )
    basis = "estimate" if evidence.basis == "none" and projection is not None else evidence.basis
    return results, basis


# The steps from rows to the page.


def _retake(
    latest_exam: ExamResult | None, plan: Sequence[recommendations.Recommendation]
) -> Retake | None:
    """A drill of practice items on the objectives the latest exam missed, when it missed some."""
    if latest_exam is None:
        return None
    objectives = {miss.objective for rec in plan for miss in rec.missed if miss.secure}
    return Retake(latest_exam.attempt_id, len(objectives)) if objectives else None


def _history_chart(exams: Sequence[ExamResult], threshold: float) -> HistoryChart:
    return charts.history_chart(
        [
            charts.HistoryExam(
                finished_at=exam.finished_at,
                percent=exam.card.overall.percent,
                passed=exam.passed,
                url=reverse("questions:attempt_results", args=[exam.attempt_id]),
            )
            for exam in exams[-HISTORY_POINTS:]
        ],
        threshold,
    )


def _history_total(history: Sequence[Attempt]) -> int:
    """How many finished attempts the learner has: history() counts them on every row."""
    if not history:
        return 0
    total: int = history[0].total  # type: ignore[attr-defined]  # history() annotates it
    return total


def _objectives(
    bank: dict[str, BankRow], latest: Sequence[LatestRow], now: datetime
) -> list[progress.ObjectiveProgress]:
    return progress.objectives_progress(
        [progress.BankQuestion(q.id, q.objective, q.level) for q in bank.values()],
        [progress.LatestAnswer(qid, correct, at) for qid, _, correct, at in latest],
        now=now,
    )


def warm() -> None:
    """Build, in this process, the adaptive engine the dashboard's projection asks for (one per
    process and bank version; ~1 s of CPU that holds the interpreter's lock for most of it).
    Built by the first dashboard instead, it stalled every request of that worker meanwhile:
    the load bench's dashboard and answer save tails."""
    estimates.projection_for(
        items=items_of(_active_bank().values()), latest=[], thresholds=site_thresholds()
    )


def dashboard_for(user: AbstractBaseUser, *, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows for `user`, and nothing about anyone else."""
    now = now or timezone.now()
    time_up = list(Attempt.objects.for_user(user).overdue(now).select_related("quiz"))
    thresholds = site_thresholds()
    exams = _exams(user)
    latest = _latest_answers(user)
    bank = _active_bank()
    projection = estimates.projection_for(
        items=items_of(bank.values()), latest=latest, thresholds=thresholds
    )
    certificate, revoked = _certificates(user)
    quizzes = {quiz.slug: quiz for quiz in Quiz.objects.for_list()}
    history = list(Attempt.objects.for_user(user).history()[:HISTORY_ROWS])

    labels = {slug.value: slug.label for slug in CategorySlug}
    rows = mastery_rows(list(labels.items()), exams, thresholds, projection)
    objectives = _objectives(bank, latest, now)
    latest_exam = exams[-1] if exams else None
    results, basis = _study_results(
        exam=latest_exam,
        latest=latest,
        bank=bank,
        projection=projection,
        quizzes=quizzes,
        threshold=thresholds.category,
    )
    plan = recommendations.recommend(results)
    return Dashboard(
        mastery=rows,
        overall_chart=charts.bar_chart(rows.overall),
        category_charts=[charts.bar_chart(row) for row in rows.categories],
        readiness=readiness_of(rows, certified=certificate is not None, projection=projection),
        projection=projection,
        certificate=certificate,
        revoked_certificate=revoked,
        latest_exam=latest_exam,
        history_chart=_history_chart(exams, thresholds.overall),
        history=history,
        history_total=_history_total(history),
        objectives=objectives,
        path=progress.study_path(objectives, certified=certificate is not None),
        recommendations=plan,
        recommendations_basis=basis,
        retake=_retake(latest_exam, plan),
        quizzes=quizzes,
        category_labels=labels,
        thresholds=thresholds,
        time_up=time_up,
    )
