"""Typed factory-boy factories shared by the whole suite."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from lessons.catalog import LESSONS
from questions.models import Category, CategorySlug, Choice, Question, Quiz

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[AbstractUser]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    password = factory.django.Password(DEFAULT_PASSWORD)


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"instructor{n}")
    is_staff = True


# The question bank and quizzes (added by the quizzes branch) ----------------------------------

DEFAULT_CORRECT = {
    "single": [True, False, False, False],
    "multiple": [True, True, False, False],
    "true_false": [True, False],
}


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    """One of the five fixed categories, in course order (get-or-create by slug)."""

    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Iterator([lesson.category for lesson in LESSONS])
    name = factory.LazyAttribute(lambda category: CategorySlug(category.slug).label)
    order = factory.LazyAttribute(lambda category: CategorySlug.values.index(category.slug) + 1)
    lesson_slug = factory.LazyAttribute(
        lambda category: next(lesson.slug for lesson in LESSONS if lesson.category == category.slug)
    )


class QuestionFactory(factory.django.DjangoModelFactory[Question]):
    """An active question with choices; pass `choices=[True, False, ...]` to set the key."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    id = factory.LazyAttributeSequence(lambda question, n: f"{question.category.slug}-{n + 1:03d}")
    level = "beginner"
    kind = "single"
    style = "concept"
    topic = "run_streamed vs run"
    objective = "streaming-vs-regular"
    prompt = factory.LazyAttribute(lambda question: f"What does {question.id} ask?")
    explanation = factory.LazyAttribute(lambda question: f"Explanation of {question.id}.")
    demo_lesson = factory.LazyAttribute(lambda question: question.category.lesson_slug)
    demo_preset = "side-by-side"
    evidence_kind = "judgement"
    evidence = ""
    discrimination = 1.2
    difficulty = 0.0
    guessing = 0.2
    status = "active"

    @factory.post_generation
    def choices(question, create: bool, extracted: list[bool] | None, **kwargs: object) -> None:
        if not create:
            return
        correct = extracted if extracted is not None else DEFAULT_CORRECT[question.kind]
        Choice.objects.bulk_create(
            Choice(
                question=question,
                order=order,
                text=(
                    ("True", "False")[order]
                    if question.kind == "true_false"
                    else f"Option {chr(65 + order)} of {question.id}"
                ),
                is_correct=flag,
                rationale=f"Rationale {chr(65 + order)} of {question.id}.",
            )
            for order, flag in enumerate(correct)
        )


class QuizFactory(factory.django.DjangoModelFactory[Quiz]):
    """A published quiz over all active questions, unshuffled (tests shuffle on purpose)."""

    class Meta:
        model = Quiz

    title = factory.Sequence(lambda n: f"Quiz {n}")
    slug = factory.Sequence(lambda n: f"quiz-{n}")
    mode = "certification"
    scope = "all"
    feedback = "end"
    review = "full"
    shuffle_questions = False
    shuffle_choices = False


def questions_across_categories(count: int, **fields: object) -> list[Question]:
    """`count` active questions dealt to the five categories in turn, basics first."""
    categories = [CategoryFactory(slug=slug) for slug in CategorySlug.values]
    return [
        QuestionFactory(category=categories[index % len(categories)], **fields)
        for index in range(count)
    ]
