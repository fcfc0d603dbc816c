"""The Content-Security-Policy: on every page, strict for scripts, and its violation reports
read and logged."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from certify.models import Certificate
from questions.models import Quiz
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict(header: str) -> None:
    policy = directives(header)
    script = policy["script-src"]
    assert script[0] == "'self'"
    assert all(value.startswith("'nonce-") for value in script[1:])
    assert "'unsafe-inline'" not in script
    assert "'unsafe-eval'" not in script
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["report-uri"] == ["/csp-report/"]
    assert "'unsafe-inline'" not in policy["style-src"]


ANONYMOUS = [
    "/",
    "/lessons/",
    "/lessons/basic-streaming/",
    "/quizzes/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/health/",
    "/no-such-page/",
]
SIGNED_IN = [
    "/dashboard/",
    "/accounts/me/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/logout/",
]


def test_every_page_carries_the_policy(
    client: Client, certificate: Certificate, exam: Quiz
) -> None:
    pages = [
        *ANONYMOUS,
        reverse("certificate_verify", args=[certificate.code]),
        reverse("certificate_print", args=[certificate.code]),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 302, 404), path
        assert_strict(response["Content-Security-Policy"])

    client.force_login(UserFactory.create())
    for path in SIGNED_IN:
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert_strict(response["Content-Security-Policy"])

    client.force_login(StaffFactory.create(is_superuser=True))
    for path in ("/admin/", "/admin/questions/question/", "/admin/questions/question/add/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response["Content-Security-Policy"])


def test_no_page_has_inline_script_or_handlers(client: Client, certificate: Certificate) -> None:
    """What the policy would refuse is not in the markup to begin with."""
    client.force_login(UserFactory.create())
    for path in [*ANONYMOUS, *SIGNED_IN, reverse("certificate_print", args=[certificate.code])]:
        html = client.get(path).content.decode()
        assert " onclick=" not in html, path
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert " src=" in tag or "nonce=" in tag or "application/json" in tag, (path, tag)


def test_a_violation_report_is_logged(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    report = {
        "csp-report": {
            "document-uri": "http://testserver/quizzes/",
            "violated-directive": "script-src-elem",
            "blocked-uri": "inline",
            "source-file": "http://testserver/quizzes/",
            "line-number": 12,
        }
    }

    response = client.post(
        "/csp-report/", json.dumps(report), content_type="application/csp-report"
    )

    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "certify.security"]
    assert record.getMessage() == (
        "CSP violation: script-src-elem blocked inline on http://testserver/quizzes/"
    )


def test_reports_of_the_reporting_api_are_read_too(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    reports = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "http://testserver/",
                "effectiveDirective": "connect-src",
                "blockedURL": "https://elsewhere.example/",
            },
        }
    ]

    response = client.post(
        "/csp-report/", json.dumps(reports), content_type="application/reports+json"
    )

    assert response.status_code == 204
    assert "connect-src blocked https://elsewhere.example/" in caplog.text


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"other": 1}', b'{"csp-report": {"document-uri": "x"}}', b"[1]"],
)
def test_what_is_not_a_report_is_refused_plainly(client: Client, body: bytes) -> None:
    response = client.post("/csp-report/", body, content_type="application/csp-report")
    assert response.status_code == 400
    assert response.content.startswith(b"Not a CSP report")


def test_the_report_endpoint_takes_only_posts(client: Client) -> None:
    assert client.get("/csp-report/").status_code == 405


def test_every_htmx_config_keeps_htmx_within_the_policy() -> None:
    """htmx reads the first htmx-config on a page: each one turns off its inline style and
    its eval, which the policy would refuse."""
    from django.conf import settings

    templates = settings.BASE_DIR / "templates"
    configs = [
        (path, line)
        for path in templates.rglob("*.html")
        for line in path.read_text().splitlines()
        if 'name="htmx-config"' in line
    ]
    assert len(configs) >= 3
    for path, line in configs:
        content = json.loads(line.split("content='", 1)[1].split("'", 1)[0])
        assert content["includeIndicatorStyles"] is False, path
        assert content["allowEval"] is False, path
