"""An LMS launch in Chromium: the login step's cookie check runs its script, the platform's
page posts the id_token back, the learner lands on the quiz and starts it; a refused launch
reads clearly. Screenshots go to /tmp/certify-screens/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User

from questions.models import Attempt, Question
from tests.certify.exams import exam_quiz
from tests.factories import questions_across_categories
from tests.integrations import platform
from tests.integrations.platform import PLATFORM

pytestmark = pytest.mark.browser

SCREENS = Path("/tmp/certify-screens")


def shot(page, name: str) -> None:
    SCREENS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def login_url(base: str, registration_uuid: str, login_hint: str) -> str:
    params = {
        "iss": platform.ISSUER,
        "login_hint": login_hint,
        "target_link_uri": f"{base}/lti/launch/",
        "client_id": platform.CLIENT_ID,
        "lti_deployment_id": platform.DEPLOYMENT_ID,
    }
    return f"{base}/lti/login/{registration_uuid}/?{urlencode(params)}"


@pytest.fixture
def lms(live_asgi: str, settings):
    settings.ROOT_URLCONF = "tests.integrations.platform_urls"
    settings.SITE_URL = live_asgi
    return platform.register(live_asgi)


def test_a_learner_launches_from_the_lms_and_starts_the_exam(live_asgi: str, page, lms) -> None:
    questions_across_categories(10, pool=Question.Pool.EXAM)
    quiz = exam_quiz()
    PLATFORM.launches["sub-grace"] = {
        "given_name": "Grace",
        "family_name": "Hopper",
        platform.LTI + "custom": {"certify": f"quiz:{quiz.slug}"},
        platform.AGS: PLATFORM.ags(),
    }

    page.goto(login_url(live_asgi, str(lms.uuid), "sub-grace"))
    page.wait_for_url(f"{live_asgi}/lti/quiz/{quiz.slug}/")

    assert page.get_by_role("heading", name="Certification exam").is_visible()
    assert page.get_by_text("Your score goes to your course's gradebook").is_visible()
    shot(page, "lti-quiz-landing")
    page.get_by_role("button", name="Start Certification exam").click()
    page.wait_for_url(f"{live_asgi}/quizzes/attempts/**")
    assert Attempt.objects.get().user == User.objects.get(first_name="Grace")


def test_a_refused_launch_says_why(live_asgi: str, page, lms) -> None:
    PLATFORM.launches["sub-eve"] = {platform.LTI + "deployment_id": "not-registered"}

    page.goto(login_url(live_asgi, str(lms.uuid), "sub-eve"))
    page.wait_for_url(f"{live_asgi}/lti/launch/")

    assert page.get_by_role("heading", name="certify could not open from your course").is_visible()
    assert page.get_by_text("This deployment is not registered in certify").is_visible()
    shot(page, "lti-refused")
    assert not User.objects.exists()


def test_an_instructor_picks_a_quiz_for_the_course(live_asgi: str, page, lms) -> None:
    questions_across_categories(10, pool=Question.Pool.EXAM)
    quiz = exam_quiz()
    PLATFORM.launches["sub-teacher"] = {
        platform.LTI + "message_type": "LtiDeepLinkingRequest",
        platform.LTI + "resource_link": None,
        platform.LTI + "roles": [platform.INSTRUCTOR],
        platform.DL + "deep_linking_settings": {
            "deep_link_return_url": f"{live_asgi}/platform/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
        },
    }

    page.goto(login_url(live_asgi, str(lms.uuid), "sub-teacher"))
    page.wait_for_url(f"{live_asgi}/lti/deep-link/")
    shot(page, "lti-deep-link")
    page.get_by_label("Quiz: Certification exam (graded)").check()
    page.get_by_role("button", name="Add to the course").click()
    page.wait_for_url(f"{live_asgi}/platform/deep-link-return")

    (message,) = PLATFORM.deep_links
    (item,) = message[platform.DL + "content_items"]
    assert item["custom"] == {"certify": f"quiz:{quiz.slug}"}
