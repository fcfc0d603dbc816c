"""WCAG 2.2 AA in Chromium: axe-core on every page a learner or instructor reaches, at desktop
size, on a phone (390 x 844) and in dark mode at 200% zoom; no horizontal scrolling anywhere;
choice targets at least 44 px on the phone. One browser and one seeded database for the lot,
which also checks the findings a learner met there (the pass moment and its copy button, the
practice review by category, the dashboard's explanation, lesson 02's reply note and log).

Screenshots (phone and dark 200%) and the axe report land in test-artifacts/browser/ (gitignored).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certify.models import Certificate
from questions import services
from questions.models import Attempt, Question, Quiz
from tests.certify import exams
from tests.factories import QuizFactory, StaffFactory, UserFactory, questions_across_categories

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
LESSONS = [
    "basic-streaming",
    "raw-response-events",
    "run-item-events",
    "streaming-with-handoffs",
    "streaming-patterns",
]


@dataclass(frozen=True)
class Screen:
    name: str
    width: int
    height: int
    dark: bool = False
    # Where screenshots of the learner's key pages are kept (phone and zoomed).
    screenshots: bool = False
    # The lessons whose run is checked while it streams and once it is done (every lesson is
    # checked before its run); the others' runs are the same page parts.
    streams: tuple[str, ...] = ("raw-response-events",)
    # axe's rules to run: all of them, or (for a colour scheme of the same HTML) those that
    # depend on colours and layout.
    rules: tuple[str, ...] = ()


LAYOUT_AND_COLOUR = (
    "color-contrast",
    "link-in-text-block",
    "target-size",
    "scrollable-region-focusable",
    "meta-viewport",
    "meta-viewport-large",
)


SCREENS = [
    Screen("desktop", 1280, 900, streams=tuple(LESSONS)),
    Screen("phone", 390, 844, screenshots=True),
    # 200% zoom of a 1280 px window is a 640 px wide layout viewport.
    Screen("dark-zoom-200", 640, 450, dark=True, screenshots=True, rules=LAYOUT_AND_COLOUR),
]


@dataclass
class Site:
    learner: User
    instructor: User
    certificate: Certificate
    passed: Attempt
    failed: Attempt
    practice: Attempt
    open_exam: Attempt
    adaptive: Attempt


@dataclass
class Sweep:
    axe: Axe = field(default_factory=Axe)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def expect(self, screen: Screen, label: str, problems: list[str]) -> None:
        self.problems += [f"{screen.name} {label}: {problem}" for problem in problems]

    def check(self, page: Any, screen: Screen, label: str, *, shot: bool = False) -> None:
        """axe-core on the page as it is now, and no horizontal scrolling."""
        key = f"{screen.name} {label}"
        began = time.monotonic()
        # Every rule axe runs by default, and WCAG 2.2's target size (2.5.8), which it does not.
        options: dict[str, Any] = {
            "resultTypes": ["violations"],
            "rules": {"target-size": {"enabled": True}},
        }
        if screen.rules:
            options["runOnly"] = {"type": "rule", "values": list(screen.rules)}
        found = self.axe.run(page, options=options)
        took = time.monotonic() - began
        violations = found.response["violations"]
        self.results[key] = {
            "url": page.url,
            "axe_seconds": round(took, 2),
            "violations": [
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "nodes": [n["target"] for n in v["nodes"]][:5],
                }
                for v in violations
            ],
        }
        for violation in violations:
            targets = ", ".join(str(n["target"]) for n in violation["nodes"][:3])
            self.problems.append(
                f"{key}: {violation['id']} ({violation['impact']}) at {targets}: "
                f"{violation['help']}"
            )
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            self.problems.append(f"{key}: scrolls sideways by {overflow} px")
        if shot and screen.screenshots:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = label.replace(" ", "-").replace("/", "-")
            page.screenshot(path=ARTIFACTS / f"{screen.name}-{name}.png", full_page=True)


def seed() -> Site:
    exam_items = questions_across_categories(10, pool=Question.Pool.EXAM)
    questions_across_categories(10, pool=Question.Pool.PRACTICE)
    exam = exams.exam_quiz()
    learner = UserFactory.create(username="ada")
    instructor = StaffFactory.create(is_superuser=True)
    start = timezone.now() - timedelta(days=2)
    failed = exams.take_exam(
        learner, exam, wrong={q.id for q in exam_items[:4]}, at=start - timedelta(days=2)
    )
    passed = exams.take_exam(learner, exam, at=start)
    drill = QuizFactory.create(
        title="Practice drill", slug="practice-drill", shuffle_questions=False
    )
    practice, _ = services.attempt_start(user=learner, quiz=drill)
    first = practice.answers.order_by("position").values_list("question_id", flat=True)[0]
    exams.answer_all(learner, practice, wrong={first})
    practice, _ = services.attempt_submit(user=learner, attempt_id=practice.pk)
    adaptive_quiz = QuizFactory.create(
        title="Adaptive practice",
        slug="adaptive-practice",
        mode=Quiz.Mode.ADAPTIVE,
        feedback=Quiz.Feedback.IMMEDIATE,
    )
    adaptive, _ = services.attempt_start(user=learner, quiz=adaptive_quiz)
    open_exam, _ = services.attempt_start(user=learner, quiz=exam)
    return Site(
        learner=learner,
        instructor=instructor,
        certificate=Certificate.objects.get(attempt=passed),
        passed=passed,
        failed=failed,
        practice=practice,
        open_exam=open_exam,
        adaptive=adaptive,
    )


def session_cookie(user: User, base: str) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}


def new_page(browser: Any, screen: Screen, cookie: dict[str, str] | None) -> Any:
    context = browser.new_context(
        viewport={"width": screen.width, "height": screen.height},
        color_scheme="dark" if screen.dark else "light",
        reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    if cookie:
        context.add_cookies([cookie])
    return context.new_page()


def visit(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status < 400, f"{url} answered {response.status}"


def sweep_public(page: Any, base: str, site: Site, sweep: Sweep, screen: Screen) -> None:
    for label, path in [
        ("home", "/"),
        ("sign-up", "/accounts/signup/"),
        ("login", "/accounts/login/"),
        ("verification", site.certificate.get_absolute_url()),
    ]:
        visit(page, base + path)
        sweep.check(page, screen, label)


def sweep_lessons(page: Any, base: str, sweep: Sweep, screen: Screen) -> None:
    visit(page, f"{base}/lessons/")
    sweep.check(page, screen, "lessons list")
    for slug in LESSONS:
        visit(page, f"{base}/lessons/{slug}/")
        sweep.check(page, screen, f"lesson {slug} before")
        if slug not in screen.streams:
            continue
        page.get_by_role("button", name="Run").click()
        page.wait_for_function(
            "[...document.querySelectorAll('.output')].some(o => o.textContent.length > 0)"
        )
        sweep.check(page, screen, f"lesson {slug} during")
        page.wait_for_function(
            "document.querySelector('#run-status')?.textContent.match(/Done|Failed|Stopped/)"
        )
        sweep.check(page, screen, f"lesson {slug} after", shot=slug == "raw-response-events")
        if slug == "raw-response-events":
            sweep.expect(screen, f"lesson {slug} findings", lesson_findings(page))


def sweep_learner(page: Any, base: str, site: Site, sweep: Sweep, screen: Screen) -> None:
    exam = site.open_exam
    for label, path, shot in [
        ("quizzes", "/quizzes/", False),
        ("exam question", reverse("questions:attempt_question", args=[exam.pk, 1]), True),
        ("exam summary", reverse("questions:attempt_summary", args=[exam.pk]), True),
        ("results exam pass", reverse("questions:attempt_results", args=[site.passed.pk]), True),
        ("results exam fail", reverse("questions:attempt_results", args=[site.failed.pk]), False),
        ("results practice", reverse("questions:attempt_results", args=[site.practice.pk]), True),
        (
            "adaptive practice",
            reverse("questions:attempt_question", args=[site.adaptive.pk, 1]),
            False,
        ),
        ("dashboard", "/dashboard/", True),
        ("certificate", site.certificate.get_absolute_url(), False),
        ("account", "/accounts/me/", False),
    ]:
        visit(page, base + path)
        if label == "results practice":
            page.locator("summary.review-group-summary").first.click()
        if label == "dashboard":
            page.locator("#estimate-explained summary").click()
        sweep.check(page, screen, label, shot=shot)
        if label in FINDINGS:
            sweep.expect(screen, f"{label} findings", FINDINGS[label](page))
        if label == "exam question" and screen.name == "phone":
            heights = page.locator(".choice label").evaluate_all(
                "labels => labels.map(l => l.getBoundingClientRect().height)"
            )
            small = [h for h in heights if h < 44]
            if small:
                sweep.problems.append(f"phone exam question: choice targets {small} px < 44 px")


def pass_moment_findings(page: Any) -> list[str]:
    """The results of a passed exam say so, and give the certificate, its PDF, its public URL
    (copied by its button) and the badge."""
    problems = []
    moment = page.locator(".certificate-earned")
    if "You passed: your certificate is issued" not in moment.inner_text():
        problems.append("the pass moment is not said")
    for name in ("View the certificate", "Download the PDF", "Download the badge (PNG)"):
        if not moment.get_by_role("link", name=name).is_visible():
            problems.append(f"no {name!r} link")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    moment.get_by_role("button", name="Copy link").click()
    page.wait_for_function("document.querySelector('[data-copy-status]').textContent !== ''")
    copied = page.evaluate("navigator.clipboard.readText()")
    if copied != page.locator("#verify-url").input_value() or "/certificates/" not in copied:
        problems.append(f"the copy button copied {copied!r}")
    return problems


def practice_findings(page: Any) -> list[str]:
    """Practice results: one collapsed group per category, score in the summary, missed first."""
    groups = page.locator("details.review-group")
    summaries = page.locator("summary.review-group-summary").all_inner_texts()
    problems = []
    if groups.count() != 5 or not all(" right" in text for text in summaries):
        problems.append(f"review groups: {summaries}")
    # The sweep opened the first one; the others stay closed, their questions unseen.
    if page.locator("details.review-group[open]").count() != 1:
        problems.append("more than the opened category is open")
    first = groups.first.locator(".review-item .badge").all_inner_texts()
    if first and "Wrong" not in first[0]:
        problems.append(f"the missed question is not first: {first}")
    return problems


def dashboard_findings(page: Any) -> list[str]:
    text = page.locator("#estimate-explained").inner_text()
    wanted = ("Estimate", "Chance of passing", "What they rest on", "questions you have answered")
    return [f"the explanation lacks {word!r}" for word in wanted if word not in text]


def lesson_findings(page: Any) -> list[str]:
    """Lesson 02 after a run: the offline note beside the reply, the deltas in the log as one
    collapsed row, the timing note in its own section."""
    problems = []
    if not page.locator("#offline-reply-note").is_visible():
        problems.append("no offline-model note beside the reply")
    row = page.locator("#event-log .log-group").first
    summary = row.locator("summary").inner_text()
    deltas = row.locator(".log-delta").count()
    if "response.output_text.delta" not in summary or f"\u00d7 {deltas} events" not in summary:
        problems.append(f"delta row: {summary!r} with {deltas} inside")
    if row.locator("details[open]").count():
        problems.append("the delta row is open")
    note = page.locator(".run-notes .note").first.inner_text()
    if "First raw event after" not in note:
        problems.append(f"timing note: {note!r}")
    return problems


FINDINGS = {
    "results exam pass": pass_moment_findings,
    "results practice": practice_findings,
    "dashboard": dashboard_findings,
}


def sweep_instructor(page: Any, base: str, site: Site, sweep: Sweep, screen: Screen) -> None:
    question = Question.objects.order_by("id").first()
    assert question is not None
    for label, path in [
        ("runs", "/lessons/runs/"),
        ("admin bank", "/admin/questions/question/"),
        ("admin question", f"/admin/questions/question/{question.pk}/change/"),
        ("admin question preview", f"/admin/questions/question/{question.pk}/preview/"),
        ("admin bank import", "/admin/questions/question/import/"),
        ("admin time accommodation", "/admin/questions/timeaccommodation/add/"),
    ]:
        visit(page, base + path)
        sweep.check(page, screen, label)


@pytest.fixture
def browser(_chromium: Any) -> Any:
    """The session's Chromium, for tests that open their own contexts (sizes, colour schemes)."""
    return _chromium


def test_every_page_has_no_axe_violation_and_no_sideways_scroll_on_desktop_phone_and_zoom(
    live_asgi: str, browser: Any, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the `page` fixture does: the ORM calls between page actions are plain sync calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.LESSONS_OFFLINE_FIRST_TOKEN_DELAY = 0.1
    settings.LESSONS_OFFLINE_TOKEN_DELAY = 0.02
    site = seed()
    sweep = Sweep()
    started = time.monotonic()
    learner = session_cookie(site.learner, live_asgi)
    instructor = session_cookie(site.instructor, live_asgi)
    for screen in SCREENS:
        for cookie, part in [
            (None, sweep_public),
            (learner, sweep_learner),
            (instructor, sweep_instructor),
        ]:
            page = new_page(browser, screen, cookie)
            try:
                part(page, live_asgi, site, sweep, screen)
            finally:
                page.context.close()
        page = new_page(browser, screen, learner)
        try:
            sweep_lessons(page, live_asgi, sweep, screen)
        finally:
            page.context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = {"problems": sweep.problems, "pages": sweep.results}
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=2))
    print(f"axe: {len(sweep.results)} page checks in {time.monotonic() - started:.1f} s")
    assert not sweep.problems, "\n".join(sweep.problems)
