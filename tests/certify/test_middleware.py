"""Each async-native middleware behaves as the stock class it extends.

The same requests go through the project's stack twice: once as it is, once with one of our
classes swapped for the Django (or WhiteNoise) class it extends. Status, headers, cookies (their
attributes; random values masked) and bodies must match, so a Django upgrade that changes a stock
class fails here instead of silently diverging from ours.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookies import Morsel
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.test import AsyncClient, override_settings
from django.urls import path
from django.views.decorators.clickjacking import (
    xframe_options_exempt,
    xframe_options_sameorigin,
)
from django.views.decorators.csrf import csrf_exempt

from tests.factories import DEFAULT_PASSWORD, UserFactory

# The stock class each of ours extends.
STOCK = {
    "certify.middleware.SecurityMiddleware": "django.middleware.security.SecurityMiddleware",
    "certify.middleware.StaticFilesMiddleware": "whitenoise.middleware.WhiteNoiseMiddleware",
    "certify.middleware.SessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
    "certify.middleware.CommonMiddleware": "django.middleware.common.CommonMiddleware",
    "certify.middleware.CsrfViewMiddleware": "django.middleware.csrf.CsrfViewMiddleware",
    "certify.middleware.AuthenticationMiddleware": (
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    ),
    "certify.middleware.MessageMiddleware": "django.contrib.messages.middleware.MessageMiddleware",
    "certify.middleware.XFrameOptionsMiddleware": (
        "django.middleware.clickjacking.XFrameOptionsMiddleware"
    ),
    "certify.middleware.PrometheusBeforeMiddleware": (
        "django_prometheus.middleware.PrometheusBeforeMiddleware"
    ),
    "certify.middleware.PrometheusAfterMiddleware": (
        "django_prometheus.middleware.PrometheusAfterMiddleware"
    ),
    "certify.middleware.CSPMiddleware": "csp.middleware.CSPMiddleware",
}
# certify's own, with no stock class (tested in test_logs.py and test_in_flight.py).
OWN = {"certify.middleware.RequestLogMiddleware", "certify.middleware.InFlightLimitMiddleware"}


# A small site that exercises every middleware.


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("plain")


@xframe_options_exempt
def framed_anywhere(request: HttpRequest) -> HttpResponse:
    return HttpResponse("exempt")


@xframe_options_sameorigin
def framed_same_origin(request: HttpRequest) -> HttpResponse:
    return HttpResponse("same origin")


def preset_frame_header(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("preset")
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def session_count(request: HttpRequest) -> HttpResponse:
    count = request.session.get("count", 0) + 1
    request.session["count"] = count
    return HttpResponse(str(count))


def session_read(request: HttpRequest) -> HttpResponse:
    return HttpResponse(repr(request.session.get("count")))


def session_flush(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return HttpResponse("flushed")


def who(request: HttpRequest) -> HttpResponse:
    user = request.user
    return HttpResponse(f"{user.get_username() or 'anonymous'} {user.is_authenticated}")


def sign_in(request: HttpRequest) -> HttpResponse:
    user = authenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    if user is None:
        return HttpResponse("refused", status=401)
    login(request, user)
    return HttpResponse("signed in")


def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponse("signed out")


def form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return HttpResponse("accepted")
    get_token(request)
    return HttpResponse("form")


@csrf_exempt
def exempt_form(request: HttpRequest) -> HttpResponse:
    return HttpResponse("exempt accepted")


def with_nonce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"<script nonce={request.csp_nonce}></script>")  # type: ignore[attr-defined]


def policy_replaced(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("replaced")
    response._csp_replace = {"frame-ancestors": ["'self'", "https://lms.example"]}  # type: ignore[attr-defined]
    return response


def message_add(request: HttpRequest) -> HttpResponse:
    for number in range(int(request.GET.get("n", "1"))):
        messages.info(request, f"Message {number}: " + "x" * int(request.GET.get("size", "10")))
    return HttpResponseRedirect("/mw/messages/")


def message_show(request: HttpRequest) -> HttpResponse:
    return HttpResponse(" | ".join(str(message) for message in messages.get_messages(request)))


urlpatterns = [
    path("mw/plain/", plain),
    path("mw/exempt/", framed_anywhere),
    path("mw/sameorigin/", framed_same_origin),
    path("mw/preset/", preset_frame_header),
    path("mw/session/count/", session_count),
    path("mw/session/read/", session_read),
    path("mw/session/flush/", session_flush),
    path("mw/who/", who),
    path("mw/sign-in/", sign_in),
    path("mw/sign-out/", sign_out),
    path("mw/form/", form),
    path("mw/exempt-form/", exempt_form),
    path("mw/messages/add/", message_add),
    path("mw/messages/", message_show),
    path("mw/nonce/", with_nonce),
    path("mw/csp-replaced/", policy_replaced),
]


# Running the same steps through two stacks.


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    data: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    secure: bool = False
    # Send the CSRF cookie's value back as the form's token.
    with_token: bool = False


# Cookie values that are random per run; their presence and attributes are still compared.
RANDOM_COOKIES = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


def _cookie(morsel: Morsel[str]) -> dict[str, str]:
    shown = {key: str(value) for key, value in morsel.items() if value and key != "expires"}
    shown["value"] = "<random>" if morsel.key in RANDOM_COOKIES and morsel.value else morsel.value
    shown["expires"] = "set" if morsel["expires"] else ""
    return shown


async def _body(response: HttpResponseBase) -> bytes:
    if not response.streaming:
        return response.content  # type: ignore[attr-defined]  # not streaming
    if response.is_async:  # type: ignore[attr-defined]  # StreamingHttpResponse
        return b"".join([chunk async for chunk in response.streaming_content])  # type: ignore[attr-defined]  # StreamingHttpResponse
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]  # StreamingHttpResponse


async def _shape(response: HttpResponseBase) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "headers": sorted(
            (name.lower(), value)
            for name, value in response.items()
            # A new request id each time (certify's own request log adds it).
            if name not in ("Set-Cookie", "X-Request-ID")
        ),
        "cookies": {name: _cookie(morsel) for name, morsel in sorted(response.cookies.items())},
        "body": await _body(response),
    }


async def _walk(steps: Sequence[Step]) -> list[dict[str, Any]]:
    client = AsyncClient(enforce_csrf_checks=True)
    shapes = []
    for step in steps:
        data = dict(step.data)
        if step.with_token and settings.CSRF_COOKIE_NAME in client.cookies:
            data["csrfmiddlewaretoken"] = client.cookies[settings.CSRF_COOKIE_NAME].value
        call = client.post if step.method == "POST" else getattr(client, step.method.lower())
        kwargs: dict[str, Any] = {"secure": step.secure, "headers": step.headers}
        response = await (call(step.path, data, **kwargs) if data else call(step.path, **kwargs))
        shapes.append(await _shape(response))
    return shapes


def _through(middleware: list[str], steps: Sequence[Step]) -> list[dict[str, Any]]:
    with override_settings(MIDDLEWARE=middleware):
        return async_to_sync(_walk)(steps)


def assert_same_as_stock(ours: str, steps: Sequence[Step]) -> list[dict[str, Any]]:
    """Run `steps` through the project's stack and through it with `ours` swapped for its
    stock class; return our shapes once they match."""
    assert ours in settings.MIDDLEWARE
    stock = [STOCK[path] if path == ours else path for path in settings.MIDDLEWARE]
    # Signed cookies carry the second they were signed in; both runs sign in the same one.
    stamp = signing.b62_encode(int(time.time()))
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=stamp):
        expected = _through(stock, steps)
        actual = _through(list(settings.MIDDLEWARE), steps)
    assert actual == expected
    return actual


pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


def test_every_wrapped_middleware_has_a_stock_class_and_extends_it() -> None:
    from django.utils.module_loading import import_string

    ours = [
        dotted
        for dotted in settings.MIDDLEWARE
        if dotted.startswith("certify.middleware.") and dotted not in OWN
    ]
    assert sorted(ours) == sorted(STOCK)
    for dotted in ours:
        assert issubclass(import_string(dotted), import_string(STOCK[dotted]))


def test_security_headers_and_ssl_redirect_match_the_stock_class(settings) -> None:
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^mw/preset/"]
    settings.SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    shapes = assert_same_as_stock(
        "certify.middleware.SecurityMiddleware",
        [
            Step("GET", "/mw/plain/"),
            Step("GET", "/mw/preset/"),
            Step("GET", "/mw/plain/", secure=True),
        ],
    )
    assert shapes[0]["status"] == 301
    assert ("strict-transport-security", "max-age=3600; includeSubDomains; preload") in shapes[2][
        "headers"
    ]


def test_static_files_match_whitenoise(settings) -> None:
    get = Step("GET", "/static/css/site.css")
    shapes = assert_same_as_stock(
        "certify.middleware.StaticFilesMiddleware",
        [
            get,
            Step("HEAD", "/static/css/site.css"),
            Step("GET", "/static/css/site.css", headers={"Range": "bytes=0-9"}),
            Step("GET", "/static/css/no-such-file.css"),
            Step("GET", "/mw/plain/"),
        ],
    )
    assert shapes[0]["status"] == 200
    assert b".site-header" in shapes[0]["body"]
    assert shapes[1]["body"] == b""
    assert shapes[2]["status"] == 206
    assert len(shapes[2]["body"]) == 10
    assert shapes[3]["status"] == 404
    etag = dict(shapes[0]["headers"])["etag"]
    revalidated = assert_same_as_stock(
        "certify.middleware.StaticFilesMiddleware",
        [Step("GET", "/static/css/site.css", headers={"If-None-Match": etag})],
    )
    assert revalidated[0]["status"] == 304


def test_sessions_match_the_stock_class() -> None:
    shapes = assert_same_as_stock(
        "certify.middleware.SessionMiddleware",
        [
            Step("GET", "/mw/session/read/"),
            Step("GET", "/mw/session/count/"),
            Step("GET", "/mw/session/count/"),
            Step("GET", "/mw/session/read/"),
            Step("GET", "/mw/session/flush/"),
            Step("GET", "/mw/session/read/"),
        ],
    )
    assert [shape["body"] for shape in shapes] == [b"None", b"1", b"2", b"2", b"flushed", b"None"]
    assert shapes[0]["cookies"] == {}
    assert shapes[4]["cookies"][settings.SESSION_COOKIE_NAME]["value"] == ""


def test_sessions_saved_on_every_request_match_the_stock_class(settings) -> None:
    settings.SESSION_SAVE_EVERY_REQUEST = True
    assert_same_as_stock(
        "certify.middleware.SessionMiddleware",
        [Step("GET", "/mw/session/count/"), Step("GET", "/mw/session/read/")],
    )


def test_common_middleware_matches_the_stock_class(settings) -> None:
    settings.DISALLOWED_USER_AGENTS = [re.compile(r"^BadBot")]
    shapes = assert_same_as_stock(
        "certify.middleware.CommonMiddleware",
        [
            Step("GET", "/mw/plain"),
            Step("GET", "/mw/plain/?a=1"),
            Step("GET", "/mw/plain/", headers={"User-Agent": "BadBot/1.0"}),
            Step("GET", "/mw/nowhere"),
        ],
    )
    assert shapes[0]["status"] == 301
    assert shapes[2]["status"] == 403


def test_csrf_matches_the_stock_class(settings) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    shapes = assert_same_as_stock(
        "certify.middleware.CsrfViewMiddleware",
        [
            Step("POST", "/mw/form/", {"a": "1"}),
            Step("GET", "/mw/form/"),
            Step("POST", "/mw/form/", {"a": "1"}),
            Step("POST", "/mw/form/", {"a": "1"}, with_token=True),
            Step("POST", "/mw/form/", {"a": "1", "csrfmiddlewaretoken": "x" * 32}),
            Step("POST", "/mw/exempt-form/", {"a": "1"}),
            Step(
                "POST",
                "/mw/form/",
                {"a": "1"},
                headers={"Referer": "https://evil.example/"},
                secure=True,
                with_token=True,
            ),
        ],
    )
    assert [shape["status"] for shape in shapes] == [403, 200, 403, 200, 403, 200, 403]


def test_authentication_matches_the_stock_class(learner_password_user: str) -> None:
    username = learner_password_user
    shapes = assert_same_as_stock(
        "certify.middleware.AuthenticationMiddleware",
        [
            Step("GET", "/mw/who/"),
            Step("POST", "/mw/sign-in/", {"username": username, "password": "wrong"}),
            Step("GET", "/mw/form/"),
            Step(
                "POST",
                "/mw/sign-in/",
                {"username": username, "password": DEFAULT_PASSWORD},
                with_token=True,
            ),
            Step("GET", "/mw/who/"),
            Step("GET", "/mw/sign-out/"),
            Step("GET", "/mw/who/"),
        ],
    )
    bodies = [shape["body"] for shape in shapes]
    assert bodies[4] == f"{username} True".encode()
    assert bodies[6] == b"anonymous False"


def test_messages_match_the_stock_class() -> None:
    shapes = assert_same_as_stock(
        "certify.middleware.MessageMiddleware",
        [
            Step("GET", "/mw/messages/"),
            Step("GET", "/mw/messages/add/?n=2"),
            Step("GET", "/mw/messages/"),
            Step("GET", "/mw/messages/"),
            # More than a cookie holds: the rest spills into the session.
            Step("GET", "/mw/messages/add/?n=8&size=600"),
            Step("GET", "/mw/messages/"),
            Step("GET", "/mw/messages/"),
        ],
    )
    assert shapes[2]["body"] == b"Message 0: xxxxxxxxxx | Message 1: xxxxxxxxxx"
    assert shapes[3]["body"] == b""
    assert shapes[5]["body"].count(b"Message") == 8
    assert shapes[6]["body"] == b""


def test_clickjacking_header_matches_the_stock_class(settings) -> None:
    for setting in ("DENY", "SAMEORIGIN"):
        settings.X_FRAME_OPTIONS = setting
        shapes = assert_same_as_stock(
            "certify.middleware.XFrameOptionsMiddleware",
            [
                Step("GET", "/mw/plain/"),
                Step("GET", "/mw/exempt/"),
                Step("GET", "/mw/sameorigin/"),
                Step("GET", "/mw/preset/"),
            ],
        )
        assert ("x-frame-options", setting) in shapes[0]["headers"]
        assert all(name != "x-frame-options" for name, _ in shapes[1]["headers"])


def test_the_content_security_policy_matches_the_stock_class() -> None:
    shapes = assert_same_as_stock(
        "certify.middleware.CSPMiddleware",
        [Step("GET", "/mw/plain/"), Step("GET", "/mw/csp-replaced/"), Step("GET", "/mw/nowhere/")],
    )
    policy = dict(shapes[0]["headers"])["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert (
        "frame-ancestors 'self' https://lms.example"
        in dict(shapes[1]["headers"])["content-security-policy"]
    )


def test_the_nonce_is_the_one_the_policy_names() -> None:
    shapes = _through(list(settings.MIDDLEWARE), [Step("GET", "/mw/nonce/")])
    nonce = re.search(rb"nonce=(\S+)></script>", shapes[0]["body"])
    assert nonce
    policy = dict(shapes[0]["headers"])["content-security-policy"]
    assert f"script-src 'self' 'nonce-{nonce.group(1).decode()}'" in policy


def test_every_middleware_runs_on_the_event_loop() -> None:
    """No middleware in the stack makes Django adapt it to a thread (allauth's own is
    async-native; the rest are certify's)."""
    from django.utils.module_loading import import_string

    for dotted in settings.MIDDLEWARE:
        middleware = import_string(dotted)
        assert getattr(middleware, "async_capable", False), dotted


@pytest.fixture
def learner_password_user(db: None) -> str:
    return UserFactory.create(username="grace").get_username()


def test_each_response_names_its_own_nonce_in_a_policy_built_once() -> None:
    shapes = _through(
        list(settings.MIDDLEWARE),
        [Step("GET", "/mw/nonce/"), Step("GET", "/mw/nonce/"), Step("GET", "/mw/plain/")],
    )
    policies = [dict(shape["headers"])["content-security-policy"] for shape in shapes]
    nonces = []
    for shape in shapes[:2]:
        found = re.search(rb"nonce=(\S+)></script>", shape["body"])
        assert found
        nonces.append(found.group(1).decode())
    assert nonces[0] != nonces[1]
    for nonce, policy in zip(nonces, policies, strict=False):
        assert f"'nonce-{nonce}'" in policy
        assert "certify-csp-nonce" not in policy
    assert "nonce-" not in policies[2]
    assert policies[0].replace(nonces[0], "") == policies[1].replace(nonces[1], "")
