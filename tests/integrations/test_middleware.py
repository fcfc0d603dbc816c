"""Framing: certify refuses every frame, except by the platforms a browser launched it from."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.test.client import RequestFactory

from integrations.middleware import (
    FRAME_COOKIE,
    FRAME_SALT,
    LtiFrameMiddleware,
    remember_frame,
)

pytestmark = pytest.mark.django_db


def test_without_a_launch_certify_cannot_be_framed(client: Client) -> None:
    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_after_a_launch_the_platform_may_frame_every_page(client: Client) -> None:
    response = HttpResponse()
    remember_frame(RequestFactory().get("/"), response, ["https://lms.example"])
    client.cookies[FRAME_COOKIE] = response.cookies[FRAME_COOKIE].value

    page = client.get("/")

    assert "X-Frame-Options" not in page
    policy = [part.strip() for part in page["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'self' https://lms.example" in policy
    assert "frame-ancestors 'none'" not in policy
    assert "object-src 'none'" in policy  # the rest of the policy stays


def test_a_forged_frame_cookie_is_ignored(client: Client) -> None:
    client.cookies[FRAME_COOKIE] = "https://evil.example"

    page = client.get("/")

    assert page["X-Frame-Options"] == "DENY"
    assert "evil.example" not in page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_an_existing_policy_keeps_its_other_directives() -> None:
    request = RequestFactory().get("/")
    request.lti_frame_origins = ["https://lms.example"]  # type: ignore[attr-defined]
    response = HttpResponse()
    response["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"

    out = LtiFrameMiddleware(lambda request: response).process_response(request, response)

    assert out["Content-Security-Policy"] == (
        "default-src 'self'; frame-ancestors 'self' https://lms.example"
    )


def test_the_frame_cookie_is_signed_http_only_and_same_site_none_over_https() -> None:
    request = RequestFactory().get("/", secure=True)
    response = HttpResponse()

    remember_frame(request, response, ["https://lms.example"])

    cookie = response.cookies[FRAME_COOKIE]
    assert cookie["samesite"] == "None"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert FRAME_SALT not in cookie.value
