"""The question bank: the five categories, questions and their choices."""

from __future__ import annotations

from importlib.metadata import version

from django.core.exceptions import ValidationError
from django.core.validators import (
    BaseValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from lessons.catalog import LESSONS, LESSONS_BY_SLUG
from questions import rules
from questions.objectives import OBJECTIVES

QUESTION_ID = RegexValidator(rules.QUESTION_ID_PATTERN, rules.QUESTION_ID_MESSAGE)


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
    name = models.CharField(max_length=rules.CATEGORY_NAME_MAX_LENGTH)
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

    def operational(self) -> QuestionQuerySet:
        """Active and out of pretest: items whose answers count."""
        return self.active().filter(pretest=False)

    def practice(self) -> QuestionQuerySet:
        """What practice serves (drills, level quizzes, adaptive practice, retakes): operational
        items of the practice pool. A pretest item is kept out of practice until it is
        calibrated, so that its answers on exam forms are not answers to a key already shown."""
        return self.operational().filter(pool=Question.Pool.PRACTICE)

    def exam(self) -> QuestionQuerySet:
        """The scored items of exam forms: operational items of the exam pool."""
        return self.operational().filter(pool=Question.Pool.EXAM)

    def in_pretest(self) -> QuestionQuerySet:
        """Active items still in pretest: unscored, on exam forms only, never revealed."""
        return self.active().filter(pretest=True)

    def secure(self) -> QuestionQuerySet:
        """Items never shown to a learner with their key: the exam pool and pretest items."""
        return self.filter(Q(pool=Question.Pool.EXAM) | Q(pretest=True))

    def with_answer_stats(self) -> QuestionQuerySet:
        """Annotate `times_answered` and `times_correct`: answers to the question's current
        version given in finished attempts (an open attempt's answers may still change)."""
        final = Q(answers__answered_at__isnull=False, answers__attempt__submitted_at__isnull=False)
        # Answers to an earlier version of the question measured a different item.
        current = Q(answers__question_version=models.F("version"))
        return self.annotate(
            times_answered=models.Count("answers", filter=final & current),
            times_correct=models.Count(
                "answers", filter=final & current & Q(answers__correct=True)
            ),
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

    class Pool(models.TextChoices):
        EXAM = "exam", "Exam (secure)"
        PRACTICE = "practice", "Practice"

    class EvidenceKind(models.TextChoices):
        TEST = "test", "A test that runs the SDK"
        MEASUREMENT = "measurement", "A measurement a demo makes"
        JUDGEMENT = "judgement", "Judgement, reasoned in the explanation"

    id = models.CharField("ID", primary_key=True, max_length=40, validators=[QUESTION_ID])
    # Empty only for a draft imported from a file that did not place it in a category.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, related_name="questions"
    )
    level = models.CharField(max_length=12, choices=Level.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    style = models.CharField(max_length=12, choices=Style.choices, default=Style.CONCEPT)
    topic = models.CharField(
        max_length=rules.TOPIC_MAX_LENGTH,
        help_text="The concept it tests, in a few words (used to explain study recommendations).",
    )
    objective = models.CharField(max_length=40, choices=[(o.key, o.text) for o in OBJECTIVES])
    prompt = models.TextField(help_text="Markdown; fenced code blocks are highlighted.")
    explanation = models.TextField(help_text="Markdown. Shown after answering.")
    demo_lesson = models.SlugField(max_length=rules.DEMO_SLUG_MAX_LENGTH)
    demo_preset = models.SlugField(max_length=rules.DEMO_SLUG_MAX_LENGTH)
    evidence_kind = models.CharField(
        max_length=12, choices=EvidenceKind.choices, default=EvidenceKind.TEST
    )
    evidence = models.CharField(
        max_length=rules.EVIDENCE_MAX_LENGTH,
        blank=True,
        help_text="The test that proves the keyed answer, e.g. "
        "tests/questions/test_evidence.py::test_raw_events_07.",
    )
    discrimination = models.FloatField(validators=_range_validators(rules.DISCRIMINATION_RANGE))
    difficulty = models.FloatField(validators=_range_validators(rules.DIFFICULTY_RANGE))
    guessing = models.FloatField(validators=_range_validators(rules.GUESSING_RANGE))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    pool = models.CharField(
        max_length=8,
        choices=Pool.choices,
        default=Pool.EXAM,
        db_index=True,
        help_text="Exam items are never shown to learners with their key, rationale, "
        "explanation or demo; practice items are served by drills, level quizzes and adaptive "
        "practice. An item practice has shown should not move back to the exam.",
    )
    pretest = models.BooleanField(
        default=True,
        help_text="A new item is pretested: asked unscored on exam forms (the learner is not told "
        "which) until calibration has estimated its parameters well enough.",
    )
    sdk_version = models.CharField(
        "SDK version",
        max_length=rules.SDK_VERSION_MAX_LENGTH,
        default=installed_sdk_version,
        help_text="The openai-agents version this question was checked against.",
    )
    family = models.SlugField(
        max_length=rules.DEMO_SLUG_MAX_LENGTH,
        blank=True,
        db_index=True,
        help_text="The item family of a generated item (empty for a hand-written one): a form "
        "takes at most two items of one family, and practice never serves two in a row.",
    )
    variant = models.CharField(
        max_length=rules.DEMO_SLUG_MAX_LENGTH,
        blank=True,
        help_text="The scenario variant whose run keys a generated item.",
    )
    version = models.PositiveIntegerField(
        default=1,
        help_text="Goes up when a published bank revision changes what learners see (text, "
        "choices, key, feedback, explanation); each answer records the version it was served.",
    )
    import_key = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text="Where an imported item came from (its format and the identifier or name it "
        "had there), so that importing the same file again updates it instead of adding it twice.",
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
            # A draft may lack what the bank requires of the items it asks (an imported item
            # does until an instructor completes it); activating it checks them.
            models.CheckConstraint(
                condition=Q(evidence_kind="judgement") | ~Q(evidence="") | Q(status="draft"),
                name="question_evidence_unless_judgement",
            ),
            models.CheckConstraint(
                condition=Q(category__isnull=False) | Q(status="draft"),
                name="question_category_unless_draft",
            ),
            models.CheckConstraint(condition=~Q(prompt=""), name="question_prompt_not_empty"),
            models.CheckConstraint(
                condition=Q(level__in=rules.LEVELS) | Q(level="", status="draft"),
                name="question_level_valid",
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
            models.CheckConstraint(
                condition=Q(family="", variant="") | (~Q(family="") & ~Q(variant="")),
                name="question_family_with_variant",
            ),
            models.CheckConstraint(condition=Q(pool__in=rules.POOLS), name="question_pool_valid"),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def is_secure(self) -> bool:
        """Never shown to a learner with its key: an exam item, or one in pretest."""
        return self.secure(self.pool, pretest=self.pretest)

    @classmethod
    def secure(cls, pool: str, *, pretest: bool) -> bool:
        """`is_secure` for a question read as a row (pool and pretest) rather than a model."""
        return pool == cls.Pool.EXAM or pretest

    @property
    def category_slug(self) -> str:
        """The category's slug; "" for a draft not yet placed in a category."""
        return self.category.slug if self.category is not None else ""

    def missing_fields(self) -> list[str]:
        """What the bank requires that this item lacks (only a draft may lack anything)."""
        return rules.missing_for_bank(
            category=self.category_slug or None,
            level=self.level,
            objective=self.objective,
            evidence_kind=self.evidence_kind,
            evidence=self.evidence,
            demo_lesson=self.demo_lesson,
            demo_preset=self.demo_preset,
        )

    def apply_default_parameters(self, choice_count: int) -> None:
        params = rules.default_item_parameters(self.level, self.kind, choice_count)
        self.discrimination = params.discrimination
        self.difficulty = params.difficulty
        self.guessing = params.guessing

    def clean(self) -> None:
        """The rules the database cannot hold; the choice set is checked where choices are edited
        (the admin's inline formset, the bank file), because it is saved after the question."""
        super().clean()
        errors = self._id_errors() | self._evidence_errors()
        if self.sdk_version and not rules.SDK_VERSION.fullmatch(self.sdk_version):
            errors["sdk_version"] = "A version such as 0.24.0."
        if self.demo_lesson:
            link_errors = rules.demo_link_errors(self.demo_lesson, self.demo_preset)
            errors.update({f"demo_{part}": message for part, message in link_errors.items()})
        if errors:
            raise ValidationError(errors)

    def _id_errors(self) -> dict[str, str]:
        slug = self.category_slug if self.category_id else ""
        if slug and self.id and not self.id.startswith(f"{slug}-"):
            return {"id": f"The ID of a {slug} question starts with '{slug}-'."}
        return {}

    def _evidence_errors(self) -> dict[str, str]:
        found = rules.evidence_errors(self.evidence_kind, self.evidence)
        return {"evidence": found[0]} if found else {}

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
    claim = models.JSONField(
        null=True,
        blank=True,
        help_text="A generated item's choice: what it claims the scenario's program does "
        "(questions.claims), checked against a run of the program.",
    )

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
