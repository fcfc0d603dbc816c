from __future__ import annotations

from importlib.metadata import version

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from questions import rules
from questions.objectives import OBJECTIVES

QUESTION_ID = RegexValidator(
    r"^[a-z][a-z-]*-\d{2,3}$",
    "Use the category slug and a number, e.g. raw-events-07.",
)


def installed_sdk_version() -> str:
    return version("openai-agents")


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
    order = models.PositiveSmallIntegerField(unique=True)
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


class QuestionQuerySet(models.QuerySet["Question"]):
    def active(self) -> QuestionQuerySet:
        return self.filter(status=Question.Status.ACTIVE)


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
    discrimination = models.FloatField(validators=[MinValueValidator(0.05), MaxValueValidator(5.0)])
    difficulty = models.FloatField(validators=[MinValueValidator(-5.0), MaxValueValidator(5.0)])
    guessing = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(0.5)])
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
                condition=Q(guessing__gte=0) & Q(guessing__lte=0.5),
                name="question_guessing_in_range",
            ),
            models.CheckConstraint(
                condition=Q(discrimination__gt=0), name="question_discrimination_positive"
            ),
            models.CheckConstraint(
                condition=~Q(evidence_kind="test") | ~Q(evidence=""),
                name="question_test_evidence_names_a_test",
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
        super().clean()
        if self.category_id and self.id and not self.id.startswith(f"{self.category.slug}-"):
            raise ValidationError(
                {
                    "id": f"The ID of a {self.category.slug} question starts with "
                    f"'{self.category.slug}-'."
                }
            )
        if self.evidence_kind != self.EvidenceKind.JUDGEMENT and not self.evidence:
            raise ValidationError({"evidence": "Name the test that proves the keyed answer."})

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
        ]

    def __str__(self) -> str:
        return f"{self.question_id} · {self.label}"

    @property
    def label(self) -> str:
        return chr(ord("A") + self.order) if self.order < 26 else str(self.order + 1)
