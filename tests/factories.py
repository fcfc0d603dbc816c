"""Typed factory-boy factories shared by the whole suite."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from lessons.catalog import LESSONS
from questions import rules
from questions.models import Category, Choice, Question, Quiz

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def verified_email(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """The email is the primary address, verified unless `verified_email=False` (the
        exam needs it)."""
        if create and obj.email:
            EmailAddress.objects.update_or_create(
                user=obj,
                email=obj.email.lower(),
                defaults={"primary": True, "verified": extracted is not False},
            )

    @factory.post_generation
    def second_factor(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Staff have TOTP on (the admin needs it) unless `second_factor=False`."""
        if create and (obj.is_staff if extracted is None else extracted):
            totp_activate(obj)


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_activate(user: User, secret: str = TOTP_SECRET) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"instructor{n}")
    is_staff = True


# The question bank (questions/models/bank.py). A category is one of the five fixed slugs, got or
# created; a question comes with a valid choice set for its kind unless `choices=[...]` (the
# correct flags, in order) says otherwise.

DEFAULT_PRESETS = {
    "basic-streaming": "side-by-side",
    "raw-response-events": "text-deltas",
    "run-item-events": "tool-call",
    "streaming-with-handoffs": "triage",
    "streaming-patterns": "buffered",
}
DEFAULT_CORRECT = {
    "single": [True, False, False, False],
    "multiple": [True, True, False, False],
    "true_false": [True, False],
}


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = Category.Slug.BASICS
    name = factory.LazyAttribute(lambda category: Category.Slug(category.slug).label)
    order = factory.LazyAttribute(lambda category: Category.Slug.values.index(category.slug) + 1)
    lesson_slug = factory.LazyAttribute(
        lambda category: next(lesson.slug for lesson in LESSONS if lesson.category == category.slug)
    )
    description = "What this category covers."


def _default_parameters(question: Question) -> rules.ItemParameters:
    return rules.default_item_parameters(
        question.level, question.kind, len(DEFAULT_CORRECT[question.kind])
    )


class QuestionFactory(factory.django.DjangoModelFactory[Question]):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    id = factory.LazyAttributeSequence(lambda q, n: f"{q.category.slug}-{n % 900 + 10:02d}")
    level = Question.Level.BEGINNER
    kind = Question.Kind.SINGLE
    style = Question.Style.CONCEPT
    topic = "run_streamed vs run"
    objective = "streaming-vs-regular"
    prompt = "Which call streams the run's events?"
    explanation = "`Runner.run_streamed()` returns at once; the events come from `stream_events()`."
    demo_lesson = factory.LazyAttribute(lambda q: q.category.lesson_slug)
    demo_preset = factory.LazyAttribute(lambda q: DEFAULT_PRESETS[q.demo_lesson])
    evidence_kind = Question.EvidenceKind.TEST
    evidence = factory.LazyAttribute(
        lambda q: f"tests/questions/test_evidence.py::test_{q.id.replace('-', '_')}"
    )
    status = Question.Status.ACTIVE
    # Practice items unless a test says otherwise; operational (out of pretest).
    pool = Question.Pool.PRACTICE
    pretest = False
    discrimination = factory.LazyAttribute(lambda q: _default_parameters(q).discrimination)
    difficulty = factory.LazyAttribute(lambda q: _default_parameters(q).difficulty)
    guessing = factory.LazyAttribute(lambda q: _default_parameters(q).guessing)

    @factory.post_generation
    def choices(question: Question, create: bool, extracted: list[bool] | None, **kwargs: object):
        if not create:
            return
        correct = DEFAULT_CORRECT[question.kind] if extracted is None else extracted
        Choice.objects.bulk_create(
            Choice(
                question=question,
                order=order,
                text=f"Option {chr(ord('A') + order)}",
                is_correct=flag,
                rationale="Right: it does." if flag else "Wrong: a common misreading.",
            )
            for order, flag in enumerate(correct)
        )


# Quizzes (questions/models/quizzes.py): a published practice quiz over all the practice pool's
# questions, unshuffled so that tests can name positions; tests that shuffle say so. An exam
# (mode certification) reveals nothing: ExamQuizFactory.


class QuizFactory(factory.django.DjangoModelFactory[Quiz]):
    class Meta:
        model = Quiz

    title = factory.Sequence(lambda n: f"Quiz {n}")
    slug = factory.Sequence(lambda n: f"quiz-{n}")
    mode = Quiz.Mode.LEVEL
    scope = Quiz.Scope.ALL
    feedback = Quiz.Feedback.END
    review = Quiz.Review.FULL
    shuffle_questions = False
    shuffle_choices = False


class ExamQuizFactory(QuizFactory):
    """A certification exam over the exam pool: no feedback, a score report at the end."""

    title = factory.Sequence(lambda n: f"Exam {n}")
    slug = factory.Sequence(lambda n: f"exam-{n}")
    mode = Quiz.Mode.CERTIFICATION
    review = Quiz.Review.NOTHING


def questions_across_categories(count: int, **fields: object) -> list[Question]:
    """`count` active questions dealt to the five categories in turn (basics first), each with
    its own prompt and explanation so that a page can be checked for exactly one of them."""
    categories = [CategoryFactory.create(slug=slug) for slug in Category.Slug.values]
    fields = {
        "prompt": factory.LazyAttribute(lambda q: f"What does {q.id} ask?"),
        "explanation": factory.LazyAttribute(lambda q: f"Why {q.id} has the answer it has."),
        **fields,
    }
    return [
        QuestionFactory.create(category=categories[index % len(categories)], **fields)
        for index in range(count)
    ]


LEVEL_MIX = ("beginner",) * 3 + ("intermediate",) * 4 + ("advanced",) * 3


def bank_of_fifty(**fields: object) -> list[Question]:
    """The real bank's layout with fixed ids (basics-01 ... production-10): per category three
    beginner, four intermediate and three advanced questions at their level's parameters. The
    same ids and parameters in every test mean the same adaptive engine, which is cached per
    item set: it is built once per test session."""
    questions = []
    for slug in Category.Slug.values:
        category = CategoryFactory.create(slug=slug)
        for number, level in enumerate(LEVEL_MIX, start=1):
            question_id = f"{slug}-{number:02d}"
            questions.append(
                QuestionFactory.create(
                    id=question_id,
                    category=category,
                    level=level,
                    prompt=f"What does {question_id} ask?",
                    explanation=f"Why {question_id} has the answer it has.",
                    **fields,
                )
            )
    return questions
