"""Request logs: one line per request with its id, user, method, path, status and duration;
JSON lines with LOG_FORMAT=json; a 4xx answer (a 404, a 5 MB body, a bad Host) is that one
line, with no traceback anywhere."""

from __future__ import annotations

import json
import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client

from certify import logs

pytestmark = pytest.mark.django_db

FIVE_MB = 5 * 1024 * 1024
FORM = "application/x-www-form-urlencoded"


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "certify.requests"]


def printed(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the configured console handler prints of the records logged (caplog sees every
    record; the handler's filters decide what reaches the log)."""
    [console] = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, logs.PlainFormatter | logs.JsonFormatter)
    ]
    return [record for record in caplog.records if console.filter(record)]


def test_one_line_per_request_with_its_fields(
    client: Client, learner: User, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(learner)
    caplog.set_level(logging.INFO)

    response = client.get("/quizzes/", HTTP_X_REQUEST_ID="lb-1234")

    [line] = request_lines(caplog)
    fields = logs.request_fields(line)
    assert fields["request_id"] == response["X-Request-ID"] == "lb-1234"
    assert fields["user_id"] == str(learner.pk)
    assert (fields["method"], fields["path"], fields["status"]) == ("GET", "/quizzes/", 200)
    assert fields["duration_ms"] > 0
    assert line.levelno == logging.INFO


def test_a_request_id_that_does_not_look_like_one_is_replaced(client: Client) -> None:
    response = client.get("/", HTTP_X_REQUEST_ID="x" * 500)

    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    ("request_kwargs", "status", "reason"),
    [
        ({"path": "/no/such/page/"}, 404, ""),  # the status says it all
        (
            {"path": "/accounts/login/", "data": "note=" + "x" * FIVE_MB, "method": "post"},
            400,
            "Request body exceeded",
        ),
        ({"path": "/", "HTTP_HOST": "evil.example"}, 400, "Invalid HTTP_HOST header"),
    ],
)
def test_a_client_error_is_one_line_without_a_traceback(
    client: Client,
    caplog: pytest.LogCaptureFixture,
    request_kwargs: dict[str, object],
    status: int,
    reason: str,
) -> None:
    caplog.set_level(logging.INFO)
    kwargs = dict(request_kwargs)
    method = str(kwargs.pop("method", "get"))
    path = str(kwargs.pop("path"))
    if method == "post":
        response = client.post(path, kwargs.pop("data"), content_type=FORM, **kwargs)  # type: ignore[arg-type]
    else:
        response = client.get(path, **kwargs)  # type: ignore[arg-type]

    assert response.status_code == status
    assert [record.name for record in printed(caplog)] == ["certify.requests"]
    [line] = printed(caplog)
    assert line.exc_info is None
    assert line.levelno == logging.WARNING
    assert reason in logs.request_fields(line)["error"]


def test_json_lines(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    client.get("/")
    [line] = request_lines(caplog)

    entry = json.loads(logs.JsonFormatter().format(line))

    assert entry["logger"] == "certify.requests"
    assert entry["message"].startswith("GET / 200 ")
    assert {"time", "level", "request_id", "method", "path", "status", "duration_ms"} <= set(entry)
    assert entry["user_id"] is None


def test_plain_lines_name_the_request(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    client.get("/no/such/page/")
    [line] = request_lines(caplog)

    line.error = "Forbidden (CSRF cookie not set.): /accounts/login/"

    text = logs.PlainFormatter().format(line)

    assert "certify.requests: GET /no/such/page/ 404" in text
    assert f"request_id={line.request_id}" in text  # type: ignore[attr-defined]
    assert 'error="Forbidden (CSRF cookie not set.): /accounts/login/"' in text


def test_other_lines_logged_during_a_request_carry_its_id() -> None:
    record = logging.LogRecord("certify", logging.INFO, __file__, 1, "hello", None, None)
    token = logs.current.set(logs.RequestContext(request_id="abc"))
    try:
        logs.RequestContextFilter().filter(record)
    finally:
        logs.current.reset(token)

    assert record.request_id == "abc"  # type: ignore[attr-defined]
    assert logs.PlainFormatter().format(record).endswith("hello request_id=abc")


def test_a_server_error_keeps_its_traceback() -> None:
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error", None, None
    )
    record.status_code = 500

    assert logs.QuietClientErrors().filter(record) is True
