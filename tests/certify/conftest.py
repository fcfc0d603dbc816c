"""Fixtures for the learner's journey: a bank across the five categories and finished exams."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from questions.models import Attempt, Question, Quiz
from tests.certify import exams
from tests.factories import questions_across_categories

TakeExam = Callable[..., Attempt]


@pytest.fixture
def bank(db) -> list[Question]:
    """Ten active questions, two per category (basics, raw-events, run-items, ...)."""
    return questions_across_categories(10)


@pytest.fixture
def exam(bank: list[Question]) -> Quiz:
    return exams.exam_quiz()


@pytest.fixture
def take_exam() -> TakeExam:
    """take_exam(user, quiz, wrong={"raw-events-11"}, at=datetime) -> the submitted attempt."""
    return exams.take_exam
