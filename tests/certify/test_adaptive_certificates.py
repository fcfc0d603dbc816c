"""An adaptive exam's certificate: it says the exam was adaptive and shows the per-category
estimates with their intervals (page, printable page and PDF); a fixed-form one says so."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from certify.models import Certificate
from questions.models import Quiz
from tests.certify.conftest import pdf_text
from tests.factories import ExamQuizFactory
from tests.questions.test_adaptive_exam import sit
from tests.questions.test_exam_forms import exam_pool

pytestmark = pytest.mark.django_db


def adaptive_exam() -> Quiz:
    return ExamQuizFactory.create(adaptive=True, pretest_per_form=0, ready_probability=0.9)


def test_an_adaptive_certificate_shows_estimates_with_intervals(
    learner: User, learner_client: Client
) -> None:
    exam_pool(6)
    attempt = sit(learner, adaptive_exam(), right=True)
    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.is_adaptive
    assert certificate.p_ready is not None
    assert certificate.p_ready >= 0.9
    rows = certificate.estimate_rows
    assert rows[0].name == "Basic Streaming Concepts"
    assert all(row.low <= row.expected <= row.high for row in rows)
    page = learner_client.get(certificate.get_absolute_url()).content.decode()
    assert "Adaptive: the questions were chosen one at a time" in page
    assert "Estimated score by category on the whole exam pool, with its 80% interval" in page
    printable = learner_client.get(reverse("certificate_print", args=[certificate.code]))
    assert "passed the adaptive certification exam" in printable.content.decode()
    pdf = pdf_text(learner_client.get(reverse("certificate_pdf", args=[certificate.code])).content)
    assert "adaptive certification exam" in pdf
    assert "80% intervals" in pdf


def test_a_fixed_form_certificate_says_so(learner: User, learner_client: Client) -> None:
    exam_pool(6)
    attempt = sit(learner, ExamQuizFactory.create(), right=True)
    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.delivery == "fixed-form"
    page = learner_client.get(certificate.get_absolute_url()).content.decode()
    assert "Fixed-form: a form from the secure exam pool" in page
    pdf = pdf_text(learner_client.get(reverse("certificate_pdf", args=[certificate.code])).content)
    assert "fixed-form certification exam" in pdf


def test_an_adaptive_exam_below_the_sites_bar_certifies_nothing(learner: User) -> None:
    exam_pool(6)
    quiz = ExamQuizFactory.create(
        adaptive=True, pretest_per_form=0, ready_probability=0.9, overall_threshold=60
    )
    attempt = sit(learner, quiz, right=True)
    assert attempt.passed
    assert not Certificate.objects.filter(attempt=attempt).exists()
