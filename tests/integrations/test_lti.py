"""The LTI 1.3 tool end to end against the platform emulator on the live server: login,
launch, deep linking, an exam, grade passback; and every bad token refused with nothing saved."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from lti_tool.models import Key, LtiContext, LtiDeployment, LtiRegistration, LtiUser

from certify.models import Certificate
from integrations.models import GradePassback
from integrations.services.grades import grade_passbacks_send_due
from questions import services
from questions.models import Attempt, Question, Quiz
from tests.certify import exams
from tests.factories import questions_across_categories
from tests.integrations import platform
from tests.integrations.platform import PLATFORM

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lms(live_asgi: str, settings) -> LtiRegistration:
    """A registered platform (the emulator) with an active deployment, and the tool's key."""
    settings.ROOT_URLCONF = "tests.integrations.platform_urls"
    settings.SITE_URL = live_asgi
    return platform.register(live_asgi)


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=20) as client:
        yield client


@pytest.fixture
def exam_quiz(db) -> Quiz:
    questions_across_categories(10, pool=Question.Pool.EXAM)
    return exams.exam_quiz()


def learner_launch(slug: str, **extra: Any) -> dict[str, Any]:
    return {
        "given_name": "Grace",
        "family_name": "Hopper",
        "email": "grace@lms.example",
        platform.LTI + "custom": {"certify": f"quiz:{slug}"},
        platform.AGS: PLATFORM.ags(),
        **extra,
    }


def csrf_post(browser: httpx.Client, page: httpx.Response, url: str, **data: str) -> httpx.Response:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return browser.post(url, data={"csrfmiddlewaretoken": token, **data}, headers={"Referer": url})


def test_a_learner_launches_into_the_exam_and_the_grade_reaches_the_gradebook(
    lms: LtiRegistration, browser: httpx.Client, exam_quiz: Quiz, live_asgi: str
) -> None:
    PLATFORM.launches["sub-grace"] = learner_launch(exam_quiz.slug)

    landed = platform.launch(browser, str(lms.uuid), "sub-grace")

    assert landed.status_code == 302
    assert landed.headers["location"] == f"/lti/quiz/{exam_quiz.slug}/"
    # The platform's origins (its issuer's and its authorization URL's) may frame certify.
    assert (
        f"frame-ancestors 'self' {live_asgi} https://lms.example"
        in (landed.headers["content-security-policy"])
    )
    page = browser.get(f"{live_asgi}/lti/quiz/{exam_quiz.slug}/")
    assert page.status_code == 200
    assert "Start Certification exam" in page.text
    # Framed by the registered platform only: no DENY, and CSP names the LMS.
    assert "x-frame-options" not in page.headers
    assert "https://lms.example" in page.headers["content-security-policy"]
    started = csrf_post(browser, page, f"{live_asgi}/quizzes/{exam_quiz.slug}/start/")
    assert started.status_code == 302

    user = User.objects.get(lti_users__sub="sub-grace")
    assert (user.first_name, user.last_name, user.email) == ("Grace", "Hopper", "grace@lms.example")
    assert not user.has_usable_password()
    attempt = Attempt.objects.get(user=user)
    exams.answer_all(user, attempt)
    services.attempt_submit(user=user, attempt_id=attempt.pk)

    (score,) = PLATFORM.scores
    assert score["lineitem"] == 7
    assert score["userId"] == "sub-grace"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (10, 10)
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    passback = GradePassback.objects.get()
    assert passback.status == GradePassback.Status.SENT
    assert passback.tries == 1
    assert Certificate.objects.get().holder_name == "Grace Hopper"


def test_a_link_without_a_column_gets_one_made_and_reused(
    lms: LtiRegistration, browser: httpx.Client, exam_quiz: Quiz
) -> None:
    PLATFORM.launches["sub-grace"] = learner_launch(
        exam_quiz.slug, **{platform.AGS: PLATFORM.ags(lineitem=None)}
    )
    platform.launch(browser, str(lms.uuid), "sub-grace")
    user = User.objects.get(lti_users__sub="sub-grace")

    exams.take_exam(user, exam_quiz)
    exams.take_exam(user, exam_quiz, at=timezone.now() + timedelta(days=30))

    (column,) = PLATFORM.columns
    assert column["label"] == "certify: Certification exam"
    assert column["scoreMaximum"] == 100
    assert column["resourceLinkId"] == "link-1"
    assert [score["lineitem"] for score in PLATFORM.scores] == [100, 100]


def test_the_same_platform_user_is_the_same_learner_and_email_alone_matches_nothing(
    lms: LtiRegistration, browser: httpx.Client, exam_quiz: Quiz
) -> None:
    User.objects.create_user("someone", email="grace@lms.example", password="x" * 12)
    PLATFORM.launches["sub-grace"] = learner_launch(exam_quiz.slug)

    platform.launch(browser, str(lms.uuid), "sub-grace")
    with httpx.Client(timeout=20) as second_browser:
        platform.launch(second_browser, str(lms.uuid), "sub-grace")

    assert User.objects.count() == 2
    linked = LtiUser.objects.get().auth_user
    assert linked is not None
    assert re.fullmatch(r"grace-hopper-[0-9a-f]{6}", linked.username)


def test_a_lesson_link_lands_in_the_lesson(
    lms: LtiRegistration, browser: httpx.Client, exam_quiz: Quiz
) -> None:
    PLATFORM.launches["sub-ada"] = {platform.LTI + "custom": {"certify": "lesson:basic-streaming"}}

    landed = platform.launch(browser, str(lms.uuid), "sub-ada")

    assert landed.headers["location"] == "/lessons/basic-streaming/"


def test_an_instructor_deep_links_a_quiz_into_the_course(
    lms: LtiRegistration, browser: httpx.Client, exam_quiz: Quiz, live_asgi: str
) -> None:
    PLATFORM.launches["sub-teacher"] = {
        platform.LTI + "message_type": "LtiDeepLinkingRequest",
        platform.LTI + "resource_link": None,
        platform.LTI + "roles": [platform.INSTRUCTOR],
        platform.DL + "deep_linking_settings": {
            "deep_link_return_url": f"{live_asgi}/platform/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
        },
    }

    landed = platform.launch(browser, str(lms.uuid), "sub-teacher")
    assert landed.headers["location"] == "/lti/deep-link/"
    picker = browser.get(f"{live_asgi}/lti/deep-link/")
    assert "Quiz: Certification exam (graded)" in picker.text
    chosen = csrf_post(
        browser, picker, f"{live_asgi}/lti/deep-link/", item=f"quiz:{exam_quiz.slug}"
    )
    action, fields = platform.form_fields(chosen.text)
    assert action == f"{live_asgi}/platform/deep-link-return"
    returned = httpx.post(action, data=fields, timeout=20)

    assert returned.json() == {"received": 1}
    (message,) = PLATFORM.deep_links
    (item,) = message[platform.DL + "content_items"]
    assert item["custom"] == {"certify": f"quiz:{exam_quiz.slug}"}
    assert item["lineItem"]["scoreMaximum"] == 100
    assert item["url"] == f"{live_asgi}/lti/launch/"


def test_a_learner_cannot_deep_link(
    lms: LtiRegistration, browser: httpx.Client, exam_quiz: Quiz, live_asgi: str
) -> None:
    PLATFORM.launches["sub-learner"] = {
        platform.LTI + "message_type": "LtiDeepLinkingRequest",
        platform.LTI + "resource_link": None,
        platform.DL + "deep_linking_settings": {
            "deep_link_return_url": f"{live_asgi}/platform/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
        },
    }

    refused = platform.launch(browser, str(lms.uuid), "sub-learner")

    assert refused.status_code == 404
    assert "Only a course&#x27;s instructors" in refused.text
    assert not LtiUser.objects.exists()


def test_a_failed_passback_is_retried_with_backoff_and_recorded(
    lms: LtiRegistration, browser: httpx.Client, exam_quiz: Quiz
) -> None:
    PLATFORM.launches["sub-grace"] = learner_launch(exam_quiz.slug)
    platform.launch(browser, str(lms.uuid), "sub-grace")
    user = User.objects.get(lti_users__sub="sub-grace")
    PLATFORM.fail_scores = 1

    exams.take_exam(user, exam_quiz)

    passback = GradePassback.objects.get()
    assert passback.status == GradePassback.Status.PENDING
    assert passback.tries == 1
    assert "503" in passback.last_error
    assert passback.next_try_at is not None
    assert PLATFORM.scores == []
    assert grade_passbacks_send_due() == []  # not due for a minute
    (sent,) = grade_passbacks_send_due(now=passback.next_try_at)
    assert sent.status == GradePassback.Status.SENT
    assert sent.tries == 2
    assert len(PLATFORM.scores) == 1


# Bad tokens: each refused with a page that says why, and nothing saved.


def saved() -> tuple[int, ...]:
    return (
        User.objects.count(),
        LtiUser.objects.count(),
        LtiContext.objects.count(),
        LtiDeployment.objects.count(),
    )


def forged_launch(
    browser: httpx.Client, lms: LtiRegistration, *, key: Any = None, **changes: Any
) -> httpx.Response:
    """The login step for real, then an id_token the test writes (signed as asked)."""
    params = platform.auth_params(platform.login_step(browser, str(lms.uuid), "sub-eve"))
    nonce = changes.pop("nonce", params["nonce"])
    claims = PLATFORM.claims(nonce=nonce, login_hint="sub-eve", **changes)
    token = PLATFORM.sign(claims, key)
    return browser.post(params["redirect_uri"], data={"id_token": token, "state": params["state"]})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"key": "other"}, "not signed by the key this platform registered"),
        ({"aud": "some-other-client"}, "no registration for this platform and client ID"),
        ({"exp": int(time.time()) - 60}, "The launch has expired"),
        ({platform.LTI + "deployment_id": "unknown"}, "This deployment is not registered"),
        ({"nonce": "made-up"}, "was not started by certify"),
        ({"iat": None}, "missing a claim"),
    ],
)
def test_a_bad_token_is_refused_clearly_and_saves_nothing(
    lms: LtiRegistration,
    browser: httpx.Client,
    exam_quiz: Quiz,
    changes: dict[str, Any],
    reason: str,
) -> None:
    before = saved()
    if changes.pop("key", None):
        changes["key"] = platform.new_key()

    refused = forged_launch(browser, lms, **changes)

    assert refused.status_code == 403
    assert reason in refused.text.replace("&#x27;", "'")
    assert "Nothing was saved" in refused.text
    assert saved() == before
    assert "sessionid" not in browser.cookies


def test_a_replayed_launch_is_refused_and_saves_nothing_more(
    lms: LtiRegistration, browser: httpx.Client, exam_quiz: Quiz
) -> None:
    PLATFORM.launches["sub-grace"] = learner_launch(exam_quiz.slug)
    redirect = platform.login_step(browser, str(lms.uuid), "sub-grace")
    page = browser.get(redirect.headers["location"])
    action, fields = platform.form_fields(page.text)
    assert browser.post(action, data=fields).status_code == 302
    after_first = saved()

    with httpx.Client(timeout=20) as attacker:
        attacker.cookies.update(
            {k: v for k, v in browser.cookies.items() if k.startswith("lti1p3")}
        )
        replayed = attacker.post(action, data=fields)

    assert replayed.status_code == 403
    assert "already been used" in replayed.text
    assert saved() == after_first


def test_an_unknown_login_address_is_refused(live_asgi: str, lms: LtiRegistration) -> None:
    response = httpx.get(f"{live_asgi}/lti/login/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 403
    assert "no active registration" in response.text


def test_the_jwks_publishes_the_tool_key_made_by_the_command(
    lms: LtiRegistration, live_asgi: str
) -> None:
    keys = httpx.get(f"{live_asgi}/lti/jwks.json").json()["keys"]

    assert len(keys) == Key.objects.active().count() == 1
    assert keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]
    assert jwt.PyJWK(keys[0]).key_type == "RSA"


def test_without_a_tool_key_the_login_says_what_to_do(
    lms: LtiRegistration, browser: httpx.Client
) -> None:
    Key.objects.all().delete()

    refused = platform.login_step(browser, str(lms.uuid), "sub-grace")

    assert refused.status_code == 503
    assert "manage.py rotate_keys" in refused.text
    assert not LtiUser.objects.exists()


def test_the_deep_link_page_without_a_launch_says_where_to_start(client: Client) -> None:
    client.force_login(User.objects.create_user("teacher"))

    page = client.get("/lti/deep-link/")

    assert page.status_code == 403
    assert "add content" in page.content.decode()
