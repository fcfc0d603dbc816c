"""Quizzes and the act of taking them: attempts and the answers in them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import NamedTuple, TypedDict

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
)
from django.db import connections, models
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from questions import assembly, scoring
from questions.models.bank import Category, CategorySlug, Question, QuestionQuerySet


def default_overall_threshold() -> int:
    return settings.CERTIFY_OVERALL_THRESHOLD


def default_category_threshold() -> int:
    return settings.CERTIFY_CATEGORY_THRESHOLD


def default_blueprint() -> dict[str, dict[str, float]]:
    return assembly.default_blueprint()


def default_retake_cooldown() -> timedelta | None:
    return getattr(settings, "QUESTIONS_EXAM_RETAKE_COOLDOWN", timedelta(hours=24))


def new_shuffle_seed() -> int:
    return secrets.randbelow(2**31)


class QuizQuerySet(models.QuerySet["Quiz"]):
    def published(self) -> QuizQuerySet:
        return self.filter(is_published=True)

    def for_list(self) -> QuizQuerySet:
        return self.published().select_related("category")


class Quiz(models.Model):
    class Mode(models.TextChoices):
        CERTIFICATION = "certification", "Certification exam"
        ADAPTIVE = "adaptive", "Adaptive practice"
        LEVEL = "level", "Level quiz"
        DRILL = "drill", "Category drill"

    class Scope(models.TextChoices):
        ALL = "all", "All active questions"
        LEVEL = "level", "One level"
        CATEGORY = "category", "One category"

    class Feedback(models.TextChoices):
        IMMEDIATE = "immediate", "After each answer"
        END = "end", "At the end"

    class Review(models.TextChoices):
        NOTHING = "nothing", "Nothing"
        CORRECTNESS = "correctness", "Whether each answer was right"
        FULL = "full", "Right answers, rationale and explanation"

    title = models.CharField(max_length=100)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.ALL)
    level = models.CharField(
        max_length=12,
        choices=Question.Level.choices,
        blank=True,
        help_text="The level asked when the scope is one level.",
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quizzes",
        help_text="The category asked when the scope is one category.",
    )
    question_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Ask at most this many (a random sample per attempt); adaptive practice stops "
        "here at the latest. Empty: every question in scope.",
    )
    time_limit = models.DurationField(
        null=True, blank=True, help_text="Empty: untimed. Format hh:mm:ss."
    )
    feedback = models.CharField(
        max_length=12,
        choices=Feedback.choices,
        default=Feedback.END,
        help_text="After each answer locks the answer once its feedback is shown.",
    )
    review = models.CharField(
        max_length=12,
        choices=Review.choices,
        default=Review.FULL,
        help_text="What the results page reveals after the attempt.",
    )
    overall_threshold = models.PositiveSmallIntegerField(
        default=default_overall_threshold,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent needed overall.",
    )
    category_threshold = models.PositiveSmallIntegerField(
        default=default_category_threshold,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent needed in every category asked.",
    )
    blueprint = models.JSONField(
        default=default_blueprint,
        blank=True,
        help_text="A certification exam's forms: a weight per category and level, "
        '{"basics": {"beginner": 4, "intermediate": 3, "advanced": 3}, ...}; each cell asks its '
        "share of the form's length (the question limit, else 50). Default: the seed's quiz, "
        "10 per category in its level mix.",
    )
    retake_cooldown = models.DurationField(
        null=True,
        blank=True,
        default=default_retake_cooldown,
        help_text="A certification exam: after an attempt that did not pass, the learner's next "
        "attempt opens this much later (format hh:mm:ss, or days hh:mm:ss). Empty: at once.",
    )
    adaptive = models.BooleanField(
        default=False,
        help_text="A certification exam: the engine chooses each question from the exam pool "
        "(within the blueprint's cells and with exposure control) and stops when it has "
        "decided, at the question limit (else 50) at the latest. It certifies when the "
        "posterior probability that the learner is ready (overall and every category at their "
        "thresholds, on the exam pool) reaches the probability below, with at least the "
        "minimum answers in every category.",
    )
    ready_probability = models.FloatField(
        # The lowest threshold measured whose false-certify rate in simulate_adaptive's pool
        # scenario (2000 learners x 3 seeds) was no higher than the fixed 50-question form's,
        # decided by its raw-score rule (5.1%) or by the posterior on its 50 answers (3.5%):
        # 0.6 certified wrongly 2.6%, 0.5 4.3%. See the README.
        default=0.6,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
        help_text="An adaptive exam certifies at this posterior probability of readiness "
        "(default: the lowest at which its false-certify rate in simulate_adaptive's pool "
        "scenario is no higher than the fixed form's, by its raw-score rule or its posterior).",
    )
    min_per_category = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="An adaptive exam certifies only with at least this many answers in every "
        "category.",
    )
    pretest_per_form = models.PositiveSmallIntegerField(
        default=5,
        validators=[MaxValueValidator(20)],
        help_text="A certification exam: up to this many pretest items on each form, unscored "
        "and not marked as such, so that calibration gathers their answers.",
    )
    shuffle_questions = models.BooleanField(default=True)
    shuffle_choices = models.BooleanField(
        default=True, help_text="True/false statements keep their order."
    )
    is_published = models.BooleanField("published", default=True)
    order = models.PositiveSmallIntegerField(default=100, help_text="Position on the quiz list.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="level") & ~Q(level="")) | (~Q(scope="level") & Q(level="")),
                name="quiz_level_set_iff_level_scope",
            ),
            models.CheckConstraint(
                condition=(Q(scope="category") & Q(category__isnull=False))
                | (~Q(scope="category") & Q(category__isnull=True)),
                name="quiz_category_set_iff_category_scope",
            ),
            models.CheckConstraint(
                condition=Q(time_limit__isnull=True) | Q(time_limit__gt=timedelta(0)),
                name="quiz_time_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(retake_cooldown__isnull=True) | Q(retake_cooldown__gte=timedelta(0)),
                name="quiz_retake_cooldown_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(question_limit__isnull=True) | Q(question_limit__gt=0),
                name="quiz_question_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(overall_threshold__lte=100) & Q(category_threshold__lte=100),
                name="quiz_thresholds_are_percentages",
            ),
            # An exam never shows a key: no feedback while it runs; its results are a score report.
            models.CheckConstraint(
                condition=~Q(mode="certification") | Q(feedback="end", review="nothing"),
                name="quiz_exam_reveals_nothing",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        errors = self._scope_errors() | self._exam_errors() | self._adaptive_errors()
        if errors:
            raise ValidationError(errors)

    def _scope_errors(self) -> dict[str, str]:
        """A one-level quiz names its level and a one-category quiz its category; no other does."""
        errors = {}
        if (self.scope == self.Scope.LEVEL) != bool(self.level):
            errors["level"] = (
                "Choose the level this quiz asks."
                if self.scope == self.Scope.LEVEL
                else "Only a one-level quiz names a level."
            )
        if (self.scope == self.Scope.CATEGORY) != bool(self.category_id):
            errors["category"] = (
                "Choose the category this quiz asks."
                if self.scope == self.Scope.CATEGORY
                else "Only a one-category quiz names a category."
            )
        return errors

    def _adaptive_errors(self) -> dict[str, str]:
        """Only a certification exam is adaptive here (adaptive practice is its own mode), and
        an adaptive exam asks no pretest items."""
        if self.adaptive and not self.is_exam:
            return {
                "adaptive": "Only a certification exam can be adaptive: choose adaptive "
                "practice as the mode for practice."
            }
        if self.adaptive and self.pretest_per_form:
            return {
                "pretest_per_form": "An adaptive exam asks no pretest items: set this to 0 "
                "(pretest items go on fixed forms)."
            }
        return {}

    def _exam_errors(self) -> dict[str, str]:
        """A certification exam reveals nothing: no feedback while it runs, a score report after."""
        if not self.is_exam:
            return {}
        errors = {}
        if self.feedback != self.Feedback.END:
            errors["feedback"] = (
                "A certification exam gives no feedback before it ends: its items stay secret."
            )
        if self.review != self.Review.NOTHING:
            errors["review"] = (
                "A certification exam's results are a score report: it reveals no answers."
            )
        if blueprint := assembly.blueprint_errors(self.blueprint):
            errors["blueprint"] = " ".join(blueprint)
        return errors

    @property
    def serves_one_at_a_time(self) -> bool:
        """Adaptive practice, and an adaptive exam, choose each question after the previous
        answer."""
        return self.mode == self.Mode.ADAPTIVE or (self.is_exam and self.adaptive)

    @property
    def delivery(self) -> str:
        """How a certification exam is delivered, in words a certificate uses."""
        return "adaptive" if self.adaptive else "fixed-form"

    @property
    def immediate_feedback(self) -> bool:
        return self.feedback == self.Feedback.IMMEDIATE

    @property
    def is_exam(self) -> bool:
        return self.mode == self.Mode.CERTIFICATION

    def questions_in_scope(self) -> QuestionQuerySet:
        """The items this quiz may ask: the exam pool for a certification exam, the practice
        pool for every other mode (pretest items are added to exam forms apart)."""
        questions = Question.objects.exam() if self.is_exam else Question.objects.practice()
        if self.scope == self.Scope.LEVEL:
            questions = questions.filter(level=self.level)
        elif self.scope == self.Scope.CATEGORY:
            # A category quiz always names its category (a constraint): the else never happens.
            category = self.category_id
            questions = questions.filter(category_id=category) if category else questions.none()
        return questions

    def retake_opens_at(self, last: Attempt | None) -> datetime | None:
        """When a learner whose latest finished attempt of this exam is `last` may start the
        next one, if that is still to come after `last` was submitted (None: no wait)."""
        if not self.is_exam or not self.retake_cooldown or last is None:
            return None
        if last.passed is not False or last.submitted_at is None:
            return None
        return last.submitted_at + self.retake_cooldown

    @property
    def form_length(self) -> int:
        """How many scored questions a certification exam's form asks."""
        return self.question_limit or assembly.DEFAULT_LENGTH

    def form_cells(self) -> dict[tuple[str, str], int]:
        """A certification exam's questions per (category, level) cell, from its blueprint."""
        return assembly.cell_counts(self.blueprint or default_blueprint(), self.form_length)

    def question_count(self, counts: QuestionCounts) -> int:
        """How many questions an attempt asks, from the operational-item counts per cell."""
        if self.is_exam and self.scope == self.Scope.ALL:
            return self._form_count(counts)
        pool = Question.Pool.EXAM if self.is_exam else Question.Pool.PRACTICE
        available = sum(
            n
            for (in_pool, category, level), n in counts.items()
            if in_pool == pool and self._asks_cell(category, level)
        )
        return min(available, self.question_limit) if self.question_limit else available

    def _asks_cell(self, category: str, level: str) -> bool:
        """Whether the quiz's scope holds the category x level cell."""
        if self.scope == self.Scope.LEVEL:
            return level == self.level
        if self.scope == self.Scope.CATEGORY:
            return category == (self.category.slug if self.category else "")
        return True

    def _form_count(self, counts: QuestionCounts) -> int:
        """An exam form's scored questions: the blueprint's, less what the pool cannot give
        (a short cell borrows from the other levels of its category)."""
        in_pool: dict[str, int] = {}
        for (pool, category, _), n in counts.items():
            if pool == Question.Pool.EXAM:
                in_pool[category] = in_pool.get(category, 0) + n
        wanted: dict[str, int] = {}
        for (category, _), n in self.form_cells().items():
            wanted[category] = wanted.get(category, 0) + n
        return sum(min(n, in_pool.get(category, 0)) for category, n in wanted.items())


# Operational items per (pool, category slug, level): one query answers "how many questions"
# for every quiz.
QuestionCounts = dict[tuple[str, str, str], int]


def active_question_counts() -> QuestionCounts:
    rows = (
        Question.objects.operational()
        .values_list("pool", "category__slug", "level")
        .annotate(n=Count("id"))
    )
    return {(pool, category, level): n for pool, category, level, n in rows}


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> AttemptQuerySet:
        """The user's attempts; none for an anonymous visitor."""
        if user.pk is None:
            return self.none()
        return self.filter(user_id=user.pk)

    def open(self) -> AttemptQuerySet:
        return self.filter(status=Attempt.Status.IN_PROGRESS)

    def finished(self) -> AttemptQuerySet:
        return self.exclude(status=Attempt.Status.IN_PROGRESS)

    def overdue(self, now: datetime) -> AttemptQuerySet:
        return self.open().filter(deadline__lte=now)

    def for_page(self) -> AttemptQuerySet:
        """What every attempt page needs in its one query: the attempt and its quiz."""
        return self.select_related("quiz", "quiz__category")

    def with_progress(self) -> AttemptQuerySet:
        return self.select_related("quiz").annotate(
            served_count=Count("answers"),
            answered_count=Count("answers", filter=Q(answers__answered_at__isnull=False)),
            flagged_count=Count("answers", filter=Q(answers__flagged=True)),
        )

    def certification_exams(self) -> AttemptQuerySet:
        """Finished certification exams, oldest first."""
        return (
            self.finished()
            .filter(quiz__mode=Quiz.Mode.CERTIFICATION)
            .order_by("submitted_at", "pk")
        )

    def history(self) -> AttemptQuerySet:
        """Finished attempts, latest first, with their quiz and (as `total`, computed before any
        slice) how many there are in all: a page of history and its count in one query."""
        return (
            self.finished()
            .select_related("quiz")
            .annotate(total=Window(Count("pk")))
            .order_by("-submitted_at", "-pk")
        )


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True, help_text="Empty: untimed.")
    submitted_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was submitted, or its deadline if it expired."
    )
    seed = models.PositiveIntegerField(default=new_shuffle_seed)
    retake_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="retakes",
        help_text="The attempt whose missed questions this drill retakes.",
    )
    question_ids = models.JSONField(
        null=True, blank=True, help_text="An explicit question list (retaking missed questions)."
    )
    form = models.JSONField(
        null=True,
        blank=True,
        help_text="A certification exam's form as assembled: its length, cells short of the "
        "blueprint and what they borrowed, and the items shared with the learner's earlier "
        "forms (the form's items are its answers).",
    )
    # Cached when the attempt is finalized, from the answers' snapshots.
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text="Percent, rounded down."
    )
    category_scores = models.JSONField(
        default=dict, blank=True, help_text='{"category slug": {"correct": c, "total": t}}'
    )
    passed = models.BooleanField(
        null=True, blank=True, help_text="Met the quiz's overall and every category threshold."
    )

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "deadline"], name="attempt_open_deadline")]
        constraints = [
            # One open attempt per learner and quiz; retakes are per source attempt instead.
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(status="in_progress", retake_of__isnull=True),
                name="attempt_one_open_per_user_and_quiz",
            ),
            models.UniqueConstraint(
                fields=["user", "retake_of"],
                condition=Q(status="in_progress", retake_of__isnull=False),
                name="attempt_one_open_retake_per_source",
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gt=F("started_at")),
                name="attempt_deadline_after_start",
            ),
            models.CheckConstraint(
                # NULL compares as unknown, which a CHECK lets through: say "not null" too.
                condition=(Q(status="in_progress") & Q(submitted_at__isnull=True))
                | (
                    ~Q(status="in_progress")
                    & Q(submitted_at__isnull=False, submitted_at__gte=F("started_at"))
                ),
                name="attempt_submitted_at_iff_finished",
            ),
            models.CheckConstraint(
                condition=~Q(status="expired") | Q(deadline__isnull=False),
                name="attempt_only_timed_attempts_expire",
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress")
                | Q(
                    correct_count__isnull=False,
                    question_count__isnull=False,
                    score__isnull=False,
                    passed__isnull=False,
                ),
                name="attempt_finished_has_scores",
            ),
            models.CheckConstraint(
                condition=Q(correct_count__isnull=True)
                | Q(question_count__isnull=False, correct_count__lte=F("question_count")),
                name="attempt_correct_at_most_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.user} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    def is_overdue(self, now: datetime) -> bool:
        """Still open although its deadline has passed: over, waiting for the sweep (or a
        submit) to finalize it. Pages show it as over; nothing more is saved."""
        return self.is_open and self.deadline is not None and now >= self.deadline

    def is_over(self, now: datetime) -> bool:
        """Finished, or past its deadline: it takes no more answers."""
        return not self.is_open or self.is_overdue(now)

    @property
    def verdict(self) -> str:
        """The finished attempt's verdict in a word or two (a certification exam's is readiness;
        adaptive practice's is the engine's decision)."""
        if self.quiz.mode == Quiz.Mode.ADAPTIVE:
            return "Ready for the exam" if self.passed else "Not yet"
        exam = self.quiz.mode == Quiz.Mode.CERTIFICATION
        if self.passed:
            return "Ready" if exam else "Target met"
        return "Not yet ready" if exam else "Below target"

    @property
    def can_retake_missed(self) -> bool:
        """A retake drill reveals keys, so only quizzes that reveal them on review offer one; an
        exam offers a drill of practice items on the objectives it missed instead."""
        return not self.is_open and (self.quiz.is_exam or self.quiz.review == Quiz.Review.FULL)

    @property
    def time_allowed(self) -> timedelta | None:
        """The attempt's own limit: the quiz's, extended by any time accommodation."""
        return self.deadline - self.started_at if self.deadline else None

    @property
    def time_taken(self) -> timedelta | None:
        return self.submitted_at - self.started_at if self.submitted_at else None

    def scorecard(self) -> scoring.Scorecard:
        return scoring.scorecard_from_counts(self.category_scores)

    def thresholds(self) -> scoring.Thresholds:
        return scoring.Thresholds(self.quiz.overall_threshold, self.quiz.category_threshold)


class NavigatorRow(NamedTuple):
    """One question served, as the navigator and the summary show it."""

    position: int
    answered_at: datetime | None
    flagged: bool


class AnswerQuerySet(models.QuerySet["Answer"]):
    def latest_per_question(self) -> AnswerQuerySet:
        """The latest answer to each question among answered ones in finished attempts (one row
        per question, picked by the database with a window function)."""
        latest_first = Window(
            RowNumber(), partition_by=[F("question_id")], order_by=[F("answered_at").desc(), "-pk"]
        )
        return (
            self.filter(answered_at__isnull=False)
            .exclude(attempt__status=Attempt.Status.IN_PROGRESS)
            .annotate(recency=latest_first)
            .filter(recency=1)
        )

    def missed(self) -> AnswerQuerySet:
        """Answered wrong or left unanswered (what a retake drill asks again)."""
        return self.exclude(correct=True)

    def navigator(self, attempt: Attempt) -> list[NavigatorRow]:
        """One light row per question served, for the navigator and the summary: plain rows
        (every question page reads them all, and a model per question, ~65 of them, cost
        twice the query and the rows together)."""
        rows = (
            self.filter(attempt=attempt)
            .order_by("position")
            .values_list("position", "answered_at", "flagged")
        )
        return [NavigatorRow(*row) for row in rows]

    def progress(self, attempt: Attempt) -> tuple[int, int, int]:
        """How many questions the attempt has served, answered and flagged: one row of counts
        (the navigator's heading without its rows). Every autosave asks, so it is plain SQL:
        the ORM took longer to compile this aggregate than the database to answer it."""
        table = connections[self.db].ops.quote_name(Answer._meta.db_table)
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), COUNT(answered_at), "
                f"COALESCE(SUM(CASE WHEN flagged THEN 1 ELSE 0 END), 0) FROM {table} "
                "WHERE attempt_id = %s",
                [attempt.pk],
            )
            total, answered, flagged = cursor.fetchone()
        return int(total), int(answered), int(flagged)


class ChoiceSnapshot(TypedDict):
    """One option of an answer's snapshot, in the order shown."""

    id: int
    label: str
    text: str
    correct: bool
    rationale: str


class Answer(models.Model):
    """A question as served in an attempt, and the learner's answer to it.

    `snapshot` freezes the question as shown (prompt, options in the order shown with their
    keys and rationale, explanation, demo): editing the bank later never changes a past result.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    position = models.PositiveSmallIntegerField(help_text="1 for the first question served.")
    category_slug = models.CharField(max_length=32, choices=CategorySlug.choices)
    question_version = models.PositiveIntegerField(
        default=1, help_text="The question's version when it was served (what the snapshot shows)."
    )
    snapshot = models.JSONField()
    chosen = models.JSONField(default=list, blank=True, help_text="The chosen options' ids.")
    correct = models.BooleanField(null=True, blank=True)
    scored = models.BooleanField(
        default=True,
        help_text="Counts toward the result; a pretest item on an exam form does not (the "
        "learner is not told which).",
    )
    flagged = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["attempt", "position"]
        indexes = [
            # Covers the item analysis's read of every answer (questions.services.analysis):
            # SQLite need not step over each row's snapshot to reach these columns.
            models.Index(
                fields=[
                    "attempt",
                    "question",
                    "question_version",
                    "correct",
                    "scored",
                    "answered_at",
                    "chosen",
                ],
                name="answer_item_analysis",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="answer_one_per_attempt_and_question"
            ),
            models.UniqueConstraint(
                fields=["attempt", "position"], name="answer_position_unique_per_attempt"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="answer_position_from_1"),
            models.CheckConstraint(
                condition=(Q(answered_at__isnull=True) & Q(correct__isnull=True))
                | (Q(answered_at__isnull=False) & Q(correct__isnull=False)),
                name="answer_correct_iff_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.position} · {self.question_id}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def kind(self) -> str:
        return self.snapshot["kind"]

    @property
    def choices(self) -> list[ChoiceSnapshot]:
        return self.snapshot["choices"]

    @property
    def correct_choice_ids(self) -> set[int]:
        return {choice["id"] for choice in self.choices if choice["correct"]}

    @property
    def category_name(self) -> str:
        return CategorySlug(self.category_slug).label
