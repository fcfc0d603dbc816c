from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from importlib.metadata import version

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import (
    BaseValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from lessons.catalog import LESSONS, LESSONS_BY_SLUG
from questions import rules, scoring
from questions.objectives import OBJECTIVES

QUESTION_ID = RegexValidator(
    r"^[a-z][a-z-]*-\d{2,3}$",
    "Use the category slug and a number, e.g. raw-events-07.",
)


def installed_sdk_version() -> str:
    return version("openai-agents")


def _range_validators(bounds: tuple[float, float]) -> list[BaseValidator]:
    low, high = bounds
    return [MinValueValidator(low), MaxValueValidator(high)]


def _in_range(field: str, bounds: tuple[float, float]) -> Q:
    low, high = bounds
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def _lesson_for(category: str) -> str:
    return next((lesson.slug for lesson in LESSONS if lesson.category == category), "none")


class CategorySlug(models.TextChoices):
    """The five fixed categories, in course order (lessons 01 to 05)."""

    BASICS = "basics", "Basic Streaming Concepts"
    RAW_EVENTS = "raw-events", "Raw Response Events"
    RUN_ITEMS = "run-items", "Run Item Events & Agent Events"
    TOOLS_HANDOFFS = "tools-handoffs", "Streaming with Tools & Handoffs"
    PRODUCTION = "production", "Production Patterns & Best Practices"


class Category(models.Model):
    Slug = CategorySlug

    slug = models.SlugField(max_length=32, unique=True, choices=Slug.choices)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    description = models.TextField(blank=True)
    lesson_slug = models.SlugField(
        max_length=64, help_text="The lesson (live demo page) that teaches this category."
    )

    class Meta:
        ordering = ["order"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__in=CategorySlug.values),
                name="category_slug_is_one_of_the_five",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        lesson = LESSONS_BY_SLUG.get(self.lesson_slug)
        if self.lesson_slug and lesson is None:
            raise ValidationError({"lesson_slug": f"Unknown lesson '{self.lesson_slug}'."})
        if lesson and self.slug and lesson.category != self.slug:
            raise ValidationError(
                {"lesson_slug": f"The lesson that teaches {self.slug} is {_lesson_for(self.slug)}."}
            )


class QuestionQuerySet(models.QuerySet["Question"]):
    def active(self) -> QuestionQuerySet:
        return self.filter(status=Question.Status.ACTIVE)

    def with_answer_stats(self) -> QuestionQuerySet:
        """Annotate `times_answered` and `times_correct`: answers given in finished attempts
        (an open attempt's answers may still change)."""
        final = Q(answers__answered_at__isnull=False, answers__attempt__submitted_at__isnull=False)
        return self.annotate(
            times_answered=models.Count("answers", filter=final),
            times_correct=models.Count("answers", filter=final & Q(answers__correct=True)),
        )


class Question(models.Model):
    class Level(models.TextChoices):
        BEGINNER = "beginner"
        INTERMEDIATE = "intermediate"
        ADVANCED = "advanced"

    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        TRUE_FALSE = "true_false", "True or false"

    class Style(models.TextChoices):
        CONCEPT = "concept", "Single concept"
        CODE = "code", "Code reading"
        JUDGEMENT = "judgement", "Practical judgement"

    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        RETIRED = "retired"

    class EvidenceKind(models.TextChoices):
        TEST = "test", "A test that runs the SDK"
        MEASUREMENT = "measurement", "A measurement a demo makes"
        JUDGEMENT = "judgement", "Judgement, reasoned in the explanation"

    id = models.CharField("ID", primary_key=True, max_length=40, validators=[QUESTION_ID])
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="questions")
    level = models.CharField(max_length=12, choices=Level.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    style = models.CharField(max_length=12, choices=Style.choices, default=Style.CONCEPT)
    topic = models.CharField(
        max_length=80,
        help_text="The concept it tests, in a few words (used to explain study recommendations).",
    )
    objective = models.CharField(max_length=40, choices=[(o.key, o.text) for o in OBJECTIVES])
    prompt = models.TextField(help_text="Markdown; fenced code blocks are highlighted.")
    explanation = models.TextField(help_text="Markdown. Shown after answering.")
    demo_lesson = models.SlugField(max_length=64)
    demo_preset = models.SlugField(max_length=64)
    evidence_kind = models.CharField(
        max_length=12, choices=EvidenceKind.choices, default=EvidenceKind.TEST
    )
    evidence = models.CharField(
        max_length=200,
        blank=True,
        help_text="The test that proves the keyed answer, e.g. "
        "tests/questions/test_evidence.py::test_raw_events_07.",
    )
    discrimination = models.FloatField(validators=_range_validators(rules.DISCRIMINATION_RANGE))
    difficulty = models.FloatField(validators=_range_validators(rules.DIFFICULTY_RANGE))
    guessing = models.FloatField(validators=_range_validators(rules.GUESSING_RANGE))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    sdk_version = models.CharField(
        "SDK version",
        max_length=20,
        default=installed_sdk_version,
        help_text="The openai-agents version this question was checked against.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["category__order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_in_range("guessing", rules.GUESSING_RANGE),
                name="question_guessing_in_range",
            ),
            models.CheckConstraint(
                condition=_in_range("discrimination", rules.DISCRIMINATION_RANGE),
                name="question_discrimination_in_range",
            ),
            models.CheckConstraint(
                condition=_in_range("difficulty", rules.DIFFICULTY_RANGE),
                name="question_difficulty_in_range",
            ),
            models.CheckConstraint(
                condition=Q(evidence_kind="judgement") | ~Q(evidence=""),
                name="question_evidence_unless_judgement",
            ),
            models.CheckConstraint(condition=~Q(prompt=""), name="question_prompt_not_empty"),
            models.CheckConstraint(
                condition=Q(level__in=rules.LEVELS), name="question_level_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=rules.KINDS), name="question_kind_valid"),
            models.CheckConstraint(
                condition=Q(style__in=rules.STYLES), name="question_style_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=rules.STATUSES),
                name="question_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(evidence_kind__in=rules.EVIDENCE_KINDS),
                name="question_evidence_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.id

    def apply_default_parameters(self, choice_count: int) -> None:
        params = rules.default_item_parameters(self.level, self.kind, choice_count)
        self.discrimination = params.discrimination
        self.difficulty = params.difficulty
        self.guessing = params.guessing

    def clean(self) -> None:
        """The rules the database cannot hold; the choice set is checked where choices are edited
        (the admin's inline formset, the bank file), because it is saved after the question."""
        super().clean()
        errors: dict[str, str] = {}
        if self.category_id and self.id and not self.id.startswith(f"{self.category.slug}-"):
            errors["id"] = (
                f"The ID of a {self.category.slug} question starts with '{self.category.slug}-'."
            )
        if evidence_errors := rules.evidence_errors(self.evidence_kind, self.evidence):
            errors["evidence"] = evidence_errors[0]
        if self.sdk_version and not rules.SDK_VERSION.fullmatch(self.sdk_version):
            errors["sdk_version"] = "A version such as 0.24.0."
        if self.demo_lesson:
            link_errors = rules.demo_link_errors(self.demo_lesson, self.demo_preset)
            errors.update({f"demo_{part}": message for part, message in link_errors.items()})
        if errors:
            raise ValidationError(errors)

    @property
    def demo_url(self) -> str:
        """The live demo that shows this question's fact: `/lessons/<lesson>/?preset=<preset>`."""
        query = urlencode({"preset": self.demo_preset})
        return f"{reverse('lessons:index')}{self.demo_lesson}/?{query}"

    def choice_errors(self, correct: list[bool] | None = None) -> list[str]:
        """Choice-set rule violations; `correct` defaults to the saved choices."""
        if correct is None:
            correct = [choice.is_correct for choice in self.choices.all()]
        return rules.choice_set_errors(self.kind, correct)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField()
    text = models.TextField(help_text="Markdown.")
    is_correct = models.BooleanField("correct", default=False)
    rationale = models.TextField(help_text="Why this choice is right or wrong. Markdown.")

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "order"], name="choice_order_unique_per_question"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="choice_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} · {self.label}"

    @property
    def label(self) -> str:
        return chr(ord("A") + self.order) if self.order < 26 else str(self.order + 1)


# Quizzes, attempts and answers ----------------------------------------------------------------


def default_overall_threshold() -> int:
    return settings.CERTIFY_OVERALL_THRESHOLD


def default_category_threshold() -> int:
    return settings.CERTIFY_CATEGORY_THRESHOLD


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
                condition=Q(question_limit__isnull=True) | Q(question_limit__gt=0),
                name="quiz_question_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(overall_threshold__lte=100) & Q(category_threshold__lte=100),
                name="quiz_thresholds_are_percentages",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.scope == self.Scope.LEVEL and not self.level:
            raise ValidationError({"level": "Choose the level this quiz asks."})
        if self.scope != self.Scope.LEVEL and self.level:
            raise ValidationError({"level": "Only a one-level quiz names a level."})
        if self.scope == self.Scope.CATEGORY and not self.category_id:
            raise ValidationError({"category": "Choose the category this quiz asks."})
        if self.scope != self.Scope.CATEGORY and self.category_id:
            raise ValidationError({"category": "Only a one-category quiz names a category."})

    @property
    def serves_one_at_a_time(self) -> bool:
        """Adaptive practice chooses each question after the previous answer."""
        return self.mode == self.Mode.ADAPTIVE

    @property
    def immediate_feedback(self) -> bool:
        return self.feedback == self.Feedback.IMMEDIATE

    def questions_in_scope(self) -> QuestionQuerySet:
        questions = Question.objects.active()
        if self.scope == self.Scope.LEVEL:
            questions = questions.filter(level=self.level)
        elif self.scope == self.Scope.CATEGORY:
            questions = questions.filter(category_id=self.category_id)
        return questions

    def question_count(self, counts: QuestionCounts) -> int:
        """How many questions an attempt asks, from the active-question counts per cell."""
        if self.scope == self.Scope.LEVEL:
            available = sum(n for (_, level), n in counts.items() if level == self.level)
        elif self.scope == self.Scope.CATEGORY:
            available = sum(n for (cat, _), n in counts.items() if cat == self.category_id)
        else:
            available = sum(counts.values())
        return min(available, self.question_limit) if self.question_limit else available


# Active questions per (category id, level): one query answers "how many questions" for every quiz.
QuestionCounts = dict[tuple[int, str], int]


def active_question_counts() -> QuestionCounts:
    rows = Question.objects.active().values_list("category_id", "level").annotate(n=Count("id"))
    return {(category_id, level): n for category_id, level, n in rows}


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> AttemptQuerySet:
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
        return self.is_open and self.deadline is not None and now >= self.deadline

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
        """A retake drill reveals keys, so only quizzes that reveal them on review offer one."""
        return not self.is_open and self.quiz.review == Quiz.Review.FULL

    @property
    def time_taken(self) -> timedelta | None:
        return self.submitted_at - self.started_at if self.submitted_at else None

    def scorecard(self) -> scoring.Scorecard:
        return scoring.scorecard_from_counts(self.category_scores)

    def thresholds(self) -> scoring.Thresholds:
        return scoring.Thresholds(self.quiz.overall_threshold, self.quiz.category_threshold)


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

    def navigator(self, attempt: Attempt) -> AnswerQuerySet:
        """One light row per question served, for the navigator and the summary."""
        return (
            self.filter(attempt=attempt)
            .order_by("position")
            .only("id", "attempt_id", "question_id", "position", "answered_at", "flagged")
        )


class Answer(models.Model):
    """A question as served in an attempt, and the learner's answer to it.

    `snapshot` freezes the question as shown (prompt, options in the order shown with their
    keys and rationale, explanation, demo): editing the bank later never changes a past result.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    position = models.PositiveSmallIntegerField(help_text="1 for the first question served.")
    category_slug = models.CharField(max_length=32, choices=CategorySlug.choices)
    snapshot = models.JSONField()
    chosen = models.JSONField(default=list, blank=True, help_text="The chosen options' ids.")
    correct = models.BooleanField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["attempt", "position"]
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
    def choices(self) -> list[dict[str, object]]:
        return self.snapshot["choices"]

    @property
    def correct_choice_ids(self) -> set[int]:
        return {choice["id"] for choice in self.choices if choice["correct"]}

    @property
    def category_name(self) -> str:
        return CategorySlug(self.category_slug).label


# The adaptive engine in the product: what it concluded from a practice attempt, and the versions
# of the bank's item parameters that calibrate_items writes.


class AdaptiveOutcome(models.Model):
    """What the adaptive engine concluded when an adaptive practice attempt finished.

    Frozen like the answers' snapshots: recalibrating or editing the bank later never changes a
    past attempt's decision. Shares (0 to 1) as the engine gives them; pages round them.
    """

    class Verdict(models.TextChoices):
        READY = "ready", "Ready for the exam"
        NOT_YET = "not_yet", "Not yet"
        UNDECIDED = "undecided", "Not decided"

    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, primary_key=True, related_name="adaptive_outcome"
    )
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    reason = models.CharField(max_length=80, help_text="The engine's stop rule, in its words.")
    p_ready = models.FloatField("P(ready)")
    answered = models.PositiveSmallIntegerField(help_text="The answers the engine counted.")
    expected_overall = models.FloatField()
    overall_low = models.FloatField(help_text="10th percentile: with overall_high, 80% interval.")
    overall_high = models.FloatField()
    categories = models.JSONField(
        help_text='In bank order: [{"category": slug, "answered": n, "correct": n, '
        '"expected": share, "low": share, "high": share, "p_meets": probability}]'
    )
    parameters_version = models.PositiveIntegerField(
        default=0, help_text="The bank parameter version used (0: the starting parameters)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=["ready", "not_yet", "undecided"]),
                name="adaptive_outcome_verdict_valid",
            ),
            models.CheckConstraint(
                condition=Q(p_ready__gte=0, p_ready__lte=1),
                name="adaptive_outcome_p_ready_is_a_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.get_verdict_display()} · P(ready) {self.p_ready:.2f}"


class BankParametersQuerySet(models.QuerySet["BankParameters"]):
    def current_version(self) -> int:
        """The latest version number; 0 before any calibration (the starting parameters)."""
        return self.aggregate(latest=models.Max("version"))["latest"] or 0


class BankParameters(models.Model):
    """One version of the bank's item parameters: a calibrate_items run that refitted some."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    min_answers = models.PositiveIntegerField(help_text="Answers a question needed to be refitted.")
    attempts = models.PositiveIntegerField(help_text="Finished attempts whose answers were used.")
    answers = models.PositiveIntegerField(help_text="Answers used, all questions together.")
    refitted = models.PositiveSmallIntegerField(help_text="Questions given new parameters.")

    objects = BankParametersQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = "bank parameter version"
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=1), name="bank_parameters_version_from_1"
            ),
            models.CheckConstraint(
                condition=Q(refitted__gte=1), name="bank_parameters_refit_something"
            ),
        ]

    def __str__(self) -> str:
        return f"Bank parameters v{self.version}"


class ItemCalibration(models.Model):
    """One question's parameters before and after a calibration (unchanged when not refitted)."""

    parameters = models.ForeignKey(BankParameters, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="calibrations")
    answers = models.PositiveIntegerField()
    refitted = models.BooleanField()
    discrimination_before = models.FloatField()
    difficulty_before = models.FloatField()
    guessing_before = models.FloatField()
    discrimination_after = models.FloatField()
    difficulty_after = models.FloatField()
    guessing_after = models.FloatField()

    class Meta:
        ordering = ["parameters", "question"]
        constraints = [
            models.UniqueConstraint(
                fields=["parameters", "question"], name="item_calibration_one_per_version"
            ),
            models.CheckConstraint(
                condition=Q(refitted=True)
                | Q(
                    discrimination_after=F("discrimination_before"),
                    difficulty_after=F("difficulty_before"),
                    guessing_after=F("guessing_before"),
                ),
                name="item_calibration_untouched_unless_refitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} · v{self.parameters.version}"
