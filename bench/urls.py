"""The project's URLs plus `/bench/bare/`: a view that does nothing, through the same stack
(every middleware, the session, the database pool), the reference that answer save is
measured against."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("certify.urls")),
]
handler500 = "certify.views.server_error"
