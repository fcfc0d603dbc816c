"""The learner's dashboard: a fixed handful of reads, then the pure modules do the thinking.

`dashboard_for` costs the same number of queries whether the learner has one attempt or
thousands: every read is one query (aggregates and "latest per question" are done by the
database); the pure modules (readiness, progress, recommendations, charts) and the adaptive
engine (through `estimates`) turn plain rows into what the page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils import timezone

from certify import charts, estimates, progress, readiness, recommendations
from certify.models import Certificate
from certify.services import site_thresholds
from lessons.catalog import LESSONS, Lesson
from questions.models import Answer, Attempt, CategorySlug, Question, Quiz
from questions.scoring import Score, scorecard_from_counts
from questions.services import attempts_expire_overdue
from questions.services.adaptive import items_of

HISTORY_ROWS = 20
HISTORY_POINTS = 20
LESSON_FOR_CATEGORY = {lesson.category: lesson for lesson in LESSONS}
LESSON_NUMBERS = {lesson.slug: lesson.number for lesson in LESSONS}


@dataclass(frozen=True)
class Retake:
    attempt_id: int
    missed: int


@dataclass(frozen=True)
class Dashboard:
    mastery: readiness.Mastery
    overall_chart: charts.BarChart
    category_charts: Sequence[charts.BarChart]
    readiness: readiness.Readiness
    projection: readiness.Projection | None
    certificate: Certificate | None
    revoked_certificate: Certificate | None
    latest_exam: readiness.ExamResult | None
    history_chart: charts.HistoryChart
    history: Sequence[Attempt]
    history_total: int
    objectives: Sequence[progress.ObjectiveProgress]
    path: progress.StudyPath
    recommendations: Sequence[recommendations.Recommendation]
    recommendations_basis: str  # "exam" | "practice" | "none"
    retake: Retake | None
    quizzes: dict[str, Quiz]
    category_labels: dict[str, str]

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
    def objective_levels(self) -> list[tuple[str, list[progress.ObjectiveProgress]]]:
        levels = ("beginner", "intermediate", "advanced")
        return [(lvl, [o for o in self.objectives if o.objective.level == lvl]) for lvl in levels]

    @property
    def gap_rows(self) -> list[tuple[str, float]]:
        return [(self.category_labels[key], gap) for key, gap in self.readiness.gaps.items()]

    @property
    def mastery_rows(self) -> list[tuple[readiness.MasteryRow, charts.BarChart]]:
        """Overall first, then each category, with its chart."""
        rows = [self.mastery.overall, *self.mastery.categories]
        return list(zip(rows, [self.overall_chart, *self.category_charts], strict=True))

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


def _exams(user: AbstractBaseUser) -> tuple[list[readiness.ExamResult], set[int]]:
    """The learner's finished exams, oldest first, and those that offer a retake drill."""
    rows = (
        Attempt.objects.for_user(user)
        .certification_exams()
        .values_list("pk", "submitted_at", "category_scores", "passed", "quiz__review")
    )
    exams, retakable = [], set()
    for pk, finished, counts, passed, review in rows:
        exams.append(readiness.ExamResult(pk, finished, scorecard_from_counts(counts), passed))
        if review == Quiz.Review.FULL:
            retakable.add(pk)
    return exams, retakable


def _latest_answers(user: AbstractBaseUser) -> list[tuple[str, str, bool, datetime]]:
    """(question id, category, correct, answered at): the latest answer to each question."""
    rows = (
        Answer.objects.filter(attempt__user_id=user.pk)
        .latest_per_question()
        .values_list("question_id", "category_slug", "correct", "answered_at")
    )
    return [(qid, category, bool(correct), at) for qid, category, correct, at in rows]


def _missed_in(attempt_id: int) -> list[tuple[str, recommendations.Missed]]:
    """(category, missed question) for one attempt: wrong or unanswered, in the order shown."""
    rows = (
        Answer.objects.filter(attempt_id=attempt_id)
        .missed()
        .order_by("position")
        .values_list(
            "category_slug",
            "question_id",
            "question__level",
            "question__topic",
            "question__demo_lesson",
            "question__demo_preset",
        )
    )
    return [(category, recommendations.Missed(*fields)) for category, *fields in rows]


def _study_results(
    *,
    exam: readiness.ExamResult | None,
    latest: Sequence[tuple[str, str, bool, datetime]],
    bank: dict[str, Question],
    projection: readiness.Projection | None,
    quizzes: dict[str, Quiz],
    threshold: float,
) -> tuple[recommendations.Results, str]:
    """The recommendations' input: the latest exam's scores and misses, else the latest answer
    to each question (practice), else the engine's estimates alone."""
    missed: dict[str, list[recommendations.Missed]] = {}
    if exam is not None:
        scores = dict(exam.card.categories)
        for category, question in _missed_in(exam.attempt_id):
            missed.setdefault(category, []).append(question)
        basis, total = "exam", exam.card.overall.total
    else:
        counts: dict[str, list[int]] = {}
        for qid, category, correct, _ in latest:
            right_total = counts.setdefault(category, [0, 0])
            right_total[0] += correct
            right_total[1] += 1
            question = bank.get(qid)
            if not correct and question is not None:
                missed.setdefault(category, []).append(
                    recommendations.Missed(
                        qid,
                        question.level,
                        question.topic,
                        question.demo_lesson,
                        question.demo_preset,
                    )
                )
        scores = {category: Score(right, total) for category, (right, total) in counts.items()}
        basis, total = ("practice" if latest else "none"), len(latest)
    estimated = projection.categories if projection else {}
    categories = [
        recommendations.CategoryResult(
            slug=slug.value,
            name=slug.label,
            lesson_slug=LESSON_FOR_CATEGORY[slug.value].slug,
            score=scores.get(slug.value, Score(0, 0)),
            missed=tuple(missed.get(slug.value, ())),
            estimate=estimated[slug.value].mean if slug.value in estimated else None,
        )
        for slug in CategorySlug
    ]
    drills = {
        quiz.category.slug: quiz.slug
        for quiz in quizzes.values()
        if quiz.mode == Quiz.Mode.DRILL and quiz.category is not None
    }
    adaptive = next((q.slug for q in quizzes.values() if q.mode == Quiz.Mode.ADAPTIVE), None)
    results = recommendations.Results(
        categories=categories,
        category_threshold=threshold,
        lesson_numbers=LESSON_NUMBERS,
        question_total=total,
        drills=drills,
        adaptive_quiz=adaptive,
    )
    if basis == "none" and projection is not None:
        basis = "estimate"
    return results, basis


def dashboard_for(user: AbstractBaseUser, *, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows for `user`, and nothing about anyone else."""
    now = now or timezone.now()
    # Finalize the learner's overdue attempts first (this may issue a certificate).
    attempts_expire_overdue(now=now, user=user)
    thresholds = site_thresholds()
    exams, retakable = _exams(user)
    latest = _latest_answers(user)
    bank = {
        question.id: question
        for question in Question.objects.active()
        .select_related("category")
        .only(
            "id",
            "category__slug",
            "level",
            "kind",
            "topic",
            "objective",
            "demo_lesson",
            "demo_preset",
            "discrimination",
            "difficulty",
            "guessing",
        )
    }
    projection = estimates.projection_for(
        items=items_of(bank.values()), latest=latest, thresholds=thresholds
    )
    # Every certificate the learner holds (one per passed exam: a handful): the valid one to
    # show, else the latest revoked one, so the dashboard can say what happened to it.
    certificates = list(Certificate.objects.for_user(user))
    certificate = next((c for c in certificates if c.is_valid), None)
    revoked = certificates[0] if certificates and certificate is None else None
    quizzes = {quiz.slug: quiz for quiz in Quiz.objects.for_list()}
    history = list(Attempt.objects.for_user(user).history()[:HISTORY_ROWS])
    history_total = history[0].total if history else 0

    labels = {slug.value: slug.label for slug in CategorySlug}
    rows = readiness.mastery(list(labels.items()), exams, thresholds, projection)
    standing = readiness.readiness(rows, certified=certificate is not None, projection=projection)
    objectives = progress.objectives_progress(
        [progress.BankQuestion(q.id, q.objective, q.level) for q in bank.values()],
        [progress.LatestAnswer(qid, correct, at) for qid, _, correct, at in latest],
        now=now,
    )
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
    missed_total = sum(len(rec.missed) for rec in plan)
    retake = (
        Retake(latest_exam.attempt_id, missed_total)
        if latest_exam is not None and missed_total and latest_exam.attempt_id in retakable
        else None
    )
    recent_exams = exams[-HISTORY_POINTS:]
    history_chart = charts.history_chart(
        [
            (
                exam.finished_at,
                exam.card.overall.percent,
                exam.passed,
                reverse("questions:attempt_results", args=[exam.attempt_id]),
            )
            for exam in recent_exams
        ],
        thresholds.overall,
    )
    return Dashboard(
        mastery=rows,
        overall_chart=charts.bar_chart(rows.overall),
        category_charts=[charts.bar_chart(row) for row in rows.categories],
        readiness=standing,
        projection=projection,
        certificate=certificate,
        revoked_certificate=revoked,
        latest_exam=latest_exam,
        history_chart=history_chart,
        history=history,
        history_total=history_total,
        objectives=objectives,
        path=progress.study_path(objectives, certified=certificate is not None),
        recommendations=plan,
        recommendations_basis=basis,
        retake=retake,
        quizzes=quizzes,
        category_labels=labels,
    )
