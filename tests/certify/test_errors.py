"""The branded error pages: a bug is the 500 page; the database away (a restart) is a 503 with
Retry-After, which the pages retry; neither is Django's bare "Server Error (500)"."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def broken(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug")


urlpatterns = [
    path("gone/", database_gone),
    path("broken/", broken),
    path("", include("certify.urls")),
]
handler500 = "certify.views.server_error"

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def visitor() -> Client:
    return Client(raise_request_exception=False)


def test_the_database_away_is_a_503_that_retries(visitor: Client) -> None:
    response = visitor.get("/gone/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "certify is busy for a moment" in page
    assert "Nothing you saved is lost" in page
    assert '<meta http-equiv="refresh" content="5">' in page


def test_a_post_while_the_database_is_away_is_not_resent_by_itself(visitor: Client) -> None:
    page = visitor.post("/gone/").content.decode()

    assert "http-equiv" not in page
    assert "send it again in a few seconds" in page


def test_a_bug_is_the_branded_500(visitor: Client) -> None:
    response = visitor.get("/broken/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "certify" in response.content.decode()


def test_a_broken_error_page_still_answers_plainly(
    visitor: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certify import views

    def broken_template(*args: object, **kwargs: object) -> str:
        raise ValueError("Missing staticfiles manifest entry for 'favicon.svg'")

    monkeypatch.setattr(views, "render_to_string", broken_template)

    response = visitor.get("/broken/")

    assert response.status_code == 500
    assert "certify could not answer (500)" in response.content.decode()
