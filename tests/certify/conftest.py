"""Fixtures for the learner's journey: a bank across the five categories and finished exams."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from certify.models import Certificate
from questions.models import Attempt, Question, Quiz
from tests.certify import exams
from tests.factories import questions_across_categories

TakeExam = Callable[..., Attempt]


@pytest.fixture
def bank(db) -> list[Question]:
    """Ten active exam-pool questions, two per category (basics, raw-events, run-items, ...)."""
    return questions_across_categories(10, pool=Question.Pool.EXAM)


@pytest.fixture
def exam(bank: list[Question]) -> Quiz:
    return exams.exam_quiz()


@pytest.fixture
def take_exam() -> TakeExam:
    """take_exam(user, quiz, wrong={"raw-events-11"}, at=datetime) -> the submitted attempt."""
    return exams.take_exam


@pytest.fixture
def certificate(learner: User, exam: Quiz, take_exam: TakeExam) -> Certificate:
    """A learner's certificate from a passed exam."""
    take_exam(learner, exam)
    return Certificate.objects.get()


def pdf_text(data: bytes) -> str:
    """The text drawn on the PDF's pages: each content stream decoded (reportlab writes
    ASCII85 over Flate), its shown strings joined."""
    chunks = []
    for header, stream in re.findall(rb"<<([^<>]*)>>\s*stream\r?\n(.*?)\s*endstream", data, re.S):
        if b"/ASCII85Decode" in header:
            stream = base64.a85decode(stream.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in header:
            stream = zlib.decompress(stream)
        chunks.append(stream)
    strings = re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", b"\n".join(chunks), re.S)
    return " ".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for s in strings)
