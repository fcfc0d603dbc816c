"""The dashboard and certificate pages in Chromium: the SVG bars really render.

Screenshots go to /tmp/certify-screens/ for a person to look at.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from certify.models import Certificate
from questions.models import Question
from tests.certify.exams import exam_quiz, take_exam
from tests.conftest import login_in_browser
from tests.factories import questions_across_categories

pytestmark = pytest.mark.browser

SCREENS = Path("/tmp/certify-screens")


def shot(page, name: str) -> None:
    SCREENS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def bar_widths(page) -> list[float]:
    return page.eval_on_selector_all(
        "svg.bars rect.bar", "bars => bars.map(b => b.getBoundingClientRect().width)"
    )


def test_dashboard_bars_render_after_a_failing_then_a_passing_exam(
    live_asgi: str, page, learner: User, password: str
) -> None:
    bank = questions_across_categories(10, pool=Question.Pool.EXAM)
    exam = exam_quiz()
    raw = [q for q in bank if q.category_slug == "raw-events"]
    # Two days back: the retake cooldown after a failed exam is over by the second one.
    take_exam(learner, exam, wrong={raw[0].id}, at=timezone.now() - timedelta(days=2))
    login_in_browser(page, live_asgi, learner, password)

    page.goto(f"{live_asgi}/dashboard/")

    assert page.get_by_role("heading", name="✗ Not yet").is_visible()
    charts = page.locator("svg.bars")
    assert charts.count() == 6  # overall and five categories
    # Latest exam, best exam and the engine's estimate in every row, each with a real width.
    widths = bar_widths(page)
    assert len(widths) == 18
    assert all(width > 0 for width in widths)
    assert page.locator("svg.bars .whisker").count() == 6
    # The target line is drawn in every chart, at 85% of the plot (90% for overall).
    assert page.locator("svg.bars line.threshold").count() == 6
    raw_chart = page.locator('svg.bars[data-key="raw-events"]')
    assert "latest exam 50%" in (raw_chart.get_attribute("aria-label") or "")
    raw_latest = raw_chart.locator("rect.bar-latest").bounding_box()
    track = raw_chart.locator("rect.track").first.bounding_box()
    assert raw_latest
    assert track
    assert raw_latest["width"] == pytest.approx(track["width"] / 2, rel=0.05)
    # The recommendation links to the lesson; never to an exam item's own demo.
    link = page.get_by_role("link", name="Open lesson 02", exact=True)
    assert link.get_attribute("href") == "/lessons/raw-response-events/"
    assert page.locator("svg.history .point-below").count() == 1
    shot(page, "dashboard-not-yet-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "dashboard-not-yet-phone")
    # Nothing spills sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    take_exam(learner, exam)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_asgi}/dashboard/")

    assert page.get_by_role("heading", name="✓ Certified").is_visible()
    assert page.locator("svg.history .point-ready").count() == 1
    shot(page, "dashboard-certified-desktop")
    page.get_by_role("link", name="View your certificate").click()
    assert page.get_by_role("heading", name="✓ Valid").is_visible()
    shot(page, "certificate-verify-holder")


def test_a_stranger_verifies_prints_and_downloads_a_certificate(
    live_asgi: str, page, learner: User
) -> None:
    questions_across_categories(10, pool=Question.Pool.EXAM)
    take_exam(learner, exam_quiz())
    code = Certificate.objects.get().code

    page.goto(f"{live_asgi}/certificates/{code}/")

    assert page.get_by_role("heading", name="✓ Valid").is_visible()
    assert page.get_by_text("Ada Lovelace").is_visible()
    shot(page, "certificate-verify-stranger")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "certificate-verify-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Printable certificate").click()
    assert page.get_by_role("heading", name="Certificate of readiness").is_visible()
    shot(page, "certificate-print-screen")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    shot(page, "certificate-print-media")
    page.emulate_media(media="screen")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{code}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
