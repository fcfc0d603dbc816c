"""Writes for certificates: issue (automatic, when an exam attempt qualifies) and revoke.

`questions` finalizes attempts and must not import `certify`, so it calls the functions named in
its QUESTIONS_ATTEMPT_FINISHED setting inside the finalizing transaction: here,
`certificate_issue_for_attempt`, which only calls `certificate_issue`.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from certify.models import Certificate
from certify.readiness import ready_decisions
from questions.analysis import QuizInfo
from questions.analysis.stats import DecisionRule
from questions.models import AdaptiveOutcome, Attempt, CategorySlug, Quiz
from questions.scoring import Thresholds, readiness

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """A request the certificate rules refuse; the message says why."""


def site_thresholds() -> Thresholds:
    return Thresholds(settings.CERTIFY_OVERALL_THRESHOLD, settings.CERTIFY_CATEGORY_THRESHOLD)


def attempt_qualifies(attempt: Attempt) -> bool:
    """A finished certification exam that asked every category and met the site's thresholds.

    The site's thresholds, not only the quiz's: an exam whose bar was lowered in admin still
    gives no certificate below 90% overall and 85% per category.
    """
    if attempt.is_open or attempt.quiz.mode != Quiz.Mode.CERTIFICATION or not attempt.passed:
        return False
    if attempt.quiz.adaptive:
        return _adaptive_qualifies(attempt)
    card = attempt.scorecard()
    if set(card.categories) != set(CategorySlug.values):
        return False
    quiz_bar = attempt.thresholds()
    site_bar = site_thresholds()
    bar = Thresholds(
        max(quiz_bar.overall, site_bar.overall), max(quiz_bar.category, site_bar.category)
    )
    return readiness(card, bar).ready


def _adaptive_qualifies(attempt: Attempt) -> bool:
    """An adaptive exam passed by its issuing rule (questions.services.attempts), judged at a bar
    no lower than the site's, with every category asked."""
    quiz_bar, site_bar = attempt.thresholds(), site_thresholds()
    if quiz_bar.overall < site_bar.overall or quiz_bar.category < site_bar.category:
        return False
    outcome = AdaptiveOutcome.objects.filter(attempt=attempt).first()
    if outcome is None:
        return False
    asked = {row["category"] for row in outcome.categories if row["answered"] > 0}
    return asked == set(CategorySlug.values)


def _adaptive_facts(attempt: Attempt) -> dict[str, object]:
    """What an adaptive exam's certificate shows instead of raw percentages."""
    if not attempt.quiz.adaptive:
        return {}
    outcome = AdaptiveOutcome.objects.get(attempt=attempt)
    names = dict(CategorySlug.choices)
    return {
        "delivery": "adaptive",
        "p_ready": outcome.p_ready,
        "estimates": [
            {
                "slug": row["category"],
                "name": names.get(row["category"], row["category"]),
                "expected": row["expected"],
                "low": row["low"],
                "high": row["high"],
                "answered": row["answered"],
            }
            for row in outcome.categories
        ],
    }


def exam_decision_rule(quiz: QuizInfo) -> DecisionRule | None:
    """The item analysis's hook (QUESTIONS_READINESS_RULE): an exam's readiness rule as
    `attempt_qualifies` applies it (the quiz's bar, never below the site's; every category
    asked), vectorised; None for other quizzes, which certify nothing."""
    if not quiz.exam:
        return None
    site = site_thresholds()
    bar = Thresholds(
        max(quiz.overall_threshold, site.overall), max(quiz.category_threshold, site.category)
    )

    def decide(
        correct: npt.NDArray[np.int64], totals: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        return ready_decisions(correct, totals, bar)

    return decide


def _holder_name(attempt: Attempt) -> str:
    user = attempt.user
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full_name or user.get_username()


def _sdk_version(attempt: Attempt) -> str:
    """The SDK version the exam's questions were checked against (most of them, if mixed)."""
    versions = Counter(
        snapshot.get("sdk_version", "")
        for snapshot in attempt.answers.values_list("snapshot", flat=True)
    )
    versions.pop("", None)
    if not versions:
        return "unknown"
    ranked = sorted(versions.items(), key=lambda item: (-item[1], item[0]))
    return ranked[0][0]


@transaction.atomic
def certificate_issue(*, attempt: Attempt, now: datetime | None = None) -> Certificate | None:
    """The attempt's certificate, issued now if it qualifies; None if it does not.

    Idempotent: an attempt has at most one certificate (a one-to-one key), and issuing again
    returns the one it has, valid or revoked.
    """
    existing = Certificate.objects.filter(attempt=attempt).first()
    if existing is not None:
        return existing
    correct_count, question_count, score = (
        attempt.correct_count,
        attempt.question_count,
        attempt.score,
    )
    if correct_count is None or question_count is None or score is None:
        return None  # still open: no counts yet
    if not attempt_qualifies(attempt):
        return None
    quiz = attempt.quiz
    certificate = Certificate.objects.create(
        attempt=attempt,
        holder_name=_holder_name(attempt),
        issued_at=attempt.submitted_at or now or timezone.now(),
        correct_count=correct_count,
        question_count=question_count,
        score=score,
        category_scores=Certificate.category_rows(attempt.category_scores),
        overall_threshold=max(quiz.overall_threshold, settings.CERTIFY_OVERALL_THRESHOLD),
        category_threshold=max(quiz.category_threshold, settings.CERTIFY_CATEGORY_THRESHOLD),
        sdk_version=_sdk_version(attempt),
        **_adaptive_facts(attempt),
    )
    logger.info("Issued certificate %s for attempt %s", certificate.code, attempt.pk)
    _announce_issued(certificate)
    return certificate


def _announce_issued(certificate: Certificate) -> None:
    """Call settings.CERTIFY_CERTIFICATE_ISSUED (dotted paths of callables taking the
    certificate) inside the issuing transaction: the apps above hook in here (integrations
    signs an Open Badges credential) without certify importing them."""
    for path in getattr(settings, "CERTIFY_CERTIFICATE_ISSUED", ()):
        import_string(path)(certificate)


def certificate_issue_for_attempt(attempt: Attempt) -> None:
    """The QUESTIONS_ATTEMPT_FINISHED hook: called with every attempt as it is finalized."""
    certificate_issue(attempt=attempt)


@transaction.atomic
def certificate_revoke(
    *, certificate_id: int, reason: str, now: datetime | None = None
) -> Certificate:
    """Revoke a certificate with a reason; the verification page says so from then on.

    Refused with CertificateError: an empty reason, or a certificate already revoked (its date
    and reason stay as first recorded).
    """
    reason = reason.strip()
    if not reason:
        raise CertificateError("Give a reason for revoking the certificate.")
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if not certificate.is_valid:
        raise CertificateError(f"Certificate {certificate.code} is already revoked.")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = now or timezone.now()
    certificate.revoked_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revoked_reason"])
    logger.info("Revoked certificate %s: %s", certificate.code, reason)
    return certificate
